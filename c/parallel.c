/*
 * parallel.c
 *		Parallel workers carry their leader's filters.
 *
 * The postmaster forks parallel workers, so they inherit only the global
 * filter; without this, a query run in a worker escapes the session and
 * client filters of the session that issued it. A client backend keeps the
 * programs it has stacked; before it can launch workers it publishes them
 * in a DSM segment and announces it in its slot here. Each worker installs
 * them while it restores its leader's settings, before it runs any plan
 * node or user code, with no compile. A worker that cannot find or install
 * exactly what its leader enforces fails, and the query with it.
 */
#include "pgseccomp.h"

#include "access/parallel.h"
#include "miscadmin.h"
#include "storage/backendid.h"
#include "storage/dsm.h"
#include "storage/lwlock.h"
#include "storage/proc.h"
#include "storage/shmem.h"
#include "utils/guc.h"

typedef struct LeaderSlot
{
	pid_t		pid;			/* the client backend that owns the slot */
	uint32		current;		/* generation of the filters it enforces */
	uint32		published;		/* generation of the filters in handle */
	dsm_handle	handle;			/* DSM_HANDLE_INVALID: none above the global */
} LeaderSlot;

static LWLock *leaders_lock = NULL;
static LeaderSlot *leaders = NULL;

/* The leader's published segment, kept mapped for the session. */
static dsm_segment *published_segment = NULL;

/* Set at authentication; a parallel worker restores it from its leader. */
static bool session_filters = false;

Size
pgseccomp_leaders_size(void)
{
	return mul_size(PGSECCOMP_NSLOTS, sizeof(LeaderSlot));
}

void
pgseccomp_leaders_init(LWLock *lock)
{
	bool		found;

	leaders_lock = lock;
	leaders = ShmemInitStruct("pgseccomp leaders", pgseccomp_leaders_size(), &found);
	if (!found)
		memset(leaders, 0, pgseccomp_leaders_size());
}

static bool install_leader_filters(bool *newval, void **extra, GucSource source);

void
pgseccomp_define_parallel_setting(void)
{
	/*
	 * Not a setting for users: the only way into a parallel worker before it
	 * runs anything is the restore of its leader's settings. Set with source
	 * "override" outside any transaction, it is not rolled back, and SET by
	 * a user cannot change it.
	 */
	DefineCustomBoolVariable("pgseccomp.session_filters",
							 "Shows that this session carries pgseccomp session filters.",
							 NULL, &session_filters, false, PGC_SUSET,
							 GUC_NO_SHOW_ALL | GUC_NO_RESET_ALL | GUC_NOT_IN_SAMPLE |
							 GUC_DISALLOW_IN_FILE,
							 install_leader_filters, NULL, NULL);
}

/* In a client backend, once its session filter is in place. */
void
pgseccomp_become_leader(void)
{
	LWLockAcquire(leaders_lock, LW_EXCLUSIVE);
	leaders[PGSECCOMP_MY_SLOT].pid = MyProcPid;
	leaders[PGSECCOMP_MY_SLOT].current = pgseccomp_session->generation;
	leaders[PGSECCOMP_MY_SLOT].published = 0;
	leaders[PGSECCOMP_MY_SLOT].handle = DSM_HANDLE_INVALID;
	LWLockRelease(leaders_lock);
	SetConfigOption("pgseccomp.session_filters", "on", PGC_SUSET, PGC_S_OVERRIDE);
}

/* After set_client_filter stacked another filter. */
void
pgseccomp_leader_changed(void)
{
	LWLockAcquire(leaders_lock, LW_EXCLUSIVE);
	leaders[PGSECCOMP_MY_SLOT].current = pgseccomp_session->generation;
	LWLockRelease(leaders_lock);
}

/*
 * Before this backend may launch parallel workers: publish what it
 * enforces, unless already published.
 */
void
pgseccomp_publish_for_workers(void)
{
	SessionState *s = pgseccomp_session;
	dsm_segment *seg = NULL;
	dsm_segment *old = published_segment;

	if (s == NULL || s->published == s->generation)
		return;
	if (s->nprograms > 0)
	{
		/* int32 count, then each program: int32 length, instructions */
		seg = dsm_create(sizeof(int32) + s->programs.len, 0);
		memcpy(dsm_segment_address(seg), &s->nprograms, sizeof(int32));
		memcpy((char *) dsm_segment_address(seg) + sizeof(int32),
			   s->programs.data, s->programs.len);
		dsm_pin_mapping(seg);
	}
	LWLockAcquire(leaders_lock, LW_EXCLUSIVE);
	leaders[PGSECCOMP_MY_SLOT].published = s->generation;
	leaders[PGSECCOMP_MY_SLOT].handle = seg ? dsm_segment_handle(seg) : DSM_HANDLE_INVALID;
	LWLockRelease(leaders_lock);
	published_segment = seg;
	s->published = s->generation;
	/* Workers of earlier queries are gone: they attach only while starting. */
	if (old)
		dsm_detach(old);
}

/*
 * The check hook of pgseccomp.session_filters: in a parallel worker that
 * restores its leader's settings, install the leader's filters. Returns
 * false, which fails the worker, if that cannot be done exactly.
 */
static bool
install_leader_filters(bool *newval, void **extra, GucSource source)
{
	PGPROC	   *leader = MyProc ? MyProc->lockGroupLeader : NULL;
	LeaderSlot	slot;
	dsm_segment *seg;
	char	   *p;
	char	   *end;
	int32		count;
	int			installed = 0;

	if (!InitializingParallelWorker || !*newval)
		return true;
	if (!pgseccomp_enabled || leaders == NULL || leader == NULL || leader == MyProc)
	{
		GUC_check_errmsg("pgseccomp could not find the leader of this parallel worker");
		return false;
	}

	LWLockAcquire(leaders_lock, LW_SHARED);
	slot = leaders[PGSECCOMP_LEADER_SLOT];
	LWLockRelease(leaders_lock);
	if (slot.pid != leader->pid || slot.published != slot.current)
	{
		GUC_check_errmsg("pgseccomp filters of the leader of this parallel worker are not published");
		GUC_check_errdetail("Leader PID %d, slot PID %d, generation %u published %u.",
							leader->pid, (int) slot.pid, slot.current, slot.published);
		return false;
	}
	if (slot.handle == DSM_HANDLE_INVALID)
		return true;			/* the leader enforces the global filter alone */

	seg = dsm_attach(slot.handle);
	if (seg == NULL)
	{
		GUC_check_errmsg("could not attach to the pgseccomp filters of the parallel leader");
		return false;
	}
	p = dsm_segment_address(seg);
	end = p + dsm_segment_map_length(seg);
	memcpy(&count, p, sizeof(int32));
	p += sizeof(int32);
	while (installed < count && p + sizeof(int32) <= end)
	{
		int32		ninsns;
		char	   *why;

		memcpy(&ninsns, p, sizeof(int32));
		p += sizeof(int32);
		if (ninsns <= 0 || p + ninsns * sizeof(struct sock_filter) > end)
			break;
		if (!pgseccomp_install((struct sock_filter *) p, ninsns, &why))
		{
			dsm_detach(seg);
			GUC_check_errmsg("could not install the pgseccomp filters of the parallel leader");
			GUC_check_errdetail("%s", why);
			return false;
		}
		p += ninsns * sizeof(struct sock_filter);
		installed++;
	}
	dsm_detach(seg);
	if (installed != count)
	{
		GUC_check_errmsg("malformed pgseccomp filters of the parallel leader");
		GUC_check_errdetail("%d of %d filters could be read.", installed, count);
		return false;
	}
	elog(DEBUG1, "pgseccomp installed %d filters of parallel leader %d", installed, leader->pid);
	return true;
}

/*
 * parallel.c
 *		Parallel workers carry exactly their leader's filters.
 *
 * The postmaster forks parallel workers, so they inherit the global filter
 * alone. As it is forked, a parallel worker installs the program its
 * leader announced when it was confined (registry.c), from its own
 * inherited copy. A process that stacks set_client_filter programs keeps
 * them in a DSM segment and names it in its slot here, with its first
 * program; at the end of its start-up transaction (before it loads its
 * leader's libraries or restores its settings), the worker checks the slot
 * against the announcement and installs the client programs. A leader
 * without them writes no slot, which keeps a shared-memory page out of
 * every connection.
 *
 * The slot and the segment are in memory any process can write, so they
 * are hostile input. Client programs are stacked on top of the announced
 * program, so they can only add denials; their number must add up with the
 * kernel's count of the leader's filters.
 */
#include "parallel.h"

#include <fcntl.h>
#include <unistd.h>

#include "access/parallel.h"
#include "miscadmin.h"
#include "storage/dsm.h"
#include "storage/ipc.h"
#include "storage/proc.h"
#include "storage/shmem.h"

#include "install.h"
#include "procfs.h"

#define CLIENT_PROGRAMS_MAX	4096	/* more would pass the kernel's limit */

typedef struct LeaderSlot
{
	pid_t		pid;			/* the process that owns the slot */
	int32		base_program;	/* its first program; 0 none, -1 its own */
	int32		nclients;		/* client programs in handle */
	dsm_handle	handle;			/* DSM_HANDLE_INVALID when none */
} LeaderSlot;

static LeaderSlot *leaders = NULL;

/* In a parallel worker: the leader's first program, installed at fork. */
static bool leader_base_at_fork = false;
static int	leader_base_program = 0;

/* This process's client programs, kept mapped while it lives. */
static dsm_segment *published = NULL;

/* The process that published in its slot, and clears it at exit. */
static pid_t published_pid = 0;

Size
pgseccomp_leaders_size(void)
{
	return mul_size(PGSECCOMP_NSLOTS, sizeof(LeaderSlot));
}

static bool
have_slot(void)
{
	return leaders != NULL && PGSECCOMP_MY_SLOT >= 0 && PGSECCOMP_MY_SLOT < PGSECCOMP_NSLOTS;
}

/* At exit: a later process with the same pid must not find the slot. */
static void
clear_slot(int code, Datum arg)
{
	if (have_slot() && leaders[PGSECCOMP_MY_SLOT].pid == MyProcPid)
		leaders[PGSECCOMP_MY_SLOT].pid = 0;
}

/* Under AddinShmemInitLock. */
void
pgseccomp_leaders_init(void)
{
	bool		found;

	leaders = ShmemInitStruct("pgseccomp leaders", pgseccomp_leaders_size(), &found);
	if (!found)
		memset(leaders, 0, pgseccomp_leaders_size());
}

/*
 * The segment that will hold this process's client programs once it has
 * stacked next: made before the filter is installed, since the new filter
 * may deny what making it takes.
 */
dsm_segment *
pgseccomp_client_segment(const ProcessStack *stack, const CompiledFilter *next)
{
	dsm_segment *seg;
	int32		count = stack->nclients + 1;
	int32		ninsns = next->ninsns;
	char	   *p;

	if (!have_slot())
		return NULL;
	/* int32 count, then per program: int32 length, instructions */
	seg = dsm_create(sizeof(int32) * 2 + stack->programs.len +
					 sizeof(struct sock_filter) * ninsns, 0);
	p = dsm_segment_address(seg);
	memcpy(p, &count, sizeof(int32));
	p += sizeof(int32);
	if (stack->nclients > 0)
		memcpy(p, stack->programs.data, stack->programs.len);
	p += stack->nclients > 0 ? stack->programs.len : 0;
	memcpy(p, &ninsns, sizeof(int32));
	memcpy(p + sizeof(int32), next->program, sizeof(struct sock_filter) * ninsns);
	dsm_pin_mapping(seg);
	return seg;
}

/*
 * Announce what this process enforces, for parallel workers it may start:
 * its first program and, in seg, its client programs (NULL: none).
 *
 * No lock: the slot has one writer, this process, which never writes it
 * while it starts parallel workers (set_client_filter does not run in a
 * parallel context), and readers check what they read as hostile input
 * anyway. On the connection path, a lock would be one more page to touch.
 */
void
pgseccomp_publish_stack(const ProcessStack *stack, dsm_segment *seg)
{
	dsm_segment *old = published;
	LeaderSlot *slot;

	if (!have_slot())
		return;
	slot = &leaders[PGSECCOMP_MY_SLOT];
	if (published_pid != MyProcPid)
	{
		/* Children of the postmaster drop its exit callbacks: register here. */
		on_shmem_exit(clear_slot, (Datum) 0);
		published_pid = MyProcPid;
	}
	slot->base_program = stack->base_program;
	slot->nclients = stack->nclients;
	slot->handle = seg ? dsm_segment_handle(seg) : DSM_HANDLE_INVALID;
	/* A reader finds the slot by its pid: the fields come first. */
	pg_write_barrier();
	slot->pid = MyProcPid;
	published = seg;
	/* set_client_filter never runs while this process has parallel workers. */
	if (old)
		dsm_detach(old);
}

static void
fail(const char *message, const char *detail)
{
	ereport(FATAL,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("%s", message),
			 detail ? errdetail_internal("%s", detail) : 0));
}

static void
install_or_fail(const struct sock_filter *insns, int ninsns)
{
	char	   *why;

	if (!pgseccomp_install(insns, ninsns, &why))
		fail("could not install the pgseccomp filters of the parallel leader", why);
}

/* The leader's client programs, read from its segment as hostile input. */
static void
install_client_programs(dsm_handle handle, int32 expected)
{
	dsm_segment *seg = dsm_attach(handle);
	char	   *p;
	char	   *end;
	int32		count;
	int			installed = 0;

	if (seg == NULL)
		fail("could not attach to the pgseccomp filters of the parallel leader", NULL);
	p = dsm_segment_address(seg);
	end = p + dsm_segment_map_length(seg);
	if (end - p < (ptrdiff_t) sizeof(int32))
		fail("malformed pgseccomp filters of the parallel leader", "The segment is too short.");
	memcpy(&count, p, sizeof(int32));
	p += sizeof(int32);
	if (count != expected || count <= 0 || count > CLIENT_PROGRAMS_MAX)
		fail("malformed pgseccomp filters of the parallel leader",
			 psprintf("The segment claims %d programs, the slot %d.", count, expected));
	while (installed < count)
	{
		int32		ninsns;
		struct sock_filter *copy;

		if (end - p < (ptrdiff_t) sizeof(int32))
			break;
		memcpy(&ninsns, p, sizeof(int32));
		p += sizeof(int32);
		if (ninsns <= 0 || ninsns > BPF_MAXINSNS ||
			end - p < (ptrdiff_t) (ninsns * sizeof(struct sock_filter)))
			break;
		/* A copy: the leader could change the segment while the kernel reads it. */
		copy = palloc(ninsns * sizeof(struct sock_filter));
		memcpy(copy, p, ninsns * sizeof(struct sock_filter));
		install_or_fail(copy, ninsns);
		pfree(copy);
		p += ninsns * sizeof(struct sock_filter);
		installed++;
	}
	dsm_detach(seg);
	if (installed != count)
		fail("malformed pgseccomp filters of the parallel leader",
			 psprintf("%d of %d programs could be read.", installed, count));
}

/* In a parallel worker as it is forked: its leader's first program is in. */
void
pgseccomp_leader_base_installed(int program)
{
	leader_base_at_fork = true;
	leader_base_program = program;
}

/*
 * In a parallel worker, at the end of its start-up transaction: install
 * what its leader enforces. Fails the worker, and the query with it, if
 * that cannot be done exactly.
 */
void
pgseccomp_install_leader_stack(void)
{
	PGPROC	   *leader = MyProc ? MyProc->lockGroupLeader : NULL;
	LeaderSlot	slot;

	if (leaders == NULL || leader == NULL || leader == MyProc ||
		PGSECCOMP_LEADER_SLOT < 0 || PGSECCOMP_LEADER_SLOT >= PGSECCOMP_NSLOTS)
		fail("pgseccomp could not find the leader of this parallel worker", NULL);

	/*
	 * The first program was installed at fork, from what the leader
	 * announced when it was confined (registry.c).
	 */
	if (!leader_base_at_fork)
		fail("pgseccomp did not confine this parallel worker as it was forked", NULL);
	slot.pid = leaders[PGSECCOMP_LEADER_SLOT].pid;
	pg_read_barrier();			/* the fields were written before the pid */
	slot = leaders[PGSECCOMP_LEADER_SLOT];
	if (slot.pid != leader->pid)
	{
		/* Not written: a leader writes its slot with its first client filter. */
		slot.base_program = leader_base_program;
		slot.nclients = 0;
		slot.handle = DSM_HANDLE_INVALID;
	}
	if (slot.base_program != leader_base_program)
		fail("pgseccomp filters of the leader of this parallel worker are not the ones it announced",
			 psprintf("Program %d announced, %d in its slot.", leader_base_program,
					  (int) slot.base_program));
	/*
	 * The kernel knows how many filters the leader has: the client programs
	 * its slot names (none, if it wrote none) must add up with them.
	 */
	if (pgseccomp_process_filters(leader->pid) != 1 + (slot.base_program > 0 ? 1 : 0) + slot.nclients)
		fail("pgseccomp filters of the leader of this parallel worker do not add up",
			 psprintf("The leader has %d filters; it announces %d.", pgseccomp_process_filters(leader->pid),
					  1 + (slot.base_program > 0 ? 1 : 0) + (int) slot.nclients));
	if (slot.handle != DSM_HANDLE_INVALID || slot.nclients != 0)
		install_client_programs(slot.handle, slot.nclients);
	elog(DEBUG1, "pgseccomp installed the filters of parallel leader %d", (int) leader->pid);
}

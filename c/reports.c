/*
 * reports.c
 *		Denials and learned syscalls, in shared memory, and their SQL.
 *
 * The SIGSYS handler (trap.c) writes here without a lock and without a
 * syscall: denials into a ring that keeps the newest DENIALS_KEPT and into
 * the evidence, an open-addressing table that keeps the first and the
 * latest denial of each (role, backend type, syscall) with a count, however
 * many others arrive; learned syscalls into another such table, one entry
 * per level, filter owner, backend type, role and syscall. A role may take
 * at most EVIDENCE_PER_ROLE entries of the evidence, and entries are never
 * taken back but by seccomp_denials_reset(): a flood by one role pushes
 * other roles' denials out of the ring, never out of the evidence. Any
 * process may be compromised and can write all of this, so readers treat
 * every byte as hostile: a record is evidence of what honest processes
 * saw, not proof.
 */
#include "reports.h"

#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>

#include "access/xact.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_type.h"
#include "commands/dbcommands.h"
#include "fmgr.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "port/atomics.h"
#include "postmaster/bgworker.h"
#include "replication/walsender.h"
#include "storage/fd.h"
#include "storage/ipc.h"
#include "storage/pg_shmem.h"
#include "storage/proc.h"
#include "storage/shmem.h"
#include "tcop/tcopprot.h"
#include "utils/backend_status.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "compat.h"
#include "names.h"
#include "target.h"

#define DENIALS_KEPT 10240
/*
 * Evidence: one entry per (role, backend type, syscall). One role fills at
 * most a sixteenth of the table, whatever it runs; roles beyond ROLE_SLOTS
 * share one more count and one more cap.
 */
#define EVIDENCE_SLOTS 4096
#define EVIDENCE_PROBES 64
#define EVIDENCE_PER_ROLE 256
#define ROLE_SLOTS 1024
#define ROLE_OTHERS ROLE_SLOTS
/* Roles named in the log line that counts denials not logged. */
#define LOG_ROLES_NAMED 5
#define LEARNED_SLOTS 4096
#define LEARNED_PROBES 64
#define OBSERVED_SLOTS 512
/* Learned data kept across restarts, and how often the compile worker writes them. */
#define LEARNED_FILE "pg_stat/pgseccomp_learned.stat"
#define LEARNED_FILE_MAGIC 0x50534c31	/* "PSL1" */
#define PERSIST_EVERY_SECS 60
/* In Reports.changes: a reset the file does not show yet. */
#define RESET_PENDING (UINT64CONST(1) << 63)
#define QUERY_LEN ((int) sizeof(((LearnedSyscall *) 0)->query))
#define TYPE_LEN ((int) sizeof(((LearnedSyscall *) 0)->type))
/* In the compile worker: lines of the server log per pass, about a second. */
#define LOG_PER_PASS 10

/* What one denial says. */
typedef struct DenialRecord
{
	uint64		pos;			/* its position among all denials */
	TimestampTz at;
	int32		pid;
	int32		nr;
	int32		err;
	int32		level;
	Oid			dbid;
	Oid			roleid;
	Oid			loginid;		/* the session's: whose statement query is */
	char		type[TYPE_LEN];
	char		query[QUERY_LEN];
} DenialRecord;

typedef struct Denial
{
	pg_atomic_uint64 seq;		/* position + 1 once written; 0 while written */
	DenialRecord r;
} Denial;

/* The first and latest denial of one (role, backend type, syscall). */
typedef struct Evidence
{
	pg_atomic_uint32 state;		/* 0 free, 1 being filled, 2 ready */
	uint32		hash;
	Oid			roleid;
	int32		nr;
	char		type[TYPE_LEN];
	pg_atomic_uint64 count;
	DenialRecord first;			/* written while state is 1 */
	pg_atomic_uint32 last_seq;	/* odd while a process writes last */
	DenialRecord last;
} Evidence;

/* What one role's denials took and missed. */
typedef struct RoleCount
{
	pg_atomic_uint64 key;		/* role + 1; 0 while free */
	pg_atomic_uint32 entries;	/* evidence entries taken */
	pg_atomic_uint64 denials;
	pg_atomic_uint64 unrecorded;	/* denials of a key that got no entry */
} RoleCount;

typedef struct Learned
{
	pg_atomic_uint32 state;		/* 0 free, 1 being filled, 2 ready */
	uint32		hash;
	int32		nr;
	int32		level;
	Oid			roleid;
	Oid			loginid;		/* the session's: whose statement query is */
	char		owner[PGSECCOMP_OWNER_LEN];
	char		type[TYPE_LEN];
	pg_atomic_uint64 calls;
	pg_atomic_uint64 first;
	pg_atomic_uint64 last;
	char		query[QUERY_LEN];
} Learned;

/*
 * What a learning level observed: per level, owner and backend type, how
 * many processes it confined while learning, and when the first and the
 * last of them were seen (at its confinement, and at each learned trap).
 */
typedef struct Observed
{
	pg_atomic_uint32 state;		/* 0 free, 1 being filled, 2 ready */
	uint32		hash;
	int32		level;
	char		owner[PGSECCOMP_OWNER_LEN];
	char		type[TYPE_LEN];
	pg_atomic_uint64 processes;
	pg_atomic_uint64 first;
	pg_atomic_uint64 last;
} Observed;

typedef struct Reports
{
	pg_atomic_uint64 next;		/* denials ever written */
	pg_atomic_uint64 base;		/* next at the last reset */
	pg_atomic_uint64 learned_dropped;
	pg_atomic_uint64 since;		/* TimestampTz of the last reset */
	pg_atomic_uint64 changes;	/* learned or observed entries added, resets */
	pg_atomic_uint64 learned_resets;	/* calls of seccomp_learned_reset() */
	Denial		denials[DENIALS_KEPT];
	Evidence	evidence[EVIDENCE_SLOTS];
	RoleCount	roles[ROLE_SLOTS + 1];	/* the last one: every other role */
	Learned		learned[LEARNED_SLOTS];
	Observed	observed[OBSERVED_SLOTS];
} Reports;

static Reports *reports = NULL;

char		pgseccomp_process_owner[PGSECCOMP_OWNER_LEN] = "";
bool		pgseccomp_process_is_helper = false;
bool		pgseccomp_process_forked = false;
bool		pgseccomp_process_authenticated = false;

/* This process's observation per level, once made (MyProcPid's). */
static Observed *observing[PGSECCOMP_LEVEL_SESSION + 1];
static TimestampTz observed_at[PGSECCOMP_LEVEL_SESSION + 1];	/* when last written */
static int	observing_pid = 0;

/*
 * Shared memory is unmapped at exit, and right after fork by processes that
 * do not need it (the logger): only touch it while it is there.
 */
#define REPORTS_MAPPED() (reports != NULL && UsedShmemSegAddr != NULL)

/*
 * What the postmaster learns before shared memory exists (its own start),
 * copied there at each shared memory initialization.
 */
#define EARLY_MAX 256
static int32 early_nr[EARLY_MAX];
static int	early_n = 0;

static TimestampTz
now_or_zero(int nr)
{
	struct timespec ts;

	/* A clock call that traps would trap again here. */
	if (nr == SYS_clock_gettime || nr == SYS_gettimeofday
#ifdef SYS_time
		|| nr == SYS_time
#endif
		|| clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return 0;
	return ((TimestampTz) ts.tv_sec - (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY) *
		USECS_PER_SEC + ts.tv_nsec / 1000;
}

/* The backend type as pg_stat_activity names it. */
static void
process_type(char *buf)
{
	const char *t;

	if (pgseccomp_process_is_helper)
		t = "pgseccomp helper";
	else if (!IsUnderPostmaster && pgseccomp_process_forked)
		t = GetBackendTypeDesc(B_INVALID);	/* forked, not yet initialized */
	else if (!IsUnderPostmaster)
		t = MyProcPid == PostmasterPid ? "postmaster" : "standalone backend";
	else if (MyBackendType == B_BG_WORKER && MyBgworkerEntry)
		t = MyBgworkerEntry->bgw_type;
	else if (am_walsender)
		t = GetBackendTypeDesc(B_WAL_SENDER);
	else
		t = GetBackendTypeDesc(MyBackendType);
	strlcpy(buf, t, TYPE_LEN);
}

/*
 * The role the session logged in as: whose statement this process runs,
 * which may call another role's code (SECURITY DEFINER, an expression
 * that role wrote); none in a process that runs no session.
 */
static Oid
login_role(void)
{
	return MyProc != NULL ? MyProc->roleId : InvalidOid;
}

static Oid
current_role(void)
{
	Oid			role;
	int			sec;

	GetUserIdAndSecContext(&role, &sec);
	return role;
}

/*
 * The statement being run, as pg_stat_activity shows it: from this
 * process's status entry in shared memory, which stays mapped while the
 * reports are. debug_query_string could point into memory already gone
 * (pg_cron's worker points it into a DSM segment it detaches), and a fault
 * here would kill the process.
 */
static void
copy_query(char *buf)
{
	volatile PgBackendStatus *be = MyBEEntry;
	int			n = Min(QUERY_LEN - 1, pgstat_track_activity_query_size);

	buf[0] = '\0';
	if (be == NULL || be->st_activity_raw == NULL || n <= 0 ||
		(be->st_state != STATE_RUNNING && be->st_state != STATE_FASTPATH))
		return;
	memcpy(buf, be->st_activity_raw, n);
	buf[n] = '\0';
}

#define MIX(x) (h = (h ^ (uint32) (x)) * 16777619u)

/* The role's counts: its own while there is room, else every other role's. */
static int
role_slot(Oid role, bool insert)
{
	uint64		key = (uint64) role + 1;
	uint32		h = (uint32) role * 2654435761u;
	int			i;

	for (i = 0; i < ROLE_SLOTS; i++)
	{
		int			slot = (h + i) % ROLE_SLOTS;
		RoleCount  *rc = &reports->roles[slot];
		uint64		k = pg_atomic_read_u64(&rc->key);

		if (k == key)
			return slot;
		if (k != 0)
			continue;
		if (!insert)
			break;
		if (pg_atomic_compare_exchange_u64(&rc->key, &k, key) || k == key)
			return slot;
	}
	return ROLE_OTHERS;
}

static uint32
evidence_hash(Oid role, int nr, const char *type)
{
	uint32		h = 2166136261u;
	const char *p;

	MIX(role);
	MIX(nr);
	for (p = type; *p; p++)
		MIX(*p);
	return h;
}

/*
 * Count the denial in its (role, backend type, syscall) entry and make it
 * the latest there, or take a free entry and make it the first and the
 * latest, within the role's share. A process that finds the latest record
 * being written (by another process, or by itself in a handler it
 * interrupted) leaves that one standing.
 */
static void
keep_evidence(const DenialRecord *r)
{
	RoleCount  *rc = &reports->roles[role_slot(r->roleid, true)];
	uint32		h = evidence_hash(r->roleid, r->nr, r->type);
	int			i;

	pg_atomic_fetch_add_u64(&rc->denials, 1);
	for (i = 0; i < EVIDENCE_PROBES; i++)
	{
		Evidence   *e = &reports->evidence[(h + i) % EVIDENCE_SLOTS];
		uint32		state = pg_atomic_read_u32(&e->state);

		if (state == 2 && e->hash == h && e->roleid == r->roleid && e->nr == r->nr &&
			strncmp(e->type, r->type, TYPE_LEN) == 0)
		{
			uint32		seq = pg_atomic_read_u32(&e->last_seq);

			pg_atomic_fetch_add_u64(&e->count, 1);
			if ((seq & 1) == 0 && pg_atomic_compare_exchange_u32(&e->last_seq, &seq, seq + 1))
			{
				e->last = *r;
				pg_write_barrier();
				pg_atomic_write_u32(&e->last_seq, seq + 2);
			}
			return;
		}
		if (state != 0)
			continue;			/* another key, or being filled: further on */
		if (pg_atomic_fetch_add_u32(&rc->entries, 1) >= EVIDENCE_PER_ROLE)
		{
			pg_atomic_fetch_sub_u32(&rc->entries, 1);
			break;
		}
		if (!pg_atomic_compare_exchange_u32(&e->state, &state, 1))
		{
			/* Taken meanwhile; two entries of one key are merged when read. */
			pg_atomic_fetch_sub_u32(&rc->entries, 1);
			continue;
		}
		e->hash = h;
		e->roleid = r->roleid;
		e->nr = r->nr;
		memcpy(e->type, r->type, TYPE_LEN);
		e->first = *r;
		e->last = *r;
		pg_atomic_write_u32(&e->last_seq, 0);
		pg_atomic_write_u64(&e->count, 1);
		pg_write_barrier();
		pg_atomic_write_u32(&e->state, 2);
		return;
	}
	pg_atomic_fetch_add_u64(&rc->unrecorded, 1);
}

void
pgseccomp_report_denial(int nr, int err, int level)
{
	uint64		pos;
	Denial	   *d;
	DenialRecord r;

	if (!REPORTS_MAPPED())
		return;
	pos = pg_atomic_fetch_add_u64(&reports->next, 1);
	r.pos = pos;
	r.at = now_or_zero(nr);
	r.pid = MyProcPid;
	r.nr = nr;
	r.err = err;
	r.level = level;
	r.dbid = MyDatabaseId;
	r.roleid = current_role();
	r.loginid = login_role();
	memset(r.type, 0, TYPE_LEN);
	process_type(r.type);
	copy_query(r.query);

	d = &reports->denials[pos % DENIALS_KEPT];
	pg_atomic_write_u64(&d->seq, 0);
	pg_write_barrier();
	d->r = r;
	pg_write_barrier();
	pg_atomic_write_u64(&d->seq, pos + 1);

	keep_evidence(&r);
}

static uint32
learned_hash(int nr, int level, Oid role, const char *owner, const char *type)
{
	uint32		h = 2166136261u;
	const char *p;

	MIX(nr);
	MIX(level);
	MIX(role);
	for (p = owner; *p; p++)
		MIX(*p);
	MIX(0);
	for (p = type; *p; p++)
		MIX(*p);
	return h;
}

static bool
same_key(const Learned *e, int nr, int level, Oid role, const char *owner, const char *type)
{
	return e->nr == nr && e->level == level && e->roleid == role &&
		strncmp(e->owner, owner, PGSECCOMP_OWNER_LEN) == 0 &&
		strncmp(e->type, type, TYPE_LEN) == 0;
}

static void
learn_one(int nr, int level, const char *owner)
{
	char		type[TYPE_LEN];
	Oid			role = current_role();
	uint32		h;
	int			i;
	TimestampTz now = now_or_zero(nr);

	process_type(type);
	h = learned_hash(nr, level, role, owner, type);
	for (i = 0; i < LEARNED_PROBES; i++)
	{
		Learned    *e = &reports->learned[(h + i) % LEARNED_SLOTS];
		uint32		state = pg_atomic_read_u32(&e->state);

		if (state == 0 && pg_atomic_compare_exchange_u32(&e->state, &state, 1))
		{
			e->hash = h;
			e->nr = nr;
			e->level = level;
			e->roleid = role;
			e->loginid = login_role();
			strlcpy(e->owner, owner, PGSECCOMP_OWNER_LEN);
			strlcpy(e->type, type, TYPE_LEN);
			copy_query(e->query);
			pg_atomic_write_u64(&e->calls, 1);
			pg_atomic_write_u64(&e->first, (uint64) now);
			pg_atomic_write_u64(&e->last, (uint64) now);
			pg_write_barrier();
			pg_atomic_write_u32(&e->state, 2);
			pg_atomic_fetch_add_u64(&reports->changes, 1);
			return;
		}
		/* Being filled (perhaps by this very process, interrupted): try further on. */
		if (state == 2 && e->hash == h && same_key(e, nr, level, role, owner, type))
		{
			pg_atomic_fetch_add_u64(&e->calls, 1);
			if (now != 0)
				pg_atomic_write_u64(&e->last, (uint64) now);
			return;
		}
	}
	pg_atomic_fetch_add_u64(&reports->learned_dropped, 1);
}

static uint32
observed_hash(int level, const char *owner, const char *type)
{
	return learned_hash(-1, level, InvalidOid, owner, type);
}

static bool
same_observed(const Observed *o, int level, const char *owner, const char *type)
{
	return o->level == level && strncmp(o->owner, owner, PGSECCOMP_OWNER_LEN) == 0 &&
		strncmp(o->type, type, TYPE_LEN) == 0;
}

/*
 * The entry of a level, owner and type, made if missing (processes 0), or
 * NULL when the table is full. Async-signal-safe, like learn_one.
 */
static Observed *
observed_entry(int level, const char *owner, const char *type, TimestampTz first)
{
	uint32		h = observed_hash(level, owner, type);
	int			i;

	for (i = 0; i < LEARNED_PROBES; i++)
	{
		Observed   *o = &reports->observed[(h + i) % OBSERVED_SLOTS];
		uint32		state = pg_atomic_read_u32(&o->state);

		if (state == 0 && pg_atomic_compare_exchange_u32(&o->state, &state, 1))
		{
			o->hash = h;
			o->level = level;
			strlcpy(o->owner, owner, PGSECCOMP_OWNER_LEN);
			strlcpy(o->type, type, TYPE_LEN);
			pg_atomic_write_u64(&o->processes, 0);
			pg_atomic_write_u64(&o->first, (uint64) first);
			pg_atomic_write_u64(&o->last, (uint64) first);
			pg_write_barrier();
			pg_atomic_write_u32(&o->state, 2);
			pg_atomic_fetch_add_u64(&reports->changes, 1);
			return o;
		}
		if (state == 2 && o->hash == h && same_observed(o, level, owner, type))
			return o;
	}
	return NULL;
}

/*
 * Count this process once for a learning level, as the type it is now, and
 * note the time it was last seen. Not before its type is known: a child
 * not yet initialized, a client backend or walsender not yet
 * authenticated (a walsender starts as a client backend).
 */
static void
observe(int level, const char *owner, TimestampTz now)
{
	char		type[TYPE_LEN];
	Observed   *o;

	if (observing_pid != MyProcPid)
	{
		memset(observing, 0, sizeof(observing));
		memset(observed_at, 0, sizeof(observed_at));
		observing_pid = MyProcPid;
	}
	o = observing[level];
	process_type(type);
	if (o != NULL && same_observed(o, level, owner, type))
	{
		/* At most once a second: the entry is shared by every process of the type. */
		if (now != 0 && now - observed_at[level] >= USECS_PER_SEC)
		{
			pg_atomic_write_u64(&o->last, (uint64) now);
			observed_at[level] = now;
		}
		return;
	}
	if (strcmp(type, GetBackendTypeDesc(B_INVALID)) == 0 || owner[0] == '\0' ||
		(IsUnderPostmaster && (MyBackendType == B_BACKEND || am_walsender) &&
		 !pgseccomp_process_authenticated))
		return;
	o = observed_entry(level, owner, type, now);
	if (o == NULL)
		return;
	pg_atomic_fetch_add_u64(&o->processes, 1);
	if (now != 0)
	{
		uint64		first = pg_atomic_read_u64(&o->first);

		if (first == 0 || (uint64) now < first)
			pg_atomic_write_u64(&o->first, (uint64) now);
		pg_atomic_write_u64(&o->last, (uint64) now);
	}
	observing[level] = o;
	observed_at[level] = now;
}

/* Does an owner's level learn, by the settings this process has? */
static bool
level_learns(int level, const char *owner)
{
	const char *setting = pgseccomp_learning_setting(level, owner);
	const char *value = setting ? GetConfigOption(setting, true, false) : NULL;

	return value != NULL && pg_strcasecmp(value, "learn") == 0;
}

void
pgseccomp_observe_process(void)
{
	TimestampTz now;

	if (!REPORTS_MAPPED())
		return;
	now = GetCurrentTimestamp();
	if (level_learns(PGSECCOMP_LEVEL_GLOBAL, "G"))
		observe(PGSECCOMP_LEVEL_GLOBAL, "G", now);
	if (pgseccomp_process_owner[0] != '\0' &&
		level_learns(PGSECCOMP_LEVEL_SESSION, pgseccomp_process_owner))
		observe(PGSECCOMP_LEVEL_SESSION, pgseccomp_process_owner, now);
}

/* For programs.c: what reports.c knows of this process. */
bool
pgseccomp_level_learns(int level, const char *owner)
{
	return level_learns(level, owner);
}

void
pgseccomp_report_process_type(char *buf)
{
	process_type(buf);
}

uint64
pgseccomp_learned_resets(void)
{
	return REPORTS_MAPPED() ? pg_atomic_read_u64(&reports->learned_resets) : 0;
}

void
pgseccomp_set_process_owner_key(const char *key)
{
	strlcpy(pgseccomp_process_owner, key ? key : "", sizeof(pgseccomp_process_owner));
}

void
pgseccomp_set_process_owner(TargetKind kind, const char *name)
{
	pgseccomp_owner_key(kind, name, pgseccomp_process_owner);
}

void
pgseccomp_report_learned(int nr, bool global, bool session)
{
	if (!REPORTS_MAPPED())
	{
		/* The postmaster before shared memory: remember the syscall. */
		if (global && early_n < EARLY_MAX &&
			!IsUnderPostmaster)
		{
			int			i;

			for (i = 0; i < early_n && early_nr[i] != nr; i++)
				;
			if (i == early_n)
				early_nr[early_n++] = nr;
		}
		return;
	}
	if (global)
	{
		learn_one(nr, PGSECCOMP_LEVEL_GLOBAL, "G");
		observe(PGSECCOMP_LEVEL_GLOBAL, "G", now_or_zero(nr));
	}
	if (session)
	{
		learn_one(nr, PGSECCOMP_LEVEL_SESSION, pgseccomp_process_owner);
		observe(PGSECCOMP_LEVEL_SESSION, pgseccomp_process_owner, now_or_zero(nr));
	}
}

static void persist_learned(void);
static void restore_learned(void);

/* In the postmaster, at shutdown and before a crash restart. */
static void
persist_at_exit(int code, Datum arg)
{
	if (reports != NULL)
		persist_learned();
}

static void
forget_reports(int code, Datum arg)
{
	reports = NULL;
}

/*
 * The postmaster maps the reports once, apart from PostgreSQL's shared
 * memory, and keeps them for its whole life; every child inherits them by
 * fork. PostgreSQL makes its shared memory anew at a crash restart, which
 * any process that can kill a backend can cause: the denials and the
 * evidence stay. An entry that a killed process left half written stays
 * "being written" (a ring row, a latest record) or "being filled" (an
 * entry), which readers skip and writers pass by.
 */
static Reports *reports_kept = NULL;

/*
 * Where the compile worker starts logging: the denials written before the
 * last crash restart were logged, or counted, by the worker before it.
 */
static uint64 logged_at_restart = 0;
static bool restarted = false;

void
pgseccomp_reports_init(void)
{
	int			i;

	if (reports_kept != NULL)
	{
		/* A crash restart: the reports stay as they are. */
		reports = reports_kept;
		if (!IsUnderPostmaster)
		{
			logged_at_restart = pg_atomic_read_u64(&reports->next);
			restarted = true;
		}
	}
	else if (IsUnderPostmaster)
		return;					/* not inherited (EXEC_BACKEND): nothing to report into */
	else
	{
		void	   *p = mmap(NULL, sizeof(Reports), PROT_READ | PROT_WRITE,
							 MAP_SHARED | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			ereport(FATAL,
					(errcode(ERRCODE_OUT_OF_MEMORY),
					 errmsg("could not map %zu bytes for pgseccomp's denials: %m", sizeof(Reports))));
		reports_kept = reports = p;
		memset(reports, 0, sizeof(Reports));
		pg_atomic_init_u64(&reports->next, 0);
		pg_atomic_init_u64(&reports->base, 0);
		pg_atomic_init_u64(&reports->learned_dropped, 0);
		pg_atomic_init_u64(&reports->since, (uint64) GetCurrentTimestamp());
		for (i = 0; i < DENIALS_KEPT; i++)
			pg_atomic_init_u64(&reports->denials[i].seq, 0);
		for (i = 0; i < EVIDENCE_SLOTS; i++)
		{
			pg_atomic_init_u32(&reports->evidence[i].state, 0);
			pg_atomic_init_u64(&reports->evidence[i].count, 0);
			pg_atomic_init_u32(&reports->evidence[i].last_seq, 0);
		}
		for (i = 0; i <= ROLE_SLOTS; i++)
		{
			pg_atomic_init_u64(&reports->roles[i].key, 0);
			pg_atomic_init_u32(&reports->roles[i].entries, 0);
			pg_atomic_init_u64(&reports->roles[i].denials, 0);
			pg_atomic_init_u64(&reports->roles[i].unrecorded, 0);
		}
		pg_atomic_init_u64(&reports->changes, 0);
		pg_atomic_init_u64(&reports->learned_resets, 0);
		for (i = 0; i < LEARNED_SLOTS; i++)
		{
			pg_atomic_init_u32(&reports->learned[i].state, 0);
			pg_atomic_init_u64(&reports->learned[i].calls, 0);
			pg_atomic_init_u64(&reports->learned[i].first, 0);
			pg_atomic_init_u64(&reports->learned[i].last, 0);
		}
		for (i = 0; i < OBSERVED_SLOTS; i++)
		{
			pg_atomic_init_u32(&reports->observed[i].state, 0);
			pg_atomic_init_u64(&reports->observed[i].processes, 0);
			pg_atomic_init_u64(&reports->observed[i].first, 0);
			pg_atomic_init_u64(&reports->observed[i].last, 0);
		}
		restore_learned();
	}
	/*
	 * The postmaster's: it runs before the unmapping, registered earlier.
	 * Children drop the postmaster's exit callbacks and keep the segment
	 * mapped while they run (but the logger, which reports.c checks for).
	 */
	on_shmem_exit(forget_reports, (Datum) 0);
	/* Runs before forget_reports: what was learned, for the next start. */
	if (!IsUnderPostmaster)
		on_shmem_exit(persist_at_exit, (Datum) 0);
	/* Each once: the postmaster's start, then any made while the reports were away. */
	for (i = 0; i < early_n; i++)
		learn_one(early_nr[i], PGSECCOMP_LEVEL_GLOBAL, "G");
	early_n = 0;
}

/* A record copied out of shared memory: its strings end within it. */
static void
clean_record(DenialRecord *r)
{
	r->type[TYPE_LEN - 1] = '\0';
	r->query[QUERY_LEN - 1] = '\0';
}

/* A copy of a denial, or false when it is being written or is gone. */
static bool
read_denial(uint64 pos, DenialRecord *out)
{
	Denial	   *d = &reports->denials[pos % DENIALS_KEPT];
	uint64		seq = pg_atomic_read_u64(&d->seq);

	if (seq != pos + 1)
		return false;
	pg_read_barrier();
	memcpy(out, &d->r, sizeof(DenialRecord));
	pg_read_barrier();
	if (pg_atomic_read_u64(&d->seq) != seq)
		return false;
	out->pos = pos;
	clean_record(out);
	return true;
}

/* One (role, backend type, syscall) as the evidence has it. */
typedef struct EvidenceCopy
{
	Oid			roleid;
	int32		nr;
	char		type[TYPE_LEN];
	int64		count;
	DenialRecord first;
	DenialRecord last;
} EvidenceCopy;

/*
 * A copy of an evidence entry, or false when it is free or being filled.
 * The latest record is taken when no process is writing it; one that stays
 * written for long (a compromised process) leaves the first record.
 */
static bool
read_evidence(int i, EvidenceCopy *out)
{
	Evidence   *e = &reports->evidence[i];
	int			tries;

	if (pg_atomic_read_u32(&e->state) != 2)
		return false;
	pg_read_barrier();
	out->roleid = e->roleid;
	out->nr = e->nr;
	memcpy(out->type, e->type, TYPE_LEN);
	out->type[TYPE_LEN - 1] = '\0';
	out->count = (int64) pg_atomic_read_u64(&e->count);
	memcpy(&out->first, &e->first, sizeof(DenialRecord));
	clean_record(&out->first);
	out->last = out->first;
	for (tries = 0; tries < 1000; tries++)
	{
		uint32		seq = pg_atomic_read_u32(&e->last_seq);

		if (seq & 1)
			continue;
		pg_read_barrier();
		memcpy(&out->last, &e->last, sizeof(DenialRecord));
		pg_read_barrier();
		if (pg_atomic_read_u32(&e->last_seq) == seq)
			break;
		out->last = out->first;
	}
	clean_record(&out->last);
	return out->count > 0;
}

static int
compare_evidence_key(const void *a, const void *b)
{
	const EvidenceCopy *x = a;
	const EvidenceCopy *y = b;
	int			c;

	if (x->roleid != y->roleid)
		return x->roleid < y->roleid ? -1 : 1;
	if ((c = strcmp(x->type, y->type)) != 0)
		return c;
	return x->nr - y->nr;
}

static int
compare_evidence_first(const void *a, const void *b)
{
	const EvidenceCopy *x = a;
	const EvidenceCopy *y = b;

	if (x->first.pos != y->first.pos)
		return x->first.pos < y->first.pos ? -1 : 1;
	return compare_evidence_key(a, b);
}

/*
 * Every (role, backend type, syscall) of the evidence, the one first denied
 * first, with entries of one key merged (two processes that make its first
 * denial at once may each take an entry).
 */
static int
collect_evidence(EvidenceCopy **out)
{
	EvidenceCopy *all = palloc(sizeof(EvidenceCopy) * EVIDENCE_SLOTS);
	int			n = 0;
	int			m = 0;
	int			i;

	for (i = 0; i < EVIDENCE_SLOTS; i++)
		if (read_evidence(i, &all[n]))
			n++;
	qsort(all, n, sizeof(EvidenceCopy), compare_evidence_key);
	for (i = 0; i < n; i++)
	{
		if (m > 0 && compare_evidence_key(&all[m - 1], &all[i]) == 0)
		{
			EvidenceCopy *k = &all[m - 1];

			k->count += all[i].count;
			if (all[i].first.pos < k->first.pos)
				k->first = all[i].first;
			if (all[i].last.pos > k->last.pos)
				k->last = all[i].last;
			continue;
		}
		all[m++] = all[i];
	}
	qsort(all, m, sizeof(EvidenceCopy), compare_evidence_first);
	*out = all;
	return m;
}

static uint64
oldest_kept(uint64 next)
{
	uint64		base = pg_atomic_read_u64(&reports->base);

	return Max(base, next > DENIALS_KEPT ? next - DENIALS_KEPT : 0);
}

static void
require_reports(void)
{
	if (reports == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("seccomp is not enabled")));
}

static Datum
name_or_null(const char *s, bool *isnull)
{
	*isnull = (s == NULL);
	return s ? DirectFunctionCall1(namein, CStringGetDatum(s)) : (Datum) 0;
}

/*
 * A recorded statement, cut at a character boundary (the copy may end in
 * the middle of one), or "" when its bytes are not valid in the server
 * encoding (anything may have written them).
 */
static char *
clean_query(char *q)
{
	int			len = strlen(q);

	len = pg_mbcliplen(q, len, len);
	q[len] = '\0';
	return pg_verifymbstr(q, len, true) ? q : "";
}

static Datum
text_or_null(const char *s, bool *isnull)
{
	*isnull = (s == NULL || *s == '\0');
	return *isnull ? (Datum) 0 : CStringGetTextDatum(s);
}

/*
 * A record's statement, as pg_stat_activity shows another session's: only
 * to members of the role that session logged in as, or of
 * pg_read_all_stats. Not by the role the record names: a denial in a
 * role's code that another session ran (SECURITY DEFINER, an expression
 * it wrote) holds that session's statement.
 */
static Datum
query_or_hidden(Oid loginid, char *query, bool *isnull)
{
	Oid			me = GetUserId();

	if (has_privs_of_role(me, ROLE_PG_READ_ALL_STATS) ||
		(OidIsValid(loginid) && has_privs_of_role(me, loginid)))
		return text_or_null(clean_query(query), isnull);
	*isnull = false;
	return CStringGetTextDatum("<insufficient privilege>");
}

static void
put_denial(ReturnSetInfo *rsinfo, DenialRecord *d)
{
	Datum		values[10];
	bool		nulls[10] = {0};

	nulls[0] = d->at == 0;
	values[0] = TimestampTzGetDatum(d->at);
	values[1] = Int32GetDatum(d->pid);
	values[2] = text_or_null(d->type, &nulls[2]);
	values[3] = name_or_null(OidIsValid(d->dbid) ? get_database_name(d->dbid) : NULL, &nulls[3]);
	values[4] = name_or_null(OidIsValid(d->roleid) ? GetUserNameFromId(d->roleid, true) : NULL, &nulls[4]);
	values[5] = CStringGetTextDatum(pgseccomp_syscall_text(d->nr));
	values[6] = Int32GetDatum(d->nr);
	values[7] = CStringGetTextDatum(pgseccomp_errno_text(d->err));
	values[8] = CStringGetTextDatum(pgseccomp_level_name(d->level));
	values[9] = query_or_hidden(d->loginid, d->query, &nulls[9]);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

static int
compare_pos(const void *a, const void *b)
{
	const DenialRecord *x = a;
	const DenialRecord *y = b;

	return x->pos < y->pos ? -1 : x->pos > y->pos ? 1 : 0;
}

PG_FUNCTION_INFO_V1(pg_get_seccomp_denials);

/*
 * seccomp_denials(): the denials kept, oldest first: the first and the
 * latest of each role, backend type and syscall that the ring no longer
 * has, then the ring.
 */
Datum
pg_get_seccomp_denials(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	uint64		next;
	uint64		oldest;
	uint64		base;
	uint64		pos;
	EvidenceCopy *ev;
	DenialRecord *older;
	int			nev;
	int			nolder = 0;
	int			i;

	require_reports();
	InitMaterializedSRF(fcinfo, 0);
	next = pg_atomic_read_u64(&reports->next);
	oldest = oldest_kept(next);
	base = pg_atomic_read_u64(&reports->base);
	nev = collect_evidence(&ev);
	older = palloc(sizeof(DenialRecord) * (2 * nev + 1));
	for (i = 0; i < nev; i++)
	{
		if (ev[i].first.pos >= base && ev[i].first.pos < oldest)
			older[nolder++] = ev[i].first;
		if (ev[i].last.pos >= base && ev[i].last.pos < oldest && ev[i].last.pos != ev[i].first.pos)
			older[nolder++] = ev[i].last;
	}
	qsort(older, nolder, sizeof(DenialRecord), compare_pos);
	for (i = 0; i < nolder; i++)
		if (i == 0 || older[i].pos != older[i - 1].pos)
			put_denial(rsinfo, &older[i]);
	for (pos = oldest; pos < next; pos++)
	{
		DenialRecord d;

		if (read_denial(pos, &d))
			put_denial(rsinfo, &d);
	}
	return (Datum) 0;
}

PG_FUNCTION_INFO_V1(pg_get_seccomp_denial_summary);

/*
 * seccomp_denial_summary(): per role, backend type and syscall, how many
 * denials and the first and the latest of them, however many others came.
 */
Datum
pg_get_seccomp_denial_summary(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	EvidenceCopy *ev;
	int			nev;
	int			i;

	require_reports();
	InitMaterializedSRF(fcinfo, 0);
	nev = collect_evidence(&ev);
	for (i = 0; i < nev; i++)
	{
		Datum		values[17];
		bool		nulls[17] = {0};
		int			j;

		values[0] = name_or_null(OidIsValid(ev[i].roleid) ? GetUserNameFromId(ev[i].roleid, true) : NULL, &nulls[0]);
		values[1] = text_or_null(ev[i].type, &nulls[1]);
		values[2] = CStringGetTextDatum(pgseccomp_syscall_text(ev[i].nr));
		values[3] = Int32GetDatum(ev[i].nr);
		values[4] = Int64GetDatum(ev[i].count);
		for (j = 0; j < 2; j++)
		{
			DenialRecord *d = j == 0 ? &ev[i].first : &ev[i].last;
			int			c = 5 + 6 * j;

			nulls[c] = d->at == 0;
			values[c] = TimestampTzGetDatum(d->at);
			values[c + 1] = Int32GetDatum(d->pid);
			values[c + 2] = name_or_null(OidIsValid(d->dbid) ? get_database_name(d->dbid) : NULL, &nulls[c + 2]);
			values[c + 3] = CStringGetTextDatum(pgseccomp_errno_text(d->err));
			values[c + 4] = CStringGetTextDatum(pgseccomp_level_name(d->level));
			values[c + 5] = query_or_hidden(d->loginid, d->query, &nulls[c + 5]);
		}
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

PG_FUNCTION_INFO_V1(pg_get_seccomp_report_stats_by_role);

/*
 * seccomp_report_stats_by_role(): per role, its denials since the last
 * reset, how many of them the ring no longer has, how many (role, backend
 * type, syscall) entries of the summary it holds, and how many denials
 * found no entry (the role's share was used up, or the table was full).
 * Roles beyond the ROLE_SLOTS counted one by one share a row.
 */
Datum
pg_get_seccomp_report_stats_by_role(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int64	   *in_ring = palloc0(sizeof(int64) * (ROLE_SLOTS + 1));
	uint64		next;
	uint64		pos;
	int			i;

	require_reports();
	InitMaterializedSRF(fcinfo, 0);
	next = pg_atomic_read_u64(&reports->next);
	for (pos = oldest_kept(next); pos < next; pos++)
	{
		DenialRecord d;

		if (read_denial(pos, &d))
			in_ring[role_slot(d.roleid, false)]++;
	}
	for (i = 0; i <= ROLE_SLOTS; i++)
	{
		RoleCount  *rc = &reports->roles[i];
		uint64		key = pg_atomic_read_u64(&rc->key);
		int64		denials = (int64) pg_atomic_read_u64(&rc->denials);
		Datum		values[7];
		bool		nulls[7] = {0};

		if (i < ROLE_SLOTS ? key == 0 : denials == 0)
			continue;
		if (i < ROLE_SLOTS && key - 1 > PG_UINT32_MAX)
			continue;			/* not a role: written by a compromised process */
		values[0] = name_or_null(i < ROLE_SLOTS && OidIsValid((Oid) (key - 1)) ?
								 GetUserNameFromId((Oid) (key - 1), true) : NULL, &nulls[0]);
		values[1] = BoolGetDatum(i == ROLE_OTHERS);
		values[2] = Int64GetDatum(denials);
		values[3] = Int64GetDatum(Max(denials - in_ring[i], 0));
		values[4] = Int32GetDatum((int32) pg_atomic_read_u32(&rc->entries));
		values[5] = Int64GetDatum((int64) pg_atomic_read_u64(&rc->unrecorded));
		values[6] = Int32GetDatum(EVIDENCE_PER_ROLE);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

static int64
learned_count(void)
{
	int64		n = 0;
	int			i;

	for (i = 0; i < LEARNED_SLOTS; i++)
		n += pg_atomic_read_u32(&reports->learned[i].state) == 2;
	return n;
}

PG_FUNCTION_INFO_V1(pg_get_seccomp_report_stats);

Datum
pg_get_seccomp_report_stats(PG_FUNCTION_ARGS)
{
	TupleDesc	desc;
	Datum		values[5];
	bool		nulls[5] = {0};
	uint64		next;
	uint64		base;

	require_reports();
	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	next = pg_atomic_read_u64(&reports->next);
	base = pg_atomic_read_u64(&reports->base);
	base = Min(base, next);
	values[0] = Int64GetDatum((int64) Min(next - base, DENIALS_KEPT));
	values[1] = Int64GetDatum((int64) (next - base > DENIALS_KEPT ? next - base - DENIALS_KEPT : 0));
	values[2] = Int64GetDatum(learned_count());
	values[3] = Int64GetDatum((int64) pg_atomic_read_u64(&reports->learned_dropped));
	values[4] = TimestampTzGetDatum((TimestampTz) pg_atomic_read_u64(&reports->since));
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(desc), values, nulls)));
}

PG_FUNCTION_INFO_V1(pg_seccomp_denials_reset);

Datum
pg_seccomp_denials_reset(PG_FUNCTION_ARGS)
{
	int			i;

	require_reports();
	pg_atomic_write_u64(&reports->base, pg_atomic_read_u64(&reports->next));
	for (i = 0; i < EVIDENCE_SLOTS; i++)
		pg_atomic_write_u32(&reports->evidence[i].state, 0);
	for (i = 0; i <= ROLE_SLOTS; i++)
	{
		pg_atomic_write_u64(&reports->roles[i].key, 0);
		pg_atomic_write_u32(&reports->roles[i].entries, 0);
		pg_atomic_write_u64(&reports->roles[i].denials, 0);
		pg_atomic_write_u64(&reports->roles[i].unrecorded, 0);
	}
	pg_atomic_write_u64(&reports->since, (uint64) GetCurrentTimestamp());
	PG_RETURN_VOID();
}

/* A learned entry, copied out and checked. */
static bool
read_learned(int i, LearnedSyscall *out)
{
	Learned    *e = &reports->learned[i];

	if (pg_atomic_read_u32(&e->state) != 2)
		return false;
	pg_read_barrier();
	out->nr = e->nr;
	out->level = e->level;
	out->roleid = e->roleid;
	out->loginid = e->loginid;
	memcpy(out->owner, e->owner, PGSECCOMP_OWNER_LEN);
	out->owner[PGSECCOMP_OWNER_LEN - 1] = '\0';
	memcpy(out->type, e->type, sizeof(out->type));
	out->type[sizeof(out->type) - 1] = '\0';
	memcpy(out->query, e->query, sizeof(out->query));
	out->query[sizeof(out->query) - 1] = '\0';
	out->calls = (int64) pg_atomic_read_u64(&e->calls);
	out->first = (TimestampTz) pg_atomic_read_u64(&e->first);
	out->last = (TimestampTz) pg_atomic_read_u64(&e->last);
	return out->nr >= 0 && (out->level == PGSECCOMP_LEVEL_GLOBAL || out->level == PGSECCOMP_LEVEL_SESSION);
}

static int
compare_learned(const void *a, const void *b)
{
	const LearnedSyscall *x = a;
	const LearnedSyscall *y = b;
	int			c;

	if (x->level != y->level)
		return x->level - y->level;
	if ((c = strcmp(x->owner, y->owner)) != 0)
		return c;
	if ((c = strcmp(x->type, y->type)) != 0)
		return c;
	if (x->roleid != y->roleid)
		return x->roleid < y->roleid ? -1 : 1;
	return x->nr - y->nr;
}

/*
 * Every learned syscall, sorted, with entries of one key merged (two
 * processes that learn the same syscall at once may each take a slot).
 */
int
pgseccomp_learned_collect(LearnedSyscall **out)
{
	LearnedSyscall *all;
	int			n = 0;
	int			m = 0;
	int			i;

	require_reports();
	all = palloc(sizeof(LearnedSyscall) * LEARNED_SLOTS);
	for (i = 0; i < LEARNED_SLOTS; i++)
		if (read_learned(i, &all[n]))
			n++;
	qsort(all, n, sizeof(LearnedSyscall), compare_learned);
	for (i = 0; i < n; i++)
	{
		if (m > 0 && compare_learned(&all[m - 1], &all[i]) == 0)
		{
			LearnedSyscall *k = &all[m - 1];

			k->calls += all[i].calls;
			if (all[i].first != 0 && (k->first == 0 || all[i].first < k->first))
				k->first = all[i].first;
			k->last = Max(k->last, all[i].last);
			continue;
		}
		all[m++] = all[i];
	}
	*out = all;
	return m;
}

static bool
read_observed(int i, Observation *out)
{
	Observed   *o = &reports->observed[i];

	if (pg_atomic_read_u32(&o->state) != 2)
		return false;
	pg_read_barrier();
	out->level = o->level;
	memcpy(out->owner, o->owner, PGSECCOMP_OWNER_LEN);
	out->owner[PGSECCOMP_OWNER_LEN - 1] = '\0';
	memcpy(out->type, o->type, TYPE_LEN);
	out->type[TYPE_LEN - 1] = '\0';
	out->processes = (int64) pg_atomic_read_u64(&o->processes);
	out->first = (TimestampTz) pg_atomic_read_u64(&o->first);
	out->last = (TimestampTz) pg_atomic_read_u64(&o->last);
	return out->processes >= 0 &&
		(out->level == PGSECCOMP_LEVEL_GLOBAL || out->level == PGSECCOMP_LEVEL_SESSION);
}

/* Every observation, copied out and checked; the count. */
int
pgseccomp_observed_collect(Observation **out)
{
	int			n = 0;
	int			i;

	require_reports();
	*out = palloc(sizeof(Observation) * OBSERVED_SLOTS);
	for (i = 0; i < OBSERVED_SLOTS; i++)
		n += read_observed(i, &(*out)[n]);
	return n;
}

/*
 * Persistence: what was learned and observed, written to LEARNED_FILE at
 * shutdown (by the postmaster) and every PERSIST_EVERY_SECS while it
 * changes (by the compile worker), atomically (a temporary file, then
 * durable_rename), and read back when the postmaster creates shared memory.
 * The file is input like shared memory: any process running as the server
 * can write it, so reading checks every size and string and skips any
 * record out of bounds.
 */
typedef struct LearnedFileHeader
{
	uint32		magic;
	uint32		learned_size;	/* sizeof(LearnedSyscall) */
	uint32		observed_size;	/* sizeof(Observation) */
	int32		nlearned;
	int32		nobserved;
} LearnedFileHeader;

static void
persist_learned(void)
{
	const char *tmp = LEARNED_FILE ".tmp";
	LearnedFileHeader h = {LEARNED_FILE_MAGIC, sizeof(LearnedSyscall), sizeof(Observation), 0, 0};
	LearnedSyscall *all = palloc(sizeof(LearnedSyscall) * LEARNED_SLOTS);
	Observation *obs = palloc(sizeof(Observation) * OBSERVED_SLOTS);
	FILE	   *f;
	int			i;
	bool		ok;

	for (i = 0; i < LEARNED_SLOTS; i++)
	{
		memset(&all[h.nlearned], 0, sizeof(LearnedSyscall));
		if (read_learned(i, &all[h.nlearned]))
			h.nlearned++;
	}
	for (i = 0; i < OBSERVED_SLOTS; i++)
	{
		memset(&obs[h.nobserved], 0, sizeof(Observation));
		if (read_observed(i, &obs[h.nobserved]))
			h.nobserved++;
	}
	f = AllocateFile(tmp, PG_BINARY_W);
	if (f == NULL)
	{
		ereport(LOG,
				(errcode_for_file_access(),
				 errmsg("could not write pgseccomp's learned syscalls to \"%s\": %m", tmp)));
		goto done;
	}
	ok = fwrite(&h, sizeof(h), 1, f) == 1 &&
		(h.nlearned == 0 || fwrite(all, sizeof(LearnedSyscall), h.nlearned, f) == (size_t) h.nlearned) &&
		(h.nobserved == 0 || fwrite(obs, sizeof(Observation), h.nobserved, f) == (size_t) h.nobserved) &&
		fwrite(&h.magic, sizeof(h.magic), 1, f) == 1;
	ok = (FreeFile(f) == 0) && ok;
	if (!ok)
	{
		ereport(LOG,
				(errcode_for_file_access(),
				 errmsg("could not write pgseccomp's learned syscalls to \"%s\": %m", tmp)));
		unlink(tmp);
		goto done;
	}
	(void) durable_rename(tmp, LEARNED_FILE, LOG);
done:
	pfree(all);
	pfree(obs);
}

/* Put a learned row back; false when it is out of bounds or has no room. */
static bool
restore_learned_row(LearnedSyscall *l)
{
	uint32		h;
	int			i;

	l->owner[PGSECCOMP_OWNER_LEN - 1] = '\0';
	l->type[sizeof(l->type) - 1] = '\0';
	l->query[sizeof(l->query) - 1] = '\0';
	if (l->nr < 0 || l->nr >= 4096 || l->calls < 0 ||
		(l->level != PGSECCOMP_LEVEL_GLOBAL && l->level != PGSECCOMP_LEVEL_SESSION))
		return false;
	h = learned_hash(l->nr, l->level, l->roleid, l->owner, l->type);
	for (i = 0; i < LEARNED_PROBES; i++)
	{
		Learned    *e = &reports->learned[(h + i) % LEARNED_SLOTS];

		if (pg_atomic_read_u32(&e->state) != 0)
			continue;
		e->hash = h;
		e->nr = l->nr;
		e->level = l->level;
		e->roleid = l->roleid;
		e->loginid = l->loginid;
		strlcpy(e->owner, l->owner, PGSECCOMP_OWNER_LEN);
		strlcpy(e->type, l->type, TYPE_LEN);
		strlcpy(e->query, l->query, QUERY_LEN);
		pg_atomic_write_u64(&e->calls, (uint64) l->calls);
		pg_atomic_write_u64(&e->first, (uint64) l->first);
		pg_atomic_write_u64(&e->last, (uint64) l->last);
		pg_atomic_write_u32(&e->state, 2);
		return true;
	}
	return false;
}

static bool
restore_observed_row(Observation *c)
{
	Observed   *o;

	c->owner[PGSECCOMP_OWNER_LEN - 1] = '\0';
	c->type[TYPE_LEN - 1] = '\0';
	if (c->processes < 0 || c->owner[0] == '\0' ||
		(c->level != PGSECCOMP_LEVEL_GLOBAL && c->level != PGSECCOMP_LEVEL_SESSION))
		return false;
	o = observed_entry(c->level, c->owner, c->type, c->first);
	if (o == NULL)
		return false;
	pg_atomic_write_u64(&o->processes, pg_atomic_read_u64(&o->processes) + (uint64) c->processes);
	pg_atomic_write_u64(&o->last, Max(pg_atomic_read_u64(&o->last), (uint64) c->last));
	return true;
}

static void
restore_learned(void)
{
	LearnedFileHeader h;
	FILE	   *f = AllocateFile(LEARNED_FILE, PG_BINARY_R);
	int			skipped = 0;
	int			i;
	uint32		magic;
	struct stat st;

	if (f == NULL)
	{
		if (errno != ENOENT)
			ereport(LOG,
					(errcode_for_file_access(),
					 errmsg("could not read pgseccomp's learned syscalls from \"%s\": %m", LEARNED_FILE)));
		return;
	}
	if (fstat(fileno(f), &st) != 0 || fread(&h, sizeof(h), 1, f) != 1 ||
		h.magic != LEARNED_FILE_MAGIC || h.learned_size != sizeof(LearnedSyscall) ||
		h.observed_size != sizeof(Observation) ||
		h.nlearned < 0 || h.nlearned > LEARNED_SLOTS ||
		h.nobserved < 0 || h.nobserved > OBSERVED_SLOTS ||
		st.st_size != (off_t) (sizeof(h) + (Size) h.nlearned * sizeof(LearnedSyscall) +
							   (Size) h.nobserved * sizeof(Observation) + sizeof(magic)))
	{
		ereport(LOG,
				(errmsg("ignoring pgseccomp's learned syscalls in \"%s\": the file is not one this server wrote",
						LEARNED_FILE)));
		FreeFile(f);
		return;
	}
	for (i = 0; i < h.nlearned; i++)
	{
		LearnedSyscall l;

		if (fread(&l, sizeof(l), 1, f) != 1)
			break;
		skipped += !restore_learned_row(&l);
	}
	for (i = 0; i < h.nobserved; i++)
	{
		Observation c;

		if (fread(&c, sizeof(c), 1, f) != 1)
			break;
		skipped += !restore_observed_row(&c);
	}
	FreeFile(f);
	if (skipped > 0)
		ereport(LOG,
				(errmsg("pgseccomp skipped %d learned entries of \"%s\" that were out of bounds",
						skipped, LEARNED_FILE)));
	pg_atomic_write_u64(&reports->changes, 0);
}

/*
 * In the compile worker, about once a second: write what was learned when
 * it changed and PERSIST_EVERY_SECS passed, or at once after a reset.
 */
void
pgseccomp_persist_learned_tick(void)
{
	static uint64 written = 0;
	static TimestampTz written_at = 0;
	uint64		changes;
	TimestampTz now = GetCurrentTimestamp();

	if (reports == NULL)
		return;
	changes = pg_atomic_read_u64(&reports->changes);
	if (changes == written)
		return;
	if ((changes & RESET_PENDING) == 0 &&
		!TimestampDifferenceExceeds(written_at, now, PERSIST_EVERY_SECS * 1000))
		return;
	pg_atomic_fetch_and_u64(&reports->changes, ~RESET_PENDING);
	persist_learned();
	written = pg_atomic_read_u64(&reports->changes);
	written_at = now;
}

PG_FUNCTION_INFO_V1(pg_get_seccomp_learning_coverage);

/*
 * seccomp_learning_coverage(): per level, owner and backend type, the
 * processes observed while learning, when, and how many syscalls learned.
 */
Datum
pg_get_seccomp_learning_coverage(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	LearnedSyscall *all;
	int			nlearned;
	Observation *obs;
	int			n;
	int			i;
	int			j;

	require_reports();
	InitMaterializedSRF(fcinfo, 0);
	nlearned = pgseccomp_learned_collect(&all);
	n = pgseccomp_observed_collect(&obs);
	for (i = 0; i < n; i++)
	{
		const Observation *o = &obs[i];

		Datum		values[8];
		bool		nulls[8] = {0};
		int64		learned = 0;
		int			prev = -1;

		for (j = 0; j < nlearned; j++)
			if (all[j].level == o->level && strcmp(all[j].owner, o->owner) == 0 &&
				strcmp(all[j].type, o->type) == 0)
			{
				/* rows are sorted by level, owner, type, role, syscall */
				learned += (prev < 0 || all[prev].nr != all[j].nr);
				prev = j;
			}
		values[0] = CStringGetTextDatum(pgseccomp_level_name(o->level));
		values[1] = text_or_null(pgseccomp_learning_setting(o->level, o->owner), &nulls[1]);
		values[2] = text_or_null(o->type, &nulls[2]);
		values[3] = name_or_null(strncmp(o->owner, "R:", 2) == 0 ? o->owner + 2 : NULL, &nulls[3]);
		values[4] = Int64GetDatum(o->processes);
		nulls[5] = o->first == 0;
		values[5] = TimestampTzGetDatum(o->first);
		nulls[6] = o->last == 0;
		values[6] = TimestampTzGetDatum(o->last);
		values[7] = Int64GetDatum(learned);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/* Can pgseccomp_learned_collect() read the table here? */
bool
pgseccomp_learned_readable(void)
{
	return REPORTS_MAPPED();
}

PG_FUNCTION_INFO_V1(pg_get_seccomp_learned);

/* seccomp_learned(): what the learning levels allowed without naming it. */
Datum
pg_get_seccomp_learned(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	LearnedSyscall *all;
	int			n;
	int			i;

	require_reports();
	InitMaterializedSRF(fcinfo, 0);
	n = pgseccomp_learned_collect(&all);
	for (i = 0; i < n; i++)
	{
		Datum		values[10];
		bool		nulls[10] = {0};

		values[0] = CStringGetTextDatum(pgseccomp_level_name(all[i].level));
		values[1] = text_or_null(pgseccomp_learning_setting(all[i].level, all[i].owner), &nulls[1]);
		values[2] = text_or_null(all[i].type, &nulls[2]);
		values[3] = name_or_null(OidIsValid(all[i].roleid) ? GetUserNameFromId(all[i].roleid, true) : NULL, &nulls[3]);
		values[4] = CStringGetTextDatum(pgseccomp_syscall_text(all[i].nr));
		values[5] = Int32GetDatum(all[i].nr);
		values[6] = Int64GetDatum(all[i].calls);
		nulls[7] = all[i].first == 0;
		values[7] = TimestampTzGetDatum(all[i].first);
		nulls[8] = all[i].last == 0;
		values[8] = TimestampTzGetDatum(all[i].last);
		values[9] = query_or_hidden(all[i].loginid, all[i].query, &nulls[9]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

PG_FUNCTION_INFO_V1(pg_seccomp_learned_reset);

Datum
pg_seccomp_learned_reset(PG_FUNCTION_ARGS)
{
	int			i;

	require_reports();
	for (i = 0; i < LEARNED_SLOTS; i++)
		pg_atomic_write_u32(&reports->learned[i].state, 0);
	for (i = 0; i < OBSERVED_SLOTS; i++)
		pg_atomic_write_u32(&reports->observed[i].state, 0);
	pg_atomic_write_u64(&reports->learned_dropped, 0);
	pg_atomic_fetch_add_u64(&reports->learned_resets, 1);
	/* Forgotten on disk too: now if this process may, else by the worker within a second. */
	pg_atomic_fetch_or_u64(&reports->changes, RESET_PENDING);
	if (unlink(LEARNED_FILE) != 0 && errno != ENOENT)
		ereport(DEBUG1,
				(errcode_for_file_access(),
				 errmsg("could not remove \"%s\": %m", LEARNED_FILE)));
	PG_RETURN_VOID();
}

/* Denials of one role and backend type not logged in a pass. */
typedef struct NotLogged
{
	Oid			roleid;
	char		type[TYPE_LEN];		/* "" when the denial got no entry */
	int64		n;
} NotLogged;

static NotLogged *
not_logged_find(NotLogged *all, int *n, Oid role, const char *type)
{
	int			i;

	for (i = 0; i < *n; i++)
		if (all[i].roleid == role && strcmp(all[i].type, type) == 0)
			return &all[i];
	all[*n].roleid = role;
	strlcpy(all[*n].type, type, TYPE_LEN);
	all[*n].n = 0;
	return &all[(*n)++];
}

static int
compare_not_logged(const void *a, const void *b)
{
	const NotLogged *x = a;
	const NotLogged *y = b;

	return x->n > y->n ? -1 : x->n < y->n ? 1 : 0;
}

/*
 * The denials of this pass by role and backend type, from the counts of
 * the evidence and of the roles since the previous pass, less those
 * logged, the most first. A denial is in the ring a moment before it is
 * counted in the evidence, so a pass may log one whose count the next pass
 * sees: what a pass logged beyond the counts it saw is taken off the next.
 */
static NotLogged *
not_logged(const NotLogged *logged, int nlogged, int *nout)
{
	static uint64 seen_count[EVIDENCE_SLOTS];
	static uint64 seen_unrecorded[ROLE_SLOTS + 1];
	static uint64 seen_since = 0;
	static NotLogged owed[LOG_PER_PASS];
	static int	nowed = 0;
	NotLogged  *all = palloc(sizeof(NotLogged) * (EVIDENCE_SLOTS + ROLE_SLOTS + 1 + 2 * LOG_PER_PASS));
	int			n = 0;
	uint64		since = pg_atomic_read_u64(&reports->since);
	int			i;

	if (since != seen_since)
	{
		/* A reset or a new shared memory: every count starts again. */
		memset(seen_count, 0, sizeof(seen_count));
		memset(seen_unrecorded, 0, sizeof(seen_unrecorded));
		seen_since = since;
		nowed = 0;
	}
	for (i = 0; i < nowed; i++)
		not_logged_find(all, &n, owed[i].roleid, owed[i].type)->n += owed[i].n;
	nowed = 0;
	for (i = 0; i < EVIDENCE_SLOTS; i++)
	{
		Evidence   *e = &reports->evidence[i];
		uint64		count;
		char		type[TYPE_LEN];

		if (pg_atomic_read_u32(&e->state) != 2)
			continue;
		pg_read_barrier();
		count = pg_atomic_read_u64(&e->count);
		if (count < seen_count[i])
			seen_count[i] = 0;	/* taken again after a reset */
		if (count == seen_count[i])
			continue;
		memcpy(type, e->type, TYPE_LEN);
		type[TYPE_LEN - 1] = '\0';
		not_logged_find(all, &n, e->roleid, type)->n += count - seen_count[i];
		seen_count[i] = count;
	}
	for (i = 0; i <= ROLE_SLOTS; i++)
	{
		RoleCount  *rc = &reports->roles[i];
		uint64		key = pg_atomic_read_u64(&rc->key);
		uint64		unrecorded = pg_atomic_read_u64(&rc->unrecorded);

		if (unrecorded < seen_unrecorded[i])
			seen_unrecorded[i] = 0;
		if (unrecorded == seen_unrecorded[i])
			continue;
		not_logged_find(all, &n, i < ROLE_SLOTS && key != 0 ? (Oid) (key - 1) : InvalidOid, "")->n +=
			unrecorded - seen_unrecorded[i];
		seen_unrecorded[i] = unrecorded;
	}
	for (i = 0; i < nlogged; i++)
		not_logged_find(all, &n, logged[i].roleid, logged[i].type)->n--;
	for (i = 0; i < n; i++)
		if (all[i].n < 0)
		{
			/* At most LOG_PER_PASS were logged: each debt fits. */
			if (nowed < LOG_PER_PASS)
				owed[nowed++] = all[i];
			all[i].n = 0;
		}
	qsort(all, n, sizeof(NotLogged), compare_not_logged);
	*nout = n;
	return all;
}

/* "role "x" (client backend) 10990, ...", in a transaction. */
static char *
not_logged_text(const NotLogged *all, int n)
{
	StringInfoData buf;
	int			named = 0;
	int64		others = 0;
	int			i;

	initStringInfo(&buf);
	for (i = 0; i < n && all[i].n > 0; i++)
	{
		const char *role;

		if (named == LOG_ROLES_NAMED)
		{
			others += all[i].n;
			continue;
		}
		role = OidIsValid(all[i].roleid) ? GetUserNameFromId(all[i].roleid, true) : "-";
		if (role == NULL)
			role = psprintf("%u", all[i].roleid);
		appendStringInfo(&buf, "%srole \"%s\" (%s) %lld", named ? ", " : "", role,
						 all[i].type[0] ? all[i].type : "no summary entry", (long long) all[i].n);
		named++;
	}
	if (others > 0)
		appendStringInfo(&buf, ", others %lld", (long long) others);
	return buf.data;
}

/*
 * In the compile worker, about once a second: write the denials since the
 * last pass to the server log, at most LOG_PER_PASS of them, and a count of
 * the others by role and backend type, which seccomp_denials() and
 * seccomp_denial_summary() still have.
 */
void
pgseccomp_log_denials(void)
{
	static uint64 logged = 0;
	static bool started = false;
	uint64		next;
	uint64		pos;
	uint64		skipped = 0;
	int			written = 0;
	NotLogged	done[LOG_PER_PASS];
	NotLogged  *whose;
	int			nwhose;
	bool		in_xact = false;
	MemoryContext caller = CurrentMemoryContext;

	if (reports == NULL)
		return;
	if (!started)
	{
		started = true;
		if (restarted)
		{
			/* After a crash restart: from there, with the counts as they are. */
			logged = logged_at_restart;
			pfree(not_logged(NULL, 0, &nwhose));
		}
	}
	next = pg_atomic_read_u64(&reports->next);
	if (logged > next)
		logged = 0;				/* shared memory was initialized again */
	if (logged < oldest_kept(next))
	{
		skipped += oldest_kept(next) - logged;
		logged = oldest_kept(next);
	}
	for (pos = logged; pos < next; pos++)
	{
		DenialRecord d;
		const char *role;
		const char *db;
		const char *query;

		if (!read_denial(pos, &d))
			continue;
		if (written >= LOG_PER_PASS)
		{
			skipped++;
			continue;
		}
		if (!in_xact)
		{
			StartTransactionCommand();
			in_xact = true;
		}
		query = clean_query(d.query);
		role = OidIsValid(d.roleid) ? GetUserNameFromId(d.roleid, true) : NULL;
		db = OidIsValid(d.dbid) ? get_database_name(d.dbid) : NULL;
		ereport(LOG,
				(errmsg("pgseccomp denied syscall \"%s\" with %s to role \"%s\" in database \"%s\"",
						pgseccomp_syscall_text(d.nr), pgseccomp_errno_text(d.err), role ? role : "-", db ? db : "-"),
				 errdetail("Process %d (%s), %s filter%s%s.", d.pid, d.type,
						   pgseccomp_level_name(d.level),
						   query[0] ? ", statement: " : "", query)));
		done[written].roleid = d.roleid;
		strlcpy(done[written].type, d.type, TYPE_LEN);
		done[written].n = 1;
		written++;
	}
	/* Every pass, so that the counts of the next one start from here. */
	whose = not_logged(done, written, &nwhose);
	if (skipped > 0)
	{
		if (!in_xact)
		{
			StartTransactionCommand();
			in_xact = true;
		}
		ereport(LOG,
				(errmsg("pgseccomp did not log %llu denials", (unsigned long long) skipped),
				 errdetail("At most %d denials are logged per second; seccomp_denials() keeps the last %d. Not logged, by role and process type: %s. seccomp_denial_summary() keeps the first and the latest of each role, process type and syscall.",
						   LOG_PER_PASS, DENIALS_KEPT, nwhose > 0 && whose[0].n > 0 ? not_logged_text(whose, nwhose) : "unknown")));
	}
	pfree(whose);
	if (in_xact)
	{
		CommitTransactionCommand();
		MemoryContextSwitchTo(caller);	/* the commit leaves TopMemoryContext */
	}
	logged = next;
}

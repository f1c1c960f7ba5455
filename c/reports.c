/*
 * reports.c
 *		Denials and learned syscalls, in shared memory, and their SQL.
 *
 * The SIGSYS handler (trap.c) writes here without a lock and without a
 * syscall: denials into a ring that keeps the newest DENIALS_KEPT, learned
 * syscalls into an open-addressing table, one entry per level, filter
 * owner, backend type, role and syscall. Any process may be compromised
 * and can write all of this, so readers treat every byte as hostile: a
 * record is evidence of what honest processes saw, not proof.
 */
#include "reports.h"

#include <string.h>
#include <sys/syscall.h>
#include <time.h>

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/dbcommands.h"
#include "fmgr.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "port/atomics.h"
#include "postmaster/bgworker.h"
#include "storage/ipc.h"
#include "storage/pg_shmem.h"
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
#define LEARNED_SLOTS 4096
#define LEARNED_PROBES 64
#define QUERY_LEN ((int) sizeof(((LearnedSyscall *) 0)->query))
#define TYPE_LEN ((int) sizeof(((LearnedSyscall *) 0)->type))
/* In the compile worker: lines of the server log per pass, about a second. */
#define LOG_PER_PASS 10

typedef struct Denial
{
	pg_atomic_uint64 seq;		/* position + 1 once written; 0 while written */
	TimestampTz at;
	int32		pid;
	int32		nr;
	int32		err;
	int32		level;
	Oid			dbid;
	Oid			roleid;
	char		type[TYPE_LEN];
	char		query[QUERY_LEN];
} Denial;

typedef struct Learned
{
	pg_atomic_uint32 state;		/* 0 free, 1 being filled, 2 ready */
	uint32		hash;
	int32		nr;
	int32		level;
	Oid			roleid;
	char		owner[PGSECCOMP_OWNER_LEN];
	char		type[TYPE_LEN];
	pg_atomic_uint64 calls;
	pg_atomic_uint64 first;
	pg_atomic_uint64 last;
	char		query[QUERY_LEN];
} Learned;

typedef struct Reports
{
	pg_atomic_uint64 next;		/* denials ever written */
	pg_atomic_uint64 base;		/* next at the last reset */
	pg_atomic_uint64 learned_dropped;
	pg_atomic_uint64 since;		/* TimestampTz of the last reset */
	Denial		denials[DENIALS_KEPT];
	Learned		learned[LEARNED_SLOTS];
} Reports;

static Reports *reports = NULL;

char		pgseccomp_process_owner[PGSECCOMP_OWNER_LEN] = "";
bool		pgseccomp_process_is_helper = false;
bool		pgseccomp_process_forked = false;

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

Size
pgseccomp_reports_size(void)
{
	return sizeof(Reports);
}

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
	else
		t = GetBackendTypeDesc(MyBackendType);
	strlcpy(buf, t, TYPE_LEN);
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

void
pgseccomp_report_denial(int nr, int err, int level)
{
	uint64		pos;
	Denial	   *d;

	if (!REPORTS_MAPPED())
		return;
	pos = pg_atomic_fetch_add_u64(&reports->next, 1);
	d = &reports->denials[pos % DENIALS_KEPT];
	pg_atomic_write_u64(&d->seq, 0);
	pg_write_barrier();
	d->at = now_or_zero(nr);
	d->pid = MyProcPid;
	d->nr = nr;
	d->err = err;
	d->level = level;
	d->dbid = MyDatabaseId;
	d->roleid = current_role();
	process_type(d->type);
	copy_query(d->query);
	pg_write_barrier();
	pg_atomic_write_u64(&d->seq, pos + 1);
}

static uint32
learned_hash(int nr, int level, Oid role, const char *owner, const char *type)
{
	uint32		h = 2166136261u;
	const char *p;

#define MIX(x) (h = (h ^ (uint32) (x)) * 16777619u)
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
			strlcpy(e->owner, owner, PGSECCOMP_OWNER_LEN);
			strlcpy(e->type, type, TYPE_LEN);
			copy_query(e->query);
			pg_atomic_write_u64(&e->calls, 1);
			pg_atomic_write_u64(&e->first, (uint64) now);
			pg_atomic_write_u64(&e->last, (uint64) now);
			pg_write_barrier();
			pg_atomic_write_u32(&e->state, 2);
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
		learn_one(nr, PGSECCOMP_LEVEL_GLOBAL, "G");
	if (session)
		learn_one(nr, PGSECCOMP_LEVEL_SESSION, pgseccomp_process_owner);
}

static void
forget_reports(int code, Datum arg)
{
	reports = NULL;
}

void
pgseccomp_reports_init(void)
{
	bool		found;
	int			i;

	reports = ShmemInitStruct("pgseccomp reports", sizeof(Reports), &found);
	if (!found)
	{
		memset(reports, 0, sizeof(Reports));
		pg_atomic_init_u64(&reports->next, 0);
		pg_atomic_init_u64(&reports->base, 0);
		pg_atomic_init_u64(&reports->learned_dropped, 0);
		pg_atomic_init_u64(&reports->since, (uint64) GetCurrentTimestamp());
		for (i = 0; i < DENIALS_KEPT; i++)
			pg_atomic_init_u64(&reports->denials[i].seq, 0);
		for (i = 0; i < LEARNED_SLOTS; i++)
		{
			pg_atomic_init_u32(&reports->learned[i].state, 0);
			pg_atomic_init_u64(&reports->learned[i].calls, 0);
			pg_atomic_init_u64(&reports->learned[i].first, 0);
			pg_atomic_init_u64(&reports->learned[i].last, 0);
		}
	}
	/*
	 * The postmaster's: it runs before the unmapping, registered earlier.
	 * Children drop the postmaster's exit callbacks and keep the segment
	 * mapped while they run (but the logger, which reports.c checks for).
	 */
	on_shmem_exit(forget_reports, (Datum) 0);
	for (i = 0; i < early_n; i++)
		learn_one(early_nr[i], PGSECCOMP_LEVEL_GLOBAL, "G");
}

/* A copy of a denial, or false when it is being written or is gone. */
static bool
read_denial(uint64 pos, Denial *out)
{
	Denial	   *d = &reports->denials[pos % DENIALS_KEPT];
	uint64		seq = pg_atomic_read_u64(&d->seq);

	if (seq != pos + 1)
		return false;
	pg_read_barrier();
	memcpy((char *) out + sizeof(pg_atomic_uint64), (char *) d + sizeof(pg_atomic_uint64),
		   sizeof(Denial) - sizeof(pg_atomic_uint64));
	pg_read_barrier();
	if (pg_atomic_read_u64(&d->seq) != seq)
		return false;
	out->type[TYPE_LEN - 1] = '\0';
	out->query[QUERY_LEN - 1] = '\0';
	return true;
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

PG_FUNCTION_INFO_V1(pg_get_seccomp_denials);

/* seccomp_denials(): the denials kept, oldest first. */
Datum
pg_get_seccomp_denials(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	uint64		next;
	uint64		pos;

	require_reports();
	InitMaterializedSRF(fcinfo, 0);
	next = pg_atomic_read_u64(&reports->next);
	for (pos = oldest_kept(next); pos < next; pos++)
	{
		Denial		d;
		Datum		values[10];
		bool		nulls[10] = {0};

		if (!read_denial(pos, &d))
			continue;
		nulls[0] = d.at == 0;
		values[0] = TimestampTzGetDatum(d.at);
		values[1] = Int32GetDatum(d.pid);
		values[2] = text_or_null(d.type, &nulls[2]);
		values[3] = name_or_null(OidIsValid(d.dbid) ? get_database_name(d.dbid) : NULL, &nulls[3]);
		values[4] = name_or_null(OidIsValid(d.roleid) ? GetUserNameFromId(d.roleid, true) : NULL, &nulls[4]);
		values[5] = CStringGetTextDatum(pgseccomp_syscall_text(d.nr));
		values[6] = Int32GetDatum(d.nr);
		values[7] = CStringGetTextDatum(pgseccomp_errno_text(d.err));
		values[8] = CStringGetTextDatum(pgseccomp_level_name(d.level));
		values[9] = text_or_null(clean_query(d.query), &nulls[9]);
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
	require_reports();
	pg_atomic_write_u64(&reports->base, pg_atomic_read_u64(&reports->next));
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
		values[9] = text_or_null(clean_query(all[i].query), &nulls[9]);
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
	pg_atomic_write_u64(&reports->learned_dropped, 0);
	PG_RETURN_VOID();
}

/*
 * In the compile worker, about once a second: write the denials since the
 * last pass to the server log, at most LOG_PER_PASS of them, and a count of
 * the others, which seccomp_denials() still has.
 */
void
pgseccomp_log_denials(void)
{
	static uint64 logged = 0;
	uint64		next;
	uint64		pos;
	uint64		skipped = 0;
	int			written = 0;
	bool		in_xact = false;
	MemoryContext caller = CurrentMemoryContext;

	if (reports == NULL)
		return;
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
		Denial		d;
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
		written++;
	}
	if (in_xact)
	{
		CommitTransactionCommand();
		MemoryContextSwitchTo(caller);	/* the commit leaves TopMemoryContext */
	}
	if (skipped > 0)
		ereport(LOG,
				(errmsg("pgseccomp did not log %llu denials", (unsigned long long) skipped),
				 errdetail("At most %d denials are logged per second; seccomp_denials() keeps the last %d.",
						   LOG_PER_PASS, DENIALS_KEPT)));
	logged = next;
}

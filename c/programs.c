/*
 * programs.c
 *		Programs that server processes ran while a learning level confined
 *		them: seccomp_learned_programs(), and what seccomp_suggest() says of
 *		them.
 *
 * execve cannot trap (glibc's posix_spawn child runs with every signal
 * blocked, and a trap there kills), and a program has no SIGSYS handler of
 * ours, so a learning filter learns nothing of what a program calls. What
 * can be seen is where PostgreSQL runs one: COPY ... TO/FROM PROGRAM passes
 * the utility hook, recorded here with the process type, role and learning
 * levels of the process that runs it. archive_command, restore_command,
 * archive_cleanup_command and recovery_end_command run from processes no
 * hook reaches; seccomp_suggest() names them from the settings. Programs an
 * untrusted procedural language starts are not seen.
 *
 * Any process may write this table; readers treat its bytes as hostile.
 */
#include "programs.h"

#include "catalog/pg_authid.h"
#include "commands/copy.h"
#include "fmgr.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "storage/shmem.h"
#include "storage/spin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "reports.h"

#define PROGRAM_SLOTS 256
#define COMMAND_LEN 200
#define PTYPE_LEN ((int) sizeof(((LearnedSyscall *) 0)->type))

typedef struct ProgramRun
{
	int32		level;
	Oid			roleid;
	char		owner[PGSECCOMP_OWNER_LEN];
	char		type[PTYPE_LEN];
	char		command[COMMAND_LEN];
	int64		count;
	TimestampTz first;
	TimestampTz last;
} ProgramRun;

typedef struct Programs
{
	slock_t		lock;
	uint64		resets;			/* seccomp_learned_reset() calls it reflects */
	int32		n;
	int64		dropped;
	ProgramRun	runs[PROGRAM_SLOTS];
} Programs;

static Programs *programs = NULL;

Size
pgseccomp_programs_size(void)
{
	return sizeof(Programs);
}

void
pgseccomp_programs_init(void)
{
	bool		found;

	programs = ShmemInitStruct("pgseccomp programs", sizeof(Programs), &found);
	if (!found)
	{
		memset(programs, 0, sizeof(Programs));
		SpinLockInit(&programs->lock);
	}
}

/* With the lock held: forget what a reset since the last look cleared. */
static void
follow_resets(void)
{
	uint64		resets = pgseccomp_learned_resets();

	if (programs->resets != resets)
	{
		programs->n = 0;
		programs->dropped = 0;
		programs->resets = resets;
	}
}

static void
record(int level, const char *owner, const char *type, Oid role, const char *command)
{
	TimestampTz now = GetCurrentTimestamp();
	int			i;
	int			n;

	SpinLockAcquire(&programs->lock);
	follow_resets();
	n = Min(Max(programs->n, 0), PROGRAM_SLOTS);
	for (i = 0; i < n; i++)
	{
		ProgramRun *r = &programs->runs[i];

		if (r->level == level && r->roleid == role &&
			strncmp(r->owner, owner, PGSECCOMP_OWNER_LEN) == 0 &&
			strncmp(r->type, type, PTYPE_LEN) == 0 &&
			strncmp(r->command, command, COMMAND_LEN) == 0)
		{
			r->count++;
			r->last = now;
			SpinLockRelease(&programs->lock);
			return;
		}
	}
	if (n < PROGRAM_SLOTS)
	{
		ProgramRun *r = &programs->runs[n];

		r->level = level;
		r->roleid = role;
		strlcpy(r->owner, owner, PGSECCOMP_OWNER_LEN);
		strlcpy(r->type, type, PTYPE_LEN);
		strlcpy(r->command, command, COMMAND_LEN);
		r->count = 1;
		r->first = r->last = now;
		programs->n = n + 1;
	}
	else
		programs->dropped++;
	SpinLockRelease(&programs->lock);
}

/* The command, cut to fit at a character boundary. */
static char *
cut_command(const char *command)
{
	int			len = strlen(command);

	return pnstrdup(command, pg_mbcliplen(command, len, Min(len, COMMAND_LEN - 1)));
}

void
pgseccomp_programs_utility(Node *stmt)
{
	CopyStmt   *copy;
	char		type[PTYPE_LEN];
	char	   *command;
	bool		global;
	bool		session;

	if (programs == NULL || !IsA(stmt, CopyStmt))
		return;
	copy = (CopyStmt *) stmt;
	/* What COPY itself refuses runs nothing. */
	if (!copy->is_program || copy->filename == NULL ||
		!has_privs_of_role(GetUserId(), ROLE_PG_EXECUTE_SERVER_PROGRAM))
		return;
	global = pgseccomp_level_learns(PGSECCOMP_LEVEL_GLOBAL, "G");
	session = pgseccomp_process_owner[0] != '\0' &&
		pgseccomp_level_learns(PGSECCOMP_LEVEL_SESSION, pgseccomp_process_owner);
	if (!global && !session)
		return;
	memset(type, 0, sizeof(type));
	pgseccomp_report_process_type(type);
	command = cut_command(copy->filename);
	if (global)
		record(PGSECCOMP_LEVEL_GLOBAL, "G", type, GetUserId(), command);
	if (session)
		record(PGSECCOMP_LEVEL_SESSION, pgseccomp_process_owner, type, GetUserId(), command);
	pfree(command);
}

/* A copy of the table, its strings ended and in the server encoding. */
static int
collect(ProgramRun **out)
{
	ProgramRun *all = palloc(sizeof(ProgramRun) * PROGRAM_SLOTS);
	int			n;
	int			i;

	SpinLockAcquire(&programs->lock);
	follow_resets();
	n = Min(Max(programs->n, 0), PROGRAM_SLOTS);
	memcpy(all, programs->runs, sizeof(ProgramRun) * n);
	SpinLockRelease(&programs->lock);
	for (i = 0; i < n; i++)
	{
		ProgramRun *r = &all[i];
		char	   *strs[] = {r->owner, r->type, r->command};
		int			sizes[] = {PGSECCOMP_OWNER_LEN, PTYPE_LEN, COMMAND_LEN};
		int			k;

		for (k = 0; k < lengthof(strs); k++)
		{
			int			len;

			strs[k][sizes[k] - 1] = '\0';
			len = strlen(strs[k]);
			if (!pg_verifymbstr(strs[k], len, true))
				strs[k][0] = '\0';
		}
	}
	*out = all;
	return n;
}

/*
 * A command is shown, as pg_stat_activity shows a statement, only to
 * members of the role that ran it and of pg_read_all_stats: it may hold a
 * credential.
 */
#define HIDDEN "<insufficient privilege>"

static bool
may_see(Oid roleid)
{
	Oid			me = GetUserId();

	return has_privs_of_role(me, ROLE_PG_READ_ALL_STATS) ||
		(OidIsValid(roleid) && has_privs_of_role(me, roleid));
}

/* The settings that run programs from processes no hook reaches, and those processes. */
static const struct
{
	const char *setting;
	BackendType type;
}			configured[] = {
	{"archive_command", B_ARCHIVER},
	{"restore_command", B_STARTUP},
	{"recovery_end_command", B_STARTUP},
	{"archive_cleanup_command", B_CHECKPOINTER},
};

static void
put_program(WireSink *sink, int level, int64 count, const char *owner, const char *type,
			const char *command)
{
	pgseccomp_wire_put_pair(sink, WIRE_KEY_PROGRAM,
							psprintf("%d:" INT64_FORMAT ":%d:%d:%s%s%s", level, count,
									 (int) strlen(owner), (int) strlen(type), owner, type, command));
}

void
pgseccomp_programs_suggest(WireSink *sink)
{
	ProgramRun *all;
	int			n;
	int			i;

	if (programs == NULL)
		return;
	n = collect(&all);
	for (i = 0; i < n; i++)
		if (all[i].owner[0] != '\0' && all[i].command[0] != '\0')
			put_program(sink, all[i].level, all[i].count, all[i].owner, all[i].type,
						may_see(all[i].roleid) ? all[i].command : HIDDEN);
	for (i = 0; i < lengthof(configured); i++)
	{
		const char *value = GetConfigOption(configured[i].setting, true, false);

		/* Only to whom may read it: it may hold a credential. */
		if (value != NULL && value[0] != '\0')
			put_program(sink, PGSECCOMP_LEVEL_GLOBAL, 0, "G", GetBackendTypeDesc(configured[i].type),
						has_privs_of_role(GetUserId(), ROLE_PG_READ_ALL_SETTINGS) ?
						psprintf("%s = '%s'", configured[i].setting, value) :
						psprintf("%s (its value is for pg_read_all_settings)", configured[i].setting));
	}
}

static Datum
text_or_null(const char *s, bool *isnull)
{
	*isnull = (s == NULL || *s == '\0');
	return *isnull ? (Datum) 0 : CStringGetTextDatum(s);
}

PG_FUNCTION_INFO_V1(pg_get_seccomp_learned_programs);

/* seccomp_learned_programs(): programs run while a learning level confined their process. */
Datum
pg_get_seccomp_learned_programs(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	ProgramRun *all;
	int			n;
	int			i;

	if (programs == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("seccomp is not enabled")));
	InitMaterializedSRF(fcinfo, 0);
	n = collect(&all);
	for (i = 0; i < n; i++)
	{
		Datum		values[8];
		bool		nulls[8] = {0};
		const char *role = OidIsValid(all[i].roleid) ? GetUserNameFromId(all[i].roleid, true) : NULL;

		values[0] = CStringGetTextDatum(pgseccomp_level_name(all[i].level));
		values[1] = text_or_null(pgseccomp_learning_setting(all[i].level, all[i].owner), &nulls[1]);
		values[2] = text_or_null(all[i].type, &nulls[2]);
		nulls[3] = role == NULL;
		values[3] = role ? DirectFunctionCall1(namein, CStringGetDatum(role)) : (Datum) 0;
		values[4] = text_or_null(may_see(all[i].roleid) ? all[i].command : HIDDEN, &nulls[4]);
		values[5] = Int64GetDatum(all[i].count);
		values[6] = TimestampTzGetDatum(all[i].first);
		values[7] = TimestampTzGetDatum(all[i].last);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

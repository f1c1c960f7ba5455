/*
 * confine.c
 *		Every process that runs a role's code gets its filters before that
 *		code runs. Two points cover them all:
 *
 *		- client backends and walsenders: ClientAuthentication_hook, before
 *		  session_preload_libraries, PGOPTIONS and per-role settings;
 *		- every other process that connects to a database (parallel workers,
 *		  autovacuum workers, logical replication workers, background
 *		  workers of other extensions): the first transaction callback, at
 *		  the commit of the start-up transaction that ends InitPostgres,
 *		  before a parallel worker restores its leader's libraries and
 *		  settings.
 *
 *		Dynamic background workers are confined earlier still, as they are
 *		forked (fork.c), since their code runs before either point; at the
 *		end of their start-up transaction they only record it, and stack
 *		the filter of a listed role they connected as.
 *
 *		What is installed comes from the filters the postmaster compiled
 *		(store.c), which this process inherited; nothing another process can
 *		write chooses it, but for a parallel worker's leader (parallel.c).
 *		needs_fmgr_hook refuses any non-built-in function in a process that
 *		should be confined and is not: a last line, fail closed.
 */
#include "confine.h"

#include <signal.h>

#include "access/parallel.h"
#include "miscadmin.h"
#include "postmaster/bgworker.h"
#include "replication/walsender.h"
#include "utils/acl.h"
#include "utils/memutils.h"

#include "compile.h"
#include "install.h"
#include "parallel.h"
#include "registry.h"
#include "reports.h"
#include "settings.h"

ProcessStack *pgseccomp_stack = NULL;

/* The process that finished confining itself; children must do it anew. */
static pid_t confined_pid = 0;

/*
 * The type key of this process for backend-type settings: as
 * pg_stat_activity.backend_type names it, in lower case with "_" for every
 * other character than a letter or digit ("autovacuum_worker", "pg_cron").
 */
const char *
pgseccomp_process_type(void)
{
	if (MyBackendType == B_BG_WORKER && MyBgworkerEntry)
		return pgseccomp_type_key(MyBgworkerEntry->bgw_type[0] ?
								  MyBgworkerEntry->bgw_type : MyBgworkerEntry->bgw_name);
	if (MyBackendType == B_WAL_SENDER || am_walsender)
		return "walsender";
	return pgseccomp_type_key(GetBackendTypeDesc(MyBackendType));
}

/*
 * Set at fork (fork.c) in pgseccomp's own compile worker, the one
 * registered at start, which keeps the global filter alone; never in a
 * dynamic worker that names the same entry point.
 */
bool		pgseccomp_compile_worker = false;

/*
 * Compile a target here, when the postmaster's copy is not from the
 * settings this process has (a reload applied an override after the last
 * setting whose hook compiles). This process has run nothing of a role's
 * yet and carries the global filter alone, which lets helpers work.
 */
static const StoredTarget *
compile_here(TargetKind kind, const char *name, const StringInfo section, int *ninsns)
{
	HelperResponse resp;
	HelperMessage why;
	StoredTarget *t;
	MemoryContext old;

	if (!pgseccomp_compile_targets(section->data, section->len, 1, &resp, &why))
		ereport(FATAL,
				(errcode(ERRCODE_INSUFFICIENT_RESOURCES),
				 errmsg("could not compile the pgseccomp filter of this connection: %s", why.message),
				 why.detail ? errdetail_internal("%s", why.detail) : 0,
				 why.hint ? errhint("%s", why.hint) : 0));
	/* Ask the postmaster to compile again: the settings are final now. */
	kill(PostmasterPid, SIGHUP);
	ereport(LOG,
			(errmsg("pgseccomp compiled the filter of this connection itself"),
			 errdetail("The postmaster's filters predate the last setting of the reload; it is asked to compile them again.")));

	old = MemoryContextSwitchTo(TopMemoryContext);
	t = palloc0(sizeof(StoredTarget));
	t->kind = kind;
	t->name = name ? pstrdup(name) : NULL;
	t->section = palloc(section->len);
	memcpy(t->section, section->data, section->len);
	t->section_len = section->len;
	t->ok = resp.targets[0].ok;
	t->error = resp.targets[0].error;
	t->rows = resp.targets[0].rows ? pstrdup(resp.targets[0].rows) : "";
	t->lint = resp.targets[0].lint ? pstrdup(resp.targets[0].lint) : "";
	t->oci = resp.targets[0].oci ? pstrdup(resp.targets[0].oci) : "";
	t->systemd = resp.targets[0].systemd ? pstrdup(resp.targets[0].systemd) : "";
	t->program = resp.targets[0].has_program ? -1 : 0;
	MemoryContextSwitchTo(old);
	*ninsns = resp.targets[0].ninsns;
	if (t->ok && t->program == -1)
	{
		char	   *err;

		if (!pgseccomp_install(resp.targets[0].program, *ninsns, &err))
			ereport(FATAL,
					(errcode(ERRCODE_SYSTEM_ERROR),
					 errmsg("could not install the pgseccomp filter of this connection"),
					 errdetail_internal("%s", err)));
	}
	return t;
}

static void remember(const StoredTarget *t, int program, int ninsns);

/* This process's stack: static, like the process it describes. */
static ProcessStack stack_of_this_process;

/* Installed at fork (fork.c): only recorded at the end of start-up. */
static const StoredTarget *fork_target = NULL;

bool
pgseccomp_confined_at_fork(const StoredTarget *t)
{
	fork_target = t;
	pgseccomp_set_process_owner(t->kind, t->name);
	return pgseccomp_registry_announce(t->program, pgseccomp_process_owner);
}

static void
refuse(const StoredTarget *t, const char *who)
{
	ereport(FATAL,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("could not load the pgseccomp filter for %s: %s", who, t->error.message),
			 t->error.detail ? errdetail_internal("%s", t->error.detail) : 0,
			 t->error.hint ? errhint("%s", t->error.hint) : 0));
}

/*
 * Whose filter a message is about, formatted only when there is one: the
 * connection path stays free of allocations.
 */
typedef struct Who
{
	const char *format;			/* with up to two %s */
	const char *a;
	const char *b;
} Who;

static const char *
who_text(const Who *who)
{
	return psprintf(who->format, who->a, who->b);
}

/*
 * Stack a target's filter on this process. With verify, first check that
 * the postmaster compiled it from the settings this process has, and
 * compile it here if not; without, take the postmaster's as it is (after
 * InitPostgres, per-database settings may have changed what this process
 * sees, and must not choose its filter).
 */
static void
confine_as(TargetKind kind, const char *name, bool verify, Who who)
{
	const StoredTarget *t = pgseccomp_store_find(kind, name);
	int			program = t ? t->program : 0;
	int			ninsns = 0;

	if (verify && (t == NULL || !pgseccomp_target_matches(t->section, t->section_len, kind, name)))
	{
		StringInfoData section;

		initStringInfo(&section);
		pgseccomp_request_target(&section, kind, name);
		t = compile_here(kind, name, &section, &ninsns);
		program = t->program;
		pfree(section.data);
	}
	if (t == NULL)
		ereport(FATAL,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("pgseccomp has no filter for %s", who_text(&who))));
	if (!t->ok)
		refuse(t, who_text(&who));
	if (program > 0)
	{
		const struct sock_filter *insns = pgseccomp_store_program(program, &ninsns);
		char	   *err;

		if (insns == NULL || !pgseccomp_install(insns, ninsns, &err))
			ereport(FATAL,
					(errcode(ERRCODE_SYSTEM_ERROR),
					 errmsg("could not install the pgseccomp filter for %s", who_text(&who)),
					 insns ? errdetail_internal("%s", err) : 0));
	}
	remember(t, program, ninsns);
}

/* This process stacked t's program: record it, and announce it. */
static void
remember(const StoredTarget *t, int program, int ninsns)
{
	ProcessStack *stack = &stack_of_this_process;

	stack->base = t;
	stack->base_program = program;
	pgseccomp_set_process_owner(t->kind, t->name);
	/* Before any role's code runs: what its parallel workers will install. */
	if (t != fork_target && !pgseccomp_registry_announce(program, pgseccomp_process_owner))
		ereport(FATAL,
				(errcode(ERRCODE_SYSTEM_ERROR),
				 errmsg("pgseccomp could not announce the filter of this process: %m"),
				 errdetail("Its parallel workers would have no filter to install.")));
	stack->rows = t->rows;
	stack->oci = t->oci;
	stack->systemd = t->systemd;
	/* The kernel counts each filter of a stack as its length plus 4. */
	stack->stack_insns = pgseccomp_global_ninsns + 4 + (program != 0 ? ninsns + 4 : 0);
	pgseccomp_stack = stack;
	confined_pid = MyProcPid;
	pgseccomp_observe_process();
	/* Its slot is written with its first client filter: until then, none. */
}

void
pgseccomp_client_authentication(Port *port, int status)
{
	if (status != STATUS_OK || !pgseccomp_enabled)
		return;
	if (am_walsender && pgseccomp_store_find(TARGET_TYPE, "walsender"))
		confine_as(TARGET_TYPE, "walsender", true, (Who) {"walsenders"});
	else if (pgseccomp_store_find(TARGET_ROLE, port->user_name) != NULL)
		confine_as(TARGET_ROLE, port->user_name, true, (Who) {"role \"%s\"", port->user_name});
	else
		confine_as(TARGET_SESSION, NULL, true,
				   (Who) {"the session of role \"%s\"", port->user_name});
}

/*
 * A dynamic background worker took the session filter at fork (fork.c),
 * before anyone knew as which role it would connect. Connected as a role
 * with filters of its own, it stacks that role's program on top, as
 * set_client_filter stacks a client program: the role's denials apply,
 * and since stacking only adds denials, the session's stay. Its parallel
 * workers take it from here as they take a leader's client programs.
 * seccomp_filter() shows the role's rows.
 */
static void
stack_role_filter(void)
{
	char	   *role = GetUserNameFromId(GetAuthenticatedUserId(), true);
	const StoredTarget *t = role ? pgseccomp_store_find(TARGET_ROLE, role) : NULL;
	const char *type = pgseccomp_process_type();
	CompiledFilter f;
	StringInfoData none;
	dsm_segment *seg;
	char	   *err;

	if (t == NULL)
		return;
	if (!t->ok)
		refuse(t, psprintf("role \"%s\" in %s", role, type));
	if (t->program <= 0)
		return;					/* the global filter does what the role asks */
	memset(&f, 0, sizeof(f));
	f.ok = f.has_program = true;
	f.program = (struct sock_filter *) pgseccomp_store_program(t->program, &f.ninsns);
	f.rows = t->rows;
	f.oci = t->oci;
	f.systemd = t->systemd;
	if (f.program == NULL)
		ereport(FATAL,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("pgseccomp has no filter for role \"%s\" in %s", role, type)));
	initStringInfo(&none);
	seg = pgseccomp_client_segment(pgseccomp_stack, &f);
	pgseccomp_stack_reserve(none.len, f.ninsns);
	if (!pgseccomp_install(f.program, f.ninsns, &err))
		ereport(FATAL,
				(errcode(ERRCODE_SYSTEM_ERROR),
				 errmsg("could not install the pgseccomp filter for role \"%s\" in %s", role, type),
				 errdetail_internal("%s", err)));
	pgseccomp_stack_add_client(&f, &none, seg);
}

/*
 * The first transaction callback of a process: the end of its start-up
 * transaction. Processes that reach it confined (client backends) or that
 * never should be (the compile worker) return at once, as do all later
 * calls.
 */
void
pgseccomp_xact_callback(XactEvent event, void *arg)
{
	const char *type;
	char	   *role;

	/* A single-user backend is the DBA's own, under the global filter. */
	if (confined_pid == MyProcPid || !pgseccomp_enabled || !IsUnderPostmaster)
		return;

	/*
	 * Only a commit: a FATAL below aborts the transaction, and trying again
	 * in that abort would FATAL inside proc_exit and skip its cleanup.
	 * Nothing of a role's runs before the first commit (and needs_fmgr_hook
	 * refuses it if it tried).
	 */
	if (event != XACT_EVENT_PRE_COMMIT && event != XACT_EVENT_PARALLEL_PRE_COMMIT &&
		event != XACT_EVENT_PRE_PREPARE)
		return;
	if (pgseccomp_compile_worker)
	{
		confined_pid = MyProcPid;
		return;
	}
	if (MyBackendType == B_BACKEND || am_walsender)
		ereport(FATAL,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("pgseccomp did not confine this session at authentication")));
	if (IsParallelWorker())
	{
		pgseccomp_install_leader_stack();
		confined_pid = MyProcPid;
		return;
	}

	if (fork_target)
	{
		int			ninsns = 0;

		if (fork_target->program > 0)
			(void) pgseccomp_store_program(fork_target->program, &ninsns);
		remember(fork_target, fork_target->program, ninsns);
		if (fork_target->kind == TARGET_SESSION && MyBackendType == B_BG_WORKER)
			stack_role_filter();
		return;
	}
	type = pgseccomp_process_type();
	if (pgseccomp_store_find(TARGET_TYPE, type))
		confine_as(TARGET_TYPE, type, false, (Who) {"backend type \"%s\"", type});
	else if (!OidIsValid(MyDatabaseId) || MyBackendType == B_AUTOVAC_LAUNCHER)
		confined_pid = MyProcPid;	/* runs no role's code: the global filter */
	else if (MyBackendType == B_BG_WORKER &&
			 (role = GetUserNameFromId(GetAuthenticatedUserId(), true)) != NULL &&
			 pgseccomp_store_find(TARGET_ROLE, role))
		confine_as(TARGET_ROLE, role, false, (Who) {"role \"%s\" in %s", role, type});
	else
		confine_as(TARGET_SESSION, NULL, false, (Who) {"backend type \"%s\"", type});
}

/*
 * needs_fmgr_hook: a non-built-in function about to run in a process that
 * runs roles' code and is not confined yet is an error. Always returns
 * false: true would route every call through fmgr_security_definer.
 */
bool
pgseccomp_needs_fmgr(Oid fn_oid)
{
	if (confined_pid == MyProcPid || !pgseccomp_enabled || !IsUnderPostmaster ||
		pgseccomp_compile_worker)
		return false;
	if (MyBackendType == B_BACKEND || MyBackendType == B_WAL_SENDER ||
		MyBackendType == B_AUTOVAC_WORKER || MyBackendType == B_BG_WORKER)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("pgseccomp has not confined this process yet"),
				 errdetail("Function %u may not run before its filters are installed.", fn_oid)));
	return false;
}

/* Room to record one more client filter without allocating memory. */
void
pgseccomp_stack_reserve(int call_len, int ninsns)
{
	ProcessStack *s = pgseccomp_stack;

	if (s->clients.data == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);

		initStringInfo(&s->clients);
		initStringInfo(&s->programs);
		MemoryContextSwitchTo(old);
	}
	enlargeStringInfo(&s->clients, call_len);
	enlargeStringInfo(&s->programs, sizeof(int32) + sizeof(struct sock_filter) * ninsns);
}

/*
 * Record a client filter this process has just stacked, and publish it in
 * seg, made by pgseccomp_client_segment() before it was installed. Nothing
 * here may need a syscall the new filter denies: memory only.
 */
void
pgseccomp_stack_add_client(const CompiledFilter *f, const StringInfo call, dsm_segment *seg)
{
	ProcessStack *s = pgseccomp_stack;
	int32		ninsns = f->ninsns;

	appendBinaryStringInfo(&s->clients, call->data, call->len);
	appendBinaryStringInfo(&s->programs, (char *) &ninsns, sizeof(int32));
	appendBinaryStringInfo(&s->programs, (char *) f->program,
						   sizeof(struct sock_filter) * f->ninsns);
	s->nclients++;
	s->stack_insns += f->ninsns + 4;
	s->rows = f->rows;
	s->oci = f->oci;
	s->systemd = f->systemd;
	pgseccomp_publish_stack(s, seg);
}

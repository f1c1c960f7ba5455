/*
 * pgseccomp.c
 *		Module entry: settings, the global filter at postmaster start, and
 *		the hooks through which every process gets its filters.
 */
#include "compat.h"

#include "access/xact.h"
#include "fmgr.h"
#include "libpq/auth.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "tcop/utility.h"
#include "utils/memutils.h"

#include "confine.h"
#include "fork.h"
#include "helper.h"
#include "install.h"
#include "names.h"
#include "parallel.h"
#include "programs.h"
#include "queue.h"
#include "registry.h"
#include "reports.h"
#include "roles.h"
#include "scope.h"
#include "settings.h"
#include "store.h"
#include "trap.h"
#include "wire.h"
#include "worker.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

static ClientAuthentication_hook_type prev_client_auth_hook = NULL;
static needs_fmgr_hook_type prev_needs_fmgr_hook = NULL;
static ProcessUtility_hook_type prev_process_utility_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;
#ifdef PGSECCOMP_HAVE_SHMEM_REQUEST_HOOK
static shmem_request_hook_type prev_shmem_request_hook = NULL;
#endif

static void
request_shmem(void)
{
#ifdef PGSECCOMP_HAVE_SHMEM_REQUEST_HOOK
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
#endif
	/* The reports are mapped apart, to outlive a crash restart (reports.c). */
	RequestAddinShmemSpace(add_size(add_size(pgseccomp_queue_size(), pgseccomp_leaders_size()),
									pgseccomp_programs_size()));
	RequestNamedLWLockTranche("pgseccomp", 1);	/* the queue */
}

static void
startup_shmem(void)
{
	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	pgseccomp_queue_init();
	pgseccomp_leaders_init();
	pgseccomp_reports_init();
	pgseccomp_programs_init();
	LWLockRelease(AddinShmemInitLock);
	pgseccomp_fork_remember_static_workers();
}

static void
client_authentication(Port *port, int status)
{
	/* Ours first: nothing later in the chain runs unfiltered. */
	pgseccomp_process_authenticated = (status == STATUS_OK);
	pgseccomp_client_authentication(port, status);
	if (status == STATUS_OK && pgseccomp_enabled)
		pgseccomp_observe_process();
	if (prev_client_auth_hook)
		prev_client_auth_hook(port, status);
}

static bool
needs_fmgr(Oid fn_oid)
{
	bool		ours = pgseccomp_needs_fmgr(fn_oid);

	return (prev_needs_fmgr_hook && prev_needs_fmgr_hook(fn_oid)) || ours;
}

/*
 * Settings that loosen confinement must not be writable from SQL. Ours are
 * GUC_DISALLOW_IN_AUTO_FILE; role and backend-type overrides are
 * placeholders, which PostgreSQL would let ALTER SYSTEM write, and ALTER
 * ROLE or DATABASE SET would only mislead.
 */
static void
refuse_override(const char *name, const char *how)
{
	if (name && pgseccomp_is_override_name(name))
		ereport(ERROR,
				(errcode(ERRCODE_CANT_CHANGE_RUNTIME_PARAM),
				 errmsg("parameter \"%s\" cannot be changed with %s", name, how),
				 errhint("Set pgseccomp overrides in postgresql.conf and reload.")));
}

/*
 * Settings that make a process no hook of ours reaches run a command or
 * load a library: the postmaster (ssl_passphrase_command, at each reload),
 * the archiver, the startup process; or change which file a library name
 * loads (dynamic_library_path: a background worker of a library loaded at
 * start looks its name up again); or make such a process create what the
 * setting names (log_directory: the logger makes the directory at the
 * next reload). Written by ALTER SYSTEM, they would do a role's bidding
 * under the global filter alone.
 */
static const char *const runs_code_unconfined[] = {
	"log_directory",
	"ssl_passphrase_command", "ssl_passphrase_command_supports_reload",
	"archive_command", "archive_library", "restore_command",
	"archive_cleanup_command", "recovery_end_command",
	"shared_preload_libraries", "dynamic_library_path",
	/* 18: loaded and called during authentication, before any hook */
	"oauth_validator_libraries",
};

static void
refuse_unconfined_code(const char *name)
{
	int			i;

	for (i = 0; name && i < lengthof(runs_code_unconfined); i++)
		if (pg_strcasecmp(name, runs_code_unconfined[i]) == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("parameter \"%s\" cannot be changed with ALTER SYSTEM while pgseccomp is enabled", name),
					 errdetail("What it names is run, loaded or made by a process that only the global filter confines."),
					 errhint("Set it in postgresql.conf.")));
}

static void
process_utility(PGSECCOMP_UTILITY_PARAMS)
{
	Node	   *stmt = pstmt->utilityStmt;

	if (IsA(stmt, AlterSystemStmt))
	{
		refuse_override(((AlterSystemStmt *) stmt)->setstmt->name, "ALTER SYSTEM");
		refuse_unconfined_code(((AlterSystemStmt *) stmt)->setstmt->name);
		pgseccomp_check_login_setting(((AlterSystemStmt *) stmt)->setstmt->name);
	}
	else if (IsA(stmt, AlterRoleSetStmt))
		refuse_override(((AlterRoleSetStmt *) stmt)->setstmt->name, "ALTER ROLE");
	else if (IsA(stmt, AlterDatabaseSetStmt))
		refuse_override(((AlterDatabaseSetStmt *) stmt)->setstmt->name, "ALTER DATABASE");
	else
		pgseccomp_check_role_command(stmt);
	pgseccomp_programs_utility(stmt);
	if (prev_process_utility_hook)
		prev_process_utility_hook(PGSECCOMP_UTILITY_ARGS);
	else
		standard_ProcessUtility(PGSECCOMP_UTILITY_ARGS);
}

/*
 * Compile everything at start, in a helper forked from the postmaster
 * before any filter exists: the global filter, and the session, role and
 * backend-type filters. Any bad setting stops the server here, naming the
 * setting and the token; PostgreSQL itself would only warn and use the
 * default.
 */
static void
load_global_filter(void)
{
	StringInfoData request;
	HelperResponse resp;
	HelperMessage why;
	List	   *requests = pgseccomp_target_requests();
	ListCell   *lc;
	char	   *install_error;
	char	   *no_trap;
	int			i;

	/* Before any filter: the domain confined processes enter, and the handler. */
	pgseccomp_scope_init();
	if (!pgseccomp_trap_init(&no_trap))
		ereport(LOG,
				(errmsg("pgseccomp cannot report denials or learn"),
				 errdetail_internal("%s", no_trap),
				 errhint("Denials still return their errno; a 'learn' default allows without recording.")));
	initStringInfo(&request);
	appendBinaryStringInfo(&request, WIRE_MARK_START, sizeof(WIRE_MARK_START));
	pgseccomp_request_global(&request);
	foreach(lc, requests)
		appendBinaryStringInfo(&request, ((TargetRequest *) lfirst(lc))->section.data,
							   ((TargetRequest *) lfirst(lc))->section.len);

	if (!pgseccomp_run_helper(&request, &resp, &why))
		pgseccomp_ereport_message(FATAL, &why);
	if (!resp.global.ok)
		pgseccomp_ereport_message(FATAL, &resp.global.error);
	for (i = 0; i < resp.ntargets; i++)
	{
		const char *notes = resp.targets[i].notes;
		int			j;

		if (!resp.targets[i].ok)
			pgseccomp_ereport_message(FATAL, &resp.targets[i].error);
		/* Roles and types that fall back to the session settings repeat its notes. */
		for (j = 0; j < i && notes; j++)
			if (resp.targets[j].notes && strcmp(resp.targets[j].notes, notes) == 0)
				notes = NULL;
		pgseccomp_ereport_notes(WARNING, notes);
	}
	if (resp.ntargets != list_length(requests) || !resp.global.has_program ||
		resp.names == NULL || resp.errnos == NULL || resp.facts == NULL)
		ereport(FATAL,
				(errmsg("incomplete answer from the pgseccomp helper")));
	foreach(lc, resp.warnings)
		pgseccomp_ereport_message(WARNING, lfirst(lc));

	if (!pgseccomp_confine(&install_error) ||
		!pgseccomp_install(resp.global.program, resp.global.ninsns, &install_error))
		ereport(FATAL,
				(errcode(ERRCODE_SYSTEM_ERROR),
				 errmsg("could not install the pgseccomp global filter"),
				 errdetail_internal("%s", install_error)));

	pgseccomp_set_lexicon(resp.names, resp.errnos);
	pgseccomp_set_names(resp.facts);
	pgseccomp_store_start(&resp, requests);
	ereport(LOG,
			(errmsg("pgseccomp global filter installed"),
			 errdetail("%d instructions in the %s layout; %d session, role and backend-type filters compiled.",
					   resp.global.ninsns, resp.global.layout ? resp.global.layout : "linear",
					   resp.ntargets)));
}

void
_PG_init(void)
{
	MemoryContext start;
	MemoryContext old;

	if (!process_shared_preload_libraries_in_progress)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("pgseccomp must be loaded via shared_preload_libraries")));

	pgseccomp_define_settings();
	if (!pgseccomp_enabled)
		return;

	pgseccomp_registry_init();
	/*
	 * What start-up needs only while it runs goes into a context of its
	 * own, deleted at once; what the postmaster keeps for its children is
	 * mapped apart from the heap (keep.c). Left in PostmasterContext or
	 * TopMemoryContext, it would move where every backend's allocations
	 * land in the heap it inherits, and cost each one page faults.
	 */
	start = AllocSetContextCreate(TopMemoryContext, "pgseccomp start", ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(start);
	load_global_filter();
	MemoryContextSwitchTo(old);
	MemoryContextDelete(start);

#ifdef PGSECCOMP_HAVE_SHMEM_REQUEST_HOOK
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = request_shmem;
#else
	request_shmem();
#endif
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = startup_shmem;
	prev_client_auth_hook = ClientAuthentication_hook;
	ClientAuthentication_hook = client_authentication;
	prev_needs_fmgr_hook = needs_fmgr_hook;
	needs_fmgr_hook = needs_fmgr;
	prev_process_utility_hook = ProcessUtility_hook;
	ProcessUtility_hook = process_utility;
	RegisterXactCallback(pgseccomp_xact_callback, NULL);
	pgseccomp_fork_init();
	pgseccomp_register_worker();
}

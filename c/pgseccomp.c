/*
 * pgseccomp.c
 *		Module entry: settings, the global filter at postmaster start, hooks,
 *		and the SQL-callable functions.
 */
#include "pgseccomp.h"

#include "access/parallel.h"
#include "executor/executor.h"
#include "fmgr.h"
#include "funcapi.h"
#include "libpq/auth.h"
#include "tcop/utility.h"
#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/tuplestore.h"
#include "catalog/pg_type.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

static ClientAuthentication_hook_type prev_client_auth_hook = NULL;
static ExecutorStart_hook_type prev_executor_start_hook = NULL;
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
	RequestAddinShmemSpace(pgseccomp_shmem_size());
	RequestNamedLWLockTranche("pgseccomp", 2);	/* the cache, the leaders */
}

static void
startup_shmem(void)
{
	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	pgseccomp_shmem_init();
	if (!IsUnderPostmaster)
		pgseccomp_seed_cache();
}

static void
client_authentication(Port *port, int status)
{
	/* Ours first: nothing later in the chain runs unfiltered. */
	pgseccomp_client_authentication(port, status);
	if (prev_client_auth_hook)
		prev_client_auth_hook(port, status);
}

/* A query that may run in parallel workers: they need our filters. */
static void
executor_start(QueryDesc *queryDesc, int eflags)
{
	if (queryDesc->plannedstmt->parallelModeNeeded && !IsParallelWorker())
		pgseccomp_publish_for_workers();
	if (prev_executor_start_hook)
		prev_executor_start_hook(queryDesc, eflags);
	else
		standard_ExecutorStart(queryDesc, eflags);
}

/* Index builds and VACUUM may also launch parallel workers. */
static void
process_utility(PGSECCOMP_UTILITY_PARAMS)
{
	NodeTag		tag = nodeTag(pstmt->utilityStmt);

	if (tag == T_IndexStmt || tag == T_ReindexStmt || tag == T_VacuumStmt)
		pgseccomp_publish_for_workers();
	if (prev_process_utility_hook)
		prev_process_utility_hook(PGSECCOMP_UTILITY_ARGS);
	else
		standard_ProcessUtility(PGSECCOMP_UTILITY_ARGS);
}

/*
 * Compile everything at start, in a helper forked from the postmaster
 * before any filter exists: the global filter, and the session and role
 * filters. Any bad setting stops the server here, naming the setting and
 * the token; PostgreSQL itself would only warn and use the default.
 */
static void
load_global_filter(void)
{
	StringInfoData request;
	HelperResponse resp;
	HelperMessage why;
	List	   *keys = NIL;
	List	   *roles = pgseccomp_listed_roles();
	ListCell   *lc;
	char	   *install_error;
	int			i;

	initStringInfo(&request);
	appendBinaryStringInfo(&request, "[start]", sizeof("[start]"));
	pgseccomp_request_global(&request);
	for (i = -1; i < list_length(roles); i++)
	{
		StringInfoData section;
		uint8	   *key = palloc(PGSECCOMP_KEY_LEN);

		initStringInfo(&section);
		pgseccomp_request_target(&section, i < 0 ? NULL : list_nth(roles, i));
		pgseccomp_target_key(&section, key);
		keys = lappend(keys, key);
		appendBinaryStringInfo(&request, section.data, section.len);
	}

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
		/* Roles that fall back to the session settings repeat its notes. */
		for (j = 0; j < i && notes; j++)
			if (resp.targets[j].notes && strcmp(resp.targets[j].notes, notes) == 0)
				notes = NULL;
		pgseccomp_ereport_notes(WARNING, notes);
	}
	if (resp.ntargets != list_length(keys) || !resp.global.has_program ||
		resp.names == NULL || resp.errnos == NULL)
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
	pgseccomp_keep_start_result(&resp, keys);
	pgseccomp_global_ninsns = resp.global.ninsns;
	ereport(LOG,
			(errmsg("pgseccomp global filter installed"),
			 errdetail("%d instructions; %d session and role filters compiled.",
					   resp.global.ninsns, resp.ntargets)));
}

void
_PG_init(void)
{
	if (!process_shared_preload_libraries_in_progress)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("pgseccomp must be loaded via shared_preload_libraries")));

	pgseccomp_define_settings();
	pgseccomp_define_parallel_setting();
	if (!pgseccomp_enabled)
		return;

	load_global_filter();

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
	prev_executor_start_hook = ExecutorStart_hook;
	ExecutorStart_hook = executor_start;
	prev_process_utility_hook = ProcessUtility_hook;
	ProcessUtility_hook = process_utility;
	pgseccomp_register_worker();
}

/*
 * Emit rows from text the helper wrote: one line per row, fields separated
 * by tabs. Columns typed int4 are parsed; empty text fields are NULL when
 * empty_is_null; extra is appended as a last text column when not NULL.
 */
static void
put_lines(ReturnSetInfo *rsinfo, const char *text, bool empty_is_null, const char *extra)
{
	TupleDesc	desc = rsinfo->setDesc;
	int			nfields = desc->natts - (extra ? 1 : 0);
	char	   *copy = pstrdup(text ? text : "");
	char	   *line;
	char	   *save = NULL;

	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
	{
		Datum	   *values = palloc0(sizeof(Datum) * desc->natts);
		bool	   *nulls = palloc0(sizeof(bool) * desc->natts);
		char	   *field = line;
		int			i;

		for (i = 0; i < nfields; i++)
		{
			char	   *tab = strchr(field, '\t');

			if (tab == NULL && i < nfields - 1)
				elog(ERROR, "malformed pgseccomp description: \"%s\"", line);
			if (tab)
				*tab = '\0';
			if (TupleDescAttr(desc, i)->atttypid == INT4OID)
				values[i] = Int32GetDatum(pg_strtoint32(field));
			else if (empty_is_null && *field == '\0')
				nulls[i] = true;
			else
				values[i] = CStringGetTextDatum(field);
			field = tab ? tab + 1 : field + strlen(field);
		}
		if (extra)
			values[nfields] = CStringGetTextDatum(extra);
		tuplestore_putvalues(rsinfo->setResult, desc, values, nulls);
	}
}

static void
require_enabled(void)
{
	if (!pgseccomp_enabled)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("seccomp is not enabled")));
}

PG_FUNCTION_INFO_V1(pg_get_seccomp_filter);

/*
 * seccomp_filter(): what this process really enforces. Context "global" is
 * the postmaster's filter, inherited by every process; context "session"
 * is the merge of every filter this backend has loaded.
 */
Datum
pg_get_seccomp_filter(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	require_enabled();
	InitMaterializedSRF(fcinfo, 0);
	put_lines(rsinfo, pgseccomp_global_rows, false, "global");
	/* Processes without a session filter enforce the global one alone. */
	if (pgseccomp_session)
		put_lines(rsinfo, pgseccomp_session->rows, false, "session");
	return (Datum) 0;
}

PG_FUNCTION_INFO_V1(pg_get_seccomp_groups);

/* seccomp_groups(): every @group and its members on this architecture. */
Datum
pg_get_seccomp_groups(PG_FUNCTION_ARGS)
{
	require_enabled();
	InitMaterializedSRF(fcinfo, 0);
	put_lines((ReturnSetInfo *) fcinfo->resultinfo, pgseccomp_groups, false, NULL);
	return (Datum) 0;
}

PG_FUNCTION_INFO_V1(pg_get_seccomp_lint);

/*
 * seccomp_lint(): the weaknesses of the global settings and of this
 * session's, as they were when it connected.
 */
Datum
pg_get_seccomp_lint(PG_FUNCTION_ARGS)
{
	require_enabled();
	if (pgseccomp_session == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("seccomp_lint can only be called in a client session")));
	InitMaterializedSRF(fcinfo, 0);
	put_lines((ReturnSetInfo *) fcinfo->resultinfo, pgseccomp_session->lint, true, NULL);
	return (Datum) 0;
}

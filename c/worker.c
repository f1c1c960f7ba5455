/*
 * worker.c
 *		The "pgseccomp compiler" background worker.
 *
 * The postmaster forks it, so only the global filter confines it, whatever
 * the session filters deny. It compiles session and role filters after each
 * reload, before connections need them, and serves the compile requests of
 * backends, by forking the Go helper (helper.c).
 */
#include "pgseccomp.h"

#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "tcop/tcopprot.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "utils/guc.h"
#include "utils/memutils.h"

void
pgseccomp_register_worker(void)
{
	BackgroundWorker worker;

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS;
	worker.bgw_start_time = BgWorkerStart_PostmasterStart;
	worker.bgw_restart_time = 1;
	strlcpy(worker.bgw_library_name, "pgseccomp", BGW_MAXLEN);
	strlcpy(worker.bgw_function_name, "pgseccomp_worker_main", BGW_MAXLEN);
	strlcpy(worker.bgw_name, "pgseccomp compiler", BGW_MAXLEN);
	strlcpy(worker.bgw_type, "pgseccomp compiler", BGW_MAXLEN);
	RegisterBackgroundWorker(&worker);
}

/* The last session filter that compiled, kept when a reload breaks it. */
static CompiledFilter *last_good_session = NULL;

static bool
is_session_section(const StringInfo section)
{
	static const char role_marker[] = "[target]\0role";

	return !(section->len >= (int) sizeof(role_marker) &&
			 memcmp(section->data, role_marker, sizeof(role_marker)) == 0);
}

static void
keep_last_good(const CompiledFilter *f)
{
	MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);
	CompiledFilter *copy = palloc(sizeof(CompiledFilter));

	*copy = *f;
	if (f->has_program)
	{
		copy->program = palloc(sizeof(struct sock_filter) * f->ninsns);
		memcpy(copy->program, f->program, sizeof(struct sock_filter) * f->ninsns);
	}
	copy->rows = pstrdup(f->rows ? f->rows : "");
	copy->notes = f->notes ? pstrdup(f->notes) : NULL;
	copy->lint = f->lint ? pstrdup(f->lint) : NULL;
	MemoryContextSwitchTo(old);
	last_good_session = copy;
}

/*
 * Run one helper on the global settings plus the given target sections,
 * which must come back as ntargets answers.
 */
static bool
run_compile(const char *sections, int len, int ntargets,
			HelperResponse *resp, HelperMessage *why)
{
	StringInfoData request;

	initStringInfo(&request);
	pgseccomp_request_global(&request);
	appendBinaryStringInfo(&request, sections, len);
	if (!pgseccomp_run_helper(&request, resp, why))
		return false;
	if (!resp->global.ok)
	{
		*why = resp->global.error;
		return false;
	}
	if (resp->ntargets != ntargets)
	{
		why->message = "pgseccomp helper answered for the wrong number of targets";
		why->detail = why->hint = NULL;
		return false;
	}
	return true;
}

/*
 * A set_client_filter call: the request holds the caller's target section
 * and its calls; the answer goes back to the caller, not to the cache.
 */
static bool
compile_client(const StringInfo client, CompiledFilter *result, HelperMessage *why)
{
	HelperResponse resp;

	if (!run_compile(client->data, client->len, 1, &resp, why))
		return false;
	*result = resp.targets[0];
	return true;
}

/*
 * Compile target sections in one helper run and store each result. A
 * session filter that no longer compiles keeps the previous one (a bad
 * reload changes nothing); a role's error is stored, so that its
 * connections are refused with the reason.
 */
static bool
compile_sections(List *sections, const char *occasion, HelperMessage *why)
{
	StringInfoData all;
	HelperResponse resp;
	ListCell   *lc;
	int			i = 0;

	initStringInfo(&all);
	foreach(lc, sections)
		appendBinaryStringInfo(&all, ((StringInfo) lfirst(lc))->data,
							   ((StringInfo) lfirst(lc))->len);
	if (!run_compile(all.data, all.len, list_length(sections), &resp, why))
		return false;

	ereport(LOG,
			(errmsg("pgseccomp compiled %d session filters %s",
					list_length(sections), occasion)));
	foreach(lc, sections)
	{
		StringInfo	section = lfirst(lc);
		CompiledFilter *f = &resp.targets[i++];
		uint8		key[PGSECCOMP_KEY_LEN];
		bool		session = is_session_section(section);

		pgseccomp_target_key(section, key);
		pgseccomp_ereport_notes(LOG, f->notes);
		if (f->ok)
		{
			if (session)
				keep_last_good(f);
			pgseccomp_cache_store(key, f);
			continue;
		}
		pgseccomp_ereport_message(LOG, &f->error);
		if (session && last_good_session)
		{
			ereport(LOG,
					(errmsg("pgseccomp keeps the previous session filter"),
					 errdetail("New sessions get the filter of the last valid session settings.")));
			pgseccomp_cache_store(key, last_good_session);
		}
		else
			pgseccomp_cache_store(key, f);
	}
	return true;
}

/* Compile the current session and role filters that the cache lacks. */
static void
precompile(void)
{
	List	   *sections = NIL;
	List	   *roles = pgseccomp_listed_roles();
	int			i;
	HelperMessage why;

	for (i = -1; i < list_length(roles); i++)
	{
		StringInfo	section = makeStringInfo();
		uint8		key[PGSECCOMP_KEY_LEN];
		CompiledFilter cached;

		pgseccomp_request_target(section, i < 0 ? NULL : list_nth(roles, i));
		pgseccomp_target_key(section, key);
		if (!pgseccomp_cache_lookup(key, &cached))
			sections = lappend(sections, section);
		else if (i < 0 && cached.ok && last_good_session == NULL)
			keep_last_good(&cached);
	}
	if (sections == NIL)
		return;
	if (!compile_sections(sections, "for the current settings", &why))
		pgseccomp_ereport_message(LOG, &why);
}

static void
serve_requests(void)
{
	StringInfoData section;
	RequestKind kind;
	int			slot;

	initStringInfo(&section);
	while (pgseccomp_next_request(&section, &kind, &slot))
	{
		HelperMessage why;
		CompiledFilter result;
		bool		ok;

		if (kind == REQUEST_CLIENT)
			ok = compile_client(&section, &result, &why);
		else
			ok = compile_sections(list_make1(&section),
								  "at the request of a connecting backend", &why);
		pgseccomp_finish_request(slot, ok ? NULL : &why,
								 ok && kind == REQUEST_CLIENT ? &result : NULL);
	}
}

void
pgseccomp_worker_main(Datum arg)
{
	MemoryContext loop_context;

	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	pqsignal(SIGPIPE, SIG_IGN);
	BackgroundWorkerUnblockSignals();

	loop_context = AllocSetContextCreate(TopMemoryContext, "pgseccomp worker",
										 ALLOCSET_DEFAULT_SIZES);
	pgseccomp_worker_attach();

	for (bool first = true;; first = false)
	{
		MemoryContext old = MemoryContextSwitchTo(loop_context);

		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending || first)
		{
			ConfigReloadPending = false;
			if (!first)
				ProcessConfigFile(PGC_SIGHUP);
			precompile();
		}
		serve_requests();
		pgseccomp_prestart_helper();
		MemoryContextSwitchTo(old);
		MemoryContextReset(loop_context);

		/* Come back soon to reap helpers that are still exiting. */
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_EXIT_ON_PM_DEATH |
						 (pgseccomp_helpers_exiting() ? WL_TIMEOUT : 0),
						 100, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
}

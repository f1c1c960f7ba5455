/*
 * worker.c
 *		The "pgseccomp compiler" background worker.
 *
 * The postmaster forks it, so only the global filter confines it, whatever
 * the session filters deny. It compiles set_client_filter's requests, by
 * forking the Go helper (helper.c), and after each reload it reports on the
 * settings that new processes will get: warnings, a session filter that no
 * longer compiles, listed roles that do not exist. About once a second it
 * writes new denials to the server log. It decides nothing that any other
 * process installs.
 */
#include "worker.h"

#include <signal.h>

#include "access/xact.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "tcop/tcopprot.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "utils/acl.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "compile.h"
#include "helper.h"
#include "queue.h"
#include "reports.h"
#include "settings.h"
#include "store.h"

void
pgseccomp_register_worker(void)
{
	BackgroundWorker worker;

	memset(&worker, 0, sizeof(worker));
	/* A connection without a database: enough to look up roles. */
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_ConsistentState;
	worker.bgw_restart_time = 1;
	strlcpy(worker.bgw_library_name, "pgseccomp", BGW_MAXLEN);
	strlcpy(worker.bgw_function_name, "pgseccomp_worker_main", BGW_MAXLEN);
	strlcpy(worker.bgw_name, "pgseccomp compiler", BGW_MAXLEN);
	strlcpy(worker.bgw_type, "pgseccomp compiler", BGW_MAXLEN);
	RegisterBackgroundWorker(&worker);
}

/*
 * Roles listed in pgseccomp.session_roles that do not exist, in the
 * caller's memory: the commit frees what the transaction allocated, and
 * leaves TopMemoryContext current, where the loop's work would pile up.
 */
static List *
missing_roles(void)
{
	MemoryContext caller = CurrentMemoryContext;
	List	   *missing = NIL;
	ListCell   *lc;

	StartTransactionCommand();
	foreach(lc, pgseccomp_listed_roles())
	{
		if (!OidIsValid(get_role_oid(lfirst(lc), true)))
		{
			MemoryContext old = MemoryContextSwitchTo(caller);

			missing = lappend(missing, pstrdup(lfirst(lc)));
			MemoryContextSwitchTo(old);
		}
	}
	CommitTransactionCommand();
	MemoryContextSwitchTo(caller);
	return missing;
}

/*
 * Role and backend-type overrides are placeholders without assign hooks:
 * one that a reload applies after the last pgseccomp setting of the file
 * misses the postmaster's compile. If any changed, ask the postmaster to
 * reload once more; that pass compiles them, and changes nothing else.
 */
static void
append_overrides(StringInfo out, const char *prefix, List *names)
{
	ListCell   *lc;
	int			f;

	foreach(lc, names)
		for (f = 0; f < PGSECCOMP_NFIELDS; f++)
		{
			char	   *name = psprintf("%s_syscall_%s.%s", prefix, pgseccomp_fields[f], (char *) lfirst(lc));
			const char *value = GetConfigOption(name, true, false);

			appendStringInfo(out, "%s=%s;", name, value ? value : "-");
		}
}

static void
nudge_if_overrides_changed(bool at_start)
{
	static char *previous = NULL;
	StringInfoData now;

	initStringInfo(&now);
	append_overrides(&now, "session", pgseccomp_listed_roles());
	append_overrides(&now, "backend", pgseccomp_listed_types());
	if (!at_start && previous && strcmp(previous, now.data) != 0)
	{
		ereport(LOG,
				(errmsg("pgseccomp asks the postmaster to reload once more"),
				 errdetail("Role or backend-type overrides changed; applied after the last pgseccomp setting of the file, they missed its compile.")));
		kill(PostmasterPid, SIGHUP);
	}
	if (previous)
		pfree(previous);
	previous = MemoryContextStrdup(TopMemoryContext, now.data);
}

/*
 * Learning filters allow without a trap what their level already learned,
 * as of the postmaster's last compile (store.c). When learning found
 * something new, have the postmaster reload, which compiles them again: at
 * most every PGSECCOMP_LEARN_RECOMPILE_SECS seconds, and never while the
 * sets stay the same. True when it asked.
 */
static bool
nudge_if_learned_changed(void)
{
	static char *previous = NULL;
	static TimestampTz last = 0;
	TimestampTz now = GetCurrentTimestamp();
	char	   *sets;

	if (!TimestampDifferenceExceeds(last, now, PGSECCOMP_LEARN_RECOMPILE_SECS * 1000))
		return false;
	sets = pgseccomp_learned_sets();
	if (strcmp(sets, previous ? previous : "") == 0)
		return false;
	if (previous)
		pfree(previous);
	previous = MemoryContextStrdup(TopMemoryContext, sets);
	last = now;
	ereport(DEBUG1,
			(errmsg("pgseccomp asks the postmaster to reload"),
			 errdetail("Learning filters are compiled again with what their levels learned.")));
	kill(PostmasterPid, SIGHUP);
	return true;
}

/*
 * Report on the current settings, as the postmaster compiled them for new
 * processes: compile them once more and log what is wrong.
 */
static void
report_settings(bool at_start)
{
	List	   *requests = pgseccomp_target_requests();
	StringInfoData sections;
	HelperResponse resp;
	HelperMessage why;
	ListCell   *lc;
	int			i = 0;

	nudge_if_overrides_changed(at_start);
	foreach(lc, missing_roles())
		ereport(LOG,
				(errmsg("role \"%s\" of \"pgseccomp.session_roles\" does not exist", (char *) lfirst(lc)),
				 errdetail("A role created later under this name gets its overrides."),
				 errhint("Remove it from the list, or create the role.")));
	if (at_start)
		return;					/* the postmaster reported everything else */

	initStringInfo(&sections);
	foreach(lc, requests)
		appendBinaryStringInfo(&sections, ((TargetRequest *) lfirst(lc))->section.data,
							   ((TargetRequest *) lfirst(lc))->section.len);
	if (!pgseccomp_compile_targets(sections.data, sections.len, list_length(requests), &resp, &why))
	{
		pgseccomp_ereport_message(LOG, &why);
		return;
	}
	foreach(lc, requests)
	{
		TargetRequest *r = lfirst(lc);
		CompiledFilter *f = &resp.targets[i++];

		pgseccomp_ereport_notes(LOG, f->notes);
		if (f->ok)
			continue;
		pgseccomp_ereport_message(LOG, &f->error);
		if (r->kind == TARGET_SESSION)
			ereport(LOG,
					(errmsg("pgseccomp keeps the previous session filter"),
					 errdetail("New sessions get the filter of the last valid session settings.")));
		else
			ereport(LOG,
					(errmsg("pgseccomp refuses new processes of %s \"%s\" until this is corrected",
							r->kind == TARGET_ROLE ? "role" : "backend type", r->name)));
	}
	ereport(LOG,
			(errmsg("pgseccomp checked %d session, role and backend-type filters after a reload",
					list_length(requests))));
}

/* seccomp_suggest()'s lines, handed back as the rows of a filter. */
static void
serve_suggest(int slot, const char *request, int len)
{
	HelperMessage why;
	HelperResponse resp;
	CompiledFilter lines = {.ok = true};

	if (!pgseccomp_compile_targets(request, len, 0, &resp, &why))
	{
		pgseccomp_finish_request(slot, &why, NULL);
		return;
	}
	lines.rows = resp.suggestion ? resp.suggestion : "";
	pgseccomp_finish_request(slot, NULL, &lines);
}

/* Compile one request on its own, and hand it back. */
static void
serve_one(int slot, const char *request, int len)
{
	HelperMessage why;
	HelperResponse resp;
	bool		single = pgseccomp_wire_single_target(request, len);
	bool		ok;

	if (pgseccomp_wire_is_suggest(request, len))
	{
		serve_suggest(slot, request, len);
		return;
	}
	ok = single && pgseccomp_compile_targets(request, len, 1, &resp, &why);
	if (!single)
	{
		why.message = "malformed request to the pgseccomp background worker";
		why.detail = why.hint = NULL;
	}
	pgseccomp_finish_request(slot, ok ? NULL : &why, ok ? &resp.targets[0] : NULL);
}

/*
 * Serve what is waiting in the order it arrived, in one helper run: under
 * contention, one fork and one Go start for all of them. A batch the helper
 * cannot answer as a whole (one bad request) is served one by one.
 */
static void
serve_requests(void)
{
	StringInfoData batch;
	int			slots[PGSECCOMP_REQUEST_SLOTS];
	int			ends[PGSECCOMP_REQUEST_SLOTS];
	int			n;

	initStringInfo(&batch);
	while ((n = pgseccomp_next_requests(&batch, slots, ends)) > 0)
	{
		HelperMessage why;
		HelperResponse resp;
		bool		together = n > 1;
		int			i;

		for (i = 0; i < n && together; i++)
			together = pgseccomp_wire_single_target(batch.data + (i ? ends[i - 1] : 0),
											   ends[i] - (i ? ends[i - 1] : 0));
		if (together && pgseccomp_compile_targets(batch.data, batch.len, n, &resp, &why))
		{
			for (i = 0; i < n; i++)
				pgseccomp_finish_request(slots[i], NULL, &resp.targets[i]);
			continue;
		}
		for (i = 0; i < n; i++)
			serve_one(slots[i], batch.data + (i ? ends[i - 1] : 0),
					  ends[i] - (i ? ends[i - 1] : 0));
	}
}

void
pgseccomp_worker_main(Datum arg)
{
	MemoryContext loop_context;
	TimestampTz learn_nudged = 0;

	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	pqsignal(SIGPIPE, SIG_IGN);
	BackgroundWorkerUnblockSignals();

	loop_context = AllocSetContextCreate(TopMemoryContext, "pgseccomp worker",
										 ALLOCSET_DEFAULT_SIZES);
	BackgroundWorkerInitializeConnection(NULL, NULL, 0);
	pgseccomp_defer_reaping = true;
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
			/* A reload this worker asked for to recompile learning filters reports nothing. */
			if (first || learn_nudged == 0 ||
				TimestampDifferenceExceeds(learn_nudged, GetCurrentTimestamp(), 5000))
				report_settings(first);
			learn_nudged = 0;
		}
		if (nudge_if_learned_changed())
			learn_nudged = GetCurrentTimestamp();
		serve_requests();
		pgseccomp_log_denials();
		pgseccomp_persist_learned_tick();
		pgseccomp_prestart_helper();
		MemoryContextSwitchTo(old);
		MemoryContextReset(loop_context);

		/* Come back soon to reap helpers that are still exiting. */
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_EXIT_ON_PM_DEATH | WL_TIMEOUT,
						 pgseccomp_helpers_exiting() ? 100 : 1000, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
}

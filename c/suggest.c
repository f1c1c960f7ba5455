/*
 * suggest.c
 *		seccomp_suggest(): from what the learning levels learned to setting
 *		lines that make each of them deny by default.
 *
 * What to suggest is policy, decided in Go (internal/targets/suggest.go). This reads
 * what was learned, in shared memory, and asks the compile worker (a
 * session's filter may deny what a helper needs) with the settings of the
 * global level and of every owner: the targets the postmaster compiled,
 * then owners only learned rows name.
 */
#include "compat.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "nodes/execnodes.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/tuplestore.h"

#include "programs.h"
#include "queue.h"
#include "reports.h"
#include "settings.h"
#include "store.h"
#include "wire.h"

/* A materialized SETOF text, which InitMaterializedSRF cannot describe. */
static void
init_text_srf(ReturnSetInfo *rsinfo)
{
	MemoryContext old;

	if (rsinfo == NULL || !IsA(rsinfo, ReturnSetInfo) ||
		!(rsinfo->allowedModes & SFRM_Materialize))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("materialize mode required, but it is not allowed in this context")));
	old = MemoryContextSwitchTo(rsinfo->econtext->ecxt_per_query_memory);
	rsinfo->setDesc = CreateTemplateTupleDesc(1);
	TupleDescInitEntry(rsinfo->setDesc, (AttrNumber) 1, "seccomp_suggest", TEXTOID, -1, 0);
	rsinfo->setDesc = BlessTupleDesc(rsinfo->setDesc);
	rsinfo->setResult = tuplestore_begin_heap(true, false, work_mem);
	rsinfo->returnMode = SFRM_Materialize;
	MemoryContextSwitchTo(old);
}

/* The target an owner key names, or false for the global level and others. */
static bool
owner_target(const char *owner, TargetKind *kind, const char **name)
{
	if (strcmp(owner, "S") == 0)
		*kind = TARGET_SESSION;
	else if (strncmp(owner, "R:", 2) == 0)
		*kind = TARGET_ROLE;
	else if (strncmp(owner, "T:", 2) == 0)
		*kind = TARGET_TYPE;
	else
		return false;
	*name = *kind == TARGET_SESSION ? NULL : owner + 2;
	return true;
}

/*
 * The learned section: one "learned" entry per level and owner, in the
 * order seccomp_learned() shows them. Owners that no stored target names
 * are added to *extra.
 */
static void
learned_section(WireSink *sink, int nstored, const StoredTarget *stored, List **extra)
{
	LearnedSyscall *all;
	int			n = pgseccomp_learned_collect(&all);
	int			i = 0;

	pgseccomp_wire_put_pair(sink, WIRE_KEY_STORED, psprintf("%d", nstored));
	while (i < n)
	{
		StringInfoData entry;
		int			j;

		initStringInfo(&entry);
		appendStringInfo(&entry, "%d:", all[i].level);
		for (j = i; j < n && all[j].level == all[i].level &&
			 strcmp(all[j].owner, all[i].owner) == 0; j++)
			appendStringInfo(&entry, "%s%d", j > i ? "," : "", all[j].nr);
		appendStringInfo(&entry, ":%s", all[i].owner);
		pgseccomp_wire_put_pair(sink, WIRE_KEY_LEARNED, entry.data);
		if (all[i].level == PGSECCOMP_LEVEL_SESSION)
		{
			ListCell   *lc;
			bool		known = false;
			char		key[PGSECCOMP_OWNER_LEN];
			int			k;

			for (k = 0; k < nstored && !known; k++)
			{
				pgseccomp_owner_key(stored[k].kind, stored[k].name, key);
				known = strcmp(key, all[i].owner) == 0;
			}
			foreach(lc, *extra)
				known |= strcmp(lfirst(lc), all[i].owner) == 0;
			if (!known)
				*extra = lappend(*extra, pstrdup(all[i].owner));
		}
		i = j;
	}
}

/* What each learning level observed: processes and seconds per owner and type. */
static void
observed_section(WireSink *sink)
{
	Observation *obs;
	int			n = pgseccomp_observed_collect(&obs);
	int			i;

	for (i = 0; i < n; i++)
	{
		const Observation *o = &obs[i];
		int64		secs = (o->first != 0 && o->last > o->first) ? (o->last - o->first) / USECS_PER_SEC : 0;

		pgseccomp_wire_put_pair(sink, WIRE_KEY_OBSERVED,
								psprintf("%d:" INT64_FORMAT ":" INT64_FORMAT ":%d:%s%s", o->level,
										 o->processes, secs, (int) strlen(o->owner), o->owner, o->type));
	}
}

/* The request: the learned section, then a target section per owner. */
static void
suggest_request(StringInfo request)
{
	WireSink	sink = {.buf = request};
	int			nstored;
	const StoredTarget *stored = pgseccomp_store_targets(&nstored);
	List	   *extra = NIL;
	ListCell   *lc;
	int			i;

	initStringInfo(request);
	pgseccomp_wire_put(&sink, WIRE_MARK_SUGGEST);
	learned_section(&sink, nstored, stored, &extra);
	observed_section(&sink);
	pgseccomp_programs_suggest(&sink);
	for (i = 0; i < nstored; i++)
		pgseccomp_request_target(request, stored[i].kind, stored[i].name);
	foreach(lc, extra)
	{
		TargetKind	kind;
		const char *name;

		if (owner_target(lfirst(lc), &kind, &name))
			pgseccomp_request_target(request, kind, name);
	}
}

PG_FUNCTION_INFO_V1(pg_seccomp_suggest);

Datum
pg_seccomp_suggest(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	StringInfoData request;
	CompiledFilter answer;
	HelperMessage why;
	char	   *line;
	char	   *save = NULL;

	init_text_srf(rsinfo);
	suggest_request(&request);
	if (!pgseccomp_compile_remote(&request, &answer, &why))
		ereport(ERROR,
				(errcode(ERRCODE_SYSTEM_ERROR),
				 errmsg("could not make the pgseccomp suggestion: %s", why.message),
				 why.detail ? errdetail_internal("%s", why.detail) : 0,
				 why.hint ? errhint("%s", why.hint) : 0));
	if (!answer.ok)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg_internal("%s", answer.error.message),
				 answer.error.detail ? errdetail_internal("%s", answer.error.detail) : 0,
				 answer.error.hint ? errhint("%s", answer.error.hint) : 0));
	for (line = strtok_r(answer.rows, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc,
							 (Datum[]) {CStringGetTextDatum(line)}, (bool[]) {false});
	return (Datum) 0;
}

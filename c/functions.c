/*
 * functions.c
 *		The SQL-callable functions that describe filters.
 */
#include "compat.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/tuplestore.h"

#include "confine.h"
#include "settings.h"
#include "store.h"

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
			else if (TupleDescAttr(desc, i)->atttypid == NAMEOID)
				values[i] = DirectFunctionCall1(namein, CStringGetDatum(field));
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
	/* Processes without a filter of their own enforce the global one alone. */
	if (pgseccomp_stack && pgseccomp_stack->rows)
		put_lines(rsinfo, pgseccomp_stack->rows, false, "session");
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
 * seccomp_lint(): the weaknesses of the settings of the whole cluster, as
 * the postmaster compiled them when this process was forked: the global
 * settings once, then each target's, whose rows name it in their context
 * ("session", "role NAME", "type KEY"), whoever calls it; and listed roles
 * that do not exist (a role created later under such a name would get its
 * overrides).
 */
Datum
pg_get_seccomp_lint(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int			n;
	const StoredTarget *targets = pgseccomp_store_targets(&n);
	List	   *global_lines = NIL;
	ListCell   *lc;
	int			i;

	require_enabled();
	if (pgseccomp_stack == NULL || pgseccomp_stack->base == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("seccomp_lint can only be called in a client session")));
	InitMaterializedSRF(fcinfo, 0);
	for (i = 0; i < n; i++)
	{
		char	   *copy;
		char	   *line;
		char	   *save = NULL;

		if (!targets[i].ok || targets[i].lint == NULL)
			continue;
		copy = pstrdup(targets[i].lint);
		for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		{
			/* Every target's lint repeats the global level's rows. */
			if (strncmp(line, "global\t", 7) == 0)
			{
				bool		seen = false;

				foreach(lc, global_lines)
					if (strcmp(lfirst(lc), line) == 0)
						seen = true;
				if (seen)
					continue;
				global_lines = lappend(global_lines, line);
			}
			put_lines(rsinfo, line, true, NULL);
		}
	}
	foreach(lc, pgseccomp_listed_roles())
	{
		Datum		values[4];
		bool		nulls[4] = {false, false, true, false};

		if (OidIsValid(get_role_oid(lfirst(lc), true)))
			continue;
		values[0] = CStringGetTextDatum("session");
		values[1] = CStringGetTextDatum("pgseccomp.session_roles");
		values[3] = CStringGetTextDatum(psprintf("Role \"%s\" does not exist: a role created later under this name gets its overrides.",
												 (char *) lfirst(lc)));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

PG_FUNCTION_INFO_V1(pg_get_seccomp_backend_filters);

/*
 * seccomp_backend_filters(): what each kind of process stacks on the
 * global filter for the current settings, as the postmaster compiled them
 * for processes it starts from now on: the session, each listed role and
 * each listed backend type, merged with the global filter.
 */
Datum
pg_get_seccomp_backend_filters(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int			n;
	const StoredTarget *targets = pgseccomp_store_targets(&n);
	int			i;

	require_enabled();
	InitMaterializedSRF(fcinfo, 0);
	for (i = 0; i < n; i++)
	{
		const StoredTarget *t = &targets[i];
		const char *who = t->kind == TARGET_TYPE ? t->name : "client backend";
		char	   *prefix = psprintf("%s\t%s\t", who, t->kind == TARGET_ROLE ? t->name : "");
		StringInfoData lines;
		char	   *copy;
		char	   *line;
		char	   *save = NULL;

		if (!t->ok)
			continue;
		initStringInfo(&lines);
		copy = pstrdup(t->rows ? t->rows : "");
		for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
			appendStringInfo(&lines, "%s%s\n", prefix, line);
		put_lines(rsinfo, lines.data, true, NULL);
	}
	return (Datum) 0;
}

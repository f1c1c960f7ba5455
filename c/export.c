/*
 * export.c
 *		seccomp_export(): the effective filter of a context in the format of
 *		another enforcer (an OCI seccomp profile, or systemd unit settings).
 *
 * The helper writes both formats whenever it compiles a filter (see
 * internal/policy/export.go), and they are kept beside the rows seccomp_filter()
 * shows: the global filter's from the start, a session's with the filter
 * it stacked last. This only picks one.
 */
#include "compat.h"

#include "fmgr.h"
#include "utils/builtins.h"

#include "confine.h"
#include "settings.h"
#include "store.h"
#include "wire.h"

/* An export as the helper wrote it, or the ERROR it says instead. */
static text *
export_text(const char *exported)
{
	if (exported == NULL)
		elog(ERROR, "pgseccomp helper wrote no export of this filter");
	if (exported[0] == WIRE_EXPORT_REFUSED)
	{
		char	   *message = pstrdup(exported + 1);
		char	   *detail = strchr(message, WIRE_NOTE_SEP);

		if (detail)
			*detail++ = '\0';
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg_internal("%s", message),
				 detail && *detail ? errdetail_internal("%s", detail) : 0));
	}
	return cstring_to_text(exported);
}

PG_FUNCTION_INFO_V1(pg_seccomp_export);

/*
 * seccomp_export(format, context): the filter of a context, as
 * seccomp_filter() shows it, in another enforcer's format.
 */
Datum
pg_seccomp_export(PG_FUNCTION_ARGS)
{
	char	   *format;
	char	   *context;
	bool		oci = false;
	bool		global = false;

	/* The function is not declared STRICT: act as if it were. */
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_NULL();
	format = text_to_cstring(PG_GETARG_TEXT_PP(0));
	context = text_to_cstring(PG_GETARG_TEXT_PP(1));

	if (!pgseccomp_enabled)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("seccomp is not enabled")));
	/* Case does not matter, as in the settings. */
	if (pg_strcasecmp(format, "oci") == 0)
		oci = true;
	else if (pg_strcasecmp(format, "systemd") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unrecognized pgseccomp export format \"%s\"", format),
				 errhint("Valid formats are \"oci\" and \"systemd\".")));
	if (pg_strcasecmp(context, "global") == 0)
		global = true;
	else if (pg_strcasecmp(context, "session") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unrecognized pgseccomp export context \"%s\"", context),
				 errhint("Valid contexts are \"global\" and \"session\".")));
	else if (pgseccomp_stack == NULL || pgseccomp_stack->rows == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("this process has no session filter to export"),
				 errdetail("This process enforces the global filter alone."),
				 errhint("Export context \"global\", or call seccomp_export in a client session.")));

	if (global)
		PG_RETURN_TEXT_P(export_text(oci ? pgseccomp_global_oci : pgseccomp_global_systemd));
	PG_RETURN_TEXT_P(export_text(oci ? pgseccomp_stack->oci : pgseccomp_stack->systemd));
}

/*
 * client.c
 *		set_client_filter(): a session tightens itself from SQL.
 *
 * The session filter may deny fork and everything a Go runtime needs, so
 * the compile cannot happen here: the request goes to the background
 * worker, which only the global filter confines, and the program comes back
 * through shared memory. Installing it is one seccomp(2) call. Any failure
 * is an ERROR that loads nothing.
 */
#include "confine.h"

#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "install.h"
#include "parallel.h"
#include "queue.h"
#include "settings.h"
#include "wire.h"

static const char *const arg_names[] = {
	"default_action", "allow_list", "log_list", "error_list", "kill_list"
};

/* This call's client section (wire.h). NULLs are left out. */
static void
client_section(FunctionCallInfo fcinfo, StringInfo call)
{
	WireSink	sink = {.buf = call};
	int			i;

	initStringInfo(call);
	pgseccomp_wire_put(&sink, WIRE_MARK_CLIENT);
	for (i = 0; i < lengthof(arg_names); i++)
	{
		char	   *value;

		if (PG_ARGISNULL(i))
			continue;
		value = text_to_cstring(PG_GETARG_TEXT_PP(i));
		if (strlen(value) > PGSECCOMP_LIST_MAX)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("set_client_filter argument \"%s\" is too long", arg_names[i]),
					 errdetail("It has %zu bytes; at most %d are accepted.",
							   strlen(value), PGSECCOMP_LIST_MAX)));
		pgseccomp_wire_put_pair(&sink, arg_names[i], value);
	}
}

/*
 * Compile the session's filter with its earlier calls and this one, in the
 * compile worker.
 */
static void
compile_client(const ProcessStack *session, const StringInfo call, CompiledFilter *filter)
{
	StringInfoData request;
	HelperMessage why;

	initStringInfo(&request);
	appendBinaryStringInfo(&request, session->base->section, session->base->section_len);
	if (session->nclients > 0)
		appendBinaryStringInfo(&request, session->clients.data, session->clients.len);
	appendBinaryStringInfo(&request, call->data, call->len);
	if (request.len > PGSECCOMP_REQUEST_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("set_client_filter arguments are too long"),
				 errdetail("With the session's settings and earlier calls they take %d bytes; at most %d fit.",
						   request.len, PGSECCOMP_REQUEST_MAX)));

	if (!pgseccomp_compile_remote(&request, filter, &why))
		ereport(ERROR,
				(errcode(ERRCODE_SYSTEM_ERROR),
				 errmsg("could not compile the client filter: %s", why.message),
				 why.detail ? errdetail_internal("%s", why.detail) : 0,
				 why.hint ? errhint("%s", why.hint) : 0));
	if (!filter->ok)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg_internal("%s", filter->error.message),
				 filter->error.detail ? errdetail_internal("%s", filter->error.detail) : 0,
				 filter->error.hint ? errhint("%s", filter->error.hint) : 0));
	if (!filter->has_program)
		elog(ERROR, "pgseccomp helper returned no client filter");
}

PG_FUNCTION_INFO_V1(pg_set_client_filter);

Datum
pg_set_client_filter(PG_FUNCTION_ARGS)
{
	ProcessStack *session = pgseccomp_stack;
	StringInfoData call;
	CompiledFilter filter;
	char	   *install_error;
	dsm_segment *seg = NULL;

	if (!pgseccomp_enabled)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("seccomp is not enabled")));
	if (session == NULL || session->base == NULL || MyBackendType != B_BACKEND)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("set_client_filter can only be called in a client session")));
	client_section(fcinfo, &call);
	compile_client(session, &call, &filter);

	/*
	 * The kernel counts the filters of a process after translating them, so
	 * this early check counts too little; its ENOMEM is the final word.
	 */
	if (session->stack_insns + filter.ninsns > PGSECCOMP_MAX_INSNS_PER_PATH)
		errno = ENOMEM;
	else
	{
		/*
		 * What recording the filter takes is done first: once it is loaded,
		 * this session may no longer make the syscalls that needs.
		 */
		seg = pgseccomp_client_segment(session, &filter);
		filter.rows = MemoryContextStrdup(TopMemoryContext, filter.rows ? filter.rows : "");
		filter.oci = MemoryContextStrdup(TopMemoryContext, filter.oci ? filter.oci : "");
		filter.systemd = MemoryContextStrdup(TopMemoryContext, filter.systemd ? filter.systemd : "");
		pgseccomp_stack_reserve(call.len, filter.ninsns);
		if (pgseccomp_install(filter.program, filter.ninsns, &install_error))
			errno = 0;
		else
		{
			int			err = errno;

			if (seg)
				dsm_detach(seg);
			errno = err;
		}
	}
	if (errno == ENOMEM)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("client filter would exceed the kernel's limit on the filters of a process"),
				 errdetail("This session has %d filters; the new one has %d instructions.",
						   session->nclients + 2, filter.ninsns),
				 errhint("Call set_client_filter less often, or with shorter lists.")));
	if (errno != 0)
	{
		int			err = errno;

		ereport(ERROR,
				(errcode(ERRCODE_SYSTEM_ERROR),
				 errmsg("could not install the client filter"),
				 errdetail_internal("%s", install_error),
				 err == EACCES ? errhint("The filters of this session deny seccomp(2) itself.") : 0));
	}

	/* Loaded: from now on it is part of what this session describes. */
	pgseccomp_stack_add_client(&filter, &call, seg);
	pgseccomp_ereport_notes(WARNING, filter.notes);

	PG_RETURN_TEXT_P(cstring_to_text("OK"));
}

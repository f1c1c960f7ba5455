/*
 * session.c
 *		Load the session (or role) filter in a client backend right after
 *		authentication. Fail closed: while pgseccomp is enabled, a session
 *		whose filter cannot be had is refused.
 */
#include "pgseccomp.h"

#include "libpq/auth.h"
#include "libpq/libpq-be.h"
#include "miscadmin.h"
#include "utils/memutils.h"

/* The global filter, set in the postmaster and inherited. */
const char *pgseccomp_global_rows = NULL;
const char *pgseccomp_groups = NULL;
int			pgseccomp_global_ninsns = 0;

/* What this client backend has loaded; NULL in other processes. */
SessionState *pgseccomp_session = NULL;

/* The filters compiled at start, for seeding the shared cache. */
static TargetFilter *start_filters = NULL;
static int	nstart_filters = 0;

/* Report warnings about settings: "message US detail" lines. */
void
pgseccomp_ereport_notes(int elevel, const char *notes)
{
	char	   *copy = pstrdup(notes ? notes : "");
	char	   *line;
	char	   *save = NULL;

	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
	{
		char	   *detail = strchr(line, '\x1f');

		if (detail)
			*detail++ = '\0';
		ereport(elevel,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg_internal("%s", line),
				 detail && *detail ? errdetail_internal("%s", detail) : 0));
	}
}

void
pgseccomp_ereport_message(int elevel, const HelperMessage *msg)
{
	ereport(elevel,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg_internal("%s", msg->message),
			 msg->detail ? errdetail_internal("%s", msg->detail) : 0,
			 msg->hint ? errhint("%s", msg->hint) : 0));
}

/*
 * Keep what the helper compiled at start (in the postmaster): the global
 * rows for seccomp_filter(), and the session and role filters with their
 * keys, copied into shared memory once it exists.
 */
void
pgseccomp_keep_start_result(const HelperResponse *resp, List *keys)
{
	MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);
	int			i;

	pgseccomp_global_rows = pstrdup(resp->global.rows ? resp->global.rows : "");
	pgseccomp_groups = pstrdup(resp->groups ? resp->groups : "");
	nstart_filters = resp->ntargets;
	start_filters = palloc0(sizeof(TargetFilter) * Max(1, nstart_filters));
	for (i = 0; i < nstart_filters; i++)
	{
		memcpy(start_filters[i].key, list_nth(keys, i), PGSECCOMP_KEY_LEN);
		start_filters[i].filter = resp->targets[i];
		if (resp->targets[i].has_program)
		{
			Size		len = sizeof(struct sock_filter) * resp->targets[i].ninsns;

			start_filters[i].filter.program = palloc(len);
			memcpy(start_filters[i].filter.program, resp->targets[i].program, len);
		}
		if (resp->targets[i].rows)
			start_filters[i].filter.rows = pstrdup(resp->targets[i].rows);
		if (resp->targets[i].notes)
			start_filters[i].filter.notes = pstrdup(resp->targets[i].notes);
		if (resp->targets[i].lint)
			start_filters[i].filter.lint = pstrdup(resp->targets[i].lint);
	}
	MemoryContextSwitchTo(old);
}

/* In the postmaster, after shared memory is (re)initialized. */
void
pgseccomp_seed_cache(void)
{
	int			i;

	for (i = 0; i < nstart_filters; i++)
		pgseccomp_cache_store(start_filters[i].key, &start_filters[i].filter);
}

/* Get the filter compiled for this section, asking the worker on a miss. */
static void
obtain_filter(const StringInfo section, CompiledFilter *filter)
{
	uint8		key[PGSECCOMP_KEY_LEN];
	int			attempt;

	pgseccomp_target_key(section, key);
	for (attempt = 0; attempt < 3; attempt++)
	{
		HelperMessage why;

		if (pgseccomp_cache_lookup(key, filter))
			return;
		if (!pgseccomp_compile_remote(REQUEST_TARGET, section, NULL, &why))
		{
			ereport(FATAL,
					(errcode(ERRCODE_INSUFFICIENT_RESOURCES),
					 errmsg("could not load the pgseccomp session filter: %s", why.message),
					 why.detail ? errdetail_internal("%s", why.detail) : 0,
					 why.hint ? errhint("%s", why.hint) : 0));
		}
	}
	ereport(FATAL,
			(errcode(ERRCODE_INSUFFICIENT_RESOURCES),
			 errmsg("could not load the pgseccomp session filter"),
			 errdetail("The compiled filter was evicted from the cache before it could be used.")));
}

static void
remember_session(const StringInfo section, const CompiledFilter *filter)
{
	MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);
	SessionState *state = palloc0(sizeof(SessionState));

	initStringInfo(&state->section);
	appendBinaryStringInfo(&state->section, section->data, section->len);
	initStringInfo(&state->clients);
	initStringInfo(&state->programs);
	state->rows = pstrdup(filter->rows ? filter->rows : "");
	state->lint = pstrdup(filter->lint ? filter->lint : "");
	/* The kernel counts each filter of a stack as its length plus 4. */
	state->stack_insns = pgseccomp_global_ninsns + 4;
	if (filter->has_program)
		pgseccomp_session_add_program(state, filter);
	MemoryContextSwitchTo(old);
	pgseccomp_session = state;
	pgseccomp_become_leader();
}

/* Record a program this backend has just stacked on its filters. */
void
pgseccomp_session_add_program(SessionState *s, const CompiledFilter *f)
{
	MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);
	int32		ninsns = f->ninsns;

	appendBinaryStringInfo(&s->programs, (char *) &ninsns, sizeof(int32));
	appendBinaryStringInfo(&s->programs, (char *) f->program,
						   sizeof(struct sock_filter) * f->ninsns);
	s->nprograms++;
	s->generation++;
	s->stack_insns += f->ninsns + 4;
	MemoryContextSwitchTo(old);
}

void
pgseccomp_client_authentication(void *p, int status)
{
	Port	   *port = (Port *) p;
	StringInfoData section;
	CompiledFilter filter;
	const char *role = NULL;
	char	   *why;

	if (status != STATUS_OK || !pgseccomp_enabled)
		return;

	if (pgseccomp_role_is_listed(port->user_name))
		role = port->user_name;
	initStringInfo(&section);
	pgseccomp_request_target(&section, role);
	obtain_filter(&section, &filter);

	if (!filter.ok)
		ereport(FATAL,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("could not load the pgseccomp %s filter for role \"%s\": %s",
						role ? "role" : "session", port->user_name, filter.error.message),
				 filter.error.detail ? errdetail_internal("%s", filter.error.detail) : 0,
				 filter.error.hint ? errhint("%s", filter.error.hint) : 0));

	if (filter.has_program && !pgseccomp_install(filter.program, filter.ninsns, &why))
		ereport(FATAL,
				(errcode(ERRCODE_SYSTEM_ERROR),
				 errmsg("could not install the pgseccomp session filter"),
				 errdetail_internal("%s", why)));

	remember_session(&section, &filter);
}

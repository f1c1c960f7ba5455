/*
 * settings.c
 *		pgseccomp's settings: their definitions, the checks PostgreSQL runs
 *		at reload, and the request text sent to the compile helper.
 *
 * The grammar of list values belongs to the Go library. Check hooks run in
 * every process and may not start Go, so at reload they only tell whether
 * a value is a comma list of names the helper listed at start (its syscall,
 * group and errno tables); in the postmaster, which may fork a helper, the
 * helper explains a refused value (detail, and a hint such as the likely
 * intended word), so that a reload reports as the start does. Everything
 * else, and everything at start, the helper validates itself.
 */
#include "settings.h"

#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/guc_tables.h"
#include "utils/memutils.h"
#include "utils/varlena.h"

#include "helper.h"
#include "keep.h"
#include "scope.h"
#include "trap.h"
#include "wire.h"

bool		pgseccomp_enabled = false;

static const struct config_enum_entry action_options[] = {
	{"allow", SECCOMP_ACTION_ALLOW, false},
	{"log", SECCOMP_ACTION_LOG, false},
	{"error", SECCOMP_ACTION_ERROR, false},
	{"kill", SECCOMP_ACTION_KILL, false},
	{"learn", SECCOMP_ACTION_LEARN, false},
	{NULL, 0, false}
};

/*
 * The five settings of a level: its four lists, in the order the Go
 * library indexes them, then its default.
 */
const char *const pgseccomp_fields[PGSECCOMP_NFIELDS] = {"allow", "log", "error", "kill", "default"};

#define NLISTS PGSECCOMP_NLISTS

static int	global_default = SECCOMP_ACTION_ALLOW;
static char *global_lists[NLISTS];
static int	session_default = SECCOMP_ACTION_ALLOW;
static char *session_lists[NLISTS];
static char *session_roles = NULL;
static char *backend_types = NULL;

/*
 * While an assign hook runs, the setting still holds its old value; what
 * the postmaster compiles then must see the new one.
 */
static const char *pending_name = NULL;
static const char *pending_value = NULL;

static const char *
value_of(const char *name, const char *current)
{
	if (pending_name && strcmp(pending_name, name) == 0)
		return pending_value;
	return current ? current : "";
}

/* Who compiles when a setting changes (store.c), registered at start. */
static SettingsChanged changed_hook = NULL;

void
pgseccomp_on_settings_changed(SettingsChanged fn)
{
	changed_hook = fn;
}

static void
settings_changed(const char *name, const char *value)
{
	if (changed_hook == NULL)
		return;
	pending_name = name;
	pending_value = value;
	PG_TRY();
	{
		changed_hook();
	}
	PG_FINALLY();
	{
		pending_name = pending_value = NULL;
	}
	PG_END_TRY();
}

/*
 * What list items may name (syscall names of any architecture, native
 * numbers, @groups) and errno names, from the helper at start, sorted.
 * NULL until start is done.
 */
typedef struct Lexicon
{
	char	  **words;
	int			nwords;
} Lexicon;

static Lexicon *atoms = NULL;
static Lexicon *errnos = NULL;

static int
compare_words(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/* Kept apart from the heap (keep.c): children only read it. */
static Lexicon *
make_lexicon(const char *text)
{
	Keep	   *kept = pgseccomp_kept();
	Lexicon    *lex = pgseccomp_keep_alloc(kept, sizeof(Lexicon));
	char	   *copy = pgseccomp_keep_strdup(kept, text);
	char	   *tok;
	char	   *save = NULL;
	int			cap = 1;

	for (tok = copy; *tok; tok++)
		cap += *tok == '\n';
	lex->nwords = 0;
	lex->words = pgseccomp_keep_alloc(kept, sizeof(char *) * cap);
	for (tok = strtok_r(copy, "\n", &save); tok && lex->nwords < cap;
		 tok = strtok_r(NULL, "\n", &save))
		lex->words[lex->nwords++] = tok;
	qsort(lex->words, lex->nwords, sizeof(char *), compare_words);
	return lex;
}

/*
 * Keep the lexicon for checks at reload. Called in the postmaster at start,
 * so every process forked from it has it.
 */
void
pgseccomp_set_lexicon(const char *names, const char *errno_names)
{
	atoms = make_lexicon(names);
	errnos = make_lexicon(errno_names);
}

static bool
in_lexicon(const Lexicon *lex, const char *word)
{
	return bsearch(&word, lex->words, lex->nwords, sizeof(char *), compare_words) != NULL;
}

/*
 * A list item: a syscall name, a number or an @group, and in error lists
 * optionally ":ERRNO". Whether a name exists on this architecture, and
 * what a group holds, the helper decides when it compiles.
 */
static bool
check_item(const char *item, bool errno_ok)
{
	char	   *atom = pstrdup(item);
	char	   *errno_name = strchr(atom, ':');

	if (errno_name)
		*errno_name++ = '\0';
	if (strcmp(atom, "*") == 0)
	{
		GUC_check_errdetail("\"*\" must be the whole value, meaning the global list.");
		return false;
	}
	if (!in_lexicon(atoms, atom))
	{
		GUC_check_errcode(ERRCODE_INVALID_PARAMETER_VALUE);
		GUC_check_errdetail("%s \"%s\" is unknown.", atom[0] == '@' ? "Group" : "Syscall", atom);
		return false;
	}
	if (errno_name && !errno_ok)
	{
		GUC_check_errdetail("Only error lists take an errno, as in \"%s\".", atom);
		return false;
	}
	if (errno_name)
	{
		char	   *upper = pstrdup(errno_name);
		char	   *c;

		for (c = upper; *c; c++)
			*c = pg_toupper((unsigned char) *c);
		if (!in_lexicon(errnos, upper))
		{
			GUC_check_errcode(ERRCODE_INVALID_PARAMETER_VALUE);
			GUC_check_errdetail("Errno \"%s\" is unknown.", upper);
			return false;
		}
	}
	return true;
}

/*
 * In the postmaster, for a value refused here: what the helper says about
 * it (the same detail, and a hint such as the likely intended word), so
 * that a reload reports as the start does. Other processes report a
 * refused value at DEBUG2 only, and keep what was said here.
 */
static void
helper_verdict(const char *name, const char *value)
{
	StringInfoData request;
	HelperResponse resp;
	HelperMessage why;
	const HelperMessage *said = NULL;

	pending_name = name;
	pending_value = value;
	PG_TRY();
	{
		initStringInfo(&request);
		pgseccomp_request_global(&request);
		pgseccomp_request_target(&request, TARGET_SESSION, NULL);
		if (pgseccomp_run_helper(&request, &resp, &why))
			said = !resp.global.ok ? &resp.global.error :
				resp.ntargets == 1 && !resp.targets[0].ok ? &resp.targets[0].error : NULL;
	}
	PG_FINALLY();
	{
		pending_name = pending_value = NULL;
	}
	PG_END_TRY();
	if (said == NULL)
		return;
	if (said->detail)
		GUC_check_errdetail("%s", said->detail);
	if (said->hint)
		GUC_check_errhint("%s", said->hint);
}

static bool
check_list(const char *name, char **newval, bool inherit_ok, bool errno_ok)
{
	char	   *raw;
	List	   *items = NIL;
	ListCell   *lc;
	bool		ok = true;

	/* A request carries every list; one too long for it is refused here. */
	if (strlen(*newval) > PGSECCOMP_LIST_MAX)
	{
		GUC_check_errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED);
		GUC_check_errdetail("The list has %zu bytes; at most %d are accepted.",
							strlen(*newval), PGSECCOMP_LIST_MAX);
		return false;
	}
	/* At start the helper validates everything, and stops the server. */
	if (atoms == NULL)
		return true;
	if (inherit_ok && strcmp(*newval, "*") == 0)
		return true;

	raw = pstrdup(*newval);
	if (!SplitIdentifierString(raw, ',', &items))
	{
		GUC_check_errdetail("List syntax is invalid.");
		ok = false;
	}
	else
	{
		foreach(lc, items)
		{
			if (!(ok = check_item(lfirst(lc), errno_ok)))
				break;
		}
	}
	list_free(items);
	pfree(raw);
	if (!ok && !IsUnderPostmaster)
		helper_verdict(name, *newval);
	return ok;
}

/* One check hook per list setting: the helper's verdict needs the name. */
#define LIST_CHECK(fn, level, field, inherit_ok, errno_ok) \
static bool \
fn(char **newval, void **extra, GucSource source) \
{ \
	return check_list("pgseccomp." level "_syscall_" field, newval, inherit_ok, errno_ok); \
}

LIST_CHECK(check_global_allow, "global", "allow", false, false)
LIST_CHECK(check_global_log, "global", "log", false, false)
LIST_CHECK(check_global_error, "global", "error", false, true)
LIST_CHECK(check_global_kill, "global", "kill", false, false)
LIST_CHECK(check_session_allow, "session", "allow", true, false)
LIST_CHECK(check_session_log, "session", "log", true, false)
LIST_CHECK(check_session_error, "session", "error", true, true)
LIST_CHECK(check_session_kill, "session", "kill", true, false)

static const GucStringCheckHook global_list_check[] = {
	check_global_allow, check_global_log, check_global_error, check_global_kill
};
static const GucStringCheckHook session_list_check[] = {
	check_session_allow, check_session_log, check_session_error, check_session_kill
};

static bool
valid_role_list(const char *value)
{
	char	   *raw = pstrdup(value);
	List	   *items = NIL;
	bool		ok = SplitIdentifierString(raw, ',', &items);

	list_free(items);
	pfree(raw);
	return ok;
}

static bool
check_roles(char **newval, void **extra, GucSource source)
{
	/* At start, pgseccomp_define_settings() stops the server instead. */
	if (atoms == NULL || valid_role_list(*newval))
		return true;
	GUC_check_errdetail("List syntax is invalid.");
	return false;
}

/*
 * Backend types that may have filters of their own: those that reach a
 * point where pgseccomp installs filters before they run anything of a
 * role's (see confine.c). Background workers are named by their type,
 * lower case, with every other character than a letter or digit as "_".
 * The others are PostgreSQL's own types (its BackendType list, whatever
 * the major) that pgseccomp_type_reaches_hooks says pass no such point.
 */
static const char *
type_problem(const char *type)
{
	const char *c;
	int			b;

	for (c = type; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_'))
			return psprintf("Backend type \"%s\" is not a type key: use lower case letters, digits and \"_\", as in \"autovacuum_worker\".", type);
	if (strcmp(type, "parallel_worker") == 0)
		return "Parallel workers carry exactly the filters of their leader.";
	for (b = B_INVALID + 1; b <= B_LOGGER; b++)
	{
		if (strcmp(type, pgseccomp_type_key(GetBackendTypeDesc((BackendType) b))) != 0)
			continue;
		if (b == B_BACKEND)
			return "Client backends take the session filter or their role's.";
		if (!pgseccomp_type_reaches_hooks((BackendType) b))
			return psprintf("The %s runs no role's code and passes no point where pgseccomp could install a filter of its own; the global filter confines it.", type);
	}
	return NULL;
}

/* The first problem of a pgseccomp.backend_types value, or NULL. */
static const char *
types_problem(const char *value)
{
	char	   *raw = pstrdup(value);
	List	   *items = NIL;
	ListCell   *lc;

	if (!SplitIdentifierString(raw, ',', &items))
		return "List syntax is invalid.";
	foreach(lc, items)
	{
		const char *why = type_problem(lfirst(lc));

		if (why)
			return why;
	}
	return NULL;
}

static bool
check_types(char **newval, void **extra, GucSource source)
{
	const char *why;

	/* At start, pgseccomp_define_settings() stops the server instead. */
	if (atoms == NULL || (why = types_problem(*newval)) == NULL)
		return true;
	GUC_check_errcode(ERRCODE_INVALID_PARAMETER_VALUE);
	GUC_check_errdetail("%s", why);
	return false;
}

/* Assign hooks: in the postmaster, compile what new processes will need. */
static void
assign_session_list(const char *newval, void *extra, int field)
{
	settings_changed(psprintf("pgseccomp.session_syscall_%s", pgseccomp_fields[field]), newval);
}

static void
assign_session_allow(const char *newval, void *extra)
{
	assign_session_list(newval, extra, SECCOMP_ACTION_ALLOW);
}

static void
assign_session_log(const char *newval, void *extra)
{
	assign_session_list(newval, extra, SECCOMP_ACTION_LOG);
}

static void
assign_session_error(const char *newval, void *extra)
{
	assign_session_list(newval, extra, SECCOMP_ACTION_ERROR);
}

static void
assign_session_kill(const char *newval, void *extra)
{
	assign_session_list(newval, extra, SECCOMP_ACTION_KILL);
}

static void
assign_session_default(int newval, void *extra)
{
	settings_changed("pgseccomp.session_syscall_default", action_options[newval].name);
}

static void
assign_roles(const char *newval, void *extra)
{
	settings_changed("pgseccomp.session_roles", newval);
}

static void
assign_types(const char *newval, void *extra)
{
	settings_changed("pgseccomp.backend_types", newval);
}

static const GucStringAssignHook session_list_assign[] = {
	assign_session_allow, assign_session_log, assign_session_error, assign_session_kill
};

/* Is name a role or backend-type override, "session_syscall_<field>.<role>"? */
bool
pgseccomp_is_override_name(const char *name)
{
	static const char *const prefixes[] = {"session_syscall_", "backend_syscall_"};
	const char *const *fields = pgseccomp_fields;
	int			p,
				f;

	for (p = 0; p < lengthof(prefixes); p++)
	{
		size_t		plen = strlen(prefixes[p]);

		if (pg_strncasecmp(name, prefixes[p], plen) != 0)
			continue;
		for (f = 0; f < PGSECCOMP_NFIELDS; f++)
		{
			size_t		flen = strlen(fields[f]);

			if (pg_strncasecmp(name + plen, fields[f], flen) == 0 && name[plen + flen] == '.')
				return true;
		}
	}
	return false;
}

/*
 * PostgreSQL only warns about a bad value in postgresql.conf for a setting
 * defined by a module, and uses the default; for a name with our prefix
 * that is not ours it also only warns. Either would leave the server less
 * confined than configured, so stop instead, naming the setting. Role
 * overrides (session_syscall_<field>.<role>) are checked by name too.
 */
static void
reject_unknown_settings(void)
{
	const char *const *fields = pgseccomp_fields;
	int			nvars;
	struct config_generic **vars = pgseccomp_guc_variables(&nvars);
	int			i;

	for (i = 0; i < nvars; i++)
	{
		const char *name = vars[i]->name;
		bool		ours = strncmp(name, "pgseccomp.", 10) == 0;
		bool		override = strncmp(name, "session_syscall_", 16) == 0 ||
			strncmp(name, "backend_syscall_", 16) == 0;
		bool		known = false;
		int			f;

		if (!(vars[i]->flags & GUC_CUSTOM_PLACEHOLDER) || !(ours || override))
			continue;
		for (f = 0; f < PGSECCOMP_NFIELDS && !known; f++)
		{
			const char *field = fields[f];

			if (ours)
				known = strcmp(name, "pgseccomp.enabled") == 0 ||
					strcmp(name, "pgseccomp.session_roles") == 0 ||
					strcmp(name, "pgseccomp.backend_types") == 0 ||
					strcmp(name + 10, psprintf("global_syscall_%s", field)) == 0 ||
					strcmp(name + 10, psprintf("session_syscall_%s", field)) == 0;
			else
				known = strncmp(name + 16, field, strlen(field)) == 0 &&
					name[16 + strlen(field)] == '.';
		}
		if (!known)
			ereport(FATAL,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("unrecognized configuration parameter \"%s\"", name),
					 errhint("pgseccomp settings are pgseccomp.enabled, pgseccomp.session_roles, pgseccomp.backend_types, pgseccomp.{global,session}_syscall_{allow,log,error,kill,default}, session_syscall_{allow,log,error,kill,default}.<role> and backend_syscall_{allow,log,error,kill,default}.<type>.")));
	}
}

/* An enum or bool setting's text as postgresql.conf gave it, before definition. */
static char *
raw_value(const char *name)
{
	const char *v = GetConfigOption(name, true, false);

	return v ? pstrdup(v) : NULL;
}

static void
reject_bad_action(const char *name, const char *raw)
{
	const struct config_enum_entry *e;
	StringInfoData names;

	if (raw == NULL)
		return;
	initStringInfo(&names);
	for (e = action_options; e->name; e++)
	{
		if (pg_strcasecmp(e->name, raw) == 0)
			return;
		appendStringInfo(&names, "%s%s", e == action_options ? "" : ", ", e->name);
	}
	ereport(FATAL,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid value for parameter \"%s\": \"%s\"", name, raw),
			 errhint("Available values: %s.", names.data)));
}

/*
 * At start, a bad value stops the server, naming the setting: PostgreSQL
 * would only warn and use the default.
 */
static void
reject_bad_values(const char *raw_global_default, const char *raw_session_default)
{
	reject_bad_action("pgseccomp.global_syscall_default", raw_global_default);
	reject_bad_action("pgseccomp.session_syscall_default", raw_session_default);
	if (!valid_role_list(session_roles))
		ereport(FATAL,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for parameter \"%s\": \"%s\"",
						"pgseccomp.session_roles", session_roles),
				 errdetail("List syntax is invalid.")));
	if (types_problem(backend_types))
		ereport(FATAL,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for parameter \"%s\": \"%s\"",
						"pgseccomp.backend_types", backend_types),
				 errdetail("%s", types_problem(backend_types))));
}

void
pgseccomp_define_settings(void)
{
	int			i;
	char	   *raw_enabled;
	char	   *raw_global_default;
	char	   *raw_session_default;
	bool		enabled;

	reject_unknown_settings();
	raw_enabled = raw_value("pgseccomp.enabled");
	raw_global_default = raw_value("pgseccomp.global_syscall_default");
	raw_session_default = raw_value("pgseccomp.session_syscall_default");
	if (raw_enabled && !parse_bool(raw_enabled, &enabled))
		ereport(FATAL,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("parameter \"%s\" requires a Boolean value", "pgseccomp.enabled"),
				 errdetail("The value is \"%s\".", raw_enabled)));

	DefineCustomBoolVariable("pgseccomp.enabled",
							 "Turns on seccomp syscall enforcement.",
							 NULL, &pgseccomp_enabled, false, PGC_POSTMASTER,
							 GUC_DISALLOW_IN_AUTO_FILE, NULL, NULL, NULL);

	for (i = 0; i < NLISTS; i++)
	{
		DefineCustomStringVariable(psprintf("pgseccomp.global_syscall_%s", pgseccomp_fields[i]),
								   psprintf("Syscalls the global filter gives the action \"%s\".", pgseccomp_fields[i]),
								   "Enforced in the postmaster and inherited by every process.",
								   &global_lists[i], "", PGC_POSTMASTER, GUC_DISALLOW_IN_AUTO_FILE,
								   global_list_check[i],
								   NULL, NULL);
	}
	DefineCustomEnumVariable("pgseccomp.global_syscall_default",
							 "Action of the global filter for syscalls no global list names.",
							 NULL, &global_default, SECCOMP_ACTION_ALLOW,
							 action_options, PGC_POSTMASTER, GUC_DISALLOW_IN_AUTO_FILE,
							 NULL, NULL, NULL);

	for (i = 0; i < NLISTS; i++)
	{
		DefineCustomStringVariable(psprintf("pgseccomp.session_syscall_%s", pgseccomp_fields[i]),
								   psprintf("Syscalls the session filter gives the action \"%s\".", pgseccomp_fields[i]),
								   "Enforced in client backends after authentication; \"*\" means the global list.",
								   &session_lists[i], "*", PGC_SIGHUP, GUC_DISALLOW_IN_AUTO_FILE,
								   session_list_check[i],
								   session_list_assign[i], NULL);
	}
	DefineCustomEnumVariable("pgseccomp.session_syscall_default",
							 "Action of the session filter for syscalls no session list names.",
							 NULL, &session_default, SECCOMP_ACTION_ALLOW,
							 action_options, PGC_SIGHUP, GUC_DISALLOW_IN_AUTO_FILE,
							 NULL, assign_session_default, NULL);

	DefineCustomStringVariable("pgseccomp.session_roles",
							   "Roles whose session filter uses session_syscall_*.<role> overrides.",
							   NULL, &session_roles, "", PGC_SIGHUP,
							   GUC_DISALLOW_IN_AUTO_FILE, check_roles, assign_roles, NULL);

	DefineCustomStringVariable("pgseccomp.backend_types",
							   "Backend types whose filters use backend_syscall_*.<type> overrides.",
							   "Autovacuum workers, logical replication workers, walsenders and background workers, by type key.",
							   &backend_types, "", PGC_SIGHUP,
							   GUC_DISALLOW_IN_AUTO_FILE, check_types, assign_types, NULL);

	MarkGUCPrefixReserved("pgseccomp");

	if (pgseccomp_enabled)
		reject_bad_values(raw_global_default, raw_session_default);
}

static const char *
action_name(int action)
{
	return action_options[action].name;
}

/* The global section of a request (wire.h). */
void
pgseccomp_request_global(StringInfo buf)
{
	WireSink sink = {.buf = buf};
	int			i;

	pgseccomp_wire_put(&sink, WIRE_MARK_GLOBAL);
	pgseccomp_wire_put_pair(&sink, WIRE_KEY_TRAP, pgseccomp_trap_ranges());
	pgseccomp_wire_put_pair(&sink, WIRE_KEY_IO_METHOD, pgseccomp_io_method());
	pgseccomp_wire_put_pair(&sink, WIRE_KEY_SCOPE, pgseccomp_scope_name());
	for (i = 0; i < NLISTS; i++)
	{
		char	   *name = psprintf("pgseccomp.global_syscall_%s", pgseccomp_fields[i]);

		pgseccomp_wire_put_pair(&sink, name, value_of(name, global_lists[i]));
	}
	pgseccomp_wire_put_pair(&sink, "pgseccomp.global_syscall_default", action_name(global_default));
}

/*
 * A "[target]" section: the session settings and, for a listed role or
 * backend type, the overrides that are set. It holds exactly what decides
 * the filter, so that a process can tell whether the postmaster compiled
 * its filter from the settings it has.
 */
static void
put_target(WireSink *sink, TargetKind kind, const char *name)
{
	static const char *const session_names[] = {
		"pgseccomp.session_syscall_allow", "pgseccomp.session_syscall_log",
		"pgseccomp.session_syscall_error", "pgseccomp.session_syscall_kill",
	};
	const char *const *fields = pgseccomp_fields;
	int			i;

	StaticAssertStmt(lengthof(session_names) == NLISTS, "one name per list");
	pgseccomp_wire_put(sink, WIRE_MARK_TARGET);
	if (kind == TARGET_ROLE)
		pgseccomp_wire_put_pair(sink, WIRE_KEY_ROLE, name);
	else if (kind == TARGET_TYPE)
		pgseccomp_wire_put_pair(sink, WIRE_KEY_TYPE, name);
	for (i = 0; i < NLISTS; i++)
		pgseccomp_wire_put_pair(sink, session_names[i], value_of(session_names[i], session_lists[i]));
	pgseccomp_wire_put_pair(sink, "pgseccomp.session_syscall_default",
			 value_of("pgseccomp.session_syscall_default", action_name(session_default)));
	if (kind == TARGET_SESSION)
		return;
	for (i = 0; i < PGSECCOMP_NFIELDS && !sink->differs; i++)
	{
		const char *prefix = kind == TARGET_ROLE ? "session" : "backend";
		char		room[NAMEDATALEN + 32];
		char	   *setting = room;
		const char *value;

		if (snprintf(room, sizeof(room), "%s_syscall_%s.%s", prefix, fields[i], name) >= sizeof(room))
			setting = psprintf("%s_syscall_%s.%s", prefix, fields[i], name);
		value = GetConfigOption(setting, true, false);
		if (value != NULL)
			pgseccomp_wire_put_pair(sink, setting, value);
	}
}

void
pgseccomp_request_target(StringInfo buf, TargetKind kind, const char *name)
{
	WireSink sink = {.buf = buf};

	put_target(&sink, kind, name);
}

/* Is section exactly what pgseccomp_request_target would build now? */
bool
pgseccomp_target_matches(const char *section, int len, TargetKind kind, const char *name)
{
	WireSink sink = {.expect = section, .expect_len = len};

	put_target(&sink, kind, name);
	return pgseccomp_wire_matched(&sink);
}

/* The roles of pgseccomp.session_roles, as palloc'd strings. */
List *
pgseccomp_listed_roles(void)
{
	char	   *raw = pstrdup(value_of("pgseccomp.session_roles", session_roles));
	List	   *items = NIL;

	if (!SplitIdentifierString(raw, ',', &items))
		return NIL;				/* the check hook rejects such values */
	return items;
}

/* The backend types of pgseccomp.backend_types, as palloc'd strings. */
List *
pgseccomp_listed_types(void)
{
	char	   *raw = pstrdup(value_of("pgseccomp.backend_types", backend_types));
	List	   *items = NIL;

	if (!SplitIdentifierString(raw, ',', &items))
		return NIL;				/* the check hook rejects such values */
	return items;
}

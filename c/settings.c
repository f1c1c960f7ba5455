/*
 * settings.c
 *		pgseccomp's settings: their definitions, the checks PostgreSQL runs
 *		at reload, and the request text sent to the compile helper.
 *
 * The grammar of list values belongs to the Go library. Check hooks run in
 * every process and may not start Go, so at reload they check only what a
 * comma list of known syscall names needs, against the syscall table that
 * the helper returned at start; everything else (and everything at start)
 * is validated by the helper itself.
 */
#include "pgseccomp.h"

#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/guc_tables.h"
#include "utils/memutils.h"
#include "utils/varlena.h"

bool		pgseccomp_enabled = false;

static const struct config_enum_entry action_options[] = {
	{"allow", SECCOMP_ACTION_ALLOW, false},
	{"log", SECCOMP_ACTION_LOG, false},
	{"error", SECCOMP_ACTION_ERROR, false},
	{"kill", SECCOMP_ACTION_KILL, false},
	{NULL, 0, false}
};

/* The four lists of a level, in the order the Go library indexes them. */
static const char *const list_fields[] = {"allow", "log", "error", "kill"};

#define NLISTS 4

static int	global_default = SECCOMP_ACTION_ALLOW;
static char *global_lists[NLISTS];
static int	session_default = SECCOMP_ACTION_ALLOW;
static char *session_lists[NLISTS];
static char *session_roles = NULL;

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

static Lexicon *
make_lexicon(const char *text)
{
	Lexicon    *lex = palloc0(sizeof(Lexicon));
	char	   *copy = pstrdup(text);
	char	   *tok;
	char	   *save = NULL;
	int			cap = 1024;

	lex->words = palloc(sizeof(char *) * cap);
	for (tok = strtok_r(copy, "\n", &save); tok; tok = strtok_r(NULL, "\n", &save))
	{
		if (lex->nwords == cap)
		{
			cap *= 2;
			lex->words = repalloc(lex->words, sizeof(char *) * cap);
		}
		lex->words[lex->nwords++] = tok;
	}
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
	MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);

	atoms = make_lexicon(names);
	errnos = make_lexicon(errno_names);
	MemoryContextSwitchTo(old);
}

static bool
in_lexicon(const Lexicon *lex, const char *word)
{
	return bsearch(&word, lex->words, lex->nwords, sizeof(char *), compare_words) != NULL;
}

/*
 * The likely intended word: the same rule as guc/suggest.go, so that a typo
 * gets the same hint at start (from Go) and at reload (from here).
 */
static const char *
closest_word(const Lexicon *lex, const char *word)
{
	const char *best = NULL;
	int			best_dist = 3;
	int			len = strlen(word);
	int			i;

	for (i = 0; i < lex->nwords; i++)
	{
		int			d = varstr_levenshtein(word, len, lex->words[i], strlen(lex->words[i]),
										   1, 1, 1, true);

		if (d < best_dist && 2 * d < len)
		{
			best = lex->words[i];
			best_dist = d;
		}
	}
	return best;
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
	const char *guess;

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
		if ((guess = closest_word(atoms, atom)) != NULL)
			GUC_check_errhint("Did you mean \"%s\"?", guess);
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
			if ((guess = closest_word(errnos, upper)) != NULL)
				GUC_check_errhint("Did you mean \"%s\"?", guess);
			else
				GUC_check_errhint("Use a symbolic name such as EPERM or ENOSYS; numbers differ between architectures.");
			return false;
		}
	}
	return true;
}

static bool
check_list(char **newval, bool inherit_ok, bool errno_ok)
{
	char	   *raw;
	List	   *items = NIL;
	ListCell   *lc;
	bool		ok = true;

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
	return ok;
}

static bool
check_global_list(char **newval, void **extra, GucSource source)
{
	return check_list(newval, false, false);
}

static bool
check_global_error_list(char **newval, void **extra, GucSource source)
{
	return check_list(newval, false, true);
}

static bool
check_session_list(char **newval, void **extra, GucSource source)
{
	return check_list(newval, true, false);
}

static bool
check_session_error_list(char **newval, void **extra, GucSource source)
{
	return check_list(newval, true, true);
}

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
 * PostgreSQL only warns about a bad value in postgresql.conf for a setting
 * defined by a module, and uses the default; for a name with our prefix
 * that is not ours it also only warns. Either would leave the server less
 * confined than configured, so stop instead, naming the setting. Role
 * overrides (session_syscall_<field>.<role>) are checked by name too.
 */
static void
reject_unknown_settings(void)
{
	static const char *const fields[] = {"allow", "log", "error", "kill", "default"};
	int			nvars;
	struct config_generic **vars = pgseccomp_guc_variables(&nvars);
	int			i;

	for (i = 0; i < nvars; i++)
	{
		const char *name = vars[i]->name;
		bool		ours = strncmp(name, "pgseccomp.", 10) == 0;
		bool		override = strncmp(name, "session_syscall_", 16) == 0;
		bool		known = false;
		int			f;

		if (!(vars[i]->flags & GUC_CUSTOM_PLACEHOLDER) || !(ours || override))
			continue;
		for (f = 0; f < lengthof(fields) && !known; f++)
		{
			const char *field = fields[f];

			if (ours)
				known = strcmp(name, "pgseccomp.enabled") == 0 ||
					strcmp(name, "pgseccomp.session_roles") == 0 ||
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
					 errhint("pgseccomp settings are pgseccomp.enabled, pgseccomp.session_roles, pgseccomp.{global,session}_syscall_{allow,log,error,kill,default} and session_syscall_{allow,log,error,kill,default}.<role>.")));
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

	if (raw == NULL)
		return;
	for (e = action_options; e->name; e++)
		if (pg_strcasecmp(e->name, raw) == 0)
			return;
	ereport(FATAL,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid value for parameter \"%s\": \"%s\"", name, raw),
			 errhint("Available values: allow, log, error, kill.")));
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
							 0, NULL, NULL, NULL);

	for (i = 0; i < NLISTS; i++)
	{
		DefineCustomStringVariable(psprintf("pgseccomp.global_syscall_%s", list_fields[i]),
								   psprintf("Syscalls the global filter gives the action \"%s\".", list_fields[i]),
								   "Enforced in the postmaster and inherited by every process.",
								   &global_lists[i], "", PGC_POSTMASTER, 0,
								   i == SECCOMP_ACTION_ERROR ? check_global_error_list : check_global_list,
								   NULL, NULL);
	}
	DefineCustomEnumVariable("pgseccomp.global_syscall_default",
							 "Action of the global filter for syscalls no global list names.",
							 NULL, &global_default, SECCOMP_ACTION_ALLOW,
							 action_options, PGC_POSTMASTER, 0, NULL, NULL, NULL);

	for (i = 0; i < NLISTS; i++)
	{
		DefineCustomStringVariable(psprintf("pgseccomp.session_syscall_%s", list_fields[i]),
								   psprintf("Syscalls the session filter gives the action \"%s\".", list_fields[i]),
								   "Enforced in client backends after authentication; \"*\" means the global list.",
								   &session_lists[i], "*", PGC_SIGHUP, 0,
								   i == SECCOMP_ACTION_ERROR ? check_session_error_list : check_session_list,
								   NULL, NULL);
	}
	DefineCustomEnumVariable("pgseccomp.session_syscall_default",
							 "Action of the session filter for syscalls no session list names.",
							 NULL, &session_default, SECCOMP_ACTION_ALLOW,
							 action_options, PGC_SIGHUP, 0, NULL, NULL, NULL);

	DefineCustomStringVariable("pgseccomp.session_roles",
							   "Roles whose session filter uses session_syscall_*.<role> overrides.",
							   NULL, &session_roles, "", PGC_SIGHUP,
							   0, check_roles, NULL, NULL);

	MarkGUCPrefixReserved("pgseccomp");

	if (pgseccomp_enabled)
	{
		reject_bad_action("pgseccomp.global_syscall_default", raw_global_default);
		reject_bad_action("pgseccomp.session_syscall_default", raw_session_default);
		if (!valid_role_list(session_roles))
			ereport(FATAL,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid value for parameter \"%s\": \"%s\"",
							"pgseccomp.session_roles", session_roles),
					 errdetail("List syntax is invalid.")));
	}
}

static const char *
action_name(int action)
{
	return action_options[action].name;
}

static void
put_pair(StringInfo buf, const char *name, const char *value)
{
	appendBinaryStringInfo(buf, name, strlen(name) + 1);
	appendBinaryStringInfo(buf, value, strlen(value) + 1);
}

static void
put_marker(StringInfo buf, const char *marker)
{
	appendBinaryStringInfo(buf, marker, strlen(marker) + 1);
}

/* The "[global]" section of a request: see guc/request.go. */
void
pgseccomp_request_global(StringInfo buf)
{
	int			i;

	put_marker(buf, "[global]");
	for (i = 0; i < NLISTS; i++)
		put_pair(buf, psprintf("pgseccomp.global_syscall_%s", list_fields[i]),
				 global_lists[i]);
	put_pair(buf, "pgseccomp.global_syscall_default", action_name(global_default));
}

/*
 * A "[target]" section: the session settings and, for a listed role, the
 * overrides that are set. Its bytes are the target's cache key, so it holds
 * exactly what decides the filter.
 */
void
pgseccomp_request_target(StringInfo buf, const char *role)
{
	static const char *const fields[] = {"allow", "log", "error", "kill", "default"};
	int			i;

	put_marker(buf, "[target]");
	if (role)
		put_pair(buf, "role", role);
	for (i = 0; i < NLISTS; i++)
		put_pair(buf, psprintf("pgseccomp.session_syscall_%s", list_fields[i]),
				 session_lists[i]);
	put_pair(buf, "pgseccomp.session_syscall_default", action_name(session_default));
	if (role == NULL)
		return;
	for (i = 0; i < lengthof(fields); i++)
	{
		char	   *name = psprintf("session_syscall_%s.%s", fields[i], role);
		const char *value = GetConfigOption(name, true, false);

		if (value != NULL)
			put_pair(buf, name, value);
	}
}

/* The roles of pgseccomp.session_roles, as palloc'd strings. */
List *
pgseccomp_listed_roles(void)
{
	char	   *raw = pstrdup(session_roles ? session_roles : "");
	List	   *items = NIL;

	if (!SplitIdentifierString(raw, ',', &items))
		return NIL;				/* the check hook rejects such values */
	return items;
}

bool
pgseccomp_role_is_listed(const char *role)
{
	ListCell   *lc;

	foreach(lc, pgseccomp_listed_roles())
	{
		if (strcmp(lfirst(lc), role) == 0)
			return true;
	}
	return false;
}

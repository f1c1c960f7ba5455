/*
 * suggest.c
 *		seccomp_suggest(): from what the learning levels learned to setting
 *		lines that make each of them deny by default.
 *
 * For every level whose default is 'learn' it writes the default as
 * 'error' and the allow list as what it allowed before, plus what it
 * learned, plus what learning cannot see (hooks/trap.go's untrapped
 * syscalls: at the global level all of them, at session levels all but
 * those that create processes or run programs), plus what a backend needs
 * on paths a workload may not take (hooks.ClientFloor: reporting an error,
 * I/O in critical sections, sleeps of spinlock waits), each with its family
 * (guc/families.go), so that glibc's choice between siblings cannot break
 * it. The facts it needs come from the helper at start (ext/response.go).
 */
#include "suggest.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "nodes/execnodes.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/tuplestore.h"
#include "utils/varlena.h"

#include "reports.h"
#include "store.h"
#include "trap.h"

#define MAX_NR 1024

static const char *names[MAX_NR];	/* native syscall names by number */
static List *families = NIL;	/* of List * of names */
static List *untrapped = NIL;	/* of names: unseen, or needed on rare paths */

/* In the postmaster at start, from the helper's answer. */
void
pgseccomp_set_facts(const char *facts)
{
	MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);
	char	   *copy = pstrdup(facts ? facts : "");
	char	   *line;
	char	   *save = NULL;

	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
	{
		char	   *tab = strchr(line, '\t');

		if (tab == NULL)
			continue;
		*tab++ = '\0';
		if (strcmp(line, "syscall") == 0)
		{
			char	   *nrtab = strchr(tab, '\t');
			int			nr;

			if (nrtab == NULL)
				continue;
			*nrtab = '\0';
			nr = atoi(nrtab + 1);
			if (nr >= 0 && nr < MAX_NR)
				names[nr] = tab;
		}
		else if (strcmp(line, "family") == 0)
		{
			List	   *members = NIL;
			char	   *m;
			char	   *save2 = NULL;

			for (m = strtok_r(tab, " ", &save2); m; m = strtok_r(NULL, " ", &save2))
				members = lappend(members, m);
			families = lappend(families, members);
		}
		else if (strcmp(line, "untrapped") == 0 || strcmp(line, "floor") == 0)
			untrapped = lappend(untrapped, tab);
	}
	MemoryContextSwitchTo(old);
}

const char *
pgseccomp_syscall_name(int nr)
{
	return nr >= 0 && nr < MAX_NR ? names[nr] : NULL;
}

static int
syscall_number(const char *name)
{
	int			nr;

	for (nr = 0; nr < MAX_NR; nr++)
		if (names[nr] && strcmp(names[nr], name) == 0)
			return nr;
	return -1;
}

/* An override's current value, or NULL when it is not set. */
static const char *
override(const char *owner, const char *field)
{
	if (owner[0] != 'R' && owner[0] != 'T')
		return NULL;
	return GetConfigOption(psprintf("%s_syscall_%s.%s", owner[0] == 'R' ? "session" : "backend",
									field, owner + 2), true, false);
}

/* The setting that holds field for an owner: its override if set. */
static char *
setting_for(int level, const char *owner, const char *field)
{
	if (level == PGSECCOMP_LEVEL_GLOBAL)
		return psprintf("pgseccomp.global_syscall_%s", field);
	if (override(owner, field) != NULL)
		return psprintf("%s_syscall_%s.%s", owner[0] == 'R' ? "session" : "backend",
						field, owner + 2);
	return psprintf("pgseccomp.session_syscall_%s", field);
}

/* The default setting that makes an owner's level learn. */
const char *
pgseccomp_learning_setting(int level, const char *owner)
{
	if (level != PGSECCOMP_LEVEL_GLOBAL && owner[0] == '\0')
		return NULL;
	return setting_for(level, owner, "default");
}

static const char *
value_of(const char *setting)
{
	const char *v = GetConfigOption(setting, true, false);

	return v ? v : "";
}

static bool
learns(const char *default_setting)
{
	return pg_strcasecmp(value_of(default_setting), "learn") == 0;
}

/* One allow list to write: its setting, and the syscalls to add. */
typedef struct Addition
{
	char	   *allow;			/* the allow setting */
	char	   *deflt;			/* the default setting */
	int			level;
	const char *owner;
	bool		add[MAX_NR];
} Addition;

/*
 * The allow list to write for an owner: a role's or backend type's own
 * override, so that what one role learned loosens no one else, starting
 * from the list it has now (its override, or the session's).
 */
static char *
allow_setting(int level, const char *owner)
{
	if (level != PGSECCOMP_LEVEL_GLOBAL && (owner[0] == 'R' || owner[0] == 'T'))
		return psprintf("%s_syscall_allow.%s", owner[0] == 'R' ? "session" : "backend", owner + 2);
	return setting_for(level, owner, "allow");
}

static Addition *
addition_for(List **adds, int level, const char *owner)
{
	char	   *allow = allow_setting(level, owner);
	ListCell   *lc;
	Addition   *a;

	foreach(lc, *adds)
		if (strcmp(((Addition *) lfirst(lc))->allow, allow) == 0)
			return lfirst(lc);
	a = palloc0(sizeof(Addition));
	a->allow = allow;
	a->deflt = setting_for(level, owner, "default");
	a->level = level;
	a->owner = owner;
	*adds = lappend(*adds, a);
	return a;
}

static bool
creates_processes(const char *name)
{
	static const char *const spawn[] = {"clone", "clone3", "vfork", "fork", "execve", "execveat"};
	int			i;

	for (i = 0; i < lengthof(spawn); i++)
		if (strcmp(name, spawn[i]) == 0)
			return true;
	return false;
}

/* Mark every syscall an item of list names (a name, number or @group). */
static void
mark_list(const char *list, bool *named)
{
	char	   *raw = pstrdup(list);
	List	   *items = NIL;
	ListCell   *lc;

	if (strcmp(raw, "*") == 0 || !SplitIdentifierString(raw, ',', &items))
		return;
	foreach(lc, items)
	{
		char	   *item = lfirst(lc);
		char	   *colon = strchr(item, ':');
		int			nr;

		if (colon)
			*colon = '\0';
		if (item[0] == '@')
		{
			char	   *rows = pstrdup(pgseccomp_groups ? pgseccomp_groups : "");
			char	   *line;
			char	   *save = NULL;

			for (line = strtok_r(rows, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
			{
				char	   *t1 = strchr(line, '\t');
				char	   *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;

				*(t1 ? t1 : line) = '\0';
				if (t2 && strcmp(line, item) == 0 && (nr = atoi(t2 + 1)) >= 0 && nr < MAX_NR)
					named[nr] = true;
			}
		}
		else if ((nr = strspn(item, "0123456789") == strlen(item) ? atoi(item) : syscall_number(item)) >= 0 &&
				 nr < MAX_NR)
			named[nr] = true;
	}
}

/* The allow list, with the additions that no other list of its level names. */
static char *
new_allow_list(Addition *a, const char *inherited)
{
	static const char *const others[] = {"log", "error", "kill"};
	bool		named[MAX_NR] = {0};
	bool		listed[MAX_NR] = {0};
	const char *old = value_of(setting_for(a->level, a->owner, "allow"));
	StringInfoData out;
	ListCell   *lc;
	int			i;
	int			nr;

	for (i = 0; i < lengthof(others); i++)
		mark_list(value_of(setting_for(a->level, a->owner, others[i])), named);
	if (strcmp(old, "*") == 0)
		old = inherited;
	mark_list(old, listed);

	/* What learning cannot see, then every learned syscall's family. */
	foreach(lc, untrapped)
		if (a->level == PGSECCOMP_LEVEL_GLOBAL || !creates_processes(lfirst(lc)))
			if ((nr = syscall_number(lfirst(lc))) >= 0)
				a->add[nr] = true;
	foreach(lc, families)
	{
		List	   *fam = lfirst(lc);
		ListCell   *m;
		bool		any = false;

		foreach(m, fam)
			if ((nr = syscall_number(lfirst(m))) >= 0 && a->add[nr])
				any = true;
		foreach(m, fam)
			if (any && (nr = syscall_number(lfirst(m))) >= 0 &&
				(a->level == PGSECCOMP_LEVEL_GLOBAL || !creates_processes(lfirst(m))))
				a->add[nr] = true;
	}

	initStringInfo(&out);
	appendStringInfoString(&out, old);
	for (nr = 0; nr < MAX_NR; nr++)
		if (a->add[nr] && names[nr] && !named[nr] && !listed[nr])
			appendStringInfo(&out, "%s%s", out.len ? "," : "", names[nr]);
	return out.data;
}

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

PG_FUNCTION_INFO_V1(pg_seccomp_suggest);

Datum
pg_seccomp_suggest(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	LearnedSyscall *all;
	List	   *adds = NIL;
	List	   *defaults = NIL;
	ListCell   *lc;
	const StoredTarget *targets;
	const char *global_allow = value_of("pgseccomp.global_syscall_allow");
	int			ntargets;
	int			n;
	int			i;

	init_text_srf(rsinfo);
	n = pgseccomp_learned_collect(&all);

	/* Every learning level, whether or not it learned anything. */
	if (learns("pgseccomp.global_syscall_default"))
		(void) addition_for(&adds, PGSECCOMP_LEVEL_GLOBAL, "G");
	targets = pgseccomp_store_targets(&ntargets);
	for (i = 0; i < ntargets; i++)
	{
		char		key[PGSECCOMP_OWNER_LEN];

		pgseccomp_owner_key(targets[i].kind, targets[i].name, key);
		if (learns(setting_for(PGSECCOMP_LEVEL_SESSION, key, "default")))
			(void) addition_for(&adds, PGSECCOMP_LEVEL_SESSION, pstrdup(key));
	}
	for (i = 0; i < n; i++)
	{
		const char *owner = all[i].level == PGSECCOMP_LEVEL_GLOBAL ? "G" : all[i].owner;

		if (all[i].nr < 0 || all[i].nr >= MAX_NR || owner[0] == '\0' ||
			!learns(setting_for(all[i].level, owner, "default")))
			continue;			/* no longer learning */
		addition_for(&adds, all[i].level, pstrdup(owner))->add[all[i].nr] = true;
	}

	/*
	 * A session list "*" becomes what it inherited before: what session
	 * processes made, the session level learned itself.
	 */
	foreach(lc, adds)
	{
		Addition   *a = lfirst(lc);
		char	   *line;
		ListCell   *d;
		bool		done = false;
		char	   *value = new_allow_list(a, global_allow);

		foreach(d, defaults)
			done |= strcmp(lfirst(d), a->deflt) == 0;
		if (!done)
		{
			defaults = lappend(defaults, a->deflt);
			line = psprintf("%s = 'error'", a->deflt);
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc,
								 (Datum[]) {CStringGetTextDatum(line)}, (bool[]) {false});
		}
		line = psprintf("%s = '%s'", a->allow, value);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc,
							 (Datum[]) {CStringGetTextDatum(line)}, (bool[]) {false});
	}
	return (Datum) 0;
}

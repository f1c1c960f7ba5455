/*
 * store.c
 *		The filters the postmaster compiled, and the programs ever installed
 *		from them.
 *
 * A compromised process can write all of shared memory, so what a new
 * process installs must come from memory it inherited from the postmaster.
 * The postmaster compiles the session, role and backend-type filters at
 * start and again when a reload changes their settings (in the settings'
 * assign hooks, which the postmaster runs in its SIGHUP handler), each time
 * in a helper it forks itself. Every process forked afterwards inherits the
 * result. Programs are kept for the life of the postmaster under a number,
 * so that a parallel worker can install its leader's program even when the
 * leader connected before a reload.
 *
 * A learning filter is compiled with the syscalls its level has already
 * learned, which it then allows without a trap, so that a process traps
 * only on what is new to the cluster. The postmaster reads them from the
 * learned table in shared memory, which any process may have written: they
 * can only decide which syscalls a learning filter allows without a trap,
 * and a learning filter allows every syscall it does not name anyway, so
 * a forged row hides a syscall from learning and loosens nothing. The
 * compile worker has the postmaster reload when the learned sets changed,
 * at most every PGSECCOMP_LEARN_RECOMPILE_SECS seconds (worker.c).
 */
#include "store.h"

#include "miscadmin.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "compile.h"
#include "keep.h"
#include "reports.h"
#include "settings.h"

/* Syscall numbers a learned list may carry (x86_64 and aarch64 stay far below). */
#define LEARNED_NR_MAX 1024

const char *pgseccomp_global_rows = NULL;
const char *pgseccomp_global_oci = NULL;
const char *pgseccomp_global_systemd = NULL;
const char *pgseccomp_groups = NULL;
int			pgseccomp_global_ninsns = 0;

typedef struct Program
{
	int			ninsns;
	struct sock_filter *insns;
} Program;

/*
 * Every program ever compiled here, numbered from 1; number 0 stands for
 * "no program of its own" (a target that decides as the global filter).
 */
static Program *programs = NULL;
static int	nprograms = 0;		/* including number 0 */
static int	programs_cap = 0;

/*
 * The targets of the newest compile, kept apart from the heap (keep.c):
 * children read them and never write them.
 */
static Keep *targets_keep = NULL;
static StoredTarget *targets = NULL;
static int	ntargets = 0;
static const char *compiled = NULL;	/* the sections they were compiled from */
static int	compiled_len = 0;
static const char *compiled_learned = "";	/* and the learned lists, one a line */

static void settings_changed(void);

/* The last session filter a reload left valid; see commit_pass(). */
static StoredTarget good_session;
static TimestampTz pass = 0;

static int
keep_program(const CompiledFilter *f)
{
	Size		len = sizeof(struct sock_filter) * f->ninsns;
	int			i;

	if (programs == NULL)
	{
		programs_cap = 16;
		programs = pgseccomp_keep_alloc(pgseccomp_kept(), sizeof(Program) * programs_cap);
		memset(programs, 0, sizeof(Program) * programs_cap);
		nprograms = 1;			/* number 0 */
	}
	if (nprograms == programs_cap)
	{
		Program    *grown = pgseccomp_keep_alloc(pgseccomp_kept(),
												 sizeof(Program) * programs_cap * 2);

		memcpy(grown, programs, sizeof(Program) * programs_cap);
		memset(grown + programs_cap, 0, sizeof(Program) * programs_cap);
		programs = grown;		/* the old array stays, unused: a few bytes */
		programs_cap *= 2;
	}
	if (!f->has_program)
		return 0;
	for (i = 1; i < nprograms; i++)
		if (programs[i].ninsns == f->ninsns && memcmp(programs[i].insns, f->program, len) == 0)
			return i;
	programs[nprograms].ninsns = f->ninsns;
	programs[nprograms].insns = pgseccomp_keep_copy(pgseccomp_kept(), f->program, len);
	return nprograms++;
}

const struct sock_filter *
pgseccomp_store_program(int id, int *ninsns)
{
	if (id < 1 || id >= nprograms)
		return NULL;
	*ninsns = programs[id].ninsns;
	return programs[id].insns;
}

static char *
copy_or_null(Keep *keep, const char *s)
{
	return s ? pgseccomp_keep_strdup(keep, s) : NULL;
}

static char *
copy_or_empty(Keep *keep, const char *s)
{
	return pgseccomp_keep_strdup(keep, s ? s : "");
}

/* Fill a target from a compile result, in keep. */
static void
fill_target(Keep *keep, StoredTarget *t, const TargetRequest *r, const CompiledFilter *f)
{
	memset(t, 0, sizeof(*t));
	t->kind = r->kind;
	t->name = copy_or_null(keep, r->name);
	t->section = pgseccomp_keep_copy(keep, r->section.data, r->section.len);
	t->section_len = r->section.len;
	t->ok = f->ok;
	if (!f->ok)
	{
		t->error.message = copy_or_empty(keep, f->error.message);
		t->error.detail = copy_or_null(keep, f->error.detail);
		t->error.hint = copy_or_null(keep, f->error.hint);
		return;
	}
	t->program = keep_program(f);
	t->rows = copy_or_empty(keep, f->rows);
	t->lint = copy_or_empty(keep, f->lint);
	t->oci = copy_or_empty(keep, f->oci);
	t->systemd = copy_or_empty(keep, f->systemd);
	t->stricter = copy_or_null(keep, f->stricter);
}

static List *
add_request(List *out, TargetKind kind, char *name)
{
	TargetRequest *r = palloc0(sizeof(TargetRequest));

	r->kind = kind;
	r->name = name;
	initStringInfo(&r->section);
	pgseccomp_request_target(&r->section, kind, name);
	return lappend(out, r);
}

/* The request sections of the session, each listed role and backend type. */
List *
pgseccomp_target_requests(void)
{
	List	   *out = add_request(NIL, TARGET_SESSION, NULL);
	ListCell   *lc;

	foreach(lc, pgseccomp_listed_roles())
		out = add_request(out, TARGET_ROLE, lfirst(lc));
	foreach(lc, pgseccomp_listed_types())
		out = add_request(out, TARGET_TYPE, lfirst(lc));
	return out;
}

/*
 * The session-level syscalls that rows say owner learned, "NR,NR,..."
 * ascending, or "". Rows come from shared memory: numbers out of range are
 * left out.
 */
static char *
learned_list(const LearnedSyscall *all, int n, const char *owner)
{
	bool		seen[LEARNED_NR_MAX] = {0};
	StringInfoData out;
	int			i;

	initStringInfo(&out);
	for (i = 0; i < n; i++)
		if (all[i].level == PGSECCOMP_LEVEL_SESSION && all[i].nr >= 0 &&
			all[i].nr < LEARNED_NR_MAX && strcmp(all[i].owner, owner) == 0)
			seen[all[i].nr] = true;
	for (i = 0; i < LEARNED_NR_MAX; i++)
		if (seen[i])
			appendStringInfo(&out, "%s%d", out.len ? "," : "", i);
	return out.data;
}

/*
 * Every session-level owner's learned list, "OWNER US NRS" a line: what the
 * compile worker compares to tell that learning found something new.
 */
char *
pgseccomp_learned_sets(void)
{
	LearnedSyscall *all;
	int			n;
	int			i;
	StringInfoData out;

	initStringInfo(&out);
	if (!pgseccomp_learned_readable())
		return out.data;
	n = pgseccomp_learned_collect(&all);
	for (i = 0; i < n; i++)
		if (all[i].level == PGSECCOMP_LEVEL_SESSION &&
			(i == 0 || all[i - 1].level != all[i].level || strcmp(all[i - 1].owner, all[i].owner) != 0))
			appendStringInfo(&out, "%s\x1f%s\n", all[i].owner, learned_list(all, n, all[i].owner));
	pfree(all);
	return out.data;
}

/*
 * The compile request's sections: each target's section, and after it the
 * syscalls its session level already learned. *lists gets those lists, one
 * a line, to tell whether they changed since the last compile.
 */
static void
sections_with_learned(List *requests, StringInfo out, StringInfo lists)
{
	LearnedSyscall *all = NULL;
	int			n = 0;
	ListCell   *lc;

	if (pgseccomp_learned_readable())
		n = pgseccomp_learned_collect(&all);
	foreach(lc, requests)
	{
		TargetRequest *r = lfirst(lc);
		char		owner[PGSECCOMP_OWNER_LEN];
		char	   *list;
		WireSink	sink = {.buf = out};

		appendBinaryStringInfo(out, r->section.data, r->section.len);
		pgseccomp_owner_key(r->kind, r->name, owner);
		list = n > 0 ? learned_list(all, n, owner) : "";
		if (list[0] != '\0')
			pgseccomp_wire_put_pair(&sink, WIRE_KEY_LEARNED, list);
		appendStringInfo(lists, "%s\n", list);
	}
	if (all)
		pfree(all);
}

static void
all_sections(List *requests, StringInfo out)
{
	ListCell   *lc;

	foreach(lc, requests)
	{
		TargetRequest *r = lfirst(lc);

		appendBinaryStringInfo(out, r->section.data, r->section.len);
	}
}

/*
 * Replace the targets with a compile's results. A session filter whose
 * settings no longer compile keeps the last good one.
 */
static void
replace_targets(const HelperResponse *resp, List *requests)
{
	Keep	   *keep = pgseccomp_keep_create();
	StoredTarget *fresh = pgseccomp_keep_alloc(keep, sizeof(StoredTarget) * list_length(requests));
	StringInfoData sections;
	int			i;

	memset(fresh, 0, sizeof(StoredTarget) * list_length(requests));
	for (i = 0; i < list_length(requests); i++)
	{
		fill_target(keep, &fresh[i], list_nth(requests, i), &resp->targets[i]);
		if (fresh[i].kind == TARGET_SESSION && !fresh[i].ok && good_session.ok)
		{
			fresh[i].ok = true;
			fresh[i].previous = true;
			fresh[i].program = good_session.program;
			fresh[i].rows = good_session.rows;
			fresh[i].lint = good_session.lint;
			fresh[i].oci = good_session.oci;
			fresh[i].systemd = good_session.systemd;
			fresh[i].stricter = NULL;	/* compared as they failed: unknown */
		}
	}
	initStringInfo(&sections);
	all_sections(requests, &sections);
	compiled = pgseccomp_keep_copy(keep, sections.data, sections.len);
	compiled_len = sections.len;
	pfree(sections.data);
	if (targets_keep)
		pgseccomp_keep_free(targets_keep);
	targets_keep = keep;
	compiled_learned = "";		/* the caller sets what it compiled with */
	targets = fresh;
	ntargets = list_length(requests);
}

/*
 * A reload applies settings one by one, and each assign hook here may see
 * a mix of old and new values; only the last compile of a pass counts. So
 * the session filter that becomes the last good one is the one that the
 * previous pass ended with, taken when the next pass begins.
 */
static void
commit_pass(void)
{
	const StoredTarget *s = pgseccomp_store_find(TARGET_SESSION, NULL);

	if (pass == PgReloadTime && good_session.ok)
		return;
	pass = PgReloadTime;
	if (s == NULL || !s->ok || s->previous)
		return;
	good_session.ok = true;
	good_session.program = s->program;
	good_session.rows = pgseccomp_keep_strdup(pgseccomp_kept(), s->rows);
	good_session.lint = pgseccomp_keep_strdup(pgseccomp_kept(), s->lint);
	good_session.oci = pgseccomp_keep_strdup(pgseccomp_kept(), s->oci);
	good_session.systemd = pgseccomp_keep_strdup(pgseccomp_kept(), s->systemd);
}

/* In the postmaster at start: keep what the helper compiled. */
void
pgseccomp_store_start(const HelperResponse *resp, List *requests)
{
	Keep	   *kept = pgseccomp_kept();
	int			i;

	pgseccomp_global_rows = copy_or_empty(kept, resp->global.rows);
	pgseccomp_global_oci = copy_or_empty(kept, resp->global.oci);
	pgseccomp_global_systemd = copy_or_empty(kept, resp->global.systemd);
	pgseccomp_groups = copy_or_empty(kept, resp->groups);
	pgseccomp_global_ninsns = resp->global.ninsns;
	replace_targets(resp, requests);
	commit_pass();
	pgseccomp_on_settings_changed(settings_changed);
	/* What each target installs, for a DBA who wants to know. */
	for (i = 0; i < resp->ntargets; i++)
	{
		const CompiledFilter *f = &resp->targets[i];
		const TargetRequest *r = list_nth(requests, i);
		const char *layout = f->layout ? f->layout : "linear";

		if (!f->ok || !f->has_program)
			continue;
		if (r->kind == TARGET_SESSION)
			elog(DEBUG1, "pgseccomp filter of the session: %d instructions in the %s layout",
				 f->ninsns, layout);
		else
			elog(DEBUG1, "pgseccomp filter of %s \"%s\": %d instructions in the %s layout",
				 r->kind == TARGET_ROLE ? "role" : "backend type", r->name, f->ninsns, layout);
	}
}

/*
 * In the postmaster, from an assign hook during a reload: compile the
 * current settings unless they are what was compiled last. Nothing is
 * logged here, since the settings may be half applied; the compile worker
 * reports on the final ones after its own reload.
 */
static void
settings_changed(void)
{
	MemoryContext cxt;
	MemoryContext old;
	List	   *requests;
	StringInfoData sections;
	StringInfoData request;
	StringInfoData lists;
	HelperResponse resp;
	HelperMessage why;

	if (IsUnderPostmaster || targets == NULL || !pgseccomp_enabled)
		return;
	commit_pass();

	cxt = AllocSetContextCreate(CurrentMemoryContext, "pgseccomp reload",
								ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(cxt);
	requests = pgseccomp_target_requests();
	initStringInfo(&sections);
	all_sections(requests, &sections);
	initStringInfo(&request);
	initStringInfo(&lists);
	sections_with_learned(requests, &request, &lists);
	if (sections.len != compiled_len || memcmp(sections.data, compiled, sections.len) != 0 ||
		strcmp(lists.data, compiled_learned) != 0)
	{
		if (pgseccomp_compile_targets(request.data, request.len, list_length(requests),
									  &resp, &why))
		{
			replace_targets(&resp, requests);
			compiled_learned = pgseccomp_keep_strdup(targets_keep, lists.data);
		}
		else
			pgseccomp_ereport_message(LOG, &why);
	}
	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);
}

const StoredTarget *
pgseccomp_store_find(TargetKind kind, const char *name)
{
	int			i;

	for (i = 0; i < ntargets; i++)
	{
		const StoredTarget *t = &targets[i];

		if (t->kind == kind && (kind == TARGET_SESSION || strcmp(t->name, name) == 0))
			return t;
	}
	return NULL;
}

const StoredTarget *
pgseccomp_store_targets(int *n)
{
	*n = ntargets;
	return targets;
}

/*
 * Are t's sessions at least as strict as than's, as the helper compared
 * them (TagStricter)? 1 if so, 0 if t is looser, -1 if that is not known:
 * either is not a target of this process's compile, or failed.
 */
int
pgseccomp_store_compare(const StoredTarget *than, const StoredTarget *t)
{
	int			i;
	int			j = -1;

	for (i = 0; i < ntargets; i++)
		if (&targets[i] == t)
			j = i;
	if (j < 0)
		return -1;
	if (than == t)
		return 1;
	for (i = 0; i < ntargets; i++)
		if (&targets[i] == than)
		{
			if (than->stricter == NULL || strlen(than->stricter) != (size_t) ntargets ||
				than->stricter[j] == '?')
				return -1;
			return than->stricter[j] == '1';
		}
	return -1;
}

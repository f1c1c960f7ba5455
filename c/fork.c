/*
 * fork.c
 *		Dynamic background workers are confined as they are forked.
 *
 * A dynamic background worker is described in shared memory, which any
 * compromised backend can write, and PostgreSQL loads the library it names
 * and runs its code before any hook of ours: a backend that places a
 * library on disk could run it under the global filter alone. The same
 * holds for a parallel worker, which loads the library its leader names
 * for its entry point before the end of its start-up transaction.
 *
 * So every child of the postmaster passes through a pthread_atfork handler
 * registered in the postmaster. In a child about to become a dynamic
 * background worker (not one registered at start, whose description came
 * from the postmaster's own libraries), it installs at once:
 *
 *		- for a parallel worker, the first program its leader announced when
 *		  it was confined (registry.c), taken from the postmaster's copy; its
 *		  client programs follow at the end of its start-up transaction
 *		  (parallel.c);
 *		- for a worker whose library is not loaded in the postmaster (so its
 *		  code is new), its backend type's filter if listed, or else the
 *		  session filter.
 *
 * Workers of libraries loaded at start, and PostgreSQL's own, run code the
 * DBA installed and are confined at the end of their start-up transaction.
 * A child that cannot be confined here exits at once.
 */
#include "fork.h"

#include <pthread.h>
#include <unistd.h>

#include "miscadmin.h"
#include "postmaster/bgworker_internals.h"
#include "utils/memutils.h"
#include "utils/varlena.h"

#include "compat.h"
#include "confine.h"
#include "helper.h"
#include "install.h"
#include "parallel.h"
#include "procfs.h"
#include "registry.h"
#include "reports.h"
#include "settings.h"
#include "store.h"

/* The background workers registered at start, and the preloaded libraries. */
static RegisteredBgWorker **static_workers = NULL;
static int	nstatic_workers = 0;
static List *preloaded = NIL;

/* In the postmaster, once every library in shared_preload_libraries ran. */
void
pgseccomp_fork_remember_static_workers(void)
{
	MemoryContext old;
	PGSECCOMP_BGWORKER_ITER iter;
	char	   *raw;
	int			n = 0;

	if (static_workers != NULL || IsUnderPostmaster)
		return;
	old = MemoryContextSwitchTo(TopMemoryContext);
	PGSECCOMP_BGWORKER_FOREACH(iter)
		n++;
	static_workers = palloc0(sizeof(RegisteredBgWorker *) * Max(n, 1));
	PGSECCOMP_BGWORKER_FOREACH(iter)
		static_workers[nstatic_workers++] = PGSECCOMP_BGWORKER(iter);
	raw = pstrdup(shared_preload_libraries_string ? shared_preload_libraries_string : "");
	if (!SplitDirectoriesString(raw, ',', &preloaded))
		preloaded = NIL;
	MemoryContextSwitchTo(old);
}

static bool
is_static(const RegisteredBgWorker *rw)
{
	int			i;

	for (i = 0; i < nstatic_workers; i++)
		if (static_workers[i] == rw)
			return true;
	return false;
}

/* Is the library a worker names already loaded in the postmaster? */
static bool
library_is_loaded(const char *library)
{
	ListCell   *lc;

	if (strcmp(library, "postgres") == 0)
		return true;
	foreach(lc, preloaded)
	{
		const char *entry = lfirst(lc);

		if (strcmp(library, entry) == 0 ||
			(strncmp(library, "$libdir/", 8) == 0 && strcmp(library + 8, entry) == 0))
			return true;
	}
	return false;
}

static void
die_at_fork(const char *why)
{
	write_stderr("pgseccomp: background worker not started: %s\n", why);
	_exit(1);
}

static void
install_at_fork(int program)
{
	int			ninsns;
	const struct sock_filter *insns = pgseccomp_store_program(program, &ninsns);
	char	   *why;

	if (program > 0 && (insns == NULL || !pgseccomp_install(insns, ninsns, &why)))
		die_at_fork("its filter could not be installed");
}

static void
at_fork_child(void)
{
	RegisteredBgWorker *rw;
	const BackgroundWorker *w;
	bool		unknown;

	pgseccomp_process_forked = true;
	pgseccomp_registry_forked();
	/* Only children of the postmaster, and not its helpers. */
	if (IsUnderPostmaster || !pgseccomp_enabled || pgseccomp_forking_helper ||
		static_workers == NULL)
		return;
	rw = pgseccomp_forking_bgworker(&unknown);
	if (unknown)
		die_at_fork("the postmaster is starting more than one background worker at once, which pgseccomp cannot tell apart");
	if (rw == NULL || is_static(rw))
		return;
	w = &rw->rw_worker;

	if (strcmp(w->bgw_library_name, "postgres") == 0 &&
		strcmp(w->bgw_function_name, "ParallelWorkerMain") == 0)
	{
		pid_t		leader = w->bgw_notify_pid;
		int			program;
		char		owner[PGSECCOMP_OWNER_LEN];

		/* What the leader said when it was confined, not what it says now. */
		if (!pgseccomp_registry_lookup(leader, pgseccomp_process_start_ticks(leader),
									   &program, owner))
			die_at_fork("its parallel leader announced no filter");
		if (program < 0)
			die_at_fork("its parallel leader compiled its own filter, which new sessions do not");
		install_at_fork(program);
		pgseccomp_set_process_owner_key(owner);
		pgseccomp_leader_base_installed(program);
		return;
	}
	if (!library_is_loaded(w->bgw_library_name))
	{
		const StoredTarget *t = pgseccomp_store_find(TARGET_TYPE, pgseccomp_type_key(w->bgw_type));

		if (t == NULL)
			t = pgseccomp_store_find(TARGET_SESSION, NULL);
		if (t == NULL || !t->ok)
			die_at_fork("its filter could not be had");
		install_at_fork(t->program);
		if (!pgseccomp_confined_at_fork(t))
			die_at_fork("it could not announce its filter");
	}
}

void
pgseccomp_fork_init(void)
{
	pthread_atfork(pgseccomp_registry_drain, NULL, at_fork_child);
}

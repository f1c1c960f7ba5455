/*
 * fork.c
 *		Background workers are confined as they are forked.
 *
 * A dynamic background worker is described in shared memory, which any
 * compromised backend can write, and PostgreSQL loads the library it names
 * and runs the entry point it names before any hook of ours. Whatever the
 * library (one loaded at start, pgseccomp's own included, resolves libc's
 * symbols too: "system" is an entry point), that code is chosen at run
 * time. The same holds for a parallel worker, which loads the library its
 * leader names for its entry point before the end of its start-up
 * transaction.
 *
 * So every child of the postmaster passes through a pthread_atfork handler
 * registered in the postmaster. In a child about to become a background
 * worker, it installs at once:
 *
 *		- for a parallel worker, the first program its leader announced when
 *		  it was confined (registry.c), taken from the postmaster's copy; its
 *		  client programs follow at the end of its start-up transaction
 *		  (parallel.c);
 *		- for every other dynamic worker, whatever its library and entry
 *		  point and whether it connects to a database or not, its backend
 *		  type's filter if listed, or else the session filter; one that
 *		  connects as a listed role stacks that role's filter at the end of
 *		  its start-up transaction (confine.c);
 *		- for a worker registered at start that connects to no database, its
 *		  backend type's filter if listed (it runs code the DBA chose, and
 *		  would otherwise keep the global filter; one that connects is
 *		  confined at the end of its start-up transaction).
 *
 * Workers registered at start are told apart from dynamic ones by the
 * address of their entry in the postmaster's list and by a copy of their
 * whole description, taken at start into memory only the postmaster
 * writes: the postmaster frees the entry of a static worker that has
 * exited and does not restart (and of every one at a crash-restart), and a
 * dynamic worker's entry may then take its place. pgseccomp's own compile worker, found the same
 * way, keeps the global filter alone: it is the mechanism. A child that
 * cannot be confined here exits at once.
 */
#include "fork.h"

#include <pthread.h>
#include <unistd.h>

#include "miscadmin.h"
#include "postmaster/bgworker_internals.h"

#include "compat.h"
#include "confine.h"
#include "helper.h"
#include "install.h"
#include "keep.h"
#include "parallel.h"
#include "procfs.h"
#include "registry.h"
#include "reports.h"
#include "settings.h"
#include "store.h"

/*
 * The background workers registered at start: where the postmaster keeps
 * each, and a copy of its description without bgw_notify_pid.
 */
typedef struct StaticWorker
{
	const RegisteredBgWorker *rw;
	BackgroundWorker worker;
} StaticWorker;

static StaticWorker *static_workers = NULL;
static int	nstatic_workers = 0;

static void
describe(BackgroundWorker *copy, const BackgroundWorker *w)
{
	memcpy(copy, w, sizeof(BackgroundWorker));
	copy->bgw_notify_pid = 0;
}

/*
 * In the postmaster, once every library in shared_preload_libraries ran
 * (and only then: it runs again at a crash-restart).
 */
void
pgseccomp_fork_remember_static_workers(void)
{
	PGSECCOMP_BGWORKER_ITER iter;
	int			n = 0;

	if (static_workers != NULL || IsUnderPostmaster)
		return;
	PGSECCOMP_BGWORKER_FOREACH(iter)
		n++;
	static_workers = pgseccomp_keep_alloc(pgseccomp_kept(), sizeof(StaticWorker) * Max(n, 1));
	PGSECCOMP_BGWORKER_FOREACH(iter)
	{
		StaticWorker *sw = &static_workers[nstatic_workers++];

		sw->rw = PGSECCOMP_BGWORKER(iter);
		describe(&sw->worker, &sw->rw->rw_worker);
	}
}

/* The worker registered at start that rw is, or NULL: same place, same description. */
static const StaticWorker *
find_static(const RegisteredBgWorker *rw)
{
	BackgroundWorker now;
	int			i;

	describe(&now, &rw->rw_worker);
	for (i = 0; i < nstatic_workers; i++)
		if (static_workers[i].rw == rw &&
			memcmp(&static_workers[i].worker, &now, sizeof(BackgroundWorker)) == 0)
			return &static_workers[i];
	return NULL;
}

/* Is it pgseccomp's own compile worker (worker.c)? */
static bool
is_compile_worker(const StaticWorker *sw)
{
	return strcmp(sw->worker.bgw_library_name, "pgseccomp") == 0 &&
		strcmp(sw->worker.bgw_function_name, "pgseccomp_worker_main") == 0;
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

/* Its backend type's filter, or else (when the type is not listed) the session's. */
static void
confine_worker(const BackgroundWorker *w, bool session_too)
{
	const StoredTarget *t = pgseccomp_store_find(TARGET_TYPE, pgseccomp_type_key(w->bgw_type));

	if (t == NULL && !session_too)
		return;
	if (t == NULL)
		t = pgseccomp_store_find(TARGET_SESSION, NULL);
	if (t == NULL || !t->ok)
		die_at_fork("its filter could not be had");
	install_at_fork(t->program);
	if (!pgseccomp_confined_at_fork(t))
		die_at_fork("it could not announce its filter");
}

static void
at_fork_child(void)
{
	RegisteredBgWorker *rw;
	const BackgroundWorker *w;
	const StaticWorker *sw;
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
	if (rw == NULL)
		return;
	w = &rw->rw_worker;

	if ((sw = find_static(rw)) != NULL)
	{
		/* The DBA chose its code at start. */
		if (is_compile_worker(sw))
			pgseccomp_compile_worker = true;
		else if (!(w->bgw_flags & BGWORKER_BACKEND_DATABASE_CONNECTION))
			confine_worker(w, false);
		return;
	}

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
	confine_worker(w, true);
}

void
pgseccomp_fork_init(void)
{
	pthread_atfork(pgseccomp_registry_drain, NULL, at_fork_child);
}

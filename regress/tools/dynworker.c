/*
 * dynworker.c
 *		Plays a compromised backend that registers a dynamic background
 *		worker running a library of its own, which PostgreSQL loads before
 *		any hook, or any entry point of a library loaded at start. The
 *		worker logs how many seccomp filters it carries and whether it may
 *		read a symbolic link.
 *
 *		Loaded at start (shared_preload_libraries), it also registers the
 *		static workers dynworker.static_types names, which connect to no
 *		database, and keeps dynworker.command, a string whose address is
 *		the same in every child of the postmaster: a worker whose entry
 *		point is libc's system() runs it.
 */
#include "postgres.h"

#include <unistd.h>

#include "fmgr.h"
#include "miscadmin.h"
#include "postmaster/bgworker.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/varlena.h"

#include "seccomp_status.h"

PG_MODULE_MAGIC;

PGDLLEXPORT void dynworker_main(Datum arg);
PG_FUNCTION_INFO_V1(dynworker_start);
PG_FUNCTION_INFO_V1(dynworker_run);

void		_PG_init(void);

static char *library = NULL;
static char *static_types = NULL;
static char *command = NULL;
static char *link_path = NULL;

void
dynworker_main(Datum arg)
{
	char		link[1024];
	char		target[1024];
	ssize_t		n;
	const char *outcome;

	BackgroundWorkerUnblockSignals();
	strlcpy(link, MyBgworkerEntry->bgw_extra, sizeof(link));
	n = readlink(link, target, sizeof(target) - 1);
	outcome = n >= 0 ? "allowed" : pstrdup(strerror(errno));
	elog(LOG, "dynworker [%s] filters %d readlink %s", MyBgworkerEntry->bgw_type,
		 seccomp_filters(), outcome);
	/* Connects, as the role its name gives if it is not "dynworker". */
	if (MyBgworkerEntry->bgw_flags & BGWORKER_BACKEND_DATABASE_CONNECTION)
	{
		const char *role = MyBgworkerEntry->bgw_name;

		BackgroundWorkerInitializeConnection("postgres",
											 strcmp(role, "dynworker") == 0 ? NULL : role, 0);
		outcome = getcwd(target, sizeof(target)) ? "allowed" : pstrdup(strerror(errno));
		elog(LOG, "dynworker [%s] connected filters %d getcwd %s", MyBgworkerEntry->bgw_type,
			 seccomp_filters(), outcome);
	}
}

void
_PG_init(void)
{
	List	   *types;
	ListCell   *lc;

	if (!process_shared_preload_libraries_in_progress)
		return;
	DefineCustomStringVariable("dynworker.library", "This library's path.", NULL,
							   &library, "", PGC_POSTMASTER, 0, NULL, NULL, NULL);
	DefineCustomStringVariable("dynworker.static_types", "Types of static workers to register.",
							   NULL, &static_types, "", PGC_POSTMASTER, 0, NULL, NULL, NULL);
	DefineCustomStringVariable("dynworker.command", "What system() runs.", NULL,
							   &command, "", PGC_POSTMASTER, 0, NULL, NULL, NULL);
	DefineCustomStringVariable("dynworker.link", "The link static workers read.", NULL,
							   &link_path, "", PGC_POSTMASTER, 0, NULL, NULL, NULL);
	if (!SplitIdentifierString(pstrdup(static_types), ',', &types))
		elog(ERROR, "invalid dynworker.static_types");
	foreach(lc, types)
	{
		BackgroundWorker w;

		memset(&w, 0, sizeof(w));
		w.bgw_flags = BGWORKER_SHMEM_ACCESS;
		w.bgw_start_time = BgWorkerStart_ConsistentState;
		w.bgw_restart_time = BGW_NEVER_RESTART;
		strlcpy(w.bgw_library_name, library, BGW_MAXLEN);
		strlcpy(w.bgw_function_name, "dynworker_main", BGW_MAXLEN);
		strlcpy(w.bgw_type, lfirst(lc), BGW_MAXLEN);
		strlcpy(w.bgw_name, "dynworker static", BGW_MAXLEN);
		strlcpy(w.bgw_extra, link_path, BGW_EXTRALEN);
		RegisterBackgroundWorker(&w);
	}
}

/* dynworker_start(library path, type, symlink to read) */
Datum
dynworker_start(PG_FUNCTION_ARGS)
{
	BackgroundWorker w;
	BackgroundWorkerHandle *handle;
	pid_t		pid;

	memset(&w, 0, sizeof(w));
	w.bgw_flags = BGWORKER_SHMEM_ACCESS;
	w.bgw_start_time = BgWorkerStart_ConsistentState;
	w.bgw_restart_time = BGW_NEVER_RESTART;
	strlcpy(w.bgw_library_name, text_to_cstring(PG_GETARG_TEXT_PP(0)), BGW_MAXLEN);
	strlcpy(w.bgw_function_name, "dynworker_main", BGW_MAXLEN);
	strlcpy(w.bgw_type, text_to_cstring(PG_GETARG_TEXT_PP(1)), BGW_MAXLEN);
	strlcpy(w.bgw_name, "dynworker", BGW_MAXLEN);
	strlcpy(w.bgw_extra, text_to_cstring(PG_GETARG_TEXT_PP(2)), BGW_EXTRALEN);
	w.bgw_notify_pid = MyProcPid;
	if (!RegisterDynamicBackgroundWorker(&w, &handle))
		elog(ERROR, "could not register the worker");
	if (WaitForBackgroundWorkerStartup(handle, &pid) != BGWH_STARTED)
		elog(ERROR, "the worker did not start");
	(void) WaitForBackgroundWorkerShutdown(handle);
	PG_RETURN_INT32(pid);
}

/*
 * dynworker_run(library, entry point, type, connect, extra, wait, name): a
 * dynamic worker of any library and entry point, with or without a
 * database connection. Its argument is dynworker.command's address. With
 * wait, returns once it exited; else once it started. Returns its pid.
 * dynworker_main connects as the role name names, unless it is
 * "dynworker".
 */
Datum
dynworker_run(PG_FUNCTION_ARGS)
{
	BackgroundWorker w;
	BackgroundWorkerHandle *handle;
	pid_t		pid;
	const char *cmd = GetConfigOption("dynworker.command", true, false);

	memset(&w, 0, sizeof(w));
	w.bgw_flags = BGWORKER_SHMEM_ACCESS |
		(PG_GETARG_BOOL(3) ? BGWORKER_BACKEND_DATABASE_CONNECTION : 0);
	w.bgw_start_time = BgWorkerStart_ConsistentState;
	w.bgw_restart_time = BGW_NEVER_RESTART;
	strlcpy(w.bgw_library_name, text_to_cstring(PG_GETARG_TEXT_PP(0)), BGW_MAXLEN);
	strlcpy(w.bgw_function_name, text_to_cstring(PG_GETARG_TEXT_PP(1)), BGW_MAXLEN);
	strlcpy(w.bgw_type, text_to_cstring(PG_GETARG_TEXT_PP(2)), BGW_MAXLEN);
	strlcpy(w.bgw_name, text_to_cstring(PG_GETARG_TEXT_PP(6)), BGW_MAXLEN);
	strlcpy(w.bgw_extra, text_to_cstring(PG_GETARG_TEXT_PP(4)), BGW_EXTRALEN);
	/* The postmaster's copy of the setting: the same address in its children. */
	w.bgw_main_arg = PointerGetDatum(cmd);
	w.bgw_notify_pid = MyProcPid;
	if (!RegisterDynamicBackgroundWorker(&w, &handle))
		elog(ERROR, "could not register the worker");
	if (WaitForBackgroundWorkerStartup(handle, &pid) != BGWH_STARTED)
		elog(ERROR, "the worker did not start");
	if (PG_GETARG_BOOL(5))
		(void) WaitForBackgroundWorkerShutdown(handle);
	PG_RETURN_INT32(pid);
}

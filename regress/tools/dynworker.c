/*
 * dynworker.c
 *		Plays a compromised backend that registers a dynamic background
 *		worker running a library of its own, which PostgreSQL loads before
 *		any hook. The worker logs how many seccomp filters it carries and
 *		whether it may read a symbolic link.
 */
#include "postgres.h"

#include <unistd.h>

#include "fmgr.h"
#include "miscadmin.h"
#include "postmaster/bgworker.h"
#include "utils/builtins.h"

#include "seccomp_status.h"

PG_MODULE_MAGIC;

PGDLLEXPORT void dynworker_main(Datum arg);
PG_FUNCTION_INFO_V1(dynworker_start);

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
	elog(LOG, "dynworker filters %d readlink %s", seccomp_filters(), outcome);
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

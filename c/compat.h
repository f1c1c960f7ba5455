/*
 * compat.h
 *		Version shims: the one place where PostgreSQL majors differ.
 *
 * pgseccomp is built and tested on PostgreSQL 15 and 18, and on nothing
 * else. Each major has one column below: what it has, as flags the C layer
 * tests. A major without a column does not build; adding one means reading
 * that major's headers, filling in its column, and running the whole suite
 * on it (regress/run.sh).
 *
 *	flag							15	18	what changed
 *	PGSECCOMP_PROC_NUMBER			0	1	backend ids became proc numbers (17)
 *	PGSECCOMP_BGWORKER_DLIST		0	1	BackgroundWorkerList is a dlist (17)
 *	PGSECCOMP_PMCHILD				0	1	the postmaster's children are PMChild
 *											entries, RegisteredBgWorker has no
 *											rw_backend (18)
 *	PGSECCOMP_GUC_VARIABLES_NUM		0	1	get_guc_variables(&num) (16)
 *	PGSECCOMP_AIO					0	1	asynchronous I/O, io_method (18)
 *	PGSECCOMP_SLOTSYNC				0	1	the slot sync worker, a process that
 *											connects to a database (17)
 *
 * The version in parentheses is where the change came upstream; only the
 * columns above were compiled and tested here.
 */
#ifndef PGSECCOMP_COMPAT_H
#define PGSECCOMP_COMPAT_H

#include "postgres.h"
#include "funcapi.h"
#include "utils/guc.h"

#if PG_VERSION_NUM >= 150000 && PG_VERSION_NUM < 160000
#define PGSECCOMP_PROC_NUMBER			0
#define PGSECCOMP_BGWORKER_DLIST		0
#define PGSECCOMP_PMCHILD				0
#define PGSECCOMP_GUC_VARIABLES_NUM		0
#define PGSECCOMP_AIO					0
#define PGSECCOMP_SLOTSYNC				0
#elif PG_VERSION_NUM >= 180000 && PG_VERSION_NUM < 190000
#define PGSECCOMP_PROC_NUMBER			1
#define PGSECCOMP_BGWORKER_DLIST		1
#define PGSECCOMP_PMCHILD				1
#define PGSECCOMP_GUC_VARIABLES_NUM		1
#define PGSECCOMP_AIO					1
#define PGSECCOMP_SLOTSYNC				1
#else
#error "pgseccomp is built and tested on PostgreSQL 15 and 18 only: add a column to c/compat.h for this major"
#endif

/* Both majors ask for shared memory in shmem_request_hook. */
#define PGSECCOMP_HAVE_SHMEM_REQUEST_HOOK

/* ProcessUtility_hook's arguments, the same in both majors. */
#define PGSECCOMP_UTILITY_PARAMS PlannedStmt *pstmt, const char *queryString, \
	bool readOnlyTree, ProcessUtilityContext context, ParamListInfo params, \
	QueryEnvironment *queryEnv, DestReceiver *dest, QueryCompletion *qc
#define PGSECCOMP_UTILITY_ARGS pstmt, queryString, readOnlyTree, context, \
	params, queryEnv, dest, qc

/*
 * Slots per process, indexed by backend id or proc number: this process's,
 * its parallel leader's, how many there can be, and a PGPROC's.
 */
#if PGSECCOMP_PROC_NUMBER
#include "storage/procnumber.h"
#define PGSECCOMP_MY_SLOT		MyProcNumber
#define PGSECCOMP_LEADER_SLOT	ParallelLeaderProcNumber
#define PGSECCOMP_NSLOTS		(MaxBackends + NUM_AUXILIARY_PROCS)
#define PGSECCOMP_PROC_SLOT(proc)	GetNumberFromPGProc(proc)
#else
#include "storage/backendid.h"
#define PGSECCOMP_MY_SLOT		MyBackendId
#define PGSECCOMP_LEADER_SLOT	ParallelLeaderBackendId
#define PGSECCOMP_NSLOTS		(MaxBackends + 1)
#define PGSECCOMP_PROC_SLOT(proc)	((proc)->backendId)
#endif

/*
 * The postmaster's list of registered background workers (postmaster only):
 * PGSECCOMP_BGWORKER_FOREACH(iter) { rw = PGSECCOMP_BGWORKER(iter); ... }
 */
#if PGSECCOMP_BGWORKER_DLIST
#define PGSECCOMP_BGWORKER_ITER		dlist_iter
#define PGSECCOMP_BGWORKER_FOREACH(iter) dlist_foreach(iter, &BackgroundWorkerList)
#define PGSECCOMP_BGWORKER(iter) \
	dlist_container(RegisteredBgWorker, rw_lnode, (iter).cur)
#else
#define PGSECCOMP_BGWORKER_ITER		slist_iter
#define PGSECCOMP_BGWORKER_FOREACH(iter) slist_foreach(iter, &BackgroundWorkerList)
#define PGSECCOMP_BGWORKER(iter) \
	slist_container(RegisteredBgWorker, rw_lnode, (iter).cur)
#endif

/*
 * In a child the postmaster just forked (pthread_atfork), the registered
 * background worker it is about to become, or NULL when it is none or the
 * postmaster's state is not one this code knows.
 */
struct RegisteredBgWorker;
extern struct RegisteredBgWorker *pgseccomp_forking_bgworker(bool *unknown);

/* The server's settings, and how many. */
struct config_generic;
extern struct config_generic **pgseccomp_guc_variables(int *num);

/*
 * The server's io_method as its name ("sync", "worker", "io_uring"), or
 * "" on a major without asynchronous I/O.
 */
extern const char *pgseccomp_io_method(void);

#endif							/* PGSECCOMP_COMPAT_H */

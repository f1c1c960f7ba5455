/*
 * compat.h
 *		Version shims, so that the C layer builds for PostgreSQL 13 to 17.
 */
#ifndef PGSECCOMP_COMPAT_H
#define PGSECCOMP_COMPAT_H

#include "postgres.h"
#include "funcapi.h"
#include "utils/guc.h"

/* PostgreSQL 15 reserves a prefix; older releases only warned. */
#if PG_VERSION_NUM < 150000
#define MarkGUCPrefixReserved(prefix) EmitWarningsOnPlaceholders(prefix)
#endif

/* PostgreSQL 15 added InitMaterializedSRF; 14 had it as SetSingleFuncCall. */
#if PG_VERSION_NUM < 150000
#define InitMaterializedSRF(fcinfo, flags) pgseccomp_materialize(fcinfo)
extern void pgseccomp_materialize(FunctionCallInfo fcinfo);
#define PGSECCOMP_NEED_MATERIALIZE
#endif

/* PostgreSQL 15 asks for shared memory in shmem_request_hook. */
#if PG_VERSION_NUM >= 150000
#define PGSECCOMP_HAVE_SHMEM_REQUEST_HOOK
#endif

/* PostgreSQL 14 gave ProcessUtility_hook a readOnlyTree argument. */
#if PG_VERSION_NUM >= 140000
#define PGSECCOMP_UTILITY_PARAMS PlannedStmt *pstmt, const char *queryString, \
	bool readOnlyTree, ProcessUtilityContext context, ParamListInfo params, \
	QueryEnvironment *queryEnv, DestReceiver *dest, QueryCompletion *qc
#define PGSECCOMP_UTILITY_ARGS pstmt, queryString, readOnlyTree, context, \
	params, queryEnv, dest, qc
#else
#define PGSECCOMP_UTILITY_PARAMS PlannedStmt *pstmt, const char *queryString, \
	ProcessUtilityContext context, ParamListInfo params, \
	QueryEnvironment *queryEnv, DestReceiver *dest, QueryCompletion *qc
#define PGSECCOMP_UTILITY_ARGS pstmt, queryString, context, params, queryEnv, \
	dest, qc
#endif

/* PostgreSQL 17 numbers procs, not backends; slots are indexed by either. */
#if PG_VERSION_NUM >= 170000
#define PGSECCOMP_MY_SLOT		MyProcNumber
#define PGSECCOMP_LEADER_SLOT	ParallelLeaderProcNumber
#define PGSECCOMP_NSLOTS		(MaxBackends + NUM_AUXILIARY_PROCS)
#else
#define PGSECCOMP_MY_SLOT		MyBackendId
#define PGSECCOMP_LEADER_SLOT	ParallelLeaderBackendId
#define PGSECCOMP_NSLOTS		(MaxBackends + 1)
#endif

/* PostgreSQL 16 returns the number of settings through an argument. */
struct config_generic;
extern struct config_generic **pgseccomp_guc_variables(int *num);

#endif							/* PGSECCOMP_COMPAT_H */

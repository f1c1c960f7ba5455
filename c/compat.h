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

/* PostgreSQL 16 returns the number of settings through an argument. */
struct config_generic;
extern struct config_generic **pgseccomp_guc_variables(int *num);

/* The cache key of a request section. */
#define PGSECCOMP_KEY_LEN 32
extern void pgseccomp_key(const char *data, size_t len, uint8 *out);

#endif							/* PGSECCOMP_COMPAT_H */

/*
 * confine.h
 *		Where each process gets its filters: client backends and walsenders
 *		right after authentication, every other process that connects to a
 *		database at the end of its start-up transaction.
 */
#ifndef PGSECCOMP_CONFINE_H
#define PGSECCOMP_CONFINE_H

#include "stack.h"
#include "store.h"

#include "access/xact.h"
#include "libpq/libpq-be.h"

/* NULL until this process is confined, and in processes that never are. */
extern ProcessStack *pgseccomp_stack;

/* In pgseccomp's own compile worker, which keeps the global filter alone. */
extern bool pgseccomp_compile_worker;

extern void pgseccomp_client_authentication(Port *port, int status);
extern void pgseccomp_xact_callback(XactEvent event, void *arg);
extern bool pgseccomp_needs_fmgr(Oid fn_oid);
extern const char *pgseccomp_process_type(void);
extern bool pgseccomp_confined_at_fork(const StoredTarget *t);
extern void pgseccomp_stack_reserve(int call_len, int ninsns);
extern void pgseccomp_stack_add_client(const CompiledFilter *f, const StringInfo call,
									   struct dsm_segment *seg);

#endif							/* PGSECCOMP_CONFINE_H */

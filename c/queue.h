/*
 * queue.h
 *		set_client_filter's compile requests, served by the compile worker.
 */
#ifndef PGSECCOMP_QUEUE_H
#define PGSECCOMP_QUEUE_H

#include "wire.h"

#include "storage/latch.h"

#define PGSECCOMP_ROWS_MAX		(96 * 1024)
#define PGSECCOMP_REQUEST_SLOTS	16

extern Size pgseccomp_queue_size(void);
extern void pgseccomp_queue_init(void);
extern bool pgseccomp_compile_remote(const StringInfo request,
									 CompiledFilter *result, HelperMessage *why);
extern void pgseccomp_worker_attach(void);
extern int	pgseccomp_next_requests(StringInfo batch, int *slots, int *ends);
extern void pgseccomp_finish_request(int slot, const HelperMessage *why,
									 const CompiledFilter *result);

#endif							/* PGSECCOMP_QUEUE_H */

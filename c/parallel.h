/*
 * parallel.h
 *		Parallel workers carry exactly their leader's filters.
 */
#ifndef PGSECCOMP_PARALLEL_H
#define PGSECCOMP_PARALLEL_H

#include "compat.h"

#include "storage/dsm.h"
#include "storage/lwlock.h"

#include "stack.h"

extern Size pgseccomp_leaders_size(void);
extern void pgseccomp_leaders_init(void);
extern dsm_segment *pgseccomp_client_segment(const ProcessStack *stack,
											 const CompiledFilter *next);
extern void pgseccomp_publish_stack(const ProcessStack *stack, dsm_segment *seg);
extern void pgseccomp_install_leader_stack(void);
extern void pgseccomp_leader_base_installed(int program);

#endif							/* PGSECCOMP_PARALLEL_H */

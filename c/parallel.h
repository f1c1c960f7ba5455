/*
 * parallel.h
 *		Parallel workers carry exactly their leader's filters.
 */
#ifndef PGSECCOMP_PARALLEL_H
#define PGSECCOMP_PARALLEL_H

#include "compat.h"

#include "storage/lwlock.h"

#include "confine.h"

extern Size pgseccomp_leaders_size(void);
extern void pgseccomp_leaders_init(LWLock *lock);
extern void pgseccomp_publish_stack(const ProcessStack *stack);
extern void pgseccomp_install_leader_stack(void);

#endif							/* PGSECCOMP_PARALLEL_H */

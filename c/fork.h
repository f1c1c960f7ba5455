/*
 * fork.h
 *		Confinement at fork, for the code that runs before any hook.
 */
#ifndef PGSECCOMP_FORK_H
#define PGSECCOMP_FORK_H

#include "compat.h"

extern void pgseccomp_fork_init(void);
extern void pgseccomp_fork_remember_static_workers(void);

#endif							/* PGSECCOMP_FORK_H */

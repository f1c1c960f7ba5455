/*
 * fork.h
 *		Confinement at fork, for the code that runs before any hook.
 */
#ifndef PGSECCOMP_FORK_H
#define PGSECCOMP_FORK_H

#include "compat.h"

extern void pgseccomp_fork_init(void);
extern void pgseccomp_fork_remember_static_workers(void);
extern bool pgseccomp_forking_helper;
extern bool pgseccomp_leader_base_at_fork;
extern int	pgseccomp_fork_base_program;

#endif							/* PGSECCOMP_FORK_H */

/*
 * registry.h
 *		Which program each confined process stacked first, as it said itself
 *		before it ran any role's code: what its parallel workers install.
 */
#ifndef PGSECCOMP_REGISTRY_H
#define PGSECCOMP_REGISTRY_H

#include "target.h"

extern void pgseccomp_registry_init(void);
extern void pgseccomp_registry_drain(void);
extern void pgseccomp_registry_forked(void);
extern bool pgseccomp_registry_announce(int program, const char *owner);
extern bool pgseccomp_registry_lookup(pid_t pid, uint64 start_ticks, int *program,
									  char *owner);

#endif							/* PGSECCOMP_REGISTRY_H */

/*
 * scope.h
 *		A Landlock domain of its own for every process pgseccomp confines.
 */
#ifndef PGSECCOMP_SCOPE_H
#define PGSECCOMP_SCOPE_H

#include "compat.h"

/* The wire's value when this kernel cannot scope processes (wire.h). */
#define PGSECCOMP_SCOPE_NONE	"none"

extern void pgseccomp_scope_init(void);
extern const char *pgseccomp_scope_name(void);
extern bool pgseccomp_scope_enter(char **why);

#endif							/* PGSECCOMP_SCOPE_H */

/*
 * keep.h
 *		Memory the postmaster keeps for the processes it forks, outside
 *		malloc's heap.
 */
#ifndef PGSECCOMP_KEEP_H
#define PGSECCOMP_KEEP_H

#include "postgres.h"

typedef struct Keep Keep;

extern Keep *pgseccomp_keep_create(void);
extern void pgseccomp_keep_free(Keep *keep);
extern void *pgseccomp_keep_alloc(Keep *keep, Size size);
extern void *pgseccomp_keep_copy(Keep *keep, const void *data, Size size);
extern char *pgseccomp_keep_strdup(Keep *keep, const char *s);

/* What lives as long as the postmaster. */
extern Keep *pgseccomp_kept(void);

#endif							/* PGSECCOMP_KEEP_H */

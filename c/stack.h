/*
 * stack.h
 *		What this process stacked on the global filter: the type that
 *		confine.c fills, client.c adds to and parallel.c publishes.
 */
#ifndef PGSECCOMP_STACK_H
#define PGSECCOMP_STACK_H

#include "compat.h"

#include "lib/stringinfo.h"

#include "store.h"

/* What this process stacked on the global filter. */
typedef struct ProcessStack
{
	const StoredTarget *base;	/* its session, role or type filter; NULL: none */
	int			base_program;	/* its program id; 0 none, -1 compiled here */
	const char *rows;			/* seccomp_filter() rows of the whole stack */
	const char *oci;			/* seccomp_export() texts of those rows */
	const char *systemd;
	StringInfoData clients;		/* the "[client]" sections of its calls */
	StringInfoData programs;	/* client programs: int32 length, instructions */
	int32		nclients;
	int			stack_insns;	/* what the stack counts against the kernel's limit */
} ProcessStack;

#endif							/* PGSECCOMP_STACK_H */

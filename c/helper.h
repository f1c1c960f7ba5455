/*
 * helper.h
 *		Compiles in helper processes: the only place the Go library runs.
 */
#ifndef PGSECCOMP_HELPER_H
#define PGSECCOMP_HELPER_H

#include "compat.h"

#include <linux/filter.h>

#include "lib/stringinfo.h"
#include "nodes/pg_list.h"

/* An error or warning from the helper, in PostgreSQL's style. */
typedef struct HelperMessage
{
	char	   *message;
	char	   *detail;			/* NULL if none */
	char	   *hint;			/* NULL if none */
} HelperMessage;

/* One compiled filter: a program, "none needed", or why it failed. */
typedef struct CompiledFilter
{
	bool		ok;
	HelperMessage error;		/* when !ok */
	bool		has_program;	/* false: the global filter already does it */
	int			ninsns;
	struct sock_filter *program;
	char	   *layout;			/* "linear" or "tree", or NULL */
	char	   *rows;			/* seccomp_filter() rows, NUL-terminated */
	char	   *notes;			/* warnings: "message US detail" lines, or NULL */
	char	   *lint;			/* seccomp_lint() rows, or NULL */
} CompiledFilter;

/* A decoded helper response. */
typedef struct HelperResponse
{
	CompiledFilter global;
	List	   *warnings;		/* of HelperMessage * */
	char	   *names;			/* what list items may name, '\n'-separated */
	char	   *errnos;			/* errno names, '\n'-separated */
	char	   *groups;			/* seccomp_groups() rows */
	char	   *facts;			/* what seccomp_suggest needs (c/suggest.c) */
	int			ntargets;
	CompiledFilter *targets;
} HelperResponse;

extern bool pgseccomp_run_helper(const StringInfo request,
								 HelperResponse *response, HelperMessage *why);
extern bool pgseccomp_compile_targets(const char *sections, int len, int ntargets,
									  HelperResponse *resp, HelperMessage *why);
extern void pgseccomp_prestart_helper(void);
extern bool pgseccomp_helpers_exiting(void);
extern bool pgseccomp_defer_reaping;

extern void pgseccomp_ereport_message(int elevel, const HelperMessage *msg);
extern void pgseccomp_ereport_notes(int elevel, const char *notes);

#endif							/* PGSECCOMP_HELPER_H */

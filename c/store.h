/*
 * store.h
 *		The filters the postmaster compiled, inherited by every process it
 *		forks: what a new process installs comes from here, never from
 *		memory that another process can write.
 */
#ifndef PGSECCOMP_STORE_H
#define PGSECCOMP_STORE_H

#include "compat.h"

#include "lib/stringinfo.h"
#include "nodes/pg_list.h"

#include "target.h"
#include "wire.h"

/* The compiled filter of one target for the current settings. */
typedef struct StoredTarget
{
	TargetKind	kind;
	char	   *name;			/* role or backend type; NULL for the session */
	char	   *section;		/* the request section it was compiled from */
	int			section_len;
	bool		ok;
	HelperMessage error;		/* when !ok: why its processes are refused */
	int			program;		/* program id; 0 when none is needed */
	bool		previous;		/* the settings failed: the last good filter */
	char	   *rows;			/* seccomp_filter() rows of global + this */
	char	   *lint;			/* seccomp_lint() rows */
	char	   *oci;			/* seccomp_export() texts of the rows */
	char	   *systemd;
	char	   *stricter;		/* per stored target: '1' if at least as strict; or NULL */
} StoredTarget;

/* A target being prepared: its kind, name and request section. */
typedef struct TargetRequest
{
	TargetKind	kind;
	char	   *name;
	StringInfoData section;
} TargetRequest;

extern List *pgseccomp_target_requests(void);
extern void pgseccomp_store_start(const HelperResponse *resp, List *requests);
extern const StoredTarget *pgseccomp_store_find(TargetKind kind, const char *name);
extern const StoredTarget *pgseccomp_store_targets(int *n);
extern const struct sock_filter *pgseccomp_store_program(int id, int *ninsns);
extern int	pgseccomp_store_compare(const StoredTarget *than, const StoredTarget *t);

/*
 * Learning filters are compiled with what their level already learned; the
 * compile worker has the postmaster recompile when that changed, at most
 * this often.
 */
#define PGSECCOMP_LEARN_RECOMPILE_SECS 10
extern char *pgseccomp_learned_sets(void);

/* The global filter's description and the groups, kept at start. */
extern const char *pgseccomp_global_rows;
extern const char *pgseccomp_global_oci;
extern const char *pgseccomp_global_systemd;
extern const char *pgseccomp_groups;
extern int	pgseccomp_global_ninsns;

#endif							/* PGSECCOMP_STORE_H */

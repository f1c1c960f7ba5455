/*
 * pgseccomp.h
 *		Declarations shared by the C layer of pgseccomp.
 *
 * The C layer is the only code loaded into PostgreSQL processes. Policy
 * (the grammar of settings, merging, BPF generation) lives in the Go
 * library, which only short-lived helper processes load: see helper.c.
 */
#ifndef PGSECCOMP_H
#define PGSECCOMP_H

#include "compat.h"

#include <linux/filter.h>

#include "lib/stringinfo.h"
#include "nodes/pg_list.h"
#include "storage/lwlock.h"

/* Actions, in the kernel's order of precedence. */
typedef enum SeccompAction
{
	SECCOMP_ACTION_ALLOW,
	SECCOMP_ACTION_LOG,
	SECCOMP_ACTION_ERROR,
	SECCOMP_ACTION_KILL
} SeccompAction;

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
	int			ntargets;
	CompiledFilter *targets;
} HelperResponse;

/* settings.c */
extern bool pgseccomp_enabled;
extern void pgseccomp_define_settings(void);
extern void pgseccomp_set_lexicon(const char *names, const char *errnos);
extern void pgseccomp_request_global(StringInfo buf);
extern void pgseccomp_request_target(StringInfo buf, const char *role);
extern bool pgseccomp_role_is_listed(const char *role);
extern List *pgseccomp_listed_roles(void);

/* helper.c */
extern bool pgseccomp_run_helper(const StringInfo request,
								 HelperResponse *response, HelperMessage *why);
extern void pgseccomp_prestart_helper(void);
extern bool pgseccomp_helpers_exiting(void);

/* install.c */
#define PGSECCOMP_MAX_INSNS_PER_PATH	32768	/* the kernel's limit on a stack */
extern bool pgseccomp_confine(char **why);
extern bool pgseccomp_install(const struct sock_filter *program, int ninsns,
							  char **why);

/* cache.c: shared memory, the filter cache and the compile queue */
#define PGSECCOMP_CACHE_ENTRIES	32
#define PGSECCOMP_ROWS_MAX		(48 * 1024)
#define PGSECCOMP_REQUEST_MAX	(128 * 1024)
#define PGSECCOMP_REQUEST_SLOTS	4

typedef enum RequestKind
{
	REQUEST_TARGET,				/* a "[target]" section, compiled into the cache */
	REQUEST_CLIENT				/* a target with "[client]" sections, answered directly */
} RequestKind;

typedef struct TargetFilter
{
	uint8		key[PGSECCOMP_KEY_LEN];
	CompiledFilter filter;
} TargetFilter;

extern Size pgseccomp_shmem_size(void);
extern void pgseccomp_shmem_init(void);
extern void pgseccomp_target_key(const StringInfo section, uint8 *key);
extern bool pgseccomp_cache_lookup(const uint8 *key, CompiledFilter *out);
extern void pgseccomp_cache_store(const uint8 *key, const CompiledFilter *filter);
extern bool pgseccomp_compile_remote(RequestKind kind, const StringInfo request,
									 CompiledFilter *result, HelperMessage *why);
extern void pgseccomp_worker_attach(void);
extern bool pgseccomp_next_request(StringInfo request, RequestKind *kind, int *slot);
extern void pgseccomp_finish_request(int slot, const HelperMessage *why,
									 const CompiledFilter *result);

/* parallel.c */
extern Size pgseccomp_leaders_size(void);
extern void pgseccomp_leaders_init(LWLock *lock);
extern void pgseccomp_define_parallel_setting(void);
extern void pgseccomp_become_leader(void);
extern void pgseccomp_leader_changed(void);
extern void pgseccomp_publish_for_workers(void);

/* worker.c */
extern void pgseccomp_register_worker(void);
extern PGDLLEXPORT void pgseccomp_worker_main(Datum arg);

/* session.c */
extern const char *pgseccomp_global_rows;
extern const char *pgseccomp_groups;
extern int	pgseccomp_global_ninsns;

/* What this backend has loaded, for seccomp_filter() and set_client_filter. */
typedef struct SessionState
{
	StringInfoData section;		/* the "[target]" section it was built from */
	StringInfoData clients;		/* the "[client]" sections of its calls */
	char	   *rows;			/* the merged description of its stack */
	char	   *lint;			/* seccomp_lint() rows of its settings */
	int			stack_insns;	/* what its stack counts against the kernel's limit */
	StringInfoData programs;	/* what it stacked on the global filter: per
								 * program, int32 length and instructions */
	int32		nprograms;
	uint32		generation;		/* bumped with each program stacked */
	uint32		published;		/* generation published for parallel workers */
} SessionState;

extern SessionState *pgseccomp_session;
extern void pgseccomp_session_add_program(SessionState *s, const CompiledFilter *f);
extern void pgseccomp_client_authentication(void *port, int status);
extern void pgseccomp_keep_start_result(const HelperResponse *resp, List *keys);
extern void pgseccomp_seed_cache(void);
extern void pgseccomp_ereport_message(int elevel, const HelperMessage *msg);
extern void pgseccomp_ereport_notes(int elevel, const char *notes);

#endif							/* PGSECCOMP_H */

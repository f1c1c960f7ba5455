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
} CompiledFilter;

/* A decoded helper response. */
typedef struct HelperResponse
{
	CompiledFilter global;
	List	   *warnings;		/* of HelperMessage * */
	char	   *names;			/* the native syscall table, '\n'-separated */
	int			ntargets;
	CompiledFilter *targets;
} HelperResponse;

/* settings.c */
extern bool pgseccomp_enabled;
extern void pgseccomp_define_settings(void);
extern void pgseccomp_set_syscall_names(const char *names);
extern void pgseccomp_request_global(StringInfo buf);
extern void pgseccomp_request_target(StringInfo buf, const char *role);
extern bool pgseccomp_role_is_listed(const char *role);
extern List *pgseccomp_listed_roles(void);

/* helper.c */
extern bool pgseccomp_run_helper(const StringInfo request,
								 HelperResponse *response, HelperMessage *why);

/* install.c */
extern bool pgseccomp_install(const struct sock_filter *program, int ninsns,
							  char **why);

/* cache.c: shared memory, the filter cache and the compile queue */
#define PGSECCOMP_CACHE_ENTRIES	32
#define PGSECCOMP_ROWS_MAX		(48 * 1024)
#define PGSECCOMP_REQUEST_MAX	(128 * 1024)
#define PGSECCOMP_REQUEST_SLOTS	4

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
extern bool pgseccomp_compile_remote(const StringInfo section, HelperMessage *why);
extern void pgseccomp_worker_attach(void);
extern bool pgseccomp_next_request(StringInfo section, int *slot);
extern void pgseccomp_finish_request(int slot, const HelperMessage *why);

/* worker.c */
extern void pgseccomp_register_worker(void);
extern PGDLLEXPORT void pgseccomp_worker_main(Datum arg);

/* session.c */
extern const char *pgseccomp_global_rows;
extern const char *pgseccomp_session_rows;
extern void pgseccomp_client_authentication(void *port, int status);
extern void pgseccomp_keep_start_result(const HelperResponse *resp, List *keys);
extern void pgseccomp_seed_cache(void);
extern void pgseccomp_ereport_message(int elevel, const HelperMessage *msg);

#endif							/* PGSECCOMP_H */

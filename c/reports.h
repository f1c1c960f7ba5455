/*
 * reports.h
 *		Denials and learned syscalls, in shared memory, and their SQL.
 */
#ifndef PGSECCOMP_REPORTS_H
#define PGSECCOMP_REPORTS_H

#include "postgres.h"

#include "datatype/timestamp.h"

#include "target.h"

/* One learned syscall, as seccomp_learned() and seccomp_suggest() read it. */
typedef struct LearnedSyscall
{
	int32		nr;
	int32		level;			/* PGSECCOMP_LEVEL_GLOBAL or _SESSION */
	Oid			roleid;
	Oid			loginid;		/* the session's role: whose statement query is */
	char		owner[PGSECCOMP_OWNER_LEN];	/* "G", or the session-level owner */
	char		type[48];
	char		query[200];
	int64		calls;
	TimestampTz first;
	TimestampTz last;
} LearnedSyscall;

extern void pgseccomp_reports_init(void);

/* From the SIGSYS handler: async-signal-safe, no syscall of their own. */
extern void pgseccomp_report_denial(int nr, int err, int level);
extern void pgseccomp_report_learned(int nr, bool global, bool session);

/* What the reports say about this process, set as it becomes it. */
extern char pgseccomp_process_owner[PGSECCOMP_OWNER_LEN];	/* its session-level filter's */
extern bool pgseccomp_process_is_helper;
extern bool pgseccomp_process_forked;	/* a child of the postmaster */
extern bool pgseccomp_process_authenticated;	/* a client backend or walsender past authentication */
extern void pgseccomp_set_process_owner(TargetKind kind, const char *name);
extern void pgseccomp_set_process_owner_key(const char *key);
extern bool pgseccomp_level_learns(int level, const char *owner);
extern void pgseccomp_report_process_type(char *buf);	/* buf: sizeof(LearnedSyscall.type) */
extern uint64 pgseccomp_learned_resets(void);	/* seccomp_learned_reset() calls so far */

extern int	pgseccomp_learned_collect(LearnedSyscall **out);
/* What a learning level observed of one backend type. */
typedef struct Observation
{
	int32		level;
	char		owner[PGSECCOMP_OWNER_LEN];
	char		type[sizeof(((LearnedSyscall *) 0)->type)];
	int64		processes;
	TimestampTz first;
	TimestampTz last;
} Observation;

extern int	pgseccomp_observed_collect(Observation **out);

/* Count this process for the learning levels that confine it, now that it is confined. */
extern void pgseccomp_observe_process(void);

/* In the compile worker: keep what was learned on disk for the next start. */
extern void pgseccomp_persist_learned_tick(void);
extern bool pgseccomp_learned_readable(void);

/* In the compile worker: write new denials to the server log. */
extern void pgseccomp_log_denials(void);

#endif							/* PGSECCOMP_REPORTS_H */

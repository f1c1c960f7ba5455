/*
 * settings.h
 *		pgseccomp's settings and the request sections built from them.
 */
#ifndef PGSECCOMP_SETTINGS_H
#define PGSECCOMP_SETTINGS_H

#include "compat.h"

#include "lib/stringinfo.h"
#include "nodes/pg_list.h"

#include "target.h"

/* Actions: allow to kill in the kernel's order of precedence, then learn. */
typedef enum SeccompAction
{
	SECCOMP_ACTION_ALLOW,
	SECCOMP_ACTION_LOG,
	SECCOMP_ACTION_ERROR,
	SECCOMP_ACTION_KILL,
	SECCOMP_ACTION_LEARN		/* a default only: allow, and record */
} SeccompAction;

/* The settings of a level: allow, log, error, kill (its lists), default. */
#define PGSECCOMP_NFIELDS 5
#define PGSECCOMP_NLISTS 4
extern const char *const pgseccomp_fields[PGSECCOMP_NFIELDS];

extern bool pgseccomp_enabled;
extern void pgseccomp_define_settings(void);
extern void pgseccomp_set_lexicon(const char *names, const char *errnos);
extern void pgseccomp_request_global(StringInfo buf);
extern void pgseccomp_request_target(StringInfo buf, TargetKind kind, const char *name);
extern bool pgseccomp_target_matches(const char *section, int len, TargetKind kind,
									 const char *name);
extern List *pgseccomp_listed_roles(void);
extern List *pgseccomp_listed_types(void);
extern bool pgseccomp_is_override_name(const char *name);

/* Called by the settings' assign hooks in the postmaster: see store.c. */
typedef void (*SettingsChanged) (void);
extern void pgseccomp_on_settings_changed(SettingsChanged fn);

#endif							/* PGSECCOMP_SETTINGS_H */

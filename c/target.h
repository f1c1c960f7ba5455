/*
 * target.h
 *		What a filter is built for (the session, a listed role, a listed
 *		backend type), whose it is (owner keys), and the levels a filter
 *		decides at: shared by the files that compile, install and report.
 */
#ifndef PGSECCOMP_TARGET_H
#define PGSECCOMP_TARGET_H

#include "compat.h"
#include "miscadmin.h"

/* What a filter is built for: the session, a listed role or a backend type. */
typedef enum TargetKind
{
	TARGET_SESSION,
	TARGET_ROLE,
	TARGET_TYPE
} TargetKind;

/* An owner key: "S", "R:<role>" or "T:<type>"; "G" for the global level. */
#define PGSECCOMP_OWNER_LEN (NAMEDATALEN + 3)

/* Levels, as the filters' trap data numbers them (internal/bpf/trap.go). */
#define PGSECCOMP_LEVEL_GLOBAL 1
#define PGSECCOMP_LEVEL_SESSION 2
#define PGSECCOMP_LEVEL_CLIENT 3

extern void pgseccomp_owner_key(TargetKind kind, const char *name, char *key);
extern const char *pgseccomp_level_name(int level);
extern char *pgseccomp_owner_setting(int level, const char *owner, const char *field);
extern const char *pgseccomp_learning_setting(int level, const char *owner);
extern const char *pgseccomp_type_key(const char *desc);
extern bool pgseccomp_type_reaches_hooks(BackendType type);

#endif							/* PGSECCOMP_TARGET_H */

/*
 * trap.h
 *		The SIGSYS handler through which filters report denials and learn.
 */
#ifndef PGSECCOMP_TRAP_H
#define PGSECCOMP_TRAP_H

#include "store.h"

/* The 16 bits of trap data: see hooks/trap.go. */
#define PGSECCOMP_TRAP_ERRNO_MASK 0xfff
#define PGSECCOMP_TRAP_LEVEL(data) (((data) >> 12) & 3)
#define PGSECCOMP_TRAP_LEARN_GLOBAL 0x4000
#define PGSECCOMP_TRAP_LEARN_SESSION 0x8000

#define PGSECCOMP_LEVEL_GLOBAL 1
#define PGSECCOMP_LEVEL_SESSION 2
#define PGSECCOMP_LEVEL_CLIENT 3

/* whose session-level filter this process has: see pgseccomp_owner_key */
extern char pgseccomp_trap_owner[PGSECCOMP_OWNER_LEN];
extern bool pgseccomp_trap_in_helper;
extern bool pgseccomp_trap_forked;

extern bool pgseccomp_trap_init(char **why);
extern const char *pgseccomp_trap_ranges(void);
extern void pgseccomp_trap_set_owner(TargetKind kind, const char *name);
extern void pgseccomp_trap_set_owner_key(const char *key);
extern const char *pgseccomp_level_name(int level);

#endif							/* PGSECCOMP_TRAP_H */

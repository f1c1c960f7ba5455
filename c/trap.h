/*
 * trap.h
 *		The SIGSYS handler through which filters report denials and learn.
 */
#ifndef PGSECCOMP_TRAP_H
#define PGSECCOMP_TRAP_H

#include "compat.h"

/* The 16 bits of trap data: see internal/bpf/trap.go. */
#define PGSECCOMP_TRAP_ERRNO_MASK 0xfff
#define PGSECCOMP_TRAP_LEVEL(data) (((data) >> 12) & 3)
#define PGSECCOMP_TRAP_LEARN_GLOBAL 0x4000
#define PGSECCOMP_TRAP_LEARN_SESSION 0x8000

extern bool pgseccomp_trap_init(char **why);
extern const char *pgseccomp_trap_ranges(void);

#endif							/* PGSECCOMP_TRAP_H */

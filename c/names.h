/*
 * names.h
 *		Syscall and errno names, from the table the helper handed the
 *		postmaster at start (inherited by every process it forks). The Go
 *		library holds the one table; nothing here decides a name.
 */
#ifndef PGSECCOMP_NAMES_H
#define PGSECCOMP_NAMES_H

#include "compat.h"

/* Native syscall numbers below this have names here. */
#define PGSECCOMP_MAX_NR 1024

extern void pgseccomp_set_names(const char *facts);
extern const char *pgseccomp_syscall_name(int nr);
extern int	pgseccomp_syscall_number(const char *name);
extern const char *pgseccomp_syscall_text(int nr);
extern const char *pgseccomp_errno_text(int err);

#endif							/* PGSECCOMP_NAMES_H */

/*
 * install.h
 *		Stacking a compiled BPF program on the filters of this process.
 */
#ifndef PGSECCOMP_INSTALL_H
#define PGSECCOMP_INSTALL_H

#include "compat.h"

#include <linux/filter.h>

#define PGSECCOMP_MAX_INSNS_PER_PATH	32768	/* the kernel's limit on a stack */

extern bool pgseccomp_confine(char **why);
extern bool pgseccomp_install(const struct sock_filter *program, int ninsns,
							  char **why);

#endif							/* PGSECCOMP_INSTALL_H */

/*
 * procfs.h
 *		What the kernel says about processes, from /proc and the clocks.
 */
#ifndef PGSECCOMP_PROCFS_H
#define PGSECCOMP_PROCFS_H

#include "compat.h"

#include <sys/types.h>

extern uint64 pgseccomp_boot_ticks(void);
extern uint64 pgseccomp_process_start_ticks(pid_t pid);
extern int	pgseccomp_process_filters(pid_t pid);

#endif							/* PGSECCOMP_PROCFS_H */

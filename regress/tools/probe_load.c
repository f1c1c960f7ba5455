/*
 * probe_load.c
 *		A library a session LOADs: its _PG_init logs the PID, how many
 *		seccomp filters the process carries when the library's code first
 *		runs, and whether the process is a parallel worker.
 */
#include "postgres.h"

#include <stdio.h>

#include "access/parallel.h"
#include "fmgr.h"
#include "miscadmin.h"

#include "seccomp_status.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

void
_PG_init(void)
{
	elog(LOG, "probe_load pid %d filters %d parallel_worker %d",
		 (int) MyProcPid, seccomp_filters(), IsParallelWorker() ? 1 : 0);
}

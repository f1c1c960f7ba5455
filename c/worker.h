/*
 * worker.h
 *		The "pgseccomp compiler" background worker.
 */
#ifndef PGSECCOMP_WORKER_H
#define PGSECCOMP_WORKER_H

#include "compat.h"

extern void pgseccomp_register_worker(void);
extern PGDLLEXPORT void pgseccomp_worker_main(Datum arg);

#endif							/* PGSECCOMP_WORKER_H */

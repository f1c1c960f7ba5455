/*
 * helper.h
 *		Compiles in helper processes: the only place the Go library runs.
 */
#ifndef PGSECCOMP_HELPER_H
#define PGSECCOMP_HELPER_H

#include "wire.h"

extern bool pgseccomp_run_helper(const StringInfo request,
								 HelperResponse *response, HelperMessage *why);
extern void pgseccomp_prestart_helper(void);
extern bool pgseccomp_helpers_exiting(void);
extern bool pgseccomp_defer_reaping;
extern bool pgseccomp_forking_helper;

#endif							/* PGSECCOMP_HELPER_H */

/*
 * helper.h
 *		Compiles in helper processes: the only place the Go library runs.
 */
#ifndef PGSECCOMP_HELPER_H
#define PGSECCOMP_HELPER_H

#include "wire.h"

extern bool pgseccomp_run_helper(const StringInfo request,
								 HelperResponse *response, HelperMessage *why);
extern bool pgseccomp_compile_targets(const char *sections, int len, int ntargets,
									  HelperResponse *resp, HelperMessage *why);
extern void pgseccomp_prestart_helper(void);
extern bool pgseccomp_helpers_exiting(void);
extern bool pgseccomp_defer_reaping;

#endif							/* PGSECCOMP_HELPER_H */

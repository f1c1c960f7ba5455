/*
 * compile.h
 *		Compile target sections against the current global settings.
 */
#ifndef PGSECCOMP_COMPILE_H
#define PGSECCOMP_COMPILE_H

#include "wire.h"

extern bool pgseccomp_compile_targets(const char *sections, int len, int ntargets,
									  HelperResponse *resp, HelperMessage *why);

#endif							/* PGSECCOMP_COMPILE_H */

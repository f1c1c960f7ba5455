/*
 * compile.c
 *		Compile target sections against the current global settings, in
 *		one helper run.
 */
#include "compile.h"

#include "helper.h"
#include "settings.h"

/*
 * Compile target sections against the current global settings in one
 * helper run; they must come back as ntargets answers.
 */
bool
pgseccomp_compile_targets(const char *sections, int len, int ntargets,
						  HelperResponse *resp, HelperMessage *why)
{
	StringInfoData request;

	initStringInfo(&request);
	pgseccomp_request_global(&request);
	appendBinaryStringInfo(&request, sections, len);
	if (!pgseccomp_run_helper(&request, resp, why))
		return false;
	if (!resp->global.ok)
	{
		*why = resp->global.error;
		return false;
	}
	if (resp->ntargets != ntargets)
	{
		pgseccomp_set_message(why, "pgseccomp helper answered for the wrong number of targets",
							  psprintf("%d answers for %d targets.", resp->ntargets, ntargets), NULL);
		return false;
	}
	return true;
}

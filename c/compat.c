/*
 * compat.c
 *		Implementations behind the version shims of compat.h.
 */
#include "compat.h"

#include "miscadmin.h"
#include "utils/guc_tables.h"
#include "utils/tuplestore.h"

struct config_generic **
pgseccomp_guc_variables(int *num)
{
#if PG_VERSION_NUM >= 160000
	return get_guc_variables(num);
#else
	*num = GetNumConfigOptions();
	return get_guc_variables();
#endif
}

#ifdef PGSECCOMP_NEED_MATERIALIZE
void
pgseccomp_materialize(FunctionCallInfo fcinfo)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MemoryContext oldcontext;
	TupleDesc	tupdesc;

	if (rsinfo == NULL || !IsA(rsinfo, ReturnSetInfo) ||
		!(rsinfo->allowedModes & SFRM_Materialize))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("set-valued function called in context that cannot accept a set")));
	oldcontext = MemoryContextSwitchTo(rsinfo->econtext->ecxt_per_query_memory);
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	rsinfo->returnMode = SFRM_Materialize;
	rsinfo->setResult = tuplestore_begin_heap(true, false, work_mem);
	rsinfo->setDesc = CreateTupleDescCopy(tupdesc);
	MemoryContextSwitchTo(oldcontext);
}
#endif

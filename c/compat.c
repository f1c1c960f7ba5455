/*
 * compat.c
 *		Implementations behind the version shims of compat.h.
 */
#include "compat.h"

#include "miscadmin.h"
#include "postmaster/bgworker_internals.h"
#if PGSECCOMP_PMCHILD
#include "postmaster/postmaster.h"
#endif
#include "utils/guc_tables.h"

struct config_generic **
pgseccomp_guc_variables(int *num)
{
#if PGSECCOMP_GUC_VARIABLES_NUM
	return get_guc_variables(num);
#else
	*num = GetNumConfigOptions();
	return get_guc_variables();
#endif
}

/*
 * The postmaster marks the worker it starts before it forks: in 15 it sets
 * the worker's rw_backend while rw_pid is still 0; in 18 it assigns the
 * worker a PMChild entry (rw set, pid still 0). Exactly one such worker, or
 * none; *unknown is set when there are more, a state this code does not
 * know, in which the caller must fail closed.
 */
struct RegisteredBgWorker *
pgseccomp_forking_bgworker(bool *unknown)
{
	RegisteredBgWorker *found = NULL;
#if PGSECCOMP_PMCHILD
	dlist_iter	iter;

	*unknown = false;
	dlist_foreach(iter, &ActiveChildList)
	{
		PMChild    *bn = dlist_container(PMChild, elem, iter.cur);

		if (bn->bkend_type == B_BG_WORKER && bn->pid == 0 && bn->rw != NULL &&
			bn->rw->rw_pid == 0)
		{
			if (found)
			{
				*unknown = true;
				return NULL;
			}
			found = bn->rw;
		}
	}
#else
	PGSECCOMP_BGWORKER_ITER iter;

	*unknown = false;
	PGSECCOMP_BGWORKER_FOREACH(iter)
	{
		RegisteredBgWorker *rw = PGSECCOMP_BGWORKER(iter);

		if (rw->rw_pid == 0 && rw->rw_backend != NULL)
		{
			if (found)
			{
				*unknown = true;
				return NULL;
			}
			found = rw;
		}
	}
#endif
	return found;
}

const char *
pgseccomp_io_method(void)
{
#if PGSECCOMP_AIO
	const char *value = GetConfigOption("io_method", true, false);

	return value ? value : "";
#else
	return "";
#endif
}

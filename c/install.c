/*
 * install.c
 *		Install a compiled BPF program as a seccomp filter of this process.
 *
 * This is all a connection pays for its session filter: the program was
 * compiled ahead of time by a helper, so installing it is one seccomp(2).
 */
#include "install.h"
#include "scope.h"

#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/*
 * Once, in the postmaster, before its first filter; every process forked
 * from it inherits both settings.
 */
bool
pgseccomp_confine(char **why)
{
	/* Another process of the same user must not ptrace its way around it. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
	{
		*why = psprintf("prctl(PR_SET_DUMPABLE) failed: %m");
		return false;
	}
	/* Required for an unprivileged seccomp(2), and kept across execve(). */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
	{
		*why = psprintf("prctl(PR_SET_NO_NEW_PRIVS) failed: %m");
		return false;
	}
	return true;
}

/*
 * Stack a filter on this process: one seccomp(2). With its first filter
 * beyond the postmaster's global one, a process also enters a Landlock
 * domain of its own (scope.c), before the filter that could deny it.
 */
bool
pgseccomp_install(const struct sock_filter *program, int ninsns, char **why)
{
	struct sock_fprog prog = {
		.len = (unsigned short) ninsns,
		.filter = (struct sock_filter *) program,
	};

	/* .len is 16 bits: a longer program must not install its first part. */
	if (ninsns <= 0 || ninsns > BPF_MAXINSNS)
	{
		*why = psprintf("a filter of %d instructions cannot be installed (at most %d)",
						ninsns, BPF_MAXINSNS);
		errno = EINVAL;
		return false;
	}
	if (!pgseccomp_scope_enter(why))
		return false;
	/* FLAG_LOG: denials of every kind reach the kernel log, errno ones too. */
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_LOG, &prog) < 0)
	{
		int			err = errno;

		*why = psprintf("seccomp(SECCOMP_SET_MODE_FILTER) failed: %m");
		errno = err;			/* the caller's hint depends on it */
		return false;
	}
	return true;
}

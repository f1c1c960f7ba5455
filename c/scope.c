/*
 * scope.c
 *		A Landlock domain of its own for every process pgseccomp confines.
 *
 * Backends are not dumpable, but a program that a process runs is (exec
 * resets it), and so are the shells of archive_command and
 * restore_command, which only the global filter confines. Without more, a
 * program a confined session starts could ptrace such a process, write
 * its memory through /proc/<pid>/mem or process_vm_writev, or take its
 * file descriptors with pidfd_getfd, and make it do what its own filters
 * deny.
 *
 * A Landlock domain limits all of these (the kernel's ptrace access check)
 * to processes in the same domain or one nested in it. So each process
 * enters a domain of its own as it stacks its first filter beyond the
 * global one (install.c): its own children inherit the domain and stay
 * within its reach, but the postmaster, auxiliary processes and the
 * programs they run, helpers, the compile worker and every other confined
 * process are outside it. The postmaster enters none.
 *
 * The domain should restrict nothing else. Landlock refuses a ruleset that
 * handles nothing; measured on 6.18 (ABI 7):
 *
 *	- handling LANDLOCK_ACCESS_FS_REFER alone, granted beneath "/" by one
 *	  rule (ABI 2): reparenting (rename and link across directories), which
 *	  Landlock denies in any domain that handles a filesystem right unless
 *	  a rule grants it, stays allowed everywhere; what a domain that
 *	  handles filesystem rights also denies is mount, umount and
 *	  pivot_root, which need CAP_SYS_ADMIN: in this server's processes
 *	  only after they made a user namespace;
 *	- scoping abstract unix sockets alone (ABI 6): it would refuse
 *	  connections to abstract sockets of processes outside the domain,
 *	  which PostgreSQL makes itself for a unix_socket_directories entry
 *	  that starts with "@", and libpq connects to (dblink, postgres_fdw,
 *	  subscriptions).
 *
 * So the first, which also runs on older kernels. Signals are not scoped:
 * backends wake each other and the postmaster with them.
 *
 * The ruleset is built once, here in the postmaster, and inherited: a
 * process pays landlock_restrict_self(2) alone. Another process that adds
 * a rule to it can only grant REFER somewhere beneath "/", granted already.
 *
 * Without Landlock (a kernel without it, one that disables it, or ABI 1,
 * which always denies reparenting), processes enter no domain and
 * seccomp_lint() says what remains open (internal/policy/scope.go).
 */
#include "scope.h"

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#define SYS_landlock_add_rule 445
#define SYS_landlock_restrict_self 446
#endif

/* From linux/landlock.h, which older headers lack or have in part. */
#define LL_CREATE_RULESET_VERSION	(1U << 0)
#define LL_RULE_PATH_BENEATH		1
#define LL_ACCESS_FS_REFER			(1ULL << 13)

struct ll_ruleset_attr
{
	uint64		handled_access_fs;
};

struct ll_path_beneath_attr
{
	uint64		allowed_access;
	int32		parent_fd;
} __attribute__((packed));

/* The postmaster's ruleset, inherited; -1 where there is none. */
static int	ruleset = -1;
static int	abi = 0;

/*
 * The process that entered a domain: its children must enter their own.
 * Initialized, so that it sits in .data beside the ruleset, on the page of
 * the module's statics that every confined process writes anyway, and the
 * write costs no page fault of its own.
 */
static pid_t in_domain = -1;

/*
 * In the postmaster, before its filter. A kernel without Landlock is no
 * error: lint says what it leaves open.
 */
void
pgseccomp_scope_init(void)
{
	struct ll_ruleset_attr attr = {.handled_access_fs = LL_ACCESS_FS_REFER};
	struct ll_path_beneath_attr root = {.allowed_access = LL_ACCESS_FS_REFER};
	long		version;
	int			fd;

	in_domain = getpid();		/* the postmaster enters none */
	version = syscall(SYS_landlock_create_ruleset, NULL, 0, LL_CREATE_RULESET_VERSION);
	if (version < 2)
	{
		ereport(LOG,
				(errmsg("pgseccomp cannot keep confined processes from acting through less confined ones"),
				 version < 0 ?
				 errdetail("Landlock is not available: %m.") :
				 errdetail("Landlock ABI %ld denies renaming files across directories.", version),
				 errhint("seccomp_lint() says which syscalls to deny instead.")));
		return;
	}
	fd = syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
	root.parent_fd = open("/", O_PATH | O_CLOEXEC);
	if (fd < 0 || root.parent_fd < 0 ||
		syscall(SYS_landlock_add_rule, fd, LL_RULE_PATH_BENEATH, &root, 0) < 0)
		ereport(FATAL,
				(errcode(ERRCODE_SYSTEM_ERROR),
				 errmsg("could not build the pgseccomp Landlock ruleset: %m")));
	close(root.parent_fd);
	ruleset = fd;
	abi = (int) version;
}

/* For the wire: the Landlock ABI that scopes processes, or "none". */
const char *
pgseccomp_scope_name(void)
{
	return ruleset < 0 ? PGSECCOMP_SCOPE_NONE : psprintf("landlock %d", abi);
}

/*
 * Enter a new domain, once per process: on the connection path, one
 * syscall. Fails only where the filters this process inherited deny it.
 */
bool
pgseccomp_scope_enter(char **why)
{
	pid_t		me;

	if (ruleset < 0 || in_domain == (me = getpid()))
		return true;
	if (syscall(SYS_landlock_restrict_self, ruleset, 0) < 0)
	{
		int			err = errno;

		*why = psprintf("landlock_restrict_self failed: %m");
		errno = err;
		return false;
	}
	in_domain = me;
	return true;
}

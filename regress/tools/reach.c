/*
 * reach: whether this process can act through other processes: ptrace
 * (PTRACE_SEIZE, then detach), open /proc/<pid>/mem for writing,
 * process_vm_writev (to an address no process maps, so that nothing is
 * written: the access check comes first), and pidfd_getfd (of fd 0).
 *
 * Usage: reach PID... | reach child
 * Prints one line per pid: "PID ptrace=R mem=R vm_writev=R getfd=R", where
 * R is "ok" when the kernel let this process at the target (EFAULT from
 * process_vm_writev counts as ok: the target was reached) and the errno's
 * name otherwise. "child" tries the same on a child this process forks.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif

static const char *
result(long rc, int err)
{
	if (rc >= 0)
		return "ok";
	switch (err)
	{
		case EPERM:
			return "EPERM";
		case EACCES:
			return "EACCES";
		case ESRCH:
			return "ESRCH";
		case ENOSYS:
			return "ENOSYS";
		default:
			return strerror(err);
	}
}

static void
reach(pid_t pid)
{
	char		path[64];
	char		byte = 0;
	struct iovec local = {&byte, 1};
	struct iovec remote = {(void *) 16, 1};	/* never mapped */
	const char *r_ptrace, *r_mem, *r_vm, *r_getfd;
	long		rc;
	int			fd;

	rc = ptrace(PTRACE_SEIZE, pid, NULL, NULL);
	r_ptrace = result(rc, errno);
	if (rc == 0)
		ptrace(PTRACE_DETACH, pid, NULL, NULL);

	snprintf(path, sizeof(path), "/proc/%d/mem", (int) pid);
	fd = open(path, O_RDWR);
	r_mem = result(fd, errno);
	if (fd >= 0)
		close(fd);

	rc = process_vm_writev(pid, &local, 1, &remote, 1, 0);
	r_vm = result(rc < 0 && errno == EFAULT ? 0 : rc, errno);

	fd = syscall(SYS_pidfd_open, pid, 0);
	if (fd < 0)
		r_getfd = result(fd, errno);
	else
	{
		rc = syscall(SYS_pidfd_getfd, fd, 0, 0);
		r_getfd = result(rc, errno);
		if (rc >= 0)
			close((int) rc);
		close(fd);
	}
	printf("%d ptrace=%s mem=%s vm_writev=%s getfd=%s\n", (int) pid, r_ptrace, r_mem, r_vm, r_getfd);
	fflush(stdout);
}

int
main(int argc, char **argv)
{
	int			i;

	if (argc < 2)
	{
		fprintf(stderr, "usage: reach PID... | reach child\n");
		return 2;
	}
	if (strcmp(argv[1], "child") == 0)
	{
		pid_t		child = fork();

		if (child == 0)
		{
			pause();
			_exit(0);
		}
		reach(child);
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
		return 0;
	}
	for (i = 1; i < argc; i++)
		reach((pid_t) atoi(argv[i]));
	return 0;
}

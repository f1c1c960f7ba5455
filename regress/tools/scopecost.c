/*
 * scopecost: what entering a Landlock domain costs a process forked as a
 * backend is, beside seccomp(2): in a fresh child of this process, the
 * time and the minor faults of
 *
 *	inherited:   landlock_restrict_self(2) with a ruleset this process
 *	             built before the fork (what pgseccomp does, c/scope.c);
 *	per-process: building that ruleset in the child (create, open "/",
 *	             add a rule) and restricting itself;
 *	seccomp:     seccomp(2) of a 2-instruction program that allows all,
 *	             on top of a first one, for scale (a real session filter
 *	             costs more; regress/tools/attach.c times those).
 *
 * Rounds alternate the three. Usage: scopecost [rounds] (default 301).
 * Prints per kind the median, 10th and 90th percentile in microseconds
 * and the median of minor faults.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#define SYS_landlock_add_rule 445
#define SYS_landlock_restrict_self 446
#endif
#define REFER (1ULL << 13)

struct path_beneath
{
	uint64_t	allowed_access;
	int32_t		parent_fd;
} __attribute__((packed));

enum
{
	INHERITED, PER_PROCESS, SECCOMP, KINDS
};
static const char *const kind_names[] = {"inherited", "per-process", "seccomp"};

static struct sock_filter allow_all[] = {
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0),
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
};
static struct sock_fprog allow_prog = {2, allow_all};

static int
ruleset(void)
{
	uint64_t	handled = REFER;
	struct path_beneath root = {.allowed_access = REFER};
	int			fd = syscall(SYS_landlock_create_ruleset, &handled, sizeof(handled), 0);

	root.parent_fd = open("/", O_PATH | O_CLOEXEC);
	if (fd < 0 || root.parent_fd < 0 ||
		syscall(SYS_landlock_add_rule, fd, 1, &root, 0) != 0)
	{
		perror("scopecost: ruleset");
		exit(1);
	}
	close(root.parent_fd);
	return fd;
}

static long
minflt(void)
{
	struct rusage ru;

	return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_minflt : -1;
}

static int
by_value(const void *a, const void *b)
{
	long		x = *(const long *) a,
				y = *(const long *) b;

	return x < y ? -1 : x > y;
}

/* One child: nanoseconds and faults of kind, or -1. */
static void
measure(int kind, int inherited, long *ns, long *faults)
{
	long		out[2] = {-1, -1};
	int			fds[2];
	pid_t		pid;

	if (pipe(fds) != 0 || (pid = fork()) < 0)
	{
		perror("scopecost");
		exit(1);
	}
	if (pid == 0)
	{
		struct timespec a,
					b;
		long		f0;
		int			rc;

		clock_gettime(CLOCK_MONOTONIC, &a);	/* fault the vDSO data in first */
		f0 = minflt();
		clock_gettime(CLOCK_MONOTONIC, &a);
		if (kind == SECCOMP)
			rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_LOG, &allow_prog);
		else
		{
			int			fd = kind == INHERITED ? inherited : ruleset();

			rc = syscall(SYS_landlock_restrict_self, fd, 0);
			if (kind == PER_PROCESS)
				close(fd);
		}
		clock_gettime(CLOCK_MONOTONIC, &b);
		if (rc == 0)
		{
			out[0] = (b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec);
			out[1] = minflt() - f0;
		}
		if (write(fds[1], out, sizeof(out)) != sizeof(out))
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	if (read(fds[0], out, sizeof(out)) != sizeof(out))
		out[0] = -1;
	close(fds[0]);
	waitpid(pid, NULL, 0);
	*ns = out[0];
	*faults = out[1];
}

int
main(int argc, char **argv)
{
	int			rounds = argc > 1 ? atoi(argv[1]) : 301;
	long	   *ns[KINDS],
			   *faults[KINDS];
	int			inherited,
				k,
				r;

	if (rounds < 1)
	{
		fprintf(stderr, "usage: scopecost [rounds]\n");
		return 2;
	}
	/* As the postmaster: no_new_privs and a first filter, then the ruleset. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
		syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &allow_prog) != 0)
	{
		perror("scopecost: first filter");
		return 1;
	}
	inherited = ruleset();
	for (k = 0; k < KINDS; k++)
	{
		ns[k] = calloc(rounds, sizeof(long));
		faults[k] = calloc(rounds, sizeof(long));
	}
	for (r = 0; r < rounds; r++)
		for (k = 0; k < KINDS; k++)
		{
			measure(k, inherited, &ns[k][r], &faults[k][r]);
			if (ns[k][r] < 0)
			{
				fprintf(stderr, "scopecost: %s failed\n", kind_names[k]);
				return 1;
			}
		}
	for (k = 0; k < KINDS; k++)
	{
		qsort(ns[k], rounds, sizeof(long), by_value);
		qsort(faults[k], rounds, sizeof(long), by_value);
		printf("%-12s median %6.1f us  p10 %6.1f  p90 %6.1f  faults %ld\n", kind_names[k],
			   ns[k][rounds / 2] / 1000.0, ns[k][rounds / 10] / 1000.0,
			   ns[k][rounds * 9 / 10] / 1000.0, faults[k][rounds / 2]);
	}
	return 0;
}

/*
 * attach: how long seccomp(2) takes to attach each of some BPF programs,
 * as a backend attaches its session filter: in a fresh child of this
 * process, on top of a first filter, the program read from memory the
 * child inherited. Rounds alternate the programs.
 *
 * Usage: attach [-f] FIRST ROUNDS PROGRAM...
 * Prints per program: its instructions, and the median, 10th and 90th
 * percentile of the attach time in microseconds; with -f instead the
 * median, least and most minor page faults taken inside seccomp(2) (the
 * floor of what a connection's filter can cost in faults).
 */
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static struct sock_fprog
load(const char *path)
{
	struct sock_fprog prog = {0};
	FILE	   *f = fopen(path, "rb");
	long		len;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) <= 0 ||
		len % sizeof(struct sock_filter) != 0 || fseek(f, 0, SEEK_SET) != 0)
	{
		fprintf(stderr, "attach: cannot read %s\n", path);
		exit(2);
	}
	prog.len = len / sizeof(struct sock_filter);
	prog.filter = malloc(len);
	if (prog.filter == NULL || fread(prog.filter, 1, len, f) != (size_t) len)
	{
		fprintf(stderr, "attach: cannot read %s\n", path);
		exit(2);
	}
	fclose(f);
	return prog;
}

static int
by_value(const void *a, const void *b)
{
	long		x = *(const long *) a,
				y = *(const long *) b;

	return x < y ? -1 : x > y;
}

static long
minflt(void)
{
	struct rusage ru;

	return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_minflt : -1;
}

/*
 * Nanoseconds one child took to attach prog on top of first, or with
 * faults the minor faults it took doing so; -1 on failure.
 */
static long
time_attach(const struct sock_fprog *first, const struct sock_fprog *prog, int faults)
{
	int			fds[2];
	long		ns = -1;
	pid_t		pid;

	if (pipe(fds) != 0 || (pid = fork()) < 0)
	{
		perror("attach");
		exit(1);
	}
	if (pid == 0)
	{
		struct timespec a,
					b;

		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 &&
			syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_LOG, first) == 0)
		{
			long		f0 = faults ? minflt() : 0;

			if (!faults)
				clock_gettime(CLOCK_MONOTONIC, &a);
			if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_LOG, prog) == 0)
			{
				if (faults)
					ns = minflt() - f0;
				else
				{
					clock_gettime(CLOCK_MONOTONIC, &b);
					ns = (b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec);
				}
			}
		}
		if (write(fds[1], &ns, sizeof(ns)) != sizeof(ns))
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	if (read(fds[0], &ns, sizeof(ns)) != sizeof(ns))
		ns = -1;
	close(fds[0]);
	waitpid(pid, NULL, 0);
	return ns;
}

int
main(int argc, char **argv)
{
	struct sock_fprog first;
	struct sock_fprog *progs;
	long	  **times;
	int			faults = argc > 1 && strcmp(argv[1], "-f") == 0;
	int			rounds,
				n,
				i,
				r;

	argc -= faults;
	argv += faults;
	if (argc < 4 || (rounds = atoi(argv[2])) < 1)
	{
		fprintf(stderr, "usage: attach [-f] FIRST ROUNDS PROGRAM...\n");
		return 2;
	}
	first = load(argv[1]);
	n = argc - 3;
	progs = calloc(n, sizeof(*progs));
	times = calloc(n, sizeof(*times));
	for (i = 0; i < n; i++)
	{
		progs[i] = load(argv[3 + i]);
		times[i] = calloc(rounds, sizeof(long));
	}
	for (r = 0; r < rounds; r++)
		for (i = 0; i < n; i++)
			if ((times[i][r] = time_attach(&first, &progs[i], faults)) < 0)
			{
				fprintf(stderr, "attach: seccomp(2) failed for %s\n", argv[3 + i]);
				return 1;
			}
	for (i = 0; i < n; i++)
	{
		qsort(times[i], rounds, sizeof(long), by_value);
		if (faults)
			printf("%s %d %ld %ld %ld\n", argv[3 + i], progs[i].len, times[i][rounds / 2],
				   times[i][0], times[i][rounds - 1]);
		else
			printf("%s %d %.1f %.1f %.1f\n", argv[3 + i], progs[i].len, times[i][rounds / 2] / 1000.0,
			   times[i][rounds / 10] / 1000.0, times[i][rounds * 9 / 10] / 1000.0);
	}
	return 0;
}

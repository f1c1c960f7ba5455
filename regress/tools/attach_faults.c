/*
 * attach_faults: the minor page faults seccomp(2) itself takes to attach
 * each of some BPF programs, as a backend attaches its session filter: in
 * a fresh child of this process, on top of a first filter, the program
 * read from memory the child inherited. The floor of what a connection's
 * filter can cost in faults. Rounds alternate the programs.
 *
 * Usage: attach_faults FIRST ROUNDS PROGRAM...
 * Prints per program: its instructions, and the median, least and most
 * faults taken inside seccomp(2).
 */
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
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
		fprintf(stderr, "attach_faults: cannot read %s\n", path);
		exit(2);
	}
	prog.len = len / sizeof(struct sock_filter);
	prog.filter = malloc(len);
	if (prog.filter == NULL || fread(prog.filter, 1, len, f) != (size_t) len)
	{
		fprintf(stderr, "attach_faults: cannot read %s\n", path);
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

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

/* Faults one child took inside seccomp(2) attaching prog on top of first; -1 on failure. */
static long
faults_attach(const struct sock_fprog *first, const struct sock_fprog *prog)
{
	int			fds[2];
	long		nf = -1;
	pid_t		pid;

	if (pipe(fds) != 0 || (pid = fork()) < 0)
	{
		perror("attach_faults");
		exit(1);
	}
	if (pid == 0)
	{
		long		a,
					b;

		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 &&
			syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_LOG, first) == 0)
		{
			a = minflt();
			if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_LOG, prog) == 0)
			{
				b = minflt();
				nf = b - a;
			}
		}
		if (write(fds[1], &nf, sizeof(nf)) != sizeof(nf))
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	if (read(fds[0], &nf, sizeof(nf)) != sizeof(nf))
		nf = -1;
	close(fds[0]);
	waitpid(pid, NULL, 0);
	return nf;
}

int
main(int argc, char **argv)
{
	struct sock_fprog first;
	struct sock_fprog *progs;
	long	  **faults;
	int			rounds,
				n,
				i,
				r;

	if (argc < 4 || (rounds = atoi(argv[2])) < 1)
	{
		fprintf(stderr, "usage: attach_faults FIRST ROUNDS PROGRAM...\n");
		return 2;
	}
	first = load(argv[1]);
	n = argc - 3;
	progs = calloc(n, sizeof(*progs));
	faults = calloc(n, sizeof(*faults));
	for (i = 0; i < n; i++)
	{
		progs[i] = load(argv[3 + i]);
		faults[i] = calloc(rounds, sizeof(long));
	}
	for (r = 0; r < rounds; r++)
		for (i = 0; i < n; i++)
			if ((faults[i][r] = faults_attach(&first, &progs[i])) < 0)
			{
				fprintf(stderr, "attach_faults: seccomp(2) failed for %s\n", argv[3 + i]);
				return 1;
			}
	for (i = 0; i < n; i++)
	{
		qsort(faults[i], rounds, sizeof(long), by_value);
		printf("%s %d %ld %ld %ld\n", argv[3 + i], progs[i].len, faults[i][rounds / 2],
			   faults[i][0], faults[i][rounds - 1]);
	}
	return 0;
}

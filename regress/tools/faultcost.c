/*
 * faultcost: what one minor page fault costs on this machine, so that a
 * count of faults can be read as time. Three kinds, each in a fresh child
 * so that no page is mapped before it is touched:
 *
 *	anon: first touch of anonymous memory (a zeroed page is allocated);
 *	cow:  first write, in a child of a fork, to a page its parent wrote
 *	      (a page copied): what a backend pays for each inherited page it
 *	      writes;
 *	file: first read of a page of a file in the page cache, through a
 *	      private mapping (as a shared library's text is refaulted by a
 *	      child of the postmaster); the kernel maps neighbouring cached
 *	      pages with it (fault-around), so time is divided by the faults
 *	      getrusage counts, not by the pages.
 *
 * Usage: faultcost [pages] [rounds]		(defaults 4096 pages, 9 rounds)
 * Prints per kind the median over the rounds of microseconds per fault
 * and the faults counted in one round.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long page;

static double
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static long
minflt(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

/* Touch every page of p; report microseconds per fault over the pipe. */
static void
touch(volatile char *p, long pages, int writing, int fd)
{
	double		t0,
				t1;
	long		f0,
				f1;
	long		i;
	double		out[2];
	volatile char sink = 0;

	f0 = minflt();
	t0 = now_us();
	for (i = 0; i < pages; i++)
	{
		if (writing)
			p[i * page] = 1;
		else
			sink += p[i * page];
	}
	t1 = now_us();
	f1 = minflt();
	(void) sink;
	out[0] = f1 > f0 ? (t1 - t0) / (f1 - f0) : 0;
	out[1] = f1 - f0;
	if (write(fd, out, sizeof(out)) != sizeof(out))
		_exit(1);
}

static int
by_value(const void *a, const void *b)
{
	double		x = *(const double *) a,
				y = *(const double *) b;

	return x < y ? -1 : x > y;
}

/* One round of a kind in a fresh child: microseconds per fault, faults. */
static void
round_of(const char *kind, long pages, char *cow_area, const char *file, double *us, double *faults)
{
	int			fds[2];
	pid_t		pid;
	double		out[2] = {0, 0};

	if (pipe(fds) != 0 || (pid = fork()) < 0)
	{
		perror("faultcost");
		exit(1);
	}
	if (pid == 0)
	{
		char	   *p;

		close(fds[0]);
		if (strcmp(kind, "anon") == 0)
		{
			p = mmap(NULL, pages * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (p == MAP_FAILED)
				_exit(1);
			touch(p, pages, 1, fds[1]);
		}
		else if (strcmp(kind, "cow") == 0)
			touch(cow_area, pages, 1, fds[1]);
		else
		{
			int			fd = open(file, O_RDONLY);

			p = fd < 0 ? MAP_FAILED : mmap(NULL, pages * page, PROT_READ, MAP_PRIVATE, fd, 0);
			if (p == MAP_FAILED)
				_exit(1);
			touch(p, pages, 0, fds[1]);
		}
		_exit(0);
	}
	close(fds[1]);
	if (read(fds[0], out, sizeof(out)) != sizeof(out))
		out[0] = out[1] = -1;
	close(fds[0]);
	waitpid(pid, NULL, 0);
	*us = out[0];
	*faults = out[1];
}

int
main(int argc, char **argv)
{
	long		pages = argc > 1 ? atol(argv[1]) : 4096;
	int			rounds = argc > 2 ? atoi(argv[2]) : 9;
	const char *kinds[] = {"anon", "cow", "file"};
	char		file[] = "/tmp/faultcost.XXXXXX";
	char	   *cow_area;
	char	   *buf;
	int			fd;
	int			k;

	page = sysconf(_SC_PAGESIZE);
	if (pages < 1 || rounds < 1)
	{
		fprintf(stderr, "usage: faultcost [pages] [rounds]\n");
		return 2;
	}
	/* Written here, so that every child's first write copies a page. */
	cow_area = mmap(NULL, pages * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (cow_area == MAP_FAILED)
	{
		perror("faultcost");
		return 1;
	}
	memset(cow_area, 7, pages * page);
	/* A file in the page cache: written here, so its pages are cached. */
	if ((fd = mkstemp(file)) < 0)
	{
		perror("faultcost");
		return 1;
	}
	unlink(file);
	buf = calloc(1, page);
	for (k = 0; k < pages; k++)
		if (write(fd, buf, page) != page)
		{
			perror("faultcost");
			return 1;
		}
	fsync(fd);
	{
		char		path[64];

		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		for (k = 0; k < 3; k++)
		{
			double		us[64],
						faults = 0;
			int			r;

			for (r = 0; r < rounds && r < 64; r++)
				round_of(kinds[k], pages, cow_area, path, &us[r], &faults);
			qsort(us, r, sizeof(double), by_value);
			printf("%-5s %8.2f us per fault (%.0f faults for %ld pages)\n",
				   kinds[k], us[r / 2], faults, pages);
		}
	}
	return 0;
}

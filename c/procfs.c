/*
 * procfs.c
 *		What the kernel says about processes, from /proc and the clocks.
 *
 * Plain syscalls and no memory of PostgreSQL's: these also run in a child
 * just forked, and in the postmaster about to fork.
 */
#include "procfs.h"

#include <fcntl.h>
#include <time.h>
#include <unistd.h>

/* Clock ticks since boot, the unit of a process's start time in /proc. */
uint64
pgseccomp_boot_ticks(void)
{
	struct timespec ts;
	long		hz = sysconf(_SC_CLK_TCK);

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64) ts.tv_sec * hz + (uint64) ts.tv_nsec / (1000000000L / hz);
}

/*
 * When process pid started, in clock ticks since boot, as the kernel says
 * (/proc/pid/stat, field 22); 0 if it cannot be read. Plain syscalls, no
 * memory: it also runs in a child just forked.
 */
uint64
pgseccomp_process_start_ticks(pid_t pid)
{
	char		path[64];
	char		buf[1024];
	char	   *p;
	int			fd;
	ssize_t		n;
	int			field;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int) pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* The command may hold blanks and parentheses: count from its end. */
	if ((p = strrchr(buf, ')')) == NULL)
		return 0;
	for (field = 2; field < 22 && p; field++)
		p = strchr(p + 1, ' ');
	return p ? strtoull(p + 1, NULL, 10) : 0;
}

/* Seccomp_filters of process pid, from the kernel; -1 if unknown. */
int
pgseccomp_process_filters(pid_t pid)
{
	char		path[64];
	char		buf[4096];
	char	   *p;
	int			fd;
	ssize_t		n;

	snprintf(path, sizeof(path), "/proc/%d/status", (int) pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	p = strstr(buf, "\nSeccomp_filters:");
	return p ? atoi(p + strlen("\nSeccomp_filters:")) : -1;
}

/*
 * uring_probe.c
 *		uring_probe DIR: tries io_uring_setup, io_uring_enter and
 *		io_uring_register (on a bad descriptor: EBADF unless a filter denies
 *		them) and mkdir(DIR), and prints one line per call with the errno
 *		name, or OK.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/io_uring.h>

static void
report(const char *call, long rc)
{
	if (rc >= 0)
		printf("%s OK\n", call);
	else
		printf("%s %s\n", call, strerrorname_np(errno));
}

int
main(int argc, char **argv)
{
	struct io_uring_params params;
	long		fd;

	if (argc != 2)
	{
		fprintf(stderr, "usage: uring_probe DIR\n");
		return 2;
	}
	memset(&params, 0, sizeof(params));
	fd = syscall(__NR_io_uring_setup, 8, &params);
	report("io_uring_setup", fd);
	if (fd >= 0)
		close(fd);
	report("io_uring_enter", syscall(__NR_io_uring_enter, 999, 0, 0, 0, NULL, 0));
	report("io_uring_register", syscall(__NR_io_uring_register, 999, 0, NULL, 0));
	report("mkdir", mkdir(argv[1], 0700));
	return 0;
}

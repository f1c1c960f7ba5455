/*
 * sysprobe: make raw syscalls and write what each returned.
 *
 * Reads lines "NAME NR EXPECT A0 A1 A2 A3 A4 A5" from standard input (the
 * arguments in hexadecimal, as regress/tools/families prints them), makes
 * syscall NR with those arguments, and appends "NAME NR EXPECT RESULT" to
 * the file named by its first argument, RESULT being the errno (a number)
 * or "ok". The arguments are ones no syscall accepts (-1 and the like), so
 * that an allowed call fails harmlessly; a blocking one is woken by an
 * alarm, and a fork that succeeds ends its child at once.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void
on_alarm(int sig)
{
	(void) sig;
}

int
main(int argc, char **argv)
{
	static char buf[1 << 20];
	size_t len = 0;
	ssize_t n;
	int out;
	struct sigaction sa;
	char *line, *save;

	if (argc != 2)
	{
		fprintf(stderr, "usage: sysprobe OUTPUT < specs\n");
		return 2;
	}
	out = open(argv[1], O_WRONLY | O_CREAT | O_APPEND, 0600);
	if (out < 0)
		return 3;
	while ((n = read(0, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += n;
	buf[len] = '\0';

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm; /* no SA_RESTART: a blocked call gets EINTR */
	sigaction(SIGALRM, &sa, NULL);

	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
	{
		char name[64], expect[16], res[32], text[160];
		long nr;
		unsigned long a[6];
		long ret;
		int e;

		if (sscanf(line, "%63s %ld %15s %lx %lx %lx %lx %lx %lx", name, &nr, expect,
				   &a[0], &a[1], &a[2], &a[3], &a[4], &a[5]) != 9)
			continue;
		alarm(3);
		errno = 0;
		ret = syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
		e = errno;
		alarm(0);
		if (ret == 0 && (strcmp(name, "fork") == 0 || strcmp(name, "vfork") == 0))
			_exit(0);			/* the child of a fork that was allowed */
		if (ret > 0 && (strcmp(name, "fork") == 0 || strcmp(name, "vfork") == 0))
			waitpid((pid_t) ret, NULL, 0);
		if (ret == -1)
			snprintf(res, sizeof(res), "%d", e);
		else
			snprintf(res, sizeof(res), "ok");
		n = snprintf(text, sizeof(text), "%s %ld %s %s\n", name, nr, expect, res);
		if (write(out, text, n) != n)
			return 4;
	}
	close(out);
	return 0;
}

/*
 * seccomp_status.h
 *		For the test tools: how many seccomp filters this process carries.
 */
#ifndef SECCOMP_STATUS_H
#define SECCOMP_STATUS_H

#include <stdio.h>

/* Seccomp_filters of /proc/self/status, or -1. */
static int
seccomp_filters(void)
{
	char		buf[8192];
	FILE	   *f = fopen("/proc/self/status", "r");
	int			n = -1;

	if (f == NULL)
		return -1;
	while (fgets(buf, sizeof(buf), f))
		if (sscanf(buf, "Seccomp_filters: %d", &n) == 1)
			break;
	fclose(f);
	return n;
}

#endif							/* SECCOMP_STATUS_H */

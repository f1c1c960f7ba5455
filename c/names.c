/*
 * names.c
 *		Syscall and errno names, from the helper's table at start.
 *
 * The helper writes "syscall TAB name TAB number" and "errno TAB name TAB
 * number" lines (internal/wire/response.go's facts); the postmaster keeps them here
 * before it forks anything, so every process looks names up without Go.
 */
#include "names.h"

#include "keep.h"

#define MAX_ERRNO 4096			/* the trap data holds 12 bits of errno */

static const char *syscall_names[PGSECCOMP_MAX_NR];
static const char *errno_names[MAX_ERRNO];

/* In the postmaster at start, from the helper's answer. */
void
pgseccomp_set_names(const char *facts)
{
	char	   *copy = pgseccomp_keep_strdup(pgseccomp_kept(), facts ? facts : "");
	char	   *line;
	char	   *save = NULL;

	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
	{
		char	   *name = strchr(line, '\t');
		char	   *nrtab = name ? strchr(name + 1, '\t') : NULL;
		int			nr;

		if (nrtab == NULL)
			continue;
		*name++ = '\0';
		*nrtab = '\0';
		nr = atoi(nrtab + 1);
		if (strcmp(line, "syscall") == 0 && nr >= 0 && nr < PGSECCOMP_MAX_NR)
			syscall_names[nr] = name;
		else if (strcmp(line, "errno") == 0 && nr > 0 && nr < MAX_ERRNO)
			errno_names[nr] = name;
	}
}

/* A native syscall's name, or NULL. */
const char *
pgseccomp_syscall_name(int nr)
{
	return nr >= 0 && nr < PGSECCOMP_MAX_NR ? syscall_names[nr] : NULL;
}

/* A native syscall's number, or -1. */
int
pgseccomp_syscall_number(const char *name)
{
	int			nr;

	for (nr = 0; nr < PGSECCOMP_MAX_NR; nr++)
		if (syscall_names[nr] && strcmp(syscall_names[nr], name) == 0)
			return nr;
	return -1;
}

/* A syscall as seccomp_filter() shows it: its name, or "syscall_<nr>". */
const char *
pgseccomp_syscall_text(int nr)
{
	const char *name = pgseccomp_syscall_name(nr);

	return name ? name : psprintf("syscall_%d", nr);
}

/* An errno as seccomp_filter() shows it: its name, or its number. */
const char *
pgseccomp_errno_text(int err)
{
	const char *name = err > 0 && err < MAX_ERRNO ? errno_names[err] : NULL;

	return name ? name : psprintf("%d", err);
}

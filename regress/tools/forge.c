/*
 * forge.c
 *		Plays a compromised backend: native code in a session that writes
 *		shared memory to make its parallel workers (or new sessions) install
 *		less than it enforces itself.
 *
 * forge(mode) returns a line that says what it did:
 *   'show'       the slot of this backend in "pgseccomp leaders"
 *   'base0'      base_program 0, no client programs
 *   'base0ff'    base_program 0, no client programs, handle 0xffffffff
 *   'base9999'   base_program 9999, no client programs
 *   'basenext'   base_program one above what the slot says, no client programs
 *   'base:N'     base_program N, no client programs
 *   'badhandle'  the slot's base_program kept, one client program in a DSM
 *                segment that does not exist (handle 0xffffffff)
 *   'dsm'        the slot's base_program kept, one client program in a DSM
 *                segment made here: a single RET ALLOW
 *   'scan'       every libseccomp BPF program found in the shared mappings of
 *                this process overwritten with RET ALLOW
 *   'other:PID:base:N'    the slot of another backend: base_program N
 *   'other:PID:noclients' the slot of another backend: its client programs
 *                dropped (no DSM segment)
 */
#include "postgres.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "fmgr.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "storage/backendid.h"
#include "storage/dsm.h"
#include "storage/shmem.h"
#include "utils/builtins.h"

PG_MODULE_MAGIC;

PG_FUNCTION_INFO_V1(forge);

/* As c/parallel.c lays out a slot, indexed by MyBackendId. */
typedef struct ForgedSlot
{
	int32		pid;
	int32		base_program;
	int32		nclients;
	uint32		dsm_handle;
	char		owner[NAMEDATALEN + 3];	/* for learning only */
} ForgedSlot;

static ForgedSlot *
leaders(void)
{
	bool		found;
	Size		size = (Size) (MaxBackends + 1) * sizeof(ForgedSlot);
	ForgedSlot *l = ShmemInitStruct("pgseccomp leaders", size, &found);

	if (!found)
		elog(ERROR, "forge: \"pgseccomp leaders\" did not exist");
	return l;
}

static char *
show(ForgedSlot *s)
{
	return psprintf("pid %d base %d nclients %d handle %u",
					s->pid, s->base_program, s->nclients, s->dsm_handle);
}

/* A libseccomp program starts "ld [4]; jeq #AUDIT_ARCH_X86_64". */
static const unsigned char ld_arch[8] = {0x20, 0, 0, 0, 4, 0, 0, 0};
static const unsigned char arch_k[4] = {0x3e, 0, 0, 0xc0};

static int
patch_range(unsigned char *start, unsigned char *end)
{
	int			patched = 0;
	unsigned char *p;

	for (p = start; p + 16 <= end; p += 4)
	{
		struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);

		if (memcmp(p, ld_arch, 8) != 0 || p[8] != 0x15 || p[9] != 0 ||
			memcmp(p + 12, arch_k, 4) != 0)
			continue;
		/* Both first instructions: the program allows everything. */
		memcpy(p, &allow, sizeof(allow));
		memcpy(p + 8, &allow, sizeof(allow));
		patched++;
	}
	return patched;
}

static char *
scan(void)
{
	FILE	   *f = fopen("/proc/self/maps", "r");
	char		line[4096];
	StringInfoData out;
	int			total = 0;
	int			mappings = 0;

	if (f == NULL)
		elog(ERROR, "forge: /proc/self/maps: %m");
	initStringInfo(&out);
	while (fgets(line, sizeof(line), f))
	{
		unsigned long lo,
					hi;
		char		perms[8];
		char		path[4096] = "";
		int			n;

		if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %4095[^\n]", &lo, &hi, perms, path) < 3)
			continue;
		if (perms[0] != 'r' || perms[1] != 'w' || perms[3] != 's')
			continue;
		/* Anonymous shared memory, SysV, DSM segments and memfds. */
		if (!(path[0] == '\0' || strncmp(path, "/dev/zero", 9) == 0 ||
			  strncmp(path, "/SYSV", 5) == 0 ||
			  strncmp(path, "/dev/shm/PostgreSQL.", 20) == 0 ||
			  strncmp(path, "/memfd:", 7) == 0))
			continue;
		mappings++;
		n = patch_range((unsigned char *) lo, (unsigned char *) hi);
		if (n > 0)
			appendStringInfo(&out, " %s:%d", path[0] ? path : "[anon]", n);
		total += n;
	}
	fclose(f);
	return psprintf("scanned %d shared mappings, patched %d programs:%s",
					mappings, total, out.data);
}

Datum
forge(PG_FUNCTION_ARGS)
{
	char	   *mode = text_to_cstring(PG_GETARG_TEXT_PP(0));
	ForgedSlot *s = &leaders()[MyBackendId];
	char	   *before;

	if (strncmp(mode, "other:", 6) == 0)
	{
		int			pid = atoi(mode + 6);
		char	   *rest = strchr(mode + 6, ':');
		int			i;

		s = NULL;
		for (i = 0; i <= MaxBackends && s == NULL; i++)
			if (leaders()[i].pid == pid)
				s = &leaders()[i];
		if (s == NULL || rest == NULL)
			elog(ERROR, "forge: no slot of process %d", pid);
		before = show(s);
		mode = rest + 1;
		if (strcmp(mode, "noclients") == 0)
		{
			s->nclients = 0;
			s->dsm_handle = DSM_HANDLE_INVALID;
		}
		else if (strncmp(mode, "base:", 5) == 0)
			s->base_program = atoi(mode + 5);
		else
			elog(ERROR, "forge: unknown mode \"%s\"", mode);
		PG_RETURN_TEXT_P(cstring_to_text(psprintf("%s -> %s", before, show(s))));
	}
	before = show(s);
	if (s->pid != MyProcPid)
		elog(ERROR, "forge: slot %d belongs to %d, not to %d", MyBackendId, s->pid, MyProcPid);
	if (strcmp(mode, "show") == 0)
		PG_RETURN_TEXT_P(cstring_to_text(before));
	if (strcmp(mode, "base0") == 0 || strcmp(mode, "base0ff") == 0 ||
		strcmp(mode, "base9999") == 0 || strcmp(mode, "basenext") == 0)
	{
		s->base_program = strncmp(mode, "base0", 5) == 0 ? 0 :
			strcmp(mode, "base9999") == 0 ? 9999 : s->base_program + 1;
		s->nclients = 0;
		s->dsm_handle = strcmp(mode, "base0ff") == 0 ? 0xffffffff : DSM_HANDLE_INVALID;
	}
	else if (strncmp(mode, "base:", 5) == 0)
	{
		s->base_program = atoi(mode + 5);
		s->nclients = 0;
		s->dsm_handle = DSM_HANDLE_INVALID;
	}
	else if (strcmp(mode, "badhandle") == 0)
	{
		s->nclients = 1;
		s->dsm_handle = 0xffffffff;
	}
	else if (strcmp(mode, "dsm") == 0)
	{
		struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
		int32		count = 1;
		int32		ninsns = 1;
		dsm_segment *seg = dsm_create(sizeof(int32) * 2 + sizeof(allow), 0);
		char	   *p = dsm_segment_address(seg);

		memcpy(p, &count, sizeof(int32));
		memcpy(p + sizeof(int32), &ninsns, sizeof(int32));
		memcpy(p + 2 * sizeof(int32), &allow, sizeof(allow));
		dsm_pin_mapping(seg);
		s->nclients = 1;
		s->dsm_handle = dsm_segment_handle(seg);
	}
	else if (strcmp(mode, "scan") == 0)
		PG_RETURN_TEXT_P(cstring_to_text(psprintf("%s; %s", before, scan())));
	else
		elog(ERROR, "forge: unknown mode \"%s\"", mode);
	PG_RETURN_TEXT_P(cstring_to_text(psprintf("%s -> %s", before, show(s))));
}

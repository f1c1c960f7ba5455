/*
 * registry.c
 *		Which program each confined process stacked first, as it said itself
 *		before it ran any role's code: what its parallel workers install.
 *
 * A parallel worker is forked by the postmaster and must install its
 * leader's session, role or backend-type program. The leader cannot be
 * asked once it runs a role's code: native code in it can write all of
 * shared memory, and even the role its workers run as. So every process,
 * as it is confined, sends one datagram with its program on a socket pair
 * the postmaster made at start, and the postmaster reads them into its own
 * memory before each fork, so that a parallel worker inherits its leader's
 * record. A process may send again later; its first record wins.
 *
 * The kernel says who sent each datagram: its pid (SO_PASSCRED), which no
 * process can forge, and a pidfd (SO_PASSPIDFD, Linux 6.5), whose inode
 * number names that very process, never a later one with the same pid
 * (pidfs, Linux 6.9). Without pidfds a record is bound to its pid and the
 * clock tick it was read in, which a process that queues datagrams and
 * exits can make a later process with its pid inherit; the postmaster
 * logs this at start. Children close the receiving end, so none can take
 * another's record; one that shuts the socket down only makes the
 * postmaster make a new one before its next fork.
 */
#include "registry.h"

#include <errno.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "miscadmin.h"

#include "procfs.h"

/* Linux 6.5; glibc 2.36 and its kernel headers predate them. */
#ifndef SO_PASSPIDFD
#define SO_PASSPIDFD 76
#endif
#ifndef SCM_PIDFD
#define SCM_PIDFD 0x04
#endif

/* What a process sends: its first program and whose it is. */
typedef struct Announcement
{
	int32		program;		/* 0: none of its own; -1: compiled by itself */
	char		owner[PGSECCOMP_OWNER_LEN];
} Announcement;

/* What the postmaster keeps of it. */
typedef struct Record
{
	pid_t		pid;			/* from the kernel, not from the datagram */
	uint64		process;		/* its pidfd's inode; 0 without pidfds */
	uint64		arrived;		/* boot ticks when the postmaster read it */
	Announcement said;
} Record;

static int	receive_end = -1;	/* the postmaster's only */
static int	send_end = -1;
static bool with_pidfds = false;
static Record *records = NULL;
static int	nrecords = 0;
static int	records_cap = 0;

static bool
make_socket(void)
{
	int			ends[2];
	int			on = 1;

	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, ends) < 0)
		return false;
	if (setsockopt(ends[0], SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)) < 0)
	{
		close(ends[0]);
		close(ends[1]);
		return false;
	}
	with_pidfds = setsockopt(ends[0], SOL_SOCKET, SO_PASSPIDFD, &on, sizeof(on)) == 0;
	receive_end = ends[0];
	send_end = ends[1];
	return true;
}

/* In the postmaster, before its first fork. */
void
pgseccomp_registry_init(void)
{
	if (!make_socket())
		ereport(FATAL,
				(errcode_for_socket_access(),
				 errmsg("pgseccomp could not create the socket its processes announce their filters on: %m")));
	if (!with_pidfds)
		ereport(LOG,
				(errmsg("pgseccomp cannot bind the filters processes announce to the processes"),
				 errdetail("The kernel passes no pidfds (SO_PASSPIDFD, Linux 6.5): a process that exits can leave an announcement to a later process with its pid, and so give that process's parallel workers another filter.")));
}

/* In every child, as it is forked: only the postmaster reads the records. */
void
pgseccomp_registry_forked(void)
{
	if (receive_end >= 0)
		close(receive_end);
	receive_end = -1;
}

/* The inode of a pidfd: which process it is (pidfs). 0 if unknown. */
static uint64
process_of_pidfd(int pidfd)
{
	struct stat st;

	if (pidfd < 0 || fstat(pidfd, &st) < 0)
		return 0;
	return (uint64) st.st_ino;
}

/* Which process has pid now, as process_of_pidfd says. */
static uint64
process_of_pid(pid_t pid)
{
	int			pidfd = (int) syscall(SYS_pidfd_open, pid, 0);
	uint64		process = process_of_pidfd(pidfd);

	if (pidfd >= 0)
		close(pidfd);
	return process;
}

static Record *
find(pid_t pid)
{
	int			i;

	for (i = 0; i < nrecords; i++)
		if (records[i].pid == pid)
			return &records[i];
	return NULL;
}

/* Room for one more record: drop those of processes that are gone, or grow. */
static Record *
new_record(void)
{
	int			i,
				kept = 0;

	if (nrecords == records_cap)
	{
		for (i = 0; i < nrecords; i++)
			if (kill(records[i].pid, 0) == 0 || errno != ESRCH)
				records[kept++] = records[i];
		nrecords = kept;
	}
	if (nrecords == records_cap)
	{
		/*
		 * Mapped apart from the heap, which a record array would move under
		 * every child's allocations (keep.c); and no ERROR here, in the
		 * postmaster about to fork, which would stop it.
		 */
		int			cap = records_cap ? records_cap * 2 : 64;
		Record	   *grown = mmap(NULL, sizeof(Record) * cap, PROT_READ | PROT_WRITE,
								 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (grown == MAP_FAILED)
			return NULL;		/* the record is lost: its workers are refused */
		if (records)
		{
			memcpy(grown, records, sizeof(Record) * records_cap);
			munmap(records, sizeof(Record) * records_cap);
		}
		records = grown;
		records_cap = cap;
	}
	return &records[nrecords++];
}

/* One datagram: keep it if it is the first of its process. */
static void
take(pid_t pid, uint64 process, const Announcement *said)
{
	Record	   *r = find(pid);

	if (with_pidfds)
	{
		if (process == 0)
			return;				/* its sender cannot be told: gone, or unknown */
		if (r != NULL && r->process == process)
			return;				/* that process had its say already */
	}
	else if (r != NULL && r->arrived >= pgseccomp_process_start_ticks(pid))
		return;					/* not older than the process with that pid */
	if (r == NULL && (r = new_record()) == NULL)
		return;
	r->pid = pid;
	r->process = process;
	r->arrived = pgseccomp_boot_ticks();
	r->said = *said;
	r->said.owner[PGSECCOMP_OWNER_LEN - 1] = '\0';
}

/* In the postmaster, before each fork: read what has been announced. */
void
pgseccomp_registry_drain(void)
{
	int			i;

	if (receive_end < 0 || IsUnderPostmaster)
		return;
	/* Bounded: a process that floods the socket must not hold up a fork. */
	for (i = 0; i < 4096; i++)
	{
		Announcement said;
		union
		{
			struct cmsghdr align;
			char		buf[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(int))];
		}			control;
		struct iovec iov = {.iov_base = &said, .iov_len = sizeof(said)};
		struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = control.buf, .msg_controllen = sizeof(control.buf)};
		struct cmsghdr *c;
		pid_t		pid = 0;
		int			pidfd = -1;
		ssize_t		n = recvmsg(receive_end, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;				/* EAGAIN: nothing more */
		for (c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c))
		{
			if (c->cmsg_level != SOL_SOCKET)
				continue;
			if (c->cmsg_type == SCM_CREDENTIALS && c->cmsg_len == CMSG_LEN(sizeof(struct ucred)))
			{
				struct ucred cred;

				memcpy(&cred, CMSG_DATA(c), sizeof(cred));
				pid = cred.pid;
			}
			else if (c->cmsg_type == SCM_PIDFD && c->cmsg_len == CMSG_LEN(sizeof(int)))
				memcpy(&pidfd, CMSG_DATA(c), sizeof(int));
		}
		if (pid > 0 && n == sizeof(said) && !(msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)))
			take(pid, process_of_pidfd(pidfd), &said);
		if (pidfd >= 0)
			close(pidfd);
	}

	/*
	 * Every holder of the sending end shares it: one that shuts it down
	 * stops every announcement. An empty datagram (read and dropped at the
	 * next fork) tells; then the children to come get a new socket.
	 */
	if (send(send_end, "", 0, MSG_DONTWAIT) < 0 && errno == EPIPE)
	{
		close(receive_end);
		close(send_end);
		receive_end = send_end = -1;
		(void) make_socket();
	}
}

/*
 * In a process being confined, before it runs any role's code: say which
 * program it stacked. False if the datagram could not be sent.
 */
bool
pgseccomp_registry_announce(int program, const char *owner)
{
	Announcement said;

	memset(&said, 0, sizeof(said));
	said.program = program;
	strlcpy(said.owner, owner, sizeof(said.owner));
	for (;;)
	{
		if (send(send_end, &said, sizeof(said), MSG_DONTWAIT) == sizeof(said))
			return true;
		if (errno != EINTR)
			return false;
	}
}

/*
 * In a child just forked: what process pid, which started at start_ticks,
 * announced. False if it announced nothing since it started.
 */
bool
pgseccomp_registry_lookup(pid_t pid, uint64 start_ticks, int *program, char *owner)
{
	const Record *r = find(pid);

	if (r == NULL)
		return false;
	if (with_pidfds ? r->process != process_of_pid(pid) :
		start_ticks == 0 || r->arrived < start_ticks)
		return false;
	*program = r->said.program;
	strlcpy(owner, r->said.owner, PGSECCOMP_OWNER_LEN);
	return true;
}

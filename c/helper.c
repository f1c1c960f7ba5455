/*
 * helper.c
 *		Run the Go library in helper processes, one request each.
 *
 * A Go runtime does not survive fork(), and PostgreSQL forks every process
 * from the postmaster, so no PostgreSQL process may load the Go library.
 * Instead the process that needs a compile forks a child that PostgreSQL
 * does not track; the child loads the library, reads one request from a
 * pipe, writes its answer to another and _exit()s without running
 * PostgreSQL's exit callbacks. Whatever happens to the child becomes a
 * message here, never a crash of the caller.
 */
#include "helper.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/pmsignal.h"
#include "utils/ps_status.h"
#include "portability/instr_time.h"

#include "reports.h"

#define HELPER_LIBRARY		"pgseccomp_policy.so"
#define HELPER_SYMBOL		"PgseccompCompile"
#define HELPER_WARM_SYMBOL	"PgseccompWarm"
#define HELPER_TIMEOUT_MS	30000

/* Exit codes of the child, besides 0. */
#define HELPER_EXIT_LOAD	3	/* could not load the library; message on the pipe */
#define HELPER_EXIT_WRITE	4	/* could not write the response */
#define HELPER_EXIT_READ	5	/* could not read the request */

typedef int (*compile_fn) (const char *req, int len, int fd);

/* Set around the fork of a helper, which fork.c must leave alone. */
bool		pgseccomp_forking_helper = false;

static bool
write_all(int fd, const char *buf, size_t len)
{
	while (len > 0)
	{
		ssize_t		n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		buf += n;
		len -= n;
	}
	return true;
}

/* Read exactly len bytes, or fail. */
static bool
read_all(int fd, char *buf, size_t len)
{
	while (len > 0)
	{
		ssize_t		n = read(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		buf += n;
		len -= n;
	}
	return true;
}

/*
 * The child: load the library, then wait for one request on in, answer it
 * on out, and exit. Never returns.
 */
static void
helper_child(int in, int out)
{
	sigset_t	none;
	int			sig;
	char		path[MAXPGPATH];
	void	   *lib;
	compile_fn	compile;
	void		(*warm_up) (void);
	uint32		len;
	char	   *request;

	/*
	 * Signal handlers and mask are PostgreSQL's; the Go runtime wants its
	 * own. SIGSYS stays ours (trap.c): Go does not take it in a c-shared
	 * library, and its filters trap syscalls made from libc.
	 */
	pgseccomp_process_is_helper = true;
	for (sig = 1; sig < NSIG; sig++)
		if (sig != SIGSYS)
			signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* Do not outlive the process that waits for us. */
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	/* Show what we are, not the title of the process that forked us. */
	prctl(PR_SET_NAME, "pgseccomp helpr", 0, 0, 0);
	set_ps_display("helper");

	snprintf(path, sizeof(path), "%s/%s", pkglib_path, HELPER_LIBRARY);
	lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	compile = lib ? (compile_fn) dlsym(lib, HELPER_SYMBOL) : NULL;
	if (compile == NULL)
	{
		const char *err = dlerror();

		write_all(out, err ? err : path, strlen(err ? err : path));
		_exit(HELPER_EXIT_LOAD);
	}
	/* Get the Go side ready while no one waits for us yet. */
	warm_up = (void (*) (void)) dlsym(lib, HELPER_WARM_SYMBOL);
	if (warm_up)
		warm_up();
	/* malloc, not palloc: nothing of PostgreSQL's runs in here. */
	if (!read_all(in, (char *) &len, sizeof(len)) ||
		(request = malloc(len + 1)) == NULL ||
		!read_all(in, request, len))
		_exit(HELPER_EXIT_READ);
	if (compile(request, (int) len, out) != 0)
		_exit(HELPER_EXIT_WRITE);
	/* EOF for the reader now, not after the teardown of the Go runtime. */
	close(out);
	_exit(0);
}

/* Helpers that answered and exit on their own, reaped later. */
static pid_t exited[8];
static int	exited_count = 0;

static void
reap_exited(void)
{
	int			i = 0;

	while (i < exited_count)
	{
		pid_t		r = waitpid(exited[i], NULL, WNOHANG);

		if (r == 0 || (r < 0 && errno == EINTR))
		{
			i++;				/* still running */
			continue;
		}
		exited[i] = exited[--exited_count];
	}
}

/* Are there helpers left to reap? Then call pgseccomp_prestart_helper soon. */
bool
pgseccomp_helpers_exiting(void)
{
	return exited_count > 0;
}

/* A forked helper: its pid and our ends of its two pipes. */
typedef struct Helper
{
	pid_t		pid;
	int			to;
	int			from;
	int			err;			/* its stderr: what the Go runtime says when it dies */
} Helper;

/*
 * A helper started ahead of time, so that a compile pays neither the fork
 * nor the start of the Go runtime; it is used once, like any other.
 */
static Helper warm = {0, -1, -1, -1};

static pid_t reaped_in_wait = 0; /* the helper wait_fd killed and reaped */

/*
 * Set when a cancel, a termination or the postmaster's death ended a wait:
 * pgseccomp_run_helper acts on it once the pipes are closed and SIGPIPE is
 * restored, so that the ERROR it raises leaks nothing.
 */
static bool interrupted = false;

/* Kill a helper, unless it is reaped already (its pid may be reused). */
static void
kill_helper(pid_t pid)
{
	if (pid != reaped_in_wait)
		kill(pid, SIGKILL);
}

/* Reap a helper, unless it is reaped already. */
static void
reap_helper(pid_t pid)
{
	if (pid != reaped_in_wait)
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR);
}

/*
 * Wait until fd is ready for events, or the deadline passes. Waits in short
 * slices: in a PostgreSQL child, a cancel, a termination or the death of
 * the postmaster ends the wait, after the helper is killed and reaped
 * (other interrupts, such as a barrier, wait for CHECK_FOR_INTERRUPTS
 * later). Returns 1 ready, 0 timeout, -1 error (errno set).
 */
static int
wait_fd(int fd, short events, pid_t pid, double deadline)
{
	for (;;)
	{
		struct pollfd pfd = {.fd = fd,.events = events};
		instr_time	now;
		long		left;
		int			rc;

		INSTR_TIME_SET_CURRENT(now);
		left = (long) (deadline - INSTR_TIME_GET_MILLISEC(now));
		if (left <= 0)
			return 0;
		if (IsUnderPostmaster &&
			(QueryCancelPending || ProcDiePending || !PostmasterIsAlive()))
		{
			kill(pid, SIGKILL);
			while (waitpid(pid, NULL, 0) < 0 && errno == EINTR);
			reaped_in_wait = pid;
			interrupted = true;
			errno = EINTR;
			return -1;
		}
		rc = poll(&pfd, 1, (int) Min(left, IsUnderPostmaster ? 100 : left));
		if (rc > 0)
			return 1;
		if (rc < 0 && errno != EINTR)
			return -1;
	}
}

/* Read the child's answer until EOF, within the deadline. */
static bool
read_answer(int fd, pid_t pid, double deadline, StringInfo out, HelperMessage *why)
{
	char		buf[8192];

	for (;;)
	{
		ssize_t		n;
		int			rc = wait_fd(fd, POLLIN, pid, deadline);

		if (rc == 0)
		{
			kill_helper(pid);
			pgseccomp_set_message(why, "pgseccomp helper did not answer in time",
						psprintf("No answer after %d ms; it was killed.", HELPER_TIMEOUT_MS), NULL);
			return false;
		}
		if (rc < 0)
		{
			kill_helper(pid);
			pgseccomp_set_message(why, "could not wait for the pgseccomp helper",
						psprintf("poll() failed: %s.", strerror(errno)), NULL);
			return false;
		}
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
		{
			kill_helper(pid);
			pgseccomp_set_message(why, "could not read from the pgseccomp helper",
						psprintf("read() failed: %s.", strerror(errno)), NULL);
			return false;
		}
		if (n == 0)
			return true;
		appendBinaryStringInfo(out, buf, n);
	}
}

static bool
reap(pid_t pid, const StringInfo answer, HelperMessage *why, int *status_out)
{
	int			status;

	*status_out = 0;
	while (waitpid(pid, &status, 0) < 0)
	{
		if (errno != EINTR)
		{
			pgseccomp_set_message(why, "could not wait for the pgseccomp helper",
						psprintf("waitpid() failed: %s.", strerror(errno)), NULL);
			return false;
		}
	}
	*status_out = status;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return true;
	if (WIFEXITED(status) && WEXITSTATUS(status) == HELPER_EXIT_LOAD)
		pgseccomp_set_message(why, "pgseccomp helper could not load its library",
					psprintf("%s.", answer->data),
					"Check that pgseccomp is installed completely (\"make install\").");
	else if (WIFSIGNALED(status))
		pgseccomp_set_message(why, "pgseccomp helper was terminated by a signal",
					psprintf("Signal %d: %s.", WTERMSIG(status), pg_strsignal(WTERMSIG(status))),
					WTERMSIG(status) == SIGSYS ?
					"The global filter kills a syscall that pgseccomp needs; see the warnings at server start." : NULL);
	else if (WIFEXITED(status) && WEXITSTATUS(status) == HELPER_EXIT_READ)
		pgseccomp_set_message(why, "pgseccomp helper could not read its request", NULL, NULL);
	else
		pgseccomp_set_message(why, "pgseccomp helper failed",
					psprintf("It exited with status %d.", WEXITSTATUS(status)),
					WEXITSTATUS(status) == 2 ?
					"The Go runtime exits with status 2 when it cannot run: a syscall it needs is denied by the global filter, or it lacks memory: it reserves several hundred MB of address space at start (ulimit -v of 1 GB is enough)." : NULL);
	return false;
}

static bool
start_helper(Helper *h, HelperMessage *why)
{
	int			pipes[3][2];	/* request, answer, stderr */
	int			i;

	for (i = 0; i < 3; i++)
	{
		if (pipe2(pipes[i], O_CLOEXEC) < 0)
		{
			pgseccomp_set_message(why, "could not create pipe for the pgseccomp helper",
						psprintf("pipe2() failed: %s.", strerror(errno)), NULL);
			while (--i >= 0)
			{
				close(pipes[i][0]);
				close(pipes[i][1]);
			}
			return false;
		}
	}
	fflush(NULL);
	pgseccomp_forking_helper = true;
	h->pid = fork();
	pgseccomp_forking_helper = false;
	if (h->pid < 0)
	{
		for (i = 0; i < 3; i++)
		{
			close(pipes[i][0]);
			close(pipes[i][1]);
		}
		pgseccomp_set_message(why, "could not fork the pgseccomp helper",
					psprintf("fork() failed: %s.", strerror(errno)), NULL);
		return false;
	}
	if (h->pid == 0)
	{
		close(pipes[0][1]);
		close(pipes[1][0]);
		close(pipes[2][0]);
		dup2(pipes[2][1], STDERR_FILENO);
		helper_child(pipes[0][0], pipes[1][1]);
	}
	close(pipes[0][0]);
	close(pipes[1][1]);
	close(pipes[2][1]);
	h->to = pipes[0][1];
	h->from = pipes[1][0];
	h->err = pipes[2][0];
	fcntl(h->err, F_SETFL, fcntl(h->err, F_GETFL) | O_NONBLOCK);
	return true;
}

/*
 * What a dead helper wrote to its stderr, first line, for the DETAIL of its
 * failure (the Go runtime's own reason, say "failed to reserve page
 * summary memory" under a low address-space limit). NULL if nothing.
 */
static char *
helper_stderr(int fd)
{
	char		buf[4096];
	ssize_t		n = read(fd, buf, sizeof(buf) - 1);
	char	   *nl;

	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	if ((nl = strchr(buf, '\n')) != NULL)
		*nl = '\0';
	return buf[0] ? pstrdup(buf) : NULL;
}

/*
 * Send the request within the deadline, without blocking: a helper that
 * stopped reading must not stop us. One that died gets EPIPE; its exit
 * status says why.
 */
static bool
send_request(const Helper *h, const StringInfo request, double deadline,
			 HelperMessage *why)
{
	uint32		len = request->len;
	StringInfoData all;
	struct sigaction ignore = {.sa_handler = SIG_IGN};
	struct sigaction old;
	int			sent = 0;
	bool		ok = true;

	/* sigaction, not pqsignal: it restores exactly what was there. */
	sigaction(SIGPIPE, &ignore, &old);
	initStringInfo(&all);
	appendBinaryStringInfo(&all, (char *) &len, sizeof(len));
	appendBinaryStringInfo(&all, request->data, request->len);
	fcntl(h->to, F_SETFL, fcntl(h->to, F_GETFL) | O_NONBLOCK);
	while (ok && sent < all.len)
	{
		ssize_t		n = write(h->to, all.data + sent, all.len - sent);
		int			rc;

		if (n > 0)
		{
			sent += n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN)
		{
			ok = false;			/* EPIPE: it died */
			break;
		}
		rc = wait_fd(h->to, POLLOUT, h->pid, deadline);
		if (rc <= 0)
		{
			kill_helper(h->pid);
			pgseccomp_set_message(why, rc == 0 ? "pgseccomp helper did not read its request in time" :
						"could not wait for the pgseccomp helper",
						rc == 0 ? psprintf("It read nothing for %d ms; it was killed.", HELPER_TIMEOUT_MS) :
						psprintf("poll() failed: %s.", strerror(errno)), NULL);
			ok = false;
		}
	}
	sigaction(SIGPIPE, &old, NULL);
	pfree(all.data);
	return ok;
}

/*
 * In the worker, between requests: start the helper for the next one. A
 * failure is only logged; the next request then starts its own helper and
 * reports why that fails.
 */
void
pgseccomp_prestart_helper(void)
{
	HelperMessage why;

	reap_exited();
	if (warm.pid > 0)
		return;
	if (!start_helper(&warm, &why))
	{
		warm.pid = 0;
		pgseccomp_ereport_message(LOG, &why);
	}
}

/* Reap helpers later (in the compile worker, which keeps coming back). */
bool		pgseccomp_defer_reaping = false;

/*
 * One exchange with helper h. Sets *died_unanswered when it was killed by
 * a signal before writing anything: the helper started ahead may have been
 * killed meanwhile (the OOM killer), and a fresh one may do.
 */
static bool
exchange(Helper *h, const StringInfo request, HelperResponse *response,
		 HelperMessage *why, bool *died_unanswered)
{
	StringInfoData answer;
	instr_time	now;
	double		deadline;
	bool		sent;
	bool		ok;
	int			status;

	*died_unanswered = false;
	reaped_in_wait = 0;
	/* One deadline for the whole exchange, in milliseconds. */
	INSTR_TIME_SET_CURRENT(now);
	deadline = INSTR_TIME_GET_MILLISEC(now) + HELPER_TIMEOUT_MS;
	initStringInfo(&answer);
	why->message = NULL;
	sent = send_request(h, request, deadline, why);
	close(h->to);
	if (why->message == NULL && sent && !read_answer(h->from, h->pid, deadline, &answer, why))
	{
		close(h->from);
		close(h->err);
		reap_helper(h->pid);
		return false;
	}
	close(h->from);
	if (why->message != NULL)
	{
		close(h->err);
		reap_helper(h->pid);
		return false;
	}

	/*
	 * A complete answer needs no exit status, and the helper's exit (the
	 * teardown of a Go runtime) takes longer than its compile: in the
	 * worker, reap it later. Otherwise the exit status says what went wrong.
	 */
	if (sent && pgseccomp_defer_reaping && pgseccomp_wire_decode(answer.data, answer.len, response, why) &&
		exited_count < lengthof(exited))
	{
		exited[exited_count++] = h->pid;
		ok = true;
	}
	else
	{
		ok = reap(h->pid, &answer, why, &status) && sent && pgseccomp_wire_decode(answer.data, answer.len, response, why);
		*died_unanswered = !ok && answer.len == 0 && WIFSIGNALED(status) &&
			WTERMSIG(status) != SIGSYS;
		if (!ok && status != 0)
		{
			char	   *said = helper_stderr(h->err);

			if (said)
				why->detail = psprintf("%s%sThe helper said: %s", why->detail ? why->detail : "",
									   why->detail ? " " : "", said);
		}
	}
	close(h->err);
	pfree(answer.data);
	return ok;
}

/*
 * Hand the request to a helper (the one started ahead, or a new one) and
 * decode its answer. Returns false with *why set if the helper itself
 * failed; errors in the settings come back inside *response. Every wait
 * has a deadline and, in a PostgreSQL child, ends on an interrupt or the
 * postmaster's death.
 */
bool
pgseccomp_run_helper(const StringInfo request, HelperResponse *response,
					 HelperMessage *why)
{
	Helper		h = warm;
	bool		was_warm = warm.pid > 0;
	bool		died_unanswered;

	reap_exited();
	warm.pid = 0;
	interrupted = false;
	for (;;)
	{
		if (h.pid <= 0 && !start_helper(&h, why))
			return false;
		if (exchange(&h, request, response, why, &died_unanswered))
			return true;
		if (interrupted)
		{
			/* The helper is reaped and our ends of its pipes are closed. */
			interrupted = false;
			if (!PostmasterIsAlive())
				proc_exit(1);
			CHECK_FOR_INTERRUPTS();
			return false;
		}
		if (!was_warm || !died_unanswered)
			return false;
		ereport(LOG,
				(errmsg("pgseccomp helper started ahead died before its request: %s", why->message),
				 why->detail ? errdetail_internal("%s", why->detail) : 0,
				 errhint("A fresh helper takes the request.")));
		was_warm = false;
		h.pid = 0;
	}
}

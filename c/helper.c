/*
 * helper.c
 *		Run the Go library in a short-lived helper process.
 *
 * A Go runtime does not survive fork(), and PostgreSQL forks every process
 * from the postmaster, so no PostgreSQL process may load the Go library.
 * Instead the process that needs a compile forks a child that PostgreSQL
 * does not track; the child loads the library, writes its answer to a pipe
 * and _exit()s without running PostgreSQL's exit callbacks. Whatever
 * happens to the child becomes a message here, never a crash of the caller.
 */
#include "pgseccomp.h"

#include <dlfcn.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "miscadmin.h"
#include "portability/instr_time.h"

#define HELPER_LIBRARY		"pgseccomp_policy.so"
#define HELPER_SYMBOL		"PgseccompCompile"
#define HELPER_TIMEOUT_MS	30000

/* Exit codes of the child, besides 0. */
#define HELPER_EXIT_LOAD	3	/* could not load the library; message on the pipe */
#define HELPER_EXIT_WRITE	4	/* could not write the response */

typedef int (*compile_fn) (const char *req, int len, int fd);

static void
write_all(int fd, const char *buf, size_t len)
{
	while (len > 0)
	{
		ssize_t		n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		buf += n;
		len -= n;
	}
}

/* The child: never returns. */
static void
helper_child(const StringInfo request, int fd)
{
	sigset_t	none;
	int			sig;
	char		path[MAXPGPATH];
	void	   *lib;
	compile_fn	compile;

	/* Signal handlers and mask are PostgreSQL's; the Go runtime wants its own. */
	for (sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* Do not outlive the process that waits for us. */
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);

	snprintf(path, sizeof(path), "%s/%s", pkglib_path, HELPER_LIBRARY);
	lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	compile = lib ? (compile_fn) dlsym(lib, HELPER_SYMBOL) : NULL;
	if (compile == NULL)
	{
		const char *err = dlerror();

		write_all(fd, err ? err : path, strlen(err ? err : path));
		_exit(HELPER_EXIT_LOAD);
	}
	_exit(compile(request->data, request->len, fd) == 0 ? 0 : HELPER_EXIT_WRITE);
}

static void
set_message(HelperMessage *msg, const char *message, const char *detail, const char *hint)
{
	msg->message = pstrdup(message);
	msg->detail = detail && *detail ? pstrdup(detail) : NULL;
	msg->hint = hint && *hint ? pstrdup(hint) : NULL;
}

/* Read the child's answer until EOF, within the deadline. */
static bool
read_answer(int fd, pid_t pid, StringInfo out, HelperMessage *why)
{
	instr_time	start,
				now;
	char		buf[8192];

	INSTR_TIME_SET_CURRENT(start);
	for (;;)
	{
		struct pollfd pfd = {.fd = fd,.events = POLLIN};
		long		left;
		ssize_t		n;
		int			rc;

		INSTR_TIME_SET_CURRENT(now);
		INSTR_TIME_SUBTRACT(now, start);
		left = HELPER_TIMEOUT_MS - (long) INSTR_TIME_GET_MILLISEC(now);
		if (left <= 0)
		{
			kill(pid, SIGKILL);
			set_message(why, "pgseccomp helper did not answer in time",
						psprintf("No answer after %d ms; it was killed.", HELPER_TIMEOUT_MS), NULL);
			return false;
		}
		rc = poll(&pfd, 1, (int) left);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0)
		{
			kill(pid, SIGKILL);
			set_message(why, "could not wait for the pgseccomp helper",
						psprintf("poll() failed: %s.", strerror(errno)), NULL);
			return false;
		}
		if (rc == 0)
			continue;
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
		{
			kill(pid, SIGKILL);
			set_message(why, "could not read from the pgseccomp helper",
						psprintf("read() failed: %s.", strerror(errno)), NULL);
			return false;
		}
		if (n == 0)
			return true;
		appendBinaryStringInfo(out, buf, n);
	}
}

static bool
reap(pid_t pid, const StringInfo answer, HelperMessage *why)
{
	int			status;

	while (waitpid(pid, &status, 0) < 0)
	{
		if (errno != EINTR)
		{
			set_message(why, "could not wait for the pgseccomp helper",
						psprintf("waitpid() failed: %s.", strerror(errno)), NULL);
			return false;
		}
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return true;
	if (WIFEXITED(status) && WEXITSTATUS(status) == HELPER_EXIT_LOAD)
		set_message(why, "pgseccomp helper could not load its library",
					psprintf("%s.", answer->data),
					"Check that pgseccomp is installed completely (\"make install\").");
	else if (WIFSIGNALED(status))
		set_message(why, "pgseccomp helper was terminated by a signal",
					psprintf("Signal %d: %s.", WTERMSIG(status), pg_strsignal(WTERMSIG(status))),
					WTERMSIG(status) == SIGSYS ?
					"The global filter kills a syscall that pgseccomp needs; see the warnings at server start." : NULL);
	else
		set_message(why, "pgseccomp helper failed",
					psprintf("It exited with status %d.", WEXITSTATUS(status)),
					WEXITSTATUS(status) == 2 ?
					"The Go runtime exits with status 2 when a syscall it needs is denied; check the global filter." : NULL);
	return false;
}

/* Decode the records written by ext/response.go. */
static bool
decode(const StringInfo in, HelperResponse *resp, HelperMessage *why)
{
	int			pos = 0;
	CompiledFilter *cur = NULL;
	int			cap = 0;

	memset(resp, 0, sizeof(*resp));
	while (pos < in->len)
	{
		char		tag;
		uint32		len;
		char	   *payload;

		if (in->len - pos < 5)
			goto malformed;
		tag = in->data[pos];
		memcpy(&len, in->data + pos + 1, sizeof(len));
		pos += 5;
		if (len > (uint32) (in->len - pos))
			goto malformed;
		payload = palloc(len + 1);
		memcpy(payload, in->data + pos, len);
		payload[len] = '\0';
		pos += len;

		switch (tag)
		{
			case 'G':
				cur = &resp->global;
				cur->ok = true;
				break;
			case 'T':
				if (resp->ntargets == cap)
				{
					cap = cap ? cap * 2 : 8;
					resp->targets = resp->targets ?
						repalloc(resp->targets, cap * sizeof(CompiledFilter)) :
						palloc(cap * sizeof(CompiledFilter));
				}
				cur = &resp->targets[resp->ntargets++];
				memset(cur, 0, sizeof(*cur));
				cur->ok = true;
				break;
			case 'B':
				if (!cur || len % sizeof(struct sock_filter) != 0)
					goto malformed;
				cur->has_program = true;
				cur->ninsns = len / sizeof(struct sock_filter);
				cur->program = (struct sock_filter *) payload;
				break;
			case 'N':
				if (!cur)
					goto malformed;
				cur->has_program = false;
				break;
			case 'R':
				if (!cur)
					goto malformed;
				cur->rows = payload;
				break;
			case 'E':
			case 'W':
				{
					/* message NUL detail NUL hint; the payload is NUL-terminated */
					const char *part[3] = {"", "", ""};
					const char *p = payload;
					int			i;

					for (i = 0; i < 3 && p <= payload + len; i++)
					{
						part[i] = p;
						p += strlen(p) + 1;
					}
					if (tag == 'W')
					{
						HelperMessage *msg = palloc0(sizeof(HelperMessage));

						set_message(msg, part[0], part[1], part[2]);
						resp->warnings = lappend(resp->warnings, msg);
					}
					else if (cur)
					{
						cur->ok = false;
						set_message(&cur->error, part[0], part[1], part[2]);
					}
					else
						goto malformed;
					break;
				}
			case 'L':
				resp->names = payload;
				break;
			default:
				goto malformed;
		}
	}
	if (!resp->global.ok && resp->global.error.message == NULL)
		goto malformed;
	return true;

malformed:
	set_message(why, "malformed answer from the pgseccomp helper",
				psprintf("%d bytes could not be decoded.", in->len), NULL);
	return false;
}

/*
 * Fork a helper, hand it the request and decode its answer. Returns false
 * with *why set if the helper itself failed; errors in the settings come
 * back inside *response.
 */
bool
pgseccomp_run_helper(const StringInfo request, HelperResponse *response,
					 HelperMessage *why)
{
	int			fds[2];
	pid_t		pid;
	StringInfoData answer;
	bool		ok;

	if (pipe2(fds, O_CLOEXEC) < 0)
	{
		set_message(why, "could not create pipe for the pgseccomp helper",
					psprintf("pipe2() failed: %s.", strerror(errno)), NULL);
		return false;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0)
	{
		close(fds[0]);
		close(fds[1]);
		set_message(why, "could not fork the pgseccomp helper",
					psprintf("fork() failed: %s.", strerror(errno)), NULL);
		return false;
	}
	if (pid == 0)
	{
		close(fds[0]);
		helper_child(request, fds[1]);
	}
	close(fds[1]);

	initStringInfo(&answer);
	ok = read_answer(fds[0], pid, &answer, why);
	close(fds[0]);
	if (!ok)
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR);
	else
		ok = reap(pid, &answer, why);
	if (ok)
		ok = decode(&answer, response, why);
	pfree(answer.data);
	return ok;
}

package policy

import (
	"fmt"
	"strings"

	"github.com/pgseccomp/pgseccomp/internal/names"
	"github.com/pgseccomp/pgseccomp/internal/settings"
)

// SourceFloor is the source of the floor's decisions in seccomp_filter():
// like SourceSelf, something pgseccomp decided, not a setting.
const SourceFloor = "pgseccomp"

// ClientFloor is what a client backend needs so that no client filter can
// make PostgreSQL restart the cluster or lose the client's connection. set_client_filter is open to any
// user it is granted to, so the client level never denies these: each one
// it would deny is allowed in the client filter instead. The session and
// global filters, which the DBA writes, may still deny them.
//
// Four parts, measured on PostgreSQL 15 by calling set_client_filter
// with default 'error' and empty lists, then working on:
//   - reporting an error and exiting: reading the next query and sending
//     its error (recvfrom, sendto), the server log (write), proc_exit's
//     check that it runs in its own process (getpid: without it, PANIC,
//     abort() and SIGSEGV), memory for the message, the release of
//     shared-memory locks, and the exit;
//   - writing, syncing and recycling WAL and data files, which a backend
//     does in critical sections where any failure is a PANIC (a denied
//     fdatasync of a WAL segment at commit restarts every session);
//   - timers and short sleeps that signal handlers and spinlock waits use
//     at any moment, in critical sections too: a SIGALRM handler whose
//     setitimer fails raises FATAL there, which becomes a PANIC, and a
//     spinlock whose sleep fails at once ends in "stuck spinlock".
//   - waiting for the client: between statements a backend whose read
//     finds no data waits on its socket and latch (epoll_wait; poll where
//     epoll is missing), and one whose write finds the socket full waits
//     for it to drain, switching what it waits for (epoll_ctl). Denied,
//     the wait fails and the connection ends with "protocol
//     synchronization was lost" (measured on PostgreSQL 15 and 18 with
//     default 'error' and empty lists).
var ClientFloor = []string{
	"exit", "exit_group", "rt_sigreturn", "rt_sigprocmask",
	"recvfrom", "sendto", "write", "getpid",
	"brk", "mmap", "munmap", "mremap", "madvise", "futex",
	"openat", "open", "close", "read", "pread64", "pwrite64", "writev", "pwritev",
	"lseek", "fsync", "fdatasync", "sync_file_range", "fallocate", "ftruncate",
	"fstat", "newfstatat", "statx", "fcntl", "fadvise64",
	"rename", "renameat", "renameat2", "link", "linkat", "unlink", "unlinkat",
	"setitimer", "select", "pselect6", "nanosleep", "clock_nanosleep",
	"epoll_wait", "epoll_pwait", "epoll_pwait2", "epoll_ctl", "poll", "ppoll",
}

// RarePaths are syscalls PostgreSQL makes on paths whose timing a
// learning window cannot be relied on to cover, so a suggestion always
// keeps them: waking a process that sleeps on its latch (kill with SIGURG,
// made only when the other process is asleep at that moment), the
// resource usage autovacuum and log_*_stats report (getrusage), and
// waiting on a latch (epoll_wait, epoll_pwait). Measured: a policy learned
// over a short suite, enforced afterwards, denied autovacuum workers
// getrusage, kill and epoll_wait, and a role's client backend kill.
var RarePaths = []string{"kill", "getrusage", "epoll_wait", "epoll_pwait"}

// KeepFloor allows in a client filter each floor syscall that the filter
// would deny, with source SourceFloor. It warns about those the caller
// named itself in error_list or kill_list, since the call does less than
// it says for them; for the others (a default or an inherited list)
// nothing the caller wrote is dropped.
func KeepFloor(f *Filter, p *Policy, r names.Resolver) []settings.Warning {
	var kept []string
	for _, name := range ClientFloor {
		nr, ok := r.Number(name)
		if !ok || f.Decide(nr).Action.Precedence() < settings.Error.Precedence() {
			continue // not on this architecture, or not denied
		}
		f.Rules[nr] = Decision{Action: settings.Allow, Source: SourceFloor, Named: true}
		if rule, named := p.Rules[nr]; named && rule.ImpliedBy == "" && rule.Rank == RankExplicit {
			kept = append(kept, fmt.Sprintf("\"%s\"", name))
		}
	}
	if len(kept) == 0 {
		return nil
	}
	what, it := "syscall "+kept[0], "it"
	if len(kept) > 1 {
		what, it = "syscalls "+strings.Join(kept, ", "), "them"
	}
	return []settings.Warning{{
		Message: fmt.Sprintf("set_client_filter keeps %s allowed", what),
		Detail:  fmt.Sprintf("A client backend needs %s to report an error and exit.", it),
	}}
}

package hooks

import (
	"fmt"
	"strings"

	"github.com/pgseccomp/pgseccomp/guc"
)

// SourceFloor is the source of the floor's decisions in seccomp_filter():
// like SourceSelf, something pgseccomp decided, not a setting.
const SourceFloor = "pgseccomp"

// ClientFloor is what a client backend needs to report an error and exit:
// ereport writes the message to the client and the log, the backend
// releases its locks and shared memory (semaphores, futexes, signals to
// other backends), removes its temporary files and exits. A client filter
// that denied any of these would not stop a query but leave a backend that
// can neither say why nor go away, holding its locks, until the
// postmaster is restarted. set_client_filter is open to any user it is
// granted to, so the client level can never deny them: each one it would
// deny is allowed in the client filter instead. The session and global
// filters, which the DBA writes, may still deny them.
var ClientFloor = []string{
	// exiting, and the signals that interrupt and terminate a backend
	"exit", "exit_group", "rt_sigreturn", "rt_sigprocmask", "rt_sigaction", "sigaltstack",
	// the error message, to the client and the log
	"write", "writev", "sendto", "sendmsg", "recvfrom",
	// waking and signalling other backends, waiting for them
	"futex", "getpid", "kill", "tgkill", "semop", "semtimedop",
	"epoll_wait", "epoll_pwait", "epoll_ctl", "select", "poll",
	// memory for the error's context and its cleanup
	"close", "munmap", "brk", "mmap", "mprotect", "madvise",
	// temporary files, and the statistics and timing of the end of a query
	"lseek", "unlink", "unlinkat", "openat", "fstat", "newfstatat",
	"getrusage", "clock_gettime", "gettimeofday",
}

// keepFloor allows in a client filter each floor syscall that the filter
// would deny, with source SourceFloor. It warns about those the caller
// named itself in error_list or kill_list, since the call does less than
// it says for them; for the others (a default or an inherited list)
// nothing the caller wrote is dropped.
func keepFloor(f *Filter, p *guc.Policy, r guc.Resolver) []Warning {
	var kept []string
	for _, name := range ClientFloor {
		nr, ok := r.Number(name)
		if !ok || f.Decide(nr).Action < guc.Error {
			continue // not on this architecture, or not denied
		}
		f.Rules[nr] = Decision{Action: guc.Allow, Source: SourceFloor, Named: true}
		if rule, named := p.Rules[nr]; named && rule.ImpliedBy == "" && rule.Rank == guc.RankExplicit {
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
	return []Warning{{
		Message: fmt.Sprintf("set_client_filter keeps %s allowed", what),
		Detail:  fmt.Sprintf("A client backend needs %s to report an error and exit.", it),
	}}
}

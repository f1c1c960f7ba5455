package policy

import (
	"fmt"
	"syscall"

	"github.com/pgseccomp/pgseccomp/internal/names"
	"github.com/pgseccomp/pgseccomp/internal/settings"
)

// CannotFail are the syscalls that only read the calling process's own
// identity or state (its ids, its resource usage, the clocks, the system's
// name) and that programs call as if they could not fail: glibc returns
// their result unchecked, so a denial with an errno is read as a value
// (a geteuid denied with EACCES returns -13, which libpq printed as a user
// id). Each one is harmless to allow: it reads nothing of another process
// and changes nothing. Suggestions always allow them
// (internal/targets/suggest.go) and the lint warns when a level denies one
// with an errno. The 32-bit and time64 variants are the same calls on
// other architectures.
var CannotFail = []string{
	"getpid", "getppid", "gettid", "getpgrp", "getpgid", "getsid",
	"getuid", "geteuid", "getgid", "getegid", "getresuid", "getresgid", "getgroups",
	"getuid32", "geteuid32", "getgid32", "getegid32", "getresuid32", "getresgid32", "getgroups32",
	"uname", "getrusage", "times", "getcpu", "sched_yield", "getrlimit", "ugetrlimit",
	"time", "gettimeofday", "clock_gettime", "clock_gettime64", "clock_getres", "clock_getres_time64",
}

// cannotFailSeen says what a caller of a CannotFail syscall sees when it
// is denied errno e.
func cannotFailSeen(name string, e syscall.Errno) string {
	n := int(e)
	switch name {
	case "getuid", "geteuid", "getuid32", "geteuid32":
		return fmt.Sprintf("a user id of -%d (%d unsigned): \"local user with ID -%d does not exist\"", n, uint32(-n), n)
	case "getgid", "getegid", "getgid32", "getegid32":
		return fmt.Sprintf("a group id of -%d (%d unsigned)", n, uint32(-n))
	case "getpid", "getppid", "gettid", "getpgrp", "getpgid", "getsid":
		return fmt.Sprintf("a process id of -%d: signals and checks of its own pid go astray (proc_exit PANICs when getpid is wrong)", n)
	case "time":
		return fmt.Sprintf("the time -%d (1969)", n)
	}
	return fmt.Sprintf("-%d, or an error where none is handled", n)
}

// cannotFailIssues warns about each CannotFail syscall the level denies
// with an errno, by a rule or by its default.
func cannotFailIssues(context string, p *Policy, r names.Resolver) []Issue {
	var out []Issue
	for _, name := range CannotFail {
		nr, ok := r.Number(name)
		if !ok {
			continue
		}
		action, e, setting := p.Default, syscall.Errno(0), p.DefaultSetting
		if rule, named := p.Rules[nr]; named {
			action, e, setting = rule.Action, rule.Errno, rule.Setting
		}
		if action != settings.Error {
			continue
		}
		if e == 0 {
			e = names.DefaultErrno
		}
		out = append(out, Issue{context, setting, name, fmt.Sprintf(
			"%s only reads the process's own identity or state and its callers do not expect it to fail: denied with %s, it returns %s. Allow it.",
			name, names.ErrnoName(e), cannotFailSeen(name, e))})
	}
	return out
}

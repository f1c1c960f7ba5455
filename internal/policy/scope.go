package policy

import (
	"fmt"
	"strings"

	"github.com/pgseccomp/pgseccomp/internal/names"
	"github.com/pgseccomp/pgseccomp/internal/settings"
)

// ScopeNone is the C layer's word for a kernel on which confined processes
// enter no Landlock domain (c/scope.c); otherwise it sends "landlock N".
const ScopeNone = "none"

// ActThrough are the syscalls by which one process acts through another
// of the same user: it controls it, reads or writes its memory, or takes
// its file descriptors. The kernel checks each against its ptrace access
// rules, which a Landlock domain narrows; reading and writing
// /proc/<pid>/mem is checked the same way, but is an open of a path.
var ActThrough = []string{"ptrace", "process_vm_readv", "process_vm_writev", "pidfd_getfd"}

// Signalling are the syscalls that send a signal to another process.
var Signalling = []string{"kill", "tgkill", "tkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo", "pidfd_send_signal"}

// ScopeIssues says, for one target's stack (global filter first), what
// its processes can still do to processes that carry fewer filters. scope
// is what the C layer found: "landlock N", ScopeNone, or "" when it said
// nothing (then nothing is said).
func ScopeIssues(scope string, stack []*Filter, r names.Resolver) []Issue {
	switch {
	case scope == "":
		return nil
	case strings.HasPrefix(scope, "landlock "):
		text := fmt.Sprintf("Each process that runs a role's code under a filter of its own enters a Landlock domain of its own (%s), so it cannot ptrace, read or write the memory of, or take file descriptors from any other process of the server, nor the programs they run; only its own children.", scope)
		if sig := allowed(Signalling, stack, r); len(sig) > 0 {
			text += fmt.Sprintf(" Signals are not scoped: through %s it can still signal every process of the server's user, and so stop the server or end other sessions, but not make them run its code. Backends wake each other and the postmaster with signals, so a filter cannot deny kill.", strings.Join(sig, ", "))
		}
		return []Issue{{"global", "", "", text}}
	}
	var out []Issue
	open := allowed(ActThrough, stack, r)
	for _, name := range open {
		out = append(out, Issue{"session", "", name, fmt.Sprintf(
			"This kernel gives pgseccomp no Landlock domain to keep processes apart, and %s is allowed: a program that a role's code starts can use it on any process of the server's user that runs under fewer filters (the shell of archive_command or restore_command, a program another role's session started) and make it do what this filter denies. Deny %s at this level.",
			name, strings.Join(open, ", "))})
	}
	out = append(out, Issue{"global", "", "", "This kernel gives pgseccomp no Landlock domain to keep processes apart: a program that a role's code starts can write the memory of any process of the server's user that runs under fewer filters through /proc/<pid>/mem, an open of a path that no syscall filter can tell from another. Only the kernel closes it: Landlock (Linux 5.19 or later, ABI 2), Yama's kernel.yama.ptrace_scope = 1 or more, or a mandatory access control policy (AppArmor, SELinux) for the server."})
	return out
}

// allowed are the names of syscalls that no filter of the stack denies,
// in the given order; names the architecture lacks are skipped.
func allowed(syscalls []string, stack []*Filter, r names.Resolver) []string {
	var out []string
	for _, name := range syscalls {
		nr, ok := r.Number(name)
		if !ok {
			continue
		}
		denied := false
		for _, f := range stack {
			if f.Decide(nr).Action.Precedence() >= settings.Error.Precedence() {
				denied = true
			}
		}
		if !denied {
			out = append(out, name)
		}
	}
	return out
}

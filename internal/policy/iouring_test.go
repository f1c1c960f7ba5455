package policy_test

import (
	"syscall"
	"testing"

	"github.com/pgseccomp/pgseccomp/internal/names"
	"github.com/pgseccomp/pgseccomp/internal/policy"
	"github.com/pgseccomp/pgseccomp/internal/settings"
)

// ioTable knows the io_uring syscalls, some operations io_uring can do
// (write, socket, openat, open) and one it cannot (ptrace).
var ioTable = table{
	"read": 0, "write": 1, "open": 2, "ptrace": 101, "socket": 41,
	"openat": 257, "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427,
}

// TestCompileIOUring: a level that denies what io_uring can do denies
// io_uring too, unless it names the io_uring syscalls itself.
func TestCompileIOUring(t *testing.T) {
	const (
		gAllow = "pgseccomp.global_syscall_allow"
		gError = "pgseccomp.global_syscall_error"
		gKill  = "pgseccomp.global_syscall_kill"
	)
	ring := func(r fullRule) map[string]fullRule {
		return map[string]fullRule{"io_uring_setup": r, "io_uring_enter": r, "io_uring_register": r}
	}
	tests := []struct {
		name  string
		def   string
		lists [4]string           // allow, log, error, kill
		want  map[string]fullRule // the io_uring rules only
	}{
		{name: "error with errno", def: "allow", lists: [4]string{"", "", "write:EPERM", ""},
			want: ring(fullRule{settings.Error, syscall.EPERM, gError, "write"})},
		{name: "strictest wins", def: "allow", lists: [4]string{"", "", "write", "socket"},
			want: ring(fullRule{settings.Kill, 0, gKill, "socket"})},
		// open's job (IORING_OP_OPENAT) is io_uring's itself: the rule
		// of the lowest number among equals names it.
		{name: "through a family", def: "allow", lists: [4]string{"", "", "open", ""},
			want: ring(fullRule{settings.Error, 0, gError, "open"})},
		{name: "named io_uring keeps its rule", def: "allow", lists: [4]string{"io_uring_setup", "", "write", ""},
			want: map[string]fullRule{
				"io_uring_setup":    {settings.Allow, 0, gAllow, ""},
				"io_uring_enter":    {settings.Error, 0, gError, "write"},
				"io_uring_register": {settings.Error, 0, gError, "write"},
			}},
		{name: "log is not a denial", def: "allow", lists: [4]string{"", "write", "", ""}},
		{name: "not an io_uring operation", def: "allow", lists: [4]string{"", "", "ptrace", ""}},
		{name: "a default alone", def: "error", lists: [4]string{"read", "", "", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := policy.Compile(policy.GlobalSpec(level(settings.GlobalName, tt.def, tt.lists)), nil, ioTable)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]fullRule{}
			for name, r := range rulesByName(t, p, ioTable) {
				if names.IOUringCall(name) {
					got[name] = r
				}
			}
			if d := diffRules(got, tt.want); d != "" {
				t.Errorf("io_uring rules differ:%s", d)
			}
		})
	}
}

// TestIOUringNames: the exported predicates agree with the lists.
func TestIOUringNames(t *testing.T) {
	for name, want := range map[string][2]bool{
		"io_uring_setup": {true, false}, "io_uring_enter": {true, false},
		"write": {false, true}, "pipe2": {false, true}, "readlink": {false, false},
		// Linux has no IORING_OP_GETDENTS (proposed, never merged).
		"getdents64": {false, false},
	} {
		if got := [2]bool{names.IOUringCall(name), names.IOUringOp(name)}; got != want {
			t.Errorf("%s: call, op = %v, want %v", name, got, want)
		}
	}
}

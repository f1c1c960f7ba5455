package names_test

import (
	"fmt"
	"strings"
	"syscall"
	"testing"

	"github.com/pgseccomp/pgseccomp/internal/names"
)

// TestGroupMembersShape: the groups the list syntax relies on exist, are
// listed by GroupNames and expand to sorted, distinct, plain syscall names.
func TestGroupMembersShape(t *testing.T) {
	seen := map[string]bool{}
	for _, g := range names.GroupNames() {
		seen[g] = true
		if !strings.HasPrefix(g, "@") {
			t.Errorf("group name %q lacks the @", g)
		}
	}
	for _, g := range []string{"@clock", "@mount", "@module", "@reboot", "@swap", "@raw-io"} {
		if !seen[g] {
			t.Errorf("GroupNames() lacks %s", g)
		}
		members, ok := names.GroupMembers(g)
		if !ok || len(members) == 0 {
			t.Errorf("GroupMembers(%s) = %v, %v", g, members, ok)
			continue
		}
		for i, m := range members {
			if m == "" || strings.HasPrefix(m, "@") || m != strings.ToLower(m) {
				t.Errorf("%s member %q is not a syscall name", g, m)
			}
			if i > 0 && members[i-1] >= m {
				t.Errorf("%s members %q, %q are not sorted and distinct", g, members[i-1], m)
			}
		}
	}
	if members, ok := names.GroupMembers("@no-such-group"); ok || members != nil {
		t.Errorf("GroupMembers(@no-such-group) = %v, %v", members, ok)
	}
}

// TestParseErrno pins the errno parser the list syntax uses.
func TestParseErrno(t *testing.T) {
	tests := []struct {
		in   string
		want syscall.Errno
		ok   bool
	}{
		{"EPERM", syscall.EPERM, true},
		{"eperm", syscall.EPERM, true},
		{"ENOSYS", syscall.ENOSYS, true},
		{"EACCES", syscall.EACCES, true},
		{"EOPNOTSUPP", syscall.EOPNOTSUPP, true}, // aliases of ENOTSUP, EAGAIN, EDEADLK
		{"EWOULDBLOCK", syscall.EAGAIN, true},
		{"EDEADLOCK", syscall.EDEADLK, true},
		{"1", 0, false},
		{"", 0, false},
		{" EPERM", 0, false},
		{"EPRM", 0, false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%q", tt.in), func(t *testing.T) {
			got, ok := names.ParseErrno(tt.in)
			if got != tt.want || ok != tt.ok {
				t.Errorf("ParseErrno(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
			}
			// Aliases print as the name of their number.
			alias := map[string]bool{"EOPNOTSUPP": true, "EWOULDBLOCK": true, "EDEADLOCK": true}[tt.in]
			if ok && !alias && names.ErrnoName(got) != strings.ToUpper(tt.in) {
				t.Errorf("ErrnoName(%d) = %q, want %q", got, names.ErrnoName(got), strings.ToUpper(tt.in))
			}
		})
	}
	if names.DefaultErrno != syscall.EACCES {
		t.Errorf("DefaultErrno = %v, want EACCES", names.DefaultErrno)
	}
}

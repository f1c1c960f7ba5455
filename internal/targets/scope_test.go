package targets_test

import (
	"strings"
	"testing"

	"github.com/pgseccomp/pgseccomp/internal/names"
	"github.com/pgseccomp/pgseccomp/internal/settings"
	"github.com/pgseccomp/pgseccomp/internal/targets"
)

// TestScopeLint: seccomp_lint() says what a confined process can still do
// to processes that carry fewer filters, by what the kernel offers.
func TestScopeLint(t *testing.T) {
	global := globalLevel("allow", "", "", "", "")
	tests := []struct {
		scope, session string // the scope the C layer found; the session's error list
		want           []string
		unwanted       []string
	}{
		{"", "readlink", nil, []string{"Landlock"}},
		{"landlock 7", "readlink", []string{"Landlock domain of its own (landlock 7)", "Signals are not scoped: through kill, tgkill"}, []string{"Deny"}},
		{"landlock 7", "kill, tgkill, tkill, rt_sigqueueinfo, rt_tgsigqueueinfo, pidfd_send_signal", []string{"Landlock domain of its own"}, []string{"Signals are not scoped"}},
		{"none", "readlink", []string{"ptrace: This kernel gives pgseccomp no Landlock", "Deny ptrace, process_vm_readv, process_vm_writev, pidfd_getfd at this level", "pidfd_getfd: This kernel", "/proc/<pid>/mem"}, nil},
		// Denying one member of the job denies the others (jobs.txt): the
		// lint then asks for nothing more, and says what stays open.
		{"none", "ptrace", []string{"/proc/<pid>/mem", "pidfd_getfd gets the action error too"}, []string{"Deny ", "ptrace: This kernel", "process_vm_writev: This kernel", "pidfd_getfd: This kernel"}},
	}
	for _, tc := range tests {
		req := &targets.Request{Scope: tc.scope, Global: global,
			Targets: []settings.Target{{Global: global, Session: sessionLevel("allow", "*", "*", tc.session, "*")}}}
		res := targets.Build(req, names.NativeTable())
		if res.Err != nil || res.Targets[0].Err != nil {
			t.Fatalf("%q: Build = %+v", tc.scope, res)
		}
		var lines []string
		for _, is := range res.Targets[0].Lint {
			lines = append(lines, is.Syscall+": "+is.Text)
		}
		all := strings.Join(lines, "\n")
		for _, w := range tc.want {
			if !strings.Contains(all, w) {
				t.Errorf("%q, %q: lint lacks %q:\n%s", tc.scope, tc.session, w, all)
			}
		}
		for _, u := range tc.unwanted {
			if strings.Contains(all, u) {
				t.Errorf("%q, %q: lint has %q:\n%s", tc.scope, tc.session, u, all)
			}
		}
	}
}

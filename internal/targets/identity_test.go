package targets_test

import (
	"strings"
	"testing"

	"github.com/pgseccomp/pgseccomp/internal/names"
	"github.com/pgseccomp/pgseccomp/internal/policy"
	"github.com/pgseccomp/pgseccomp/internal/settings"
	"github.com/pgseccomp/pgseccomp/internal/targets"
)

// TestCannotFailTable: every entry of policy.CannotFail is a syscall some
// architecture has, named once, and those of this one that read identities
// are in systemd's @default ("always permitted").
func TestCannotFailTable(t *testing.T) {
	seen := map[string]bool{}
	def, _ := names.GroupMembers("@default")
	inDefault := map[string]bool{}
	for _, m := range def {
		inDefault[m] = true
	}
	for _, name := range policy.CannotFail {
		if seen[name] {
			t.Errorf("%s listed twice", name)
		}
		seen[name] = true
		if _, ok := native.Number(name); !ok && !native.Foreign(name) {
			t.Errorf("%s is no syscall libseccomp knows", name)
		}
		if strings.HasPrefix(name, "get") && strings.HasSuffix(name, "id") && !inDefault[name] {
			t.Errorf("%s reads an id but is not in @default", name)
		}
	}
	for _, name := range []string{"geteuid", "getpid", "gettid", "getuid", "uname", "getrusage", "clock_gettime"} {
		if !seen[name] {
			t.Errorf("%s is missing", name)
		}
	}
}

// TestCannotFailLint: a level that denies an identity syscall with an
// errno, by a list or by its default, gets a warning that says what the
// caller sees; one that allows it or kills gets none.
func TestCannotFailLint(t *testing.T) {
	tests := []struct {
		name    string
		session settings.Level
		want    string // "" for no issue about geteuid
		setting string
	}{
		{"listed", sessionLevel("allow", "*", "*", "geteuid", "*"), "returns a user id of -13", "pgseccomp.session_syscall_error"},
		{"listed errno", sessionLevel("allow", "*", "*", "geteuid:EPERM", "*"), "returns a user id of -1 ", "pgseccomp.session_syscall_error"},
		{"by default", sessionLevel("error", "read,write", "*", "*", "*"), "denied with EACCES", "pgseccomp.session_syscall_default"},
		{"allowed", sessionLevel("error", "geteuid", "*", "*", "*"), "", ""},
		{"killed", sessionLevel("allow", "*", "*", "*", "geteuid"), "", ""},
	}
	global := globalLevel("allow", "", "", "", "")
	g, err := targets.BuildGlobal(global, native, policy.SelfNeeds)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := targets.BuildSession(g, settings.Target{Global: global, Session: tt.session}, native)
			if err != nil {
				t.Fatal(err)
			}
			var got *policy.Issue
			for _, i := range policy.Lint(g.Policy, g.Filter, g.Warnings, "", s.Policy, native) {
				if i.Context == "session" && i.Syscall == "geteuid" && strings.Contains(i.Text, "identity") {
					got = &i
				}
			}
			switch {
			case tt.want == "" && got != nil:
				t.Errorf("unexpected issue %+v", *got)
			case tt.want != "" && (got == nil || !strings.Contains(got.Text, tt.want) || got.Setting != tt.setting):
				t.Errorf("issue %+v, want one from %s containing %q", got, tt.setting, tt.want)
			}
		})
	}
}

package targets_test

import (
	"strings"
	"testing"

	"github.com/pgseccomp/pgseccomp/internal/policy"
	"github.com/pgseccomp/pgseccomp/internal/settings"
	"github.com/pgseccomp/pgseccomp/internal/targets"
)

// TestSessionSideDoors: what a session denies stays denied through the
// entry points the global allow list opens and that the session inherits
// with "*" (a sibling, io_uring), and the lint says why.
func TestSessionSideDoors(t *testing.T) {
	arch := nativeArch(t)
	const sError = "pgseccomp.session_syscall_error"
	global := globalLevel("log", "@system-service", "", "", "")
	tests := []struct {
		name    string
		session settings.Level
		want    map[string]settings.Action // the session program's decisions
		lint    map[string]string          // syscall: a substring of its issue
		noLint  []string                   // syscalls without an issue
	}{
		{
			// readlinkat is in the inherited allow list, readlink in the
			// session's own error list.
			name:    "inherited sibling",
			session: sessionLevel("allow", "*", "*", "readlink", "*"),
			want:    map[string]settings.Action{"readlink": settings.Error, "readlinkat": settings.Error, "read": settings.Allow, "io_uring_setup": settings.Allow},
			lint:    map[string]string{"readlinkat": "readlinkat gets the action error too, because readlink does the same"},
			noLint:  []string{"io_uring_setup"},
		},
		{
			// The session names readlinkat itself: its allow stands.
			name:    "sibling named by the session",
			session: sessionLevel("allow", "readlinkat", "*", "readlink", "*"),
			want:    map[string]settings.Action{"readlink": settings.Error, "readlinkat": settings.Allow},
			noLint:  []string{"readlinkat"},
		},
		{
			// @system-service allows io_uring (through @aio); unlinkat
			// could be done through a ring.
			name:    "inherited io_uring",
			session: sessionLevel("allow", "*", "*", "unlinkat", "*"),
			want: map[string]settings.Action{"unlinkat": settings.Error, "unlink": settings.Error, "io_uring_setup": settings.Error,
				"io_uring_enter": settings.Error, "io_uring_register": settings.Error, "write": settings.Allow},
			lint: map[string]string{"io_uring_enter": "because io_uring performs"},
		},
		{
			name:    "io_uring named by the session",
			session: sessionLevel("allow", "io_uring_setup,io_uring_enter,io_uring_register", "*", "write", "*"),
			want:    map[string]settings.Action{"write": settings.Error, "io_uring_setup": settings.Allow, "io_uring_enter": settings.Allow},
			noLint:  []string{"io_uring_setup"},
		},
	}
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
			if s.Filter == nil {
				t.Fatal("no session filter")
			}
			v := compile(t, s.Filter)
			for name, want := range tt.want {
				if got := v.action(t, nr(t, name), arch); got != want {
					t.Errorf("%s: the session program does %v, want %v", name, got, want)
				}
			}
			issues := map[string]policy.Issue{}
			for _, i := range policy.Lint(g.Policy, g.Filter, g.Warnings, "", s.Policy, native) {
				if i.Context == "session" && i.Syscall != "" {
					issues[i.Syscall] = i
				}
			}
			for name, text := range tt.lint {
				i, ok := issues[name]
				if !ok || !strings.Contains(i.Text, text) || i.Setting != sError {
					t.Errorf("%s: issue %+v, want one of %q containing %q", name, i, sError, text)
				}
			}
			for _, name := range tt.noLint {
				if i, ok := issues[name]; ok {
					t.Errorf("%s: unexpected issue %+v", name, i)
				}
			}
		})
	}
	// The row of readlinkat names the session's error, which decides.
	s, err := targets.BuildSession(g, settings.Target{Global: global, Session: tests[0].session}, native)
	if err != nil {
		t.Fatal(err)
	}
	if r := rowFor(policy.Describe(s.Stack), nr(t, "readlinkat")); r.Action != settings.Error || r.Source != "session" {
		t.Errorf("readlinkat row %+v, want session->error", r)
	}
}

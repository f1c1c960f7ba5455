package hooks_test

import (
	"strings"
	"testing"

	"github.com/pgseccomp/pgseccomp/guc"
	"github.com/pgseccomp/pgseccomp/hooks"
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
		session guc.Level
		want    map[string]guc.Action // the session program's decisions
		lint    map[string]string     // syscall: a substring of its issue
		noLint  []string              // syscalls without an issue
	}{
		{
			// readlinkat is in the inherited allow list, readlink in the
			// session's own error list.
			name:    "inherited sibling",
			session: sessionLevel("allow", "*", "*", "readlink", "*"),
			want:    map[string]guc.Action{"readlink": guc.Error, "readlinkat": guc.Error, "read": guc.Allow, "io_uring_setup": guc.Allow},
			lint:    map[string]string{"readlinkat": "readlinkat gets the action error too, because readlink does the same"},
			noLint:  []string{"io_uring_setup"},
		},
		{
			// The session names readlinkat itself: its allow stands.
			name:    "sibling named by the session",
			session: sessionLevel("allow", "readlinkat", "*", "readlink", "*"),
			want:    map[string]guc.Action{"readlink": guc.Error, "readlinkat": guc.Allow},
			noLint:  []string{"readlinkat"},
		},
		{
			// @system-service allows io_uring (through @aio); unlinkat
			// could be done through a ring.
			name:    "inherited io_uring",
			session: sessionLevel("allow", "*", "*", "unlinkat", "*"),
			want: map[string]guc.Action{"unlinkat": guc.Error, "unlink": guc.Error, "io_uring_setup": guc.Error,
				"io_uring_enter": guc.Error, "io_uring_register": guc.Error, "write": guc.Allow},
			lint: map[string]string{"io_uring_enter": "because io_uring performs"},
		},
		{
			name:    "io_uring named by the session",
			session: sessionLevel("allow", "io_uring_setup,io_uring_enter,io_uring_register", "*", "write", "*"),
			want:    map[string]guc.Action{"write": guc.Error, "io_uring_setup": guc.Allow, "io_uring_enter": guc.Allow},
			noLint:  []string{"io_uring_setup"},
		},
	}
	g, err := hooks.BuildGlobal(global, native, hooks.SelfNeeds)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := hooks.BuildSession(g, guc.Target{Global: global, Session: tt.session}, native)
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
			issues := map[string]hooks.Issue{}
			for _, i := range hooks.Lint(g, s, native) {
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
	s, err := hooks.BuildSession(g, guc.Target{Global: global, Session: tests[0].session}, native)
	if err != nil {
		t.Fatal(err)
	}
	if r := rowFor(hooks.Describe(s.Stack), nr(t, "readlinkat")); r.Action != guc.Error || r.Source != "session" {
		t.Errorf("readlinkat row %+v, want session->error", r)
	}
}

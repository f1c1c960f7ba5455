package targets_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/pgseccomp/pgseccomp/internal/names"
	"github.com/pgseccomp/pgseccomp/internal/settings"
	"github.com/pgseccomp/pgseccomp/internal/targets"
)

// TestIOUringRefusal: with io_method = io_uring, a level that denies what
// io_uring can do (by a rule, a family or its default) is refused, naming
// the setting; one that denies only what io_uring cannot do is accepted,
// and other io_methods accept everything.
func TestIOUringRefusal(t *testing.T) {
	const (
		gDefault = "pgseccomp.global_syscall_default"
		sError   = "pgseccomp.session_syscall_error"
		sDefault = "pgseccomp.session_syscall_default"
	)
	tests := []struct {
		name          string
		global        settings.Level
		session       settings.Level
		globalSetting string // the refused global setting, or ""
		targetSetting string // the refused session setting, or ""
	}{
		{
			name:    "nothing denied",
			global:  globalLevel("allow", "", "", "", ""),
			session: sessionLevel("allow", "*", "*", "*", "*"),
		},
		{
			name:    "a denial io_uring cannot do",
			global:  globalLevel("allow", "", "", "", ""),
			session: sessionLevel("allow", "*", "*", "readlink, ptrace", "*"),
		},
		{
			name:          "a session denies openat",
			global:        globalLevel("allow", "", "", "", ""),
			session:       sessionLevel("allow", "*", "*", "openat", "*"),
			targetSetting: sError,
		},
		{
			name:          "a session denies pipe2 (IORING_OP_PIPE)",
			global:        globalLevel("allow", "", "", "", ""),
			session:       sessionLevel("allow", "*", "*", "pipe2", "*"),
			targetSetting: sError,
		},
		{
			name:          "a session denies by default",
			global:        globalLevel("allow", "", "", "", ""),
			session:       sessionLevel("error", "@postgres-backend", "*", "*", "*"),
			targetSetting: sDefault,
		},
		{
			name:          "the global level denies by default",
			global:        globalLevel("error", "@postgres-server", "", "", ""),
			session:       sessionLevel("allow", "*", "*", "*", "*"),
			globalSetting: gDefault,
		},
	}
	for _, tc := range tests {
		for _, method := range []string{"", "sync", "worker", "io_uring"} {
			req := &targets.Request{Start: true, IOMethod: method, Global: tc.global,
				Targets: []settings.Target{{Global: tc.global, Session: tc.session}}}
			res := targets.Build(req, names.NativeTable())
			refused := method == "io_uring"
			var se *settings.SettingError
			switch {
			case refused && tc.globalSetting != "":
				if !errors.As(res.Err, &se) || se.Setting != tc.globalSetting ||
					!strings.Contains(se.Message, "conflicts with io_method = io_uring") {
					t.Errorf("%s, %q: global error = %v, want a refusal of %s", tc.name, method, res.Err, tc.globalSetting)
				}
			case res.Err != nil:
				t.Errorf("%s, %q: global error %v", tc.name, method, res.Err)
			case refused && tc.targetSetting != "":
				if err := res.Targets[0].Err; !errors.As(err, &se) || se.Setting != tc.targetSetting {
					t.Errorf("%s, %q: target error = %v, want a refusal of %s", tc.name, method, err, tc.targetSetting)
				}
			case res.Targets[0].Err != nil:
				t.Errorf("%s, %q: target error %v", tc.name, method, res.Targets[0].Err)
			}
		}
	}
}

// TestIOUringLint: seccomp_lint() says what io_method = io_uring means.
func TestIOUringLint(t *testing.T) {
	global := globalLevel("allow", "", "", "", "")
	for _, method := range []string{"worker", "io_uring"} {
		req := &targets.Request{IOMethod: method, Global: global,
			Targets: []settings.Target{{Global: global, Session: sessionLevel("allow", "*", "*", "readlink", "*")}}}
		res := targets.Build(req, names.NativeTable())
		if res.Err != nil || res.Targets[0].Err != nil {
			t.Fatalf("%s: Build = %+v", method, res)
		}
		found := false
		for _, is := range res.Targets[0].Lint {
			if is.Setting == "io_method" && strings.Contains(is.Text, "bypass seccomp") {
				found = true
			}
		}
		if found != (method == "io_uring") {
			t.Errorf("%s: io_method issue present = %v", method, found)
		}
	}
}

package policy_test

import (
	"testing"

	"github.com/pgseccomp/pgseccomp/internal/policy"
	"github.com/pgseccomp/pgseccomp/internal/settings"
)

// filterOf is a filter with a default and rules by number, each rule given
// as an action with an optional errno.
func filterOf(def settings.Action, rules map[int32]policy.Decision) *policy.Filter {
	return &policy.Filter{Default: policy.Decision{Action: def}, Rules: rules}
}

func TestLooserAt(t *testing.T) {
	const readlink, ptrace, chown = 89, 101, 92
	d := func(a settings.Action) policy.Decision { return policy.Decision{Action: a, Named: true} }
	global := filterOf(settings.Allow, map[int32]policy.Decision{ptrace: d(settings.Error)})
	sessionError := filterOf(settings.Allow, map[int32]policy.Decision{readlink: d(settings.Error)})
	sessionEPERM := filterOf(settings.Allow, map[int32]policy.Decision{readlink: {Action: settings.Error, Errno: 1, Named: true}})
	sessionLog := filterOf(settings.Allow, map[int32]policy.Decision{readlink: d(settings.Log)})
	sessionLearn := filterOf(settings.Learn, nil)
	sessionKill := filterOf(settings.Allow, map[int32]policy.Decision{readlink: d(settings.Kill)})
	denyAll := filterOf(settings.Error, map[int32]policy.Decision{chown: d(settings.Allow)})
	tests := []struct {
		name   string
		a, b   []*policy.Filter
		looser bool
		at     int32
	}{
		{"same stack", []*policy.Filter{global, sessionError}, []*policy.Filter{global, sessionError}, false, 0},
		{"global alone is looser than a session filter", []*policy.Filter{global}, []*policy.Filter{global, sessionError}, true, readlink},
		{"a session filter is at least as strict as the global alone", []*policy.Filter{global, sessionError}, []*policy.Filter{global}, false, 0},
		{"errnos are one severity", []*policy.Filter{global, sessionEPERM}, []*policy.Filter{global, sessionError}, false, 0},
		{"log is looser than error", []*policy.Filter{global, sessionLog}, []*policy.Filter{global, sessionError}, true, readlink},
		{"allow is looser than log", []*policy.Filter{global}, []*policy.Filter{global, sessionLog}, true, readlink},
		{"learn is as strict as log", []*policy.Filter{global, sessionLearn}, []*policy.Filter{global, sessionLog}, false, 0},
		{"allow by default is looser than learn", []*policy.Filter{global, sessionLog}, []*policy.Filter{global, sessionLearn}, true, policy.DefaultNr},
		{"error is looser than kill", []*policy.Filter{global, sessionError}, []*policy.Filter{global, sessionKill}, true, readlink},
		{"a stricter default", []*policy.Filter{global, denyAll}, []*policy.Filter{global, sessionError}, false, 0},
		{"an allowed syscall under a stricter default", []*policy.Filter{global, sessionError}, []*policy.Filter{global, denyAll}, true, policy.DefaultNr},
		{"the global filter counts in both", []*policy.Filter{global, denyAll}, []*policy.Filter{global, denyAll, sessionKill}, true, readlink},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			at, looser := policy.LooserAt(tt.a, tt.b)
			if looser != tt.looser || (looser && at != tt.at) {
				t.Errorf("LooserAt = %d, %v; want %d, %v", at, looser, tt.at, tt.looser)
			}
		})
	}
}

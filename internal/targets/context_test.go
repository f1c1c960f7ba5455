package targets_test

import (
	"testing"

	"github.com/pgseccomp/pgseccomp/internal/settings"
	"github.com/pgseccomp/pgseccomp/internal/targets"
)

// Each target's lint rows name it, so that seccomp_lint() can list every
// target of the cluster side by side.
func TestTargetContext(t *testing.T) {
	for _, c := range []struct {
		target settings.Target
		want   string
	}{
		{settings.Target{}, "session"},
		{settings.Target{Role: "alice"}, "role alice"},
		{settings.Target{Type: "autovacuum_worker"}, "type autovacuum_worker"},
	} {
		if got := targets.TargetContext(c.target); got != c.want {
			t.Errorf("TargetContext(%+v) = %q, want %q", c.target, got, c.want)
		}
	}
}

package targets_test

import (
	"strings"
	"testing"

	"github.com/pgseccomp/pgseccomp/internal/settings"
	"github.com/pgseccomp/pgseccomp/internal/targets"
)

// TestStricter: a compile of the stored targets says, for each, which
// others are at least as strict (what c/roles.c looks up), and lint names
// the looser login filters; a compile with client calls has neither.
func TestStricter(t *testing.T) {
	global := settings.DefaultGlobal()
	session := sessionLevel("allow", "*", "*", "readlink, mkdir", "*")
	role := func(name string, overrides map[settings.Field]string) settings.Target {
		return settings.Target{Global: global, Session: session, Role: name, Overrides: overrides}
	}
	req := &targets.Request{Global: global, Targets: []settings.Target{
		{Global: global, Session: session},
		role("free", map[settings.Field]string{settings.FieldError: ""}),
		role("tight", map[settings.Field]string{settings.FieldError: "readlink, mkdir, chdir"}),
		role("same", nil),
		role("bad", map[settings.Field]string{settings.FieldError: "nosuchsyscall"}),
		{Global: global, Session: session, Type: "autovacuum_worker", Overrides: map[settings.Field]string{settings.FieldError: ""}},
	}}
	res := targets.Build(req, native)
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	// Columns: session, free, tight, same, bad, autovacuum_worker.
	want := []string{"1011?0", "1111?1", "0010?0", "1011?0", "", "1111?1"}
	for i, tr := range res.Targets {
		if tr.Stricter != want[i] {
			t.Errorf("target %d: Stricter = %q, want %q", i, tr.Stricter, want[i])
		}
	}
	if res.Targets[4].Err == nil {
		t.Fatal("the bad override compiled")
	}
	var lint []string
	for _, i := range res.Targets[0].Lint {
		if i.Setting == settings.SessionRolesName {
			lint = append(lint, i.Text)
		}
	}
	text := strings.Join(lint, "\n")
	t.Log(text)
	for _, s := range []string{
		`Role "free" has a looser filter than roles without an override (the session filter), role "tight", role "same" (it allows mkdir, which the session filter denies)`,
		`Roles without an override have a looser filter than role "tight" (it allows chdir, which role "tight"'s filter denies)`,
		`UPDATE pg_authid`,
	} {
		if !strings.Contains(text, s) {
			t.Errorf("lint does not say %q:\n%s", s, text)
		}
	}
	if strings.Contains(text, `Role "tight" has`) || strings.Contains(text, "autovacuum") {
		t.Errorf("lint names a filter that is not looser, or a backend type:\n%s", text)
	}
	if len(lint) != 3 { // free, the session, same
		t.Errorf("%d issues, want 3:\n%s", len(lint), text)
	}

	// set_client_filter's compile is one session's: no comparison.
	req.Targets = []settings.Target{{Global: global, Session: session, Clients: []settings.Client{{}}}}
	if res := targets.Build(req, native); res.Err != nil || res.Targets[0].Stricter != "" {
		t.Errorf("a client compile: %+v", res)
	}
}

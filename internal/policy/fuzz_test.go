package policy_test

import (
	"reflect"
	"strings"
	"syscall"
	"testing"

	"github.com/pgseccomp/pgseccomp/internal/names"
	"github.com/pgseccomp/pgseccomp/internal/policy"
	"github.com/pgseccomp/pgseccomp/internal/settings"
)

// The seed corpora of these fuzz tests are in testdata/fuzz/<FuzzName>/;
// plain "go test" runs them. Fuzz with, one at a time:
//
//	go test -run='^$' -fuzz=FuzzCompileMerge -fuzztime=30s ./internal/policy/

// fuzzLevel reads a level from "default|allow|log|error|kill"; missing
// fields are empty lists, and a default that is no action is chosen by
// its length, so that most inputs get past it.
func fuzzLevel(name func(settings.Field) string, s string) settings.Level {
	fields := strings.SplitN(s, "|", 5)
	for len(fields) < 5 {
		fields = append(fields, "")
	}
	def := fields[0]
	if _, ok := settings.ParseAction(def); !ok {
		def = settings.Action(len(def) % 4).String()
	}
	return level(name, def, [4]string{fields[1], fields[2], fields[3], fields[4]})
}

// explicit spells a policy's decisions out as a global level: every rule
// in its action's list, with its errno.
// explicit writes a policy's own rules back as lists. Rules that families
// implied are left out, as set_client_filter's NULL lists leave them out:
// compiling implies them again.
func explicit(p *policy.Policy) settings.Level {
	var lists [4][]string
	for _, nr := range p.Numbers() {
		r := p.Rules[nr]
		if r.ImpliedBy != "" {
			continue
		}
		item := r.Name
		if r.Errno != 0 {
			item += ":" + names.ErrnoName(r.Errno)
		}
		lists[r.Action] = append(lists[r.Action], item)
	}
	var raw [4]string
	for a := range lists {
		raw[a] = strings.Join(lists[a], ",")
	}
	return level(settings.GlobalName, p.Default.String(), raw)
}

type decision struct {
	action settings.Action
	errno  syscall.Errno
}

func decisions(p *policy.Policy) map[int32]decision {
	out := map[int32]decision{}
	for nr, r := range p.Rules {
		out[nr] = decision{r.Action, r.Errno}
	}
	return out
}

// checkPolicy checks one compiled policy: its rules are the table's, only
// error rules have errnos, and compiling its own decisions as explicit
// lists yields the same decisions (cohere is idempotent).
func checkPolicy(t *testing.T, what string, p *policy.Policy) {
	t.Helper()
	for nr, r := range p.Rules {
		if n, ok := fuzzTable.Number(r.Name); !ok || n != nr {
			t.Errorf("%s: rule %+v keyed by %d", what, r, nr)
		}
		if r.Errno != 0 && r.Action != settings.Error {
			t.Errorf("%s: rule %+v has an errno", what, r)
		}
		if r.Action < settings.Allow || r.Action > settings.Kill {
			t.Errorf("%s: rule %+v has no valid action", what, r)
		}
	}
	lvl := explicit(p)
	again, err := policy.Compile(policy.GlobalSpec(lvl), nil, fuzzTable)
	if err != nil {
		t.Fatalf("%s: its decisions as lists %+v do not compile: %v", what, lvl, err)
	}
	if again.Default != p.Default {
		t.Errorf("%s: default %v, again %v", what, p.Default, again.Default)
	}
	if len(again.Warnings) != 0 {
		t.Errorf("%s: its decisions as lists warn: %+v", what, again.Warnings)
	}
	if got, want := decisions(again), decisions(p); !reflect.DeepEqual(got, want) {
		t.Errorf("%s: not idempotent: decisions %v, from %+v again %v", what, want, lvl, got)
	}
}

func FuzzCompileMerge(f *testing.F) {
	for _, s := range [][2]string{
		{"allow|read,write||chdir|", "error|*|*|*|*"},
		{"log||readlink||", "allow|*||readlink:EPERM|*"},
		{"error|clone|||", "kill|*|*|*|clone3"},
		{"allow|||unlink:ENOENT,fork|", "error|@clock|*|*|*"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, globalRaw, sessionRaw string) {
		global := fuzzLevel(settings.GlobalName, globalRaw)
		gp, err := policy.Compile(policy.GlobalSpec(global), nil, fuzzTable)
		if err != nil {
			settingError(t, err)
			return
		}
		lists, err := policy.ParseGlobalLists(global, fuzzTable)
		if err != nil {
			t.Fatalf("global %+v compiles, but its lists do not parse: %v", global, err)
		}
		checkPolicy(t, "global", gp)

		target := settings.Target{Global: global, Session: fuzzLevel(settings.SessionName, sessionRaw)}
		sp, err := policy.Compile(policy.TargetSpec(target), lists, fuzzTable)
		if err != nil {
			settingError(t, err)
			return
		}
		checkPolicy(t, "session", sp)

		// A set_client_filter call of NULLs takes the session's decisions.
		cp, err := policy.Compile(policy.ClientSpec(settings.Client{}, sp), lists, fuzzTable)
		if err != nil {
			t.Fatalf("all-NULL client of session %+v: %v", target.Session, err)
		}
		if got, want := decisions(cp), decisions(sp); cp.Default != sp.Default || !reflect.DeepEqual(got, want) {
			t.Errorf("all-NULL client decides %v %v, the session %v %v", cp.Default, got, sp.Default, want)
		}
	})
}

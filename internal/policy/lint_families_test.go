package policy_test

import (
	"strings"
	"testing"

	"github.com/pgseccomp/pgseccomp/internal/names"
	"github.com/pgseccomp/pgseccomp/internal/policy"
	"github.com/pgseccomp/pgseccomp/internal/settings"
)

// TestLintFamilies: the lint states what a filter cannot stop of each job
// a level denies by its own rule (once per job), the argument-level
// siblings it denies, and an allowed syscall that still does a job the
// default denies.
func TestLintFamilies(t *testing.T) {
	r := names.NativeTable()
	lint := func(def string, lists [4]string) []policy.Issue {
		t.Helper()
		p, err := policy.Compile(policy.GlobalSpec(level(settings.GlobalName, def, lists)), nil, r)
		if err != nil {
			t.Fatal(err)
		}
		return policy.Lint(p, policy.FromPolicy(p, policy.SourceGlobal), nil, "", nil, r)
	}
	find := func(issues []policy.Issue, syscall, text string) int {
		n := 0
		for _, i := range issues {
			if i.Syscall == syscall && strings.Contains(i.Text, text) {
				n++
			}
		}
		return n
	}
	issues := lint("allow", [4]string{"", "", "clock_gettime,gettimeofday,truncate,unshare,kill", ""})
	for _, tt := range []struct {
		syscall, text string
		want          int
	}{
		{"gettimeofday", "cannot stop all of what gettimeofday does (job clock-read): The vDSO", 1},
		{"clock_gettime", "cannot stop", 0}, // one note per job
		{"truncate", "O_TRUNC", 1},
		{"clone", "clone with arg0&0x7e020080 gets the action error too, because it then does what unshare does (job unshare)", 1},
		{"fcntl", "fcntl with arg1==8,10,15 gets the action error too, because it then does what kill does (job signal)", 1},
		{"clone3", "clone3 fails with ENOSYS", 1},
		{"ftruncate", "ftruncate gets the action error too, because truncate does the same", 1},
	} {
		if got := find(issues, tt.syscall, tt.text); got != tt.want {
			t.Errorf("%d issues for %s with %q, want %d; issues:\n%v", got, tt.syscall, tt.text, tt.want, issues)
		}
	}
	// A log rule is no denial: no note.
	if got := find(lint("allow", [4]string{"", "truncate", "", ""}), "truncate", "cannot stop"); got != 0 {
		t.Errorf("a log rule got a note")
	}
	// Under a denying default, fcntl allowed with no syscall of kill's job
	// named: the lint says fcntl still does it.
	issues = lint("error", [4]string{"fcntl", "", "", ""})
	if find(issues, "fcntl", "fcntl is allowed, also with arg1==8,10,15, which does the job signal") != 1 {
		t.Errorf("no issue for fcntl's F_SETOWN under a denying default:\n%v", issues)
	}
	if find(lint("error", [4]string{"fcntl,kill", "", "", ""}), "fcntl", "also with arg1==8,10,15") != 0 {
		t.Errorf("an issue for fcntl although the level names kill")
	}
}

// TestLintOnDemand: a level that denies making directories is told what
// PostgreSQL makes on demand (temporary file directories), once.
func TestLintOnDemand(t *testing.T) {
	r := names.NativeTable()
	for _, tt := range []struct {
		errorList string
		want      int
	}{
		{"mkdir", 1},
		{"mkdirat", 1},
		{"mkdir, mkdirat", 1},
		{"readlink", 0},
	} {
		p, err := policy.Compile(policy.GlobalSpec(level(settings.GlobalName, "allow", [4]string{"", "", tt.errorList, ""})), nil, r)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, i := range policy.Lint(p, policy.FromPolicy(p, policy.SourceGlobal), nil, "", nil, r) {
			if strings.Contains(i.Text, "base/pgsql_tmp") {
				n++
			}
		}
		if n != tt.want {
			t.Errorf("error list %q: %d issues about pgsql_tmp, want %d", tt.errorList, n, tt.want)
		}
	}
}

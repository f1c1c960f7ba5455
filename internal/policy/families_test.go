package policy_test

import (
	"fmt"
	"sort"
	"strings"
	"syscall"
	"testing"

	"github.com/pgseccomp/pgseccomp/internal/names"
	"github.com/pgseccomp/pgseccomp/internal/policy"
	"github.com/pgseccomp/pgseccomp/internal/settings"
	"github.com/pgseccomp/pgseccomp/internal/testutil"
)

// fullRule is every field of a policy.Rule but the name, which keys it.
type fullRule struct {
	action    settings.Action
	errno     syscall.Errno
	setting   string
	impliedBy string
}

func (r fullRule) String() string {
	s := r.action.String()
	if r.errno != 0 {
		s += ":" + names.ErrnoName(r.errno)
	}
	s += " from " + r.setting
	if r.impliedBy != "" {
		s += " implied by " + r.impliedBy
	}
	return s
}

// rulesByName renders a policy's rules by syscall name, checking that each
// rule's name is the resolver's for its number.
func rulesByName(t *testing.T, p *policy.Policy, r names.Resolver) map[string]fullRule {
	t.Helper()
	out := map[string]fullRule{}
	for nr, rule := range p.Rules {
		if n, ok := r.Number(rule.Name); !ok || n != nr {
			t.Errorf("rule %+v is keyed by %d, but %q is %d, %v", rule, nr, rule.Name, n, ok)
		}
		out[rule.Name] = fullRule{rule.Action, rule.Errno, rule.Setting, rule.ImpliedBy}
	}
	return out
}

func diffRules(got, want map[string]fullRule) string {
	var names []string
	seen := map[string]bool{}
	for _, m := range []map[string]fullRule{got, want} {
		for n := range m {
			if !seen[n] {
				seen[n] = true
				names = append(names, n)
			}
		}
	}
	sort.Strings(names)
	var b strings.Builder
	for _, n := range names {
		g, gok := got[n]
		w, wok := want[n]
		switch {
		case gok && !wok:
			fmt.Fprintf(&b, "\n  %s: got %v, want no rule", n, g)
		case !gok && wok:
			fmt.Fprintf(&b, "\n  %s: got no rule, want %v", n, w)
		case g != w:
			fmt.Fprintf(&b, "\n  %s: got %v, want %v", n, g, w)
		}
	}
	return b.String()
}

// TestCompileFamilies covers the errno of list items and cohere: family
// expansion and the clone3 rule.
func TestCompileFamilies(t *testing.T) {
	const (
		gDef   = "pgseccomp.global_syscall_default"
		gAllow = "pgseccomp.global_syscall_allow"
		gLog   = "pgseccomp.global_syscall_log"
		gError = "pgseccomp.global_syscall_error"
		gKill  = "pgseccomp.global_syscall_kill"
	)
	// clone3 is what every error default, or a denied clone, adds.
	clone3 := func(setting string) fullRule {
		return fullRule{settings.Error, syscall.ENOSYS, setting, "clone"}
	}
	tests := []struct {
		name  string
		r     names.Resolver // nil: syntaxTable
		def   string
		lists [4]string // allow, log, error, kill
		want  map[string]fullRule
	}{
		// Errnos are carried into the rules.
		{
			name: "errno carried", def: "allow", lists: [4]string{"", "", "readlink:EPERM,chdir:ENOENT,read", ""},
			want: map[string]fullRule{
				"readlink":   {settings.Error, syscall.EPERM, gError, ""},
				"readlinkat": {settings.Error, syscall.EPERM, gError, "readlink"},
				"chdir":      {settings.Error, syscall.ENOENT, gError, ""},
				"read":       {settings.Error, 0, gError, ""},
			},
		},
		{
			name: "number with errno", def: "allow", lists: [4]string{"", "", "80:EPERM", ""},
			want: map[string]fullRule{"chdir": {settings.Error, syscall.EPERM, gError, ""}},
		},
		{
			name: "group with errno", r: table{"read": 0, "settimeofday": 164, "clock_settime": 227},
			def: "allow", lists: [4]string{"read", "", "@clock:EPERM", ""},
			want: func() map[string]fullRule {
				// Whichever of the two the group holds get EPERM.
				m := map[string]fullRule{"read": {settings.Allow, 0, gAllow, ""}}
				members, _ := names.GroupMembers("@clock")
				for _, n := range members {
					if n == "settimeofday" || n == "clock_settime" {
						m[n] = fullRule{settings.Error, syscall.EPERM, gError, ""}
					}
				}
				return m
			}(),
		},

		// Families.
		{
			name: "error rule extends", def: "allow", lists: [4]string{"", "", "readlink", ""},
			want: map[string]fullRule{
				"readlink":   {settings.Error, 0, gError, ""},
				"readlinkat": {settings.Error, 0, gError, "readlink"},
			},
		},
		{
			name: "log rule extends", def: "allow", lists: [4]string{"", "readlink", "", ""},
			want: map[string]fullRule{
				"readlink":   {settings.Log, 0, gLog, ""},
				"readlinkat": {settings.Log, 0, gLog, "readlink"},
			},
		},
		{
			name: "kill rule extends", def: "log", lists: [4]string{"", "", "", "readlinkat"},
			want: map[string]fullRule{
				"readlinkat": {settings.Kill, 0, gKill, ""},
				"readlink":   {settings.Kill, 0, gKill, "readlinkat"},
			},
		},
		{
			name: "allow rule does not extend", def: "allow", lists: [4]string{"readlink", "", "", ""},
			want: map[string]fullRule{"readlink": {settings.Allow, 0, gAllow, ""}},
		},
		{
			name: "allow rule does not extend under a log default", def: "log", lists: [4]string{"readlink,open", "", "", ""},
			want: map[string]fullRule{"readlink": {settings.Allow, 0, gAllow, ""}, "open": {settings.Allow, 0, gAllow, ""}},
		},
		{
			name: "sibling allowed explicitly", def: "allow", lists: [4]string{"readlinkat", "", "readlink:EPERM", ""},
			want: map[string]fullRule{
				"readlink":   {settings.Error, syscall.EPERM, gError, ""},
				"readlinkat": {settings.Allow, 0, gAllow, ""},
			},
		},
		{
			name: "sibling in the same list keeps its errno", def: "allow", lists: [4]string{"", "", "readlink:EPERM,readlinkat", ""},
			want: map[string]fullRule{
				"readlink":   {settings.Error, syscall.EPERM, gError, ""},
				"readlinkat": {settings.Error, 0, gError, ""},
			},
		},
		{
			name: "sibling logged explicitly", def: "allow", lists: [4]string{"", "readlinkat", "readlink", ""},
			want: map[string]fullRule{
				"readlink":   {settings.Error, 0, gError, ""},
				"readlinkat": {settings.Log, 0, gLog, ""},
			},
		},
		{
			name: "sibling killed explicitly", def: "allow", lists: [4]string{"", "", "readlink:ENOENT", "readlinkat"},
			want: map[string]fullRule{
				"readlink":   {settings.Error, syscall.ENOENT, gError, ""},
				"readlinkat": {settings.Kill, 0, gKill, ""},
			},
		},
		{
			name: "siblings the resolver lacks are ignored", def: "allow", lists: [4]string{"", "open", "", ""},
			want: map[string]fullRule{
				"open":   {settings.Log, 0, gLog, ""},
				"openat": {settings.Log, 0, gLog, "open"},
			},
		},
		{
			name: "every native sibling", def: "allow", lists: [4]string{"", "", "stat:ENOENT", ""},
			want: map[string]fullRule{
				"stat":       {settings.Error, syscall.ENOENT, gError, ""},
				"lstat":      {settings.Error, syscall.ENOENT, gError, "stat"},
				"newfstatat": {settings.Error, syscall.ENOENT, gError, "stat"},
				"statx":      {settings.Error, syscall.ENOENT, gError, "stat"},
			},
		},
		{
			name: "foreign names skipped before families", def: "allow", lists: [4]string{"", "", "stat64", ""},
			want: map[string]fullRule{},
		},
		{
			// unlinkat does unlink's job, and rmdir's with AT_REMOVEDIR
			// (an argument-level rule, pinned in TestCompileArgSiblings).
			name: "shared sibling, stricter lower number", def: "allow", lists: [4]string{"", "", "unlink", "rmdir"},
			want: map[string]fullRule{
				"unlink":   {settings.Error, 0, gError, ""},
				"rmdir":    {settings.Kill, 0, gKill, ""},
				"unlinkat": {settings.Error, 0, gError, "unlink"},
			},
		},
		{
			name: "shared sibling, stricter higher number", def: "allow", lists: [4]string{"", "", "rmdir", "unlink"},
			want: map[string]fullRule{
				"rmdir":    {settings.Error, 0, gError, ""},
				"unlink":   {settings.Kill, 0, gKill, ""},
				"unlinkat": {settings.Kill, 0, gKill, "unlink"},
			},
		},

		// clone3.
		{
			name: "clone denied", def: "allow", lists: [4]string{"", "", "clone", ""},
			want: map[string]fullRule{
				"clone":  {settings.Error, 0, gError, ""},
				"fork":   {settings.Error, 0, gError, "clone"},
				"vfork":  {settings.Error, 0, gError, "clone"},
				"clone3": clone3(gError),
			},
		},
		{
			name: "clone denied with errno", def: "allow", lists: [4]string{"", "", "clone:EPERM", ""},
			want: map[string]fullRule{
				"clone":  {settings.Error, syscall.EPERM, gError, ""},
				"fork":   {settings.Error, syscall.EPERM, gError, "clone"},
				"vfork":  {settings.Error, syscall.EPERM, gError, "clone"},
				"clone3": clone3(gError),
			},
		},
		{
			// clone3 fails with ENOSYS rather than killing, so that glibc
			// falls back to clone, which the kill rule then sees.
			name: "clone killed", def: "allow", lists: [4]string{"", "", "", "clone"},
			want: map[string]fullRule{
				"clone":  {settings.Kill, 0, gKill, ""},
				"fork":   {settings.Kill, 0, gKill, "clone"},
				"vfork":  {settings.Kill, 0, gKill, "clone"},
				"clone3": clone3(gKill),
			},
		},
		{
			name: "clone denied through a sibling", def: "allow", lists: [4]string{"", "", "fork", ""},
			want: map[string]fullRule{
				"fork":   {settings.Error, 0, gError, ""},
				"clone":  {settings.Error, 0, gError, "fork"},
				"vfork":  {settings.Error, 0, gError, "fork"},
				"clone3": clone3(gError),
			},
		},
		{
			name: "clone unnamed under an error default", def: "error", lists: [4]string{"read", "", "", ""},
			want: map[string]fullRule{
				"read":   {settings.Allow, 0, gAllow, ""},
				"clone3": clone3(gDef),
			},
		},
		{
			name: "clone unnamed under a kill default", def: "kill",
			want: map[string]fullRule{"clone3": clone3(gDef)},
		},
		{
			name: "clone logged", def: "allow", lists: [4]string{"", "clone", "", ""},
			want: map[string]fullRule{
				"clone": {settings.Log, 0, gLog, ""},
				"fork":  {settings.Log, 0, gLog, "clone"},
				"vfork": {settings.Log, 0, gLog, "clone"},
			},
		},
		{
			name: "clone allowed under a log default", def: "log", lists: [4]string{"clone", "", "", ""},
			want: map[string]fullRule{"clone": {settings.Allow, 0, gAllow, ""}},
		},
		{
			name: "clone unnamed under a log default", def: "log",
			want: map[string]fullRule{},
		},
		{
			name: "clone3 allowed explicitly", def: "error", lists: [4]string{"clone,clone3", "", "", ""},
			want: map[string]fullRule{
				"clone":  {settings.Allow, 0, gAllow, ""},
				"clone3": {settings.Allow, 0, gAllow, ""},
			},
		},
		{
			name: "clone3 with its own errno", def: "allow", lists: [4]string{"", "", "clone,clone3:EPERM", ""},
			want: map[string]fullRule{
				"clone":  {settings.Error, 0, gError, ""},
				"fork":   {settings.Error, 0, gError, "clone"},
				"vfork":  {settings.Error, 0, gError, "clone"},
				"clone3": {settings.Error, syscall.EPERM, gError, ""},
			},
		},
		{
			name: "clone3 killed explicitly", def: "error", lists: [4]string{"", "", "", "clone3"},
			want: map[string]fullRule{"clone3": {settings.Kill, 0, gKill, ""}},
		},
		{
			name: "clone3 logged explicitly", def: "allow", lists: [4]string{"", "clone3", "clone", ""},
			want: map[string]fullRule{
				"clone":  {settings.Error, 0, gError, ""},
				"fork":   {settings.Error, 0, gError, "clone"},
				"vfork":  {settings.Error, 0, gError, "clone"},
				"clone3": {settings.Log, 0, gLog, ""},
			},
		},
		{
			name: "no clone3 rule without clone3", r: testTable, def: "error", lists: [4]string{"", "", "clone", ""},
			want: map[string]fullRule{"clone": {settings.Error, 0, gError, ""}},
		},
		{
			name: "no clone3 rule without clone", r: table{"clone3": 435, "read": 0}, def: "error", lists: [4]string{"read", "", "", ""},
			want: map[string]fullRule{"read": {settings.Allow, 0, gAllow, ""}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.r
			if r == nil {
				r = syntaxTable
			}
			p, err := policy.Compile(policy.GlobalSpec(level(settings.GlobalName, tt.def, tt.lists)), nil, r)
			if err != nil {
				t.Fatalf("Compile: %v", err)
			}
			if d := diffRules(rulesByName(t, p, r), tt.want); d != "" {
				t.Errorf("rules differ:%s", d)
			}
		})
	}
}

// TestCompileFamiliesSession: errnos and families through "*" and role
// overrides; cohere runs on each level's own rules.
func TestCompileFamiliesSession(t *testing.T) {
	const (
		sAllow = "pgseccomp.session_syscall_allow"
		sError = "pgseccomp.session_syscall_error"
	)
	global := level(settings.GlobalName, "allow", [4]string{"", "", "readlink:EPERM", ""})
	lists, err := policy.ParseGlobalLists(global, syntaxTable)
	if err != nil {
		t.Fatal(err)
	}
	if want := []settings.Syscall{{Name: "readlink", Nr: 89, Errno: syscall.EPERM}}; len(lists[settings.Error]) != 1 || lists[settings.Error][0] != want[0] {
		t.Fatalf("global error list = %+v, want %+v", lists[settings.Error], want)
	}
	tests := []struct {
		name   string
		target settings.Target
		want   map[string]fullRule
	}{
		{
			name:   "inherited errno and family",
			target: settings.Target{Session: level(settings.SessionName, "allow", [4]string{"*", "*", "*", "*"})},
			want: map[string]fullRule{
				"readlink":   {settings.Error, syscall.EPERM, sError, ""},
				"readlinkat": {settings.Error, syscall.EPERM, sError, "readlink"},
			},
		},
		{
			name:   "session allows the sibling",
			target: settings.Target{Session: level(settings.SessionName, "allow", [4]string{"readlinkat", "*", "*", "*"})},
			want: map[string]fullRule{
				"readlink":   {settings.Error, syscall.EPERM, sError, ""},
				"readlinkat": {settings.Allow, 0, sAllow, ""},
			},
		},
		{
			name:   "session errno beats the inherited one",
			target: settings.Target{Session: level(settings.SessionName, "allow", [4]string{"*", "*", "readlink:ENOENT", "*"})},
			want: map[string]fullRule{
				"readlink":   {settings.Error, syscall.ENOENT, sError, ""},
				"readlinkat": {settings.Error, syscall.ENOENT, sError, "readlink"},
			},
		},
		{
			name: "role errno",
			target: settings.Target{Session: level(settings.SessionName, "error", [4]string{"*", "*", "*", "*"}), Role: "joe",
				Overrides: map[settings.Field]string{settings.FieldError: "readlinkat:ENOSYS", settings.FieldAllow: "clone"}},
			want: map[string]fullRule{
				"readlinkat": {settings.Error, syscall.ENOSYS, "session_syscall_error.joe", ""},
				"readlink":   {settings.Error, syscall.ENOSYS, "session_syscall_error.joe", "readlinkat"},
				"clone":      {settings.Allow, 0, "session_syscall_allow.joe", ""},
				// the default denies clone3; its Setting is not pinned here
			},
		},
		{
			name:   "errno in a role allow override",
			target: settings.Target{Session: level(settings.SessionName, "allow", [4]string{"*", "*", "*", "*"}), Role: "joe", Overrides: map[settings.Field]string{settings.FieldAllow: "read:EPERM"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.target.Global = global
			p, err := policy.Compile(policy.TargetSpec(tt.target), lists, syntaxTable)
			if tt.want == nil {
				checkSettingError(t, err, wantErr{Setting: "session_syscall_allow.joe", Token: "read:eperm", Detail: "Only error lists take an errno"})
				return
			}
			if err != nil {
				t.Fatalf("Compile: %v", err)
			}
			got := rulesByName(t, p, syntaxTable)
			if c3, ok := got["clone3"]; ok && p.Default >= settings.Error {
				if c3.action != settings.Error || c3.errno != syscall.ENOSYS || c3.impliedBy != "clone" {
					t.Errorf("clone3 rule %v, want error:ENOSYS implied by clone", c3)
				}
				delete(got, "clone3")
			}
			if d := diffRules(got, tt.want); d != "" {
				t.Errorf("rules differ:%s", d)
			}
		})
	}
}

// TestSiblings: Siblings is symmetric within a family and never lists the
// name itself.
func TestSiblings(t *testing.T) {
	tests := []struct {
		name string
		want []string
	}{
		{"readlink", []string{"readlinkat"}},
		{"readlinkat", []string{"readlink"}},
		{"clone", []string{"clone3", "fork", "vfork"}},
		{"clone3", []string{"clone", "fork", "vfork"}},
		{"read", []string{"readv"}},
		{"chmod", []string{"fchmod", "fchmodat", "fchmodat2"}},
		{"kill", []string{"pidfd_send_signal", "rt_sigqueueinfo", "rt_tgsigqueueinfo", "tgkill", "tkill"}},
		{"sendfile", []string{"copy_file_range", "sendfile64", "splice", "tee", "vmsplice"}},
		{"getpid", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := names.Siblings(tt.name)
			sort.Strings(got)
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("Siblings(%q) = %q, want %q", tt.name, got, tt.want)
			}
			for _, s := range got {
				if s == tt.name {
					t.Errorf("Siblings(%q) lists the name itself", tt.name)
				}
				found := false
				for _, back := range names.Siblings(s) {
					found = found || back == tt.name
				}
				if !found {
					t.Errorf("Siblings(%q) lists %q, but not the other way round", tt.name, s)
				}
			}
		})
	}
}

// TestCompileErrnoOverlap: a member's own errno beats its group's default
// one; two different errnos for one syscall are an error.
func TestCompileErrnoOverlap(t *testing.T) {
	tests := []struct {
		name    string
		errList string
		want    syscall.Errno
		wantErr bool
	}{
		{name: "own errno after the default", errList: "readlink, readlink:EPERM", want: syscall.EPERM},
		{name: "own errno before the default", errList: "readlink:EPERM, readlink", want: syscall.EPERM},
		{name: "two errnos", errList: "readlink:EPERM, readlink:ENOENT", wantErr: true},
		{name: "same errno twice", errList: "readlink:EPERM, readlink:eperm", want: syscall.EPERM},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := settings.DefaultGlobal()
			l.Lists[settings.Error].Raw = tt.errList
			p, err := policy.Compile(policy.GlobalSpec(l), nil, testutil.Table{"readlink": 89})
			if tt.wantErr {
				if err == nil {
					t.Fatalf("Compile(%q) succeeded, want an error", tt.errList)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := p.Rules[89].Errno; got != tt.want {
				t.Errorf("errno = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestCompileInheritedSiblings: a denying rule also takes a sibling that
// the level names only through a less direct list ("*", a role's or type's
// fallback), but not one it names as directly or more strictly.
func TestCompileInheritedSiblings(t *testing.T) {
	const (
		sAllow = "pgseccomp.session_syscall_allow"
		sLog   = "pgseccomp.session_syscall_log"
		sError = "pgseccomp.session_syscall_error"
	)
	global := level(settings.GlobalName, "log", [4]string{"readlinkat,unlinkat,rmdir,read", "", "", ""})
	lists, err := policy.ParseGlobalLists(global, syntaxTable)
	if err != nil {
		t.Fatal(err)
	}
	sess := func(allow, log, err string) settings.Level {
		return level(settings.SessionName, "allow", [4]string{allow, log, err, "*"})
	}
	tests := []struct {
		name   string
		target settings.Target
		want   map[string]fullRule
	}{
		{
			name:   "inherited allow",
			target: settings.Target{Session: sess("*", "*", "readlink:ENOENT")},
			want: map[string]fullRule{
				"readlink":   {settings.Error, syscall.ENOENT, sError, ""},
				"readlinkat": {settings.Error, syscall.ENOENT, sError, "readlink"},
				"unlinkat":   {settings.Allow, 0, sAllow, ""},
				"rmdir":      {settings.Allow, 0, sAllow, ""},
				"read":       {settings.Allow, 0, sAllow, ""},
			},
		},
		{
			name:   "inherited allow and a log rule",
			target: settings.Target{Session: sess("*", "readlink", "")},
			want: map[string]fullRule{
				"readlink":   {settings.Log, 0, sLog, ""},
				"readlinkat": {settings.Log, 0, sLog, "readlink"},
				"unlinkat":   {settings.Allow, 0, sAllow, ""},
				"rmdir":      {settings.Allow, 0, sAllow, ""},
				"read":       {settings.Allow, 0, sAllow, ""},
			},
		},
		{
			name:   "explicit allow stands",
			target: settings.Target{Session: sess("readlinkat", "*", "readlink")},
			want: map[string]fullRule{
				"readlink":   {settings.Error, 0, sError, ""},
				"readlinkat": {settings.Allow, 0, sAllow, ""},
			},
		},
		{
			// Both rules inherited: the global level's own choice stands.
			name:   "both inherited",
			target: settings.Target{Session: sess("*", "*", "*")},
			want: map[string]fullRule{
				"readlinkat": {settings.Allow, 0, sAllow, ""},
				"unlinkat":   {settings.Allow, 0, sAllow, ""},
				"rmdir":      {settings.Allow, 0, sAllow, ""},
				"read":       {settings.Allow, 0, sAllow, ""},
			},
		},
		{
			// unlinkat is a sibling of unlink and of rmdir: it takes
			// unlink's error, which does not go on to rmdir.
			name:   "no chains",
			target: settings.Target{Session: sess("*", "", "unlink")},
			want: map[string]fullRule{
				"unlink":     {settings.Error, 0, sError, ""},
				"unlinkat":   {settings.Error, 0, sError, "unlink"},
				"rmdir":      {settings.Allow, 0, sAllow, ""},
				"readlinkat": {settings.Allow, 0, sAllow, ""},
				"read":       {settings.Allow, 0, sAllow, ""},
			},
		},
		{
			name: "role override over the session fallback",
			target: settings.Target{Session: sess("readlinkat", "", ""), Role: "joe",
				Overrides: map[settings.Field]string{settings.FieldError: "readlink"}},
			want: map[string]fullRule{
				"readlink":   {settings.Error, 0, "session_syscall_error.joe", ""},
				"readlinkat": {settings.Error, 0, "session_syscall_error.joe", "readlink"},
			},
		},
		{
			name: "type override over the session fallback",
			target: settings.Target{Session: sess("readlinkat", "", ""), Type: "autovacuum_worker",
				Overrides: map[settings.Field]string{settings.FieldError: "readlink"}},
			want: map[string]fullRule{
				"readlink":   {settings.Error, 0, "backend_syscall_error.autovacuum_worker", ""},
				"readlinkat": {settings.Error, 0, "backend_syscall_error.autovacuum_worker", "readlink"},
			},
		},
		{
			name: "role override allow stands over the session fallback",
			target: settings.Target{Session: sess("", "", "readlink"), Role: "joe",
				Overrides: map[settings.Field]string{settings.FieldAllow: "readlinkat"}},
			want: map[string]fullRule{
				"readlink":   {settings.Error, 0, sError, ""},
				"readlinkat": {settings.Allow, 0, "session_syscall_allow.joe", ""},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.target.Global = global
			p, err := policy.Compile(policy.TargetSpec(tt.target), lists, syntaxTable)
			if err != nil {
				t.Fatalf("Compile: %v", err)
			}
			got := rulesByName(t, p, syntaxTable)
			if d := diffRules(got, tt.want); d != "" {
				t.Errorf("rules differ:%s", d)
			}
		})
	}
}

// TestCompileArgSiblings: a denial extends to argument-level siblings for
// the arguments of their condition, even where the level allows the
// syscall, but not where it decides the syscall as strictly; an opaque
// sibling (clone3) fails with ENOSYS, and its own denial extends nowhere.
func TestCompileArgSiblings(t *testing.T) {
	r := names.NativeTable()
	type argRule struct {
		action    settings.Action
		errno     syscall.Errno
		cond      string
		impliedBy string
	}
	tests := []struct {
		name  string
		def   string
		lists [4]string
		want  map[string][]argRule
		rules map[string]fullRule // checked where given
	}{
		{name: "kill's job", def: "allow", lists: [4]string{"", "", "kill:EPERM", ""},
			want: map[string][]argRule{
				"fcntl": {{settings.Error, syscall.EPERM, "arg1==8,10,15", "kill"}},
				"ioctl": {{settings.Error, syscall.EPERM, "arg1==35073,35074", "kill"}},
			}},
		{name: "over an allowed fcntl", def: "error", lists: [4]string{"fcntl,kill,ioctl", "", "", "tgkill"},
			want: map[string][]argRule{
				"fcntl": {{settings.Kill, 0, "arg1==8,10,15", "tgkill"}},
				"ioctl": {{settings.Kill, 0, "arg1==35073,35074", "tgkill"}},
			}},
		{name: "not over a stricter fcntl", def: "allow", lists: [4]string{"", "", "kill", "fcntl,ioctl"},
			want: map[string][]argRule{}},
		{name: "two jobs on fcntl", def: "allow", lists: [4]string{"", "", "kill,dup2:EBADF", ""},
			want: map[string][]argRule{
				// in the order of the denying syscalls' numbers
				"fcntl": {{settings.Error, syscall.EBADF, "arg1==0,1030", "dup2"}, {settings.Error, 0, "arg1==8,10,15", "kill"}},
				"ioctl": {{settings.Error, 0, "arg1==35073,35074", "kill"}},
			}},
		{name: "unshare", def: "allow", lists: [4]string{"", "unshare", "", ""},
			want:  map[string][]argRule{"clone": {{settings.Log, 0, "arg0&0x7e020080", "unshare"}}},
			rules: map[string]fullRule{"unshare": {settings.Log, 0, "pgseccomp.global_syscall_log", ""}}},
		{name: "unshare denied", def: "allow", lists: [4]string{"", "", "unshare", ""},
			want: map[string][]argRule{"clone": {{settings.Error, 0, "arg0&0x7e020080", "unshare"}}},
			rules: map[string]fullRule{
				"unshare": {settings.Error, 0, "pgseccomp.global_syscall_error", ""},
				"clone3":  {settings.Error, syscall.ENOSYS, "pgseccomp.global_syscall_error", "unshare"},
			}},
		{name: "clone3 alone", def: "allow", lists: [4]string{"", "", "clone3", ""},
			want:  map[string][]argRule{},
			rules: map[string]fullRule{"clone3": {settings.Error, 0, "pgseccomp.global_syscall_error", ""}}},
		{name: "rmdir", def: "allow", lists: [4]string{"", "", "unlink", "rmdir"},
			want: map[string][]argRule{"unlinkat": {{settings.Kill, 0, "arg2&0x200", "rmdir"}}}},
		{name: "connect", def: "allow", lists: [4]string{"", "", "connect", ""},
			want: map[string][]argRule{
				"sendto":   {{settings.Error, 0, "arg3&0x20000000", "connect"}},
				"sendmsg":  {{settings.Error, 0, "arg2&0x20000000", "connect"}},
				"sendmmsg": {{settings.Error, 0, "arg3&0x20000000", "connect"}},
			}},
		{name: "allow rules imply nothing", def: "error", lists: [4]string{"kill,unshare,connect", "", "", ""},
			want: map[string][]argRule{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := policy.Compile(policy.GlobalSpec(level(settings.GlobalName, tt.def, tt.lists)), nil, r)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string][]argRule{}
			for nr, rules := range p.ArgRules {
				for _, a := range rules {
					if r.Name(nr) != a.Name {
						t.Errorf("argument rule %+v keyed by %d", a, nr)
					}
					got[a.Name] = append(got[a.Name], argRule{a.Action, a.Errno, a.Cond.String(), a.ImpliedBy})
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("argument rules\n got %v\nwant %v", got, tt.want)
			}
			all := rulesByName(t, p, r)
			for n, w := range tt.rules {
				if all[n] != w {
					t.Errorf("%s: %v, want %v", n, all[n], w)
				}
			}
		})
	}
}

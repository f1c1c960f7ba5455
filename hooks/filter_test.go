package hooks_test

import (
	"errors"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/pgseccomp/pgseccomp/guc"
	"github.com/pgseccomp/pgseccomp/guc/guctest"
	"github.com/pgseccomp/pgseccomp/hooks"
)

// table is a Resolver over a fixed map.
type table = guctest.Table

var testTable = table{
	"read": 0, "write": 1, "close": 3, "getpid": 39, "recvfrom": 45, "clone": 56,
	"wait4": 61, "kill": 62, "readlink": 89, "chown": 92, "ptrace": 101, "futex": 202,
	"getdents64": 217,
}

func level(name func(guc.Field) string, def string, allow, log, err, kill string) guc.Level {
	l := guc.Level{Default: guc.Value{Name: name(guc.FieldDefault), Raw: def}}
	for a, raw := range [4]string{allow, log, err, kill} {
		l.Lists[a] = guc.Value{Name: name(guc.ListField(guc.Action(a))), Raw: raw}
	}
	return l
}

func globalLevel(def, allow, log, err, kill string) guc.Level {
	return level(guc.GlobalName, def, allow, log, err, kill)
}

func sessionLevel(def, allow, log, err, kill string) guc.Level {
	return level(guc.SessionName, def, allow, log, err, kill)
}

// filter builds a Filter whose rules all come from one source.
func filter(def guc.Action, src string, rules map[int32]guc.Action) *hooks.Filter {
	f := &hooks.Filter{Default: hooks.Decision{Action: def, Source: src}, Rules: map[int32]hooks.Decision{}}
	for nr, a := range rules {
		f.Rules[nr] = hooks.Decision{Action: a, Source: src, Named: true}
	}
	return f
}

func TestDescribe(t *testing.T) {
	const X, Y, Z = 42, 7, 300
	tests := []struct {
		name  string
		stack []*hooks.Filter
		want  []hooks.Row
	}{
		{
			name:  "single filter",
			stack: []*hooks.Filter{filter(guc.Log, "global", map[int32]guc.Action{X: guc.Error})},
			want:  []hooks.Row{{Nr: -1, Action: guc.Log, Source: "global"}, {Nr: X, Action: guc.Error, Source: "global"}},
		},
		{
			// A session allow cannot lift the global default.
			name: "global default beats session allow",
			stack: []*hooks.Filter{
				filter(guc.Log, "global", nil),
				filter(guc.Allow, "session", map[int32]guc.Action{X: guc.Allow}),
			},
			want: []hooks.Row{{Nr: -1, Action: guc.Log, Source: "global"}, {Nr: X, Action: guc.Log, Source: "global"}},
		},
		{
			name: "tie names the later filter",
			stack: []*hooks.Filter{
				filter(guc.Kill, "global", map[int32]guc.Action{X: guc.Allow}),
				filter(guc.Error, "session", map[int32]guc.Action{X: guc.Allow}),
			},
			want: []hooks.Row{{Nr: -1, Action: guc.Kill, Source: "global"}, {Nr: X, Action: guc.Allow, Source: "session"}},
		},
		{
			name: "tie on the default",
			stack: []*hooks.Filter{
				filter(guc.Error, "global", nil),
				filter(guc.Error, "session", nil),
			},
			want: []hooks.Row{{Nr: -1, Action: guc.Error, Source: "session"}},
		},
		{
			// Each syscall a level does not name gets its default there.
			name: "unnamed gets the level's default",
			stack: []*hooks.Filter{
				filter(guc.Allow, "global", map[int32]guc.Action{Y: guc.Kill, Z: guc.Allow}),
				filter(guc.Log, "session", map[int32]guc.Action{X: guc.Error, Z: guc.Log}),
			},
			want: []hooks.Row{
				{Nr: -1, Action: guc.Log, Source: "session"},
				{Nr: Y, Action: guc.Kill, Source: "global"},
				{Nr: X, Action: guc.Error, Source: "session"},
				{Nr: Z, Action: guc.Log, Source: "session"},
			},
		},
		{
			name: "session default beats global rule",
			stack: []*hooks.Filter{
				filter(guc.Error, "global", map[int32]guc.Action{X: guc.Allow}),
				filter(guc.Kill, "session", map[int32]guc.Action{Y: guc.Log}),
			},
			want: []hooks.Row{{Nr: -1, Action: guc.Kill, Source: "session"}, {Nr: Y, Action: guc.Error, Source: "global"}, {Nr: X, Action: guc.Kill, Source: "session"}},
		},
		{
			name: "rows ascending and unique",
			stack: []*hooks.Filter{
				filter(guc.Allow, "global", map[int32]guc.Action{Z: guc.Log, 5: guc.Error, X: guc.Log}),
				filter(guc.Allow, "session", map[int32]guc.Action{X: guc.Log, 0: guc.Kill}),
			},
			want: []hooks.Row{
				{Nr: -1, Action: guc.Allow, Source: "session"},
				{Nr: 0, Action: guc.Kill, Source: "session"},
				{Nr: 5, Action: guc.Error, Source: "global"},
				{Nr: X, Action: guc.Log, Source: "session"},
				{Nr: Z, Action: guc.Log, Source: "global"},
			},
		},
		{
			name: "three filters, tie in the middle",
			stack: []*hooks.Filter{
				filter(guc.Log, "global", map[int32]guc.Action{X: guc.Error}),
				filter(guc.Allow, "session", map[int32]guc.Action{X: guc.Error}),
				filter(guc.Allow, "client", map[int32]guc.Action{X: guc.Log}),
			},
			want: []hooks.Row{{Nr: -1, Action: guc.Log, Source: "global"}, {Nr: X, Action: guc.Error, Source: "session"}},
		},
		{
			// Sources are per rule: a "pgseccomp" allow in the global
			// filter is named when it wins, and a later filter that
			// agrees only through its default does not take it.
			name: "pgseccomp kept over a later default",
			stack: []*hooks.Filter{
				{
					Default: hooks.Decision{Action: guc.Kill, Source: "global"},
					Rules:   map[int32]hooks.Decision{X: {Action: guc.Allow, Source: "pgseccomp", Named: true}},
				},
				filter(guc.Allow, "session", map[int32]guc.Action{Y: guc.Log}),
				filter(guc.Allow, "client", nil),
			},
			want: []hooks.Row{{Nr: -1, Action: guc.Kill, Source: "global"}, {Nr: Y, Action: guc.Kill, Source: "global"}, {Nr: X, Action: guc.Allow, Source: "pgseccomp"}},
		},
		{
			// A later rule that names the syscall still wins the tie.
			name: "pgseccomp then a named rule",
			stack: []*hooks.Filter{
				{
					Default: hooks.Decision{Action: guc.Kill, Source: "global"},
					Rules:   map[int32]hooks.Decision{X: {Action: guc.Allow, Source: "pgseccomp", Named: true}},
				},
				filter(guc.Allow, "session", map[int32]guc.Action{X: guc.Allow}),
			},
			want: []hooks.Row{{Nr: -1, Action: guc.Kill, Source: "global"}, {Nr: X, Action: guc.Allow, Source: "session"}},
		},
		{
			// Only pgseccomp's own decisions hold a tie against a
			// default: a global rule does not.
			name: "global rule then a later default",
			stack: []*hooks.Filter{
				filter(guc.Kill, "global", map[int32]guc.Action{X: guc.Allow}),
				filter(guc.Allow, "session", nil),
			},
			want: []hooks.Row{{Nr: -1, Action: guc.Kill, Source: "global"}, {Nr: X, Action: guc.Allow, Source: "session"}},
		},
		{
			// A stricter later default still wins outright.
			name: "pgseccomp then a stricter default",
			stack: []*hooks.Filter{
				{
					Default: hooks.Decision{Action: guc.Kill, Source: "global"},
					Rules:   map[int32]hooks.Decision{X: {Action: guc.Allow, Source: "pgseccomp", Named: true}},
				},
				filter(guc.Error, "session", nil),
			},
			want: []hooks.Row{{Nr: -1, Action: guc.Kill, Source: "global"}, {Nr: X, Action: guc.Error, Source: "session"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := hooks.Describe(tt.stack)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Describe() =\n%v\nwant\n%v", got, tt.want)
			}
		})
	}
}

func TestBuildGlobal(t *testing.T) {
	const (
		gAllow = "pgseccomp.global_syscall_allow"
		gLog   = "pgseccomp.global_syscall_log"
		gError = "pgseccomp.global_syscall_error"
		gKill  = "pgseccomp.global_syscall_kill"
	)
	// "nosuch" is not in the table: needs missing on an architecture are
	// skipped.
	needs := []string{"clone", "wait4", "kill", "futex", "nosuch"}
	g, s, self := "global", "pgseccomp", guc.Allow
	tests := []struct {
		name     string
		level    guc.Level
		want     *hooks.Filter
		warnings []string // substrings: one per warning, in order
	}{
		{
			name:  "allow default adds nothing",
			level: globalLevel("allow", "", "", "ptrace", ""),
			want: &hooks.Filter{Default: hooks.Decision{Action: guc.Allow, Source: g}, Rules: map[int32]hooks.Decision{
				101: {Action: guc.Error, Source: g, Named: true},
			}},
		},
		{
			name:  "error default allows the needs",
			level: globalLevel("error", "read", "", "", ""),
			want: &hooks.Filter{Default: hooks.Decision{Action: guc.Error, Source: g}, Rules: map[int32]hooks.Decision{
				0: {Action: guc.Allow, Source: g, Named: true}, 56: {Action: self, Source: s, Named: true}, 61: {Action: self, Source: s, Named: true}, 62: {Action: self, Source: s, Named: true}, 202: {Action: self, Source: s, Named: true},
			}},
		},
		{
			name:  "log default allows the needs",
			level: globalLevel("log", "", "", "", "ptrace"),
			want: &hooks.Filter{Default: hooks.Decision{Action: guc.Log, Source: g}, Rules: map[int32]hooks.Decision{
				101: {Action: guc.Kill, Source: g, Named: true}, 56: {Action: self, Source: s, Named: true}, 61: {Action: self, Source: s, Named: true}, 62: {Action: self, Source: s, Named: true}, 202: {Action: self, Source: s, Named: true},
			}},
		},
		{
			name:  "needs in allow and log lists are left alone",
			level: globalLevel("kill", "wait4", "futex", "", ""),
			want: &hooks.Filter{Default: hooks.Decision{Action: guc.Kill, Source: g}, Rules: map[int32]hooks.Decision{
				61: {Action: guc.Allow, Source: g, Named: true}, 202: {Action: guc.Log, Source: g, Named: true}, 56: {Action: self, Source: s, Named: true}, 62: {Action: self, Source: s, Named: true},
			}},
		},
		{
			name:  "needs denied by a list are kept with a warning",
			level: globalLevel("error", "", "", "kill", "CLONE"),
			want: &hooks.Filter{Default: hooks.Decision{Action: guc.Error, Source: g}, Rules: map[int32]hooks.Decision{
				56: {Action: guc.Kill, Source: g, Named: true}, 62: {Action: guc.Error, Source: g, Named: true}, 61: {Action: self, Source: s, Named: true}, 202: {Action: self, Source: s, Named: true},
			}},
			warnings: []string{
				`parameter "` + gKill + `" denies syscall "clone"`,
				`parameter "` + gError + `" denies syscall "kill"`,
			},
		},
		{
			name:  "denied need under an allow default",
			level: globalLevel("allow", "", "", "", "futex"),
			want: &hooks.Filter{Default: hooks.Decision{Action: guc.Allow, Source: g}, Rules: map[int32]hooks.Decision{
				202: {Action: guc.Kill, Source: g, Named: true},
			}},
			warnings: []string{`parameter "` + gKill + `" denies syscall "futex"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := hooks.BuildGlobal(tt.level, testTable, needs)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(res.Filter, tt.want) {
				t.Errorf("filter = %+v\nwant     %+v", res.Filter, tt.want)
			}
			// The policy is the settings' own: no needs in it.
			for nr, r := range res.Policy.Rules {
				if r.Setting == "" || !strings.HasPrefix(r.Setting, "pgseccomp.global_syscall_") {
					t.Errorf("policy rule for %d comes from %q", nr, r.Setting)
				}
			}
			if len(res.Warnings) != len(tt.warnings) {
				t.Fatalf("warnings = %+v, want %d", res.Warnings, len(tt.warnings))
			}
			for i, w := range tt.warnings {
				if !strings.Contains(res.Warnings[i].Message, w) || res.Warnings[i].Detail == "" {
					t.Errorf("warning %d = %+v, want it to contain %q and a detail", i, res.Warnings[i], w)
				}
			}
			if res.Lists == nil {
				t.Errorf("no global lists for \"*\"")
			}
		})
	}
}

func TestBuildGlobalErrors(t *testing.T) {
	tests := []struct {
		name           string
		level          guc.Level
		setting, token string
		detail         string // substring
	}{
		{"unknown syscall", globalLevel("allow", "read,nosuch", "", "", ""),
			"pgseccomp.global_syscall_allow", "nosuch", "unknown"},
		{"bad default", globalLevel("deny", "", "", "", ""),
			"pgseccomp.global_syscall_default", "deny", "unknown"},
		{"conflict", globalLevel("allow", "", "read", "", "read"),
			"pgseccomp.global_syscall_kill", "read", "pgseccomp.global_syscall_log"},
		// "*" is the whole value here: the detail must not say it should be.
		{"star", globalLevel("allow", "", "", " * ", ""),
			"pgseccomp.global_syscall_error", "*", "only valid for session settings"},
		{"star in a list", globalLevel("allow", "", "", "", "read,*"),
			"pgseccomp.global_syscall_kill", "*", "must be the whole value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := hooks.BuildGlobal(tt.level, testTable, nil)
			var se *guc.SettingError
			if !errors.As(err, &se) {
				t.Fatalf("error %v is not a *guc.SettingError", err)
			}
			if se.Setting != tt.setting || se.Token != tt.token {
				t.Errorf("error names %q in %q, want %q in %q", se.Token, se.Setting, tt.token, tt.setting)
			}
			if !strings.Contains(se.Detail, tt.detail) {
				t.Errorf("Detail = %q, want it to contain %q", se.Detail, tt.detail)
			}
		})
	}
}

func TestBuildSession(t *testing.T) {
	global := globalLevel("error", "read,write,close", "readlink", "chown", "ptrace")
	tests := []struct {
		name       string
		target     guc.Target
		wantFilter *hooks.Filter // nil: no second filter
	}{
		{
			name:   "all star, same default",
			target: guc.Target{Session: sessionLevel("error", "*", "*", "*", "*")},
		},
		{
			name:   "same lists spelled out",
			target: guc.Target{Session: sessionLevel(" ERROR", "close,write,read", `"readlink"`, "chown", "ptrace")},
		},
		{
			// The role's overrides undo the session's only difference.
			name: "role back to global",
			target: guc.Target{Session: sessionLevel("error", "*", "*", "chown,wait4", "*"), Role: "joe",
				Overrides: map[guc.Field]string{guc.FieldError: "*"}},
		},
		{
			name:   "other default",
			target: guc.Target{Session: sessionLevel("kill", "*", "*", "*", "*")},
			wantFilter: filter(guc.Kill, "session", map[int32]guc.Action{
				0: guc.Allow, 1: guc.Allow, 3: guc.Allow, 89: guc.Log, 92: guc.Error, 101: guc.Kill,
			}),
		},
		{
			name:   "extra rule",
			target: guc.Target{Session: sessionLevel("error", "*", "*", "*", "ptrace,futex")},
			wantFilter: filter(guc.Error, "session", map[int32]guc.Action{
				0: guc.Allow, 1: guc.Allow, 3: guc.Allow, 89: guc.Log, 92: guc.Error, 101: guc.Kill, 202: guc.Kill,
			}),
		},
		{
			name: "role differs",
			target: guc.Target{Session: sessionLevel("error", "*", "*", "*", "*"), Role: "joe",
				Overrides: map[guc.Field]string{guc.FieldLog: ""}},
			wantFilter: filter(guc.Error, "session", map[int32]guc.Action{
				0: guc.Allow, 1: guc.Allow, 3: guc.Allow, 92: guc.Error, 101: guc.Kill,
			}),
		},
	}
	g, err := hooks.BuildGlobal(global, testTable, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.target.Global = global
			s, err := hooks.BuildSession(g, tt.target, testTable)
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantFilter == nil {
				if s.Filter != nil {
					t.Errorf("got a second filter %+v, want none", s.Filter)
				}
				if len(s.Stack) != 1 || s.Stack[0] != g.Filter {
					t.Errorf("stack = %v, want just the global filter", s.Stack)
				}
				return
			}
			if !reflect.DeepEqual(s.Filter, tt.wantFilter) {
				t.Errorf("filter = %+v\nwant     %+v", s.Filter, tt.wantFilter)
			}
			if len(s.Stack) != 2 || s.Stack[0] != g.Filter || s.Stack[1] != s.Filter {
				t.Errorf("stack = %v, want the global then the session filter", s.Stack)
			}
		})
	}
}

func TestBuildSessionErrors(t *testing.T) {
	global := globalLevel("allow", "read", "", "", "")
	g, err := hooks.BuildGlobal(global, testTable, nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name           string
		target         guc.Target
		setting, token string
	}{
		{"unknown syscall", guc.Target{Session: sessionLevel("allow", "*", "nosuch", "*", "*")},
			"pgseccomp.session_syscall_log", "nosuch"},
		{"conflict", guc.Target{Session: sessionLevel("allow", "*", "write", "write", "*")},
			"pgseccomp.session_syscall_error", "write"},
		{"bad role default", guc.Target{Session: sessionLevel("allow", "*", "*", "*", "*"), Role: "joe",
			Overrides: map[guc.Field]string{guc.FieldDefault: "sometimes"}},
			"session_syscall_default.joe", "sometimes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.target.Global = global
			_, err := hooks.BuildSession(g, tt.target, testTable)
			var se *guc.SettingError
			if !errors.As(err, &se) {
				t.Fatalf("error %v is not a *guc.SettingError", err)
			}
			if se.Setting != tt.setting || se.Token != tt.token {
				t.Errorf("error names %q in %q, want %q in %q", se.Token, se.Setting, tt.token, tt.setting)
			}
		})
	}
}

// TestSelfNeedsResolve: BuildGlobal silently skips needs the table does not
// know, so a misspelt name would quietly leave the helper unprotected.
// The list was derived on x86_64; other architectures lack some names.
func TestSelfNeedsResolve(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skip("SelfNeeds is derived for x86_64")
	}
	tab := hooks.NativeTable()
	for _, name := range hooks.SelfNeeds {
		if _, ok := tab.Number(name); !ok {
			t.Errorf("SelfNeeds names %q, which libseccomp does not know here", name)
		}
	}
}

// TestCompileStartOnly: the global program and the warnings are for the
// start request; later requests (reloads, set_client_filter) skip them.
func TestCompileStartOnly(t *testing.T) {
	global := guc.DefaultGlobal()
	global.Default.Raw = "error"
	global.Lists[guc.Error].Raw = "sched_getaffinity"
	req := &guc.Request{Global: global, Targets: []guc.Target{{Global: global, Session: guc.DefaultSession()}}}
	for _, start := range []bool{true, false} {
		req.Start = start
		res := hooks.Compile(req, hooks.NativeTable())
		if res.Err != nil || len(res.Targets) != 1 || res.Targets[0].Err != nil {
			t.Fatalf("start=%v: Compile = %+v", start, res)
		}
		if got := res.GlobalBPF != nil; got != start {
			t.Errorf("start=%v: global program present = %v", start, got)
		}
		if got := len(res.Warnings) > 0; got != start {
			t.Errorf("start=%v: warnings present = %v", start, got)
		}
		if len(res.GlobalRows) == 0 {
			t.Errorf("start=%v: no global rows", start)
		}
	}
}

// TestBuildGlobalNeedsAndFamilies: a family's ENOSYS for clone3 is no
// denial of what the helper needs (glibc falls back to clone), but a
// sibling's denial is, and says whose sibling it is.
func TestBuildGlobalNeedsAndFamilies(t *testing.T) {
	tests := []struct {
		name string
		deny string // the global error list
		want string // a substring of the only warning, or "" for none
	}{
		{name: "clone3 by default", deny: ""},
		{name: "sibling of a denied syscall", deny: "open", want: `denies syscall "openat" (as a sibling of "open")`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := guc.DefaultGlobal()
			l.Default.Raw = "error"
			l.Lists[guc.Error].Raw = tt.deny
			g, err := hooks.BuildGlobal(l, hooks.NativeTable(), hooks.SelfNeeds)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, w := range g.Warnings {
				got = append(got, w.Message)
			}
			if tt.want == "" && len(got) > 0 || tt.want != "" && (len(got) != 1 || !strings.Contains(got[0], tt.want)) {
				t.Errorf("warnings = %q, want %q", got, tt.want)
			}
		})
	}
}

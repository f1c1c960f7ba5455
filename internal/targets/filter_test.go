package targets_test

import (
	"errors"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/pgseccomp/pgseccomp/internal/names"
	"github.com/pgseccomp/pgseccomp/internal/policy"
	"github.com/pgseccomp/pgseccomp/internal/settings"
	"github.com/pgseccomp/pgseccomp/internal/targets"
)

var testTable = table{
	"read": 0, "write": 1, "close": 3, "getpid": 39, "recvfrom": 45, "clone": 56,
	"wait4": 61, "kill": 62, "readlink": 89, "chown": 92, "ptrace": 101, "futex": 202,
	"getdents64": 217,
}

func level(name func(settings.Field) string, def string, allow, log, err, kill string) settings.Level {
	l := settings.Level{Default: settings.Value{Name: name(settings.FieldDefault), Raw: def}}
	for a, raw := range [4]string{allow, log, err, kill} {
		l.Lists[a] = settings.Value{Name: name(settings.ListField(settings.Action(a))), Raw: raw}
	}
	return l
}

func globalLevel(def, allow, log, err, kill string) settings.Level {
	return level(settings.GlobalName, def, allow, log, err, kill)
}

func sessionLevel(def, allow, log, err, kill string) settings.Level {
	return level(settings.SessionName, def, allow, log, err, kill)
}

// filter builds a Filter whose rules all come from one source.
func filter(def settings.Action, src string, rules map[int32]settings.Action) *policy.Filter {
	f := &policy.Filter{Default: policy.Decision{Action: def, Source: src}, Rules: map[int32]policy.Decision{}}
	for nr, a := range rules {
		f.Rules[nr] = policy.Decision{Action: a, Source: src, Named: true}
	}
	return f
}

func TestDescribe(t *testing.T) {
	const X, Y, Z = 42, 7, 300
	tests := []struct {
		name  string
		stack []*policy.Filter
		want  []policy.Row
	}{
		{
			name:  "single filter",
			stack: []*policy.Filter{filter(settings.Log, "global", map[int32]settings.Action{X: settings.Error})},
			want:  []policy.Row{{Nr: -1, Action: settings.Log, Source: "global"}, {Nr: X, Action: settings.Error, Source: "global"}},
		},
		{
			// A session allow cannot lift the global default.
			name: "global default beats session allow",
			stack: []*policy.Filter{
				filter(settings.Log, "global", nil),
				filter(settings.Allow, "session", map[int32]settings.Action{X: settings.Allow}),
			},
			want: []policy.Row{{Nr: -1, Action: settings.Log, Source: "global"}, {Nr: X, Action: settings.Log, Source: "global"}},
		},
		{
			name: "tie names the later filter",
			stack: []*policy.Filter{
				filter(settings.Kill, "global", map[int32]settings.Action{X: settings.Allow}),
				filter(settings.Error, "session", map[int32]settings.Action{X: settings.Allow}),
			},
			want: []policy.Row{{Nr: -1, Action: settings.Kill, Source: "global"}, {Nr: X, Action: settings.Allow, Source: "session"}},
		},
		{
			name: "tie on the default",
			stack: []*policy.Filter{
				filter(settings.Error, "global", nil),
				filter(settings.Error, "session", nil),
			},
			want: []policy.Row{{Nr: -1, Action: settings.Error, Source: "session"}},
		},
		{
			// Each syscall a level does not name gets its default there.
			name: "unnamed gets the level's default",
			stack: []*policy.Filter{
				filter(settings.Allow, "global", map[int32]settings.Action{Y: settings.Kill, Z: settings.Allow}),
				filter(settings.Log, "session", map[int32]settings.Action{X: settings.Error, Z: settings.Log}),
			},
			want: []policy.Row{
				{Nr: -1, Action: settings.Log, Source: "session"},
				{Nr: Y, Action: settings.Kill, Source: "global"},
				{Nr: X, Action: settings.Error, Source: "session"},
				{Nr: Z, Action: settings.Log, Source: "session"},
			},
		},
		{
			name: "session default beats global rule",
			stack: []*policy.Filter{
				filter(settings.Error, "global", map[int32]settings.Action{X: settings.Allow}),
				filter(settings.Kill, "session", map[int32]settings.Action{Y: settings.Log}),
			},
			want: []policy.Row{{Nr: -1, Action: settings.Kill, Source: "session"}, {Nr: Y, Action: settings.Error, Source: "global"}, {Nr: X, Action: settings.Kill, Source: "session"}},
		},
		{
			name: "rows ascending and unique",
			stack: []*policy.Filter{
				filter(settings.Allow, "global", map[int32]settings.Action{Z: settings.Log, 5: settings.Error, X: settings.Log}),
				filter(settings.Allow, "session", map[int32]settings.Action{X: settings.Log, 0: settings.Kill}),
			},
			want: []policy.Row{
				{Nr: -1, Action: settings.Allow, Source: "session"},
				{Nr: 0, Action: settings.Kill, Source: "session"},
				{Nr: 5, Action: settings.Error, Source: "global"},
				{Nr: X, Action: settings.Log, Source: "session"},
				{Nr: Z, Action: settings.Log, Source: "global"},
			},
		},
		{
			name: "three filters, tie in the middle",
			stack: []*policy.Filter{
				filter(settings.Log, "global", map[int32]settings.Action{X: settings.Error}),
				filter(settings.Allow, "session", map[int32]settings.Action{X: settings.Error}),
				filter(settings.Allow, "client", map[int32]settings.Action{X: settings.Log}),
			},
			want: []policy.Row{{Nr: -1, Action: settings.Log, Source: "global"}, {Nr: X, Action: settings.Error, Source: "session"}},
		},
		{
			// Sources are per rule: a "pgseccomp" allow in the global
			// filter is named when it wins, and a later filter that
			// agrees only through its default does not take it.
			name: "pgseccomp kept over a later default",
			stack: []*policy.Filter{
				{
					Default: policy.Decision{Action: settings.Kill, Source: "global"},
					Rules:   map[int32]policy.Decision{X: {Action: settings.Allow, Source: "pgseccomp", Named: true}},
				},
				filter(settings.Allow, "session", map[int32]settings.Action{Y: settings.Log}),
				filter(settings.Allow, "client", nil),
			},
			want: []policy.Row{{Nr: -1, Action: settings.Kill, Source: "global"}, {Nr: Y, Action: settings.Kill, Source: "global"}, {Nr: X, Action: settings.Allow, Source: "pgseccomp"}},
		},
		{
			// A later rule that names the syscall still wins the tie.
			name: "pgseccomp then a named rule",
			stack: []*policy.Filter{
				{
					Default: policy.Decision{Action: settings.Kill, Source: "global"},
					Rules:   map[int32]policy.Decision{X: {Action: settings.Allow, Source: "pgseccomp", Named: true}},
				},
				filter(settings.Allow, "session", map[int32]settings.Action{X: settings.Allow}),
			},
			want: []policy.Row{{Nr: -1, Action: settings.Kill, Source: "global"}, {Nr: X, Action: settings.Allow, Source: "session"}},
		},
		{
			// Only pgseccomp's own decisions hold a tie against a
			// default: a global rule does not.
			name: "global rule then a later default",
			stack: []*policy.Filter{
				filter(settings.Kill, "global", map[int32]settings.Action{X: settings.Allow}),
				filter(settings.Allow, "session", nil),
			},
			want: []policy.Row{{Nr: -1, Action: settings.Kill, Source: "global"}, {Nr: X, Action: settings.Allow, Source: "session"}},
		},
		{
			// A stricter later default still wins outright.
			name: "pgseccomp then a stricter default",
			stack: []*policy.Filter{
				{
					Default: policy.Decision{Action: settings.Kill, Source: "global"},
					Rules:   map[int32]policy.Decision{X: {Action: settings.Allow, Source: "pgseccomp", Named: true}},
				},
				filter(settings.Error, "session", nil),
			},
			want: []policy.Row{{Nr: -1, Action: settings.Kill, Source: "global"}, {Nr: X, Action: settings.Error, Source: "session"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := policy.Describe(tt.stack)
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
	g, s, self := "global", "pgseccomp", settings.Allow
	tests := []struct {
		name     string
		level    settings.Level
		want     *policy.Filter
		warnings []string // substrings: one per warning, in order
	}{
		{
			name:  "allow default adds nothing",
			level: globalLevel("allow", "", "", "ptrace", ""),
			want: &policy.Filter{Default: policy.Decision{Action: settings.Allow, Source: g}, Rules: map[int32]policy.Decision{
				101: {Action: settings.Error, Source: g, Named: true},
			}},
		},
		{
			name:  "error default allows the needs",
			level: globalLevel("error", "read", "", "", ""),
			want: &policy.Filter{Default: policy.Decision{Action: settings.Error, Source: g}, Rules: map[int32]policy.Decision{
				0: {Action: settings.Allow, Source: g, Named: true}, 56: {Action: self, Source: s, Named: true}, 61: {Action: self, Source: s, Named: true}, 62: {Action: self, Source: s, Named: true}, 202: {Action: self, Source: s, Named: true},
			}},
		},
		{
			name:  "log default allows the needs",
			level: globalLevel("log", "", "", "", "ptrace"),
			want: &policy.Filter{Default: policy.Decision{Action: settings.Log, Source: g}, Rules: map[int32]policy.Decision{
				101: {Action: settings.Kill, Source: g, Named: true}, 56: {Action: self, Source: s, Named: true}, 61: {Action: self, Source: s, Named: true}, 62: {Action: self, Source: s, Named: true}, 202: {Action: self, Source: s, Named: true},
			}},
		},
		{
			name:  "needs in allow and log lists are left alone",
			level: globalLevel("kill", "wait4", "futex", "", ""),
			want: &policy.Filter{Default: policy.Decision{Action: settings.Kill, Source: g}, Rules: map[int32]policy.Decision{
				61: {Action: settings.Allow, Source: g, Named: true}, 202: {Action: settings.Log, Source: g, Named: true}, 56: {Action: self, Source: s, Named: true}, 62: {Action: self, Source: s, Named: true},
			}},
		},
		{
			name:  "needs denied by a list are kept with a warning",
			level: globalLevel("error", "", "", "kill", "CLONE"),
			want: &policy.Filter{Default: policy.Decision{Action: settings.Error, Source: g}, Rules: map[int32]policy.Decision{
				56: {Action: settings.Kill, Source: g, Named: true}, 62: {Action: settings.Error, Source: g, Named: true}, 61: {Action: self, Source: s, Named: true}, 202: {Action: self, Source: s, Named: true},
			}},
			warnings: []string{
				`parameter "` + gKill + `" denies syscall "clone"`,
				`parameter "` + gError + `" denies syscall "kill"`,
			},
		},
		{
			name:  "denied need under an allow default",
			level: globalLevel("allow", "", "", "", "futex"),
			want: &policy.Filter{Default: policy.Decision{Action: settings.Allow, Source: g}, Rules: map[int32]policy.Decision{
				202: {Action: settings.Kill, Source: g, Named: true},
			}},
			warnings: []string{`parameter "` + gKill + `" denies syscall "futex"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := targets.BuildGlobal(tt.level, testTable, needs)
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
		level          settings.Level
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
			_, err := targets.BuildGlobal(tt.level, testTable, nil)
			var se *settings.SettingError
			if !errors.As(err, &se) {
				t.Fatalf("error %v is not a *settings.SettingError", err)
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
		target     settings.Target
		wantFilter *policy.Filter // nil: no second filter
	}{
		{
			name:   "all star, same default",
			target: settings.Target{Session: sessionLevel("error", "*", "*", "*", "*")},
		},
		{
			name:   "same lists spelled out",
			target: settings.Target{Session: sessionLevel(" ERROR", "close,write,read", `"readlink"`, "chown", "ptrace")},
		},
		{
			// The role's overrides undo the session's only difference.
			name: "role back to global",
			target: settings.Target{Session: sessionLevel("error", "*", "*", "chown,wait4", "*"), Role: "joe",
				Overrides: map[settings.Field]string{settings.FieldError: "*"}},
		},
		{
			name:   "other default",
			target: settings.Target{Session: sessionLevel("kill", "*", "*", "*", "*")},
			wantFilter: filter(settings.Kill, "session", map[int32]settings.Action{
				0: settings.Allow, 1: settings.Allow, 3: settings.Allow, 89: settings.Log, 92: settings.Error, 101: settings.Kill,
			}),
		},
		{
			name:   "extra rule",
			target: settings.Target{Session: sessionLevel("error", "*", "*", "*", "ptrace,futex")},
			wantFilter: filter(settings.Error, "session", map[int32]settings.Action{
				0: settings.Allow, 1: settings.Allow, 3: settings.Allow, 89: settings.Log, 92: settings.Error, 101: settings.Kill, 202: settings.Kill,
			}),
		},
		{
			name: "role differs",
			target: settings.Target{Session: sessionLevel("error", "*", "*", "*", "*"), Role: "joe",
				Overrides: map[settings.Field]string{settings.FieldLog: ""}},
			wantFilter: filter(settings.Error, "session", map[int32]settings.Action{
				0: settings.Allow, 1: settings.Allow, 3: settings.Allow, 92: settings.Error, 101: settings.Kill,
			}),
		},
	}
	g, err := targets.BuildGlobal(global, testTable, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.target.Global = global
			s, err := targets.BuildSession(g, tt.target, testTable)
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
	g, err := targets.BuildGlobal(global, testTable, nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name           string
		target         settings.Target
		setting, token string
	}{
		{"unknown syscall", settings.Target{Session: sessionLevel("allow", "*", "nosuch", "*", "*")},
			"pgseccomp.session_syscall_log", "nosuch"},
		{"conflict", settings.Target{Session: sessionLevel("allow", "*", "write", "write", "*")},
			"pgseccomp.session_syscall_error", "write"},
		{"bad role default", settings.Target{Session: sessionLevel("allow", "*", "*", "*", "*"), Role: "joe",
			Overrides: map[settings.Field]string{settings.FieldDefault: "sometimes"}},
			"session_syscall_default.joe", "sometimes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.target.Global = global
			_, err := targets.BuildSession(g, tt.target, testTable)
			var se *settings.SettingError
			if !errors.As(err, &se) {
				t.Fatalf("error %v is not a *settings.SettingError", err)
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
	tab := names.NativeTable()
	for _, name := range policy.SelfNeeds {
		if _, ok := tab.Number(name); !ok {
			t.Errorf("SelfNeeds names %q, which libseccomp does not know here", name)
		}
	}
}

// TestCompileStartOnly: the global program and the warnings are for the
// start request; later requests (reloads, set_client_filter) skip them.
func TestCompileStartOnly(t *testing.T) {
	global := settings.DefaultGlobal()
	global.Default.Raw = "error"
	global.Lists[settings.Error].Raw = "sched_getaffinity"
	req := &targets.Request{Global: global, Targets: []settings.Target{{Global: global, Session: settings.DefaultSession()}}}
	for _, start := range []bool{true, false} {
		req.Start = start
		res := targets.Build(req, names.NativeTable())
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
			l := settings.DefaultGlobal()
			l.Default.Raw = "error"
			l.Lists[settings.Error].Raw = tt.deny
			g, err := targets.BuildGlobal(l, names.NativeTable(), policy.SelfNeeds)
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

package guc_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/pgseccomp/pgseccomp/guc"
	"github.com/pgseccomp/pgseccomp/guc/guctest"
)

// table is a Resolver over a fixed map.
type table = guctest.Table

var testTable = table{
	"read":     0,
	"write":    1,
	"open":     2,
	"close":    3,
	"clone":    56,
	"readlink": 89,
	"chown":    92,
	"ptrace":   101,
}

// level builds a Level named like real settings; lists are indexed by
// action.
func level(name func(guc.Field) string, def string, lists [4]string) guc.Level {
	l := guc.Level{Default: guc.Value{Name: name(guc.FieldDefault), Raw: def}}
	for _, a := range guc.Actions {
		l.Lists[a] = guc.Value{Name: name(guc.ListField(a)), Raw: lists[a]}
	}
	return l
}

// settingError unwraps err as a *SettingError or fails the test.
func settingError(t *testing.T, err error) *guc.SettingError {
	t.Helper()
	var se *guc.SettingError
	if !errors.As(err, &se) {
		t.Fatalf("error %v (%T) is not a *guc.SettingError", err, err)
	}
	return se
}

// wantErr is what a test expects of a *SettingError; empty fields are not
// checked, except that Message is always derived from Setting.
type wantErr struct {
	setting, token string
	detail         string // substring
	hint           bool   // a hint must be present
}

func checkSettingError(t *testing.T, err error, w wantErr) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one for %q", w.setting)
	}
	se := settingError(t, err)
	if se.Setting != w.setting {
		t.Errorf("Setting = %q, want %q", se.Setting, w.setting)
	}
	if w.token != "" && se.Token != w.token {
		t.Errorf("Token = %q, want %q", se.Token, w.token)
	}
	if msg := `invalid value for parameter "` + w.setting + `"`; se.Message != msg {
		t.Errorf("Message = %q, want %q", se.Message, msg)
	}
	if !strings.Contains(se.Detail, w.detail) {
		t.Errorf("Detail = %q, want it to contain %q", se.Detail, w.detail)
	}
	if w.hint && se.Hint == "" {
		t.Errorf("no Hint")
	}
	if !strings.HasPrefix(se.Error(), se.Message) {
		t.Errorf("Error() = %q does not start with the message", se.Error())
	}
}

func TestSplitList(t *testing.T) {
	tests := []struct {
		name    string
		raw     string
		want    []string
		wantErr bool
	}{
		{name: "empty", raw: "", want: nil},
		{name: "blank", raw: "   ", want: nil},
		{name: "tabs and newlines", raw: "\t\n ", want: nil},
		{name: "one item", raw: "read", want: []string{"read"}},
		{name: "blanks trimmed", raw: "  read ,\twrite  ", want: []string{"read", "write"}},
		{name: "unquoted folded", raw: "READ,Write", want: []string{"read", "write"}},
		{name: "quoted verbatim", raw: `"Read"`, want: []string{"Read"}},
		{name: "quoted keeps inner blanks", raw: `" read "`, want: []string{" read "}},
		{name: "quoted and unquoted", raw: ` "ReadLink" , CLOSE `, want: []string{"ReadLink", "close"}},
		{name: "star is an item", raw: "*", want: []string{"*"}},
		{name: "only a comma", raw: ",", wantErr: true},
		{name: "double comma", raw: "read,,write", wantErr: true},
		{name: "blank item", raw: "read, ,write", wantErr: true},
		{name: "leading comma", raw: ",read", wantErr: true},
		{name: "trailing comma", raw: "read,", wantErr: true},
		{name: "unclosed quote", raw: `"read`, wantErr: true},
		{name: "lone quote", raw: `"`, wantErr: true},
		{name: "empty quoted", raw: `""`, wantErr: true},
		{name: "quote inside quoted", raw: `"re"ad"`, wantErr: true},
		{name: "text after closing quote", raw: `"read"x`, wantErr: true},
		{name: "unclosed quote among items", raw: `read,"write,close`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := guc.SplitList(tt.raw)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("SplitList(%q) = %q, want an error", tt.raw, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("SplitList(%q): %v", tt.raw, err)
			}
			if len(got) != len(tt.want) || (len(got) > 0 && !reflect.DeepEqual(got, tt.want)) {
				t.Errorf("SplitList(%q) = %q, want %q", tt.raw, got, tt.want)
			}
		})
	}
}

func TestParseList(t *testing.T) {
	const setting = "pgseccomp.session_syscall_allow"
	tests := []struct {
		name string
		raw  string
		want []guc.Syscall
		err  *wantErr
	}{
		{name: "empty", raw: "", want: []guc.Syscall{}},
		{name: "resolved in order", raw: "WRITE, read", want: []guc.Syscall{{Name: "write", Nr: 1}, {Name: "read", Nr: 0}}},
		{name: "quoted lower case", raw: `"readlink"`, want: []guc.Syscall{{Name: "readlink", Nr: 89}}},
		{name: "unknown syscall", raw: "read,frobnicate",
			err: &wantErr{setting: setting, token: "frobnicate", detail: `Syscall "frobnicate" is unknown`}},
		{name: "quoted keeps case so unknown", raw: `"READ"`,
			err: &wantErr{setting: setting, token: "READ", detail: `"READ"`}},
		{name: "star alone", raw: "*",
			err: &wantErr{setting: setting, token: "*", detail: "must be the whole value"}},
		{name: "star in a list", raw: "read,*",
			err: &wantErr{setting: setting, token: "*", detail: "must be the whole value"}},
		{name: "syntax error", raw: "read,,write",
			err: &wantErr{setting: setting, token: "read,,write", detail: "List syntax is invalid"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _, err := guc.ParseList(guc.Value{Name: setting, Raw: tt.raw}, guc.Allow, testTable)
			if tt.err != nil {
				checkSettingError(t, err, *tt.err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseList(%q) = %v, want %v", tt.raw, got, tt.want)
			}
		})
	}
}

func TestParseDefault(t *testing.T) {
	const setting = "pgseccomp.global_syscall_default"
	tests := []struct {
		raw     string
		want    guc.Action
		wantErr bool
	}{
		{raw: "allow", want: guc.Allow},
		{raw: "log", want: guc.Log},
		{raw: "Error", want: guc.Error},
		{raw: "  KILL ", want: guc.Kill},
		{raw: "deny", wantErr: true},
		{raw: "", wantErr: true},
		{raw: "allow,log", wantErr: true},
	}
	for _, tt := range tests {
		t.Run("raw="+tt.raw, func(t *testing.T) {
			got, err := guc.ParseDefault(guc.Value{Name: setting, Raw: tt.raw})
			if tt.wantErr {
				checkSettingError(t, err, wantErr{setting: setting, token: tt.raw, detail: "is unknown", hint: true})
				if se := settingError(t, err); !strings.Contains(se.Hint, "allow, log, error, kill") {
					t.Errorf("Hint = %q does not list the actions", se.Hint)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("ParseDefault(%q) = %v, %v; want %v", tt.raw, got, err, tt.want)
			}
		})
	}
}

// rule is the part of a guc.Rule the compile tests check.
type rule struct {
	action  guc.Action
	setting string
}

func TestCompile(t *testing.T) {
	// The global level that "*" refers to in session cases.
	global := level(guc.GlobalName, "log", [4]string{"read,write,readlink,close", "", "ptrace", ""})
	const (
		gAllow = "pgseccomp.global_syscall_allow"
		sAllow = "pgseccomp.session_syscall_allow"
		sLog   = "pgseccomp.session_syscall_log"
		sError = "pgseccomp.session_syscall_error"
		sKill  = "pgseccomp.session_syscall_kill"
		sDef   = "pgseccomp.session_syscall_default"
	)
	session := func(def, allow, log, err, kill string) guc.Level {
		return level(guc.SessionName, def, [4]string{allow, log, err, kill})
	}
	tests := []struct {
		name       string
		spec       guc.Spec
		global     bool // pass the parsed global lists, for "*"
		wantDef    guc.Action
		wantDefSet string
		want       map[int32]rule
		err        *wantErr
	}{
		{
			name:       "global level",
			spec:       guc.GlobalSpec(global),
			wantDef:    guc.Log,
			wantDefSet: "pgseccomp.global_syscall_default",
			want: map[int32]rule{
				0: {guc.Allow, gAllow}, 1: {guc.Allow, gAllow}, 89: {guc.Allow, gAllow}, 3: {guc.Allow, gAllow},
				101: {guc.Error, "pgseccomp.global_syscall_error"},
			},
		},
		{
			name: "star in a global spec",
			spec: guc.GlobalSpec(level(guc.GlobalName, "allow", [4]string{"", "*", "", ""})),
			err:  &wantErr{setting: "pgseccomp.global_syscall_log", token: "*", detail: "only valid for session settings"},
		},
		{
			name:   "star inside a session list",
			spec:   guc.TargetSpec(guc.Target{Global: global, Session: session("allow", "read,*", "*", "*", "*")}),
			global: true,
			err:    &wantErr{setting: sAllow, token: "*"},
		},
		{
			name:   "unknown syscall in a session list",
			spec:   guc.TargetSpec(guc.Target{Global: global, Session: session("allow", "*", "*", "*", "read,nosuch")}),
			global: true,
			err:    &wantErr{setting: sKill, token: "nosuch", detail: `"nosuch"`},
		},
		{
			name:   "bad default",
			spec:   guc.TargetSpec(guc.Target{Global: global, Session: session("maybe", "*", "*", "*", "*")}),
			global: true,
			err:    &wantErr{setting: sDef, token: "maybe", hint: true},
		},
		{
			name: "same syscall in two global lists",
			spec: guc.GlobalSpec(level(guc.GlobalName, "allow", [4]string{"chown", "", "", "CHOWN"})),
			err:  &wantErr{setting: "pgseccomp.global_syscall_kill", token: "chown", detail: `"` + gAllow + `"`, hint: true},
		},
		{
			name:   "same syscall in two session lists",
			spec:   guc.TargetSpec(guc.Target{Global: global, Session: session("allow", "*", "chown", "chown", "*")}),
			global: true,
			err:    &wantErr{setting: sError, token: "chown", detail: `"` + sLog + `"`, hint: true},
		},
		{
			name:       "same syscall twice in one list",
			spec:       guc.TargetSpec(guc.Target{Global: global, Session: session("allow", "*", "chown,chown", "*", "*")}),
			global:     true,
			wantDef:    guc.Allow,
			wantDefSet: sDef,
			want: map[int32]rule{
				0: {guc.Allow, sAllow}, 1: {guc.Allow, sAllow}, 89: {guc.Allow, sAllow}, 3: {guc.Allow, sAllow},
				92: {guc.Log, sLog}, 101: {guc.Error, sError},
			},
		},
		{
			// The explicit error list beats the inherited allow list.
			name:       "explicit beats inherited",
			spec:       guc.TargetSpec(guc.Target{Global: global, Session: session("allow", "*", "*", "readlink", "*")}),
			global:     true,
			wantDef:    guc.Allow,
			wantDefSet: sDef,
			want: map[int32]rule{
				0: {guc.Allow, sAllow}, 1: {guc.Allow, sAllow}, 3: {guc.Allow, sAllow},
				89: {guc.Error, sError},
			},
		},
		{
			// The role's explicit "" empties the error list; the inherited
			// allow list then decides readlink.
			name: "role override clears a session list",
			spec: guc.TargetSpec(guc.Target{Global: global, Session: session("allow", "*", "*", "readlink", "*"),
				Role: "joe", Overrides: map[guc.Field]string{guc.FieldError: ""}}),
			global:     true,
			wantDef:    guc.Allow,
			wantDefSet: sDef,
			want: map[int32]rule{
				0: {guc.Allow, sAllow}, 1: {guc.Allow, sAllow}, 89: {guc.Allow, sAllow}, 3: {guc.Allow, sAllow},
			},
		},
		{
			// The role's kill list beats the session allow list it falls
			// back to, with no conflict.
			name: "role explicit beats fallback",
			spec: guc.TargetSpec(guc.Target{Global: global, Session: session("log", "chown,read", "", "", ""),
				Role: "joe", Overrides: map[guc.Field]string{guc.FieldKill: "chown", guc.FieldDefault: "error"}}),
			global:     true,
			wantDef:    guc.Error,
			wantDefSet: "session_syscall_default.joe",
			want: map[int32]rule{
				0:  {guc.Allow, sAllow},
				92: {guc.Kill, "session_syscall_kill.joe"},
			},
		},
		{
			// A fallback list beats an inherited one: ptrace is in the
			// global error list, the role falls back to a session allow.
			name: "fallback beats inherited",
			spec: guc.TargetSpec(guc.Target{Global: global, Session: session("allow", "ptrace", "*", "*", "*"),
				Role: "joe", Overrides: map[guc.Field]string{}}),
			global:     true,
			wantDef:    guc.Allow,
			wantDefSet: sDef,
			want:       map[int32]rule{101: {guc.Allow, sAllow}},
		},
		{
			// The same, with the inherited list processed first.
			name: "fallback beats earlier inherited",
			spec: guc.TargetSpec(guc.Target{Global: global, Session: session("allow", "", "", "*", "ptrace"),
				Role: "joe"}),
			global:     true,
			wantDef:    guc.Allow,
			wantDefSet: sDef,
			want:       map[int32]rule{101: {guc.Kill, sKill}},
		},
		{
			// Two fallback lists are of the same rank: still a conflict.
			name: "two fallback lists conflict",
			spec: guc.TargetSpec(guc.Target{Global: global, Session: session("allow", "chown", "", "", "chown"),
				Role: "joe", Overrides: map[guc.Field]string{guc.FieldLog: "read"}}),
			global: true,
			err:    &wantErr{setting: sKill, token: "chown", detail: `"` + sAllow + `"`, hint: true},
		},
		{
			name: "two role lists conflict",
			spec: guc.TargetSpec(guc.Target{Global: global, Session: session("allow", "*", "*", "*", "*"),
				Role: "joe", Overrides: map[guc.Field]string{guc.FieldAllow: "open", guc.FieldError: "open"}}),
			global: true,
			err:    &wantErr{setting: "session_syscall_error.joe", token: "open", detail: `"session_syscall_allow.joe"`, hint: true},
		},
		{
			name: "unknown syscall in a role override",
			spec: guc.TargetSpec(guc.Target{Global: global, Session: session("allow", "*", "*", "*", "*"),
				Role: "joe", Overrides: map[guc.Field]string{guc.FieldLog: "nosuch"}}),
			global: true,
			err:    &wantErr{setting: "session_syscall_log.joe", token: "nosuch"},
		},
		{
			// A backend type's overrides work as a role's, under their
			// own names.
			name: "type explicit beats fallback",
			spec: guc.TargetSpec(guc.Target{Global: global, Session: session("log", "chown,read", "", "", ""),
				Type: "autovacuum_worker", Overrides: map[guc.Field]string{guc.FieldKill: "chown", guc.FieldDefault: "error"}}),
			global:     true,
			wantDef:    guc.Error,
			wantDefSet: "backend_syscall_default.autovacuum_worker",
			want: map[int32]rule{
				0:  {guc.Allow, sAllow},
				92: {guc.Kill, "backend_syscall_kill.autovacuum_worker"},
			},
		},
		{
			name: "unknown syscall in a type override",
			spec: guc.TargetSpec(guc.Target{Global: global, Session: session("allow", "*", "*", "*", "*"),
				Type: "autovacuum_worker", Overrides: map[guc.Field]string{guc.FieldError: "read,nosuch"}}),
			global: true,
			err:    &wantErr{setting: "backend_syscall_error.autovacuum_worker", token: "nosuch"},
		},
		{
			name: "bad default in a type override",
			spec: guc.TargetSpec(guc.Target{Global: global, Session: session("allow", "*", "*", "*", "*"),
				Type: "checkpointer", Overrides: map[guc.Field]string{guc.FieldDefault: "deny"}}),
			global: true,
			err:    &wantErr{setting: "backend_syscall_default.checkpointer", token: "deny", hint: true},
		},
		{
			// "*" as an override means the global list too.
			name: "role override star",
			spec: guc.TargetSpec(guc.Target{Global: global, Session: session("allow", "", "", "chown", ""),
				Role: "joe", Overrides: map[guc.Field]string{guc.FieldError: "*"}}),
			global:     true,
			wantDef:    guc.Allow,
			wantDefSet: sDef,
			want:       map[int32]rule{101: {guc.Error, "session_syscall_error.joe"}},
		},
	}
	lists, err := guc.ParseGlobalLists(global, testTable)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var g *guc.GlobalLists
			if tt.global {
				g = lists
			}
			p, err := guc.Compile(tt.spec, g, testTable)
			if tt.err != nil {
				checkSettingError(t, err, *tt.err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.Default != tt.wantDef || p.DefaultSetting != tt.wantDefSet {
				t.Errorf("default = %v from %q, want %v from %q", p.Default, p.DefaultSetting, tt.wantDef, tt.wantDefSet)
			}
			got := map[int32]rule{}
			for nr, r := range p.Rules {
				got[nr] = rule{r.Action, r.Setting}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("rules = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestTargetSpecRanks(t *testing.T) {
	sess := level(guc.SessionName, "allow", [4]string{"*", "read", "", "*"})
	tests := []struct {
		name   string
		target guc.Target
		want   [4]guc.Rank
	}{
		{
			name:   "plain session",
			target: guc.Target{Session: sess, Overrides: map[guc.Field]string{guc.FieldLog: "ignored"}},
			want:   [4]guc.Rank{guc.RankInherited, guc.RankExplicit, guc.RankExplicit, guc.RankInherited},
		},
		{
			name:   "role without overrides",
			target: guc.Target{Session: sess, Role: "joe"},
			want:   [4]guc.Rank{guc.RankInherited, guc.RankFallback, guc.RankFallback, guc.RankInherited},
		},
		{
			name: "role with overrides",
			target: guc.Target{Session: sess, Role: "joe",
				Overrides: map[guc.Field]string{guc.FieldAllow: "close", guc.FieldLog: " * ", guc.FieldKill: ""}},
			want: [4]guc.Rank{guc.RankExplicit, guc.RankInherited, guc.RankFallback, guc.RankExplicit},
		},
		{
			name:   "type without overrides",
			target: guc.Target{Session: sess, Type: "walsender"},
			want:   [4]guc.Rank{guc.RankInherited, guc.RankFallback, guc.RankFallback, guc.RankInherited},
		},
		{
			name: "type with overrides",
			target: guc.Target{Session: sess, Type: "walsender",
				Overrides: map[guc.Field]string{guc.FieldAllow: "close", guc.FieldError: "*"}},
			want: [4]guc.Rank{guc.RankExplicit, guc.RankFallback, guc.RankInherited, guc.RankInherited},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := guc.TargetSpec(tt.target)
			for _, a := range guc.Actions {
				if s.Lists[a].Rank != tt.want[a] {
					t.Errorf("%v list %q has rank %d, want %d", a, s.Lists[a].Value.Raw, s.Lists[a].Rank, tt.want[a])
				}
			}
		})
	}
}

func TestTargetEffective(t *testing.T) {
	sess := level(guc.SessionName, "log", [4]string{"read", "*", "readlink", ""})
	tests := []struct {
		name   string
		target guc.Target
		want   guc.Level
	}{
		{
			// Overrides mean nothing without a role.
			name:   "plain session",
			target: guc.Target{Session: sess, Overrides: map[guc.Field]string{guc.FieldError: ""}},
			want:   sess,
		},
		{
			name:   "role without overrides",
			target: guc.Target{Session: sess, Role: "joe"},
			want:   sess,
		},
		{
			name: "role with overrides",
			target: guc.Target{Session: sess, Role: "joe",
				Overrides: map[guc.Field]string{guc.FieldError: "", guc.FieldDefault: "kill"}},
			want: guc.Level{
				Default: guc.Value{Name: "session_syscall_default.joe", Raw: "kill"},
				Lists: [4]guc.Value{
					{Name: "pgseccomp.session_syscall_allow", Raw: "read"},
					{Name: "pgseccomp.session_syscall_log", Raw: "*"},
					{Name: "session_syscall_error.joe", Raw: ""},
					{Name: "pgseccomp.session_syscall_kill", Raw: ""},
				},
			},
		},
		{
			name: "type with overrides",
			target: guc.Target{Session: sess, Type: "autovacuum_worker",
				Overrides: map[guc.Field]string{guc.FieldError: "ptrace", guc.FieldKill: "chown"}},
			want: guc.Level{
				Default: guc.Value{Name: "pgseccomp.session_syscall_default", Raw: "log"},
				Lists: [4]guc.Value{
					{Name: "pgseccomp.session_syscall_allow", Raw: "read"},
					{Name: "pgseccomp.session_syscall_log", Raw: "*"},
					{Name: "backend_syscall_error.autovacuum_worker", Raw: "ptrace"},
					{Name: "backend_syscall_kill.autovacuum_worker", Raw: "chown"},
				},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.target.Effective(); got != tt.want {
				t.Errorf("Effective() = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestOverrideNames(t *testing.T) {
	tests := []struct {
		name   string
		target guc.Target
		field  guc.Field
		want   string
	}{
		{"role", guc.Target{Role: "joe"}, guc.FieldError, "session_syscall_error.joe"},
		{"type", guc.Target{Type: "autovacuum_worker"}, guc.FieldError, "backend_syscall_error.autovacuum_worker"},
		{"type default", guc.Target{Type: "checkpointer"}, guc.FieldDefault, "backend_syscall_default.checkpointer"},
		{"neither", guc.Target{}, guc.FieldAllow, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.target.OverrideName(tt.field); got != tt.want {
				t.Errorf("OverrideName(%q) = %q, want %q", tt.field, got, tt.want)
			}
		})
	}
	if got := guc.TypeName(guc.FieldKill, "walsender"); got != "backend_syscall_kill.walsender" {
		t.Errorf("TypeName = %q", got)
	}
	if guc.BackendTypesName != "pgseccomp.backend_types" {
		t.Errorf("BackendTypesName = %q", guc.BackendTypesName)
	}
}

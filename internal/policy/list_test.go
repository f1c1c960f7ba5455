package policy_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/pgseccomp/pgseccomp/internal/policy"
	"github.com/pgseccomp/pgseccomp/internal/settings"
)

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
			got, err := settings.SplitList(tt.raw)
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
		want []settings.Syscall
		err  *wantErr
	}{
		{name: "empty", raw: "", want: []settings.Syscall{}},
		{name: "resolved in order", raw: "WRITE, read", want: []settings.Syscall{{Name: "write", Nr: 1}, {Name: "read", Nr: 0}}},
		{name: "quoted lower case", raw: `"readlink"`, want: []settings.Syscall{{Name: "readlink", Nr: 89}}},
		{name: "unknown syscall", raw: "read,frobnicate",
			err: &wantErr{Setting: setting, Token: "frobnicate", Detail: `Syscall "frobnicate" is unknown`}},
		{name: "quoted keeps case so unknown", raw: `"READ"`,
			err: &wantErr{Setting: setting, Token: "READ", Detail: `"READ"`}},
		{name: "star alone", raw: "*",
			err: &wantErr{Setting: setting, Token: "*", Detail: "must be the whole value"}},
		{name: "star in a list", raw: "read,*",
			err: &wantErr{Setting: setting, Token: "*", Detail: "must be the whole value"}},
		{name: "syntax error", raw: "read,,write",
			err: &wantErr{Setting: setting, Token: "read,,write", Detail: "List syntax is invalid"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _, err := settings.ParseList(settings.Value{Name: setting, Raw: tt.raw}, settings.Allow, testTable)
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
		want    settings.Action
		wantErr bool
	}{
		{raw: "allow", want: settings.Allow},
		{raw: "log", want: settings.Log},
		{raw: "Error", want: settings.Error},
		{raw: "  KILL ", want: settings.Kill},
		{raw: "deny", wantErr: true},
		{raw: "", wantErr: true},
		{raw: "allow,log", wantErr: true},
	}
	for _, tt := range tests {
		t.Run("raw="+tt.raw, func(t *testing.T) {
			got, err := settings.ParseDefault(settings.Value{Name: setting, Raw: tt.raw})
			if tt.wantErr {
				checkSettingError(t, err, wantErr{Setting: setting, Token: tt.raw, Detail: "is unknown", Hint: true})
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

// rule is the part of a policy.Rule the compile tests check.
type rule struct {
	action  settings.Action
	setting string
}

func TestCompile(t *testing.T) {
	// The global level that "*" refers to in session cases.
	global := level(settings.GlobalName, "log", [4]string{"read,write,readlink,close", "", "ptrace", ""})
	const (
		gAllow = "pgseccomp.global_syscall_allow"
		sAllow = "pgseccomp.session_syscall_allow"
		sLog   = "pgseccomp.session_syscall_log"
		sError = "pgseccomp.session_syscall_error"
		sKill  = "pgseccomp.session_syscall_kill"
		sDef   = "pgseccomp.session_syscall_default"
	)
	session := func(def, allow, log, err, kill string) settings.Level {
		return level(settings.SessionName, def, [4]string{allow, log, err, kill})
	}
	tests := []struct {
		name       string
		spec       policy.Spec
		global     bool // pass the parsed global lists, for "*"
		wantDef    settings.Action
		wantDefSet string
		want       map[int32]rule
		err        *wantErr
	}{
		{
			name:       "global level",
			spec:       policy.GlobalSpec(global),
			wantDef:    settings.Log,
			wantDefSet: "pgseccomp.global_syscall_default",
			want: map[int32]rule{
				0: {settings.Allow, gAllow}, 1: {settings.Allow, gAllow}, 89: {settings.Allow, gAllow}, 3: {settings.Allow, gAllow},
				101: {settings.Error, "pgseccomp.global_syscall_error"},
			},
		},
		{
			name: "star in a global spec",
			spec: policy.GlobalSpec(level(settings.GlobalName, "allow", [4]string{"", "*", "", ""})),
			err:  &wantErr{Setting: "pgseccomp.global_syscall_log", Token: "*", Detail: "only valid for session settings"},
		},
		{
			name:   "star inside a session list",
			spec:   policy.TargetSpec(settings.Target{Global: global, Session: session("allow", "read,*", "*", "*", "*")}),
			global: true,
			err:    &wantErr{Setting: sAllow, Token: "*"},
		},
		{
			name:   "unknown syscall in a session list",
			spec:   policy.TargetSpec(settings.Target{Global: global, Session: session("allow", "*", "*", "*", "read,nosuch")}),
			global: true,
			err:    &wantErr{Setting: sKill, Token: "nosuch", Detail: `"nosuch"`},
		},
		{
			name:   "bad default",
			spec:   policy.TargetSpec(settings.Target{Global: global, Session: session("maybe", "*", "*", "*", "*")}),
			global: true,
			err:    &wantErr{Setting: sDef, Token: "maybe", Hint: true},
		},
		{
			name: "same syscall in two global lists",
			spec: policy.GlobalSpec(level(settings.GlobalName, "allow", [4]string{"chown", "", "", "CHOWN"})),
			err:  &wantErr{Setting: "pgseccomp.global_syscall_kill", Token: "chown", Detail: `"` + gAllow + `"`, Hint: true},
		},
		{
			name:   "same syscall in two session lists",
			spec:   policy.TargetSpec(settings.Target{Global: global, Session: session("allow", "*", "chown", "chown", "*")}),
			global: true,
			err:    &wantErr{Setting: sError, Token: "chown", Detail: `"` + sLog + `"`, Hint: true},
		},
		{
			name:       "same syscall twice in one list",
			spec:       policy.TargetSpec(settings.Target{Global: global, Session: session("allow", "*", "chown,chown", "*", "*")}),
			global:     true,
			wantDef:    settings.Allow,
			wantDefSet: sDef,
			want: map[int32]rule{
				0: {settings.Allow, sAllow}, 1: {settings.Allow, sAllow}, 89: {settings.Allow, sAllow}, 3: {settings.Allow, sAllow},
				92: {settings.Log, sLog}, 101: {settings.Error, sError},
			},
		},
		{
			// The explicit error list beats the inherited allow list.
			name:       "explicit beats inherited",
			spec:       policy.TargetSpec(settings.Target{Global: global, Session: session("allow", "*", "*", "readlink", "*")}),
			global:     true,
			wantDef:    settings.Allow,
			wantDefSet: sDef,
			want: map[int32]rule{
				0: {settings.Allow, sAllow}, 1: {settings.Allow, sAllow}, 3: {settings.Allow, sAllow},
				89: {settings.Error, sError},
			},
		},
		{
			// The role's explicit "" empties the error list; the inherited
			// allow list then decides readlink.
			name: "role override clears a session list",
			spec: policy.TargetSpec(settings.Target{Global: global, Session: session("allow", "*", "*", "readlink", "*"),
				Role: "joe", Overrides: map[settings.Field]string{settings.FieldError: ""}}),
			global:     true,
			wantDef:    settings.Allow,
			wantDefSet: sDef,
			want: map[int32]rule{
				0: {settings.Allow, sAllow}, 1: {settings.Allow, sAllow}, 89: {settings.Allow, sAllow}, 3: {settings.Allow, sAllow},
			},
		},
		{
			// The role's kill list beats the session allow list it falls
			// back to, with no conflict.
			name: "role explicit beats fallback",
			spec: policy.TargetSpec(settings.Target{Global: global, Session: session("log", "chown,read", "", "", ""),
				Role: "joe", Overrides: map[settings.Field]string{settings.FieldKill: "chown", settings.FieldDefault: "error"}}),
			global:     true,
			wantDef:    settings.Error,
			wantDefSet: "session_syscall_default.joe",
			want: map[int32]rule{
				0:  {settings.Allow, sAllow},
				92: {settings.Kill, "session_syscall_kill.joe"},
			},
		},
		{
			// A fallback list beats an inherited one: ptrace is in the
			// global error list, the role falls back to a session allow.
			name: "fallback beats inherited",
			spec: policy.TargetSpec(settings.Target{Global: global, Session: session("allow", "ptrace", "*", "*", "*"),
				Role: "joe", Overrides: map[settings.Field]string{}}),
			global:     true,
			wantDef:    settings.Allow,
			wantDefSet: sDef,
			want:       map[int32]rule{101: {settings.Allow, sAllow}},
		},
		{
			// The same, with the inherited list processed first.
			name: "fallback beats earlier inherited",
			spec: policy.TargetSpec(settings.Target{Global: global, Session: session("allow", "", "", "*", "ptrace"),
				Role: "joe"}),
			global:     true,
			wantDef:    settings.Allow,
			wantDefSet: sDef,
			want:       map[int32]rule{101: {settings.Kill, sKill}},
		},
		{
			// Two fallback lists are of the same rank: still a conflict.
			name: "two fallback lists conflict",
			spec: policy.TargetSpec(settings.Target{Global: global, Session: session("allow", "chown", "", "", "chown"),
				Role: "joe", Overrides: map[settings.Field]string{settings.FieldLog: "read"}}),
			global: true,
			err:    &wantErr{Setting: sKill, Token: "chown", Detail: `"` + sAllow + `"`, Hint: true},
		},
		{
			name: "two role lists conflict",
			spec: policy.TargetSpec(settings.Target{Global: global, Session: session("allow", "*", "*", "*", "*"),
				Role: "joe", Overrides: map[settings.Field]string{settings.FieldAllow: "open", settings.FieldError: "open"}}),
			global: true,
			err:    &wantErr{Setting: "session_syscall_error.joe", Token: "open", Detail: `"session_syscall_allow.joe"`, Hint: true},
		},
		{
			name: "unknown syscall in a role override",
			spec: policy.TargetSpec(settings.Target{Global: global, Session: session("allow", "*", "*", "*", "*"),
				Role: "joe", Overrides: map[settings.Field]string{settings.FieldLog: "nosuch"}}),
			global: true,
			err:    &wantErr{Setting: "session_syscall_log.joe", Token: "nosuch"},
		},
		{
			// A backend type's overrides work as a role's, under their
			// own names.
			name: "type explicit beats fallback",
			spec: policy.TargetSpec(settings.Target{Global: global, Session: session("log", "chown,read", "", "", ""),
				Type: "autovacuum_worker", Overrides: map[settings.Field]string{settings.FieldKill: "chown", settings.FieldDefault: "error"}}),
			global:     true,
			wantDef:    settings.Error,
			wantDefSet: "backend_syscall_default.autovacuum_worker",
			want: map[int32]rule{
				0:  {settings.Allow, sAllow},
				92: {settings.Kill, "backend_syscall_kill.autovacuum_worker"},
			},
		},
		{
			name: "unknown syscall in a type override",
			spec: policy.TargetSpec(settings.Target{Global: global, Session: session("allow", "*", "*", "*", "*"),
				Type: "autovacuum_worker", Overrides: map[settings.Field]string{settings.FieldError: "read,nosuch"}}),
			global: true,
			err:    &wantErr{Setting: "backend_syscall_error.autovacuum_worker", Token: "nosuch"},
		},
		{
			name: "bad default in a type override",
			spec: policy.TargetSpec(settings.Target{Global: global, Session: session("allow", "*", "*", "*", "*"),
				Type: "checkpointer", Overrides: map[settings.Field]string{settings.FieldDefault: "deny"}}),
			global: true,
			err:    &wantErr{Setting: "backend_syscall_default.checkpointer", Token: "deny", Hint: true},
		},
		{
			// "*" as an override means the global list too.
			name: "role override star",
			spec: policy.TargetSpec(settings.Target{Global: global, Session: session("allow", "", "", "chown", ""),
				Role: "joe", Overrides: map[settings.Field]string{settings.FieldError: "*"}}),
			global:     true,
			wantDef:    settings.Allow,
			wantDefSet: sDef,
			want:       map[int32]rule{101: {settings.Error, "session_syscall_error.joe"}},
		},
	}
	lists, err := policy.ParseGlobalLists(global, testTable)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var g *policy.GlobalLists
			if tt.global {
				g = lists
			}
			p, err := policy.Compile(tt.spec, g, testTable)
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
	sess := level(settings.SessionName, "allow", [4]string{"*", "read", "", "*"})
	tests := []struct {
		name   string
		target settings.Target
		want   [4]policy.Rank
	}{
		{
			name:   "plain session",
			target: settings.Target{Session: sess, Overrides: map[settings.Field]string{settings.FieldLog: "ignored"}},
			want:   [4]policy.Rank{policy.RankInherited, policy.RankExplicit, policy.RankExplicit, policy.RankInherited},
		},
		{
			name:   "role without overrides",
			target: settings.Target{Session: sess, Role: "joe"},
			want:   [4]policy.Rank{policy.RankInherited, policy.RankFallback, policy.RankFallback, policy.RankInherited},
		},
		{
			name: "role with overrides",
			target: settings.Target{Session: sess, Role: "joe",
				Overrides: map[settings.Field]string{settings.FieldAllow: "close", settings.FieldLog: " * ", settings.FieldKill: ""}},
			want: [4]policy.Rank{policy.RankExplicit, policy.RankInherited, policy.RankFallback, policy.RankExplicit},
		},
		{
			name:   "type without overrides",
			target: settings.Target{Session: sess, Type: "walsender"},
			want:   [4]policy.Rank{policy.RankInherited, policy.RankFallback, policy.RankFallback, policy.RankInherited},
		},
		{
			name: "type with overrides",
			target: settings.Target{Session: sess, Type: "walsender",
				Overrides: map[settings.Field]string{settings.FieldAllow: "close", settings.FieldError: "*"}},
			want: [4]policy.Rank{policy.RankExplicit, policy.RankFallback, policy.RankInherited, policy.RankInherited},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := policy.TargetSpec(tt.target)
			for _, a := range settings.Actions {
				if s.Lists[a].Rank != tt.want[a] {
					t.Errorf("%v list %q has rank %d, want %d", a, s.Lists[a].Value.Raw, s.Lists[a].Rank, tt.want[a])
				}
			}
		})
	}
}

func TestTargetEffective(t *testing.T) {
	sess := level(settings.SessionName, "log", [4]string{"read", "*", "readlink", ""})
	tests := []struct {
		name   string
		target settings.Target
		want   settings.Level
	}{
		{
			// Overrides mean nothing without a role.
			name:   "plain session",
			target: settings.Target{Session: sess, Overrides: map[settings.Field]string{settings.FieldError: ""}},
			want:   sess,
		},
		{
			name:   "role without overrides",
			target: settings.Target{Session: sess, Role: "joe"},
			want:   sess,
		},
		{
			name: "role with overrides",
			target: settings.Target{Session: sess, Role: "joe",
				Overrides: map[settings.Field]string{settings.FieldError: "", settings.FieldDefault: "kill"}},
			want: settings.Level{
				Default: settings.Value{Name: "session_syscall_default.joe", Raw: "kill"},
				Lists: [4]settings.Value{
					{Name: "pgseccomp.session_syscall_allow", Raw: "read"},
					{Name: "pgseccomp.session_syscall_log", Raw: "*"},
					{Name: "session_syscall_error.joe", Raw: ""},
					{Name: "pgseccomp.session_syscall_kill", Raw: ""},
				},
			},
		},
		{
			name: "type with overrides",
			target: settings.Target{Session: sess, Type: "autovacuum_worker",
				Overrides: map[settings.Field]string{settings.FieldError: "ptrace", settings.FieldKill: "chown"}},
			want: settings.Level{
				Default: settings.Value{Name: "pgseccomp.session_syscall_default", Raw: "log"},
				Lists: [4]settings.Value{
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
		target settings.Target
		field  settings.Field
		want   string
	}{
		{"role", settings.Target{Role: "joe"}, settings.FieldError, "session_syscall_error.joe"},
		{"type", settings.Target{Type: "autovacuum_worker"}, settings.FieldError, "backend_syscall_error.autovacuum_worker"},
		{"type default", settings.Target{Type: "checkpointer"}, settings.FieldDefault, "backend_syscall_default.checkpointer"},
		{"neither", settings.Target{}, settings.FieldAllow, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.target.OverrideName(tt.field); got != tt.want {
				t.Errorf("OverrideName(%q) = %q, want %q", tt.field, got, tt.want)
			}
		})
	}
	if got := settings.TypeName(settings.FieldKill, "walsender"); got != "backend_syscall_kill.walsender" {
		t.Errorf("TypeName = %q", got)
	}
	if settings.BackendTypesName != "pgseccomp.backend_types" {
		t.Errorf("BackendTypesName = %q", settings.BackendTypesName)
	}
}

package policy_test

import (
	"reflect"
	"testing"

	"github.com/pgseccomp/pgseccomp/internal/policy"
	"github.com/pgseccomp/pgseccomp/internal/settings"
)

// The levels the client cases sit on. The session policy decides:
// read allow (its "*" allow list), write kill (its kill list beats the
// inherited allow), readlink log, clone error, default error; it names
// neither ptrace nor chown, which the global lists do.
var (
	clientGlobal  = level(settings.GlobalName, "log", [4]string{"read,write", "", "ptrace,readlink", "chown"})
	clientSession = level(settings.SessionName, "error", [4]string{"*", "readlink", "clone", "write"})
)

// clientLevels compiles the session policy and the global lists that
// ClientSpec and "*" refer to.
func clientLevels(t *testing.T, target settings.Target) (*policy.Policy, *policy.GlobalLists) {
	t.Helper()
	lists, err := policy.ParseGlobalLists(clientGlobal, testTable)
	if err != nil {
		t.Fatal(err)
	}
	target.Global = clientGlobal
	sess, err := policy.Compile(policy.TargetSpec(target), lists, testTable)
	if err != nil {
		t.Fatal(err)
	}
	return sess, lists
}

// TestClientSessionFixture pins the session policy the other client tests
// rely on, so that a change in it cannot make them pass vacuously.
func TestClientSessionFixture(t *testing.T) {
	sess, _ := clientLevels(t, settings.Target{Session: clientSession})
	want := map[int32]settings.Action{0: settings.Allow, 1: settings.Kill, 89: settings.Log, 56: settings.Error}
	got := map[int32]settings.Action{}
	for nr, r := range sess.Rules {
		got[nr] = r.Action
	}
	if sess.Default != settings.Error || !reflect.DeepEqual(got, want) {
		t.Fatalf("session policy = %v default %v, want %v default error", got, sess.Default, want)
	}
}

func TestClientArgumentNames(t *testing.T) {
	// The C layer and the SQL function use these names; errors must too.
	want := map[settings.Action]string{settings.Allow: "allow_list", settings.Log: "log_list", settings.Error: "error_list", settings.Kill: "kill_list"}
	for a, name := range want {
		if got := settings.ClientListName(a); got != name {
			t.Errorf("ClientListName(%v) = %q, want %q", a, got, name)
		}
	}
	if settings.ClientDefaultName != "default_action" {
		t.Errorf("ClientDefaultName = %q, want default_action", settings.ClientDefaultName)
	}
}

// wantList is what ClientSpec must make of one list argument.
type wantList struct {
	raw      string
	rank     policy.Rank
	resolved bool
	calls    []settings.Syscall // only for resolved lists
}

func TestClientSpec(t *testing.T) {
	sess, _ := clientLevels(t, settings.Target{Session: clientSession})
	// A NULL list is the session's decisions for its action, resolved.
	null := [4]wantList{
		{rank: policy.RankInherited, resolved: true, calls: []settings.Syscall{{Name: "read", Nr: 0}}},
		{rank: policy.RankInherited, resolved: true, calls: []settings.Syscall{{Name: "readlink", Nr: 89}}},
		{rank: policy.RankInherited, resolved: true, calls: []settings.Syscall{{Name: "clone", Nr: 56}}},
		{rank: policy.RankInherited, resolved: true, calls: []settings.Syscall{{Name: "write", Nr: 1}}},
	}
	tests := []struct {
		name    string
		client  settings.Client
		wantDef string
		want    [4]wantList
	}{
		{
			name:    "all NULL",
			client:  client(nil, nil, nil, nil, nil),
			wantDef: "error",
			want:    null,
		},
		{
			name:    "star is inherited, not resolved",
			client:  client(ptr("kill"), ptr("*"), ptr(" * "), nil, nil),
			wantDef: "kill",
			want: [4]wantList{
				{raw: "*", rank: policy.RankInherited},
				{raw: " * ", rank: policy.RankInherited},
				null[settings.Error], null[settings.Kill],
			},
		},
		{
			// "" is an explicit empty list, not NULL.
			name:    "explicit lists",
			client:  client(ptr(""), ptr(""), nil, ptr("ptrace,READ"), ptr("read,*")),
			wantDef: "",
			want: [4]wantList{
				{raw: "", rank: policy.RankExplicit},
				null[settings.Log],
				{raw: "ptrace,READ", rank: policy.RankExplicit},
				{raw: "read,*", rank: policy.RankExplicit},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := policy.ClientSpec(tt.client, sess)
			if s.Default != (settings.Value{Name: "default_action", Raw: tt.wantDef}) {
				t.Errorf("default = %+v, want %q from default_action", s.Default, tt.wantDef)
			}
			for _, a := range settings.Actions {
				l, w := s.Lists[a], tt.want[a]
				if l.Value.Name != settings.ClientListName(a) {
					t.Errorf("%v list is named %q", a, l.Value.Name)
				}
				if l.Value.Raw != w.raw || l.Rank != w.rank || l.Resolved != w.resolved {
					t.Errorf("%v list = raw %q rank %d resolved %v, want raw %q rank %d resolved %v",
						a, l.Value.Raw, l.Rank, l.Resolved, w.raw, w.rank, w.resolved)
				}
				if w.resolved && !reflect.DeepEqual(l.Calls, w.calls) {
					t.Errorf("%v list calls = %v, want %v", a, l.Calls, w.calls)
				}
			}
		})
	}
}

func TestClientCompile(t *testing.T) {
	const (
		cAllow = "allow_list"
		cLog   = "log_list"
		cError = "error_list"
		cKill  = "kill_list"
		cDef   = "default_action"
	)
	// What an all-NULL call decides: the session policy, renamed.
	sessionRules := map[int32]rule{0: {settings.Allow, cAllow}, 89: {settings.Log, cLog}, 56: {settings.Error, cError}, 1: {settings.Kill, cKill}}
	roleTarget := settings.Target{Session: clientSession, Role: "joe",
		Overrides: map[settings.Field]string{settings.FieldDefault: "kill", settings.FieldLog: ""}}
	tests := []struct {
		name    string
		target  settings.Target // the session; clientSession when zero
		client  settings.Client
		wantDef settings.Action
		want    map[int32]rule
		err     *wantErr
	}{
		{
			name:    "all NULL takes the session",
			client:  client(nil, nil, nil, nil, nil),
			wantDef: settings.Error,
			want:    sessionRules,
		},
		{
			// The role's effective policy, not the raw session settings.
			name:    "all NULL takes the role",
			target:  roleTarget,
			client:  client(nil, nil, nil, nil, nil),
			wantDef: settings.Kill,
			want:    map[int32]rule{0: {settings.Allow, cAllow}, 56: {settings.Error, cError}, 1: {settings.Kill, cKill}},
		},
		{
			name:    "explicit default",
			client:  client(ptr(" LOG"), nil, nil, nil, nil),
			wantDef: settings.Log,
			want:    sessionRules,
		},
		{
			name:    "explicit empty lists drop the session's decisions",
			client:  client(nil, ptr(""), ptr(""), ptr("  "), nil),
			wantDef: settings.Error,
			want:    map[int32]rule{1: {settings.Kill, cKill}},
		},
		{
			name:    "star takes the global list",
			client:  client(nil, ptr("*"), ptr(""), ptr(""), ptr("")),
			wantDef: settings.Error,
			want:    map[int32]rule{0: {settings.Allow, cAllow}, 1: {settings.Allow, cAllow}},
		},
		{
			// Not the session's: it names neither ptrace nor chown.
			name:    "star everywhere",
			client:  client(nil, ptr("*"), ptr("*"), ptr(" *"), ptr("*")),
			wantDef: settings.Error,
			want: map[int32]rule{
				0: {settings.Allow, cAllow}, 1: {settings.Allow, cAllow},
				101: {settings.Error, cError}, 89: {settings.Error, cError}, 92: {settings.Kill, cKill},
			},
		},
		{
			// A looser explicit rule still beats a stricter inherited one:
			// the stacked session filter keeps enforcing the session.
			name:    "explicit beats NULL",
			client:  client(nil, ptr("write,CLONE"), nil, nil, nil),
			wantDef: settings.Error,
			want:    map[int32]rule{1: {settings.Allow, cAllow}, 56: {settings.Allow, cAllow}, 89: {settings.Log, cLog}},
		},
		{
			name:    "explicit beats later star",
			client:  client(nil, ptr("ptrace"), nil, ptr("*"), nil),
			wantDef: settings.Error,
			want: map[int32]rule{
				101: {settings.Allow, cAllow}, 89: {settings.Error, cError}, 1: {settings.Kill, cKill},
			},
		},
		{
			name:    "explicit beats earlier star",
			client:  client(nil, ptr("*"), ptr("write"), ptr(""), ptr("")),
			wantDef: settings.Error,
			want:    map[int32]rule{0: {settings.Allow, cAllow}, 1: {settings.Log, cLog}},
		},
		{
			// readlink: session log (NULL) against global error ("*").
			name:    "NULL and star disagree, stricter star wins",
			client:  client(nil, ptr(""), nil, ptr("*"), ptr("")),
			wantDef: settings.Error,
			want:    map[int32]rule{89: {settings.Error, cError}, 101: {settings.Error, cError}},
		},
		{
			// write: global allow ("*") against session kill (NULL).
			name:    "star and NULL disagree, stricter NULL wins",
			client:  client(nil, ptr("*"), ptr(""), ptr(""), nil),
			wantDef: settings.Error,
			want:    map[int32]rule{0: {settings.Allow, cAllow}, 1: {settings.Kill, cKill}},
		},
		{
			name:    "same syscall twice in one list",
			client:  client(nil, nil, nil, ptr("ptrace,PTRACE"), nil),
			wantDef: settings.Error,
			want:    map[int32]rule{0: {settings.Allow, cAllow}, 89: {settings.Log, cLog}, 101: {settings.Error, cError}, 1: {settings.Kill, cKill}},
		},
		{
			name:   "two explicit lists",
			client: client(nil, ptr("chown"), nil, nil, ptr("CHOWN")),
			err:    &wantErr{Setting: cKill, Token: "chown", Detail: `Syscall "chown" is also listed in "allow_list"`, Hint: true},
		},
		{
			// readlink also comes from the NULL log list, in between.
			name:   "two explicit lists around an inherited one",
			client: client(nil, ptr("readlink"), nil, ptr("readlink"), nil),
			err:    &wantErr{Setting: cError, Token: "readlink", Detail: `"allow_list"`, Hint: true},
		},
		{
			// read first comes from the NULL allow list.
			name:   "two explicit lists after an inherited one",
			client: client(nil, nil, ptr("read"), nil, ptr("read")),
			err:    &wantErr{Setting: cKill, Token: "read", Detail: `"log_list"`, Hint: true},
		},
		{
			name:   "bad default",
			client: client(ptr("deny"), nil, nil, nil, nil),
			err:    &wantErr{Setting: cDef, Token: "deny", Detail: `Action "deny" is unknown`, Hint: true},
		},
		{
			name:   "empty default",
			client: client(ptr(""), nil, nil, nil, nil),
			err:    &wantErr{Setting: cDef, Hint: true},
		},
		{
			name:   "unknown syscall",
			client: client(nil, nil, ptr("read,nosuch"), nil, nil),
			err:    &wantErr{Setting: cLog, Token: "nosuch", Detail: `Syscall "nosuch" is unknown`},
		},
		{
			name:   "star inside a list",
			client: client(nil, nil, nil, ptr("read,*"), nil),
			err:    &wantErr{Setting: cError, Token: "*", Detail: "must be the whole value"},
		},
		{
			name:   "list syntax",
			client: client(nil, nil, nil, nil, ptr("read,,write")),
			err:    &wantErr{Setting: cKill, Token: "read,,write", Detail: "List syntax is invalid"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target := tt.target
			if target.Session == (settings.Level{}) {
				target.Session = clientSession
			}
			sess, lists := clientLevels(t, target)
			p, err := policy.Compile(policy.ClientSpec(tt.client, sess), lists, testTable)
			if tt.err != nil {
				checkSettingError(t, err, *tt.err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.Default != tt.wantDef || p.DefaultSetting != cDef {
				t.Errorf("default = %v from %q, want %v from %q", p.Default, p.DefaultSetting, tt.wantDef, cDef)
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

// TestClientSpecLeavesSessionAlone: the session policy is shared by every
// call of a session; compiling a call must not change it.
func TestClientSpecLeavesSessionAlone(t *testing.T) {
	sess, lists := clientLevels(t, settings.Target{Session: clientSession})
	before := map[int32]policy.Rule{}
	for nr, r := range sess.Rules {
		before[nr] = r
	}
	for _, c := range []settings.Client{
		client(ptr("kill"), ptr("write"), nil, ptr("*"), nil),
		client(nil, nil, nil, nil, ptr("read,readlink")),
	} {
		if _, err := policy.Compile(policy.ClientSpec(c, sess), lists, testTable); err != nil {
			t.Fatal(err)
		}
	}
	if sess.Default != settings.Error || !reflect.DeepEqual(sess.Rules, before) {
		t.Errorf("session policy changed: %v default %v, was %v default error", sess.Rules, sess.Default, before)
	}
}

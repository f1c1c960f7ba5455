package guc_test

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/pgseccomp/pgseccomp/guc"
)

// ptr is an argument of set_client_filter that is not NULL.
func ptr(s string) *string { return &s }

// client builds a call from its five arguments in SQL order; nil is NULL.
func client(def *string, allow, log, err, kill *string) guc.Client {
	return guc.Client{Default: def, Lists: [4]*string{allow, log, err, kill}}
}

// The levels the client cases sit on. The session policy decides:
// read allow (its "*" allow list), write kill (its kill list beats the
// inherited allow), readlink log, clone error, default error; it names
// neither ptrace nor chown, which the global lists do.
var (
	clientGlobal  = level(guc.GlobalName, "log", [4]string{"read,write", "", "ptrace,readlink", "chown"})
	clientSession = level(guc.SessionName, "error", [4]string{"*", "readlink", "clone", "write"})
)

// clientLevels compiles the session policy and the global lists that
// ClientSpec and "*" refer to.
func clientLevels(t *testing.T, target guc.Target) (*guc.Policy, *guc.GlobalLists) {
	t.Helper()
	lists, err := guc.ParseGlobalLists(clientGlobal, testTable)
	if err != nil {
		t.Fatal(err)
	}
	target.Global = clientGlobal
	sess, err := guc.Compile(guc.TargetSpec(target), lists, testTable)
	if err != nil {
		t.Fatal(err)
	}
	return sess, lists
}

// TestClientSessionFixture pins the session policy the other client tests
// rely on, so that a change in it cannot make them pass vacuously.
func TestClientSessionFixture(t *testing.T) {
	sess, _ := clientLevels(t, guc.Target{Session: clientSession})
	want := map[int32]guc.Action{0: guc.Allow, 1: guc.Kill, 89: guc.Log, 56: guc.Error}
	got := map[int32]guc.Action{}
	for nr, r := range sess.Rules {
		got[nr] = r.Action
	}
	if sess.Default != guc.Error || !reflect.DeepEqual(got, want) {
		t.Fatalf("session policy = %v default %v, want %v default error", got, sess.Default, want)
	}
}

func TestClientArgumentNames(t *testing.T) {
	// The C layer and the SQL function use these names; errors must too.
	want := map[guc.Action]string{guc.Allow: "allow_list", guc.Log: "log_list", guc.Error: "error_list", guc.Kill: "kill_list"}
	for a, name := range want {
		if got := guc.ClientListName(a); got != name {
			t.Errorf("ClientListName(%v) = %q, want %q", a, got, name)
		}
	}
	if guc.ClientDefaultName != "default_action" {
		t.Errorf("ClientDefaultName = %q, want default_action", guc.ClientDefaultName)
	}
}

// wantList is what ClientSpec must make of one list argument.
type wantList struct {
	raw      string
	rank     guc.Rank
	resolved bool
	calls    []guc.Syscall // only for resolved lists
}

func TestClientSpec(t *testing.T) {
	sess, _ := clientLevels(t, guc.Target{Session: clientSession})
	// A NULL list is the session's decisions for its action, resolved.
	null := [4]wantList{
		{rank: guc.RankInherited, resolved: true, calls: []guc.Syscall{{Name: "read", Nr: 0}}},
		{rank: guc.RankInherited, resolved: true, calls: []guc.Syscall{{Name: "readlink", Nr: 89}}},
		{rank: guc.RankInherited, resolved: true, calls: []guc.Syscall{{Name: "clone", Nr: 56}}},
		{rank: guc.RankInherited, resolved: true, calls: []guc.Syscall{{Name: "write", Nr: 1}}},
	}
	tests := []struct {
		name    string
		client  guc.Client
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
				{raw: "*", rank: guc.RankInherited},
				{raw: " * ", rank: guc.RankInherited},
				null[guc.Error], null[guc.Kill],
			},
		},
		{
			// "" is an explicit empty list, not NULL.
			name:    "explicit lists",
			client:  client(ptr(""), ptr(""), nil, ptr("ptrace,READ"), ptr("read,*")),
			wantDef: "",
			want: [4]wantList{
				{raw: "", rank: guc.RankExplicit},
				null[guc.Log],
				{raw: "ptrace,READ", rank: guc.RankExplicit},
				{raw: "read,*", rank: guc.RankExplicit},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := guc.ClientSpec(tt.client, sess)
			if s.Default != (guc.Value{Name: "default_action", Raw: tt.wantDef}) {
				t.Errorf("default = %+v, want %q from default_action", s.Default, tt.wantDef)
			}
			for _, a := range guc.Actions {
				l, w := s.Lists[a], tt.want[a]
				if l.Value.Name != guc.ClientListName(a) {
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
	sessionRules := map[int32]rule{0: {guc.Allow, cAllow}, 89: {guc.Log, cLog}, 56: {guc.Error, cError}, 1: {guc.Kill, cKill}}
	roleTarget := guc.Target{Session: clientSession, Role: "joe",
		Overrides: map[guc.Field]string{guc.FieldDefault: "kill", guc.FieldLog: ""}}
	tests := []struct {
		name    string
		target  guc.Target // the session; clientSession when zero
		client  guc.Client
		wantDef guc.Action
		want    map[int32]rule
		err     *wantErr
	}{
		{
			name:    "all NULL takes the session",
			client:  client(nil, nil, nil, nil, nil),
			wantDef: guc.Error,
			want:    sessionRules,
		},
		{
			// The role's effective policy, not the raw session settings.
			name:    "all NULL takes the role",
			target:  roleTarget,
			client:  client(nil, nil, nil, nil, nil),
			wantDef: guc.Kill,
			want:    map[int32]rule{0: {guc.Allow, cAllow}, 56: {guc.Error, cError}, 1: {guc.Kill, cKill}},
		},
		{
			name:    "explicit default",
			client:  client(ptr(" LOG"), nil, nil, nil, nil),
			wantDef: guc.Log,
			want:    sessionRules,
		},
		{
			name:    "explicit empty lists drop the session's decisions",
			client:  client(nil, ptr(""), ptr(""), ptr("  "), nil),
			wantDef: guc.Error,
			want:    map[int32]rule{1: {guc.Kill, cKill}},
		},
		{
			name:    "star takes the global list",
			client:  client(nil, ptr("*"), ptr(""), ptr(""), ptr("")),
			wantDef: guc.Error,
			want:    map[int32]rule{0: {guc.Allow, cAllow}, 1: {guc.Allow, cAllow}},
		},
		{
			// Not the session's: it names neither ptrace nor chown.
			name:    "star everywhere",
			client:  client(nil, ptr("*"), ptr("*"), ptr(" *"), ptr("*")),
			wantDef: guc.Error,
			want: map[int32]rule{
				0: {guc.Allow, cAllow}, 1: {guc.Allow, cAllow},
				101: {guc.Error, cError}, 89: {guc.Error, cError}, 92: {guc.Kill, cKill},
			},
		},
		{
			// A looser explicit rule still beats a stricter inherited one:
			// the stacked session filter keeps enforcing the session.
			name:    "explicit beats NULL",
			client:  client(nil, ptr("write,CLONE"), nil, nil, nil),
			wantDef: guc.Error,
			want:    map[int32]rule{1: {guc.Allow, cAllow}, 56: {guc.Allow, cAllow}, 89: {guc.Log, cLog}},
		},
		{
			name:    "explicit beats later star",
			client:  client(nil, ptr("ptrace"), nil, ptr("*"), nil),
			wantDef: guc.Error,
			want: map[int32]rule{
				101: {guc.Allow, cAllow}, 89: {guc.Error, cError}, 1: {guc.Kill, cKill},
			},
		},
		{
			name:    "explicit beats earlier star",
			client:  client(nil, ptr("*"), ptr("write"), ptr(""), ptr("")),
			wantDef: guc.Error,
			want:    map[int32]rule{0: {guc.Allow, cAllow}, 1: {guc.Log, cLog}},
		},
		{
			// readlink: session log (NULL) against global error ("*").
			name:    "NULL and star disagree, stricter star wins",
			client:  client(nil, ptr(""), nil, ptr("*"), ptr("")),
			wantDef: guc.Error,
			want:    map[int32]rule{89: {guc.Error, cError}, 101: {guc.Error, cError}},
		},
		{
			// write: global allow ("*") against session kill (NULL).
			name:    "star and NULL disagree, stricter NULL wins",
			client:  client(nil, ptr("*"), ptr(""), ptr(""), nil),
			wantDef: guc.Error,
			want:    map[int32]rule{0: {guc.Allow, cAllow}, 1: {guc.Kill, cKill}},
		},
		{
			name:    "same syscall twice in one list",
			client:  client(nil, nil, nil, ptr("ptrace,PTRACE"), nil),
			wantDef: guc.Error,
			want:    map[int32]rule{0: {guc.Allow, cAllow}, 89: {guc.Log, cLog}, 101: {guc.Error, cError}, 1: {guc.Kill, cKill}},
		},
		{
			name:   "two explicit lists",
			client: client(nil, ptr("chown"), nil, nil, ptr("CHOWN")),
			err:    &wantErr{setting: cKill, token: "chown", detail: `Syscall "chown" is also listed in "allow_list"`, hint: true},
		},
		{
			// readlink also comes from the NULL log list, in between.
			name:   "two explicit lists around an inherited one",
			client: client(nil, ptr("readlink"), nil, ptr("readlink"), nil),
			err:    &wantErr{setting: cError, token: "readlink", detail: `"allow_list"`, hint: true},
		},
		{
			// read first comes from the NULL allow list.
			name:   "two explicit lists after an inherited one",
			client: client(nil, nil, ptr("read"), nil, ptr("read")),
			err:    &wantErr{setting: cKill, token: "read", detail: `"log_list"`, hint: true},
		},
		{
			name:   "bad default",
			client: client(ptr("deny"), nil, nil, nil, nil),
			err:    &wantErr{setting: cDef, token: "deny", detail: `Action "deny" is unknown`, hint: true},
		},
		{
			name:   "empty default",
			client: client(ptr(""), nil, nil, nil, nil),
			err:    &wantErr{setting: cDef, hint: true},
		},
		{
			name:   "unknown syscall",
			client: client(nil, nil, ptr("read,nosuch"), nil, nil),
			err:    &wantErr{setting: cLog, token: "nosuch", detail: `Syscall "nosuch" is unknown`},
		},
		{
			name:   "star inside a list",
			client: client(nil, nil, nil, ptr("read,*"), nil),
			err:    &wantErr{setting: cError, token: "*", detail: "must be the whole value"},
		},
		{
			name:   "list syntax",
			client: client(nil, nil, nil, nil, ptr("read,,write")),
			err:    &wantErr{setting: cKill, token: "read,,write", detail: "List syntax is invalid"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target := tt.target
			if target.Session == (guc.Level{}) {
				target.Session = clientSession
			}
			sess, lists := clientLevels(t, target)
			p, err := guc.Compile(guc.ClientSpec(tt.client, sess), lists, testTable)
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
	sess, lists := clientLevels(t, guc.Target{Session: clientSession})
	before := map[int32]guc.Rule{}
	for nr, r := range sess.Rules {
		before[nr] = r
	}
	for _, c := range []guc.Client{
		client(ptr("kill"), ptr("write"), nil, ptr("*"), nil),
		client(nil, nil, nil, nil, ptr("read,readlink")),
	} {
		if _, err := guc.Compile(guc.ClientSpec(c, sess), lists, testTable); err != nil {
			t.Fatal(err)
		}
	}
	if sess.Default != guc.Error || !reflect.DeepEqual(sess.Rules, before) {
		t.Errorf("session policy changed: %v default %v, was %v default error", sess.Rules, sess.Default, before)
	}
}

func TestRequestClientsRoundTrip(t *testing.T) {
	global := level(guc.GlobalName, "log", [4]string{"read,write", "", "ptrace", ""})
	session := level(guc.SessionName, "error", [4]string{"*", "readlink", "", "*"})
	tests := []struct {
		name    string
		targets []guc.Target
	}{
		{
			name: "all NULL call",
			targets: []guc.Target{{Session: session, Overrides: map[guc.Field]string{},
				Clients: []guc.Client{client(nil, nil, nil, nil, nil)}}},
		},
		{
			name: "every argument",
			targets: []guc.Target{{Session: session, Overrides: map[guc.Field]string{},
				Clients: []guc.Client{client(ptr("kill"), ptr("read"), ptr("*"), ptr("ptrace, chown"), ptr(`"clone"`))}}},
		},
		{
			// An empty string is not NULL and must stay distinct.
			name: "empty strings",
			targets: []guc.Target{{Session: session, Overrides: map[guc.Field]string{},
				Clients: []guc.Client{client(ptr(""), nil, ptr(""), nil, ptr(""))}}},
		},
		{
			name: "calls in order",
			targets: []guc.Target{{Session: session, Overrides: map[guc.Field]string{},
				Clients: []guc.Client{
					client(nil, nil, nil, ptr("readlink"), nil),
					client(ptr("error"), nil, nil, nil, nil),
					client(nil, ptr("*"), nil, nil, ptr("read")),
				}}},
		},
		{
			name: "role target with calls",
			targets: []guc.Target{{Session: session, Role: "joe",
				Overrides: map[guc.Field]string{guc.FieldError: "", guc.FieldDefault: "kill"},
				Clients:   []guc.Client{client(nil, nil, ptr("close"), nil, nil)}}},
		},
		{
			name: "calls on several targets",
			targets: []guc.Target{
				{Session: session, Overrides: map[guc.Field]string{},
					Clients: []guc.Client{client(nil, nil, nil, ptr("open"), nil)}},
				{Session: guc.DefaultSession(), Overrides: map[guc.Field]string{}},
				{Session: session, Role: "ann", Overrides: map[guc.Field]string{},
					Clients: []guc.Client{client(ptr("log"), nil, nil, nil, nil), client(nil, nil, nil, nil, ptr("chown"))}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := &guc.Request{Global: global, Targets: tt.targets}
			b := guc.EncodeRequest(req)
			got, err := guc.DecodeRequest(b)
			if err != nil {
				t.Fatalf("DecodeRequest(%q): %v", b, err)
			}
			want := *req
			want.Targets = append([]guc.Target(nil), req.Targets...)
			for i := range want.Targets {
				want.Targets[i].Global = global
			}
			// DeepEqual follows the pointers: NULL stays nil, "" stays "".
			if !reflect.DeepEqual(*got, want) {
				t.Errorf("round trip of %q:\ngot  %+v\nwant %+v", b, *got, want)
			}
			if again := guc.EncodeRequest(got); !bytes.Equal(again, b) {
				t.Errorf("re-encoding differs:\ngot  %q\nwant %q", again, b)
			}
		})
	}
}

// TestEncodeRequestOmitsNULL: a NULL argument is absent from the wire, an
// empty one is present.
func TestEncodeRequestOmitsNULL(t *testing.T) {
	req := &guc.Request{Global: guc.DefaultGlobal(), Targets: []guc.Target{{
		Session: guc.DefaultSession(),
		Clients: []guc.Client{client(nil, nil, ptr(""), nil, ptr("read"))},
	}}}
	b := guc.EncodeRequest(req)
	_, tail, ok := bytes.Cut(b, []byte("\x00[client]\x00"))
	if !ok {
		t.Fatalf("no [client] section in %q", b)
	}
	fields := strings.Split(strings.TrimSuffix(string(tail), "\x00"), "\x00")
	got := map[string]string{}
	for i := 0; i+1 < len(fields); i += 2 {
		got[fields[i]] = fields[i+1]
	}
	want := map[string]string{"log_list": "", "kill_list": "read"}
	if len(fields)%2 != 0 || !reflect.DeepEqual(got, want) {
		t.Errorf("client section = %q, want exactly %v", tail, want)
	}
}

// TestDecodeRequestClients pins the wire form in the order the C layer
// writes it (default_action first), independently of EncodeRequest.
func TestDecodeRequestClients(t *testing.T) {
	b := wire(
		"[global]", "pgseccomp.global_syscall_default", "kill",
		"[target]", "pgseccomp.session_syscall_error", "chown",
		"[client]", "default_action", "error", "error_list", "readlink",
		"[client]",
		"[client]", "allow_list", "", "kill_list", "*",
		// A target after client sections takes its settings again.
		"[target]", "role", "joe", "pgseccomp.session_syscall_default", "log", "session_syscall_log.joe", "read",
		"[target]",
		"[client]", "log_list", "close",
	)
	got, err := guc.DecodeRequest(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Targets) != 3 {
		t.Fatalf("%d targets, want 3", len(got.Targets))
	}
	wantClients := [][]guc.Client{
		{
			client(ptr("error"), nil, nil, ptr("readlink"), nil),
			client(nil, nil, nil, nil, nil),
			client(nil, ptr(""), nil, nil, ptr("*")),
		},
		nil,
		{client(nil, nil, ptr("close"), nil, nil)},
	}
	for i, tgt := range got.Targets {
		if !reflect.DeepEqual(tgt.Clients, wantClients[i]) {
			t.Errorf("target %d clients = %s, want %s", i, fmtClients(tgt.Clients), fmtClients(wantClients[i]))
		}
	}
	if s := got.Targets[0].Session; s != level(guc.SessionName, "allow", [4]string{"*", "*", "chown", "*"}) {
		t.Errorf("target 0 session = %+v", s)
	}
	role := got.Targets[1]
	if role.Role != "joe" || role.Session.Default.Raw != "log" ||
		!reflect.DeepEqual(role.Overrides, map[guc.Field]string{guc.FieldLog: "read"}) {
		t.Errorf("target 1 = %+v", role)
	}
}

// fmtClients shows the arguments, not the pointers.
func fmtClients(cs []guc.Client) string {
	arg := func(p *string) string {
		if p == nil {
			return "NULL"
		}
		return "'" + *p + "'"
	}
	var parts []string
	for _, c := range cs {
		parts = append(parts, "("+strings.Join([]string{arg(c.Default), arg(c.Lists[0]), arg(c.Lists[1]), arg(c.Lists[2]), arg(c.Lists[3])}, ", ")+")")
	}
	return "[" + strings.Join(parts, " ") + "]"
}

func TestDecodeRequestClientsMalformed(t *testing.T) {
	tests := []struct {
		name string
		b    []byte
	}{
		{"client before any target", wire("[global]", "[client]")},
		{"client with arguments before any target", wire("[global]", "[client]", "allow_list", "read", "[target]")},
		{"client before global", wire("[client]", "[global]")},
		{"global after client", wire("[global]", "[target]", "[client]", "[global]")},
		{"unknown client argument", wire("[global]", "[target]", "[client]", "deny_list", "read")},
		{"argument names are exact", wire("[global]", "[target]", "[client]", "Allow_List", "read")},
		{"session setting in a client", wire("[global]", "[target]", "[client]", "pgseccomp.session_syscall_allow", "read")},
		{"role in a client", wire("[global]", "[target]", "[client]", "role", "joe")},
		{"role override in a client", wire("[global]", "[target]", "role", "joe", "[client]", "session_syscall_error.joe", "")},
		{"argument without value", wire("[global]", "[target]", "[client]", "allow_list")},
		{"client argument in a target", wire("[global]", "[target]", "allow_list", "read")},
		{"client argument in global", wire("[global]", "default_action", "kill")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if req, err := guc.DecodeRequest(tt.b); err == nil {
				t.Errorf("DecodeRequest(%q) = %+v, want an error", tt.b, req)
			}
		})
	}
}

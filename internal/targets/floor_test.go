package targets_test

import (
	"reflect"
	"runtime"
	"testing"

	"github.com/pgseccomp/pgseccomp/internal/policy"
	"github.com/pgseccomp/pgseccomp/internal/settings"
	"github.com/pgseccomp/pgseccomp/internal/targets"
)

// TestClientFloorResolves: every floor syscall this architecture has is
// known to the table; on x86_64 all of them are.
func TestClientFloorResolves(t *testing.T) {
	for _, name := range policy.ClientFloor {
		if _, ok := native.Number(name); !ok && runtime.GOARCH == "amd64" {
			t.Errorf("floor syscall %q is unknown on x86_64", name)
		}
	}
}

// TestClientFloorBPF: a client 'error' default on a session that allows
// everything still lets the backend report an error and exit, write and
// sync WAL and data files, and wait for its client.
func TestClientFloorBPF(t *testing.T) {
	arch := nativeArch(t)
	global := settings.DefaultGlobal()
	g, err := targets.BuildGlobal(global, native, policy.SelfNeeds)
	if err != nil {
		t.Fatal(err)
	}
	s, err := targets.BuildSession(g, settings.Target{Global: global, Session: settings.DefaultSession()}, native)
	if err != nil {
		t.Fatal(err)
	}
	f, warnings, err := targets.BuildClient(g, s, call(arg("error"), nil, nil, nil, nil), native)
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 0 {
		t.Errorf("warnings %+v, want none: the caller named no floor syscall", warnings)
	}
	v := compile(t, f)
	for name, want := range map[string]settings.Action{
		"exit_group": settings.Allow, "write": settings.Allow, "rt_sigreturn": settings.Allow, "futex": settings.Allow,
		"getpid": settings.Allow, "recvfrom": settings.Allow, "sendto": settings.Allow,
		// WAL and data files, written and synced in critical sections.
		"fdatasync": settings.Allow, "openat": settings.Allow, "close": settings.Allow,
		// Waiting for the client's next message, or for its socket to drain.
		"epoll_wait": settings.Allow, "epoll_pwait": settings.Allow, "epoll_ctl": settings.Allow,
		"poll": settings.Allow,
		// Not on the floor.
		"getdents64": settings.Error, "socket": settings.Error, "execve": settings.Error,
		"kill": settings.Error, "tgkill": settings.Error, "ptrace": settings.Error,
	} {
		if got := v.action(t, nr(t, name), arch); got != want {
			t.Errorf("%s: the program does %v, want %v", name, got, want)
		}
	}
	if d := f.Decide(nr(t, "write")); d.Source != policy.SourceFloor || !d.Named {
		t.Errorf("write: decision %+v, want a named allow from %q", d, policy.SourceFloor)
	}
}

// TestBuildClientLimits: kill acts as error and the floor stays allowed,
// with a warning when the caller's own arguments asked otherwise.
func TestBuildClientLimits(t *testing.T) {
	const (
		noKill = `set_client_filter cannot kill: "kill" acts as "error"`
		floor  = "set_client_filter keeps syscall"
	)
	// The session kills chown (its "*") and readlink (its own list).
	global := globalLevel("allow", "", "", "", "chown")
	session := sessionLevel("allow", "*", "*", "*", "readlink")
	tests := []struct {
		name     string
		session  settings.Level
		call     settings.Client
		want     map[int32]policy.Decision // checked syscalls
		wantDef  settings.Action
		warnings []string // messages, in order; a floor one by prefix
	}{
		{
			name: "explicit kill list", session: session,
			call:     call(nil, nil, nil, nil, arg("ptrace")),
			want:     map[int32]policy.Decision{101: {Action: settings.Error, Source: "client", Named: true}},
			wantDef:  settings.Allow,
			warnings: []string{noKill},
		},
		{
			name: "kill default", session: session,
			call:    call(arg("KILL"), arg("read"), nil, nil, nil),
			want:    map[int32]policy.Decision{0: {Action: settings.Allow, Source: "client", Named: true}, 1: {Action: settings.Allow, Source: policy.SourceFloor, Named: true}},
			wantDef: settings.Error, warnings: []string{noKill},
		},
		{
			// What the session kills it still kills: nothing to warn of.
			name: "inherited kill", session: session,
			call:    call(nil, nil, nil, nil, nil),
			want:    map[int32]policy.Decision{89: {Action: settings.Error, Source: "client", Named: true}},
			wantDef: settings.Allow,
		},
		{
			name: "star kill list", session: session,
			call:    call(nil, nil, nil, nil, arg("*")),
			want:    map[int32]policy.Decision{92: {Action: settings.Error, Source: "client", Named: true}},
			wantDef: settings.Allow,
		},
		{
			name: "inherited kill default", session: sessionLevel("kill", "read", "*", "*", "*"),
			call: call(nil, nil, nil, nil, nil),
			want: map[int32]policy.Decision{
				39: {Action: settings.Allow, Source: policy.SourceFloor, Named: true},
				45: {Action: settings.Allow, Source: policy.SourceFloor, Named: true},
				3:  {Action: settings.Allow, Source: policy.SourceFloor, Named: true},
				62: {Action: settings.Error, Source: "client", Named: false},
			},
			wantDef: settings.Error,
		},
		{
			name: "floor in the error list", session: session,
			call: call(nil, nil, nil, arg("close,getpid,write,ptrace"), nil),
			want: map[int32]policy.Decision{
				1:   {Action: settings.Allow, Source: policy.SourceFloor, Named: true},
				3:   {Action: settings.Allow, Source: policy.SourceFloor, Named: true},
				39:  {Action: settings.Allow, Source: policy.SourceFloor, Named: true},
				101: {Action: settings.Error, Source: "client", Named: true},
			},
			// In policy.ClientFloor's order, not the call's.
			wantDef: settings.Allow, warnings: []string{`set_client_filter keeps syscalls "write", "getpid", "close" allowed`},
		},
		{
			name: "floor in the kill list", session: session,
			call:     call(nil, nil, nil, nil, arg("recvfrom")),
			want:     map[int32]policy.Decision{45: {Action: settings.Allow, Source: policy.SourceFloor, Named: true}},
			wantDef:  settings.Allow,
			warnings: []string{noKill, `set_client_filter keeps syscall "recvfrom" allowed`},
		},
		{
			// kill and getdents64 are not on the floor: the call denies them.
			name: "kill and getdents64 are not the floor", session: session,
			call: call(nil, nil, nil, arg("kill,getdents64"), nil),
			want: map[int32]policy.Decision{
				62:  {Action: settings.Error, Source: "client", Named: true},
				217: {Action: settings.Error, Source: "client", Named: true},
			},
			wantDef: settings.Allow,
		},
		{
			name: "kill and getdents64 in the kill list", session: session,
			call: call(nil, nil, nil, nil, arg("kill,getdents64")),
			want: map[int32]policy.Decision{
				62:  {Action: settings.Error, Source: "client", Named: true},
				217: {Action: settings.Error, Source: "client", Named: true},
			},
			wantDef: settings.Allow, warnings: []string{noKill},
		},
		{
			// close is on the floor, kill is not: only close is kept.
			name: "close and kill in the kill list", session: session,
			call: call(nil, nil, nil, nil, arg("close,kill")),
			want: map[int32]policy.Decision{
				3:  {Action: settings.Allow, Source: policy.SourceFloor, Named: true},
				62: {Action: settings.Error, Source: "client", Named: true},
			},
			wantDef:  settings.Allow,
			warnings: []string{noKill, `set_client_filter keeps syscall "close" allowed`},
		},
		{
			// A floor syscall the call logs is not denied: left alone.
			name: "floor logged", session: session,
			call:    call(nil, nil, arg("write"), nil, nil),
			want:    map[int32]policy.Decision{1: {Action: settings.Log, Source: "client", Named: true}},
			wantDef: settings.Allow,
		},
	}
	g, err := targets.BuildGlobal(global, testTable, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := targets.BuildSession(g, settings.Target{Global: global, Session: tt.session}, testTable)
			if err != nil {
				t.Fatal(err)
			}
			f, warnings, err := targets.BuildClient(g, s, tt.call, testTable)
			if err != nil {
				t.Fatal(err)
			}
			if f.Default.Action != tt.wantDef {
				t.Errorf("default %v, want %v", f.Default.Action, tt.wantDef)
			}
			for n, want := range tt.want {
				if got := f.Decide(n); !reflect.DeepEqual(got, want) {
					t.Errorf("syscall %d: %+v, want %+v", n, got, want)
				}
			}
			for n, d := range f.Rules {
				if d.Action == settings.Kill {
					t.Errorf("syscall %d: the client filter kills", n)
				}
			}
			var msgs []string
			for _, w := range warnings {
				msgs = append(msgs, w.Message)
				switch w.Message {
				case noKill:
					if w.Detail != "A backend killed by a filter makes PostgreSQL restart every session of the cluster." {
						t.Errorf("detail %q", w.Detail)
					}
				default:
					if w.Detail != "A client backend needs it to report an error and exit." &&
						w.Detail != "A client backend needs them to report an error and exit." {
						t.Errorf("detail %q", w.Detail)
					}
				}
			}
			if !reflect.DeepEqual(msgs, tt.warnings) {
				t.Errorf("warnings %q, want %q", msgs, tt.warnings)
			}
		})
	}
}

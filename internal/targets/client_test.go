package targets_test

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/pgseccomp/pgseccomp/internal/bpf"
	"github.com/pgseccomp/pgseccomp/internal/policy"
	"github.com/pgseccomp/pgseccomp/internal/settings"
	"github.com/pgseccomp/pgseccomp/internal/targets"
	"github.com/pgseccomp/pgseccomp/internal/wire"
)

// arg is an argument of set_client_filter that is not NULL.
func arg(s string) *string { return &s }

// call builds a set_client_filter call from its arguments in SQL order;
// nil is NULL.
func call(def *string, allow, log, err, kill *string) settings.Client {
	return settings.Client{Default: def, Lists: [4]*string{allow, log, err, kill}}
}

// floored adds to f the floor's allows for the syscalls nrs: what the
// client level keeps allowed although f would deny it.
func floored(f *policy.Filter, nrs ...int32) *policy.Filter {
	for _, n := range nrs {
		f.Rules[n] = policy.Decision{Action: settings.Allow, Source: policy.SourceFloor, Named: true}
	}
	return f
}

func TestBuildClient(t *testing.T) {
	global := globalLevel("allow", "", "", "ptrace", "chown")
	// The session policy: read, write, close allow; ptrace error (its
	// "*"); readlink kill; default log. Kill acts as error in a client
	// filter; of testTable, read, write, close, getpid, recvfrom and futex
	// are on the floor, kill and getdents64 are not.
	session := sessionLevel("log", "read,write,close", "*", "*", "readlink")
	const c = "client"
	tests := []struct {
		name   string
		target settings.Target
		calls  []settings.Client
		want   []*policy.Filter // one per call
	}{
		{
			name:   "all NULL is the session",
			target: settings.Target{Session: session},
			calls:  []settings.Client{call(nil, nil, nil, nil, nil)},
			want: []*policy.Filter{filter(settings.Log, c, map[int32]settings.Action{
				0: settings.Allow, 1: settings.Allow, 3: settings.Allow, 101: settings.Error, 89: settings.Error,
			})},
		},
		{
			// The second call's NULLs take the session's decisions, not
			// the first call's: wait4 is not denied by the second filter.
			name:   "NULLs take the session, not earlier calls",
			target: settings.Target{Session: session},
			calls: []settings.Client{
				call(arg("error"), nil, nil, arg("wait4"), nil),
				call(nil, nil, nil, nil, nil),
			},
			want: []*policy.Filter{
				floored(filter(settings.Error, c, map[int32]settings.Action{0: settings.Allow, 1: settings.Allow, 3: settings.Allow, 61: settings.Error, 89: settings.Error}), 39, 45, 202),
				filter(settings.Log, c, map[int32]settings.Action{0: settings.Allow, 1: settings.Allow, 3: settings.Allow, 101: settings.Error, 89: settings.Error}),
			},
		},
		{
			name: "NULLs take the role",
			target: settings.Target{Session: session, Role: "joe",
				Overrides: map[settings.Field]string{settings.FieldKill: "", settings.FieldDefault: "kill"}},
			calls: []settings.Client{call(nil, nil, nil, nil, nil)},
			want: []*policy.Filter{floored(filter(settings.Error, c, map[int32]settings.Action{
				0: settings.Allow, 1: settings.Allow, 3: settings.Allow, 101: settings.Error,
			}), 39, 45, 202)},
		},
		{
			name: "NULLs take the backend type",
			target: settings.Target{Session: session, Type: "autovacuum_worker",
				Overrides: map[settings.Field]string{settings.FieldError: "wait4"}},
			calls: []settings.Client{call(nil, nil, nil, nil, nil)},
			want: []*policy.Filter{filter(settings.Log, c, map[int32]settings.Action{
				0: settings.Allow, 1: settings.Allow, 3: settings.Allow, 61: settings.Error, 89: settings.Error,
			})},
		},
		{
			name:   "star takes the global list",
			target: settings.Target{Session: session},
			calls:  []settings.Client{call(nil, arg("*"), arg("readlink"), arg("*"), arg("*"))},
			want: []*policy.Filter{filter(settings.Log, c, map[int32]settings.Action{
				89: settings.Log, 101: settings.Error, 92: settings.Error,
			})},
		},
		{
			// An explicit allow beats the inherited kill in this filter;
			// the session filter below still kills readlink.
			name:   "explicit beats inherited",
			target: settings.Target{Session: session},
			calls:  []settings.Client{call(nil, arg("readlink,futex"), nil, nil, nil)},
			want: []*policy.Filter{filter(settings.Log, c, map[int32]settings.Action{
				89: settings.Allow, 202: settings.Allow, 101: settings.Error,
			})},
		},
		{
			// chown: global kill ("*") against session allow (NULL).
			name:   "inherited lists disagree",
			target: settings.Target{Session: sessionLevel("allow", "chown", "", "", "")},
			calls:  []settings.Client{call(nil, nil, nil, nil, arg("*"))},
			want:   []*policy.Filter{filter(settings.Allow, c, map[int32]settings.Action{92: settings.Error})},
		},
		{
			// No session filter of its own; its policy is still there.
			name:   "session as global",
			target: settings.Target{Session: sessionLevel("allow", "*", "*", "*", "*")},
			calls:  []settings.Client{call(nil, nil, nil, nil, nil), call(arg("error"), arg("read"), nil, nil, nil)},
			want: []*policy.Filter{
				filter(settings.Allow, c, map[int32]settings.Action{101: settings.Error, 92: settings.Error}),
				floored(filter(settings.Error, c, map[int32]settings.Action{0: settings.Allow, 101: settings.Error, 92: settings.Error}), 1, 3, 39, 45, 202),
			},
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
			for i, c := range tt.calls {
				f, _, err := targets.BuildClient(g, s, c, testTable)
				if err != nil {
					t.Fatalf("call %d: %v", i+1, err)
				}
				if !reflect.DeepEqual(f, tt.want[i]) {
					t.Errorf("call %d: filter = %+v\nwant            %+v", i+1, f, tt.want[i])
				}
			}
		})
	}
}

func TestBuildClientErrors(t *testing.T) {
	global := globalLevel("allow", "read", "", "", "")
	g, err := targets.BuildGlobal(global, testTable, nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := targets.BuildSession(g, settings.Target{Global: global, Session: sessionLevel("error", "*", "write", "*", "*")}, testTable)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name           string
		call           settings.Client
		setting, token string
		detail         string // substring
	}{
		{"two explicit lists", call(nil, arg("close"), nil, nil, arg("close")),
			"kill_list", "close", `"allow_list"`},
		// write comes from the NULL log list too; only the explicit ones clash.
		{"two explicit lists over an inherited one", call(nil, nil, nil, arg("write"), arg("write")),
			"kill_list", "write", `"error_list"`},
		{"bad default", call(arg("sometimes"), nil, nil, nil, nil),
			"default_action", "sometimes", "unknown"},
		{"unknown syscall", call(nil, nil, arg("nosuch"), nil, nil),
			"log_list", "nosuch", "unknown"},
		{"star in a list", call(nil, arg("read,*"), nil, nil, nil),
			"allow_list", "*", "must be the whole value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _, err := targets.BuildClient(g, s, tt.call, testTable)
			var se *settings.SettingError
			if !errors.As(err, &se) {
				t.Fatalf("BuildClient = %+v, %v; want a *settings.SettingError", f, err)
			}
			if se.Setting != tt.setting || se.Token != tt.token || !strings.Contains(se.Detail, tt.detail) {
				t.Errorf("error names %q in %q (%q), want %q in %q (%q)", se.Token, se.Setting, se.Detail, tt.token, tt.setting, tt.detail)
			}
		})
	}
}

// TestCompileClients runs set_client_filter requests end to end: the
// target's program is the newest call's, its rows describe the whole stack.
func TestCompileClients(t *testing.T) {
	arch := nativeArch(t)
	global := globalLevel("allow", "", "", "ptrace", "reboot")
	// Differs from global on reboot, getppid and setsid: a filter of its own.
	session := sessionLevel("allow", "*", "getppid", "*", "setsid")
	// Decides as the global filter: no filter of its own.
	plain := sessionLevel("allow", "*", "*", "*", "*")
	c1 := call(nil, arg("setsid"), nil, arg("getuid"), nil)
	c2 := call(arg("log"), arg("setsid"), nil, nil, nil)
	type row struct {
		name   string // "" is the default row
		action settings.Action
		source string
	}
	tests := []struct {
		name   string
		target settings.Target
		// probes the target's program decides; nil: no program
		program map[string]settings.Action
		rows    []row
		err     string // the argument the error names
	}{
		{
			// The program is c2's: getuid is c1's error, but c2's NULL
			// error list is the session's, which allows it.
			name:    "two calls",
			target:  settings.Target{Session: session, Clients: []settings.Client{c1, c2}},
			program: map[string]settings.Action{"getuid": settings.Log, "setsid": settings.Allow, "ptrace": settings.Error, "reboot": settings.Log, "getppid": settings.Log, "uname": settings.Log},
			rows: []row{
				{"", settings.Log, "client"},
				{"getuid", settings.Error, "client"},            // c1
				{"geteuid", settings.Error, "client"},           // getuid's job
				{"getresuid", settings.Error, "client"},         // getuid's job
				{"ptrace", settings.Error, "client"},            // tie of all four: the last
				{"process_vm_readv", settings.Error, "client"},  // ptrace's job
				{"process_vm_writev", settings.Error, "client"}, // ptrace's job
				{"pidfd_getfd", settings.Error, "client"},       // ptrace's job
				{"getppid", settings.Log, "client"},             // tie with the session
				{"setsid", settings.Kill, "session"},            // the clients allow it
				{"reboot", settings.Kill, "global"},             // the session allows it
			},
		},
		{
			name:    "one call",
			target:  settings.Target{Session: session, Clients: []settings.Client{c1}},
			program: map[string]settings.Action{"getuid": settings.Error, "setsid": settings.Allow, "ptrace": settings.Allow, "reboot": settings.Allow, "getppid": settings.Log, "uname": settings.Allow},
			rows: []row{
				{"", settings.Allow, "client"},
				{"getuid", settings.Error, "client"},
				{"geteuid", settings.Error, "client"},   // getuid's job
				{"getresuid", settings.Error, "client"}, // getuid's job
				{"ptrace", settings.Error, "session"},
				{"process_vm_readv", settings.Error, "session"},  // ptrace's job
				{"process_vm_writev", settings.Error, "session"}, // ptrace's job
				{"pidfd_getfd", settings.Error, "session"},       // ptrace's job
				{"getppid", settings.Log, "client"},
				{"setsid", settings.Kill, "session"},
				{"reboot", settings.Kill, "global"},
			},
		},
		{
			name:    "no call",
			target:  settings.Target{Session: session},
			program: map[string]settings.Action{"getuid": settings.Allow, "setsid": settings.Kill, "ptrace": settings.Error, "reboot": settings.Allow, "getppid": settings.Log},
			rows: []row{
				{"", settings.Allow, "session"},
				{"ptrace", settings.Error, "session"},
				{"process_vm_readv", settings.Error, "session"},  // ptrace's job
				{"process_vm_writev", settings.Error, "session"}, // ptrace's job
				{"pidfd_getfd", settings.Error, "session"},       // ptrace's job
				{"getppid", settings.Log, "session"},
				{"setsid", settings.Kill, "session"},
				{"reboot", settings.Kill, "global"},
			},
		},
		{
			// The stack is the global filter and the call's: the explicit
			// kill list drops the session's "*" one, so mount is global's.
			name:   "call without a session filter",
			target: settings.Target{Session: plain, Clients: []settings.Client{call(nil, nil, nil, nil, arg("getuid"))}},
			// Its kill acts as error.
			program: map[string]settings.Action{"getuid": settings.Error, "ptrace": settings.Error, "reboot": settings.Allow, "uname": settings.Allow},
			rows: []row{
				{"", settings.Allow, "client"},
				{"getuid", settings.Error, "client"},
				{"geteuid", settings.Error, "client"},   // getuid's job
				{"getresuid", settings.Error, "client"}, // getuid's job
				{"ptrace", settings.Error, "client"},
				{"process_vm_readv", settings.Error, "client"},  // ptrace's job
				{"process_vm_writev", settings.Error, "client"}, // ptrace's job
				{"pidfd_getfd", settings.Error, "client"},       // ptrace's job
				{"reboot", settings.Kill, "global"},
			},
		},
		{
			name:   "no call, no session filter",
			target: settings.Target{Session: plain},
			rows: []row{
				{"", settings.Allow, "global"},
				{"ptrace", settings.Error, "global"},
				{"process_vm_readv", settings.Error, "global"},  // ptrace's job
				{"process_vm_writev", settings.Error, "global"}, // ptrace's job
				{"pidfd_getfd", settings.Error, "global"},       // ptrace's job
				{"reboot", settings.Kill, "global"},
			},
		},
		{
			// A bad later call fails the whole target: nothing is loaded.
			name:   "bad second call",
			target: settings.Target{Session: session, Clients: []settings.Client{c1, call(nil, arg("uname"), nil, nil, arg("uname"))}},
			err:    "kill_list",
		},
		{
			name:   "bad first call",
			target: settings.Target{Session: session, Clients: []settings.Client{call(arg("deny"), nil, nil, nil, nil), c1}},
			err:    "default_action",
		},
	}
	req := &targets.Request{Global: global}
	for _, tt := range tests {
		req.Targets = append(req.Targets, tt.target)
	}
	// Through the wire, as the worker gets it.
	dec, err := wire.DecodeRequest(wire.EncodeRequest(req))
	if err != nil {
		t.Fatal(err)
	}
	res := targets.Build(dec, native)
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if len(res.Targets) != len(tests) {
		t.Fatalf("%d target results, want %d", len(res.Targets), len(tests))
	}
	g, err := targets.BuildGlobal(global, native, policy.SelfNeeds)
	if err != nil {
		t.Fatal(err)
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := res.Targets[i]
			if tt.err != "" {
				var se *settings.SettingError
				if !errors.As(tr.Err, &se) || se.Setting != tt.err {
					t.Fatalf("Err = %v, want a setting error for %q", tr.Err, tt.err)
				}
				if tr.BPF != nil || tr.Rows != nil {
					t.Errorf("a failed target has BPF %d bytes, rows %v", len(tr.BPF), tr.Rows)
				}
				return
			}
			if tr.Err != nil {
				t.Fatal(tr.Err)
			}
			var want []policy.Row
			for _, r := range tt.rows {
				n := int32(policy.DefaultNr)
				if r.name != "" {
					n = nr(t, r.name)
				}
				want = append(want, policy.Row{Nr: n, Action: r.action, Source: r.source})
			}
			sort.Slice(want, func(a, b int) bool { return want[a].Nr < want[b].Nr })
			if !reflect.DeepEqual(tr.Rows, want) {
				t.Errorf("rows =\n%v\nwant\n%v", tr.Rows, want)
			}
			if tt.program == nil {
				if tr.BPF != nil {
					t.Errorf("got a %d-byte program, want none", len(tr.BPF))
				}
				return
			}
			if tr.BPF == nil {
				t.Fatal("no program")
			}
			v := load(t, tr.BPF)
			for name, a := range tt.program {
				if got := v.action(t, nr(t, name), arch); got != a {
					t.Errorf("%s: the program does %v, want %v", name, got, a)
				}
			}
			// A client program, too, kills other architectures.
			for _, foreign := range foreignArches(arch) {
				if got := v.run(t, nr(t, "getpid"), foreign); got != retKillProcess {
					t.Errorf("arch %#x: the program returns %#x, want KILL_PROCESS", foreign, got)
				}
			}
			// And it is exactly the newest call's filter, compiled.
			if n := len(tt.target.Clients); n > 0 {
				tt.target.Global = global
				s, err := targets.BuildSession(g, tt.target, native)
				if err != nil {
					t.Fatal(err)
				}
				f, _, err := targets.BuildClient(g, s, tt.target.Clients[n-1], native)
				if err != nil {
					t.Fatal(err)
				}
				// in the layout the target chose (its cost model sees
				// the filters below, which Emit here does not)
				prog, err := bpf.EmitLayout(f, nil, tr.Layout)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(tr.BPF, prog) {
					t.Errorf("the program is not the newest call's filter")
				}
			}
		})
	}
}

// clientPool is the syscalls random calls name; most are in propertyPool,
// so they meet session and global rules, some are not.
var clientPool = []string{
	"read", "write", "openat", "close", "getpid", "getppid", "fchownat", "ptrace",
	"mount", "futex", "socket", "connect", "umask", "uname", "getuid",
}

// randCall is a random set_client_filter call: each list NULL, "*" or
// explicit, each syscall in at most one explicit list.
func randCall(rng *rand.Rand) settings.Client {
	var c settings.Client
	if rng.Intn(3) > 0 {
		d := actionNames[rng.Intn(4)]
		if rng.Intn(4) == 0 {
			d = " " + strings.ToUpper(d)
		}
		c.Default = &d
	}
	var explicit []int
	for a := range c.Lists {
		switch r := rng.Intn(5); {
		case r < 2:
			// NULL
		case r == 2:
			c.Lists[a] = arg([]string{"*", " * "}[rng.Intn(2)])
		default:
			explicit = append(explicit, a)
		}
	}
	items := make([][]string, 4)
	for _, name := range clientPool {
		if len(explicit) == 0 || rng.Intn(3) != 0 {
			continue
		}
		if rng.Intn(5) == 0 {
			name = strings.ToUpper(name)
		}
		k := explicit[rng.Intn(len(explicit))]
		items[k] = append(items[k], name)
	}
	for _, a := range explicit {
		c.Lists[a] = arg(strings.Join(items[a], ","))
	}
	return c
}

// clientModel is the meaning of a call written out from the function's
// documentation, independently of policy.Compile: a syscall in an explicit
// list gets that action; else the strictest of the inherited lists that
// name it (NULL: the session's decisions for that action, "*": the global
// list); else the default (NULL: the session's).
type clientModel struct {
	def       settings.Action
	explicit  map[int32]settings.Action
	inherited map[int32]settings.Action
	disagree  int // syscalls two inherited lists decide differently
}

func newClientModel(t *testing.T, c settings.Client, session *policy.Policy, global settings.Level) *clientModel {
	t.Helper()
	m := &clientModel{def: session.Default, explicit: map[int32]settings.Action{}, inherited: map[int32]settings.Action{}}
	if c.Default != nil {
		a, ok := settings.ParseAction(*c.Default)
		if !ok {
			t.Fatalf("bad default %q", *c.Default)
		}
		m.def = a
	}
	by := map[int32][]settings.Action{} // the inherited lists naming each syscall
	for _, a := range settings.Actions {
		v := c.Lists[a]
		if v == nil {
			for n, r := range session.Rules {
				if r.Action == a {
					by[n] = append(by[n], a)
				}
			}
			continue
		}
		star := strings.TrimSpace(*v) == settings.Inherit
		raw := *v
		if star {
			raw = global.Lists[a].Raw
		}
		for _, name := range strings.Split(raw, ",") {
			if name = strings.ToLower(strings.TrimSpace(name)); name == "" {
				continue
			}
			n := nr(t, name)
			if star {
				by[n] = append(by[n], a)
				continue
			}
			if p, ok := m.explicit[n]; ok && p != a {
				t.Fatalf("the generator put %s in two explicit lists", name)
			}
			m.explicit[n] = a
		}
	}
	for n, as := range by {
		m.inherited[n] = slices.Max(as)
		if slices.Min(as) != slices.Max(as) {
			m.disagree++
		}
	}
	return m
}

// decide is the call's decision: the client level never kills (kill acts
// as error) and never denies a syscall of policy.ClientFloor.
func (m *clientModel) decide(n int32) settings.Action {
	a := m.asked(n)
	if a == settings.Kill {
		a = settings.Error
	}
	if floorNrs[n] && a >= settings.Error {
		a = settings.Allow
	}
	return a
}

// asked is what the call's arguments give syscall n.
func (m *clientModel) asked(n int32) settings.Action {
	if a, ok := m.explicit[n]; ok {
		return a
	}
	if a, ok := m.inherited[n]; ok {
		return a
	}
	return m.def
}

// source is the source and whether the call's filter names syscall n: a
// list does, or the floor.
func (m *clientModel) source(n int32) (string, bool) {
	if floorNrs[n] && m.asked(n) >= settings.Error {
		return policy.SourceFloor, true
	}
	_, e := m.explicit[n]
	_, i := m.inherited[n]
	return policy.SourceClient, e || i
}

// floorNrs are the native numbers of policy.ClientFloor.
var floorNrs = func() map[int32]bool {
	m := map[int32]bool{}
	for _, name := range policy.ClientFloor {
		if n, ok := native.Number(name); ok {
			m[n] = true
		}
	}
	return m
}()

// TestPropertyClientStack: for random sessions and random sequences of 1-3
// set_client_filter calls, each compiled as the worker compiles it (the
// request carries the session and the calls so far), the stack of programs
// in the interpreter is never less restrictive than the session policy or
// any call's own policy, the newest program is exactly the newest call's
// policy, and the rows say what the kernel would do.
func TestPropertyClientStack(t *testing.T) {
	arch := nativeArch(t)
	rng := rand.New(rand.NewSource(20261123))
	var probes []int32
	seen := map[string]bool{}
	for _, name := range append(append(append([]string{}, propertyPool...), clientPool...), "sync", "chdir", "dup") {
		if !seen[name] {
			seen[name] = true
			probes = append(probes, nr(t, name))
		}
	}
	const iterations = 300
	var withSession, withoutSession, looser, disagree, explicitOverInherited, calls int
	var kinds [3]int // NULL, "*", explicit lists
	for i := 0; i < iterations; i++ {
		global := randLevel(rng, settings.GlobalName, false)
		target := randTarget(rng, global)
		label := fmt.Sprintf("iteration %d: global %+v, target %+v", i, global, target)
		for n := 1 + rng.Intn(3); n > 0; n-- {
			target.Clients = append(target.Clients, randCall(rng))
		}
		label += ", calls " + showCalls(target.Clients)

		// Through the wire, as the worker gets it.
		full, err := wire.DecodeRequest(wire.EncodeRequest(&targets.Request{Global: global, Targets: []settings.Target{target}}))
		if err != nil {
			t.Fatalf("%s: DecodeRequest: %v", label, err)
		}
		tgt := full.Targets[0]
		g, err := targets.BuildGlobal(global, native, policy.SelfNeeds)
		if err != nil {
			t.Fatalf("%s: BuildGlobal: %v", label, err)
		}
		sess, err := policy.Compile(policy.TargetSpec(tgt), g.Lists, native)
		if err != nil {
			t.Fatalf("%s: session Compile: %v", label, err)
		}
		var models []*clientModel
		for _, c := range tgt.Clients {
			m := newClientModel(t, c, sess, global)
			models = append(models, m)
			disagree += m.disagree
			for _, l := range c.Lists {
				switch {
				case l == nil:
					kinds[0]++
				case strings.TrimSpace(*l) == settings.Inherit:
					kinds[1]++
				default:
					kinds[2]++
				}
			}
			for n, a := range m.explicit {
				if b, ok := m.inherited[n]; ok && b != a {
					explicitOverInherited++
				}
			}
		}

		// Call k's request carries calls 1..k; k = 0 is the session.
		var vms []*vm
		var levels []string // "global", "session", "client" per program
		for k := 0; k <= len(tgt.Clients); k++ {
			req := *full
			req.Start = k == 0 // the global program comes with the start request only
			req.Targets = []settings.Target{tgt}
			req.Targets[0].Clients = tgt.Clients[:k]
			res := targets.Build(&req, native)
			if res.Err != nil || len(res.Targets) != 1 || res.Targets[0].Err != nil {
				t.Fatalf("%s: call %d: Compile = %+v", label, k, res)
			}
			tr := res.Targets[0]
			switch {
			case k == 0:
				vms, levels = []*vm{load(t, res.GlobalBPF)}, []string{"global"}
				if tr.BPF != nil {
					withSession++
					vms, levels = append(vms, load(t, tr.BPF)), append(levels, "session")
				} else {
					withoutSession++
				}
			case tr.BPF == nil:
				t.Fatalf("%s: call %d has no program", label, k)
			default:
				calls++
				vms, levels = append(vms, load(t, tr.BPF)), append(levels, "client")
			}
			for _, n := range probes {
				kernel := settings.Allow
				for _, v := range vms {
					if a := v.action(t, n, arch); a >= kernel {
						kernel = a
					}
				}
				if s := decide(sess, n); kernel < s {
					t.Errorf("%s: after call %d, syscall %d: the stack does %v, less than the session policy's %v", label, k, n, kernel, s)
				}
				for j, m := range models[:k] {
					if want := m.decide(n); kernel < want {
						t.Errorf("%s: after call %d, syscall %d: the stack does %v, less than call %d's %v", label, k, n, kernel, j+1, want)
					}
					if m.decide(n) < decide(sess, n) {
						looser++
					}
				}
				if k > 0 {
					// NULLs are the session's, not earlier calls'.
					if got, want := vms[len(vms)-1].action(t, n, arch), models[k-1].decide(n); got != want {
						t.Errorf("%s: call %d's program does %v with syscall %d, its call means %v", label, k, got, n, want)
					}
				}
				row := rowFor(tr.Rows, n)
				if row.Action != kernel {
					t.Errorf("%s: after call %d, syscall %d: the kernel would %v, the rows say %v", label, k, n, kernel, row.Action)
				}
				// On a tie the later filter is named, unless pgseccomp
				// decided and the later filter agrees by its default.
				src, best := "", settings.Allow
				for j, v := range vms {
					var s string
					var named bool
					switch levels[j] {
					case "global":
						_, named = g.Filter.Rules[n]
						s = g.Filter.Decide(n).Source
					case "session":
						_, named = sess.Rules[n]
						s = "session"
					default:
						s, named = models[j-(len(vms)-k)].source(n)
					}
					if a := v.action(t, n, arch); j == 0 || a > best || (a == best && (named || src != policy.SourceSelf)) {
						src, best = s, a
					}
				}
				if row.Source != src {
					t.Errorf("%s: after call %d, syscall %d: the rows name %q, the deciding program is %q", label, k, n, row.Source, src)
				}
			}
		}
		if t.Failed() {
			return // one failing case is enough to read
		}
	}
	t.Logf("%d iterations with a session filter, %d without; %d calls; lists NULL/*/explicit %v; %d inherited disagreements, %d explicit over inherited; %d looser decisions",
		withSession, withoutSession, calls, kinds, disagree, explicitOverInherited, looser)
	// Every branch the property is about must have been exercised.
	if withSession == 0 || withoutSession == 0 || kinds[0] == 0 || kinds[1] == 0 || kinds[2] == 0 ||
		disagree == 0 || explicitOverInherited == 0 || looser == 0 {
		t.Errorf("the generator is too narrow")
	}
}

// showCalls renders calls as SQL arguments, for failure messages.
func showCalls(cs []settings.Client) string {
	a := func(p *string) string {
		if p == nil {
			return "NULL"
		}
		return "'" + *p + "'"
	}
	var out []string
	for _, c := range cs {
		out = append(out, fmt.Sprintf("(%s, %s, %s, %s, %s)", a(c.Default), a(c.Lists[0]), a(c.Lists[1]), a(c.Lists[2]), a(c.Lists[3])))
	}
	return strings.Join(out, " ")
}

package targets_test

import (
	"encoding/binary"
	"fmt"
	"math/rand"
	"runtime"
	"strings"
	"testing"

	netbpf "golang.org/x/net/bpf"
	"golang.org/x/sys/unix"

	"github.com/pgseccomp/pgseccomp/internal/bpf"
	"github.com/pgseccomp/pgseccomp/internal/names"
	"github.com/pgseccomp/pgseccomp/internal/policy"
	"github.com/pgseccomp/pgseccomp/internal/settings"
	"github.com/pgseccomp/pgseccomp/internal/targets"
)

// Values from linux/seccomp.h and linux/audit.h.
const (
	retKillProcess = 0x80000000
	retErrno       = 0x00050000
	retLog         = 0x7ffc0000
	retAllow       = 0x7fff0000

	auditArchX86_64  = 0xc000003e
	auditArchI386    = 0x40000003
	auditArchAArch64 = 0xc00000b7

	x32SyscallBit = 0x40000000

	seccompDataSize = 64 // struct seccomp_data
)

// retOf is what the kernel gets from a filter for each action.
var retOf = map[settings.Action]uint32{
	settings.Allow: retAllow,
	settings.Log:   retLog,
	settings.Error: retErrno | uint32(unix.EACCES),
	settings.Kill:  retKillProcess,
}

// nativeArch is the AUDIT_ARCH of the architecture the tests run on; the
// BPF tests skip elsewhere.
func nativeArch(t *testing.T) uint32 {
	t.Helper()
	switch runtime.GOARCH {
	case "amd64":
		return auditArchX86_64
	case "arm64":
		return auditArchAArch64
	}
	t.Skipf("no AUDIT_ARCH known for %s", runtime.GOARCH)
	return 0
}

// foreignArches are architectures other than the native one.
func foreignArches(native uint32) []uint32 {
	var out []uint32
	for _, a := range []uint32{auditArchX86_64, auditArchI386, auditArchAArch64} {
		if a != native {
			out = append(out, a)
		}
	}
	return out
}

// native resolves names on the real table: BPF rules need real numbers.
var native = names.NativeTable()

func nr(t *testing.T, name string) int32 {
	t.Helper()
	n, ok := native.Number(name)
	if !ok {
		t.Fatalf("libseccomp does not know syscall %q here", name)
	}
	return n
}

// vm is a compiled filter loaded into x/net/bpf's interpreter.
type vm struct {
	*netbpf.VM
	insns []netbpf.Instruction
}

// load decodes a struct sock_filter array and loads it into the VM.
//
// The VM loads words big-endian (it is meant for packets) while seccomp
// loads struct seccomp_data in native order. Every load libseccomp emits is
// an aligned 4-byte absolute load, which load checks; run then hands the VM
// the data with each 4-byte word reversed, so each load sees the native
// value. Nothing else in the VM depends on byte order.
func load(t *testing.T, prog []byte) *vm {
	t.Helper()
	if len(prog) == 0 || len(prog)%8 != 0 {
		t.Fatalf("program has %d bytes", len(prog))
	}
	raw := make([]netbpf.RawInstruction, 0, len(prog)/8)
	for i := 0; i < len(prog); i += 8 {
		raw = append(raw, netbpf.RawInstruction{
			Op: binary.NativeEndian.Uint16(prog[i:]),
			Jt: prog[i+2],
			Jf: prog[i+3],
			K:  binary.NativeEndian.Uint32(prog[i+4:]),
		})
	}
	insns, ok := netbpf.Disassemble(raw)
	if !ok {
		t.Fatalf("x/net/bpf cannot decode the program:\n%s", dump(insns))
	}
	for i, in := range insns {
		switch in := in.(type) {
		case netbpf.LoadAbsolute:
			if in.Size != 4 || in.Off%4 != 0 || in.Off+4 > seccompDataSize {
				t.Fatalf("instruction %d: load of %d bytes at %d; the word swap in run is not valid for it", i, in.Size, in.Off)
			}
		case netbpf.LoadIndirect, netbpf.LoadMemShift, netbpf.LoadExtension:
			t.Fatalf("instruction %d: %v is not valid in a seccomp filter", i, in)
		}
	}
	v, err := netbpf.NewVM(insns)
	if err != nil {
		t.Fatalf("loading the program: %v\n%s", err, dump(insns))
	}
	return &vm{VM: v, insns: insns}
}

func dump(insns []netbpf.Instruction) string {
	var b strings.Builder
	for i, in := range insns {
		fmt.Fprintf(&b, "%4d %v\n", i, in)
	}
	return b.String()
}

// run evaluates the filter for syscall nr of architecture arch, made from
// code outside every trapping range, and returns the seccomp return value.
func (v *vm) run(t *testing.T, nr int32, arch uint32) uint32 {
	t.Helper()
	return v.runAt(t, nr, arch, 0x7f0000001000)
}

// action maps a seccomp return value back to the action it enforces.
func (v *vm) action(t *testing.T, nr int32, arch uint32) settings.Action {
	t.Helper()
	ret := v.run(t, nr, arch)
	for a, r := range retOf {
		if r == ret {
			return a
		}
	}
	t.Fatalf("syscall %d: filter returned %#x, which no action produces", nr, ret)
	return 0
}

func compile(t *testing.T, f *policy.Filter) *vm {
	t.Helper()
	prog, err := bpf.Emit(f, nil)
	if err != nil {
		t.Fatalf("Emit without a trap: %v", err)
	}
	if n := len(prog) / 8; n > bpf.MaxInstructions {
		t.Fatalf("Emit without a trap returned %d instructions", n)
	}
	return load(t, prog)
}

func TestBPFDecisions(t *testing.T) {
	arch := nativeArch(t)
	probes := []string{"read", "write", "openat", "close", "getpid", "getppid", "ptrace"}
	tests := []struct {
		name  string
		def   settings.Action
		rules map[string]settings.Action
	}{
		{"allow default", settings.Allow, map[string]settings.Action{"read": settings.Error, "write": settings.Kill, "openat": settings.Log}},
		{"log default", settings.Log, map[string]settings.Action{"read": settings.Allow, "write": settings.Error, "openat": settings.Kill}},
		{"error default", settings.Error, map[string]settings.Action{"read": settings.Allow, "write": settings.Log, "openat": settings.Kill}},
		{"kill default", settings.Kill, map[string]settings.Action{"read": settings.Allow, "write": settings.Log, "openat": settings.Error}},
		// Emit without a trap drops rules that repeat the default; they must still hold.
		{"rules equal to the default", settings.Error, map[string]settings.Action{"read": settings.Error, "close": settings.Error, "write": settings.Allow}},
		{"no rules, allow", settings.Allow, nil},
		{"no rules, kill", settings.Kill, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &policy.Filter{Default: policy.Decision{Action: tt.def, Source: "global"}, Rules: map[int32]policy.Decision{}}
			for name, a := range tt.rules {
				f.Rules[nr(t, name)] = policy.Decision{Action: a, Source: "global"}
			}
			v := compile(t, f)
			for _, name := range probes {
				want, ok := tt.rules[name]
				if !ok {
					want = tt.def
				}
				if got := v.run(t, nr(t, name), arch); got != retOf[want] {
					t.Errorf("%s: filter returned %#x, want %#x (%v)", name, got, retOf[want], want)
				}
			}
		})
	}
}

// TestBPFReturnValues pins the seccomp values themselves, so that a wrong
// retOf table cannot make TestBPFDecisions pass.
func TestBPFReturnValues(t *testing.T) {
	arch := nativeArch(t)
	f := filter(settings.Allow, "global", map[int32]settings.Action{
		nr(t, "write"): settings.Log, nr(t, "openat"): settings.Error, nr(t, "ptrace"): settings.Kill,
	})
	v := compile(t, f)
	tests := []struct {
		name string
		want uint32
	}{
		{"read", 0x7fff0000},
		{"write", 0x7ffc0000},
		{"openat", 0x00050000 | 13},
		{"ptrace", 0x80000000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := v.run(t, nr(t, tt.name), arch); got != tt.want {
				t.Errorf("filter returned %#x, want %#x", got, tt.want)
			}
		})
	}
}

func TestBPFForeignArchitecture(t *testing.T) {
	arch := nativeArch(t)
	// Even an allow-everything filter kills other architectures.
	f := filter(settings.Allow, "global", map[int32]settings.Action{nr(t, "ptrace"): settings.Error})
	v := compile(t, f)
	for _, foreign := range append(foreignArches(arch), 0) {
		for _, n := range []int32{0, 1, 59, nr(t, "ptrace"), 400} {
			t.Run(fmt.Sprintf("arch=%#x/nr=%d", foreign, n), func(t *testing.T) {
				if got := v.run(t, n, foreign); got != retKillProcess {
					t.Errorf("filter returned %#x, want KILL_PROCESS", got)
				}
			})
		}
	}
}

// TestBPFX32: x32 syscalls come with the x86_64 AUDIT_ARCH and bit 30 of
// the number set. libseccomp treats them as a foreign ABI and applies the
// bad-architecture action, which Emit without a trap sets to kill.
func TestBPFX32(t *testing.T) {
	if nativeArch(t) != auditArchX86_64 {
		t.Skip("x32 exists only on x86_64")
	}
	tests := []struct {
		name string
		def  settings.Action
	}{
		{"allow default", settings.Allow},
		{"log default", settings.Log},
		{"error default", settings.Error},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := filter(tt.def, "global", map[int32]settings.Action{0: settings.Allow, 1: settings.Allow})
			v := compile(t, f)
			for _, n := range []int32{0, 1, 39, 512} {
				got := v.run(t, n|x32SyscallBit, auditArchX86_64)
				if got == retAllow {
					t.Errorf("x32 syscall %d is allowed", n)
				}
				if got != retKillProcess {
					t.Errorf("x32 syscall %d: filter returned %#x, want KILL_PROCESS", n, got)
				}
			}
		})
	}
}

// TestBPFWholeTable names every native syscall, so the program is as long
// as it gets, and checks each decision.
func TestBPFWholeTable(t *testing.T) {
	arch := nativeArch(t)
	f := &policy.Filter{Default: policy.Decision{Action: settings.Error, Source: "global"}, Rules: map[int32]policy.Decision{}}
	for _, name := range native.NativeNames() {
		n := nr(t, name)
		f.Rules[n] = policy.Decision{Action: settings.Action(int(n) % 4), Source: "global"}
	}
	if len(f.Rules) < 200 {
		t.Fatalf("native table has only %d syscalls", len(f.Rules))
	}
	v := compile(t, f)
	for n := int32(0); n < 1024; n++ {
		if got, want := v.action(t, n, arch), f.Decide(n).Action; got != want {
			t.Errorf("syscall %d: filter does %v, want %v", n, got, want)
		}
	}
}

// propertyPool is the syscalls the random policies are made of: some that
// SelfNeeds names, some it does not. All exist on x86_64 and arm64.
var propertyPool = []string{
	"read", "write", "openat", "close", "getpid", "getppid", "fchownat", "ptrace", "mount", "futex",
	"clone", "kill", "wait4", "mmap", "socket", "connect", "bind", "setsid", "umask", "uname",
}

// propertyUnnamed are never named, so they always get a default.
var propertyUnnamed = []string{"getuid", "sync", "chdir"}

var actionNames = []string{"allow", "log", "error", "kill"}

// randLists spreads a random part of the pool over the four lists, each
// syscall in at most one, so that no level has a conflict.
func randLists(rng *rand.Rand) [4]string {
	var lists [4][]string
	for _, name := range propertyPool {
		if k := rng.Intn(6); k < 4 {
			if rng.Intn(5) == 0 {
				name = strings.ToUpper(name) // folded by SplitList
			}
			lists[k] = append(lists[k], name)
		}
	}
	var out [4]string
	for a := range lists {
		out[a] = strings.Join(lists[a], ",")
	}
	return out
}

func randLevel(rng *rand.Rand, name func(settings.Field) string, star bool) settings.Level {
	lists := randLists(rng)
	if star {
		for a := range lists {
			if rng.Intn(3) == 0 {
				lists[a] = settings.Inherit
			}
		}
	}
	return level(name, actionNames[rng.Intn(4)], lists[0], lists[1], lists[2], lists[3])
}

func randTarget(rng *rand.Rand, global settings.Level) settings.Target {
	t := settings.Target{Global: global}
	if rng.Intn(4) == 0 {
		// The session as the global settings: often no second filter.
		t.Session = sessionLevel(global.Default.Raw, "*", "*", "*", "*")
	} else {
		t.Session = randLevel(rng, settings.SessionName, true)
	}
	if rng.Intn(2) == 0 {
		t.Role = "joe"
		t.Overrides = map[settings.Field]string{}
		over := randLevel(rng, settings.SessionName, true)
		for _, a := range settings.Actions {
			if rng.Intn(2) == 0 {
				t.Overrides[settings.ListField(a)] = over.Lists[a].Raw
			}
		}
		if rng.Intn(2) == 0 {
			t.Overrides[settings.FieldDefault] = over.Default.Raw
		}
	}
	return t
}

// decide is a policy's own decision for syscall nr.
func decide(p *policy.Policy, nr int32) settings.Action {
	if r, ok := p.Rules[nr]; ok {
		return r.Action
	}
	return p.Default
}

func rowFor(rows []policy.Row, nr int32) policy.Row {
	for _, r := range rows[1:] {
		if r.Nr == nr {
			return r
		}
	}
	return rows[0]
}

// TestPropertyStack: for random global and session policies, Describe
// reports the kernel's merge of the stack, each compiled program decides as
// its Filter, and the session program is never less restrictive than the
// session policy.
func TestPropertyStack(t *testing.T) {
	arch := nativeArch(t)
	rng := rand.New(rand.NewSource(20261122))
	var probes []int32
	for _, name := range append(append([]string{}, propertyPool...), propertyUnnamed...) {
		probes = append(probes, nr(t, name))
	}
	const iterations = 300
	withFilter, without := 0, 0
	for i := 0; i < iterations; i++ {
		global := randLevel(rng, settings.GlobalName, false)
		target := randTarget(rng, global)
		label := fmt.Sprintf("iteration %d: global %+v, target %+v", i, global, target)

		g, err := targets.BuildGlobal(global, native, policy.SelfNeeds)
		if err != nil {
			t.Fatalf("%s: BuildGlobal: %v", label, err)
		}
		s, err := targets.BuildSession(g, target, native)
		if err != nil {
			t.Fatalf("%s: BuildSession: %v", label, err)
		}
		pol, err := policy.Compile(policy.TargetSpec(target), g.Lists, native)
		if err != nil {
			t.Fatalf("%s: Compile: %v", label, err)
		}

		vms := []*vm{compile(t, g.Filter)}
		if s.Filter != nil {
			withFilter++
			vms = append(vms, compile(t, s.Filter))
		} else {
			without++
			if !policy.FromPolicy(pol, policy.SourceSession).SameDecisions(g.Filter) {
				t.Fatalf("%s: no session filter, but the session policy decides differently from the global filter", label)
			}
		}
		if len(s.Stack) != len(vms) {
			t.Fatalf("%s: stack has %d filters, want %d", label, len(s.Stack), len(vms))
		}

		rows := policy.Describe(s.Stack)
		if rows[0].Nr != policy.DefaultNr {
			t.Fatalf("%s: first row is %+v, not the default", label, rows[0])
		}
		for _, n := range probes {
			// The merge by hand: highest action, later filter on a tie,
			// unless pgseccomp decided and the later filter's default
			// only agrees.
			var best policy.Decision
			for j, f := range s.Stack {
				d := f.Decide(n)
				if j == 0 || d.Action > best.Action || (d.Action == best.Action && (d.Named || best.Source != policy.SourceSelf)) {
					best = d
				}
			}
			row := rowFor(rows, n)
			if row.Action != best.Action || row.Source != best.Source {
				t.Errorf("%s: syscall %d: Describe says %v from %s, the stack %v from %s",
					label, n, row.Action, row.Source, best.Action, best.Source)
			}

			// What the kernel enforces: the highest of the programs' actions.
			kernel := settings.Allow
			for j, v := range vms {
				got := v.action(t, n, arch)
				if want := s.Stack[j].Decide(n).Action; got != want {
					t.Errorf("%s: syscall %d: program %d does %v, its filter %v", label, n, j, got, want)
				}
				kernel = max(kernel, got)
			}
			if kernel != row.Action {
				t.Errorf("%s: syscall %d: the kernel would %v, Describe says %v", label, n, kernel, row.Action)
			}
			if s.Filter != nil {
				if got, want := vms[1].action(t, n, arch), decide(pol, n); got < want {
					t.Errorf("%s: syscall %d: session program does %v, less than the session policy's %v", label, n, got, want)
				}
			}
		}
	}
	t.Logf("%d iterations with a session filter, %d without", withFilter, without)
	// Both branches of BuildSession must have been exercised.
	if withFilter == 0 || without == 0 {
		t.Errorf("%d iterations with a session filter, %d without: the generator is too narrow", withFilter, without)
	}
}

// TestSessionStackHonoursSessionPolicy: when the session settings decide
// every syscall as the global settings do, BuildSession builds no second
// filter, so a client backend runs under the global filter alone. That
// filter also allows SelfNeeds (source "pgseccomp") for the compile helper,
// which client backends do not run. A session whose default is "kill" thus
// lets client backends clone, while the weaker session default "error"
// (which gets a filter of its own) denies clone.
func TestSessionStackHonoursSessionPolicy(t *testing.T) {
	arch := nativeArch(t)
	global := globalLevel("kill", "read,write", "", "", "")
	g, err := targets.BuildGlobal(global, native, policy.SelfNeeds)
	if err != nil {
		t.Fatal(err)
	}
	clone := nr(t, "clone")
	tests := []struct {
		name    string
		session settings.Level
	}{
		{"session as global", sessionLevel("kill", "*", "*", "*", "*")},
		{"weaker session default", sessionLevel("error", "*", "*", "*", "*")},
	}
	var failures []string
	for _, tt := range tests {
		target := settings.Target{Global: global, Session: tt.session}
		s, err := targets.BuildSession(g, target, native)
		if err != nil {
			t.Fatal(err)
		}
		pol, err := policy.Compile(policy.TargetSpec(target), g.Lists, native)
		if err != nil {
			t.Fatal(err)
		}
		enforced := settings.Allow
		for _, f := range s.Stack {
			enforced = max(enforced, compile(t, f).action(t, clone, arch))
		}
		if want := decide(pol, clone); enforced < want {
			failures = append(failures, fmt.Sprintf("%s: the client stack does %v with clone, the session policy %v (second filter: %v)",
				tt.name, enforced, want, s.Filter != nil))
		}
	}
	for _, f := range failures {
		t.Error(f)
	}
}

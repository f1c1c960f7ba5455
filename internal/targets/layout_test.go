package targets_test

import (
	"bytes"
	"encoding/binary"
	"math/rand"
	"syscall"
	"testing"

	"github.com/pgseccomp/pgseccomp/internal/bpf"
	"github.com/pgseccomp/pgseccomp/internal/policy"
	"github.com/pgseccomp/pgseccomp/internal/settings"
	"github.com/pgseccomp/pgseccomp/internal/targets"
)

// randomFilter has n rules of every action, on native syscalls chosen by
// rng, with a default and a few errnos.
func randomFilter(rng *rand.Rand, n int, def settings.Action) *policy.Filter {
	actions := []settings.Action{settings.Allow, settings.Log, settings.Error, settings.Kill}
	errnos := []syscall.Errno{0, syscall.EPERM, syscall.ENOSYS, syscall.EIO}
	f := &policy.Filter{Default: policy.Decision{Action: def, Source: "session"}, Rules: map[int32]policy.Decision{}}
	for len(f.Rules) < n {
		nr := int32(rng.Intn(450))
		if native.Name(nr) == "" {
			continue
		}
		a := actions[rng.Intn(len(actions))]
		d := policy.Decision{Action: a, Source: "session", Named: true}
		if a == settings.Error {
			d.Errno = errnos[rng.Intn(len(errnos))]
		}
		f.Rules[nr] = d
	}
	return f
}

// bothLayouts compiles f in each layout.
func bothLayouts(t *testing.T, f *policy.Filter, trap *bpf.Trap) (linear, tree []byte) {
	t.Helper()
	linear, err := bpf.EmitLayout(f, trap, bpf.Linear)
	if err != nil {
		t.Fatalf("linear: %v", err)
	}
	tree, err = bpf.EmitLayout(f, trap, bpf.Tree)
	if err != nil {
		t.Fatalf("tree: %v", err)
	}
	return linear, tree
}

// TestLayoutsDecideAlike: the linear and the tree program of a filter
// return the same for every syscall number, of every architecture, made
// from inside and outside the trapping ranges; whichever Emit picks
// decides as the filter says.
func TestLayoutsDecideAlike(t *testing.T) {
	arch := nativeArch(t)
	rng := rand.New(rand.NewSource(7))
	defaults := []settings.Action{settings.Allow, settings.Log, settings.Error, settings.Kill, settings.Learn}
	for _, n := range []int{0, 1, 2, 5, 8, 13, 40, 120, 250} {
		for _, def := range defaults {
			f := randomFilter(rng, n, def)
			for _, trap := range []*bpf.Trap{nil, bpf.NewTrap(testRanges, native)} {
				linear, tree := bothLayouts(t, f, trap)
				picked, err := bpf.Emit(f, trap)
				if err != nil {
					t.Fatalf("%d rules, default %v: Emit: %v", n, def, err)
				}
				if !bytes.Equal(picked, linear) && !bytes.Equal(picked, tree) {
					t.Fatalf("%d rules, default %v: Emit built neither layout", n, def)
				}
				vl, vt := load(t, linear), load(t, tree)
				for _, a := range append(foreignArches(arch), arch) {
					for nr := int32(-1); nr < 1024; nr++ {
						for _, x32 := range []int32{0, x32SyscallBit} {
							for _, ip := range []uint64{ipsInside[1], ipsOutside[0]} {
								if l, tr := vl.runAt(t, nr|x32, a, ip), vt.runAt(t, nr|x32, a, ip); l != tr {
									t.Fatalf("%d rules, default %v, arch %#x, syscall %#x at %#x: linear returns %#x, tree %#x",
										n, def, a, nr|x32, ip, l, tr)
								}
							}
						}
					}
				}
				if trap == nil && def != settings.Learn {
					v := load(t, picked)
					for nr := int32(0); nr < 450; nr++ {
						want := retOf[f.Decide(nr).Action]
						if d := f.Decide(nr); d.Action == settings.Error && d.Errno != 0 {
							want = errnoRet(d.Errno)
						}
						if got := v.run(t, nr, arch); got != want {
							t.Fatalf("%d rules, default %v, syscall %d: %#x, want %#x", n, def, nr, got, want)
						}
					}
				}
			}
		}
	}
}

// TestLayoutChoice: small filters stay linear and large ones become trees,
// where the kernel's attach cost crosses over (7 rules measured), and a
// tree is a tree: other bytes, and fewer instructions for the kernel to
// run per syscall number.
func TestLayoutChoice(t *testing.T) {
	arch := nativeArch(t)
	rng := rand.New(rand.NewSource(11))
	for _, tt := range []struct {
		rules int
		want  bpf.Layout
	}{
		{1, bpf.Linear}, {3, bpf.Linear}, {5, bpf.Linear},
		{12, bpf.Tree}, {30, bpf.Tree}, {150, bpf.Tree},
	} {
		f := &policy.Filter{Default: policy.Decision{Action: settings.Allow, Source: "session"}, Rules: map[int32]policy.Decision{}}
		for len(f.Rules) < tt.rules {
			if nr := int32(rng.Intn(450)); native.Name(nr) != "" {
				f.Rules[nr] = dec(settings.Error, "session", 0)
			}
		}
		linear, tree := bothLayouts(t, f, nil)
		if bytes.Equal(linear, tree) {
			t.Fatalf("%d rules: libseccomp built the same program for both layouts", tt.rules)
		}
		ls, ts := bpf.ConstAllowSteps(linear, arch, bpf.AttachNrs, nil), bpf.ConstAllowSteps(tree, arch, bpf.AttachNrs, nil)
		if tt.rules >= 12 && ts >= ls {
			t.Errorf("%d rules: the tree takes %d steps, the linear program %d", tt.rules, ts, ls)
		}
		want := map[bpf.Layout][]byte{bpf.Linear: linear, bpf.Tree: tree}[tt.want]
		got, err := bpf.Emit(f, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%d error rules: Emit did not pick the %v layout (%d instructions, picked %d)",
				tt.rules, tt.want, len(want)/8, len(got)/8)
		}
	}
}

// TestLayoutBelow: on a global filter that allows few syscalls, the kernel
// runs a session filter for those only, and the model counts only them.
func TestLayoutBelow(t *testing.T) {
	arch := nativeArch(t)
	global := &policy.Filter{Default: dec(settings.Error, "global", 0), Rules: map[int32]policy.Decision{}}
	for _, name := range []string{"read", "write", "getppid", "sethostname"} {
		global.Rules[nr(t, name)] = dec(settings.Allow, "global", 0)
	}
	gprog, err := bpf.Emit(global, nil)
	if err != nil {
		t.Fatal(err)
	}
	allowed := bpf.AlwaysAllows(gprog, arch)
	count := 0
	for n := 0; n < bpf.AttachNrs; n++ {
		if allowed(n) {
			count++
		}
	}
	if count != 4 {
		t.Fatalf("the global program always allows %d syscalls, want 4", count)
	}
	session := &policy.Filter{Default: dec(settings.Allow, "session", 0), Rules: map[int32]policy.Decision{
		nr(t, "sethostname"): dec(settings.Error, "session", 0)}}
	sprog, err := bpf.Emit(session, nil)
	if err != nil {
		t.Fatal(err)
	}
	all, few := bpf.ConstAllowSteps(sprog, arch, bpf.AttachNrs, nil), bpf.ConstAllowSteps(sprog, arch, bpf.AttachNrs, allowed)
	if few*50 > all {
		t.Errorf("on the global filter the session's run takes %d steps, alone %d", few, all)
	}
	if bpf.AttachCost(sprog, allowed) >= bpf.AttachCost(sprog, nil) {
		t.Errorf("the modelled cost does not fall on a global filter that allows 4 syscalls")
	}
}

// TestDecideAlike: programs that differ in one return, or that the
// comparison cannot run, are not alike.
func TestDecideAlike(t *testing.T) {
	nativeArch(t)
	f := randomFilter(rand.New(rand.NewSource(3)), 40, settings.Allow)
	linear, tree := bothLayouts(t, f, nil)
	if !bpf.DecideAlike(linear, tree) {
		t.Fatal("the layouts of one filter are not alike")
	}
	for i := 0; i < len(tree); i += 8 {
		if binary.NativeEndian.Uint16(tree[i:]) != 0x06 || binary.NativeEndian.Uint32(tree[i+4:]) == retAllow {
			continue
		}
		// One rule's errno changed.
		bad := append([]byte(nil), tree...)
		binary.NativeEndian.PutUint32(bad[i+4:], binary.NativeEndian.Uint32(tree[i+4:])^1)
		if bpf.DecideAlike(linear, bad) {
			t.Errorf("a tree whose return at %d differs is alike", i/8)
		}
	}
	// One comparison moved to the next number: both numbers change hands.
	moved := 0
	for i := 0; i < len(linear); i += 8 {
		op, k := binary.NativeEndian.Uint16(linear[i:]), binary.NativeEndian.Uint32(linear[i+4:])
		if op != 0x15 || k >= 1024 { // JEQ on a syscall number
			continue
		}
		bad := append([]byte(nil), linear...)
		binary.NativeEndian.PutUint32(bad[i+4:], k+1)
		if f.Decide(int32(k)) != f.Decide(int32(k+1)) && bpf.DecideAlike(linear, bad) {
			t.Errorf("a program that compares with %d instead of %d is alike", k+1, k)
		}
		moved++
	}
	if moved < 20 {
		t.Fatalf("only %d comparisons of syscall numbers found", moved)
	}
	unknown := append([]byte(nil), tree...)
	binary.NativeEndian.PutUint16(unknown[0:], 0x87) // BPF_MISC | BPF_TXA
	if bpf.DecideAlike(linear, unknown) {
		t.Error("a program with an instruction the comparison does not know is alike")
	}
	if bpf.DecideAlike(linear, linear[:len(linear)-8]) {
		t.Error("a program that runs off its end is alike")
	}
}

func put(prog []byte, i int, op uint16, jt, jf uint8, k uint32) {
	binary.NativeEndian.PutUint16(prog[8*i:], op)
	prog[8*i+2], prog[8*i+3] = jt, jf
	binary.NativeEndian.PutUint32(prog[8*i+4:], k)
}

// TestConstAllowSteps follows the kernel's run on programs written by
// hand.
func TestConstAllowSteps(t *testing.T) {
	const (
		ldAbs = 0x20
		jeq   = 0x15
		jge   = 0x35
		jgt   = 0x25
		jset  = 0x45
		ja    = 0x05
		and   = 0x54
		ret   = 0x06
		retA  = 0x16
	)
	// 0 ld arch; 1 jeq native ? 2 : 7; 2 ld nr; 3 and 0xff; 4 jge 100 ? 5 : 6;
	// 5 ld ip (the run stops); 6 ja +1; 7 ret kill; 8 ret allow
	prog := make([]byte, 9*8)
	put(prog, 0, ldAbs, 0, 0, 4)
	put(prog, 1, jeq, 0, 5, auditArchX86_64)
	put(prog, 2, ldAbs, 0, 0, 0)
	put(prog, 3, and, 0, 0, 0xff)
	put(prog, 4, jge, 0, 1, 100)
	put(prog, 5, ldAbs, 0, 0, 8)
	put(prog, 6, ja, 0, 0, 1)
	put(prog, 7, ret, 0, 0, 0x80000000)
	put(prog, 8, ret, 0, 0, retAllow)
	// below 100: 0,1,2,3,4,6,8 = 7 steps; 100 to 255: 0-5 = 6; 256 to 355: 7 again
	if got, want := bpf.ConstAllowSteps(prog, auditArchX86_64, 356, nil), 100*7+156*6+100*7; got != want {
		t.Errorf("native: %d steps, want %d", got, want)
	}
	allowed := bpf.AlwaysAllows(prog, auditArchX86_64)
	if !allowed(5) || allowed(100) || !allowed(256) || allowed(356) {
		t.Errorf("always allowed: 5 %v, 100 %v, 256 %v, 356 %v; want true, false, true, false",
			allowed(5), allowed(100), allowed(256), allowed(356))
	}
	// Only the numbers below allows: 0 to 9, 7 steps each.
	if got := bpf.ConstAllowSteps(prog, auditArchX86_64, 356, func(nr int) bool { return nr < 10 }); got != 70 {
		t.Errorf("numbers below allows: %d steps, want 70", got)
	}
	// another architecture: 0, 1, 7
	if got, want := bpf.ConstAllowSteps(prog, auditArchI386, 10, nil), 10*3; got != want {
		t.Errorf("foreign: %d steps, want %d", got, want)
	}
	if got := bpf.ConstAllowSteps(nil, auditArchX86_64, 10, nil); got != 0 {
		t.Errorf("empty program: %d steps", got)
	}

	// 0 ld nr; 1 jset 1 ? 2 : 3; 2 ret A (not constant); 3 jgt 7 ? 4 : 5;
	// 4 ret allow; 5 ret errno
	prog = make([]byte, 6*8)
	put(prog, 0, ldAbs, 0, 0, 0)
	put(prog, 1, jset, 0, 1, 1)
	put(prog, 2, retA, 0, 0, 0)
	put(prog, 3, jgt, 0, 1, 7)
	put(prog, 4, ret, 0, 0, retAllow)
	put(prog, 5, ret, 0, 0, retErrno|1)
	allowed = bpf.AlwaysAllows(prog, auditArchX86_64)
	for n, want := range map[int]bool{1: false, 3: false, 9: false, 2: false, 6: false, 8: true, 10: true} {
		if allowed(n) != want {
			t.Errorf("jset/jgt program: %d always allowed %v, want %v", n, allowed(n), want)
		}
	}
	// odd numbers 0..9: 3 steps each (5); even: 4 steps each (5)
	if got := bpf.ConstAllowSteps(prog, auditArchX86_64, 10, nil); got != 5*3+5*4 {
		t.Errorf("jset/jgt program: %d steps, want 35", got)
	}
}

// TestLayoutPerTarget: a large session filter, attached by every
// connection, is built as a tree; the same rules in a set_client_filter
// call, attached once, are built linear. Both decide alike.
func TestLayoutPerTarget(t *testing.T) {
	arch := nativeArch(t)
	big := "@mount, @swap, @reboot, @module, @raw-io, @clock, @privileged, @obsolete"
	req := &targets.Request{
		Start:  true,
		Global: globalLevel("allow", "", "", "", ""),
		Targets: []settings.Target{
			{Session: sessionLevel("allow", "", "", big, ""), Overrides: map[settings.Field]string{}},
			{Session: sessionLevel("allow", "", "", "", ""), Overrides: map[settings.Field]string{},
				Clients: []settings.Client{call(nil, nil, nil, arg(big), nil)}},
		},
	}
	for i := range req.Targets {
		req.Targets[i].Global = req.Global
	}
	res := targets.Build(req, native)
	if res.Err != nil {
		t.Fatalf("Compile: %v", res.Err)
	}
	session, client := res.Targets[0], res.Targets[1]
	if session.Err != nil || client.Err != nil {
		t.Fatalf("errors: %v, %v", session.Err, client.Err)
	}
	if session.Layout != bpf.Tree || client.Layout != bpf.Linear {
		t.Errorf("session filter %v, client filter %v; want tree, linear", session.Layout, client.Layout)
	}
	vs, vc := load(t, session.BPF), load(t, client.BPF)
	for nr := int32(0); nr < 1024; nr++ {
		if s, c := vs.run(t, nr, arch), vc.run(t, nr, arch); s != c {
			t.Fatalf("syscall %d: session %#x, client %#x", nr, s, c)
		}
	}
}

package targets_test

import (
	"encoding/binary"
	"syscall"
	"testing"

	"github.com/pgseccomp/pgseccomp/internal/bpf"
	"github.com/pgseccomp/pgseccomp/internal/names"
	"github.com/pgseccomp/pgseccomp/internal/settings"
	"github.com/pgseccomp/pgseccomp/internal/targets"
)

// runArgs evaluates the program for syscall nr with the given arguments,
// made at ip.
func (v *vm) runArgs(t *testing.T, nr int32, arch uint32, ip uint64, args [6]uint64) uint32 {
	t.Helper()
	data := make([]byte, seccompDataSize)
	binary.LittleEndian.PutUint32(data[0:], uint32(nr))
	binary.LittleEndian.PutUint32(data[4:], arch)
	binary.LittleEndian.PutUint64(data[8:], ip)
	for i, a := range args {
		binary.LittleEndian.PutUint64(data[16+8*i:], a)
	}
	for i := 0; i < len(data); i += 4 { // see load
		w := binary.NativeEndian.Uint32(data[i:])
		binary.BigEndian.PutUint32(data[i:], w)
	}
	ret, err := v.Run(data)
	if err != nil {
		t.Fatalf("running the program: %v", err)
	}
	return uint32(ret)
}

// argsFor are arguments that meet c (match) or not.
func argsFor(c names.Cond, match bool) [6]uint64 {
	var a [6]uint64
	for i := range a {
		a[i] = 0x10001 // no condition's bit, no condition's value
	}
	if match {
		if c.Mask != 0 {
			a[c.Arg] = uint64(c.Mask&-c.Mask) | 0xdead_0000_0000_0000 // lowest bit; the high word is ignored
		} else {
			a[c.Arg] = uint64(c.Values[len(c.Values)-1]) | 0x1_0000_0000
		}
	}
	return a
}

// TestArgSiblingsProgram: for every job with argument-level siblings, a
// level that denies one of its syscalls denies each sibling for the
// arguments of its condition only, in both layouts and with traps; a
// stricter decision for the syscall's other calls wins.
func TestArgSiblingsProgram(t *testing.T) {
	requireAMD64(t)
	arch := nativeArch(t)
	for _, j := range names.Jobs() {
		if len(j.Args) == 0 {
			continue
		}
		denied := ""
		for _, s := range j.Syscalls {
			if _, ok := native.Number(s); ok {
				denied = s
				break
			}
		}
		t.Run(j.Name, func(t *testing.T) {
			g, err := targets.BuildGlobal(globalLevel("allow", "", "", denied+":EROFS", ""), native, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, layout := range []bpf.Layout{bpf.Linear, bpf.Tree} {
				for _, trap := range []*bpf.Trap{nil, bpf.NewTrap(testRanges, native)} {
					prog, err := bpf.EmitLayout(g.Filter, trap, layout)
					if err != nil {
						t.Fatal(err)
					}
					v := load(t, prog)
					for _, a := range j.Args {
						nr, ok := native.Number(a.Name)
						if !ok {
							continue
						}
						if a.Cond.Opaque {
							if got := v.run(t, nr, arch); got != retErrno|uint32(syscall.ENOSYS) {
								t.Errorf("%v: %s returns %#x, want ENOSYS", layout, a.Name, got)
							}
							continue
						}
						want := retErrno | uint32(syscall.EROFS)
						if got := v.runArgs(t, nr, arch, 0x5555_5555_4000, argsFor(a.Cond, true)); got != want {
							t.Errorf("%v: %s with %v returns %#x, want %#x", layout, a.Name, a.Cond, got, want)
						}
						if got := v.runArgs(t, nr, arch, 0x5555_5555_4000, argsFor(a.Cond, false)); got != retAllow {
							t.Errorf("%v: %s without %v returns %#x, want allow", layout, a.Name, a.Cond, got)
						}
						if trap != nil && !untrapped(a.Name) {
							want := retTrap | trapGlobal | uint32(syscall.EROFS)
							if got := v.runArgs(t, nr, arch, libcLo, argsFor(a.Cond, true)); got != want {
								t.Errorf("%v: %s with %v from libc returns %#x, want the trap %#x", layout, a.Name, a.Cond, got, want)
							}
						}
					}
				}
			}
		})
	}

	// fcntl killed outright: F_SETOWN kills too, not the weaker error.
	g, err := targets.BuildGlobal(globalLevel("allow", "", "", "kill", "fcntl"), native, nil)
	if err != nil {
		t.Fatal(err)
	}
	prog, err := bpf.Emit(g.Filter, nil)
	if err != nil {
		t.Fatal(err)
	}
	fcntl, _ := native.Number("fcntl")
	if got := load(t, prog).runArgs(t, fcntl, arch, 0, [6]uint64{3, 8, 0}); got != retKillProcess {
		t.Errorf("fcntl(F_SETOWN) under fcntl kill and kill error returns %#x, want KILL_PROCESS", got)
	}
	// Explicitly allowed fcntl: F_SETSIG is still denied with kill's job.
	g, err = targets.BuildGlobal(globalLevel("allow", "fcntl", "", "tkill:EPERM", ""), native, nil)
	if err != nil {
		t.Fatal(err)
	}
	prog, err = bpf.Emit(g.Filter, nil)
	if err != nil {
		t.Fatal(err)
	}
	v := load(t, prog)
	if got := v.runArgs(t, fcntl, arch, 0, [6]uint64{3, 10, 0}); got != retErrno|uint32(syscall.EPERM) {
		t.Errorf("fcntl(F_SETSIG) with fcntl allowed and tkill denied returns %#x, want EPERM", got)
	}
	if got := v.runArgs(t, fcntl, arch, 0, [6]uint64{3, 1, 0}); got != retAllow {
		t.Errorf("fcntl(F_GETFD) returns %#x, want allow", got)
	}
}

func untrapped(name string) bool {
	for _, n := range bpf.Untrapped {
		if n == name {
			return true
		}
	}
	return false
}

// TestFamiliesProgram: for every job of the table, a session level that
// denies its first native syscall with EROFS compiles to a program that
// denies every other native member with EROFS (an opaque one, clone3,
// with ENOSYS), whatever their arguments, in the layout the target
// chooses. regress/t/021_families.pl tries the jobs a live session can do
// without; this covers every one.
func TestFamiliesProgram(t *testing.T) {
	requireAMD64(t)
	arch := nativeArch(t)
	global := globalLevel("allow", "", "", "", "")
	g, err := targets.BuildGlobal(global, native, nil)
	if err != nil {
		t.Fatal(err)
	}
	jobs := 0
	for _, j := range names.Jobs() {
		var members []string
		for _, s := range j.Syscalls {
			if _, ok := native.Number(s); ok {
				members = append(members, s)
			}
		}
		if len(members) < 2 {
			continue
		}
		jobs++
		target := settings.Target{Global: global, Session: sessionLevel("allow", "", "", members[0]+":EROFS", ""), Overrides: map[settings.Field]string{}}
		s, err := targets.BuildSession(g, target, native)
		if err != nil {
			t.Fatalf("job %s: %v", j.Name, err)
		}
		prog, err := bpf.Emit(s.Filter, nil)
		if err != nil {
			t.Fatalf("job %s: %v", j.Name, err)
		}
		v := load(t, prog)
		for _, m := range members {
			nr, _ := native.Number(m)
			want := retErrno | uint32(syscall.EROFS)
			if names.Opaque(m) {
				want = retErrno | uint32(syscall.ENOSYS)
			}
			for _, args := range [][6]uint64{{}, {^uint64(0), 1, 2, 3, 4, 5}} {
				if got := v.runArgs(t, nr, arch, 0x5555_5555_4000, args); got != want {
					t.Errorf("job %s, %s denied: %s returns %#x, want %#x", j.Name, members[0], m, got, want)
				}
			}
		}
	}
	if jobs < 60 {
		t.Errorf("only %d jobs of two or more native syscalls", jobs)
	}
}

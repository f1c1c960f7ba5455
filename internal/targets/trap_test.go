package targets_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"reflect"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/pgseccomp/pgseccomp/internal/bpf"
	"github.com/pgseccomp/pgseccomp/internal/policy"
	"github.com/pgseccomp/pgseccomp/internal/settings"
	"github.com/pgseccomp/pgseccomp/internal/targets"
	"github.com/pgseccomp/pgseccomp/internal/wire"
)

// Values from linux/seccomp.h, and the trap data of internal/bpf/trap.go.
const (
	retTrap = 0x00030000

	trapGlobal       = 1 << 12
	trapSession      = 2 << 12
	trapClient       = 3 << 12
	trapLearnGlobal  = 1 << 14
	trapLearnSession = 1 << 15
)

// Code ranges of the tests: two stretches, one of them in high memory as
// libc is mapped on x86_64, so that both words of the pointer matter.
var (
	libcLo = uint64(0x7f3a_1000_0000)
	libcHi = uint64(0x7f3a_1018_0000)
	vdsoLo = uint64(0x7ffd_0000_1000)
	vdsoHi = uint64(0x7ffd_0000_3000)

	testRanges = []bpf.Range{{Lo: libcLo, Hi: libcHi}, {Lo: vdsoLo, Hi: vdsoHi}}

	// Instruction pointers inside and outside the ranges.
	ipsInside  = []uint64{libcLo, libcLo + 0x1234, libcHi - 1, vdsoLo, vdsoHi - 1}
	ipsOutside = []uint64{
		0x5555_5555_4000,   // the executable
		libcLo - 1, libcHi, // just outside the first range
		vdsoLo - 1, vdsoHi, // just outside the second
		libcLo & 0xffffffff,   // the low word of the first range, another high word
		libcLo + (1 << 32),    // the same low word, the next 4 GB
		(vdsoLo + 0x10) >> 32, // a high word that is the low word of a range
		0,
	}
)

// runAt evaluates the program loaded in v for syscall nr of architecture
// arch made at instruction pointer ip, and returns the seccomp return
// value.
func (v *vm) runAt(t *testing.T, nr int32, arch uint32, ip uint64) uint32 {
	t.Helper()
	data := make([]byte, seccompDataSize)
	binary.LittleEndian.PutUint32(data[0:], uint32(nr))
	binary.LittleEndian.PutUint32(data[4:], arch)
	binary.LittleEndian.PutUint64(data[8:], ip)
	for i := 0; i < 6; i++ {
		binary.LittleEndian.PutUint64(data[16+8*i:], uint64(i+1))
	}
	// Reverse each word: see load.
	for i := 0; i < len(data); i += 4 {
		w := binary.NativeEndian.Uint32(data[i:])
		binary.BigEndian.PutUint32(data[i:], w)
	}
	ret, err := v.Run(data)
	if err != nil {
		t.Fatalf("running the filter for syscall %d at %#x: %v\n%s", nr, ip, err, dump(v.insns))
	}
	return uint32(ret)
}

func compileTrap(t *testing.T, f *policy.Filter, trap *bpf.Trap) *vm {
	t.Helper()
	prog, err := bpf.Emit(f, trap)
	if err != nil {
		t.Fatalf("Emit: %v", err)
	}
	if n := len(prog) / 8; n > bpf.MaxInstructions {
		t.Fatalf("Emit returned %d instructions", n)
	}
	return load(t, prog)
}

// dec is a decision of a rule (named) or, with named false, a default.
func dec(a settings.Action, src string, errno syscall.Errno) policy.Decision {
	return policy.Decision{Action: a, Source: src, Errno: errno, Named: true}
}

func errnoRet(e syscall.Errno) uint32 { return retErrno | uint32(e) }

// probe is one syscall and what the program must return for it, inside
// the code ranges and outside.
type probe struct {
	name            string
	inside, outside uint32
}

func checkProbes(t *testing.T, v *vm, arch uint32, probes []probe) {
	t.Helper()
	for _, p := range probes {
		n := nr(t, p.name)
		for _, ip := range ipsInside {
			if got := v.runAt(t, n, arch, ip); got != p.inside {
				t.Errorf("%s at %#x (inside): filter returned %#x, want %#x", p.name, ip, got, p.inside)
			}
		}
		for _, ip := range ipsOutside {
			if got := v.runAt(t, n, arch, ip); got != p.outside {
				t.Errorf("%s at %#x (outside): filter returned %#x, want %#x", p.name, ip, got, p.outside)
			}
		}
	}
}

// TestTrapDecisions: one filter, compiled with traps, returns for each
// syscall TRAP with the data (errno, level, learn bits) inside the code
// ranges and the errno (or allow, for learning) outside.
func TestTrapDecisions(t *testing.T) {
	arch := nativeArch(t)
	type rule struct {
		name  string
		d     policy.Decision
		probe probe
	}
	tests := []struct {
		name  string
		def   policy.Decision
		below *policy.Filter
		rules []rule
		// unnamed probes the default with a syscall no rule names.
		unnamed probe
	}{
		{
			name: "global error rules, allow default",
			def:  policy.Decision{Action: settings.Allow, Source: policy.SourceGlobal},
			rules: []rule{
				{"getcwd", dec(settings.Error, policy.SourceGlobal, 0), probe{"getcwd", retTrap | trapGlobal | uint32(unix.EACCES), errnoRet(unix.EACCES)}},
				{"sethostname", dec(settings.Error, policy.SourceGlobal, unix.EPERM), probe{"sethostname", retTrap | trapGlobal | uint32(unix.EPERM), errnoRet(unix.EPERM)}},
				{"mount", dec(settings.Error, policy.SourceGlobal, unix.ENOSYS), probe{"mount", retTrap | trapGlobal | uint32(unix.ENOSYS), errnoRet(unix.ENOSYS)}},
				{"ptrace", dec(settings.Kill, policy.SourceGlobal, 0), probe{"ptrace", retKillProcess, retKillProcess}},
				{"write", dec(settings.Log, policy.SourceGlobal, 0), probe{"write", retLog, retLog}},
				{"read", dec(settings.Allow, policy.SourceSelf, 0), probe{"read", retAllow, retAllow}},
			},
			unnamed: probe{"getppid", retAllow, retAllow},
		},
		{
			name: "session error default",
			def:  policy.Decision{Action: settings.Error, Source: policy.SourceSession},
			rules: []rule{
				{"read", dec(settings.Allow, policy.SourceSession, 0), probe{"read", retAllow, retAllow}},
				{"getcwd", dec(settings.Error, policy.SourceSession, unix.ENOENT), probe{"getcwd", retTrap | trapSession | uint32(unix.ENOENT), errnoRet(unix.ENOENT)}},
				{"openat", dec(settings.Log, policy.SourceSession, 0), probe{"openat", retLog, retLog}},
			},
			unnamed: probe{"getppid", retTrap | trapSession | uint32(unix.EACCES), errnoRet(unix.EACCES)},
		},
		{
			name:  "client error rules on a global filter",
			def:   policy.Decision{Action: settings.Allow, Source: policy.SourceClient},
			below: filter(settings.Allow, policy.SourceGlobal, nil),
			rules: []rule{
				{"getppid", dec(settings.Error, policy.SourceClient, 0), probe{"getppid", retTrap | trapClient | uint32(unix.EACCES), errnoRet(unix.EACCES)}},
				{"uname", dec(settings.Error, policy.SourceClient, unix.EPERM), probe{"uname", retTrap | trapClient | uint32(unix.EPERM), errnoRet(unix.EPERM)}},
				// The floor's allows (source pgseccomp) stay allows.
				{"write", dec(settings.Allow, policy.SourceFloor, 0), probe{"write", retAllow, retAllow}},
			},
			unnamed: probe{"getcwd", retAllow, retAllow},
		},
		{
			name: "untrapped syscalls are plain errno under an error default",
			def:  policy.Decision{Action: settings.Error, Source: policy.SourceSession},
			rules: []rule{
				{"clone3", dec(settings.Error, policy.SourceSession, unix.ENOSYS), probe{"clone3", errnoRet(unix.ENOSYS), errnoRet(unix.ENOSYS)}},
				{"clone", dec(settings.Error, policy.SourceSession, 0), probe{"clone", errnoRet(unix.EACCES), errnoRet(unix.EACCES)}},
				{"read", dec(settings.Allow, policy.SourceSession, 0), probe{"read", retAllow, retAllow}},
			},
			unnamed: probe{"getppid", retTrap | trapSession | uint32(unix.EACCES), errnoRet(unix.EACCES)},
		},
		{
			name: "global learn default",
			def:  policy.Decision{Action: settings.Learn, Source: policy.SourceGlobal},
			rules: []rule{
				{"read", dec(settings.Allow, policy.SourceGlobal, 0), probe{"read", retAllow, retAllow}},
				{"sethostname", dec(settings.Error, policy.SourceGlobal, unix.EPERM), probe{"sethostname", retTrap | trapGlobal | uint32(unix.EPERM), errnoRet(unix.EPERM)}},
				{"ptrace", dec(settings.Kill, policy.SourceGlobal, 0), probe{"ptrace", retKillProcess, retKillProcess}},
				{"write", dec(settings.Log, policy.SourceGlobal, 0), probe{"write", retLog, retLog}},
			},
			unnamed: probe{"getcwd", retTrap | trapGlobal | trapLearnGlobal, retAllow},
		},
		{
			name: "session learn default, no filter below",
			def:  policy.Decision{Action: settings.Learn, Source: policy.SourceSession},
			rules: []rule{
				{"read", dec(settings.Allow, policy.SourceSession, 0), probe{"read", retAllow, retAllow}},
				{"getppid", dec(settings.Error, policy.SourceSession, 0), probe{"getppid", retTrap | trapSession | uint32(unix.EACCES), errnoRet(unix.EACCES)}},
			},
			unnamed: probe{"getcwd", retTrap | trapSession | trapLearnSession, retAllow},
		},
		{
			name: "session learn on a global filter that denies",
			def:  policy.Decision{Action: settings.Learn, Source: policy.SourceSession},
			below: &policy.Filter{
				Default: policy.Decision{Action: settings.Allow, Source: policy.SourceGlobal},
				Rules: map[int32]policy.Decision{
					nr(t, "sethostname"): dec(settings.Error, policy.SourceGlobal, unix.EPERM),
					nr(t, "getcwd"):      dec(settings.Error, policy.SourceGlobal, 0),
					nr(t, "ptrace"):      dec(settings.Kill, policy.SourceGlobal, 0),
					nr(t, "clone3"):      dec(settings.Error, policy.SourceGlobal, unix.ENOSYS),
				},
			},
			rules: []rule{
				{"read", dec(settings.Allow, policy.SourceSession, 0), probe{"read", retAllow, retAllow}},
			},
			// What the global filter denies keeps its trap, level and errno:
			// the session filter does not learn it.
			unnamed: probe{"sethostname", retTrap | trapGlobal | uint32(unix.EPERM), errnoRet(unix.EPERM)},
		},
		{
			name: "session learn on a global filter that learns",
			def:  policy.Decision{Action: settings.Learn, Source: policy.SourceSession},
			below: &policy.Filter{
				Default: policy.Decision{Action: settings.Learn, Source: policy.SourceGlobal},
				Rules: map[int32]policy.Decision{
					nr(t, "read"):   dec(settings.Allow, policy.SourceGlobal, 0),
					nr(t, "getcwd"): dec(settings.Error, policy.SourceGlobal, unix.ENOENT),
				},
			},
			rules: []rule{
				{"write", dec(settings.Allow, policy.SourceSession, 0), probe{"write", retAllow, retAllow}},
			},
			unnamed: probe{"getppid", retTrap | trapSession | trapLearnSession | trapLearnGlobal, retAllow},
		},
		{
			name: "session learn on a global filter whose default denies",
			def:  policy.Decision{Action: settings.Learn, Source: policy.SourceSession},
			below: &policy.Filter{
				Default: policy.Decision{Action: settings.Error, Source: policy.SourceGlobal, Errno: unix.EPERM},
				Rules: map[int32]policy.Decision{
					nr(t, "read"):    dec(settings.Allow, policy.SourceGlobal, 0),
					nr(t, "getppid"): dec(settings.Allow, policy.SourceGlobal, 0),
				},
			},
			rules: []rule{
				{"write", dec(settings.Allow, policy.SourceSession, 0), probe{"write", retAllow, retAllow}},
			},
			unnamed: probe{"getcwd", retTrap | trapGlobal | uint32(unix.EPERM), errnoRet(unix.EPERM)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &policy.Filter{Default: tt.def, Rules: map[int32]policy.Decision{}}
			probes := []probe{tt.unnamed}
			for _, r := range tt.rules {
				f.Rules[nr(t, r.name)] = r.d
				probes = append(probes, r.probe)
			}
			trap := bpf.NewTrap(testRanges, native).On(tt.below)
			checkProbes(t, compileTrap(t, f, trap), arch, probes)
		})
	}
}

// TestTrapStackedOnGlobal: the stack a session gets, built from settings:
// a session filter that learns, on a global filter that denies a syscall
// or learns.
func TestTrapStackedOnGlobal(t *testing.T) {
	arch := nativeArch(t)
	tests := []struct {
		name      string
		global    settings.Level
		session   settings.Level
		probes    []probe
		globalOut []probe // the global program's own returns
	}{
		{
			name:    "global denies sethostname, session learns",
			global:  globalLevel("allow", "", "", "sethostname:EPERM", ""),
			session: sessionLevel("learn", "read", "", "", ""),
			probes: []probe{
				{"sethostname", retTrap | trapGlobal | uint32(unix.EPERM), errnoRet(unix.EPERM)},
				{"getcwd", retTrap | trapSession | trapLearnSession, retAllow},
				{"read", retAllow, retAllow},
			},
			globalOut: []probe{
				{"sethostname", retTrap | trapGlobal | uint32(unix.EPERM), errnoRet(unix.EPERM)},
				{"getcwd", retAllow, retAllow},
			},
		},
		{
			name:    "global learns, session learns",
			global:  globalLevel("learn", "read,write", "", "sethostname", ""),
			session: sessionLevel("learn", "getppid", "", "", ""),
			probes: []probe{
				{"getcwd", retTrap | trapSession | trapLearnSession | trapLearnGlobal, retAllow},
				// The session allows getppid; the global filter alone learns it.
				{"getppid", retAllow, retAllow},
				{"sethostname", retTrap | trapGlobal | uint32(unix.EACCES), errnoRet(unix.EACCES)},
			},
			globalOut: []probe{
				{"getcwd", retTrap | trapGlobal | trapLearnGlobal, retAllow},
				{"getppid", retTrap | trapGlobal | trapLearnGlobal, retAllow},
				{"read", retAllow, retAllow},
				{"clone", retAllow, retAllow},
			},
		},
		{
			name:    "global allows, session denies getcwd",
			global:  globalLevel("allow", "", "", "sethostname:EPERM", ""),
			session: sessionLevel("allow", "", "", "getcwd", ""),
			probes: []probe{
				{"getcwd", retTrap | trapSession | uint32(unix.EACCES), errnoRet(unix.EACCES)},
				{"getppid", retAllow, retAllow},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := targets.BuildGlobal(tt.global, native, policy.SelfNeeds)
			if err != nil {
				t.Fatalf("BuildGlobal: %v", err)
			}
			s, err := targets.BuildSession(g, settings.Target{Global: tt.global, Session: tt.session}, native)
			if err != nil {
				t.Fatalf("BuildSession: %v", err)
			}
			if s.Filter == nil {
				t.Fatalf("no session filter")
			}
			trap := bpf.NewTrap(testRanges, native)
			v := compileTrap(t, s.Filter, trap.On(g.Filter))
			checkProbes(t, v, arch, tt.probes)
			checkProbes(t, compileTrap(t, g.Filter, trap), arch, tt.globalOut)
			// Whatever the session level decides for what glibc makes with
			// every signal blocked (a learning default gives clone3 ENOSYS,
			// as a denying one does), it never traps there.
			for _, name := range []string{"clone", "clone3", "execve", "close"} {
				in := v.runAt(t, nr(t, name), arch, libcLo)
				out := v.runAt(t, nr(t, name), arch, 0x5555_5555_4000)
				if in&0xffff0000 == retTrap || in != out {
					t.Errorf("%s: filter returned %#x inside, %#x outside; want the same, and no trap", name, in, out)
				}
			}
		})
	}
}

// TestTrapUntrapped: every syscall of Untrapped this architecture has is a
// plain errno under an error default, and allowed unrecorded under a
// learning default, from inside the code ranges too.
func TestTrapUntrapped(t *testing.T) {
	arch := nativeArch(t)
	tests := []struct {
		name string
		def  policy.Decision
		want uint32
	}{
		{"error default", policy.Decision{Action: settings.Error, Source: policy.SourceSession}, errnoRet(unix.EACCES)},
		{"error default with EPERM", policy.Decision{Action: settings.Error, Source: policy.SourceGlobal, Errno: unix.EPERM}, errnoRet(unix.EPERM)},
		{"learn default", policy.Decision{Action: settings.Learn, Source: policy.SourceSession}, retAllow},
		{"global learn default", policy.Decision{Action: settings.Learn, Source: policy.SourceGlobal}, retAllow},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := compileTrap(t, &policy.Filter{Default: tt.def}, bpf.NewTrap(testRanges, native))
			seen := 0
			for _, name := range bpf.Untrapped {
				n, ok := native.Number(name)
				if !ok {
					continue
				}
				seen++
				for _, ip := range append(append([]uint64{}, ipsInside...), ipsOutside...) {
					if got := v.runAt(t, n, arch, ip); got != tt.want {
						t.Errorf("%s at %#x: filter returned %#x, want %#x", name, ip, got, tt.want)
					}
				}
			}
			if seen < 10 {
				t.Errorf("only %d untrapped syscalls exist here", seen)
			}
			// And the control: a trapped syscall does trap.
			if got := v.runAt(t, nr(t, "getcwd"), arch, libcLo); got&0xffff0000 != retTrap {
				t.Errorf("getcwd inside: filter returned %#x, want a trap", got)
			}
		})
	}
	for _, name := range []string{"clone", "clone3", "execve", "close", "rt_sigreturn", "exit_group"} {
		found := false
		for _, u := range bpf.Untrapped {
			found = found || u == name
		}
		if !found {
			t.Errorf("%s is not in Untrapped", name)
		}
	}
}

// TestTrapForeignArchitecture: traps change nothing for other ABIs.
func TestTrapForeignArchitecture(t *testing.T) {
	arch := nativeArch(t)
	f := &policy.Filter{Default: policy.Decision{Action: settings.Learn, Source: policy.SourceGlobal},
		Rules: map[int32]policy.Decision{nr(t, "getcwd"): dec(settings.Error, policy.SourceGlobal, 0)}}
	v := compileTrap(t, f, bpf.NewTrap(testRanges, native))
	for _, foreign := range foreignArches(arch) {
		for _, n := range []int32{0, 1, nr(t, "getcwd"), 400} {
			if got := v.runAt(t, n, foreign, libcLo); got != retKillProcess {
				t.Errorf("arch %#x, syscall %d: filter returned %#x, want KILL_PROCESS", foreign, n, got)
			}
		}
	}
	if arch == auditArchX86_64 {
		if got := v.runAt(t, nr(t, "getcwd")|x32SyscallBit, arch, libcLo); got != retKillProcess {
			t.Errorf("x32 getcwd: filter returned %#x, want KILL_PROCESS", got)
		}
	}
}

// TestTrapRangesAcross4GB: ParseRanges splits ranges at each 4 GB
// boundary, and the program traps exactly inside the original range.
func TestTrapRangesAcross4GB(t *testing.T) {
	arch := nativeArch(t)
	tests := []struct {
		name   string
		in     string
		want   []bpf.Range
		inside []uint64
		out    []uint64
	}{
		{
			name:   "one range below 4 GB",
			in:     "1000-2000",
			want:   []bpf.Range{{Lo: 0x1000, Hi: 0x2000}},
			inside: []uint64{0x1000, 0x1fff},
			out:    []uint64{0xfff, 0x2000, 0x1_0000_1000},
		},
		{
			name:   "across one boundary",
			in:     "fffff000-100001000",
			want:   []bpf.Range{{Lo: 0xfffff000, Hi: 0x1_0000_0000}, {Lo: 0x1_0000_0000, Hi: 0x1_0000_1000}},
			inside: []uint64{0xfffff000, 0xffffffff, 0x1_0000_0000, 0x1_0000_0fff},
			out:    []uint64{0xffffefff, 0x1_0000_1000, 0x0, 0xfff, 0x2_ffff_f000, 0x1_ffff_f000},
		},
		{
			name: "across two boundaries",
			in:   "7f00fffff000-7f0200001000",
			want: []bpf.Range{
				{Lo: 0x7f00_ffff_f000, Hi: 0x7f01_0000_0000},
				{Lo: 0x7f01_0000_0000, Hi: 0x7f02_0000_0000},
				{Lo: 0x7f02_0000_0000, Hi: 0x7f02_0000_1000},
			},
			inside: []uint64{0x7f00_ffff_f000, 0x7f01_0000_0000, 0x7f01_8000_0000, 0x7f01_ffff_ffff, 0x7f02_0000_0fff},
			out:    []uint64{0x7f00_ffff_efff, 0x7f02_0000_1000, 0x7f00_0000_0000, 0x7f03_0000_0000, 0xffff_f000},
		},
		{
			name:   "ending on a boundary",
			in:     "7f00fffff000-7f0100000000",
			want:   []bpf.Range{{Lo: 0x7f00_ffff_f000, Hi: 0x7f01_0000_0000}},
			inside: []uint64{0x7f00_ffff_f000, 0x7f00_ffff_ffff},
			out:    []uint64{0x7f01_0000_0000, 0x7f00_ffff_efff},
		},
		{
			name:   "top of the address space",
			in:     "fffffffffffff000-ffffffffffffffff",
			want:   []bpf.Range{{Lo: 0xffff_ffff_ffff_f000, Hi: 0xffff_ffff_ffff_ffff}},
			inside: []uint64{0xffff_ffff_ffff_f000, 0xffff_ffff_ffff_fffe},
			out:    []uint64{0xffff_ffff_ffff_ffff, 0xffff_ffff_ffff_efff, 0xffff_f000},
		},
		{
			name:   "several items, blanks and upper case",
			in:     " 7F3A10000000-7F3A10180000 , ,7ffd00001000-7ffd00003000,",
			want:   testRanges,
			inside: ipsInside,
			out:    ipsOutside,
		},
		{
			name: "empty",
			in:   "",
			want: nil,
			out:  []uint64{0x1000, libcLo},
		},
	}
	f := &policy.Filter{Default: policy.Decision{Action: settings.Allow, Source: policy.SourceGlobal},
		Rules: map[int32]policy.Decision{nr(t, "getcwd"): dec(settings.Error, policy.SourceGlobal, 0)}}
	getcwd := nr(t, "getcwd")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := bpf.ParseRanges(tt.in)
			if err != nil {
				t.Fatalf("ParseRanges(%q): %v", tt.in, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("ParseRanges(%q) = %#x, want %#x", tt.in, got, tt.want)
			}
			for _, r := range got {
				if r.Lo>>32 != (r.Hi-1)>>32 {
					t.Errorf("range %#x-%#x crosses a 4 GB boundary", r.Lo, r.Hi)
				}
			}
			v := compileTrap(t, f, bpf.NewTrap(got, native))
			for _, ip := range tt.inside {
				if r := v.runAt(t, getcwd, arch, ip); r != retTrap|trapGlobal|uint32(unix.EACCES) {
					t.Errorf("getcwd at %#x (inside): filter returned %#x, want TRAP", ip, r)
				}
			}
			for _, ip := range tt.out {
				if r := v.runAt(t, getcwd, arch, ip); r != errnoRet(unix.EACCES) {
					t.Errorf("getcwd at %#x (outside): filter returned %#x, want ERRNO(EACCES)", ip, r)
				}
			}
		})
	}
}

// TestTrapRangesMalformed: what ParseRanges refuses.
func TestTrapRangesMalformed(t *testing.T) {
	var sixteen, seventeen []string
	for i := 0; i < 17; i++ {
		item := fmt.Sprintf("%x-%x", 0x10000*(i+1), 0x10000*(i+1)+0x1000)
		if i < 16 {
			sixteen = append(sixteen, item)
		}
		seventeen = append(seventeen, item)
	}
	tests := []struct {
		name string
		in   string
		ok   bool
	}{
		{"no dash", "1000", false},
		{"not hexadecimal", "1000-20g0", false},
		{"words", "libc-vdso", false},
		{"empty low end", "-2000", false},
		{"empty high end", "1000-", false},
		{"three ends", "1000-2000-3000", false},
		{"empty range", "1000-1000", false},
		{"reversed range", "2000-1000", false},
		{"0x prefix", "0x1000-0x2000", false},
		{"negative", "-1000-2000", false},
		{"too large", "1000-10000000000000000", false},
		{"a bad item after a good one", "1000-2000,3000", false},
		{"sixteen ranges", strings.Join(sixteen, ","), true},
		{"seventeen ranges", strings.Join(seventeen, ","), false},
		{"too many pieces after splitting", "fffff000-1000000001000", false},
		{"only separators", " , ,", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := bpf.ParseRanges(tt.in)
			if tt.ok && err != nil {
				t.Errorf("ParseRanges(%q): %v, want no error", tt.in, err)
			}
			if !tt.ok && err == nil {
				t.Errorf("ParseRanges(%q) = %#x, want an error", tt.in, got)
			}
		})
	}
}

// TestTrapNoRanges: without code ranges, Emit builds exactly what Emit without a trap
// builds, whatever the trap's filter below.
func TestTrapNoRanges(t *testing.T) {
	nativeArch(t)
	global := &policy.Filter{Default: policy.Decision{Action: settings.Learn, Source: policy.SourceGlobal},
		Rules: map[int32]policy.Decision{nr(t, "sethostname"): dec(settings.Error, policy.SourceGlobal, unix.EPERM)}}
	filters := []struct {
		name string
		f    *policy.Filter
	}{
		{"allow default with errors", &policy.Filter{Default: policy.Decision{Action: settings.Allow, Source: policy.SourceGlobal},
			Rules: map[int32]policy.Decision{
				nr(t, "getcwd"): dec(settings.Error, policy.SourceGlobal, 0),
				nr(t, "uname"):  dec(settings.Error, policy.SourceGlobal, unix.EPERM),
				nr(t, "ptrace"): dec(settings.Kill, policy.SourceGlobal, 0),
				nr(t, "clone3"): dec(settings.Error, policy.SourceGlobal, unix.ENOSYS),
			}}},
		{"error default", &policy.Filter{Default: policy.Decision{Action: settings.Error, Source: policy.SourceSession},
			Rules: map[int32]policy.Decision{nr(t, "read"): dec(settings.Allow, policy.SourceSession, 0)}}},
		{"learn default", &policy.Filter{Default: policy.Decision{Action: settings.Learn, Source: policy.SourceSession},
			Rules: map[int32]policy.Decision{
				nr(t, "read"):   dec(settings.Allow, policy.SourceSession, 0),
				nr(t, "getcwd"): dec(settings.Error, policy.SourceSession, 0),
			}}},
		{"no rules", &policy.Filter{Default: policy.Decision{Action: settings.Allow, Source: policy.SourceGlobal}}},
	}
	empty, err := bpf.ParseRanges("")
	if err != nil {
		t.Fatal(err)
	}
	traps := []struct {
		name string
		trap *bpf.Trap
	}{
		{"nil trap", nil},
		{"nil ranges", bpf.NewTrap(nil, native)},
		{"empty ranges", bpf.NewTrap([]bpf.Range{}, native)},
		{"ParseRanges of empty", bpf.NewTrap(empty, native)},
		{"nil ranges on a learning global", bpf.NewTrap(nil, native).On(global)},
	}
	for _, ft := range filters {
		want, err := bpf.Emit(ft.f, nil)
		if err != nil {
			t.Fatalf("%s: Emit without a trap: %v", ft.name, err)
		}
		for _, tt := range traps {
			t.Run(ft.name+"/"+tt.name, func(t *testing.T) {
				got, err := bpf.Emit(ft.f, tt.trap)
				if err != nil {
					t.Fatalf("Emit: %v", err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("Emit without ranges differs from Emit without a trap:\n%s\nwant\n%s", dump(load(t, got).insns), dump(load(t, want).insns))
				}
			})
		}
	}
	// And Emit without a trap has no trap and no TRACE: learning is allow there.
	for _, ft := range filters {
		prog, _ := bpf.Emit(ft.f, nil)
		for i := 0; i+8 <= len(prog); i += 8 {
			op := binary.NativeEndian.Uint16(prog[i:])
			k := binary.NativeEndian.Uint32(prog[i+4:])
			if op == 0x06 && (k&0xffff0000 == retTrap || k&0xffff0000 == 0x7ff00000) {
				t.Errorf("%s: Emit without a trap returns %#x at instruction %d", ft.name, k, i/8)
			}
		}
	}
}

// TestTrapNoTraceLeft: a program with traps returns no SECCOMP_RET_TRACE,
// which libseccomp emitted and patchTraps must have rewritten everywhere,
// and every jump stays inside the program.
func TestTrapNoTraceLeft(t *testing.T) {
	nativeArch(t)
	f := &policy.Filter{Default: policy.Decision{Action: settings.Learn, Source: policy.SourceSession}, Rules: map[int32]policy.Decision{}}
	errnos := []syscall.Errno{unix.EACCES, unix.EPERM, unix.ENOENT, unix.ENOSYS, unix.EIO}
	for i, name := range native.NativeNames() {
		switch i % 4 {
		case 0:
			f.Rules[nr(t, name)] = dec(settings.Error, policy.SourceSession, errnos[i%len(errnos)])
		case 1:
			f.Rules[nr(t, name)] = dec(settings.Allow, policy.SourceSession, 0)
		}
	}
	ranges, err := bpf.ParseRanges("7f0000000000-7f0000100000,7f00fffff000-7f0100001000,7ffd00001000-7ffd00003000")
	if err != nil {
		t.Fatal(err)
	}
	below := &policy.Filter{Default: policy.Decision{Action: settings.Learn, Source: policy.SourceGlobal}}
	prog, err := bpf.Emit(f, bpf.NewTrap(ranges, native).On(below))
	if err != nil {
		t.Fatalf("Emit: %v", err)
	}
	v := load(t, prog) // bpf.NewVM checks every jump target
	for i := 0; i+8 <= len(prog); i += 8 {
		op := binary.NativeEndian.Uint16(prog[i:])
		k := binary.NativeEndian.Uint32(prog[i+4:])
		if op == 0x06 && k&0xffff0000 == 0x7ff00000 {
			t.Errorf("instruction %d still returns TRACE %#x", i/8, k)
		}
	}
	arch := nativeArch(t)
	for i, name := range native.NativeNames() {
		n := nr(t, name)
		d := f.Decide(n)
		untrapped := false
		for _, u := range bpf.Untrapped {
			untrapped = untrapped || u == name
		}
		var in, out uint32
		switch {
		case d.Action == settings.Allow:
			in, out = retAllow, retAllow
		case d.Action == settings.Error && untrapped:
			in, out = errnoRet(d.Errno), errnoRet(d.Errno)
		case d.Action == settings.Error:
			in, out = retTrap|trapSession|uint32(d.Errno), errnoRet(d.Errno)
		case untrapped:
			in, out = retAllow, retAllow
		default:
			in, out = retTrap|trapSession|trapLearnSession|trapLearnGlobal, retAllow
		}
		if got := v.runAt(t, n, arch, 0x7f01_0000_0800); got != in {
			t.Errorf("%s (%d, rule %d) inside: %#x, want %#x", name, n, i%4, got, in)
		}
		if got := v.runAt(t, n, arch, 0x7f01_0000_1800); got != out {
			t.Errorf("%s (%d) outside: %#x, want %#x", name, n, got, out)
		}
	}
}

// TestTrapCompileRequest: the C layer's request carries the ranges; the
// global program and a session target's program trap, and a malformed
// range is the request's error.
func TestTrapCompileRequest(t *testing.T) {
	arch := nativeArch(t)
	req := &targets.Request{
		Start:  true,
		Trap:   fmt.Sprintf("%x-%x,%x-%x", libcLo, libcHi, vdsoLo, vdsoHi),
		Global: globalLevel("allow", "", "", "sethostname:EPERM", ""),
		Targets: []settings.Target{{
			Session:   sessionLevel("allow", "", "", "getcwd", ""),
			Overrides: map[settings.Field]string{},
		}},
	}
	req.Targets[0].Global = req.Global
	res := targets.Build(req, native)
	if res.Err != nil {
		t.Fatalf("Compile: %v", res.Err)
	}
	checkProbes(t, load(t, res.GlobalBPF), arch, []probe{
		{"sethostname", retTrap | trapGlobal | uint32(unix.EPERM), errnoRet(unix.EPERM)},
		{"getcwd", retAllow, retAllow},
	})
	if len(res.Targets) != 1 || res.Targets[0].Err != nil || res.Targets[0].BPF == nil {
		t.Fatalf("targets %+v, want one with a program", res.Targets)
	}
	checkProbes(t, load(t, res.Targets[0].BPF), arch, []probe{
		{"getcwd", retTrap | trapSession | uint32(unix.EACCES), errnoRet(unix.EACCES)},
		{"getppid", retAllow, retAllow},
	})

	bad := *req
	bad.Trap = "2000-1000"
	if res := targets.Build(&bad, native); res.Err == nil || !strings.Contains(res.Err.Error(), "2000-1000") {
		t.Errorf("Compile with a malformed range: error %v, want one naming the range", res.Err)
	}
}

// TestTrapLearnedAllowed: a learning target compiled with the syscalls its
// level already learned allows them without a trap, and still traps on
// the others; what the global filter denies stays denied, and a target
// that does not learn is unchanged by a learned list.
func TestTrapLearnedAllowed(t *testing.T) {
	arch := nativeArch(t)
	global := globalLevel("allow", "", "", "sethostname:EPERM", "")
	req := &targets.Request{
		Trap:   fmt.Sprintf("%x-%x,%x-%x", libcLo, libcHi, vdsoLo, vdsoHi),
		Global: global,
		Targets: []settings.Target{
			{Global: global, Session: sessionLevel("learn", "read", "", "", ""), Overrides: map[settings.Field]string{}},
			{Global: global, Session: sessionLevel("allow", "", "", "getcwd", ""), Overrides: map[settings.Field]string{}},
		},
		Learned: [][]int32{
			{nr(t, "getppid"), nr(t, "sethostname")},
			{nr(t, "getcwd")},
		},
	}
	res := targets.Build(req, native)
	if res.Err != nil || len(res.Targets) != 2 || res.Targets[0].Err != nil || res.Targets[1].Err != nil {
		t.Fatalf("Build: %+v", res)
	}
	checkProbes(t, load(t, res.Targets[0].BPF), arch, []probe{
		{"getppid", retAllow, retAllow},
		{"getcwd", retTrap | trapSession | trapLearnSession, retAllow},
		{"read", retAllow, retAllow},
		{"sethostname", retTrap | trapGlobal | uint32(unix.EPERM), errnoRet(unix.EPERM)},
	})
	checkProbes(t, load(t, res.Targets[1].BPF), arch, []probe{
		{"getcwd", retTrap | trapSession | uint32(unix.EACCES), errnoRet(unix.EACCES)},
	})
	// The learned list travels in the target's section.
	back, err := wire.DecodeRequest(wire.EncodeRequest(req))
	if err != nil {
		t.Fatalf("DecodeRequest: %v", err)
	}
	if !reflect.DeepEqual(back.Learned, req.Learned) {
		t.Errorf("learned lists came back as %v, want %v", back.Learned, req.Learned)
	}
}

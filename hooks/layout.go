package hooks

import (
	"encoding/binary"
	"runtime"

	"github.com/pgseccomp/pgseccomp/guc"
)

// What attaching a filter costs the kernel, and how the layout of a
// program changes it. seccomp(2) converts and JITs every instruction, and
// then works out which syscalls the new filter always allows, so that
// they skip the filters later: it runs the program once for every syscall
// number of the native architecture, up to the first return or the first
// load of anything but the number or the architecture
// (seccomp_cache_prepare in kernel/seccomp.c). libseccomp's default
// layout is one comparison per rule in a row: every syscall a filter does
// not name walks all of them. Its binary tree takes about log2(rules)
// comparisons per syscall, for a quarter more instructions.
//
// The costs are measured on x86_64 (Linux 6.18, in a virtual machine) by
// regress/layout_bench.sh, which attaches both layouts of filters from 1
// to 200 rules: a linear filter of 150 rules took 131 us, its tree 43 us;
// at 5 rules the linear one is about 1 us cheaper. The fit of those runs:
const (
	attachNsBase    = 4600 // the syscall itself, allocations
	attachNsPerInsn = 150  // conversion and JIT, per instruction
	attachNsPerStep = 1.7  // the kernel's run for each syscall number, per instruction run
	// AttachNrs is how many syscall numbers that run covers: the native
	// table's size, 470 on x86_64 in Linux 6.18.
	AttachNrs = 470
)

// Layout is how the rules of a program are arranged.
type Layout int

const (
	Linear Layout = iota // libseccomp's default: one comparison per rule
	Tree                 // libseccomp's binary tree (SCMP_FLTATR_CTL_OPTIMIZE 2)
)

func (l Layout) String() string {
	if l == Tree {
		return "tree"
	}
	return "linear"
}

// treeMinRules is the fewest rules for which a tree is built at all: below
// it the linear program attached faster at every size measured.
const treeMinRules = 5

// AttachCost is the modelled cost in nanoseconds of attaching prog on top
// of filters that always allow the syscall numbers below reports (nil:
// every number, as for a first filter): its instructions, and the
// instructions the kernel runs to find the syscalls it always allows. The
// kernel runs a new filter only for the numbers every filter before it
// always allows.
func AttachCost(prog []byte, below func(nr int) bool) float64 {
	return attachNsBase + attachNsPerInsn*float64(len(prog)/8) +
		attachNsPerStep*float64(ConstAllowSteps(prog, NativeAuditArch(), AttachNrs, below))
}

// ConstAllowSteps counts the instructions the kernel runs when it checks,
// for each syscall number below nrs that below allows (nil: all), whether
// prog always allows it.
func ConstAllowSteps(prog []byte, arch uint32, nrs int, below func(nr int) bool) int {
	steps := 0
	for nr := 0; nr < nrs; nr++ {
		if below == nil || below(nr) {
			_, n := constAllow(prog, nr, arch)
			steps += n
		}
	}
	return steps
}

// AlwaysAllows reports the syscall numbers prog always allows, as the
// kernel works them out.
func AlwaysAllows(prog []byte, arch uint32) func(nr int) bool {
	return func(nr int) bool {
		allowed, _ := constAllow(prog, nr, arch)
		return allowed
	}
}

// constAllow is seccomp_is_const_allow (kernel/seccomp.c): does prog allow
// syscall nr whatever its arguments and instruction pointer? It runs up to
// a return, a load of anything but the number or the architecture, or an
// instruction it does not follow; steps counts the instructions run.
func constAllow(prog []byte, nr int, arch uint32) (allowed bool, steps int) {
	var a uint32
	for pc := 0; pc < len(prog)/8; pc++ {
		steps++
		op, jt, jf, k := insnAt(prog, pc)
		switch op {
		case bpfLdWAbs:
			switch k {
			case 0: // seccomp_data.nr
				a = uint32(nr)
			case 4: // seccomp_data.arch
				a = arch
			default:
				return false, steps
			}
		case bpfJmpJA:
			pc += int(k)
		case bpfJmpJEQ, bpfJmpJGE, bpfJmpJGT, bpfJmpJSET:
			if jumps(op, a, k) {
				pc += jt
			} else {
				pc += jf
			}
		case bpfAluAndK:
			a &= k
		case bpfRetK:
			return k == retAllow, steps
		default:
			return false, steps
		}
	}
	return false, steps
}

func insnAt(prog []byte, pc int) (op uint16, jt, jf int, k uint32) {
	return binary.NativeEndian.Uint16(prog[8*pc:]), int(prog[8*pc+2]), int(prog[8*pc+3]),
		binary.NativeEndian.Uint32(prog[8*pc+4:])
}

func jumps(op uint16, a, k uint32) bool {
	switch op {
	case bpfJmpJEQ:
		return a == k
	case bpfJmpJGE:
		return a >= k
	case bpfJmpJGT:
		return a > k
	}
	return a&k != 0 // JSET
}

// eval runs a program libseccomp built (before patchTraps) for syscall nr
// of architecture arch, with every other field of seccomp_data zero, and
// returns what it returns; false for an instruction it does not know or a
// run off the end.
func eval(prog []byte, nr, arch uint32) (uint32, bool) {
	n := len(prog) / 8
	var a uint32
	for pc := 0; pc < n; pc++ {
		op, jt, jf, k := insnAt(prog, pc)
		switch op {
		case bpfLdWAbs:
			switch {
			case k == 0:
				a = nr
			case k == 4:
				a = arch
			case k%4 == 0 && k < 64:
				a = 0
			default:
				return 0, false
			}
		case bpfJmpJA:
			pc += int(k)
		case bpfJmpJEQ, bpfJmpJGE, bpfJmpJGT, bpfJmpJSET:
			if jumps(op, a, k) {
				pc += jt
			} else {
				pc += jf
			}
		case bpfAluAndK:
			a &= k
		case bpfRetK:
			return k, true
		default:
			return 0, false
		}
	}
	return 0, false
}

// DecideAlike reports whether two programs libseccomp built (before
// patchTraps, whose tails depend on the returns alone) return the same for
// every syscall number up to 1023, of either ABI of x86_64 and of every
// architecture. Rules on syscall arguments, which pgseccomp never makes,
// are not compared.
func DecideAlike(a, b []byte) bool {
	const x32 = 0x40000000
	for _, arch := range []uint32{NativeAuditArch(), auditArchI386, auditArchX86_64, auditArchAArch64} {
		for nr := int64(-1); nr < 1024; nr++ {
			for _, abi := range []uint32{0, x32} {
				ra, okA := eval(a, uint32(nr)|abi, arch)
				rb, okB := eval(b, uint32(nr)|abi, arch)
				if !okA || !okB || ra != rb {
					return false
				}
			}
		}
	}
	return true
}

// constAllowedBelow reports the syscall numbers the filter below always
// allows, so that the kernel runs a new filter for them: those it allows
// without a trap. nil: no filter below.
func (t *Trap) constAllowedBelow() func(nr int) bool {
	if t == nil || t.Below == nil {
		return nil
	}
	alone := t.On(nil)
	return func(nr int) bool {
		d, data := alone.kernelDecision(t.Below, int32(nr))
		return d.Action == guc.Allow && data == 0
	}
}

// AUDIT_ARCH values (linux/audit.h), which seccomp_data.arch holds.
const (
	auditArchX86_64  = 0xc000003e
	auditArchI386    = 0x40000003
	auditArchAArch64 = 0xc00000b7
)

// NativeAuditArch is the AUDIT_ARCH value of the architecture this runs on.
func NativeAuditArch() uint32 {
	switch runtime.GOARCH {
	case "amd64":
		return auditArchX86_64
	case "arm64":
		return auditArchAArch64
	}
	return 0
}

package bpf

import (
	"encoding/binary"
	"runtime"

	"github.com/pgseccomp/pgseccomp/internal/settings"
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
// to 200 rules: on a filter that allows every syscall, a linear filter of
// 200 rules took 165 us, its tree 56 us; at 5 rules the linear one is
// about 1 us cheaper. A least-squares fit of 24 such figures (within 4 us
// of each):
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
// syscall nr whatever its arguments and instruction pointer? steps counts
// the instructions the kernel runs to tell.
func constAllow(prog []byte, nr int, arch uint32) (allowed bool, steps int) {
	ret, steps, ok := run(prog, uint32(nr), arch, true)
	return ok && ret == retAllow, steps
}

// run follows prog for syscall nr of architecture arch and returns what it
// returns, the instructions run, and false where it gives up: at an
// instruction it does not know, a run off the end, or, with constOnly, as
// the kernel's check does, a load of anything but the number or the
// architecture. Without constOnly, every other field of seccomp_data is 0.
func run(prog []byte, nr, arch uint32, constOnly bool) (ret uint32, steps int, ok bool) {
	var a uint32
	for pc := 0; pc < len(prog)/8; pc++ {
		steps++
		op, jt, jf, k := insnAt(prog, pc)
		switch op {
		case bpfLdWAbs:
			switch {
			case k == 0: // seccomp_data.nr
				a = nr
			case k == 4: // seccomp_data.arch
				a = arch
			case !constOnly && k%4 == 0 && k < 64:
				a = 0
			default:
				return 0, steps, false
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
			return k, steps, true
		default:
			return 0, steps, false
		}
	}
	return 0, steps, false
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

// DecideAlike reports whether two programs libseccomp built (before
// patchTraps, whose tails depend on the returns alone) return the same for
// every syscall number, of either ABI of x86_64, on every architecture
// pgseccomp knows and any other. Rules on syscall arguments, which
// pgseccomp never makes, are not compared.
//
// A program that only compares the number with constants (JEQ, JGE, JGT)
// treats alike all numbers that stand alike to each constant, so one
// number of each such class is enough: each constant, the one above it, 0
// and the largest. Programs that mask it get every number up to 1023, of
// both ABIs, instead.
func DecideAlike(a, b []byte) bool {
	const x32 = 0x40000000
	numbers := map[uint32]bool{0: true, 0xffffffff: true}
	for _, prog := range [][]byte{a, b} {
		for pc := 0; pc < len(prog)/8; pc++ {
			switch op, _, _, k := insnAt(prog, pc); op {
			case bpfJmpJEQ, bpfJmpJGE, bpfJmpJGT:
				numbers[k], numbers[k+1] = true, true
			case bpfJmpJSET, bpfAluAndK:
				for nr := uint32(0); nr < 1024; nr++ {
					numbers[nr], numbers[nr|x32] = true, true
				}
			}
		}
	}
	for _, arch := range []uint32{NativeAuditArch(), auditArchI386, auditArchX86_64, auditArchAArch64, 0} {
		for nr := range numbers {
			ra, _, okA := run(a, nr, arch, false)
			rb, _, okB := run(b, nr, arch, false)
			if !okA || !okB || ra != rb {
				return false
			}
		}
	}
	return true
}

// constAllowedBelow reports the syscall numbers the filter below (the
// global one) always allows, so that the kernel runs a new filter for
// them: those it allows without a trap. nil: no filter below. For a
// client filter, what the session filter between them denies is not
// taken off: the model errs toward the tree there.
func (t *Trap) constAllowedBelow() func(nr int) bool {
	if t == nil || t.Below == nil {
		return nil
	}
	alone := t.On(nil)
	alone.learned = nil
	return func(nr int) bool {
		d, data := alone.kernelDecision(t.Below, int32(nr))
		return d.Action == settings.Allow && data == 0
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

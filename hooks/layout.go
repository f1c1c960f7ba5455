package hooks

import (
	"encoding/binary"
	"runtime"
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

// AttachCost is the modelled cost in nanoseconds of attaching prog: its
// instructions, and the instructions the kernel runs to find the syscalls
// it always allows.
func AttachCost(prog []byte) float64 {
	return attachNsBase + attachNsPerInsn*float64(len(prog)/8) + attachNsPerStep*float64(ConstAllowSteps(prog, NativeAuditArch(), AttachNrs))
}

// ConstAllowSteps counts the instructions the kernel runs when it checks,
// for each syscall number below nrs, whether prog always allows it: as
// seccomp_is_const_allow does, up to a return, a load of anything but the
// number or the architecture, or an instruction it does not follow.
func ConstAllowSteps(prog []byte, arch uint32, nrs int) int {
	n := len(prog) / 8
	steps := 0
	for nr := 0; nr < nrs; nr++ {
		var a uint32
	run:
		for pc := 0; pc < n; pc++ {
			steps++
			op := binary.NativeEndian.Uint16(prog[8*pc:])
			jt, jf := int(prog[8*pc+2]), int(prog[8*pc+3])
			k := binary.NativeEndian.Uint32(prog[8*pc+4:])
			switch op {
			case bpfLdWAbs:
				switch k {
				case 0: // seccomp_data.nr
					a = uint32(nr)
				case 4: // seccomp_data.arch
					a = arch
				default:
					break run
				}
			case bpfJmpJA:
				pc += int(k)
			case bpfJmpJEQ, bpfJmpJGE, bpfJmpJGT, bpfJmpJSET:
				var taken bool
				switch op {
				case bpfJmpJEQ:
					taken = a == k
				case bpfJmpJGE:
					taken = a >= k
				case bpfJmpJGT:
					taken = a > k
				default:
					taken = a&k != 0
				}
				if taken {
					pc += jt
				} else {
					pc += jf
				}
			case bpfAluAndK:
				a &= k
			default: // a return, or what the kernel gives up on
				break run
			}
		}
	}
	return steps
}

// NativeAuditArch is the AUDIT_ARCH value of the architecture this runs on
// (linux/audit.h), which the kernel's run loads as seccomp_data.arch.
func NativeAuditArch() uint32 {
	switch runtime.GOARCH {
	case "amd64":
		return 0xc000003e
	case "arm64":
		return 0xc00000b7
	}
	return 0
}

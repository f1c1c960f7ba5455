package bpf

import (
	"encoding/binary"
	"fmt"
	"io"
	"os"

	seccomp "github.com/seccomp/libseccomp-golang"
	"golang.org/x/sys/unix"

	"github.com/pgseccomp/pgseccomp/internal/policy"
	"github.com/pgseccomp/pgseccomp/internal/settings"
)

// MaxInstructions is the kernel's limit on one filter program (BPF_MAXINSNS).
const MaxInstructions = 4096

func scmpAction(d policy.Decision) seccomp.ScmpAction {
	switch d.Action {
	case settings.Log:
		return seccomp.ActLog
	case settings.Error:
		return seccomp.ActErrno.SetReturnCode(int16(d.ReturnErrno()))
	case settings.Kill:
		return seccomp.ActKillProcess
	default: // allow, and learn where nothing traps
		return seccomp.ActAllow
	}
}

// Emit compiles filter f for the native architecture into a classic BPF
// program (an array of struct sock_filter), ready for seccomp(2). Its
// errors and learning trap as t says (see trap.go; nil: plain errno
// actions and learning as allow), in the layout the kernel attaches at
// less cost on top of t.Below (see layout.go). Syscalls of any other
// architecture or ABI kill the process.
func Emit(f *policy.Filter, t *Trap) ([]byte, error) {
	prog, _, err := EmitChosen(f, t)
	return prog, err
}

// EmitChosen is Emit, and the layout it chose.
func EmitChosen(f *policy.Filter, t *Trap) ([]byte, Layout, error) {
	defAct, rules, blocks := kernelRules(f, t)
	linear, err := build(defAct, rules, Linear)
	if err != nil {
		return nil, Linear, err
	}
	prog, err := finish(linear, t, blocks)
	if err != nil || len(rules) < treeMinRules {
		return prog, Linear, err
	}
	// The tree is only an optimization: when libseccomp cannot build it,
	// or it does not decide every syscall as the linear program does
	// (libseccomp 2.5.0 to 2.5.3 built wrong trees without rules), the
	// linear program is installed.
	tree, err := build(defAct, rules, Tree)
	if err != nil || !DecideAlike(linear, tree) {
		return prog, Linear, nil
	}
	treeProg, err := finish(tree, t, blocks)
	if err != nil {
		return prog, Linear, nil
	}
	below := t.constAllowedBelow()
	if AttachCost(treeProg, below) < AttachCost(prog, below) {
		return treeProg, Tree, nil
	}
	return prog, Linear, nil
}

// EmitLayout compiles the filter as Emit does, in the given layout.
func EmitLayout(f *policy.Filter, t *Trap, layout Layout) ([]byte, error) {
	defAct, rules, blocks := kernelRules(f, t)
	prog, err := build(defAct, rules, layout)
	if err != nil {
		return nil, err
	}
	return finish(prog, t, blocks)
}

type kernelRule struct {
	nr  int32
	act seccomp.ScmpAction
}

// kernelRules are the default and the rules libseccomp is given: each
// syscall whose kernel decision is not the default's. A syscall with
// argument-level decisions returns a marker that finish replaces with a
// block of its own that checks the arguments (see argBlock).
func kernelRules(f *policy.Filter, t *Trap) (seccomp.ScmpAction, []kernelRule, []argBlock) {
	defAct := kernelAction(t.kernelDecision(f, policy.DefaultNr))
	var rules []kernelRule
	var blocks []argBlock
	for _, nr := range t.trappedNumbers(f) {
		d, data := t.kernelDecision(f, nr)
		if args := f.ArgDecisions(nr); len(args) > 0 {
			b := argBlock{base: retValue(d, data)}
			for _, a := range args {
				b.conds = append(b.conds, argCond{a.Cond, retValue(t.kernelDecisionOf(a.Decision, nr))})
			}
			blocks = append(blocks, b)
			rules = append(rules, kernelRule{nr, seccomp.ActTrace.SetReturnCode(int16(len(blocks)))})
			continue
		}
		act := kernelAction(d, data)
		if act == defAct {
			continue // libseccomp refuses rules that repeat the default
		}
		rules = append(rules, kernelRule{nr, act})
	}
	return defAct, rules, blocks
}

// build has libseccomp compile the rules in a layout, traps still TRACE.
func build(defAct seccomp.ScmpAction, rules []kernelRule, layout Layout) ([]byte, error) {
	sf, err := seccomp.NewFilter(defAct)
	if err != nil {
		return nil, fmt.Errorf("creating filter: %w", err)
	}
	defer sf.Release()
	if err := sf.SetBadArchAction(seccomp.ActKillProcess); err != nil {
		return nil, fmt.Errorf("setting bad-architecture action: %w", err)
	}
	if layout == Tree {
		if err := sf.SetOptimize(2); err != nil {
			return nil, fmt.Errorf("asking for a binary tree: %w", err)
		}
	}
	for _, r := range rules {
		if err := sf.AddRule(seccomp.ScmpSyscall(r.nr), r.act); err != nil {
			return nil, fmt.Errorf("adding rule for syscall %d: %w", r.nr, err)
		}
	}
	return export(sf)
}

// finish turns the traps of a program into their tails, and checks the
// kernel's limit.
func finish(prog []byte, t *Trap, blocks []argBlock) ([]byte, error) {
	if len(blocks) > 0 {
		prog = patchArgs(prog, blocks)
	}
	if t != nil && len(t.Ranges) > 0 {
		prog = patchTraps(prog, t.Ranges)
	}
	if n := len(prog) / 8; n > MaxInstructions {
		return nil, fmt.Errorf("filter has %d instructions, more than the kernel's limit of %d", n, MaxInstructions)
	}
	return prog, nil
}

// kernelAction is a decision as libseccomp builds it. A trap is built as
// SECCOMP_RET_TRACE with the trap's data, which libseccomp can carry (its
// TRAP takes no data), and patchTraps rewrites it; pgseccomp uses TRACE
// for nothing else.
func kernelAction(d policy.Decision, data uint16) seccomp.ScmpAction {
	if data != 0 {
		return seccomp.ActTrace.SetReturnCode(int16(data))
	}
	return scmpAction(d)
}

const (
	bpfLdWAbs  = 0x20 // BPF_LD | BPF_W | BPF_ABS
	bpfJmpJA   = 0x05 // BPF_JMP | BPF_JA
	bpfJmpJEQ  = 0x15 // BPF_JMP | BPF_JEQ | BPF_K
	bpfJmpJGE  = 0x35 // BPF_JMP | BPF_JGE | BPF_K
	bpfJmpJGT  = 0x25 // BPF_JMP | BPF_JGT | BPF_K
	bpfJmpJSET = 0x45 // BPF_JMP | BPF_JSET | BPF_K
	bpfAluAndK = 0x54 // BPF_ALU | BPF_AND | BPF_K
	bpfRetK    = 0x06 // BPF_RET | BPF_K
	retTrace   = 0x7ff00000
	retTrap    = 0x00030000
	retErrno   = 0x00050000
	retAllow   = 0x7fff0000
	retActMask = 0xffff0000
	// offsets in struct seccomp_data (little-endian words)
	ipLowOffset  = 8
	ipHighOffset = 12
)

type insn struct {
	op     uint16
	jt, jf uint8
	k      uint32
}

// decodeInsns reads a program as the kernel takes it: 8 bytes an
// instruction, in native byte order.
func decodeInsns(prog []byte) []insn {
	insns := make([]insn, 0, len(prog)/8)
	for i := 0; i+8 <= len(prog); i += 8 {
		insns = append(insns, insn{binary.NativeEndian.Uint16(prog[i:]), prog[i+2], prog[i+3],
			binary.NativeEndian.Uint32(prog[i+4:])})
	}
	return insns
}

// encodeInsns is the inverse of decodeInsns.
func encodeInsns(insns []insn) []byte {
	out := make([]byte, 8*len(insns))
	for i, in := range insns {
		binary.NativeEndian.PutUint16(out[8*i:], in.op)
		out[8*i+2], out[8*i+3] = in.jt, in.jf
		binary.NativeEndian.PutUint32(out[8*i+4:], in.k)
	}
	return out
}

// patchTraps replaces each "return TRACE(data)" with a jump to a tail that
// returns TRAP(data) when the instruction pointer is in one of ranges,
// and otherwise the errno of data, or allow for learning.
func patchTraps(prog []byte, ranges []Range) []byte {
	insns := decodeInsns(prog)
	tails := map[uint16]int{}
	var order []uint16
	for _, in := range insns {
		if in.op == bpfRetK && in.k&retActMask == retTrace {
			data := uint16(in.k)
			if _, ok := tails[data]; !ok {
				tails[data] = -1
				order = append(order, data)
			}
		}
	}
	n := len(ranges)
	next := len(insns)
	for _, data := range order {
		tails[data] = next
		next += 5*n + 2
	}
	for i, in := range insns {
		if in.op == bpfRetK && in.k&retActMask == retTrace {
			insns[i] = insn{op: bpfJmpJA, k: uint32(tails[uint16(in.k)] - (i + 1))}
		}
	}
	for _, data := range order {
		base := len(insns)
		trap, fallback := base+5*n, base+5*n+1
		for j, r := range ranges {
			b := base + 5*j
			out := fallback
			if j < n-1 {
				out = b + 5
			}
			last := r.Hi - 1
			insns = append(insns,
				insn{op: bpfLdWAbs, k: ipHighOffset},
				insn{op: bpfJmpJEQ, jf: uint8(out - (b + 2)), k: uint32(r.Lo >> 32)},
				insn{op: bpfLdWAbs, k: ipLowOffset},
				insn{op: bpfJmpJGE, jf: uint8(out - (b + 4)), k: uint32(r.Lo)},
				insn{op: bpfJmpJGT, jt: uint8(out - (b + 5)), jf: uint8(trap - (b + 5)), k: uint32(last)},
			)
		}
		fb := uint32(retAllow)
		if e := uint32(data & trapErrnoMask); e != 0 {
			fb = retErrno | e
		}
		insns = append(insns, insn{op: bpfRetK, k: retTrap | uint32(data)}, insn{op: bpfRetK, k: fb})
	}
	return encodeInsns(insns)
}

// export reads the program back through a memfd: ExportBPF only writes to
// a file, and a pipe could fill before we read it.
func export(sf *seccomp.ScmpFilter) ([]byte, error) {
	fd, err := unix.MemfdCreate("pgseccomp-bpf", unix.MFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("memfd_create: %w", err)
	}
	file := os.NewFile(uintptr(fd), "pgseccomp-bpf")
	defer file.Close()
	if err := sf.ExportBPF(file); err != nil {
		return nil, fmt.Errorf("exporting BPF: %w", err)
	}
	if _, err := file.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("rewinding BPF: %w", err)
	}
	prog, err := io.ReadAll(file)
	if err != nil {
		return nil, fmt.Errorf("reading BPF: %w", err)
	}
	if len(prog) == 0 || len(prog)%8 != 0 {
		return nil, fmt.Errorf("exported BPF has %d bytes, not a whole number of instructions", len(prog))
	}
	return prog, nil
}

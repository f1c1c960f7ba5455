package bpf

import (
	"github.com/pgseccomp/pgseccomp/internal/names"
	"github.com/pgseccomp/pgseccomp/internal/policy"
	"github.com/pgseccomp/pgseccomp/internal/settings"
)

// Argument-level decisions (policy.ArgDecision): libseccomp cannot mix a
// rule for every call of a syscall with rules for some of its arguments
// (the former wins), and has no "some bit set" comparison. So a syscall
// with argument-level decisions gets a rule that returns a marker,
// SECCOMP_RET_TRACE with data 1 to 0xfff (trap data always has a level in
// bits 12-13, so the two never meet), and patchArgs replaces each marker
// with a jump to a block that loads the low 32 bits of each argument a
// condition reads, returns the condition's action where it matches, and
// else the syscall's decision for its other calls. Traps in the block
// are then patched like any other (patchTraps).

const (
	retKillProcess = 0x80000000
	retLog         = 0x7ffc0000
	argsOffset     = 16 // seccomp_data.args[0], low word first on little-endian
	maxMarker      = 0xfff
)

type argCond struct {
	cond names.Cond
	ret  uint32
}

// argBlock is one syscall's argument check: the conditions in order, and
// what it returns when none matches.
type argBlock struct {
	conds []argCond
	base  uint32
}

// retValue is the return value of a kernel decision, as libseccomp would
// build it (traps still TRACE with their data).
func retValue(d policy.Decision, data uint16) uint32 {
	if data != 0 {
		return retTrace | uint32(data)
	}
	switch d.Action {
	case settings.Log:
		return retLog
	case settings.Error:
		return retErrno | uint32(d.ReturnErrno())&0xffff
	case settings.Kill:
		return retKillProcess
	}
	return retAllow
}

// kernelDecisionOf is kernelDecision for a decision that is not the
// filter's own for nr (an argument-level one): it traps as an error of
// the same level would, and never learns.
func (t *Trap) kernelDecisionOf(d policy.Decision, nr int32) (policy.Decision, uint16) {
	if d.Action == settings.Error && t.traps(nr) {
		return d, levelOf(d.Source)<<trapLevelShift | uint16(d.ReturnErrno())&trapErrnoMask
	}
	return d, 0
}

// patchArgs replaces each marker return with a jump to its block.
func patchArgs(prog []byte, blocks []argBlock) []byte {
	insns := decodeInsns(prog)
	start := make([]int, len(blocks))
	next := len(insns)
	for i, b := range blocks {
		start[i] = next
		next += blockLen(b)
	}
	for i, in := range insns {
		if m := in.k &^ retActMask; in.op == bpfRetK && in.k&retActMask == retTrace && m >= 1 && m <= maxMarker && int(m) <= len(blocks) {
			insns[i] = insn{op: bpfJmpJA, k: uint32(start[m-1] - (i + 1))}
		}
	}
	for _, b := range blocks {
		insns = append(insns, blockInsns(b)...)
	}
	return encodeInsns(insns)
}

// blockInsns is a block: per condition a load of its argument's low word
// and one test per value (or one JSET for a mask) that jumps to the
// condition's return; then the base return and the conditions' returns.
func blockInsns(b argBlock) []insn {
	var tests []insn
	type jump struct{ at, cond int }
	var jumps []jump
	for ci, c := range b.conds {
		tests = append(tests, insn{op: bpfLdWAbs, k: uint32(argsOffset + 8*c.cond.Arg)})
		if c.cond.Mask != 0 {
			jumps = append(jumps, jump{len(tests), ci})
			tests = append(tests, insn{op: bpfJmpJSET, k: c.cond.Mask})
			continue
		}
		for _, v := range c.cond.Values {
			jumps = append(jumps, jump{len(tests), ci})
			tests = append(tests, insn{op: bpfJmpJEQ, k: v})
		}
	}
	base := len(tests)
	tests = append(tests, insn{op: bpfRetK, k: b.base})
	for _, c := range b.conds {
		tests = append(tests, insn{op: bpfRetK, k: c.ret})
	}
	for _, j := range jumps {
		tests[j.at].jt = uint8(base + 1 + j.cond - (j.at + 1))
	}
	return tests
}

func blockLen(b argBlock) int { return len(blockInsns(b)) }

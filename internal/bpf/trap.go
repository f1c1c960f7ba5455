package bpf

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/pgseccomp/pgseccomp/internal/names"
	"github.com/pgseccomp/pgseccomp/internal/policy"
	"github.com/pgseccomp/pgseccomp/internal/settings"
)

// How filters report to the C layer (c/trap.c). An error or learn
// decision returns SECCOMP_RET_TRAP with 16 bits of data when the syscall
// was made from PostgreSQL's own libc, dynamic loader or vDSO: the SIGSYS
// handler there records it and sets the return value the caller would have
// had (an errno), or makes the syscall itself (learn). Made from anywhere
// else (a program the server executed, which has no such handler), the
// decision is a plain errno, or allow.
//
// The data: bits 0-11 the errno, 0 for learn; bits 12-13 the level whose
// rule decided; for learn, bit 14 when the global level learns the syscall
// and bit 15 when the session level does.
const (
	TrapLevelGlobal  = 1
	TrapLevelSession = 2
	TrapLevelClient  = 3

	trapLevelShift   = 12
	trapLearnGlobal  = 1 << 14
	trapLearnSession = 1 << 15
	trapErrnoMask    = 0xfff
)

// Untrapped are syscalls that never trap: glibc 2.36 makes them with every
// signal blocked, where a trap would kill instead of returning an errno
// (creating threads and processes; starting and ending a thread; the child
// of posix_spawn until it executes: its signal resets, file actions and
// attributes; its parent unmapping the child's stack and, when the child
// could not execute, reaping it), or they change the signal state or the
// program the handler would return to. An error decision is a plain errno
// for them, and a learning level allows them without recording.
var Untrapped = []string{
	"rt_sigreturn", "rt_sigprocmask", "rt_sigaction", "sigaltstack", "restart_syscall",
	"clone", "clone3", "vfork", "fork", "execve", "execveat",
	"set_robust_list", "rseq", "exit", "exit_group", "madvise", "munmap",
	"wait4", "waitid",
	"dup2", "dup3", "close", "close_range", "fcntl", "open", "openat", "chdir", "fchdir",
	"setsid", "setpgid", "sched_setparam", "sched_setscheduler",
	"getuid", "getgid", "setuid", "setgid",
}

// maxRanges bounds the ranges, each of which costs every trap tail five
// instructions.
const maxRanges = 16

// Range is a stretch of code, [Lo, Hi), whose syscalls trap.
type Range struct{ Lo, Hi uint64 }

// Trap says how a filter traps: from which code, for which level, and on
// top of which filter (a session filter's global one).
type Trap struct {
	Ranges    []Range
	Below     *policy.Filter
	untrapped map[int32]bool
	learned   map[int32]bool
}

// ParseRanges reads the C layer's "lo-hi,lo-hi" (hexadecimal) and splits
// ranges that cross a 4 GB boundary, which one comparison of the high word
// cannot check.
func ParseRanges(s string) ([]Range, error) {
	var out []Range
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item == "" {
			continue
		}
		lo, hi, ok := strings.Cut(item, "-")
		l, err1 := strconv.ParseUint(lo, 16, 64)
		h, err2 := strconv.ParseUint(hi, 16, 64)
		if !ok || err1 != nil || err2 != nil || h <= l {
			return nil, fmt.Errorf("malformed code range %q", item)
		}
		for l < h {
			end := (l | 0xffffffff) + 1
			if end == 0 || end > h {
				end = h
			}
			if len(out) == maxRanges {
				return nil, fmt.Errorf("more than %d code ranges", maxRanges)
			}
			out = append(out, Range{l, end})
			l = end
		}
	}
	return out, nil
}

// NewTrap is a Trap for code ranges, with the untrapped syscalls resolved.
func NewTrap(ranges []Range, r names.Resolver) *Trap {
	t := &Trap{Ranges: ranges, untrapped: map[int32]bool{}}
	for _, name := range Untrapped {
		if nr, ok := r.Number(name); ok {
			t.untrapped[nr] = true
		}
	}
	return t
}

// On is the same trap for a filter stacked on below.
func (t *Trap) On(below *policy.Filter) *Trap {
	if t == nil {
		return nil
	}
	c := *t
	c.Below = below
	return &c
}

// Learned is the same trap for a learning filter whose level already
// learned nrs: it allows them without a trap, so that a process traps
// only on syscalls its level has not learned yet. Whatever a learning
// filter allows it allows either way; only what is recorded changes.
func (t *Trap) Learned(nrs []int32) *Trap {
	if t == nil {
		return nil
	}
	c := *t
	c.learned = map[int32]bool{}
	for _, nr := range nrs {
		c.learned[nr] = true
	}
	return &c
}

func (t *Trap) traps(nr int32) bool {
	return t != nil && len(t.Ranges) > 0 && !t.untrapped[nr]
}

func levelOf(source string) uint16 {
	switch source {
	case policy.SourceSession:
		return TrapLevelSession
	case policy.SourceClient, policy.SourceFloor:
		return TrapLevelClient
	}
	return TrapLevelGlobal
}

// kernelDecision is what the filter returns for nr (DefaultNr: for
// syscalls it does not name) once trapping is taken into account: the
// decision to compile, and the trap data (0: no trap).
func (t *Trap) kernelDecision(f *policy.Filter, nr int32) (policy.Decision, uint16) {
	d := f.Default
	if nr != policy.DefaultNr {
		d = f.Decide(nr)
	}
	switch d.Action {
	case settings.Error:
		if !t.traps(nr) {
			return d, 0
		}
		return d, levelOf(d.Source)<<trapLevelShift | uint16(d.ReturnErrno())&trapErrnoMask
	case settings.Learn:
		if !t.traps(nr) {
			return policy.Decision{Action: settings.Allow, Source: d.Source}, 0
		}
		learned := nr != policy.DefaultNr && t.learned[nr]
		data := uint16(levelOf(d.Source) << trapLevelShift)
		if levelOf(d.Source) == TrapLevelGlobal {
			data |= trapLearnGlobal
		} else {
			data |= trapLearnSession
		}
		if t.Below != nil {
			below := t.Below.Default
			if nr != policy.DefaultNr {
				below = t.Below.Decide(nr)
			}
			switch below.Action {
			case settings.Error, settings.Kill:
				// What the global filter denies is denied, not learned
				// here: the kernel would take this filter's trap.
				return t.On(nil).kernelDecision(&policy.Filter{Default: below}, nr)
			case settings.Learn:
				data |= trapLearnGlobal
			}
		}
		if learned {
			return policy.Decision{Action: settings.Allow, Source: d.Source}, 0
		}
		return d, data
	}
	return d, 0
}

// trappedNumbers are the syscalls whose kernel decision may differ from
// the default's for reasons outside f's own rules.
func (t *Trap) trappedNumbers(f *policy.Filter) []int32 {
	set := map[int32]bool{}
	for nr := range f.Rules {
		set[nr] = true
	}
	for nr := range f.ArgRules {
		set[nr] = true
	}
	if t != nil && len(t.Ranges) > 0 {
		for nr := range t.untrapped {
			set[nr] = true
		}
		if t.Below != nil {
			for nr := range t.Below.Rules {
				set[nr] = true
			}
		}
		for nr := range t.learned {
			set[nr] = true
		}
	}
	out := make([]int32, 0, len(set))
	for nr := range set {
		out = append(out, nr)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

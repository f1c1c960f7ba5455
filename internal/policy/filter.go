package policy

import (
	"sort"
	"syscall"

	"github.com/pgseccomp/pgseccomp/internal/names"
	"github.com/pgseccomp/pgseccomp/internal/settings"
)

// Source names shown in seccomp_filter(), as in the original, plus
// "pgseccomp" for what the extension itself adds to the global filter.
const (
	SourceGlobal  = "global"
	SourceSelf    = "pgseccomp"
	SourceSession = "session"
	SourceClient  = "client"
)

// Decision is what one kernel filter does with a syscall, and which level's
// rule made it so.
type Decision struct {
	Action settings.Action
	Errno  syscall.Errno // for Error; 0 means names.DefaultErrno
	Source string
	// Named is set when the filter has a rule for the syscall, clear
	// when its default decides. Describe needs it: a filter that only
	// happens to agree through its default does not take the row from
	// what pgseccomp added on purpose.
	Named bool
}

// Filter is the decisions of one kernel filter: a default and rules for the
// syscalls it names.
type Filter struct {
	Default Decision
	Rules   map[int32]Decision
	// ArgRules decide a syscall for the calls whose arguments meet a
	// condition; Rules or the default decide the others. The program
	// keeps only those stricter than that.
	ArgRules map[int32][]ArgDecision
}

// ArgDecision is a decision for the calls of a syscall whose arguments
// meet Cond.
type ArgDecision struct {
	Decision
	Cond names.Cond
}

// ArgDecisions are the argument-level decisions for nr that are stricter
// than the filter's decision for its other calls, in the order given.
func (f *Filter) ArgDecisions(nr int32) []ArgDecision {
	base := f.Decide(nr)
	var out []ArgDecision
	for _, a := range f.ArgRules[nr] {
		if a.Action.Precedence() > base.Action.Precedence() {
			out = append(out, a)
		}
	}
	return out
}

// FromPolicy is the filter that enforces one level's policy.
func FromPolicy(p *Policy, source string) *Filter {
	f := &Filter{Default: Decision{Action: p.Default, Source: source}, Rules: make(map[int32]Decision, len(p.Rules))}
	for nr, r := range p.Rules {
		f.Rules[nr] = Decision{Action: r.Action, Errno: r.Errno, Source: source, Named: true}
	}
	for nr, rules := range p.ArgRules {
		if f.ArgRules == nil {
			f.ArgRules = map[int32][]ArgDecision{}
		}
		for _, r := range rules {
			f.ArgRules[nr] = append(f.ArgRules[nr], ArgDecision{
				Decision{Action: r.Action, Errno: r.Errno, Source: source, Named: true}, r.Cond})
		}
	}
	return f
}

// Decide is the filter's decision for syscall nr: its rule, or its default
// (not Named).
func (f *Filter) Decide(nr int32) Decision {
	if d, ok := f.Rules[nr]; ok {
		return d
	}
	return f.Default
}

// SameDecisions reports whether two filters decide every syscall alike.
func (f *Filter) SameDecisions(o *Filter) bool {
	same := func(a, b Decision) bool { return a.Action == b.Action && a.ReturnErrno() == b.ReturnErrno() }
	if !same(f.Default, o.Default) {
		return false
	}
	for _, x := range []*Filter{f, o} {
		for nr := range x.Rules {
			if !same(f.Decide(nr), o.Decide(nr)) {
				return false
			}
		}
		for nr := range x.ArgRules {
			a, b := f.ArgDecisions(nr), o.ArgDecisions(nr)
			if len(a) != len(b) || !same(f.Decide(nr), o.Decide(nr)) {
				return false
			}
			for i := range a {
				if !same(a[i].Decision, b[i].Decision) || a[i].Cond.String() != b[i].Cond.String() {
					return false
				}
			}
		}
	}
	return true
}

// Numbers returns the syscalls the filter names, ascending.
func (f *Filter) Numbers() []int32 {
	out := make([]int32, 0, len(f.Rules))
	for nr := range f.Rules {
		out = append(out, nr)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// ReturnErrno is what an Error decision returns, 0 for other actions.
func (d Decision) ReturnErrno() syscall.Errno {
	if d.Action != settings.Error {
		return 0
	}
	if d.Errno == 0 {
		return names.DefaultErrno
	}
	return d.Errno
}

// Row is one line of seccomp_filter(): Nr -1 is the default.
type Row struct {
	Nr     int32
	Action settings.Action
	Errno  syscall.Errno // an error's errno, 0 for names.DefaultErrno
	Source string
}

// ActionText is the action as seccomp_filter() shows it: "error" for the
// default errno, as in the original, "error:EPERM" for another.
func (r Row) ActionText() string {
	if r.Action == settings.Error && r.Errno != 0 {
		return "error:" + names.ErrnoName(r.Errno)
	}
	return r.Action.String()
}

// DefaultNr is the syscall number seccomp_filter() shows for the default.
const DefaultNr = -1

// Describe merges a stack of filters, oldest first, the way the kernel
// does: per syscall the action of highest precedence wins; on a tie the
// later filter is named, except that a later filter's default does not
// take a syscall from pgseccomp (SourceSelf, SourceFloor): the row keeps
// saying that pgseccomp allows it on purpose, where a later default only
// agrees by chance and a rule of a later filter would still be named. It
// returns the default row, then one row per
// syscall named by any filter of the stack, ascending.
func Describe(stack []*Filter) []Row {
	named := map[int32]bool{}
	for _, f := range stack {
		for nr := range f.Rules {
			named[nr] = true
		}
	}
	nrs := make([]int32, 0, len(named))
	for nr := range named {
		nrs = append(nrs, nr)
	}
	sort.Slice(nrs, func(i, j int) bool { return nrs[i] < nrs[j] })

	rows := make([]Row, 0, len(nrs)+1)
	rows = append(rows, merge(stack, func(f *Filter) Decision { return f.Default }, DefaultNr))
	for _, nr := range nrs {
		nr := nr
		rows = append(rows, merge(stack, func(f *Filter) Decision { return f.Decide(nr) }, nr))
	}
	return rows
}

func merge(stack []*Filter, pick func(*Filter) Decision, nr int32) Row {
	var best Decision
	for i, f := range stack {
		d := pick(f)
		switch {
		case i == 0 || d.Action.Precedence() > best.Action.Precedence():
			best = d
		case d.Action == best.Action && (d.Named || best.Source != SourceSelf):
			best = d
		}
	}
	row := Row{Nr: nr, Action: best.Action, Source: best.Source}
	if e := best.ReturnErrno(); e != names.DefaultErrno {
		row.Errno = e
	}
	return row
}

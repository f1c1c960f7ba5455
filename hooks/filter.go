// Package hooks turns validated settings into what each PostgreSQL hook
// installs: the global filter (postmaster start), the session or role
// filter (after authentication), and the merged description that
// seccomp_filter() shows.
package hooks

import (
	"sort"

	"github.com/pgseccomp/pgseccomp/guc"
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
	Action guc.Action
	Source string
}

// Filter is the decisions of one kernel filter: a default and rules for the
// syscalls it names.
type Filter struct {
	Default Decision
	Rules   map[int32]Decision
}

// FromPolicy is the filter that enforces one level's policy.
func FromPolicy(p *guc.Policy, source string) *Filter {
	f := &Filter{Default: Decision{p.Default, source}, Rules: make(map[int32]Decision, len(p.Rules))}
	for nr, r := range p.Rules {
		f.Rules[nr] = Decision{r.Action, source}
	}
	return f
}

// Decide is the filter's decision for syscall nr.
func (f *Filter) Decide(nr int32) Decision {
	if d, ok := f.Rules[nr]; ok {
		return d
	}
	return f.Default
}

// SameDecisions reports whether two filters decide every syscall alike.
func (f *Filter) SameDecisions(o *Filter) bool {
	if f.Default.Action != o.Default.Action {
		return false
	}
	for _, x := range []*Filter{f, o} {
		for nr := range x.Rules {
			if f.Decide(nr).Action != o.Decide(nr).Action {
				return false
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

// Row is one line of seccomp_filter(): Nr -1 is the default.
type Row struct {
	Nr     int32
	Action guc.Action
	Source string
}

// DefaultNr is the syscall number seccomp_filter() shows for the default.
const DefaultNr = -1

// Describe merges a stack of filters, oldest first, the way the kernel
// does: per syscall the action of highest precedence wins; on a tie the
// later filter is named. It returns the default row, then one row per
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
		if d := pick(f); i == 0 || d.Action >= best.Action {
			best = d
		}
	}
	return Row{Nr: nr, Action: best.Action, Source: best.Source}
}

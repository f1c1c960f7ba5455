package hooks

import (
	"fmt"
	"strings"

	"github.com/pgseccomp/pgseccomp/guc"
)

// TargetResult is one target's session filter and description, or why it
// could not be built.
type TargetResult struct {
	BPF      []byte // nil when no second filter is needed
	Layout   Layout
	Rows     []Row
	Warnings []Warning
	Lint     []Issue // of the global and session settings
	Err      error
}

// Result answers one request from the C layer.
type Result struct {
	Err          error // the global settings are bad: nothing else is set
	GlobalBPF    []byte
	GlobalLayout Layout
	GlobalRows   []Row
	Warnings     []Warning
	Targets      []TargetResult
}

// Compile validates every setting of the request and builds each target's
// filter; at start, also the global filter's program.
func Compile(req *guc.Request, t *Table) *Result {
	g, err := BuildGlobal(req.Global, t, SelfNeeds)
	if err != nil {
		return &Result{Err: err}
	}
	ranges, err := ParseRanges(req.Trap)
	if err != nil {
		return &Result{Err: err}
	}
	trap := NewTrap(ranges, t)
	res := &Result{GlobalRows: Describe([]*Filter{g.Filter})}
	if req.Start {
		res.Warnings = g.Warnings
		if res.GlobalBPF, res.GlobalLayout, err = g.Filter.BPFChosen(trap); err != nil {
			return &Result{Err: fmt.Errorf("could not build the global filter: %w", err)}
		}
	}
	for _, target := range req.Targets {
		res.Targets = append(res.Targets, compileTarget(g, target, t, trap))
	}
	return res
}

// compileTarget builds a target's session filter or, when the target
// carries set_client_filter calls, the filter of the newest call; the rows
// describe the whole stack.
func compileTarget(g *Global, target guc.Target, t *Table, trap *Trap) TargetResult {
	s, err := BuildSession(g, target, t)
	if err != nil {
		return TargetResult{Err: err}
	}
	newest, stack, warnings := s.Filter, s.Stack, s.Warnings()
	for _, c := range target.Clients {
		// Only the newest call's warnings are news to its caller.
		if newest, warnings, err = BuildClient(g, s, c, t); err != nil {
			return TargetResult{Err: err}
		}
		stack = append(stack, newest)
	}
	tr := TargetResult{Rows: Describe(stack), Warnings: warnings, Lint: Lint(g, s, t)}
	switch {
	case newest == nil:
	case len(target.Clients) > 0:
		// Built for one caller, which attaches it once: checking and
		// costing a tree would take longer than the tree saves.
		tr.BPF, err = newest.BPFLayout(trap.On(g.Filter), Linear)
	default:
		// Attached by every connection: the cheaper layout.
		tr.BPF, tr.Layout, err = newest.BPFChosen(trap.On(g.Filter))
	}
	if err != nil {
		return TargetResult{Err: fmt.Errorf("could not build the filter: %w", err)}
	}
	return tr
}

// FormatRows renders rows as the C layer reads them: one line per row,
// "syscall TAB number TAB source->action".
func FormatRows(rows []Row, t *Table) string {
	var b strings.Builder
	for _, r := range rows {
		name := "<default>"
		if r.Nr != DefaultNr {
			if name = t.Name(r.Nr); name == "" {
				name = fmt.Sprintf("syscall_%d", r.Nr)
			}
		}
		fmt.Fprintf(&b, "%s\t%d\t%s->%s\n", name, r.Nr, r.Source, r.ActionText())
	}
	return b.String()
}

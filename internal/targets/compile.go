package targets

import (
	"fmt"

	"github.com/pgseccomp/pgseccomp/internal/bpf"
	"github.com/pgseccomp/pgseccomp/internal/names"
	"github.com/pgseccomp/pgseccomp/internal/policy"
	"github.com/pgseccomp/pgseccomp/internal/settings"
)

// TargetResult is one target's session filter and description, or why it
// could not be built.
type TargetResult struct {
	BPF      []byte // nil when no second filter is needed
	Layout   bpf.Layout
	Rows     []policy.Row
	Warnings []settings.Warning
	Lint     []policy.Issue // of the global and session settings
	Err      error
}

// Result answers one request from the C layer.
type Result struct {
	Err          error // the global settings are bad: nothing else is set
	GlobalBPF    []byte
	GlobalLayout bpf.Layout
	GlobalRows   []policy.Row
	Warnings     []settings.Warning
	Targets      []TargetResult
}

// Build validates every setting of the request and builds each target's
// filter; at start, also the global filter's program.
func Build(req *Request, t *names.Table) *Result {
	g, err := BuildGlobal(req.Global, t, policy.SelfNeeds)
	if err != nil {
		return &Result{Err: err}
	}
	g.IOMethod = req.IOMethod
	if err := policy.CheckIOUring(g.IOMethod, g.Policy, t); err != nil {
		return &Result{Err: err}
	}
	ranges, err := bpf.ParseRanges(req.Trap)
	if err != nil {
		return &Result{Err: err}
	}
	trap := bpf.NewTrap(ranges, t)
	res := &Result{GlobalRows: policy.Describe([]*policy.Filter{g.Filter})}
	if req.Start {
		res.Warnings = g.Warnings
		if res.GlobalBPF, res.GlobalLayout, err = bpf.EmitChosen(g.Filter, trap); err != nil {
			return &Result{Err: fmt.Errorf("could not build the global filter: %w", err)}
		}
	}
	for i, target := range req.Targets {
		tt := trap
		if i < len(req.Learned) && len(req.Learned[i]) > 0 {
			tt = trap.Learned(req.Learned[i])
		}
		res.Targets = append(res.Targets, compileTarget(g, target, t, tt))
	}
	return res
}

// compileTarget builds a target's session filter or, when the target
// carries set_client_filter calls, the filter of the newest call; the rows
// describe the whole stack.
func compileTarget(g *Global, target settings.Target, t *names.Table, trap *bpf.Trap) TargetResult {
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
	tr := TargetResult{Rows: policy.Describe(stack), Warnings: warnings, Lint: policy.Lint(g.Policy, g.Filter, g.Warnings, g.IOMethod, s.Policy, t)}
	switch {
	case newest == nil:
	case len(target.Clients) > 0:
		// Built for one caller, which attaches it once: checking and
		// costing a tree would take longer than the tree saves.
		tr.BPF, err = bpf.EmitLayout(newest, trap.On(g.Filter), bpf.Linear)
	default:
		// Attached by every connection: the cheaper layout.
		tr.BPF, tr.Layout, err = bpf.EmitChosen(newest, trap.On(g.Filter))
	}
	if err != nil {
		return TargetResult{Err: fmt.Errorf("could not build the filter: %w", err)}
	}
	return tr
}

// Request is a decoded request.
type Request struct {
	Start    bool
	Trap     string
	IOMethod string // the server's io_method, "" where there is none
	Global   settings.Level
	Targets  []settings.Target
	// Learned holds, per target, the syscalls its session level already
	// learned: a learning filter allows them without a trap (bpf.Trap.Learned).
	Learned [][]int32
	Suggest *Suggestion // a "[suggest]" request: lines, not filters
}

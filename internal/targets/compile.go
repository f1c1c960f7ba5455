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
	// Stricter has one character per target of the request, in its
	// order: '1' where that target's sessions are at least as strict as
	// this one's, '0' where they are looser, '?' where either failed.
	// Empty when the request carries set_client_filter calls.
	Stricter string
	stack    []*policy.Filter // what its sessions install, global first
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
	g.Scope = req.Scope
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
	compareLogins(req.Targets, res.Targets, t)
	return res
}

// compareLogins fills each target's Stricter, and adds to the lint the
// login filters (the session's and the listed roles') that are looser
// than another: c/roles.c refuses the commands by which a session would
// become a role of a looser one, looking up only Stricter. Only a request
// of the stored targets has them all; one that carries set_client_filter
// calls is one session's.
func compareLogins(targets []settings.Target, results []TargetResult, t *names.Table) {
	var logins []policy.Login
	for i, target := range targets {
		if len(target.Clients) > 0 {
			return
		}
		if target.Type == "" {
			logins = append(logins, policy.Login{Role: target.Role, Stack: results[i].stack})
		}
	}
	for i := range results {
		if results[i].stack == nil {
			continue
		}
		b := make([]byte, len(results))
		for j := range results {
			b[j] = '?'
			if results[j].stack != nil {
				b[j] = '1'
				if _, looser := policy.LooserAt(results[j].stack, results[i].stack); looser {
					b[j] = '0'
				}
			}
		}
		results[i].Stricter = string(b)
	}
	// seccomp_lint() shows every target's lint: these concern them all, so
	// they go with one of them, the session filter's when it compiled.
	issues := policy.RoleIssues(logins, t)
	home := -1
	for i, target := range targets {
		if results[i].Err == nil && (home < 0 || target.Role == "" && target.Type == "") {
			home = i
		}
		if home == i && target.Role == "" && target.Type == "" {
			break
		}
	}
	if home >= 0 {
		results[home].Lint = append(results[home].Lint, issues...)
	}
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
	tr := TargetResult{Rows: policy.Describe(stack), Warnings: warnings, Lint: lintOf(g, s, target, stack, t), stack: stack}
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

// lintOf is the lint of the global settings and of one target's, whose
// rows name the target: "session" for the session filter, "role NAME" for
// a role's override and "type KEY" for a backend type's, so that
// seccomp_lint() can show every target of the cluster side by side.
func lintOf(g *Global, s *Session, target settings.Target, stack []*policy.Filter, t *names.Table) []policy.Issue {
	issues := append(policy.Lint(g.Policy, g.Filter, g.Warnings, g.IOMethod, s.Policy, t),
		policy.ScopeIssues(g.Scope, stack, t)...)
	context := TargetContext(target)
	for i := range issues {
		if issues[i].Context == "session" {
			issues[i].Context = context
		}
	}
	return issues
}

// TargetContext names a target in seccomp_lint()'s context column.
func TargetContext(target settings.Target) string {
	switch {
	case target.Role != "":
		return "role " + target.Role
	case target.Type != "":
		return "type " + target.Type
	}
	return "session"
}

// Request is a decoded request.
type Request struct {
	Start    bool
	Trap     string
	IOMethod string // the server's io_method, "" where there is none
	Scope    string // "landlock N" or "none" (policy.ScopeIssues); "" if not told
	Global   settings.Level
	Targets  []settings.Target
	// Learned holds, per target, the syscalls its session level already
	// learned: a learning filter allows them without a trap (bpf.Trap.Learned).
	Learned [][]int32
	Suggest *Suggestion // a "[suggest]" request: lines, not filters
}

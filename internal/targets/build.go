package targets

import (
	"fmt"

	"github.com/pgseccomp/pgseccomp/internal/names"
	"github.com/pgseccomp/pgseccomp/internal/policy"
	"github.com/pgseccomp/pgseccomp/internal/settings"
)

// Global is the global level's result: the filter the postmaster installs,
// its parsed lists for "*", and warnings for the log.
type Global struct {
	Filter   *policy.Filter
	Policy   *policy.Policy
	Lists    *policy.GlobalLists
	Warnings []settings.Warning
	IOMethod string // the server's io_method, "" where there is none
	Scope    string // how processes are scoped (policy.ScopeIssues), "" if not told
}

// BuildGlobal validates the global settings and builds the global filter.
// Syscalls that pgseccomp needs after start (to fork its compile helper)
// are allowed with source "pgseccomp" when the global settings would deny
// or log them without naming them; a setting that names one to deny it is
// kept, with a warning.
func BuildGlobal(l settings.Level, r names.Resolver, needs []string) (*Global, error) {
	spec := policy.GlobalSpec(l)
	lists, err := policy.ParseGlobalLists(l, r)
	if err != nil {
		return nil, err
	}
	pol, err := policy.Compile(spec, nil, r)
	if err != nil {
		return nil, err
	}
	g := &Global{Filter: policy.FromPolicy(pol, policy.SourceGlobal), Policy: pol, Lists: lists, Warnings: pol.Warnings}
	for _, name := range needs {
		nr, ok := r.Number(name)
		if !ok {
			continue // not on this architecture
		}
		if rule, named := pol.Rules[nr]; named {
			switch {
			case rule.ImpliedBy == "clone" && name == "clone3":
				// ENOSYS: glibc falls back to clone, which is enough.
			case rule.Action >= settings.Error:
				how := ""
				if rule.ImpliedBy != "" {
					how = fmt.Sprintf(" (as a sibling of \"%s\")", rule.ImpliedBy)
				}
				g.Warnings = append(g.Warnings, settings.Warning{
					Message: fmt.Sprintf("parameter \"%s\" denies syscall \"%s\"%s, which pgseccomp needs after start", rule.Setting, name, how),
					Detail:  "Session filters cannot be rebuilt after a reload, and set_client_filter will fail.",
				})
			}
			continue
		}
		if pol.Default != settings.Allow {
			g.Filter.Rules[nr] = policy.Decision{Action: settings.Allow, Source: policy.SourceSelf, Named: true}
		}
	}
	return g, nil
}

// Session is a target's result: the filter a client backend installs after
// authentication, or none when its settings equal the global ones.
type Session struct {
	Filter *policy.Filter // nil: no second filter is needed
	Stack  []*policy.Filter
	Policy *policy.Policy
}

// Warnings are the session level's.
func (s *Session) Warnings() []settings.Warning { return s.Policy.Warnings }

// BuildSession validates a target's session (or role) settings and builds
// its filter. As in the original, no filter is built when it would decide
// every syscall as the global filter does. With io_method = io_uring, a
// level that denies what io_uring can do is refused (policy.CheckIOUring).
func BuildSession(g *Global, t settings.Target, r names.Resolver) (*Session, error) {
	pol, err := policy.Compile(policy.TargetSpec(t), g.Lists, r)
	if err != nil {
		return nil, err
	}
	if err := policy.CheckIOUring(g.IOMethod, pol, r); err != nil {
		return nil, err
	}
	f := policy.FromPolicy(pol, policy.SourceSession)
	// Compare with the global filter, not the global settings: the filter
	// also allows what pgseccomp needs, which sessions must not inherit.
	// A learning session level needs its own filter, to learn on its own.
	if f.SameDecisions(g.Filter) && pol.Default != settings.Learn {
		return &Session{Stack: []*policy.Filter{g.Filter}, Policy: pol}, nil
	}
	return &Session{Filter: f, Stack: []*policy.Filter{g.Filter, f}, Policy: pol}, nil
}

// BuildClient builds the filter of a set_client_filter call, on top of a
// session and the client filters its earlier calls loaded. NULL arguments
// take the session's decisions, not the earlier calls': the kernel stacks
// every filter anyway, so the result is never looser than any of them.
//
// Two limits protect the rest of the cluster from whoever may call it: the
// client level never kills (kill acts as error; see NoKill), and never
// denies what a backend needs to report an error and exit (see
// ClientFloor). With io_method = io_uring, it refuses what
// policy.CheckIOUring refuses, as BuildSession does.
func BuildClient(g *Global, s *Session, c settings.Client, r names.Resolver) (*policy.Filter, []settings.Warning, error) {
	pol, err := policy.Compile(policy.ClientSpec(c, s.Policy), g.Lists, r)
	if err != nil {
		return nil, nil, err
	}
	if pol.Default == settings.Learn {
		return nil, nil, settings.Invalid(settings.ClientDefaultName, "learn",
			"set_client_filter cannot learn; learning is for the global, session, role and backend-type defaults.")
	}
	if err := policy.CheckIOUring(g.IOMethod, pol, r); err != nil {
		return nil, nil, err
	}
	warnings := append([]settings.Warning(nil), pol.Warnings...)
	warnings = append(warnings, policy.NoKill(pol, c)...)
	f := policy.FromPolicy(pol, policy.SourceClient)
	warnings = append(warnings, policy.KeepFloor(f, pol, r)...)
	return f, warnings, nil
}

package hooks

import (
	"fmt"

	"github.com/pgseccomp/pgseccomp/guc"
)

// Warning is a message for the server log or the client, in PostgreSQL's
// style.
type Warning = guc.Warning

// Global is the global level's result: the filter the postmaster installs,
// its parsed lists for "*", and warnings for the log.
type Global struct {
	Filter   *Filter
	Policy   *guc.Policy
	Lists    *guc.GlobalLists
	Warnings []Warning
}

// BuildGlobal validates the global settings and builds the global filter.
// Syscalls that pgseccomp needs after start (to fork its compile helper)
// are allowed with source "pgseccomp" when the global settings would deny
// or log them without naming them; a setting that names one to deny it is
// kept, with a warning.
func BuildGlobal(l guc.Level, r guc.Resolver, needs []string) (*Global, error) {
	spec := guc.GlobalSpec(l)
	lists, err := guc.ParseGlobalLists(l, r)
	if err != nil {
		return nil, err
	}
	pol, err := guc.Compile(spec, nil, r)
	if err != nil {
		return nil, err
	}
	g := &Global{Filter: FromPolicy(pol, SourceGlobal), Policy: pol, Lists: lists, Warnings: pol.Warnings}
	for _, name := range needs {
		nr, ok := r.Number(name)
		if !ok {
			continue // not on this architecture
		}
		if rule, named := pol.Rules[nr]; named {
			switch {
			case rule.ImpliedBy == "clone" && name == "clone3":
				// ENOSYS: glibc falls back to clone, which is enough.
			case rule.Action >= guc.Error:
				how := ""
				if rule.ImpliedBy != "" {
					how = fmt.Sprintf(" (as a sibling of \"%s\")", rule.ImpliedBy)
				}
				g.Warnings = append(g.Warnings, Warning{
					Message: fmt.Sprintf("parameter \"%s\" denies syscall \"%s\"%s, which pgseccomp needs after start", rule.Setting, name, how),
					Detail:  "Session filters cannot be rebuilt after a reload, and set_client_filter will fail.",
				})
			}
			continue
		}
		if pol.Default != guc.Allow {
			g.Filter.Rules[nr] = Decision{Action: guc.Allow, Source: SourceSelf, Named: true}
		}
	}
	return g, nil
}

// Session is a target's result: the filter a client backend installs after
// authentication, or none when its settings equal the global ones.
type Session struct {
	Filter *Filter // nil: no second filter is needed
	Stack  []*Filter
	Policy *guc.Policy
}

// Warnings are the session level's.
func (s *Session) Warnings() []Warning { return s.Policy.Warnings }

// BuildSession validates a target's session (or role) settings and builds
// its filter. As in the original, no filter is built when it would decide
// every syscall as the global filter does.
func BuildSession(g *Global, t guc.Target, r guc.Resolver) (*Session, error) {
	pol, err := guc.Compile(guc.TargetSpec(t), g.Lists, r)
	if err != nil {
		return nil, err
	}
	f := FromPolicy(pol, SourceSession)
	// Compare with the global filter, not the global settings: the filter
	// also allows what pgseccomp needs, which sessions must not inherit.
	// A learning session level needs its own filter, to learn on its own.
	if f.SameDecisions(g.Filter) && pol.Default != guc.Learn {
		return &Session{Stack: []*Filter{g.Filter}, Policy: pol}, nil
	}
	return &Session{Filter: f, Stack: []*Filter{g.Filter, f}, Policy: pol}, nil
}

// BuildClient builds the filter of a set_client_filter call, on top of a
// session and the client filters its earlier calls loaded. NULL arguments
// take the session's decisions, not the earlier calls': the kernel stacks
// every filter anyway, so the result is never looser than any of them.
//
// Two limits protect the rest of the cluster from whoever may call it: the
// client level never kills (kill acts as error; see noKill), and never
// denies what a backend needs to report an error and exit (see
// ClientFloor).
func BuildClient(g *Global, s *Session, c guc.Client, r guc.Resolver) (*Filter, []Warning, error) {
	pol, err := guc.Compile(guc.ClientSpec(c, s.Policy), g.Lists, r)
	if err != nil {
		return nil, nil, err
	}
	if pol.Default == guc.Learn {
		return nil, nil, guc.Invalid(guc.ClientDefaultName, "learn",
			"set_client_filter cannot learn; learning is for the global, session, role and backend-type defaults.")
	}
	warnings := append([]Warning(nil), pol.Warnings...)
	warnings = append(warnings, noKill(pol, c)...)
	f := FromPolicy(pol, SourceClient)
	warnings = append(warnings, keepFloor(f, pol, r)...)
	return f, warnings, nil
}

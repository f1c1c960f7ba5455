package policy

import (
	"strings"

	"github.com/pgseccomp/pgseccomp/internal/settings"
)

// ClientSpec is the client level's input. A NULL argument takes the
// session's decisions for that action (or its default), "*" takes the
// global list; a syscall the caller names explicitly takes precedence over
// both, and when inherited lists disagree the stricter action wins.
func ClientSpec(c settings.Client, session *Policy) Spec {
	s := Spec{Default: settings.Value{Name: settings.ClientDefaultName, Raw: session.Default.String()}}
	if session.Default == settings.Learn {
		// The session level keeps learning what the client allows.
		s.Default.Raw = settings.Allow.String()
	}
	if c.Default != nil {
		s.Default.Raw = *c.Default
	}
	for _, a := range settings.Actions {
		v := settings.Value{Name: settings.ClientListName(a)}
		switch arg := c.Lists[a]; {
		case arg == nil:
			s.Lists[a] = List{Value: v, Rank: RankInherited, Resolved: true, Calls: decided(session, a)}
		case strings.TrimSpace(*arg) == settings.Inherit:
			v.Raw = *arg
			s.Lists[a] = List{Value: v, Rank: RankInherited}
		default:
			v.Raw = *arg
			s.Lists[a] = List{Value: v, Rank: RankExplicit}
		}
	}
	return s
}

// decided lists the syscalls a policy names with action a. Rules that
// families implied are left out: the client level implies them again from
// what it inherits, and counting them as named would let them imply more.
func decided(p *Policy, a settings.Action) []settings.Syscall {
	var out []settings.Syscall
	for _, nr := range p.Numbers() {
		if r := p.Rules[nr]; r.Action == a && r.ImpliedBy == "" {
			out = append(out, settings.Syscall{Name: r.Name, Nr: nr, Errno: r.Errno})
		}
	}
	return out
}

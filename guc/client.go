package guc

import "strings"

// Client is one call of set_client_filter(default_action, allow_list,
// log_list, error_list, kill_list); a nil argument is SQL NULL.
type Client struct {
	Default *string
	Lists   [4]*string // indexed by Action
}

// Argument names of set_client_filter, used in error messages.
const ClientDefaultName = "default_action"

// ClientListName is the name of the argument that holds action a's list.
func ClientListName(a Action) string { return a.String() + "_list" }

// ClientSpec is the client level's input. A NULL argument takes the
// session's decisions for that action (or its default), "*" takes the
// global list; a syscall the caller names explicitly takes precedence over
// both, and when inherited lists disagree the stricter action wins.
func ClientSpec(c Client, session *Policy) Spec {
	s := Spec{Default: Value{Name: ClientDefaultName, Raw: session.Default.String()}}
	if session.Default == Learn {
		// The session level keeps learning what the client allows.
		s.Default.Raw = Allow.String()
	}
	if c.Default != nil {
		s.Default.Raw = *c.Default
	}
	for _, a := range Actions {
		v := Value{Name: ClientListName(a)}
		switch arg := c.Lists[a]; {
		case arg == nil:
			s.Lists[a] = List{Value: v, Rank: RankInherited, Resolved: true, Calls: decided(session, a)}
		case strings.TrimSpace(*arg) == Inherit:
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
func decided(p *Policy, a Action) []Syscall {
	var out []Syscall
	for _, nr := range p.Numbers() {
		if r := p.Rules[nr]; r.Action == a && r.ImpliedBy == "" {
			out = append(out, Syscall{Name: r.Name, Nr: nr, Errno: r.Errno})
		}
	}
	return out
}

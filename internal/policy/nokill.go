package policy

import "github.com/pgseccomp/pgseccomp/internal/settings"

// NoKill turns every kill of a client level into an error (EACCES). A
// backend killed by SIGSYS dies without releasing shared memory, so the
// postmaster restarts every session of the cluster: a user who may call
// set_client_filter must not be able to do that to everyone else. The
// kernel still kills where the global or session filter says so.
//
// It warns only when the caller's own arguments asked for kill (the
// default_action or a kill_list other than "*"): kill decisions taken
// over from the session or the global list still kill through the filters
// that made them, so nothing the caller asked for is lost there.
func NoKill(p *Policy, c settings.Client) []settings.Warning {
	asked := false
	if p.Default == settings.Kill {
		p.Default = settings.Error
		asked = c.Default != nil
	}
	for nr, rule := range p.Rules {
		if rule.Action != settings.Kill {
			continue
		}
		rule.Action, rule.Errno = settings.Error, 0
		p.Rules[nr] = rule
		asked = asked || rule.Rank == RankExplicit
	}
	for nr, rules := range p.ArgRules {
		for i, rule := range rules {
			if rule.Action == settings.Kill {
				p.ArgRules[nr][i].Action, p.ArgRules[nr][i].Errno = settings.Error, 0
				asked = asked || rule.Rank == RankExplicit
			}
		}
	}
	if !asked {
		return nil
	}
	return []settings.Warning{{
		Message: `set_client_filter cannot kill: "kill" acts as "error"`,
		Detail:  "A backend killed by a filter makes PostgreSQL restart every session of the cluster.",
	}}
}

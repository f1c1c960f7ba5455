package policy

import (
	"syscall"

	"github.com/pgseccomp/pgseccomp/internal/names"
	"github.com/pgseccomp/pgseccomp/internal/settings"
)

// cohere makes a level's policy coherent across families; see families.
// It also closes io_uring where the level denies what io_uring can do (see
// ioUringOps), and makes clone3 fail with ENOSYS where clone is restricted
// or the default denies it, unless clone3 is named: glibc then falls back
// to clone, whose flags a filter can see (clone3 passes them in memory).
//
// A sibling that the level names only through a less direct list (an
// inherited "*", or a role's or backend type's fallback to the session
// value) with a weaker action gets the denying rule's action too: a
// session that denies readlink but inherits @system-service from the
// global allow list means to deny readlinkat as well, not to keep the
// side door the global list happened to open.
func cohere(p *Policy, r names.Resolver) {
	named := p.Numbers() // sorted, so that the result does not depend on map order
	own := make(map[int32]Rule, len(named))
	for _, nr := range named {
		own[nr] = p.Rules[nr]
	}
	for _, nr := range named {
		rule := own[nr] // only the level's own rules imply: no chains
		if rule.Action == settings.Allow || names.Opaque(rule.Name) {
			// Denying an opaque syscall (clone3) is how a filter makes
			// libc fall back to one it can check: no sibling follows.
			continue
		}
		for _, s := range names.Siblings(rule.Name) {
			if snr, ok := r.Number(s); ok {
				if !names.Opaque(s) {
					imply(p, own, rule, snr, s)
				} else if rule.Action >= settings.Error {
					imply(p, own, opaqueRule(rule, s), snr, s)
				}
			}
		}
		for _, a := range names.ArgSiblings(rule.Name) {
			if snr, ok := r.Number(a.Name); ok {
				if !a.Cond.Opaque {
					implyArg(p, own, rule, snr, a)
				} else if rule.Action >= settings.Error {
					imply(p, own, opaqueRule(rule, a.Name), snr, a.Name)
				}
			}
		}
	}
	closeIOUring(p, own, r)
	c3, ok3 := r.Number("clone3")
	c, okc := r.Number("clone")
	if _, named := own[c3]; !ok3 || !okc || named {
		return
	}
	clone, setting := p.Default, p.DefaultSetting
	if rule, ok := p.Rules[c]; ok {
		clone = rule.Action
		if clone == settings.Error || clone == settings.Kill {
			setting = rule.Setting // else the default is what denies clone3
		}
	}
	// A learning default denies nothing.
	if clone == settings.Error || clone == settings.Kill || p.Default == settings.Error || p.Default == settings.Kill {
		p.Rules[c3] = Rule{Action: settings.Error, Errno: syscall.ENOSYS, Setting: setting,
			Name: "clone3", ImpliedBy: "clone", Rank: RankExplicit}
	}
}

// opaqueRule is the rule a denial implies for a sibling that passes what
// makes it one in memory (clone3's flags): ENOSYS, so that glibc falls
// back to a syscall the filter can check. A log rule implies nothing.
func opaqueRule(rule Rule, name string) Rule {
	rule.Action, rule.Errno = settings.Error, syscall.ENOSYS
	return rule
}

// implyArg gives syscall nr the action of rule for the calls whose
// arguments meet a's condition, unless the level decides nr at least as
// strictly for every call. An allow rule for nr does not stop it: the
// level allowed nr for its own job, not for the one rule denies.
func implyArg(p *Policy, own map[int32]Rule, rule Rule, nr int32, a names.ArgSibling) {
	if o, named := p.Rules[nr]; named && o.Action.Precedence() >= rule.Action.Precedence() {
		return
	}
	for i, prev := range p.ArgRules[nr] {
		if prev.Cond.String() == a.Cond.String() {
			if prev.Action.Precedence() < rule.Action.Precedence() {
				p.ArgRules[nr][i].Rule = implied(rule, a.Name)
			}
			return
		}
	}
	p.ArgRules[nr] = append(p.ArgRules[nr], ArgRule{Rule: implied(rule, a.Name), Cond: a.Cond})
}

// implied is rule as it extends to syscall name.
func implied(rule Rule, name string) Rule {
	return Rule{Action: rule.Action, Errno: rule.Errno, Setting: rule.Setting,
		Name: name, ImpliedBy: rule.Name, Rank: rule.Rank}
}

// imply gives syscall nr (called name) the action of rule, which it could
// stand in for, unless the level decides nr itself at least as strictly or
// through a list at least as direct as rule's, or another implied rule
// already decides it at least as strictly.
func imply(p *Policy, own map[int32]Rule, rule Rule, nr int32, name string) {
	if o, named := own[nr]; named && (o.Rank >= rule.Rank || o.Action >= rule.Action) {
		return
	}
	if prev, done := p.Rules[nr]; done && prev.Action >= rule.Action {
		return
	}
	p.Rules[nr] = implied(rule, name)
}

// closeIOUring denies the io_uring syscalls where a level denies (error or
// kill, by its own rule or by a family's) something io_uring can do. The
// strictest such rule decides, the lowest-numbered among equals; the
// io_uring syscalls it is imposed on follow imply's rules, so a level that
// names them keeps its own decision.
func closeIOUring(p *Policy, own map[int32]Rule, r names.Resolver) {
	var cause Rule
	found := false
	for _, nr := range p.Numbers() {
		if rule := p.Rules[nr]; rule.Action >= settings.Error && names.IOUringOp(rule.Name) && (!found || rule.Action > cause.Action) {
			cause, found = rule, true
		}
	}
	if !found {
		return
	}
	for _, name := range names.IOUringCalls() {
		if nr, ok := r.Number(name); ok {
			imply(p, own, cause, nr, name)
		}
	}
}

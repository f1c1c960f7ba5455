package policy

import (
	"fmt"
	"sort"
	"strings"
	"syscall"

	"github.com/pgseccomp/pgseccomp/internal/names"
	"github.com/pgseccomp/pgseccomp/internal/settings"
)

// Rule is the decision one level makes for one syscall, with the setting it
// came from.
type Rule struct {
	Action    settings.Action
	Errno     syscall.Errno // for Error; 0 means DefaultErrno
	Setting   string
	Name      string
	ImpliedBy string // set when the rule extends a sibling's; see families
	// Rank is how directly the list that holds the rule was given (for
	// an implied rule: the rule that implies it). A denying rule replaces
	// a weaker sibling rule that only a less direct list gives, so that a
	// "*" cannot bring back what a level's own list closes; see cohere.
	Rank Rank
}

// Policy is one level's decisions: a default and per-syscall rules, and
// what to tell the DBA about them.
type Policy struct {
	Default        settings.Action
	DefaultSetting string
	Rules          map[int32]Rule
	// ArgRules are the rules that decide a syscall only for some of its
	// arguments: the argument-level siblings of denied jobs (see
	// names.ArgSibling). Rules (or the default) decide the other calls.
	ArgRules map[int32][]ArgRule
	Warnings []settings.Warning
}

// ArgRule is a rule for the calls of a syscall whose arguments meet Cond.
type ArgRule struct {
	Rule
	Cond names.Cond
}

// Numbers returns the syscalls the policy names, in ascending order.
func (p *Policy) Numbers() []int32 {
	out := make([]int32, 0, len(p.Rules))
	for nr := range p.Rules {
		out = append(out, nr)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// Rank says how directly a list was given. When two lists of a level name
// the same syscall, the more direct one wins; two lists of the same rank
// naming it are a conflict.
type Rank int

const (
	RankInherited Rank = iota // "*": the global list
	RankFallback              // a role or backend type without this override: the session value
	RankExplicit              // set at this level
)

// List is one list setting as it applies at a level. A list taken over
// from another level's decisions comes already resolved, in Calls.
type List struct {
	Value    settings.Value
	Rank     Rank
	Resolved bool
	Calls    []settings.Syscall
}

// Spec is the input of one level: its default and four lists.
type Spec struct {
	Default settings.Value
	Lists   [4]List
}

// GlobalSpec is the global level's input; "*" has no meaning there.
func GlobalSpec(l settings.Level) Spec {
	s := Spec{Default: l.Default}
	for _, a := range settings.Actions {
		s.Lists[a] = List{Value: l.Lists[a], Rank: RankExplicit}
	}
	return s
}

// TargetSpec is the session level's input for a target, with role or
// backend-type overrides applied and each list ranked.
func TargetSpec(t settings.Target) Spec {
	eff := t.Effective()
	s := Spec{Default: eff.Default}
	for _, a := range settings.Actions {
		rank := RankExplicit
		if _, ok := t.Overrides[settings.ListField(a)]; t.OverrideName(settings.ListField(a)) != "" && !ok {
			rank = RankFallback
		}
		if strings.TrimSpace(eff.Lists[a].Raw) == settings.Inherit {
			rank = RankInherited
		}
		s.Lists[a] = List{Value: eff.Lists[a], Rank: rank}
	}
	return s
}

// Compile validates a level's settings and turns them into a Policy. A list
// "*" takes the list of the same action from global, which must be non-nil
// for it to be allowed.
func Compile(s Spec, global *GlobalLists, r names.Resolver) (*Policy, error) {
	def, err := settings.ParseDefault(s.Default)
	if err != nil {
		return nil, err
	}
	p := &Policy{Default: def, DefaultSetting: s.Default.Name, Rules: map[int32]Rule{}, ArgRules: map[int32][]ArgRule{}}
	ranks := map[int32]Rank{}
	for _, a := range settings.Actions {
		l := s.Lists[a]
		calls := l.Calls
		if l.Resolved {
			// taken over as they are
		} else if strings.TrimSpace(l.Value.Raw) == settings.Inherit {
			if global == nil {
				return nil, settings.Invalid(l.Value.Name, settings.Inherit, "\"*\" means the global list and is only valid for session settings.")
			}
			calls = global[a]
		} else {
			var warnings []settings.Warning
			if calls, warnings, err = settings.ParseList(l.Value, a, r); err != nil {
				return nil, err
			}
			p.Warnings = append(p.Warnings, warnings...)
		}
		for _, c := range calls {
			prev, seen := p.Rules[c.Nr]
			switch {
			case !seen || l.Rank > ranks[c.Nr]:
				p.Rules[c.Nr] = Rule{Action: a, Errno: c.Errno, Setting: l.Value.Name, Name: c.Name, Rank: l.Rank}
				ranks[c.Nr] = l.Rank
			case l.Rank == ranks[c.Nr] && prev.Action != a && l.Rank == RankInherited:
				// Two inherited lists disagree: the stricter one wins,
				// so that inheriting never loosens.
				if a > prev.Action {
					p.Rules[c.Nr] = Rule{Action: a, Errno: c.Errno, Setting: l.Value.Name, Name: c.Name, Rank: l.Rank}
				}
			case l.Rank == ranks[c.Nr] && prev.Action == a && prev.Errno != c.Errno:
				// "@group, name:ERRNO" gives one member its own errno;
				// two different errnos for one syscall are ambiguous.
				if prev.Errno != 0 && c.Errno != 0 {
					return nil, settings.Invalid(l.Value.Name, c.Name, fmt.Sprintf(
						"Syscall \"%s\" is listed twice with different errnos.", c.Name))
				}
				if c.Errno != 0 {
					p.Rules[c.Nr] = Rule{Action: a, Errno: c.Errno, Setting: l.Value.Name, Name: c.Name, Rank: l.Rank}
				}
			case l.Rank == ranks[c.Nr] && prev.Action != a:
				e := settings.Invalid(l.Value.Name, c.Name, fmt.Sprintf("Syscall \"%s\" is also listed in \"%s\".", c.Name, prev.Setting))
				e.Hint = "Name each syscall in at most one list of a level."
				return nil, e
			}
		}
	}
	cohere(p, r)
	return p, nil
}

// GlobalLists is the parsed global lists, indexed by action, for "*".
type GlobalLists [4][]settings.Syscall

// ParseGlobalLists parses the global lists for use by "*".
func ParseGlobalLists(l settings.Level, r names.Resolver) (*GlobalLists, error) {
	var g GlobalLists
	for _, a := range settings.Actions {
		if strings.TrimSpace(l.Lists[a].Raw) == settings.Inherit {
			return nil, settings.Invalid(l.Lists[a].Name, settings.Inherit, "\"*\" means the global list and is only valid for session settings.")
		}
		calls, _, err := settings.ParseList(l.Lists[a], a, r)
		if err != nil {
			return nil, err
		}
		g[a] = calls
	}
	return &g, nil
}

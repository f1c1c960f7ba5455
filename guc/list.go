package guc

import (
	"fmt"
	"sort"
	"strings"
)

// Resolver maps syscall names to numbers on the native architecture. The
// policy code gets one from libseccomp; tests use a table.
type Resolver interface {
	Number(name string) (int32, bool)
}

// SettingError is a bad setting value, reported in PostgreSQL's style: Message is
// the primary message, Detail and Hint are full sentences.
type SettingError struct {
	Setting string
	Token   string
	Message string
	Detail  string
	Hint    string
}

func (e *SettingError) Error() string {
	s := e.Message
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

func invalid(setting, token, detail string) *SettingError {
	return &SettingError{
		Setting: setting,
		Token:   token,
		Message: fmt.Sprintf("invalid value for parameter \"%s\"", setting),
		Detail:  detail,
	}
}

// SplitList splits a comma-separated list. Blanks around items are dropped,
// an item may be double-quoted, unquoted items are folded to lower case (as
// PostgreSQL's SplitIdentifierString does). An empty or all-blank value is
// the empty list; an empty item anywhere else is malformed.
func SplitList(raw string) ([]string, error) {
	if strings.TrimSpace(raw) == "" {
		return nil, nil
	}
	var items []string
	for i, part := range strings.Split(raw, ",") {
		item := strings.TrimSpace(part)
		switch {
		case item == "":
			return nil, fmt.Errorf("item %d of the list is empty", i+1)
		case item[0] == '"':
			if len(item) < 3 || item[len(item)-1] != '"' || strings.Contains(item[1:len(item)-1], "\"") {
				return nil, fmt.Errorf("item %s has unbalanced quotes", item)
			}
			item = item[1 : len(item)-1]
		default:
			item = strings.ToLower(item)
		}
		items = append(items, item)
	}
	return items, nil
}

// Syscall is one resolved list item.
type Syscall struct {
	Name string
	Nr   int32
}

// ParseList parses one list setting into syscalls. The value "*" is not a
// list; callers handle inheritance before calling this.
func ParseList(v Value, r Resolver) ([]Syscall, error) {
	items, err := SplitList(v.Raw)
	if err != nil {
		return nil, invalid(v.Name, v.Raw, fmt.Sprintf("List syntax is invalid: %s.", err))
	}
	out := make([]Syscall, 0, len(items))
	for _, item := range items {
		if item == Inherit {
			return nil, invalid(v.Name, item, "\"*\" must be the whole value, meaning the global list.")
		}
		nr, ok := r.Number(item)
		if !ok {
			return nil, invalid(v.Name, item, fmt.Sprintf("Syscall \"%s\" is unknown on this architecture.", item))
		}
		out = append(out, Syscall{Name: item, Nr: nr})
	}
	return out, nil
}

// ParseDefault parses a default-action setting.
func ParseDefault(v Value) (Action, error) {
	a, ok := ParseAction(v.Raw)
	if !ok {
		e := invalid(v.Name, v.Raw, fmt.Sprintf("Action \"%s\" is unknown.", strings.TrimSpace(v.Raw)))
		e.Hint = "Available values: allow, log, error, kill."
		return 0, e
	}
	return a, nil
}

// Rule is the decision one level makes for one syscall, with the setting it
// came from.
type Rule struct {
	Action  Action
	Setting string
	Name    string
}

// Policy is one level's decisions: a default and per-syscall rules.
type Policy struct {
	Default        Action
	DefaultSetting string
	Rules          map[int32]Rule
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
	RankFallback              // a role without this override: the session value
	RankExplicit              // set at this level
)

// List is one list setting as it applies at a level. A list taken over
// from another level's decisions comes already resolved, in Calls.
type List struct {
	Value    Value
	Rank     Rank
	Resolved bool
	Calls    []Syscall
}

// Spec is the input of one level: its default and four lists.
type Spec struct {
	Default Value
	Lists   [4]List
}

// GlobalSpec is the global level's input; "*" has no meaning there.
func GlobalSpec(l Level) Spec {
	s := Spec{Default: l.Default}
	for _, a := range Actions {
		s.Lists[a] = List{Value: l.Lists[a], Rank: RankExplicit}
	}
	return s
}

// TargetSpec is the session level's input for a target, with role
// overrides applied and each list ranked.
func TargetSpec(t Target) Spec {
	eff := t.Effective()
	s := Spec{Default: eff.Default}
	for _, a := range Actions {
		rank := RankExplicit
		if _, ok := t.Overrides[ListField(a)]; t.Role != "" && !ok {
			rank = RankFallback
		}
		if strings.TrimSpace(eff.Lists[a].Raw) == Inherit {
			rank = RankInherited
		}
		s.Lists[a] = List{Value: eff.Lists[a], Rank: rank}
	}
	return s
}

// Compile validates a level's settings and turns them into a Policy. A list
// "*" takes the list of the same action from global, which must be non-nil
// for it to be allowed.
func Compile(s Spec, global *GlobalLists, r Resolver) (*Policy, error) {
	def, err := ParseDefault(s.Default)
	if err != nil {
		return nil, err
	}
	p := &Policy{Default: def, DefaultSetting: s.Default.Name, Rules: map[int32]Rule{}}
	ranks := map[int32]Rank{}
	for _, a := range Actions {
		l := s.Lists[a]
		calls := l.Calls
		if l.Resolved {
			// taken over as they are
		} else if strings.TrimSpace(l.Value.Raw) == Inherit {
			if global == nil {
				return nil, invalid(l.Value.Name, Inherit, "\"*\" means the global list and is only valid for session settings.")
			}
			calls = global[a]
		} else if calls, err = ParseList(l.Value, r); err != nil {
			return nil, err
		}
		for _, c := range calls {
			prev, seen := p.Rules[c.Nr]
			switch {
			case !seen || l.Rank > ranks[c.Nr]:
				p.Rules[c.Nr] = Rule{Action: a, Setting: l.Value.Name, Name: c.Name}
				ranks[c.Nr] = l.Rank
			case l.Rank == ranks[c.Nr] && prev.Action != a && l.Rank == RankInherited:
				// Two inherited lists disagree: the stricter one wins,
				// so that inheriting never loosens.
				if a > prev.Action {
					p.Rules[c.Nr] = Rule{Action: a, Setting: l.Value.Name, Name: c.Name}
				}
			case l.Rank == ranks[c.Nr] && prev.Action != a:
				e := invalid(l.Value.Name, c.Name, fmt.Sprintf("Syscall \"%s\" is also listed in \"%s\".", c.Name, prev.Setting))
				e.Hint = "Name each syscall in at most one list of a level."
				return nil, e
			}
		}
	}
	return p, nil
}

// GlobalLists is the parsed global lists, indexed by action, for "*".
type GlobalLists [4][]Syscall

// ParseGlobalLists parses the global lists for use by "*".
func ParseGlobalLists(l Level, r Resolver) (*GlobalLists, error) {
	var g GlobalLists
	for _, a := range Actions {
		if strings.TrimSpace(l.Lists[a].Raw) == Inherit {
			return nil, invalid(l.Lists[a].Name, Inherit, "\"*\" means the global list and is only valid for session settings.")
		}
		calls, err := ParseList(l.Lists[a], r)
		if err != nil {
			return nil, err
		}
		g[a] = calls
	}
	return &g, nil
}

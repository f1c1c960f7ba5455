package guc

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"syscall"
)

// Resolver knows the syscalls of the native architecture and the names of
// every other. The policy code gets one from libseccomp; tests use a table.
type Resolver interface {
	// Number is the native number of a syscall name.
	Number(name string) (int32, bool)
	// Name is the native name of a syscall number, or "".
	Name(nr int32) string
	// Foreign tells whether some other architecture has a syscall of
	// that name.
	Foreign(name string) bool
	// Names lists syscall names to suggest for a typo.
	Names() []string
}

// Warning is something to tell the DBA about a setting that is still
// accepted, in PostgreSQL's style.
type Warning struct {
	Message string
	Detail  string
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

// Invalid is the error for a bad token in a setting's value.
func Invalid(setting, token, detail string) *SettingError { return invalid(setting, token, detail) }

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

// Syscall is one resolved list item: a native syscall and, for an error
// rule, the errno it returns (0: DefaultErrno).
type Syscall struct {
	Name  string
	Nr    int32
	Errno syscall.Errno
}

// ParseList parses one list setting of action a into syscalls. An item is
// a syscall name or native number, or an @group, optionally followed by
// ":ERRNO" in an error list. Syscalls that only other architectures have
// are skipped with a warning, so that one configuration serves primaries
// and standbys of different architectures; group members are skipped
// silently. The value "*" is not a list; callers handle inheritance.
func ParseList(v Value, a Action, r Resolver) ([]Syscall, []Warning, error) {
	items, err := SplitList(v.Raw)
	if err != nil {
		return nil, nil, invalid(v.Name, v.Raw, fmt.Sprintf("List syntax is invalid: %s.", err))
	}
	out := make([]Syscall, 0, len(items))
	var warnings []Warning
	for _, item := range items {
		target, errnoName, hasErrno := strings.Cut(item, ":")
		target, errnoName = strings.TrimSpace(target), strings.TrimSpace(errnoName)
		var errno syscall.Errno
		switch {
		case strings.EqualFold(target, "learn") || (hasErrno && strings.EqualFold(errnoName, "learn")):
			e := invalid(v.Name, item, "\"learn\" is an action for a level's default, not for a list.")
			e.Hint = "Set the level's default to 'learn' instead."
			return nil, nil, e
		case target == Inherit:
			return nil, nil, invalid(v.Name, item, "\"*\" must be the whole value, meaning the global list.")
		case hasErrno && a != Error:
			return nil, nil, invalid(v.Name, item, fmt.Sprintf("Only error lists take an errno, as in \"%s\".", target))
		case hasErrno:
			var ok bool
			if errno, ok = ParseErrno(errnoName); !ok {
				errnoName = strings.ToUpper(errnoName)
				e := invalid(v.Name, errnoName, fmt.Sprintf("Errno \"%s\" is unknown.", errnoName))
				e.Hint = "Use a symbolic name such as EPERM or ENOSYS; numbers differ between architectures."
				if guess, ok := closest(errnoName, ErrnoNames()); ok {
					e.Hint = fmt.Sprintf("Did you mean \"%s\"?", guess)
				}
				return nil, nil, e
			}
		}
		calls, warning, err := resolveTarget(v.Name, target, r)
		if err != nil {
			return nil, nil, err
		}
		if warning != nil {
			warnings = append(warnings, *warning)
		}
		for _, c := range calls {
			c.Errno = errno
			out = append(out, c)
		}
	}
	return out, warnings, nil
}

// resolveTarget resolves a name, a number or an @group.
func resolveTarget(setting, target string, r Resolver) ([]Syscall, *Warning, error) {
	if strings.HasPrefix(target, "@") {
		members, ok := GroupMembers(target)
		if !ok {
			return nil, nil, unknown(setting, target, "Group", GroupNames())
		}
		var out []Syscall
		for _, m := range members {
			if nr, ok := r.Number(m); ok {
				out = append(out, Syscall{Name: m, Nr: nr})
			}
		}
		return out, nil, nil
	}
	if target != "" && strings.Trim(target, "0123456789") == "" {
		nr, err := strconv.ParseInt(target, 10, 32)
		name := ""
		if err == nil {
			name = r.Name(int32(nr))
		}
		if name == "" {
			return nil, nil, invalid(setting, target, fmt.Sprintf("There is no syscall number %s on this architecture.", target))
		}
		return []Syscall{{Name: name, Nr: int32(nr)}}, nil, nil
	}
	if nr, ok := r.Number(target); ok {
		return []Syscall{{Name: target, Nr: nr}}, nil, nil
	}
	if r.Foreign(target) {
		return nil, &Warning{
			Message: fmt.Sprintf("parameter \"%s\" names syscall \"%s\", which this architecture does not have", setting, target),
			Detail:  "It is skipped.",
		}, nil
	}
	return nil, nil, unknown(setting, target, "Syscall", append(r.Names(), GroupNames()...))
}

func unknown(setting, token, kind string, candidates []string) *SettingError {
	e := invalid(setting, token, fmt.Sprintf("%s \"%s\" is unknown.", kind, token))
	if guess, ok := closest(token, candidates); ok {
		e.Hint = fmt.Sprintf("Did you mean \"%s\"?", guess)
	}
	return e
}

// ParseDefault parses a default-action setting.
func ParseDefault(v Value) (Action, error) {
	a, ok := ParseAction(v.Raw)
	if !ok {
		e := invalid(v.Name, v.Raw, fmt.Sprintf("Action \"%s\" is unknown.", strings.TrimSpace(v.Raw)))
		e.Hint = "Available values: allow, log, error, kill, learn."
		return 0, e
	}
	return a, nil
}

// Rule is the decision one level makes for one syscall, with the setting it
// came from.
type Rule struct {
	Action    Action
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
	Default        Action
	DefaultSetting string
	Rules          map[int32]Rule
	Warnings       []Warning
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

// TargetSpec is the session level's input for a target, with role or
// backend-type overrides applied and each list ranked.
func TargetSpec(t Target) Spec {
	eff := t.Effective()
	s := Spec{Default: eff.Default}
	for _, a := range Actions {
		rank := RankExplicit
		if _, ok := t.Overrides[ListField(a)]; t.OverrideName(ListField(a)) != "" && !ok {
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
		} else {
			var warnings []Warning
			if calls, warnings, err = ParseList(l.Value, a, r); err != nil {
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
					return nil, invalid(l.Value.Name, c.Name, fmt.Sprintf(
						"Syscall \"%s\" is listed twice with different errnos.", c.Name))
				}
				if c.Errno != 0 {
					p.Rules[c.Nr] = Rule{Action: a, Errno: c.Errno, Setting: l.Value.Name, Name: c.Name, Rank: l.Rank}
				}
			case l.Rank == ranks[c.Nr] && prev.Action != a:
				e := invalid(l.Value.Name, c.Name, fmt.Sprintf("Syscall \"%s\" is also listed in \"%s\".", c.Name, prev.Setting))
				e.Hint = "Name each syscall in at most one list of a level."
				return nil, e
			}
		}
	}
	cohere(p, r)
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
		calls, _, err := ParseList(l.Lists[a], a, r)
		if err != nil {
			return nil, err
		}
		g[a] = calls
	}
	return &g, nil
}

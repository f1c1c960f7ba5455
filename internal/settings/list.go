package settings

import (
	"fmt"
	"strconv"
	"strings"
	"syscall"

	"github.com/pgseccomp/pgseccomp/internal/names"
)

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
func ParseList(v Value, a Action, r names.Resolver) ([]Syscall, []Warning, error) {
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
			if errno, ok = names.ParseErrno(errnoName); !ok {
				errnoName = strings.ToUpper(errnoName)
				e := invalid(v.Name, errnoName, fmt.Sprintf("Errno \"%s\" is unknown.", errnoName))
				e.Hint = "Use a symbolic name such as EPERM or ENOSYS; numbers differ between architectures."
				if guess, ok := closest(errnoName, names.ErrnoNames()); ok {
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
func resolveTarget(setting, target string, r names.Resolver) ([]Syscall, *Warning, error) {
	if strings.HasPrefix(target, "@") {
		members, ok := names.GroupMembers(target)
		if !ok {
			return nil, nil, unknown(setting, target, "Group", names.GroupNames())
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
	return nil, nil, unknown(setting, target, "Syscall", append(r.Names(), names.GroupNames()...))
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

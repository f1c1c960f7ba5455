package settings

import (
	"fmt"
	"strings"
)

// Action is what a filter does with a syscall. Allow through Kill are in
// the kernel's precedence order and index a level's lists; Learn is only a
// default (allow, and record what was allowed), so it comes last and has
// its own place in Precedence.
type Action int

const (
	Allow Action = iota
	Log
	Error
	Kill
	Learn
)

// Actions lists the actions a list can hold, in precedence order, lowest
// first.
var Actions = []Action{Allow, Log, Error, Kill}

var actionNames = [...]string{"allow", "log", "error", "kill", "learn"}

// Precedence orders decisions of stacked filters as the kernel does: a
// learning filter traps (c/trap.c), which outranks log and is outranked by
// an error, also a trap, and by kill.
func (a Action) Precedence() int {
	switch a {
	case Learn:
		return 2
	case Error, Kill:
		return int(a) + 1
	}
	return int(a)
}

func (a Action) String() string {
	if a < Allow || a > Learn {
		return fmt.Sprintf("action(%d)", int(a))
	}
	return actionNames[a]
}

// ParseAction reads an action name, case-insensitively and ignoring
// surrounding blanks, as PostgreSQL does for enum settings.
func ParseAction(s string) (Action, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	for i, n := range actionNames {
		if s == n {
			return Action(i), true
		}
	}
	return 0, false
}

// Field names the five settings of one level: its default and one list per
// action.
type Field string

const (
	FieldDefault Field = "default"
	FieldAllow   Field = "allow"
	FieldLog     Field = "log"
	FieldError   Field = "error"
	FieldKill    Field = "kill"
)

// ListField is the field that holds the list of syscalls given action a.
func ListField(a Action) Field { return Field(a.String()) }

// Fields lists a level's settings in the order the original documents them.
var Fields = []Field{FieldAllow, FieldLog, FieldError, FieldKill, FieldDefault}

// Inherit is the list value that means "the global list of this action".
const Inherit = "*"

// Setting names, exactly as the original pgseccomp spells them.
const (
	EnabledName      = "pgseccomp.enabled"
	SessionRolesName = "pgseccomp.session_roles"
	// BackendTypesName lists the backend types that have overrides.
	BackendTypesName = "pgseccomp.backend_types"
)

// GlobalName is the name of a global (postmaster) setting.
func GlobalName(f Field) string { return "pgseccomp.global_syscall_" + string(f) }

// SessionName is the name of a session setting.
func SessionName(f Field) string { return "pgseccomp.session_syscall_" + string(f) }

// RoleName is the name of a per-role override: a placeholder setting that
// PostgreSQL neither defines nor validates.
func RoleName(f Field, role string) string { return "session_syscall_" + string(f) + "." + role }

// TypeName is the name of a per-backend-type override, such as
// backend_syscall_error.autovacuum_worker: a placeholder setting like a
// role's, with its own prefix so that a backend type and a role of the same
// name cannot be confused.
func TypeName(f Field, typ string) string { return "backend_syscall_" + string(f) + "." + typ }

// Defaults of the settings, as in the original.
const (
	GlobalListDefault  = ""
	SessionListDefault = Inherit
	DefaultAction      = "allow"
)

// Value is one setting's raw text with the name it came from, so that every
// error can say which setting holds the offending token.
type Value struct {
	Name string
	Raw  string
}

// Level is the raw settings of one filter level.
type Level struct {
	Default Value
	Lists   [4]Value // indexed by Action
}

// Target is everything needed to build the filter of one kind of backend:
// the global level, the session level and, for a role listed in
// pgseccomp.session_roles or a backend type listed in
// pgseccomp.backend_types, its overrides. A target has a role or a type,
// never both: a role is who a client authenticated as, a type is what a
// process does, and one filter cannot take overrides from two places.
type Target struct {
	Global    Level
	Session   Level
	Role      string           // empty for the plain session filter
	Type      string           // backend type key, such as autovacuum_worker; empty if none
	Overrides map[Field]string // only the overrides that are set
	Clients   []Client         // set_client_filter calls, oldest first
}

// OverrideName is the name of the target's override of field f: a role's
// or a backend type's, or "" for a target with neither.
func (t Target) OverrideName(f Field) string {
	switch {
	case t.Role != "":
		return RoleName(f, t.Role)
	case t.Type != "":
		return TypeName(f, t.Type)
	}
	return ""
}

// Effective returns the session level as it applies to the target's role
// or backend type: each override that is set replaces the session value,
// the others fall back to it.
func (t Target) Effective() Level {
	lvl := t.Session
	if t.OverrideName(FieldDefault) == "" {
		return lvl
	}
	if v, ok := t.Overrides[FieldDefault]; ok {
		lvl.Default = Value{Name: t.OverrideName(FieldDefault), Raw: v}
	}
	for _, a := range Actions {
		if v, ok := t.Overrides[ListField(a)]; ok {
			lvl.Lists[a] = Value{Name: t.OverrideName(ListField(a)), Raw: v}
		}
	}
	return lvl
}

// DefaultGlobal is the global level with every setting at its default.
func DefaultGlobal() Level { return defaultLevel(GlobalName, GlobalListDefault) }

// DefaultSession is the session level with every setting at its default.
func DefaultSession() Level { return defaultLevel(SessionName, SessionListDefault) }

func defaultLevel(name func(Field) string, list string) Level {
	l := Level{Default: Value{Name: name(FieldDefault), Raw: DefaultAction}}
	for _, a := range Actions {
		l.Lists[a] = Value{Name: name(ListField(a)), Raw: list}
	}
	return l
}

package policy

import (
	"fmt"
	"strings"

	"github.com/pgseccomp/pgseccomp/internal/names"
	"github.com/pgseccomp/pgseccomp/internal/settings"
)

// Login is the filter stack a session gets when it logs in: the session
// filter (Role "") or a listed role's, on the global filter. Stack is nil
// when its settings failed (no session of it can start).
type Login struct {
	Role  string
	Stack []*Filter
}

func (l Login) who() string {
	if l.Role == "" {
		return "roles without an override (the session filter)"
	}
	return fmt.Sprintf("role \"%s\"", l.Role)
}

// RoleIssues names, for seccomp_lint(), each login filter that is looser
// than another: a session under the stricter one that could log in as a
// role of the looser one would shed filters. pgseccomp refuses the SQL
// commands that give a session that power (c/roles.c), but a superuser can
// still edit the catalog, and only confining superusers at least as
// tightly as the roles they could become closes that.
func RoleIssues(logins []Login, r names.Resolver) []Issue {
	var out []Issue
	for j, loose := range logins {
		if loose.Stack == nil {
			continue
		}
		var stricter []string
		var example string
		for i, strict := range logins {
			if i == j || strict.Stack == nil {
				continue
			}
			nr, looser := LooserAt(loose.Stack, strict.Stack)
			if !looser {
				continue
			}
			stricter = append(stricter, strict.who())
			if example == "" {
				example = exampleText(loose, strict, nr, r)
			}
		}
		if len(stricter) == 0 {
			continue
		}
		subject, as := fmt.Sprintf("Role \"%s\" has", loose.Role), fmt.Sprintf("\"%s\"", loose.Role)
		if loose.Role == "" {
			subject, as = "Roles without an override have", "such a role"
		}
		out = append(out, Issue{"session", settings.SessionRolesName, "", fmt.Sprintf(
			"%s a looser filter than %s (%s). pgseccomp refuses the SQL commands by which sessions of those could log in as %s (setting a password or validity, enabling login, renaming, granting membership, creating a role), but a superuser among them can still edit the catalog directly (UPDATE pg_authid): confine superusers and CREATEROLE roles at least as tightly as the roles they could become.",
			subject, strings.Join(stricter, ", "), example, as)})
	}
	return out
}

// exampleText says how loose decides syscall nr (DefaultNr: the
// syscalls no list names) where strict is stricter.
func exampleText(loose, strict Login, nr int32, r names.Resolver) string {
	decide := func(stack []*Filter) settings.Action {
		if nr == DefaultNr {
			return merge(stack, func(f *Filter) Decision { return f.Default }, nr).Action
		}
		return merge(stack, func(f *Filter) Decision { return f.Decide(nr) }, nr).Action
	}
	what := "syscalls no list names"
	if nr != DefaultNr {
		if what = r.Name(nr); what == "" {
			what = fmt.Sprintf("syscall %d", nr)
		}
	}
	filter := "the session filter"
	if strict.Role != "" {
		filter = fmt.Sprintf("role \"%s\"'s filter", strict.Role)
	}
	return fmt.Sprintf("it %s %s, which %s %s", verb(decide(loose.Stack)), what, filter, verb(decide(strict.Stack)))
}

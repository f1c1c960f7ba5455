package policy

import (
	"fmt"
	"sort"
	"strings"

	"github.com/pgseccomp/pgseccomp/internal/names"
	"github.com/pgseccomp/pgseccomp/internal/settings"
)

// Issue is one weakness or surprise of the settings, for seccomp_lint().
type Issue struct {
	Context string // "global" or "session"
	Setting string
	Syscall string // "" when it concerns no single syscall
	Text    string
}

// Lint lists what a DBA should know about the global and one target's
// session settings: siblings an allow list misses, rules that families
// extend (also over a sibling that only an inherited list allows), the
// io_uring syscalls denied with what io_uring could do in their place,
// restrictions a session cannot lift, syscalls that cannot fail denied
// with an errno (CannotFail), kill in a backend, skipped syscalls
// of other architectures, and what io_method = io_uring means for filters.
// The global level is its policy, its filter (which also allows what
// pgseccomp needs), its warnings and the server's io_method ("" where
// there is none); session may be nil.
func Lint(global *Policy, globalFilter *Filter, globalWarnings []settings.Warning, ioMethod string, session *Policy, r names.Resolver) []Issue {
	var out []Issue
	out = append(out, levelIssues("global", global, r)...)
	if global.Default == settings.Allow && len(global.Rules) > 0 {
		out = append(out, Issue{"global", global.DefaultSetting, "",
			"The default is allow: syscalls the lists do not name, including those of newer kernels, are allowed. An allow list with default error is stricter."})
	}
	for _, w := range globalWarnings {
		out = append(out, Issue{"global", "", "", w.Message})
	}
	if ioMethod == names.IOMethodIOUring {
		out = append(out, Issue{"global", "io_method", "",
			"io_method is io_uring: every process holds io_uring rings that the postmaster created unrestricted, and io_uring operations bypass seccomp. pgseccomp therefore refuses any level that denies what io_uring can do (file, socket, pipe, futex and wait operations, or the io_uring syscalls); such filters need io_method = worker or sync."})
	}
	if session == nil {
		return out
	}
	sess := session
	out = append(out, levelIssues("session", sess, r)...)
	for _, nr := range sess.Numbers() {
		rule := sess.Rules[nr]
		if global := globalFilter.Decide(nr); global.Action.Precedence() > rule.Action.Precedence() && rule.ImpliedBy == "" {
			out = append(out, Issue{"session", rule.Setting, rule.Name, fmt.Sprintf(
				"The session gives %s the action %s, but the global filter %s: a session cannot lift a global restriction.",
				rule.Name, rule.Action, verb(global.Action))})
		}
	}
	if setting, ok := killSetting(sess); ok {
		out = append(out, Issue{"session", setting, "",
			"kill in a client backend kills it with SIGSYS, and PostgreSQL then restarts every session of the cluster. error is gentler."})
	}
	for _, w := range sess.Warnings {
		out = append(out, Issue{"session", "", "", w.Message})
	}
	return out
}

func levelIssues(context string, p *Policy, r names.Resolver) []Issue {
	out := cannotFailIssues(context, p, r)
	for _, nr := range p.Numbers() {
		rule := p.Rules[nr]
		switch {
		case rule.ImpliedBy == "clone" && rule.Name == "clone3":
			out = append(out, Issue{context, rule.Setting, "clone3",
				"clone3 fails with ENOSYS so that glibc falls back to clone, which the filter can inspect."})
		case rule.ImpliedBy != "" && names.IOUringCall(rule.Name):
			out = append(out, Issue{context, rule.Setting, rule.Name, fmt.Sprintf(
				"%s gets the action %s too, because io_uring performs %s without the syscall.",
				rule.Name, rule.Action, rule.ImpliedBy)})
		case rule.ImpliedBy != "":
			out = append(out, Issue{context, rule.Setting, rule.Name, fmt.Sprintf(
				"%s gets the action %s too, because %s does the same through another entry point.",
				rule.Name, rule.Action, rule.ImpliedBy)})
		case rule.Action == settings.Allow:
			var missed []string
			for _, sib := range names.Siblings(rule.Name) {
				if snr, ok := r.Number(sib); ok && p.Default != settings.Allow {
					if _, named := p.Rules[snr]; !named {
						missed = append(missed, sib)
					}
				}
			}
			if len(missed) > 0 {
				sort.Strings(missed)
				text := fmt.Sprintf("%s is allowed, but not %s, which the default %s.",
					rule.Name, strings.Join(missed, ", "), verb(p.Default))
				if p.Default == settings.Error || p.Default == settings.Kill {
					text += " Programs that use the other entry point fail."
				}
				out = append(out, Issue{context, rule.Setting, rule.Name, text})
			}
		}
	}
	return out
}

// killSetting names the setting that makes a level kill, if any does.
func killSetting(p *Policy) (string, bool) {
	if p.Default == settings.Kill {
		return p.DefaultSetting, true
	}
	for _, nr := range p.Numbers() {
		if r := p.Rules[nr]; r.Action == settings.Kill {
			return r.Setting, true
		}
	}
	return "", false
}

func verb(a settings.Action) string {
	switch a {
	case settings.Log:
		return "logs"
	case settings.Error:
		return "denies"
	case settings.Kill:
		return "kills"
	case settings.Learn:
		return "learns"
	}
	return "allows"
}

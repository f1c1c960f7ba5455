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
	noted := map[string]bool{}
	for _, nr := range p.Numbers() {
		rule := p.Rules[nr]
		if job, note := names.Note(rule.Name); note != "" && rule.ImpliedBy == "" && rule.Action >= settings.Error && !noted[job] {
			noted[job] = true
			out = append(out, Issue{context, rule.Setting, rule.Name, fmt.Sprintf(
				"A syscall filter cannot stop all of what %s does (job %s): %s", rule.Name, job, note)})
		}
		if job := names.JobOf(rule.Name); onDemand[job] != "" && rule.Action >= settings.Error && !noted["on demand "+job] {
			noted["on demand "+job] = true
			out = append(out, Issue{context, rule.Setting, rule.Name, onDemand[job]})
		}
		switch {
		case rule.ImpliedBy != "" && names.Opaque(rule.Name):
			out = append(out, Issue{context, rule.Setting, rule.Name, fmt.Sprintf(
				"%s fails with ENOSYS so that glibc falls back to clone, which the filter can inspect.", rule.Name)})
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
	return append(out, argIssues(context, p, r)...)
}

// argIssues says which syscalls a level denies for some arguments only,
// and why.
func argIssues(context string, p *Policy, r names.Resolver) []Issue {
	var out []Issue
	nrs := make([]int32, 0, len(p.ArgRules))
	for nr := range p.ArgRules {
		nrs = append(nrs, nr)
	}
	sort.Slice(nrs, func(i, j int) bool { return nrs[i] < nrs[j] })
	for _, nr := range nrs {
		for _, a := range p.ArgRules[nr] {
			out = append(out, Issue{context, a.Setting, a.Name, fmt.Sprintf(
				"%s with %s gets the action %s too, because it then does what %s does (job %s).",
				a.Name, a.Cond, a.Action, a.ImpliedBy, names.JobOf(a.ImpliedBy))})
		}
	}
	if p.Default != settings.Error && p.Default != settings.Kill {
		return out
	}
	// A default's denial does not extend to argument-level siblings: say
	// where an allowed syscall still does a job that the default denies
	// (no syscall of the job named).
	for _, j := range names.Jobs() {
		if len(j.Args) == 0 || namesAny(p, j.Syscalls, r) {
			continue
		}
		for _, a := range j.Args {
			if anr, ok := r.Number(a.Name); ok && !a.Cond.Opaque {
				if ar, named := p.Rules[anr]; named && ar.Action == settings.Allow {
					out = append(out, Issue{context, ar.Setting, a.Name, fmt.Sprintf(
						"%s is allowed, also with %s, which does the job %s (%s), which the default %s.",
						a.Name, a.Cond, j.Name, strings.Join(j.Syscalls, ", "), verb(p.Default))})
				}
			}
		}
	}
	return out
}

// namesAny tells whether the level has a rule for any of the syscalls.
func namesAny(p *Policy, list []string, r names.Resolver) bool {
	for _, n := range list {
		if nr, ok := r.Number(n); ok {
			if _, named := p.Rules[nr]; named {
				return true
			}
		}
	}
	return false
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

// onDemand says, per job, what PostgreSQL itself does with it on demand
// that a denial breaks, and how to prepare for it.
var onDemand = map[string]string{
	"mkdir": "PostgreSQL creates base/pgsql_tmp (and pgsql_tmp in each temporary tablespace) with mkdir at the first temporary file written there: until it exists, a query that spills a sort, a hash or a function's result to disk fails with \"could not create temporary file\". Create the directories once as the server's user (they survive restarts), or allow mkdir.",
}

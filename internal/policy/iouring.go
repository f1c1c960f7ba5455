package policy

import (
	"fmt"

	"github.com/pgseccomp/pgseccomp/internal/names"
	"github.com/pgseccomp/pgseccomp/internal/settings"
)

// IOUringConflict tells whether a level denies (error or kill, by a rule or
// by its default) something io_uring can do, or the io_uring syscalls
// themselves: with io_method = io_uring such a level either has a hole or
// stops the process's I/O (see names.IOMethodIOUring). It returns the
// setting that decides it and the first such syscall in name order.
func IOUringConflict(p *Policy, r names.Resolver) (setting, syscall string, ok bool) {
	// What io_uring can do first: a denied io_uring syscall is usually
	// only implied by one of those (closeIOUring), which names the cause;
	// and a syscall the level names itself before a sibling it implies.
	all := append(names.IOUringOps(), names.IOUringCalls()...)
	for _, name := range all {
		if nr, known := r.Number(name); known {
			if rule, named := p.Rules[nr]; named && rule.ImpliedBy == "" && rule.Action >= settings.Error {
				return rule.Setting, name, true
			}
		}
	}
	for _, name := range all {
		nr, known := r.Number(name)
		if !known {
			continue // not on this architecture
		}
		if rule, named := p.Rules[nr]; named {
			if rule.Action >= settings.Error {
				return rule.Setting, name, true
			}
			continue
		}
		if p.Default >= settings.Error {
			return p.DefaultSetting, name, true
		}
	}
	return "", "", false
}

// IOUringRefusal is the error for a level that conflicts with io_method =
// io_uring.
func IOUringRefusal(setting, syscall string) *settings.SettingError {
	detail := fmt.Sprintf("It denies %s, which io_uring can do without the syscall: the rings PostgreSQL creates are shared by every process and cannot be restricted, so the filter cannot hold.", syscall)
	if names.IOUringCall(syscall) {
		detail = fmt.Sprintf("It denies %s, without which every read and write that PostgreSQL submits through io_uring fails.", syscall)
	}
	return &settings.SettingError{
		Setting: setting,
		Token:   syscall,
		Message: fmt.Sprintf("parameter \"%s\" conflicts with io_method = io_uring", setting),
		Detail:  detail,
		Hint:    "Set io_method to worker or sync, or allow what io_uring can do at every level.",
	}
}

// CheckIOUring refuses a level that denies what io_uring can do when the
// server's io_method is io_uring (see IOUringConflict); ioMethod is "" on
// servers that have none.
func CheckIOUring(ioMethod string, p *Policy, r names.Resolver) error {
	if ioMethod != names.IOMethodIOUring {
		return nil
	}
	if setting, name, ok := IOUringConflict(p, r); ok {
		return IOUringRefusal(setting, name)
	}
	return nil
}

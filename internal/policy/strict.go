package policy

import "github.com/pgseccomp/pgseccomp/internal/settings"

// Severity ranks what a decision leaves a process able to do, to compare
// the filters of two roles: allow < log = learn < error < kill. Log and
// learn both allow with a record (the kernel's audit log, or
// seccomp_learned()); every errno is one severity, since each denies the
// call.
func Severity(a settings.Action) int {
	switch a {
	case settings.Allow:
		return 0
	case settings.Log, settings.Learn:
		return 1
	case settings.Error:
		return 2
	}
	return 3
}

// LooserAt compares two stacks of filters, each as the kernel merges it:
// it returns a syscall that stack a decides less severely than stack b
// (DefaultNr when only their defaults differ so), and false when a is at
// least as strict as b for every syscall. Named syscalls are tried first,
// ascending, so that the one returned can be shown.
func LooserAt(a, b []*Filter) (int32, bool) {
	decide := func(stack []*Filter, nr int32) settings.Action {
		if nr == DefaultNr {
			return merge(stack, func(f *Filter) Decision { return f.Default }, nr).Action
		}
		return merge(stack, func(f *Filter) Decision { return f.Decide(nr) }, nr).Action
	}
	named := map[int32]bool{}
	for _, f := range append(append([]*Filter(nil), a...), b...) {
		for nr := range f.Rules {
			named[nr] = true
		}
	}
	var found int32 = DefaultNr
	looser := false
	for nr := range named {
		if (!looser || nr < found) && Severity(decide(a, nr)) < Severity(decide(b, nr)) {
			found, looser = nr, true
		}
	}
	if looser {
		return found, true
	}
	if Severity(decide(a, DefaultNr)) < Severity(decide(b, DefaultNr)) {
		return DefaultNr, true
	}
	return 0, false
}

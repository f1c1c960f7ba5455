// Package guctest holds what the policy packages' tests share.
package testutil

import "sort"

// Table is a guc.Resolver over a fixed map, so that tests do not depend on
// libseccomp or the architecture. "stat64" stands for a syscall that only
// other architectures have.
type Table map[string]int32

// Number implements guc.Resolver.
func (t Table) Number(name string) (int32, bool) {
	nr, ok := t[name]
	return nr, ok
}

// Name implements guc.Resolver.
func (t Table) Name(nr int32) string {
	for name, n := range t {
		if n == nr {
			return name
		}
	}
	return ""
}

// Foreign implements guc.Resolver.
func (t Table) Foreign(name string) bool { return name == "stat64" }

// Names implements guc.Resolver.
func (t Table) Names() []string {
	names := []string{"stat64"}
	for name := range t {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

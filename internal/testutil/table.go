package testutil

import "sort"

// Table is a names.Resolver over a fixed map, so that tests do not depend on
// libseccomp or the architecture. "stat64" stands for a syscall that only
// other architectures have.
type Table map[string]int32

// Number implements names.Resolver.
func (t Table) Number(name string) (int32, bool) {
	nr, ok := t[name]
	return nr, ok
}

// Name implements names.Resolver.
func (t Table) Name(nr int32) string {
	for name, n := range t {
		if n == nr {
			return name
		}
	}
	return ""
}

// Foreign implements names.Resolver.
func (t Table) Foreign(name string) bool { return name == "stat64" }

// Names implements names.Resolver.
func (t Table) Names() []string {
	names := []string{"stat64"}
	for name := range t {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

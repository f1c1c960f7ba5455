package hooks

import (
	"sort"

	seccomp "github.com/seccomp/libseccomp-golang"
)

// maxSyscallNr bounds the scan of the native syscall table; every Linux
// architecture's numbers are below it (x32's high bit is a separate ABI).
const maxSyscallNr = 1024

// Table is the native architecture's syscall table, from libseccomp.
type Table struct {
	byName map[string]int32
	byNr   map[int32]string
}

// NativeTable scans libseccomp's table for the native architecture.
func NativeTable() *Table {
	t := &Table{byName: map[string]int32{}, byNr: map[int32]string{}}
	for nr := int32(0); nr < maxSyscallNr; nr++ {
		name, err := seccomp.ScmpSyscall(nr).GetName()
		if err != nil || name == "" {
			continue
		}
		t.byName[name] = nr
		t.byNr[nr] = name
	}
	return t
}

// Number implements guc.Resolver.
func (t *Table) Number(name string) (int32, bool) {
	nr, ok := t.byName[name]
	return nr, ok
}

// Name is the syscall's name, or "" if the table has none.
func (t *Table) Name(nr int32) string { return t.byNr[nr] }

// Names lists every name of the table, sorted: the C layer validates list
// settings against it at reload, without Go.
func (t *Table) Names() []string {
	out := make([]string, 0, len(t.byName))
	for n := range t.byName {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

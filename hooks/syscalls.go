package hooks

import (
	"sort"

	seccomp "github.com/seccomp/libseccomp-golang"
)

// maxSyscallNr bounds the scan of the native syscall table; every Linux
// architecture's numbers are below it (x32's high bit is a separate ABI),
// but MIPS, whose numbers start at 4000, would need more.
const maxSyscallNr = 1024

// Table is the native architecture's syscall table, from libseccomp. It
// looks names and numbers up one at a time: a helper that compiles one
// filter must not pay for a scan of the whole table.
type Table struct{}

// NativeTable is the native architecture's table.
func NativeTable() *Table { return &Table{} }

// Number implements guc.Resolver. Multiplexed pseudo-syscalls, which
// libseccomp numbers below zero, are not syscalls of this architecture.
func (t *Table) Number(name string) (int32, bool) {
	nr, err := seccomp.GetSyscallFromName(name)
	if err != nil || nr < 0 || nr >= maxSyscallNr {
		return 0, false
	}
	return int32(nr), true
}

// Name is the syscall's name, or "" if the table has none.
func (t *Table) Name(nr int32) string {
	name, err := seccomp.ScmpSyscall(nr).GetName()
	if err != nil {
		return ""
	}
	return name
}

// Names lists every name of the table, sorted: the C layer validates list
// settings against it at reload, without Go.
func (t *Table) Names() []string {
	var out []string
	for nr := int32(0); nr < maxSyscallNr; nr++ {
		if name := t.Name(nr); name != "" {
			if n, ok := t.Number(name); ok && n == nr {
				out = append(out, name)
			}
		}
	}
	sort.Strings(out)
	return out
}

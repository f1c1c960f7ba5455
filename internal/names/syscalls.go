package names

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

// Number implements names.Resolver. Multiplexed pseudo-syscalls, which
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

// otherArches are the architectures whose syscall names are accepted, and
// skipped with a warning, on another one.
var otherArches = []seccomp.ScmpArch{
	seccomp.ArchX86, seccomp.ArchAMD64, seccomp.ArchX32, seccomp.ArchARM,
	seccomp.ArchARM64, seccomp.ArchPPC64LE, seccomp.ArchPPC64, seccomp.ArchS390X,
	seccomp.ArchMIPS, seccomp.ArchMIPS64, seccomp.ArchRISCV64,
}

// Foreign implements names.Resolver: only other architectures have it.
func (t *Table) Foreign(name string) bool {
	if _, native := t.Number(name); native {
		return false
	}
	for _, a := range otherArches {
		if nr, err := seccomp.GetSyscallFromNameByArch(name, a); err == nil && nr >= 0 {
			return true
		}
	}
	return false
}

// Names implements names.Resolver: the native names and those of the 32-bit
// x86 and ARM tables, which hold most of the legacy names people type.
func (t *Table) Names() []string {
	return t.namesOf([]seccomp.ScmpArch{seccomp.ArchX86, seccomp.ArchARM}, numberRanges[:1])
}

// namesOf lists the native names and those the given architectures have
// in the given number ranges, sorted.
func (t *Table) namesOf(arches []seccomp.ScmpArch, ranges [][2]int32) []string {
	seen := map[string]bool{}
	for _, n := range t.NativeNames() {
		seen[n] = true
	}
	for _, a := range arches {
		for _, r := range ranges {
			for nr := r[0]; nr < r[1]; nr++ {
				if n, err := seccomp.ScmpSyscall(nr).GetNameByArch(a); err == nil {
					seen[n] = true
				}
			}
		}
	}
	out := make([]string, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// NativeNames lists every name of the native table, sorted: the C layer
// validates list settings against it at reload, without Go.
func (t *Table) NativeNames() []string {
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

// numberRanges are where architectures put their syscall numbers: most from
// 0, MIPS o32, n64 and n32 from 4000, 5000 and 6000, x32 with bit 30 set.
var numberRanges = [][2]int32{{0, maxSyscallNr}, {4000, 7000}, {0x40000000, 0x40000000 + maxSyscallNr}}

// AllNames lists the names of every architecture pgseccomp knows, sorted.
// It scans a few thousand numbers per architecture, so only the start
// request asks for it.
func (t *Table) AllNames() []string { return t.namesOf(otherArches, numberRanges) }

package names

import (
	"sort"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// DefaultErrno is what an "error" rule returns unless the item names
// another errno, as the original pgseccomp does ("permission denied").
const DefaultErrno = unix.EACCES

// errnoByName maps symbolic errno names (EPERM, ENOSYS, ...) to numbers.
var errnoByName = func() map[string]syscall.Errno {
	m := map[string]syscall.Errno{}
	for e := syscall.Errno(1); e < 4096; e++ {
		if name := unix.ErrnoName(e); name != "" {
			m[name] = e
		}
	}
	// Aliases: ErrnoName gives one name per number.
	m["EOPNOTSUPP"] = unix.EOPNOTSUPP
	m["EWOULDBLOCK"] = unix.EWOULDBLOCK
	m["EDEADLOCK"] = unix.EDEADLOCK
	return m
}()

// ParseErrno reads a symbolic errno name, case-insensitively. Numbers are
// not accepted: their meaning differs between architectures.
func ParseErrno(s string) (syscall.Errno, bool) {
	e, ok := errnoByName[strings.ToUpper(s)]
	return e, ok
}

// ErrnoName is the symbolic name of e.
func ErrnoName(e syscall.Errno) string { return unix.ErrnoName(e) }

// ErrnoNames lists every errno name, sorted.
func ErrnoNames() []string {
	out := make([]string, 0, len(errnoByName))
	for n := range errnoByName {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

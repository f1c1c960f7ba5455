package names

// io_uring is a side door around a filter: once a ring is set up, the
// kernel performs the operations queued on it (opening, reading and
// writing files, sockets, waiting for processes) without the syscalls that
// would do them, so a seccomp filter never sees them. A level that denies
// any of those syscalls therefore denies io_uring too, with the same
// action and errno, unless it names the io_uring syscalls itself.
//
// PostgreSQL 15 does not use io_uring. PostgreSQL 18 does with io_method =
// io_uring: the postmaster creates a ring for every process before any
// filter of a backend exists, every process inherits all of them, and the
// rings are not created disabled, so IORING_REGISTER_RESTRICTIONS cannot be
// applied to them. A process under a filter that denies what io_uring can
// do could then still do it through a ring (its own or another process's),
// and denying the io_uring syscalls instead would stop all its I/O. So with
// io_method = io_uring no level may deny what io_uring can do, and
// pgseccomp refuses settings that do (policy.IOUringConflict).

// IOMethodIOUring is the io_method value under which PostgreSQL submits
// its I/O through io_uring.
const IOMethodIOUring = "io_uring"

// ioUringCalls are the syscalls that give access to io_uring.
var ioUringCalls = []string{"io_uring_setup", "io_uring_enter", "io_uring_register"}

// ioUringOps are the syscalls whose job an io_uring operation can do, by
// jobs.txt: every syscall of a job that an operation does (for some
// fields of its submission entry or for all).
var ioUringOps = func() map[string]bool {
	m := map[string]bool{}
	for _, op := range jobs.ops {
		for _, n := range jobs.jobs[op.Job].Syscalls {
			m[n] = true
		}
	}
	return m
}()

// IOUringCall tells whether name is one of the syscalls that give access
// to io_uring.
func IOUringCall(name string) bool {
	for _, n := range ioUringCalls {
		if n == name {
			return true
		}
	}
	return false
}

// IOUringOp tells whether io_uring can do the work of syscall name.
func IOUringOp(name string) bool { return ioUringOps[name] }

// IOUringCalls lists the syscalls that give access to io_uring.
func IOUringCalls() []string { return append([]string(nil), ioUringCalls...) }

// IOUringOps lists the syscalls whose work an io_uring operation can do,
// in name order.
func IOUringOps() []string { return sortedNames(ioUringOps) }

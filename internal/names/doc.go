// Package names holds pgseccomp's name tables: the native syscall table
// (from libseccomp) and the Resolver interface over it, the one errno
// table of the project, the @groups of list items (groups.txt), the
// families of syscalls that do the same thing, and the syscalls io_uring
// can stand in for. It knows nothing of settings or filters.
//
// It imports no other package of pgseccomp.
package names

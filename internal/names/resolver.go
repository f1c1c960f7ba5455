package names

// Resolver knows the syscalls of the native architecture and the names of
// every other. The policy code gets one from libseccomp; tests use a table.
type Resolver interface {
	// Number is the native number of a syscall name.
	Number(name string) (int32, bool)
	// Name is the native name of a syscall number, or "".
	Name(nr int32) string
	// Foreign tells whether some other architecture has a syscall of
	// that name.
	Foreign(name string) bool
	// Names lists syscall names to suggest for a typo.
	Names() []string
}

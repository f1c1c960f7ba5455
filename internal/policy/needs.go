package policy

// SelfNeeds is what pgseccomp uses after start. Its compile helper: the
// background worker forks it, it loads the Go library (which starts the Go
// runtime and its threads), builds filters and writes them to a pipe; this
// was derived by running the helper under strace -f on x86_64 with glibc
// 2.36 and Go 1.26 (regress/t/003_process_model.pl checks that a strict
// global filter still lets the helper work). And the registry of what each
// process installed (c/registry.c): each sends a datagram, the postmaster
// reads them. And the Landlock domain each confined process enters as it
// stacks its first filter, under the global filter alone (c/scope.c).
var SelfNeeds = []string{
	// fork of the helper and its reaping by the worker
	"clone", "clone3", "wait4", "kill", "set_robust_list", "rseq",
	// loading the library
	"openat", "read", "pread64", "newfstatat", "fstat", "mmap", "mprotect", "munmap", "close",
	// the Go runtime
	"rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "sigaltstack", "sched_getaffinity",
	"sched_yield", "futex", "gettid", "getpid", "tgkill", "madvise", "nanosleep",
	"getrlimit", "prlimit64", "brk", "exit", "exit_group",
	// building and exporting the filter
	"memfd_create", "lseek", "write", "fcntl",
	// libseccomp probes the kernel's seccomp API; the helper sets its death signal
	"seccomp", "prctl",
	// the pipe the worker reads the answer from
	"pipe2", "poll",
	// the registry: each process sends, the postmaster reads and tells
	// processes apart by pidfd, parallel workers open their leader's
	"sendto", "recvmsg", "pidfd_open",
	// a Landlock domain of its own for each confined process
	"landlock_restrict_self",
}

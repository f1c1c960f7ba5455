package names

// Families of syscalls that do the same thing through different entry
// points: one program uses open, another openat; glibc picks one per
// architecture and version. A rule that restricts one member and leaves
// the others to the default would be sidestepped by a sibling, so:
//
//   - a log, error or kill rule extends to the siblings that the same level
//     does not name (expand: denying is always safe to widen);
//   - an allow rule is not extended, since that would loosen what was
//     written; the lint reports the unnamed siblings instead (warn).
//
// Members missing on the running architecture are ignored.
var families = [][]string{
	{"open", "openat", "openat2", "creat"},
	{"readlink", "readlinkat"},
	{"stat", "lstat", "newfstatat", "statx", "stat64", "lstat64", "fstatat64"},
	{"access", "faccessat", "faccessat2"},
	{"chmod", "fchmodat", "fchmodat2"},
	{"chown", "lchown", "fchownat", "chown32", "lchown32"},
	{"unlink", "unlinkat"},
	{"rmdir", "unlinkat"},
	{"rename", "renameat", "renameat2"},
	{"mkdir", "mkdirat"},
	{"mknod", "mknodat"},
	{"symlink", "symlinkat"},
	{"link", "linkat"},
	{"utime", "utimes", "utimensat", "futimesat", "utimensat_time64"},
	{"truncate", "truncate64"},
	{"sync_file_range", "sync_file_range2", "arm_sync_file_range"},
	{"fadvise64", "fadvise64_64", "arm_fadvise64_64"},
	{"getdents", "getdents64"},
	{"dup2", "dup3"},
	{"pipe", "pipe2"},
	{"epoll_create", "epoll_create1"},
	{"epoll_wait", "epoll_pwait", "epoll_pwait2"},
	{"poll", "ppoll", "ppoll_time64"},
	{"select", "_newselect", "pselect6", "pselect6_time64"},
	{"accept", "accept4"},
	{"sendto", "sendmsg", "sendmmsg"},
	{"recvfrom", "recvmsg", "recvmmsg", "recvmmsg_time64"},
	{"eventfd", "eventfd2"},
	{"signalfd", "signalfd4"},
	{"inotify_init", "inotify_init1"},
	{"fork", "vfork", "clone"},
	{"execve", "execveat"},
	{"kill", "tkill", "tgkill", "pidfd_send_signal"},
	{"mount", "fsopen", "fsmount", "fsconfig", "move_mount", "open_tree", "mount_setattr"},
	{"umount", "umount2"},
	{"mmap", "mmap2"},
	{"preadv", "preadv2"},
	{"pwritev", "pwritev2"},
	{"sendfile", "sendfile64"},
	{"setrlimit", "prlimit64"},
}

// Families lists every family, each a fresh copy.
func Families() [][]string {
	out := make([][]string, len(families))
	for i, f := range families {
		out[i] = append([]string(nil), f...)
	}
	return out
}

// Siblings lists the families that name syscall name, each without it.
func Siblings(name string) []string {
	var out []string
	for _, f := range families {
		for _, m := range f {
			if m == name {
				for _, s := range f {
					if s != name {
						out = append(out, s)
					}
				}
			}
		}
	}
	return out
}

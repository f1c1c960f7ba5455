package guc

import "syscall"

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

// cohere makes a level's policy coherent across families; see families.
// It also closes io_uring where the level denies what io_uring can do (see
// ioUringOps), and makes clone3 fail with ENOSYS where clone is restricted
// or the default denies it, unless clone3 is named: glibc then falls back
// to clone, whose flags a filter can see (clone3 passes them in memory).
//
// A sibling that the level names only through a less direct list (an
// inherited "*", or a role's or backend type's fallback to the session
// value) with a weaker action gets the denying rule's action too: a
// session that denies readlink but inherits @system-service from the
// global allow list means to deny readlinkat as well, not to keep the
// side door the global list happened to open.
func cohere(p *Policy, r Resolver) {
	named := p.Numbers() // sorted, so that the result does not depend on map order
	own := make(map[int32]Rule, len(named))
	for _, nr := range named {
		own[nr] = p.Rules[nr]
	}
	for _, nr := range named {
		rule := own[nr] // only the level's own rules imply: no chains
		if rule.Action == Allow {
			continue
		}
		for _, s := range Siblings(rule.Name) {
			if snr, ok := r.Number(s); ok {
				imply(p, own, rule, snr, s)
			}
		}
	}
	closeIOUring(p, own, r)
	c3, ok3 := r.Number("clone3")
	c, okc := r.Number("clone")
	if _, named := own[c3]; !ok3 || !okc || named {
		return
	}
	clone, setting := p.Default, p.DefaultSetting
	if rule, ok := p.Rules[c]; ok {
		clone = rule.Action
		if clone == Error || clone == Kill {
			setting = rule.Setting // else the default is what denies clone3
		}
	}
	// A learning default denies nothing.
	if clone == Error || clone == Kill || p.Default == Error || p.Default == Kill {
		p.Rules[c3] = Rule{Action: Error, Errno: syscall.ENOSYS, Setting: setting,
			Name: "clone3", ImpliedBy: "clone", Rank: RankExplicit}
	}
}

// imply gives syscall nr (called name) the action of rule, which it could
// stand in for, unless the level decides nr itself at least as strictly or
// through a list at least as direct as rule's, or another implied rule
// already decides it at least as strictly.
func imply(p *Policy, own map[int32]Rule, rule Rule, nr int32, name string) {
	if o, named := own[nr]; named && (o.Rank >= rule.Rank || o.Action >= rule.Action) {
		return
	}
	if prev, done := p.Rules[nr]; done && prev.Action >= rule.Action {
		return
	}
	p.Rules[nr] = Rule{Action: rule.Action, Errno: rule.Errno, Setting: rule.Setting,
		Name: name, ImpliedBy: rule.Name, Rank: rule.Rank}
}

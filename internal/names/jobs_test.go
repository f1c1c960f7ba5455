package names_test

import (
	"bufio"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/pgseccomp/pgseccomp/internal/names"
)

// TestJobsPlaceEverySyscall: every syscall of the native table (libseccomp's)
// and of the installed kernel headers is placed exactly once, under the
// number the table gives it; every argument-level line names a placed
// syscall with its number.
func TestJobsPlaceEverySyscall(t *testing.T) {
	placed := map[string]int32{}
	byNr := map[int32]string{}
	for _, p := range names.Syscalls() {
		if _, dup := placed[p.Name]; dup {
			t.Errorf("%s placed twice", p.Name)
		}
		placed[p.Name] = p.Nr
		if p.Nr >= 0 {
			if o, dup := byNr[p.Nr]; dup {
				t.Errorf("number %d is %s and %s", p.Nr, o, p.Name)
			}
			byNr[p.Nr] = p.Name
		}
		if p.Job == "" || names.JobOf(p.Name) != p.Job {
			t.Errorf("%s: job %q, JobOf %q", p.Name, p.Job, names.JobOf(p.Name))
		}
	}
	if len(byNr) < 380 {
		t.Errorf("only %d native syscalls placed", len(byNr))
	}
	for _, p := range names.ArgPlacements() {
		if nr, ok := placed[p.Name]; !ok || nr != p.Nr {
			t.Errorf("argument-level line %d %s: placed as %d, %v", p.Nr, p.Name, nr, ok)
		}
	}
	tbl := names.NativeTable()
	for _, n := range tbl.NativeNames() {
		nr, _ := tbl.Number(n)
		if got, ok := placed[n]; !ok {
			t.Errorf("libseccomp's syscall %s (%d) is not placed in jobs.txt", n, nr)
		} else if got != nr && got >= 0 {
			t.Errorf("%s is %d in jobs.txt, %d in libseccomp", n, got, nr)
		}
	}
	// The kernel headers, where installed (x86_64).
	for _, path := range []string{"/usr/include/x86_64-linux-gnu/asm/unistd_64.h", "/usr/include/asm/unistd_64.h"} {
		f, err := os.Open(path)
		if err != nil {
			continue
		}
		re := regexp.MustCompile(`^#define __NR_(\w+)\s+(\d+)`)
		sc := bufio.NewScanner(f)
		n := 0
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				n++
				nr, _ := strconv.Atoi(m[2])
				if got, ok := placed[m[1]]; !ok || got != int32(nr) {
					t.Errorf("%s: syscall %s (%d) is not placed in jobs.txt under its number", path, m[1], nr)
				}
			}
		}
		f.Close()
		if n < 300 {
			t.Errorf("%s: only %d syscalls read", path, n)
		}
		break
	}
}

// TestJobsPlaceEveryIOUringOp: the operations are numbered 0 to the last
// without a gap, each placed exactly once without a condition, and the
// installed linux/io_uring.h defines none that is not.
func TestJobsPlaceEveryIOUringOp(t *testing.T) {
	ops := map[int]string{}
	for _, o := range names.IOUringOpPlacements() {
		if prev, ok := ops[o.Nr]; ok && prev != o.Name {
			t.Errorf("operation %d is %s and %s", o.Nr, prev, o.Name)
		}
		ops[o.Nr] = o.Name
		if _, ok := names.JobByName(o.Job); !ok {
			t.Errorf("%s: no job %s", o.Name, o.Job)
		}
	}
	for i := 0; i < len(ops); i++ {
		if ops[i] == "" {
			t.Errorf("operation %d is not placed", i)
		}
	}
	src, err := os.ReadFile("/usr/include/linux/io_uring.h")
	if err != nil {
		t.Skip("no linux/io_uring.h")
	}
	enum := regexp.MustCompile(`(?s)enum io_uring_op \{(.*?)\}`).FindSubmatch(src)
	if enum == nil {
		t.Fatal("no enum io_uring_op in linux/io_uring.h")
	}
	i := 0
	for _, m := range regexp.MustCompile(`\bIORING_OP_\w+`).FindAll(enum[1], -1) {
		if name := string(m); name != "IORING_OP_LAST" {
			if ops[i] != name {
				t.Errorf("linux/io_uring.h: operation %d is %s, jobs.txt has %q", i, name, ops[i])
			}
			i++
		}
	}
}

// TestJobsRunningKernel: the running kernel has no syscall numbered past
// the last one placed, nor an io_uring operation past the last one: a new
// kernel's must be placed first. The probe runs in a child process, since
// an unknown syscall could do anything to the caller.
func TestJobsRunningKernel(t *testing.T) {
	if os.Getenv("PGSECCOMP_PROBE_SYSCALLS") == "1" {
		probeChild()
		return
	}
	last := int32(0)
	for _, p := range names.Syscalls() {
		if p.Nr > last {
			last = p.Nr
		}
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestJobsRunningKernel$")
	cmd.Env = append(os.Environ(), "PGSECCOMP_PROBE_SYSCALLS=1", "PGSECCOMP_PROBE_FROM="+strconv.Itoa(int(last)+1))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("probe: %v\n%s", err, out)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(line, "implemented ") {
			t.Errorf("the running kernel has syscall %s, which jobs.txt does not place", strings.TrimPrefix(line, "implemented "))
		}
		if strings.HasPrefix(line, "io_uring last op ") {
			lastOp, _ := strconv.Atoi(strings.TrimPrefix(line, "io_uring last op "))
			n := 0
			for _, o := range names.IOUringOpPlacements() {
				if o.Nr >= n {
					n = o.Nr + 1
				}
			}
			if lastOp >= n {
				t.Errorf("the running kernel has io_uring operations up to %d; jobs.txt places %d", lastOp, n)
			}
			t.Logf("running kernel: io_uring operations 0 to %d", lastOp)
		}
	}
}

// probeChild calls each syscall number from PGSECCOMP_PROBE_FROM on, up to
// the end of x86_64's common range (x32's numbers start at 512), with
// arguments no syscall accepts, and prints those that are not ENOSYS; and
// asks io_uring for its last operation.
func probeChild() {
	from, _ := strconv.Atoi(os.Getenv("PGSECCOMP_PROBE_FROM"))
	bad := ^uintptr(0)
	for nr := from; nr < 512; nr++ {
		_, _, e := syscall.RawSyscall6(uintptr(nr), bad, bad, bad, bad, bad, bad)
		if e != syscall.ENOSYS {
			os.Stdout.WriteString("implemented " + strconv.Itoa(nr) + "\n")
		}
	}
	var params [120]byte
	fd, _, e := syscall.RawSyscall(unix.SYS_IO_URING_SETUP, 1, uintptr(unsafe.Pointer(&params[0])), 0)
	if e != 0 {
		return
	}
	// struct io_uring_probe: last_op (u8), ops_len, resv, resv2[3], then
	// 256 struct io_uring_probe_op of 8 bytes.
	probe := make([]byte, 16+256*8)
	const registerProbe = 8 // IORING_REGISTER_PROBE
	if _, _, e := syscall.RawSyscall6(unix.SYS_IO_URING_REGISTER, fd, registerProbe,
		uintptr(unsafe.Pointer(&probe[0])), 256, 0, 0); e == 0 {
		os.Stdout.WriteString("io_uring last op " + strconv.Itoa(int(probe[0])) + "\n")
	}
	syscall.Close(int(fd))
}

// TestJobsTable: the shape of what jobs.txt derives.
func TestJobsTable(t *testing.T) {
	syscalls, families, args := 0, 0, 0
	for _, j := range names.Jobs() {
		native := 0
		for _, s := range j.Syscalls {
			if names.JobOf(s) != j.Name {
				t.Errorf("job %s lists %s, whose job is %s", j.Name, s, names.JobOf(s))
			}
			if _, ok := names.NativeTable().Number(s); ok {
				native++
			}
		}
		syscalls += native
		if native > 1 {
			families++
		}
		args += len(j.Args)
		for _, a := range j.Args {
			if names.JobOf(a.Name) == j.Name {
				t.Errorf("%s is an argument-level sibling of its own job", a.Name)
			}
		}
	}
	placed, ops := 0, map[string]bool{}
	for _, p := range names.Syscalls() {
		if p.Nr >= 0 {
			placed++
		}
	}
	for _, o := range names.IOUringOpPlacements() {
		ops[o.Name] = true
	}
	t.Logf("jobs.txt: %d x86_64 syscalls placed (%d known to libseccomp here), %d jobs, %d families of two or more native syscalls, %d argument-level siblings, %d io_uring operations",
		placed, syscalls, len(names.Jobs()), families, args, len(ops))
	// Pinned examples of the issue that made the table.
	for _, tt := range []struct{ a, b string }{
		{"chmod", "fchmod"}, {"sendfile", "copy_file_range"}, {"sendfile", "splice"},
		{"kill", "rt_sigqueueinfo"}, {"truncate", "ftruncate"}, {"statfs", "fstatfs"},
		{"chmod", "fchmodat2"}, {"getxattr", "getxattrat"}, {"clone", "clone3"},
	} {
		if names.JobOf(tt.a) == "" || names.JobOf(tt.a) != names.JobOf(tt.b) {
			t.Errorf("%s and %s do not share a job", tt.a, tt.b)
		}
	}
	hasArg := func(job, name string) bool {
		for _, a := range names.ArgSiblings(job) {
			if a.Name == name {
				return true
			}
		}
		return false
	}
	for _, tt := range []struct{ job, name string }{
		{"unshare", "clone"}, {"unshare", "clone3"}, {"connect", "sendto"}, {"connect", "sendmsg"},
		{"kill", "fcntl"}, {"dup2", "fcntl"}, {"rmdir", "unlinkat"},
	} {
		if !hasArg(tt.job, tt.name) {
			t.Errorf("%s is not an argument-level sibling of %s", tt.name, tt.job)
		}
	}
	if !names.Opaque("clone3") || names.Opaque("clone") {
		t.Error("clone3 must be opaque, clone not")
	}
	if !names.IOUringOp("pipe2") || !names.IOUringOp("pipe") {
		t.Error("IORING_OP_PIPE does pipe's job")
	}
	for _, n := range []string{"clock_gettime", "truncate", "readlink"} {
		if _, note := names.Note(n); note == "" {
			t.Errorf("no note for %s's job", n)
		}
	}
}

// TestCondMatch: conditions read the low 32 bits.
func TestCondMatch(t *testing.T) {
	mask := names.Cond{Arg: 0, Mask: 0x10000000}
	vals := names.Cond{Arg: 1, Values: []uint32{8, 10}}
	for _, tt := range []struct {
		c    names.Cond
		arg  uint64
		want bool
	}{
		{mask, 0x10000000, true}, {mask, 0x10000011, true}, {mask, 0x11, false}, {mask, 0x1000000000000000, false},
		{vals, 8, true}, {vals, 10, true}, {vals, 9, false}, {vals, 0x100000008, true},
		{names.Cond{Opaque: true}, 0, false},
	} {
		if got := tt.c.Match(tt.arg); got != tt.want {
			t.Errorf("%v.Match(%#x) = %v", tt.c, tt.arg, got)
		}
	}
}

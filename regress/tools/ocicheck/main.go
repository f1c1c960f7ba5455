// Command ocicheck checks an OCI seccomp profile as a container runtime
// would use it: moby's profile loader (what Docker uses) reads and expands
// it into runtime-spec's LinuxSeccomp, libseccomp builds a kernel filter
// from that, and a child process loads the filter and makes syscalls whose
// outcome must match the expectations given.
//
//	ocicheck PROFILE [--allowed NAME]... [--denied NAME=ERRNO]... [--killed NAME]
//
// Each syscall is made with every argument zero, once without the filter
// and once with it; pick syscalls for which that is harmless. --allowed
// wants the same result both times; --denied NAME=ERRNO wants ERRNO with
// the filter and something else without it; --killed NAME wants the child
// killed by SIGSYS when it makes NAME, which it does last. It exits 0 when
// every expectation holds, 1 when one does not, 2 when the profile or the
// arguments are bad.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"

	"github.com/moby/profiles/seccomp"
	"github.com/opencontainers/runtime-spec/specs-go"
	libseccomp "github.com/seccomp/libseccomp-golang"
	"golang.org/x/sys/unix"
)

// childArg marks the re-executed child that loads the filter.
const childArg = "__ocicheck_child"

type check struct {
	name  string
	nr    int
	kind  string        // "allowed", "denied" or "killed"
	errno syscall.Errno // for "denied"
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == childArg {
		os.Exit(child(os.Args[2:]))
	}
	os.Exit(parent(os.Args[1:]))
}

func usage(format string, a ...any) int {
	fmt.Fprintf(os.Stderr, "ocicheck: "+format+"\n", a...)
	fmt.Fprintln(os.Stderr, "usage: ocicheck PROFILE [--allowed NAME]... [--denied NAME=ERRNO]... [--killed NAME]")
	return 2
}

func parent(args []string) int {
	if len(args) == 0 {
		return usage("no profile given")
	}
	path := args[0]
	var checks []check
	killed := 0
	for i := 1; i < len(args); i++ {
		kind := strings.TrimPrefix(args[i], "--")
		if i+1 >= len(args) || (kind != "allowed" && kind != "denied" && kind != "killed") {
			return usage("bad argument %q", args[i])
		}
		i++
		c := check{name: args[i], kind: kind}
		if kind == "denied" {
			name, errno, ok := strings.Cut(args[i], "=")
			e, known := errnoByName(errno)
			if !ok || !known {
				return usage("--denied wants NAME=ERRNO with a symbolic errno, not %q", args[i])
			}
			c.name, c.errno = name, e
		}
		if kind == "killed" {
			if killed++; killed > 1 {
				return usage("only one --killed is possible: the child dies of it")
			}
		}
		nr, err := libseccomp.GetSyscallFromName(c.name)
		if err != nil {
			return usage("syscall %q is unknown on this architecture", c.name)
		}
		c.nr = int(nr)
		checks = append(checks, c)
	}

	// Everything that can be wrong with the profile shows here, before
	// the child runs.
	if _, err := buildFilter(path); err != nil {
		fmt.Fprintf(os.Stderr, "ocicheck: %s: %v\n", path, err)
		return 2
	}

	// The killing syscall goes last, as the child makes them in order.
	childArgs := []string{childArg, path}
	for _, c := range checks {
		if c.kind != "killed" {
			childArgs = append(childArgs, strconv.Itoa(c.nr))
		}
	}
	for _, c := range checks {
		if c.kind == "killed" {
			childArgs = append(childArgs, "kill:"+strconv.Itoa(c.nr))
		}
	}
	results, died, err := runChild(childArgs, len(checks)-killed)
	if err != nil {
		fmt.Fprintf(os.Stderr, "ocicheck: %v\n", err)
		return 1
	}

	failed := 0
	for _, c := range checks {
		msg := judge(c, results, died)
		if msg == "" {
			fmt.Printf("ok %s %s\n", c.kind, c.name)
			continue
		}
		failed++
		fmt.Printf("FAILED %s %s: %s\n", c.kind, c.name, msg)
	}
	if died != 0 && (killed == 0 || died != unix.SIGSYS) {
		failed++
		fmt.Printf("FAILED: the child died of %v (the checks need write and exit_group allowed)\n", died)
	}
	if failed > 0 {
		fmt.Printf("%d failures, %d expectations\n", failed, len(checks))
		return 1
	}
	fmt.Printf("all %d expectations hold\n", len(checks))
	return 0
}

// outcome is what one syscall returned without and with the filter.
type outcome struct{ before, after syscall.Errno }

func judge(c check, results map[int]outcome, died syscall.Signal) string {
	if c.kind == "killed" {
		if died == 0 {
			return "the child survived it"
		}
		if died != unix.SIGSYS {
			return fmt.Sprintf("the child died of %v, not SIGSYS", died)
		}
		return ""
	}
	r, ok := results[c.nr]
	if !ok {
		return "the child did not report it"
	}
	switch c.kind {
	case "allowed":
		if r.after != r.before {
			return fmt.Sprintf("got %s with the filter, %s without", errnoText(r.after), errnoText(r.before))
		}
	case "denied":
		if r.before == c.errno {
			return fmt.Sprintf("inconclusive: it gets %s without the filter too", errnoText(r.before))
		}
		if r.after != c.errno {
			return fmt.Sprintf("got %s with the filter, want %s", errnoText(r.after), errnoText(c.errno))
		}
	}
	return ""
}

func errnoText(e syscall.Errno) string {
	if e == 0 {
		return "success"
	}
	if n := unix.ErrnoName(e); n != "" {
		return n
	}
	return fmt.Sprintf("errno %d", int(e))
}

func errnoByName(name string) (syscall.Errno, bool) {
	for e := syscall.Errno(1); e < 4096; e++ {
		if unix.ErrnoName(e) == name {
			return e, true
		}
	}
	return 0, false
}

// runChild runs the checks in a child process and reads its report: one
// line "NR BEFORE AFTER" per syscall, errnos as numbers, 0 for success.
func runChild(args []string, reports int) (map[int]outcome, syscall.Signal, error) {
	var stdout, stderr bytes.Buffer
	cmd := exec.Command("/proc/self/exe", args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		return nil, 0, fmt.Errorf("could not start the child: %w", err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		<-done
		return nil, 0, fmt.Errorf("the child did not finish in 30 s (does the profile deny exit_group?); it wrote %q", stdout.String())
	}
	var died syscall.Signal
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		died = ws.Signal()
	} else if err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			return nil, 0, err
		}
		return nil, 0, fmt.Errorf("the child failed (%v): %s%s", err, stderr.String(), stdout.String())
	}
	results := map[int]outcome{}
	for _, line := range strings.Split(strings.TrimSpace(stdout.String()), "\n") {
		var nr, before, after int
		if line == "" {
			continue
		}
		if _, err := fmt.Sscanf(line, "%d %d %d", &nr, &before, &after); err != nil {
			return nil, 0, fmt.Errorf("the child wrote %q: %w", line, err)
		}
		results[nr] = outcome{syscall.Errno(before), syscall.Errno(after)}
	}
	if len(results) == 0 && reports > 0 && died == 0 {
		return nil, 0, fmt.Errorf("the child reported nothing (does the profile deny write?): %s", stderr.String())
	}
	return results, died, nil
}

// child builds the filter, makes each syscall without it, loads it on this
// thread only, makes each again, writes the report and exits. After the
// filter is loaded it makes raw syscalls only, and no allocation, so that
// the Go runtime needs nothing from the profile but write and exit_group.
func child(args []string) int {
	runtime.LockOSThread()
	if len(args) < 1 {
		return 2
	}
	filter, err := buildFilter(args[0])
	if err != nil {
		fmt.Fprintf(os.Stderr, "ocicheck child: %v\n", err)
		return 2
	}
	var nrs []uintptr
	kill := -1
	for _, a := range args[1:] {
		if k, ok := strings.CutPrefix(a, "kill:"); ok {
			n, _ := strconv.Atoi(k)
			kill = n
			continue
		}
		n, _ := strconv.Atoi(a)
		nrs = append(nrs, uintptr(n))
	}
	before := make([]syscall.Errno, len(nrs))
	after := make([]syscall.Errno, len(nrs))
	for i, nr := range nrs {
		_, _, before[i] = unix.RawSyscall6(nr, 0, 0, 0, 0, 0, 0)
	}
	report := make([]byte, 0, 64*len(nrs)+64)

	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		fmt.Fprintf(os.Stderr, "ocicheck child: prctl(PR_SET_NO_NEW_PRIVS): %v\n", err)
		return 2
	}
	if err := loadOnThisThread(filter); err != nil {
		fmt.Fprintf(os.Stderr, "ocicheck child: could not load the filter: %v\n", err)
		return 2
	}
	for i, nr := range nrs {
		_, _, after[i] = unix.RawSyscall6(nr, 0, 0, 0, 0, 0, 0)
	}
	for i, nr := range nrs {
		report = strconv.AppendUint(report, uint64(nr), 10)
		report = append(report, ' ')
		report = strconv.AppendInt(report, int64(before[i]), 10)
		report = append(report, ' ')
		report = strconv.AppendInt(report, int64(after[i]), 10)
		report = append(report, '\n')
	}
	if len(report) > 0 {
		unix.RawSyscall(unix.SYS_WRITE, 1, uintptr(unsafe.Pointer(unsafe.SliceData(report))), uintptr(len(report)))
	}
	if kill >= 0 {
		unix.RawSyscall6(uintptr(kill), 0, 0, 0, 0, 0, 0)
	}
	unix.RawSyscall(unix.SYS_EXIT_GROUP, 0, 0, 0)
	return 0
}

// loadOnThisThread installs the filter on the calling thread alone.
// libseccomp-golang's Load synchronises every thread of the process
// (TSYNC), and then the Go runtime's own threads (sysmon polling the
// network with epoll_pwait) meet a profile made for PostgreSQL.
func loadOnThisThread(filter *libseccomp.ScmpFilter) error {
	r, w, err := os.Pipe()
	if err != nil {
		return err
	}
	defer r.Close()
	done := make(chan error, 1)
	go func() {
		done <- filter.ExportBPF(w)
		w.Close()
	}()
	var prog bytes.Buffer
	if _, err := prog.ReadFrom(r); err != nil {
		return err
	}
	if err := <-done; err != nil {
		return err
	}
	insns := prog.Bytes()
	if len(insns) == 0 || len(insns)%8 != 0 {
		return fmt.Errorf("libseccomp exported %d bytes, not a program", len(insns))
	}
	fprog := unix.SockFprog{Len: uint16(len(insns) / 8), Filter: (*unix.SockFilter)(unsafe.Pointer(&insns[0]))}
	if _, _, e := unix.RawSyscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, 0, uintptr(unsafe.Pointer(&fprog))); e != 0 {
		return e
	}
	runtime.KeepAlive(insns)
	return nil
}

// buildFilter reads a profile as Docker does and builds its libseccomp
// filter. Beyond what moby checks, fields it does not know, actions it
// does not know, errnos where they mean nothing, syscalls unknown here and
// a syscall named twice are errors: runtimes skip or reject those.
func buildFilter(path string) (*libseccomp.ScmpFilter, error) {
	body, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var strict seccomp.Seccomp
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&strict); err != nil {
		return nil, fmt.Errorf("not a seccomp profile: %w", err)
	}
	if dec.More() {
		return nil, errors.New("not a seccomp profile: text after the JSON object")
	}
	spec := &specs.Spec{Process: &specs.Process{Capabilities: &specs.LinuxCapabilities{}}}
	config, err := seccomp.LoadProfile(string(body), spec)
	if err != nil {
		return nil, err
	}
	if config == nil {
		return nil, errors.New("the profile is empty: a runtime would load no filter")
	}

	def, err := action(config.DefaultAction, config.DefaultErrnoRet)
	if err != nil {
		return nil, fmt.Errorf("defaultAction: %w", err)
	}
	filter, err := libseccomp.NewFilter(def)
	if err != nil {
		return nil, err
	}
	for _, a := range config.Architectures {
		arch, err := libseccomp.GetArchFromString(strings.TrimPrefix(string(a), "SCMP_ARCH_"))
		if err != nil {
			return nil, fmt.Errorf("architecture %q: %w", a, err)
		}
		if err := filter.AddArch(arch); err != nil {
			return nil, fmt.Errorf("architecture %q: %w", a, err)
		}
	}
	for _, f := range config.Flags {
		switch f {
		case specs.LinuxSeccompFlagLog:
			err = filter.SetLogBit(true)
		case specs.LinuxSeccompFlagSpecAllow:
			err = filter.SetSSB(true)
		default:
			err = errors.New("not supported by ocicheck")
		}
		if err != nil {
			return nil, fmt.Errorf("flag %q: %w", f, err)
		}
	}
	seen := map[string]bool{}
	for i, sc := range config.Syscalls {
		act, err := action(sc.Action, sc.ErrnoRet)
		if err != nil {
			return nil, fmt.Errorf("syscalls[%d]: %w", i, err)
		}
		if len(sc.Args) > 0 {
			return nil, fmt.Errorf("syscalls[%d]: argument conditions are not supported by ocicheck", i)
		}
		if len(sc.Names) == 0 {
			return nil, fmt.Errorf("syscalls[%d]: no names", i)
		}
		for _, name := range sc.Names {
			if seen[name] {
				return nil, fmt.Errorf("syscalls[%d]: %q is named twice", i, name)
			}
			seen[name] = true
			nr, err := libseccomp.GetSyscallFromName(name)
			if err != nil {
				return nil, fmt.Errorf("syscalls[%d]: syscall %q is unknown here", i, name)
			}
			// runc skips these too: libseccomp refuses them.
			if act == def {
				continue
			}
			if err := filter.AddRule(nr, act); err != nil {
				return nil, fmt.Errorf("syscalls[%d]: %q: %w", i, name, err)
			}
		}
	}
	return filter, nil
}

// action converts a runtime-spec action as runc does, errno EPERM unless
// given.
func action(a specs.LinuxSeccompAction, errnoRet *uint) (libseccomp.ScmpAction, error) {
	if errnoRet != nil && a != specs.ActErrno && a != specs.ActTrace {
		return 0, fmt.Errorf("an errno for action %q", a)
	}
	code := int16(unix.EPERM)
	if errnoRet != nil {
		if *errnoRet > 4095 {
			return 0, fmt.Errorf("errno %d is out of range", *errnoRet)
		}
		code = int16(*errnoRet)
	}
	switch a {
	case specs.ActAllow:
		return libseccomp.ActAllow, nil
	case specs.ActLog:
		return libseccomp.ActLog, nil
	case specs.ActErrno:
		return libseccomp.ActErrno.SetReturnCode(code), nil
	case specs.ActTrace:
		return libseccomp.ActTrace.SetReturnCode(code), nil
	case specs.ActTrap:
		return libseccomp.ActTrap, nil
	case specs.ActKill, specs.ActKillThread:
		return libseccomp.ActKillThread, nil
	case specs.ActKillProcess:
		return libseccomp.ActKillProcess, nil
	}
	return 0, fmt.Errorf("unknown action %q", a)
}

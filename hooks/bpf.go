package hooks

import (
	"fmt"
	"io"
	"os"

	seccomp "github.com/seccomp/libseccomp-golang"
	"golang.org/x/sys/unix"

	"github.com/pgseccomp/pgseccomp/guc"
)

// MaxInstructions is the kernel's limit on one filter program (BPF_MAXINSNS).
const MaxInstructions = 4096

func scmpAction(d Decision) seccomp.ScmpAction {
	switch d.Action {
	case guc.Log:
		return seccomp.ActLog
	case guc.Error:
		return seccomp.ActErrno.SetReturnCode(int16(d.errno()))
	case guc.Kill:
		return seccomp.ActKillProcess
	default:
		return seccomp.ActAllow
	}
}

// BPF compiles the filter for the native architecture into a classic BPF
// program (an array of struct sock_filter), ready for seccomp(2). Syscalls
// of any other architecture or ABI kill the process.
func (f *Filter) BPF() ([]byte, error) {
	sf, err := seccomp.NewFilter(scmpAction(f.Default))
	if err != nil {
		return nil, fmt.Errorf("creating filter: %w", err)
	}
	defer sf.Release()
	if err := sf.SetBadArchAction(seccomp.ActKillProcess); err != nil {
		return nil, fmt.Errorf("setting bad-architecture action: %w", err)
	}
	for _, nr := range f.Numbers() {
		d := f.Rules[nr]
		if scmpAction(d) == scmpAction(f.Default) {
			continue // libseccomp refuses rules that repeat the default
		}
		if err := sf.AddRule(seccomp.ScmpSyscall(nr), scmpAction(d)); err != nil {
			return nil, fmt.Errorf("adding rule for syscall %d: %w", nr, err)
		}
	}
	prog, err := export(sf)
	if err != nil {
		return nil, err
	}
	if n := len(prog) / 8; n > MaxInstructions {
		return nil, fmt.Errorf("filter has %d instructions, more than the kernel's limit of %d", n, MaxInstructions)
	}
	return prog, nil
}

// export reads the program back through a memfd: ExportBPF only writes to
// a file, and a pipe could fill before we read it.
func export(sf *seccomp.ScmpFilter) ([]byte, error) {
	fd, err := unix.MemfdCreate("pgseccomp-bpf", unix.MFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("memfd_create: %w", err)
	}
	file := os.NewFile(uintptr(fd), "pgseccomp-bpf")
	defer file.Close()
	if err := sf.ExportBPF(file); err != nil {
		return nil, fmt.Errorf("exporting BPF: %w", err)
	}
	if _, err := file.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("rewinding BPF: %w", err)
	}
	prog, err := io.ReadAll(file)
	if err != nil {
		return nil, fmt.Errorf("reading BPF: %w", err)
	}
	if len(prog) == 0 || len(prog)%8 != 0 {
		return nil, fmt.Errorf("exported BPF has %d bytes, not a whole number of instructions", len(prog))
	}
	return prog, nil
}

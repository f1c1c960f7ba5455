package targets_test

import (
	"runtime"
	"testing"

	"github.com/pgseccomp/pgseccomp/internal/bpf"
	"github.com/pgseccomp/pgseccomp/internal/names"
	"github.com/pgseccomp/pgseccomp/internal/policy"
	"github.com/pgseccomp/pgseccomp/internal/settings"
	"github.com/pgseccomp/pgseccomp/internal/targets"
)

// kernelAction is the action a seccomp return value enforces: a trap with
// an errno is an error, a learning trap runs the syscall.
func kernelAction(ret uint32) (settings.Action, bool) {
	switch ret & 0xffff0000 {
	case retAllow:
		return settings.Allow, true
	case retLog:
		return settings.Log, true
	case retErrno:
		return settings.Error, true
	case retTrap:
		if ret&0xfff != 0 {
			return settings.Error, true
		}
		return settings.Allow, true
	case retKillProcess:
		return settings.Kill, true
	}
	return 0, false
}

// TestWholeTableDescribedAsEnforced: for every x86_64 syscall of jobs.txt
// (Linux 6.18: more than libseccomp 2.5.4 knows), a session that denies it
// by name, and one whose default denies and that allows it by name, are
// either refused or compiled into programs that decide every number of the
// table, as seccomp_filter() describes them (policy.Describe), in both
// layouts and with and without traps. A row that says "error" over a
// program that allows is a denial that does not happen.
func TestWholeTableDescribedAsEnforced(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skip("jobs.txt numbers are x86_64's")
	}
	arch := nativeArch(t)
	checked, refused := 0, 0
	for _, global := range []settings.Level{
		globalLevel("allow", "", "", "", ""),
		globalLevel("log", "", "", "", ""),
	} {
		g, err := targets.BuildGlobal(global, native, policy.SelfNeeds)
		if err != nil {
			t.Fatal(err)
		}
		trap := bpf.NewTrap(testRanges, native)
		for _, p := range names.Syscalls() {
			if p.Nr < 0 {
				continue // another architecture's
			}
			for _, session := range []settings.Level{
				sessionLevel("allow", "", "", p.Name, ""),
				sessionLevel("error", p.Name+", read, write", "", "", ""),
				sessionLevel("log", "", "", p.Name, ""),
			} {
				label := "global " + global.Default.Raw + ", " + p.Name + " " + session.Default.Raw
				s, err := targets.BuildSession(g, settings.Target{Global: global, Session: session}, native)
				if err != nil {
					refused++
					continue // refused at settings time: fails closed
				}
				if s.Filter == nil {
					t.Errorf("%s: no session filter", label)
					continue
				}
				rows := policy.Describe(s.Stack)
				if r := rowFor(rows, p.Nr); r.Nr != p.Nr {
					t.Errorf("%s: syscall %d has no row of its own", label, p.Nr)
				}
				for _, trapped := range []bool{false, true} {
					for _, layout := range []bpf.Layout{bpf.Linear, bpf.Tree} {
						var vms []*vm
						for i, f := range s.Stack {
							var tr *bpf.Trap
							if trapped && i > 0 {
								tr = trap.On(s.Stack[i-1])
							} else if trapped {
								tr = trap
							}
							prog, err := bpf.EmitLayout(f, tr, layout)
							if err != nil {
								t.Fatalf("%s: %v: %v", label, layout, err)
							}
							vms = append(vms, load(t, prog))
						}
						ips := []uint64{0x7f0000001000}
						if trapped {
							ips = append(ips, ipsInside[0])
						}
						for nr := int32(0); nr < 1024; nr++ {
							want := rowFor(rows, nr).Action
							for _, ip := range ips {
								// The kernel enforces the highest action of the stack.
								kernel := settings.Allow
								for _, v := range vms {
									ret := v.runAt(t, nr, arch, ip)
									got, ok := kernelAction(ret)
									if !ok {
										t.Fatalf("%s: syscall %d: program returns %#x", label, nr, ret)
									}
									kernel = max(kernel, got)
								}
								if kernel != want {
									t.Errorf("%s (%v, trap %v, ip %#x): syscall %d: the programs %v, seccomp_filter() says %v",
										label, layout, trapped, ip, nr, kernel, want)
								}
							}
						}
						checked++
					}
				}
			}
		}
	}
	t.Logf("%d stacks checked, %d settings refused", checked, refused)
}

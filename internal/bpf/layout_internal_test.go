package bpf

import (
	"runtime"
	"testing"

	"github.com/pgseccomp/pgseccomp/internal/names"
	"github.com/pgseccomp/pgseccomp/internal/policy"
	"github.com/pgseccomp/pgseccomp/internal/settings"
)

// The syscalls the model takes as always allowed by the global filter are
// those the kernel finds in the global program.
func TestConstAllowedBelowMatchesProgram(t *testing.T) {
	if runtime.GOARCH != "amd64" && runtime.GOARCH != "arm64" {
		t.Skip("no AUDIT_ARCH known")
	}
	table := names.NativeTable()
	number := func(name string) int32 {
		nr, ok := table.Number(name)
		if !ok {
			t.Fatalf("no syscall %s here", name)
		}
		return nr
	}
	rule := func(a settings.Action) policy.Decision {
		return policy.Decision{Action: a, Source: policy.SourceGlobal, Named: true}
	}
	ranges := []Range{{Lo: 0x7f0000000000, Hi: 0x7f0000100000}}
	for _, tt := range []struct {
		name string
		def  settings.Action
		trap *Trap
	}{
		{"allow default", settings.Allow, nil},
		{"error default", settings.Error, nil},
		{"error default, trapping", settings.Error, NewTrap(ranges, table)},
		{"learn default, trapping", settings.Learn, NewTrap(ranges, table)},
		{"learn default, no ranges", settings.Learn, NewTrap(nil, table)},
	} {
		g := &policy.Filter{Default: policy.Decision{Action: tt.def, Source: policy.SourceGlobal}, Rules: map[int32]policy.Decision{
			number("read"): rule(settings.Allow), number("write"): rule(settings.Allow), number("openat"): rule(settings.Log),
			number("sethostname"): rule(settings.Error), number("reboot"): rule(settings.Kill), number("getppid"): rule(settings.Allow),
		}}
		prog, err := Emit(g, tt.trap)
		if err != nil {
			t.Fatal(err)
		}
		kernel := AlwaysAllows(prog, NativeAuditArch())
		model := tt.trap.On(g).constAllowedBelow()
		if tt.trap == nil {
			model = (&Trap{Below: g}).constAllowedBelow()
		}
		for nr := 0; nr < AttachNrs; nr++ {
			if kernel(nr) != model(nr) {
				t.Errorf("%s: syscall %d: the program always allows it: %v; the model: %v", tt.name, nr, kernel(nr), model(nr))
			}
		}
	}
}

package hooks

import (
	"runtime"
	"testing"

	"github.com/pgseccomp/pgseccomp/guc"
)

// The syscalls the model takes as always allowed by the global filter are
// those the kernel finds in the global program.
func TestConstAllowedBelowMatchesProgram(t *testing.T) {
	if runtime.GOARCH != "amd64" && runtime.GOARCH != "arm64" {
		t.Skip("no AUDIT_ARCH known")
	}
	table := NativeTable()
	number := func(name string) int32 {
		nr, ok := table.Number(name)
		if !ok {
			t.Fatalf("no syscall %s here", name)
		}
		return nr
	}
	rule := func(a guc.Action) Decision { return Decision{Action: a, Source: SourceGlobal, Named: true} }
	ranges := []Range{{Lo: 0x7f0000000000, Hi: 0x7f0000100000}}
	for _, tt := range []struct {
		name string
		def  guc.Action
		trap *Trap
	}{
		{"allow default", guc.Allow, nil},
		{"error default", guc.Error, nil},
		{"error default, trapping", guc.Error, NewTrap(ranges, table)},
		{"learn default, trapping", guc.Learn, NewTrap(ranges, table)},
		{"learn default, no ranges", guc.Learn, NewTrap(nil, table)},
	} {
		g := &Filter{Default: Decision{Action: tt.def, Source: SourceGlobal}, Rules: map[int32]Decision{
			number("read"): rule(guc.Allow), number("write"): rule(guc.Allow), number("openat"): rule(guc.Log),
			number("sethostname"): rule(guc.Error), number("reboot"): rule(guc.Kill), number("getppid"): rule(guc.Allow),
		}}
		prog, err := g.BPFWith(tt.trap)
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

// Command layouts writes, for each rule count given, a session filter
// that gives error to that many syscalls, compiled by pgseccomp in each
// layout (bpf.EmitLayout), and two first filters to attach them on: one
// that allows every syscall but one (first-allow.bpf) and one that denies
// every syscall but 150 (first-deny.bpf), as a learned global policy does.
// It prints per filter its instructions, and on each first filter the
// kernel's run to find the syscalls it always allows (steps) and the
// modelled attach cost. regress/layout_bench.sh attaches them.
//
// Usage: layouts DIR RULES...
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/pgseccomp/pgseccomp/internal/bpf"
	"github.com/pgseccomp/pgseccomp/internal/names"
	"github.com/pgseccomp/pgseccomp/internal/policy"
	"github.com/pgseccomp/pgseccomp/internal/settings"
)

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "layouts: "+format+"\n", args...)
	os.Exit(1)
}

func write(dir, name string, f *policy.Filter, layout bpf.Layout) []byte {
	prog, err := bpf.EmitLayout(f, nil, layout)
	if err != nil {
		fail("%s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), prog, 0o644); err != nil {
		fail("%v", err)
	}
	return prog
}

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: layouts DIR RULES...")
		os.Exit(2)
	}
	dir := os.Args[1]
	table := names.NativeTable()
	arch := bpf.NativeAuditArch()
	// Spread the rules over the table, as group lists are, but for what
	// the bench's child needs to report its time and exit.
	needs := map[string]bool{"write": true, "exit": true, "exit_group": true, "clock_gettime": true}
	var numbers []int32
	for nr := int32(0); nr < 450; nr++ {
		if name := table.Name(nr); name != "" && !needs[name] {
			numbers = append(numbers, nr)
		}
	}
	rule := func(a settings.Action) policy.Decision {
		return policy.Decision{Action: a, Source: policy.SourceGlobal, Named: true}
	}

	allowFirst := &policy.Filter{Default: policy.Decision{Action: settings.Allow, Source: policy.SourceGlobal},
		Rules: map[int32]policy.Decision{numbers[len(numbers)-1]: rule(settings.Error)}}
	denyFirst := &policy.Filter{Default: policy.Decision{Action: settings.Error, Source: policy.SourceGlobal},
		Rules: map[int32]policy.Decision{}}
	for _, name := range []string{"write", "exit", "exit_group", "clock_gettime", "seccomp"} {
		if nr, ok := table.Number(name); ok {
			denyFirst.Rules[nr] = rule(settings.Allow)
		}
	}
	for i := 0; len(denyFirst.Rules) < 150; i += 2 {
		denyFirst.Rules[numbers[i]] = rule(settings.Allow)
	}
	belowAllow := bpf.AlwaysAllows(write(dir, "first-allow.bpf", allowFirst, bpf.Linear), arch)
	belowDeny := bpf.AlwaysAllows(write(dir, "first-deny.bpf", denyFirst, bpf.Tree), arch)

	fmt.Println("rules layout insns steps_on_allow model_us_on_allow steps_on_deny model_us_on_deny file")
	for _, arg := range os.Args[2:] {
		n, err := strconv.Atoi(arg)
		if err != nil || n < 1 || n > len(numbers) {
			fail("bad rule count %q", arg)
		}
		f := &policy.Filter{Default: policy.Decision{Action: settings.Allow, Source: policy.SourceSession},
			Rules: map[int32]policy.Decision{}}
		for i := 0; i < n; i++ {
			nr := numbers[i*len(numbers)/n]
			f.Rules[nr] = policy.Decision{Action: settings.Error, Source: policy.SourceSession, Named: true}
		}
		for _, layout := range []bpf.Layout{bpf.Linear, bpf.Tree} {
			name := fmt.Sprintf("%s-%d.bpf", layout, n)
			prog := write(dir, name, f, layout)
			fmt.Printf("%d %v %d %d %.1f %d %.1f %s\n", n, layout, len(prog)/8,
				bpf.ConstAllowSteps(prog, arch, bpf.AttachNrs, belowAllow), bpf.AttachCost(prog, belowAllow)/1000,
				bpf.ConstAllowSteps(prog, arch, bpf.AttachNrs, belowDeny), bpf.AttachCost(prog, belowDeny)/1000,
				name)
		}
	}
}

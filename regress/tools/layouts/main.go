// Command layouts writes, for each rule count given, a session filter
// that gives error to that many syscalls, compiled by pgseccomp in each
// layout (hooks.BPFLayout), and prints per filter its instructions, the
// kernel's run to find the syscalls it always allows (steps), and the
// modelled attach cost. regress/layout_bench.sh attaches them.
//
// Usage: layouts DIR RULES...
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/pgseccomp/pgseccomp/guc"
	"github.com/pgseccomp/pgseccomp/hooks"
)

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: layouts DIR RULES...")
		os.Exit(2)
	}
	dir := os.Args[1]
	table := hooks.NativeTable()
	// Spread the rules over the table, as group lists are, but for what
	// the bench's child needs to report its time and exit.
	needs := map[string]bool{"write": true, "exit": true, "exit_group": true, "clock_gettime": true}
	var numbers []int32
	for nr := int32(0); nr < 450; nr++ {
		if name := table.Name(nr); name != "" && !needs[name] {
			numbers = append(numbers, nr)
		}
	}
	fmt.Println("rules layout insns steps model_us file")
	for _, arg := range os.Args[2:] {
		n, err := strconv.Atoi(arg)
		if err != nil || n < 1 || n > len(numbers) {
			fmt.Fprintf(os.Stderr, "layouts: bad rule count %q\n", arg)
			os.Exit(2)
		}
		f := &hooks.Filter{Default: hooks.Decision{Action: guc.Allow, Source: hooks.SourceSession},
			Rules: map[int32]hooks.Decision{}}
		for i := 0; i < n; i++ {
			nr := numbers[i*len(numbers)/n]
			f.Rules[nr] = hooks.Decision{Action: guc.Error, Source: hooks.SourceSession, Named: true}
		}
		for _, layout := range []hooks.Layout{hooks.Linear, hooks.Tree} {
			prog, err := f.BPFLayout(nil, layout)
			if err != nil {
				fmt.Fprintf(os.Stderr, "layouts: %d rules, %v: %v\n", n, layout, err)
				os.Exit(1)
			}
			file := filepath.Join(dir, fmt.Sprintf("%s-%d.bpf", layout, n))
			if err := os.WriteFile(file, prog, 0o644); err != nil {
				fmt.Fprintln(os.Stderr, "layouts:", err)
				os.Exit(1)
			}
			fmt.Printf("%d %v %d %d %.1f %s\n", n, layout, len(prog)/8, hooks.ConstAllowSteps(prog, hooks.NativeAuditArch(), hooks.AttachNrs),
				hooks.AttachCost(prog)/1000, file)
		}
	}
}

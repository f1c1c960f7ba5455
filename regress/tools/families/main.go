// Command families prints, from internal/names' table of jobs, what
// regress/t/021_families.pl tries: for every job that two or more native
// syscalls do, or that argument-level siblings do, the member a level
// denies and each call that must then fail (or not) with the level's
// errno, with arguments no syscall accepts. Output, one line each:
//
//	family JOB NEEDED
//	deny NAME
//	try NAME NR EXPECT A0 A1 A2 A3 A4 A5
//	note JOB
//
// NEEDED is the syscalls of the job that PostgreSQL or pgseccomp itself
// needs (policy.ClientFloor, bpf.Untrapped, policy.RarePaths,
// policy.SelfNeeds), comma-separated, "-" for none. EXPECT is "denied"
// (the level's errno), "enosys" (an opaque sibling) or "allowed" (any
// other result). Arguments are hexadecimal; ffffffffffffffff is -1. exit
// and exit_group are never tried: no arguments make them fail.
package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/pgseccomp/pgseccomp/internal/bpf"
	"github.com/pgseccomp/pgseccomp/internal/names"
	"github.com/pgseccomp/pgseccomp/internal/policy"
)

const bad = ^uint64(0)

func main() {
	t := names.NativeTable()
	needed := map[string]bool{}
	for _, l := range [][]string{policy.ClientFloor, bpf.Untrapped, policy.RarePaths, policy.SelfNeeds} {
		for _, n := range l {
			needed[n] = true
		}
	}
	w := os.Stdout
	for _, j := range names.Jobs() {
		var native []string
		var need []string
		for _, s := range j.Syscalls {
			if _, ok := t.Number(s); ok {
				native = append(native, s)
				if needed[s] {
					need = append(need, s)
				}
			}
		}
		if len(native) == 0 || (len(native) < 2 && len(j.Args) == 0) {
			continue
		}
		if len(need) == 0 {
			need = []string{"-"}
		}
		fmt.Fprintf(w, "family %s %s\n", j.Name, strings.Join(need, ","))
		fmt.Fprintf(w, "deny %s\n", native[0])
		for _, s := range native[1:] {
			if s == "exit" || s == "exit_group" {
				continue // no arguments make them fail
			}
			nr, _ := t.Number(s)
			args := [6]uint64{bad, bad, bad, bad, bad, bad}
			if s == "clone" {
				args[0] = 0x10000 // CLONE_THREAD alone: EINVAL (all flags would start a thread)
			}
			expect := "denied"
			if names.Opaque(s) {
				expect = "enosys" // clone3: so that glibc falls back to clone
			}
			try(w, s, nr, expect, args)
		}
		for _, a := range j.Args {
			nr, ok := t.Number(a.Name)
			if !ok {
				continue
			}
			if a.Cond.Opaque {
				try(w, a.Name, nr, "enosys", [6]uint64{bad, bad, bad, bad, bad, bad})
				continue
			}
			yes, no := [6]uint64{bad, bad, bad, bad, bad, bad}, [6]uint64{bad, bad, bad, bad, bad, bad}
			if a.Cond.Mask != 0 {
				yes[a.Cond.Arg] = uint64(a.Cond.Mask & -a.Cond.Mask)
			} else {
				yes[a.Cond.Arg] = uint64(a.Cond.Values[0])
			}
			no[a.Cond.Arg] = 0x10001 // no condition's bit or value
			try(w, a.Name, nr, "denied", yes)
			try(w, a.Name, nr, "allowed", no)
		}
		if j.Note != "" {
			fmt.Fprintf(w, "note %s\n", j.Name)
		}
	}
}

func try(w *os.File, name string, nr int32, expect string, args [6]uint64) {
	fmt.Fprintf(w, "try %s %d %s %x %x %x %x %x %x\n", name, nr, expect, args[0], args[1], args[2], args[3], args[4], args[5])
}

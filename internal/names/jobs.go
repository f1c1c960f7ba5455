package names

import (
	_ "embed"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// jobs.txt places every syscall of x86_64 and every io_uring operation into
// the job it does; its header says how, and why for the borderline cases.
// A family is every syscall with the same job. A rule that restricts one
// member and leaves the others to the default would be sidestepped by a
// sibling, so:
//
//   - a log, error or kill rule extends to the siblings that the same level
//     does not name (expand: denying is always safe to widen), and to the
//     argument-level siblings for the arguments that do the job;
//   - an allow rule is not extended, since that would loosen what was
//     written; the lint reports the unnamed siblings instead (warn).
//
// Members missing on the running architecture are ignored.
//
//go:embed jobs.txt
var jobsFile string

// Cond is the condition under which a syscall is an argument-level sibling:
// its argument Arg has some bit of Mask set, or equals one of Values, in
// its low 32 bits; or, Opaque, the arguments that matter are in memory.
type Cond struct {
	Arg    int
	Mask   uint32
	Values []uint32
	Opaque bool
}

// String writes the condition as jobs.txt does.
func (c Cond) String() string {
	switch {
	case c.Opaque:
		return "opaque"
	case c.Mask != 0:
		return fmt.Sprintf("arg%d&%#x", c.Arg, c.Mask)
	}
	vals := make([]string, len(c.Values))
	for i, v := range c.Values {
		vals[i] = strconv.FormatUint(uint64(v), 10)
		if v > 0xffff {
			vals[i] = fmt.Sprintf("%#x", v)
		}
	}
	return fmt.Sprintf("arg%d==%s", c.Arg, strings.Join(vals, ","))
}

// Match tells whether an argument's value meets the condition (Opaque:
// never, since the filter cannot see it).
func (c Cond) Match(arg uint64) bool {
	low := uint32(arg)
	if c.Mask != 0 {
		return low&c.Mask != 0
	}
	for _, v := range c.Values {
		if low == v {
			return true
		}
	}
	return false
}

// ArgSibling is a syscall that does a job only with some arguments.
type ArgSibling struct {
	Name string
	Cond Cond
}

// Job is one job of jobs.txt: the syscalls that do it (native ones with
// their x86_64 numbers first, in number order, then other architectures'
// names), those that do it with some arguments, the io_uring operations
// that do it, and what a filter cannot stop of it.
type Job struct {
	Name     string
	Syscalls []string
	Args     []ArgSibling
	Ops      []string // each "IORING_OP_NAME", or "IORING_OP_NAME (some fields)"
	Note     string
}

// Placement is one syscall's line in jobs.txt.
type Placement struct {
	Nr   int32 // -1 for another architecture's name
	Name string
	Job  string
}

// IOUringOpPlacement is one io_uring operation's line in jobs.txt.
type IOUringOpPlacement struct {
	Nr   int
	Name string
	Job  string
	When string // "" for its job; else the fields that make it do Job
}

type jobTable struct {
	jobs       map[string]*Job
	order      []string // job names in order of first appearance
	jobOf      map[string]string
	opaque     map[string]bool
	syscalls   []Placement
	argLines   []Placement
	ops        []IOUringOpPlacement
	notesByJob map[string]string
}

var jobs = func() *jobTable {
	t, err := parseJobs(jobsFile)
	if err != nil {
		panic(err) // the embedded file is checked by the tests
	}
	return t
}()

func parseJobs(text string) (*jobTable, error) {
	t := &jobTable{jobs: map[string]*Job{}, jobOf: map[string]string{}, opaque: map[string]bool{}, notesByJob: map[string]string{}}
	job := func(name string) *Job {
		if j, ok := t.jobs[name]; ok {
			return j
		}
		j := &Job{Name: name}
		t.jobs[name] = j
		t.order = append(t.order, name)
		return j
	}
	var argJobs []struct {
		job string
		sib ArgSibling
	}
	seenOp := map[string]bool{}
	for i, line := range strings.Split(text, "\n") {
		if c := strings.IndexByte(line, '#'); c >= 0 {
			line = line[:c]
		}
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		bad := func(why string) error { return fmt.Errorf("jobs.txt:%d: %s", i+1, why) }
		if f[0] == "note" {
			if len(f) < 3 {
				return nil, bad("a note needs a job and a text")
			}
			if _, dup := t.notesByJob[f[1]]; dup {
				return nil, bad("second note for job " + f[1])
			}
			t.notesByJob[f[1]] = strings.Join(f[2:], " ")
			continue
		}
		if len(f) < 3 {
			return nil, bad("want NR NAME JOB [CONDITION]")
		}
		nr := int64(-1)
		if f[0] != "-" {
			var err error
			if nr, err = strconv.ParseInt(f[0], 10, 32); err != nil || nr < 0 {
				return nil, bad("bad number " + f[0])
			}
		}
		name, jobName := f[1], f[2]
		if strings.HasPrefix(name, "IORING_OP_") {
			if nr < 0 {
				return nil, bad("an io_uring operation needs its number")
			}
			when := strings.Join(f[3:], " ")
			if when == "" {
				if seenOp[name] {
					return nil, bad("operation " + name + " placed twice")
				}
				seenOp[name] = true
			}
			t.ops = append(t.ops, IOUringOpPlacement{int(nr), name, jobName, when})
			op := name
			if when != "" {
				op += " (" + when + ")"
			}
			job(jobName).Ops = append(job(jobName).Ops, op)
			continue
		}
		if len(f) == 3 {
			if _, dup := t.jobOf[name]; dup {
				return nil, bad("syscall " + name + " placed twice")
			}
			t.jobOf[name] = jobName
			t.syscalls = append(t.syscalls, Placement{int32(nr), name, jobName})
			job(jobName).Syscalls = append(job(jobName).Syscalls, name)
			continue
		}
		if len(f) != 4 || nr < 0 {
			return nil, bad("want NR NAME JOB CONDITION")
		}
		c, err := parseCond(f[3])
		if err != nil {
			return nil, bad(err.Error())
		}
		if c.Opaque {
			t.opaque[name] = true
		}
		t.argLines = append(t.argLines, Placement{int32(nr), name, jobName})
		argJobs = append(argJobs, struct {
			job string
			sib ArgSibling
		}{jobName, ArgSibling{name, c}})
	}
	for _, a := range argJobs {
		if t.jobOf[a.sib.Name] == "" {
			return nil, fmt.Errorf("jobs.txt: %s has an argument-level line but no job of its own", a.sib.Name)
		}
		if t.jobOf[a.sib.Name] == a.job {
			return nil, fmt.Errorf("jobs.txt: %s is an argument-level sibling of its own job %s", a.sib.Name, a.job)
		}
		if _, ok := t.jobs[a.job]; !ok {
			return nil, fmt.Errorf("jobs.txt: %s is an argument-level sibling of job %s, which no syscall does", a.sib.Name, a.job)
		}
		t.jobs[a.job].Args = append(t.jobs[a.job].Args, a.sib)
	}
	for j, note := range t.notesByJob {
		if _, ok := t.jobs[j]; !ok {
			return nil, fmt.Errorf("jobs.txt: note for unknown job %s", j)
		}
		t.jobs[j].Note = note
	}
	return t, nil
}

func parseCond(s string) (Cond, error) {
	if s == "opaque" {
		return Cond{Opaque: true}, nil
	}
	if !strings.HasPrefix(s, "arg") || len(s) < 5 {
		return Cond{}, fmt.Errorf("bad condition %q", s)
	}
	arg := int(s[3] - '0')
	if arg < 0 || arg > 5 {
		return Cond{}, fmt.Errorf("bad argument in %q", s)
	}
	num := func(v string) (uint32, error) {
		n, err := strconv.ParseUint(v, 0, 32)
		return uint32(n), err
	}
	switch rest := s[4:]; {
	case strings.HasPrefix(rest, "&"):
		m, err := num(rest[1:])
		if err != nil || m == 0 {
			return Cond{}, fmt.Errorf("bad mask in %q", s)
		}
		return Cond{Arg: arg, Mask: m}, nil
	case strings.HasPrefix(rest, "=="):
		var vals []uint32
		for _, v := range strings.Split(rest[2:], ",") {
			n, err := num(v)
			if err != nil {
				return Cond{}, fmt.Errorf("bad value in %q", s)
			}
			vals = append(vals, n)
		}
		return Cond{Arg: arg, Values: vals}, nil
	}
	return Cond{}, fmt.Errorf("bad condition %q", s)
}

// JobOf is the job syscall name does, "" if jobs.txt does not place it.
func JobOf(name string) string { return jobs.jobOf[name] }

// JobByName is a copy of a job, ok false if there is none.
func JobByName(name string) (Job, bool) {
	j, ok := jobs.jobs[name]
	if !ok {
		return Job{}, false
	}
	c := *j
	c.Syscalls = append([]string(nil), j.Syscalls...)
	c.Args = append([]ArgSibling(nil), j.Args...)
	c.Ops = append([]string(nil), j.Ops...)
	return c, true
}

// Jobs lists every job, in the order of jobs.txt.
func Jobs() []Job {
	out := make([]Job, 0, len(jobs.order))
	for _, n := range jobs.order {
		j, _ := JobByName(n)
		out = append(out, j)
	}
	return out
}

// Syscalls lists every syscall line of jobs.txt, native ones first in
// number order.
func Syscalls() []Placement { return append([]Placement(nil), jobs.syscalls...) }

// ArgPlacements lists the argument-level lines of jobs.txt.
func ArgPlacements() []Placement { return append([]Placement(nil), jobs.argLines...) }

// IOUringOpPlacements lists every io_uring operation line of jobs.txt.
func IOUringOpPlacements() []IOUringOpPlacement {
	return append([]IOUringOpPlacement(nil), jobs.ops...)
}

// Families lists every job that more than one syscall does, as the names
// of its syscalls, each list a fresh copy.
func Families() [][]string {
	var out [][]string
	for _, n := range jobs.order {
		if j := jobs.jobs[n]; len(j.Syscalls) > 1 {
			out = append(out, append([]string(nil), j.Syscalls...))
		}
	}
	return out
}

// Siblings lists the other syscalls that do the job of syscall name.
func Siblings(name string) []string {
	j := jobs.jobs[jobs.jobOf[name]]
	if j == nil {
		return nil
	}
	var out []string
	for _, s := range j.Syscalls {
		if s != name {
			out = append(out, s)
		}
	}
	return out
}

// ArgSiblings lists the syscalls that do the job of syscall name with some
// arguments.
func ArgSiblings(name string) []ArgSibling {
	j := jobs.jobs[jobs.jobOf[name]]
	if j == nil {
		return nil
	}
	return append([]ArgSibling(nil), j.Args...)
}

// Opaque tells whether syscall name passes what makes it a sibling in
// memory, so that a denial it is implied by makes it fail with ENOSYS.
func Opaque(name string) bool { return jobs.opaque[name] }

// Note is what a syscall filter cannot stop of the job of syscall name, "".
func Note(name string) (job, note string) {
	job = jobs.jobOf[name]
	if j := jobs.jobs[job]; j != nil && j.Note != "" {
		return job, j.Note
	}
	return "", ""
}

// sortedNames returns the keys of a set, sorted.
func sortedNames(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for n := range m {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

package targets

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/pgseccomp/pgseccomp/internal/bpf"
	"github.com/pgseccomp/pgseccomp/internal/names"
	"github.com/pgseccomp/pgseccomp/internal/policy"
	"github.com/pgseccomp/pgseccomp/internal/settings"
)

// Suggestions: from what the learning levels learned to setting lines that
// make each of them deny by default (seccomp_suggest()). For every level
// whose default is 'learn' they write the default as 'error' and the allow
// list as what it allowed before, plus what it learned, plus what learning
// cannot see (bpf.Untrapped: at the global level all of them, at session
// levels all but those that create processes or run programs), plus what
// a backend needs on paths a workload may not take (policy.ClientFloor,
// policy.RarePaths), the syscalls whose callers cannot handle an error
// (policy.CannotFail), each with its family (names.Families), so that glibc's
// choice between siblings cannot break it.

// Suggestion is what a "[suggest]" request says was learned: how many of
// its targets are the postmaster's (the others are owners only learned
// rows name), and what each level of each owner learned.
type Suggestion struct {
	Stored   int
	Learned  []Learned
	Observed []Observed
	Programs []Program
}

// Program is a program that processes of one backend type ran while one
// level of one owner learned, Count times (the C layer sees COPY ... TO/FROM
// PROGRAM), or, with Count 0, a setting that runs one from processes of
// that type (archive_command, restore_command, ...). Learning sees none
// of a program's syscalls: execve cannot trap, and a program has no
// SIGSYS handler.
type Program struct {
	Level   int
	Owner   string
	Type    string
	Command string
	Count   int64
}

// Observed is what one level of one owner observed of one backend type
// while learning: how many processes it confined, over how many seconds
// between the first and the last seen.
type Observed struct {
	Level     int
	Owner     string
	Type      string
	Processes int64
	Seconds   int64
}

// A level is observed briefly, and its suggestion says so, when it saw
// fewer than BriefProcesses processes or for less than BriefSeconds.
const (
	BriefProcesses = 5
	BriefSeconds   = 600
)

// BaselineGroup is the group of names/groups.txt that holds what processes
// of a backend type were measured to need (regress/baseline.sh):
// "postgres-" and the type, lowercase, with dashes for other characters.
func BaselineGroup(backendType string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(backendType) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
		} else {
			dash = true
		}
	}
	return "@postgres-" + b.String()
}

// SessionBaseline is the group of what the session level of the
// measurement learned, over every process type it confines.
const SessionBaseline = "@postgres-session"

// SelfSessionNeeds is what pgseccomp's own SQL functions need at a
// session level: set_client_filter installs with prctl and seccomp.
var SelfSessionNeeds = []string{"seccomp", "prctl"}

// Learned is what one level of one owner learned: LevelGlobal or
// LevelSession, and the owner key ("S", "R:<role>", "T:<type>").
type Learned struct {
	Level int
	Owner string
	Nrs   []int32
}

// Levels as the filters' trap data numbers them.
const (
	LevelGlobal  = 1
	LevelSession = 2
)

// maxSuggestNr bounds the syscall numbers a suggestion names.
const maxSuggestNr = 1024

// addition is one allow list to write, and the syscalls to add to it.
type addition struct {
	allow string         // the allow setting
	deflt string         // the default setting
	level settings.Level // the settings as they apply to the owner
	add   [maxSuggestNr]bool
	sess  bool     // a session level
	keys  []string // the levels and owners it writes for, "LEVEL:OWNER"
	// what they observed
	processes int64
	seconds   int64
	learned   bool
	types     map[string]int64
	programs  []string // what Program entries say ran under it
}

// ownerOf names a target as learned rows name its owner.
func ownerOf(t settings.Target) string {
	switch {
	case t.Role != "":
		return "R:" + t.Role
	case t.Type != "":
		return "T:" + t.Type
	}
	return "S"
}

func learns(v settings.Value) bool { return strings.EqualFold(v.Raw, "learn") }

type suggester struct {
	req   *Request
	table *names.Table
	adds  []*addition
}

// target is the settings of a session-level owner.
func (s *suggester) target(owner string) (settings.Target, bool) {
	for _, t := range s.req.Targets {
		if ownerOf(t) == owner {
			return t, true
		}
	}
	return settings.Target{}, false
}

// additionFor finds or makes the addition of an owner's level. The allow
// list written for a role or backend type is its own override, so that
// what one role learned loosens no one else.
func (s *suggester) additionFor(level int, owner string) *addition {
	a := &addition{level: s.req.Global, allow: settings.GlobalName(settings.FieldAllow)}
	if level != LevelGlobal {
		t, _ := s.target(owner)
		a.level, a.sess = t.Effective(), true
		a.allow = a.level.Lists[settings.Allow].Name
		if n := t.OverrideName(settings.FieldAllow); n != "" {
			a.allow = n
		}
	}
	a.deflt = a.level.Default.Name
	key := fmt.Sprintf("%d:%s", level, owner)
	for _, x := range s.adds {
		if x.allow == a.allow {
			if !slices.Contains(x.keys, key) {
				x.keys = append(x.keys, key)
			}
			return x
		}
	}
	a.keys = []string{key}
	a.types = map[string]int64{}
	s.adds = append(s.adds, a)
	return a
}

// baseline adds to an addition the measured needs of the process types
// its level confines: every type for the global level; for a backend
// type, its own; for a session or role, what the session level of the
// measurement needed and the groups of the types it observed. A session
// level also gets what pgseccomp's SQL functions need.
func (s *suggester) baseline(a *addition, add func(string)) {
	var groups []string
	switch {
	case !a.sess:
		for _, g := range names.GroupNames() {
			if strings.HasPrefix(g, "@postgres-") {
				groups = append(groups, g)
			}
		}
	default:
		groups = append(groups, SessionBaseline)
		for _, k := range a.keys {
			if _, owner, _ := strings.Cut(k, ":"); strings.HasPrefix(owner, "T:") {
				groups = append(groups, BaselineGroup(owner[2:]))
			}
		}
		for t := range a.types {
			groups = append(groups, BaselineGroup(t))
		}
		for _, name := range SelfSessionNeeds {
			add(name)
		}
	}
	for _, g := range groups {
		members, _ := names.GroupMembers(g)
		for _, m := range members {
			add(m)
		}
	}
}

// unseen lists the process types with a measured baseline that the global
// level did not observe.
func unseen(a *addition) []string {
	var out []string
	for _, g := range names.GroupNames() {
		switch g {
		case SessionBaseline, "@postgres-server", "@postgres-backend", "@postgres-archive-command",
			"@postgres-not-initialized", "@postgres-pgseccomp-compiler":
			continue
		}
		seen := false
		for t := range a.types {
			seen = seen || BaselineGroup(t) == g
		}
		if strings.HasPrefix(g, "@postgres-") && !seen {
			out = append(out, strings.TrimPrefix(g, "@postgres-"))
		}
	}
	return out
}

// comments says what an addition's levels observed: nothing (then it is
// not suggested), briefly, or which types.
func (a *addition) comments() (lines []string, skip bool) {
	if a.processes == 0 && !a.learned {
		return []string{fmt.Sprintf("# %s: not suggested: this level observed no process while learning, so nothing says what it needs; it keeps learning", a.allow)}, true
	}
	var seen []string
	for t, n := range a.types {
		seen = append(seen, fmt.Sprintf("%s (%d)", t, n))
	}
	sort.Strings(seen)
	line := fmt.Sprintf("# %s: learned from %d processes over %d s", a.allow, a.processes, a.seconds)
	if len(seen) > 0 {
		line += ": " + strings.Join(seen, ", ")
	}
	lines = append(lines, line)
	if a.processes < BriefProcesses || a.seconds < BriefSeconds {
		lines = append(lines, fmt.Sprintf("# WARNING: %s observed briefly (under %d processes or %d minutes): work it did not see is allowed only as far as the measured baseline of its process types covers it; learn longer, through autovacuum runs, checkpoints, base backups, replication, archiving and SSL connections", a.allow, BriefProcesses, BriefSeconds/60))
	}
	if !a.sess {
		if u := unseen(a); len(u) > 0 {
			lines = append(lines, fmt.Sprintf("# %s: never observed: %s (their measured baseline is included)", a.allow, strings.Join(u, ", ")))
		}
	}
	return lines, false
}

// learning says whether an owner's level learns now.
func (s *suggester) learning(level int, owner string) bool {
	if level == LevelGlobal {
		return learns(s.req.Global.Default)
	}
	t, ok := s.target(owner)
	return ok && learns(t.Effective().Default)
}

// number and name look up the native table as the C layer's facts hold
// it: names that are their number's own name.
func (s *suggester) number(name string) (int32, bool) {
	nr, ok := s.table.Number(name)
	if !ok || nr >= maxSuggestNr || s.table.Name(nr) != name {
		return 0, false
	}
	return nr, true
}

func (s *suggester) name(nr int32) string {
	if _, ok := s.number(s.table.Name(nr)); ok {
		return s.table.Name(nr)
	}
	return ""
}

func createsProcesses(name string) bool {
	switch name {
	case "clone", "clone3", "vfork", "fork", "execve", "execveat":
		return true
	}
	return false
}

// mark sets named for every syscall an item of list names: a name, a
// number or an @group; "*" and malformed lists name nothing.
func (s *suggester) mark(list string, named *[maxSuggestNr]bool) {
	items, err := settings.SplitList(list)
	if list == settings.Inherit || err != nil {
		return
	}
	set := func(nr int32, ok bool) {
		if ok && nr >= 0 && nr < maxSuggestNr {
			named[nr] = true
		}
	}
	for _, item := range items {
		item, _, _ = strings.Cut(item, ":")
		if strings.HasPrefix(item, "@") {
			members, _ := names.GroupMembers(item)
			for _, m := range members {
				set(s.number(m))
			}
		} else if strings.Trim(item, "0123456789") == "" {
			nr, err := strconv.Atoi(item)
			set(int32(nr), err == nil || item == "")
		} else {
			set(s.number(item))
		}
	}
}

// allowList is the new allow list of an addition: the list it has (the
// global one for "*"), then what it adds that no list of its level names.
func (s *suggester) allowList(a *addition) string {
	var named, listed [maxSuggestNr]bool
	for _, act := range []settings.Action{settings.Log, settings.Error, settings.Kill} {
		s.mark(a.level.Lists[act].Raw, &named)
	}
	old := a.level.Lists[settings.Allow].Raw
	if old == settings.Inherit {
		old = s.req.Global.Lists[settings.Allow].Raw
	}
	s.mark(old, &listed)
	add := func(name string) {
		if nr, ok := s.number(name); ok && nr >= 0 &&
			(!a.sess || !createsProcesses(name)) {
			a.add[nr] = true
		}
	}
	// What learning cannot see or may miss, then every learned syscall's family.
	for _, name := range append(append(append(append([]string(nil), bpf.Untrapped...), policy.ClientFloor...),
		policy.RarePaths...), policy.CannotFail...) {
		add(name)
	}
	s.baseline(a, add)
	for _, fam := range names.Families() {
		any := false
		var native []string
		for _, m := range fam {
			if nr, ok := s.number(m); ok {
				native = append(native, m)
				any = any || (nr >= 0 && nr < maxSuggestNr && a.add[nr])
			}
		}
		if any && len(native) > 1 {
			for _, m := range native {
				add(m)
			}
		}
	}
	var b strings.Builder
	b.WriteString(old)
	for nr := int32(0); nr < maxSuggestNr; nr++ {
		if name := s.name(nr); a.add[nr] && name != "" && !named[nr] && !listed[nr] {
			if b.Len() > 0 {
				b.WriteByte(',')
			}
			b.WriteString(name)
		}
	}
	return b.String()
}

// Suggest writes the setting lines for every learning level that observed
// a process or learned a syscall, each after comments that say what it
// observed; a level that observed nothing gets only a comment, since a
// deny-by-default line would lock out all it was never seen to need.
func Suggest(req *Request, t *names.Table) []string {
	in := req.Suggest
	s := &suggester{req: req, table: t}
	if learns(req.Global.Default) {
		s.additionFor(LevelGlobal, "G")
	}
	for i := 0; i < in.Stored && i < len(req.Targets); i++ {
		if owner := ownerOf(req.Targets[i]); s.learning(LevelSession, owner) {
			s.additionFor(LevelSession, owner)
		}
	}
	for _, l := range in.Learned {
		owner := l.Owner
		if l.Level == LevelGlobal {
			owner = "G"
		}
		if (l.Level != LevelGlobal && l.Level != LevelSession) || owner == "" ||
			!s.learning(l.Level, owner) {
			continue // no longer learning
		}
		a := s.additionFor(l.Level, owner)
		for _, nr := range l.Nrs {
			if nr >= 0 && nr < maxSuggestNr {
				a.add[nr] = true
				a.learned = true
			}
		}
	}
	for _, o := range in.Observed {
		owner := o.Owner
		if o.Level == LevelGlobal {
			owner = "G"
		}
		if (o.Level != LevelGlobal && o.Level != LevelSession) || owner == "" || !s.learning(o.Level, owner) {
			continue
		}
		a := s.additionFor(o.Level, owner)
		a.processes += o.Processes
		a.seconds = max(a.seconds, o.Seconds)
		a.types[o.Type] += o.Processes
	}
	for _, p := range in.Programs {
		s.program(p)
	}
	var lines []string
	done := map[string]bool{}
	for _, a := range s.adds {
		comments, skip := a.comments()
		lines = append(lines, comments...)
		if len(a.programs) > 0 {
			lines = append(lines, fmt.Sprintf("# %s: programs ran under this level: %s; their syscalls need this level's list (a program has no SIGSYS handler: a denied syscall fails with the errno)", a.allow, strings.Join(a.programs, ", ")))
		}
		if skip {
			continue
		}
		if !done[a.deflt] {
			done[a.deflt] = true
			lines = append(lines, fmt.Sprintf("%s = 'error'", a.deflt))
		}
		lines = append(lines, fmt.Sprintf("%s = '%s'", a.allow, s.allowList(a)))
	}
	return lines
}

// program notes a program on the additions of the levels it runs under:
// the level it was seen at, and for a setting's program (Count 0) the
// global level and the level of its backend type, when they learn.
func (s *suggester) program(p Program) {
	owner := p.Owner
	if p.Level == LevelGlobal {
		owner = "G"
	}
	text := fmt.Sprintf("%s %s (%d times)", p.Type, quoteComment(p.Command), p.Count)
	if p.Count == 0 {
		text = fmt.Sprintf("%s %s (configured)", p.Type, quoteComment(p.Command))
	}
	type levelOwner struct {
		level int
		owner string
	}
	under := []levelOwner{{p.Level, owner}}
	if p.Count == 0 {
		under = append(under, levelOwner{LevelSession, "T:" + strings.ReplaceAll(p.Type, " ", "_")})
	}
	for _, u := range under {
		if (u.level != LevelGlobal && u.level != LevelSession) || u.owner == "" || !s.learning(u.level, u.owner) {
			continue
		}
		a := s.additionFor(u.level, u.owner)
		if !slices.Contains(a.programs, text) {
			a.programs = append(a.programs, text)
		}
	}
}

// quoteComment makes a command safe on one comment line: control
// characters become spaces, and it is cut after 200 bytes.
func quoteComment(c string) string {
	b := []rune{}
	for _, r := range c {
		if r < 0x20 || r == 0x7f {
			r = ' '
		}
		b = append(b, r)
	}
	out := string(b)
	if len(out) > 200 {
		out = strings.ToValidUTF8(out[:200], "") + "..."
	}
	return "[" + out + "]"
}

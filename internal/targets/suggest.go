package targets

import (
	"fmt"
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
	Stored  int
	Learned []Learned
}

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
	sess  bool // a session level
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
	for _, x := range s.adds {
		if x.allow == a.allow {
			return x
		}
	}
	s.adds = append(s.adds, a)
	return a
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

// Suggest writes the setting lines for every learning level, whether or
// not it learned anything.
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
			}
		}
	}
	var lines []string
	done := map[string]bool{}
	for _, a := range s.adds {
		if !done[a.deflt] {
			done[a.deflt] = true
			lines = append(lines, fmt.Sprintf("%s = 'error'", a.deflt))
		}
		lines = append(lines, fmt.Sprintf("%s = '%s'", a.allow, s.allowList(a)))
	}
	return lines
}

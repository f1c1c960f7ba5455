package wire

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/pgseccomp/pgseccomp/internal/settings"
	"github.com/pgseccomp/pgseccomp/internal/targets"
)

// A request from the C layer is a sequence of NUL-terminated strings: a
// section marker, then name/value pairs. "[global]" comes once, first, with
// the global settings; each "[target]" holds the session settings, an
// optional "role" and that role's overrides (session_syscall_<field>.<role>)
// or, instead, an optional "type" and that backend type's overrides
// (backend_syscall_<field>.<type>). The role or type comes before its
// overrides; a section with both is malformed. The C layer keys its filter
// cache by the bytes of a target section, so a section must be
// self-contained.
//
// A target may be followed by "[client]" sections, one per call of
// set_client_filter in that session, oldest first; an argument that is
// NULL is absent.
//
// A request that starts with "[start]" is the postmaster's at server start:
// only it gets the global filter's program, the syscall table and the
// warnings, which nothing after start needs.
//
// A "[suggest]" section, after the global one and before the targets, asks
// for seccomp_suggest()'s lines instead of filters: "stored" is how many of
// the targets that follow are the postmaster's (the others are owners only
// learned rows name), each "learned" is "LEVEL:NR,NR,...:OWNER", each
// "observed" is "LEVEL:PROCESSES:SECONDS:OWNERLEN:OWNER TYPE" (the owner's
// length in bytes, then the owner and the backend type, unseparated), each
// "program" is "LEVEL:COUNT:OWNERLEN:TYPELEN:OWNER TYPE COMMAND" (a program
// run COUNT times by a process of that type while the level learned, or,
// with COUNT 0, a setting that runs one from that type's processes).
//
// In a "[target]" section, "learned" is "NR,NR,...": the syscalls that the
// target's session level has already learned, which its learning filter
// then allows without a trap. It is not part of the settings a process
// compares with the postmaster's copy.
const (
	MarkStart   = "[start]"
	MarkGlobal  = "[global]"
	MarkTarget  = "[target]"
	MarkClient  = "[client]"
	MarkSuggest = "[suggest]"
	KeyStored   = "stored"
	KeyLearned  = "learned"
	KeyObserved = "observed"
	KeyProgram  = "program"
	KeyRole     = "role"
	KeyType     = "type"
	// KeyTrap, in the global section, is the code whose syscalls trap
	// into the C layer's SIGSYS handler: "lo-hi,..." in hexadecimal.
	KeyTrap = "trap"
	// KeyIOMethod, in the global section, is the server's io_method
	// (PostgreSQL 18), or "" where there is none.
	KeyIOMethod = "io_method"
	// KeyScope, in the global section, is how confined processes are
	// kept from acting through others: "landlock N" (the ABI) or "none".
	KeyScope = "scope"
)

// setSuggestion reads one entry of a "[suggest]" section.
func setSuggestion(sg *targets.Suggestion, key, val string) error {
	switch key {
	case KeyStored:
		n, err := strconv.Atoi(val)
		if err != nil || n < 0 {
			return fmt.Errorf("malformed %s count %q", KeyStored, val)
		}
		sg.Stored = n
		return nil
	case KeyLearned:
		level, rest, ok1 := strings.Cut(val, ":")
		nrs, owner, ok2 := strings.Cut(rest, ":")
		l, err := strconv.Atoi(level)
		if !ok1 || !ok2 || err != nil {
			return fmt.Errorf("malformed learned entry %q", val)
		}
		e := targets.Learned{Level: l, Owner: owner}
		if e.Nrs, err = parseNrs(nrs); err != nil {
			return fmt.Errorf("malformed learned entry %q", val)
		}
		sg.Learned = append(sg.Learned, e)
		return nil
	case KeyObserved:
		n, rest, ok := countedFields(val)
		if !ok || n[3] > int64(len(rest)) {
			return fmt.Errorf("malformed observed entry %q", val)
		}
		sg.Observed = append(sg.Observed, targets.Observed{Level: int(n[0]), Processes: n[1], Seconds: n[2],
			Owner: rest[:n[3]], Type: rest[n[3]:]})
		return nil
	case KeyProgram:
		n, rest, ok := countedFields(val)
		if !ok || n[2]+n[3] > int64(len(rest)) {
			return fmt.Errorf("malformed program entry %q", val)
		}
		sg.Programs = append(sg.Programs, targets.Program{Level: int(n[0]), Count: n[1],
			Owner: rest[:n[2]], Type: rest[n[2] : n[2]+n[3]], Command: rest[n[2]+n[3]:]})
		return nil
	}
	return fmt.Errorf("unexpected key %q", key)
}

// countedFields reads "A:B:C:D:REST", four numbers that are not negative
// and the rest, which the numbers may cut into parts.
func countedFields(val string) (n [4]int64, rest string, ok bool) {
	f := strings.SplitN(val, ":", 5)
	if len(f) != 5 {
		return n, "", false
	}
	for i := range n {
		v, err := strconv.ParseInt(f[i], 10, 64)
		if err != nil || v < 0 {
			return n, "", false
		}
		n[i] = v
	}
	return n, f[4], true
}

// parseNrs reads "NR,NR,...", syscall numbers.
func parseNrs(s string) ([]int32, error) {
	var out []int32
	for _, x := range strings.Split(s, ",") {
		nr, err := strconv.ParseInt(x, 10, 32)
		if err != nil {
			return nil, fmt.Errorf("malformed syscall number list %q", s)
		}
		out = append(out, int32(nr))
	}
	return out, nil
}

// DecodeRequest parses the wire form of a request.
func DecodeRequest(b []byte) (*targets.Request, error) {
	if len(b) == 0 || b[len(b)-1] != 0 {
		return nil, fmt.Errorf("request is not NUL-terminated")
	}
	fields := strings.Split(string(bytes.TrimSuffix(b, []byte{0})), "\x00")
	req := &targets.Request{Global: settings.DefaultGlobal()}
	var cur *settings.Target
	var client *settings.Client
	seenGlobal := false
	for i := 0; i < len(fields); i++ {
		switch f := fields[i]; f {
		case MarkStart:
			if i != 0 {
				return nil, fmt.Errorf("misplaced %s marker", MarkStart)
			}
			req.Start = true
		case MarkGlobal:
			if seenGlobal || cur != nil {
				return nil, fmt.Errorf("misplaced %s section", MarkGlobal)
			}
			seenGlobal = true
		case MarkSuggest:
			if !seenGlobal || cur != nil || req.Suggest != nil {
				return nil, fmt.Errorf("misplaced %s section", MarkSuggest)
			}
			req.Suggest = &targets.Suggestion{}
		case MarkTarget:
			req.Targets = append(req.Targets, settings.Target{Session: settings.DefaultSession(), Overrides: map[settings.Field]string{}})
			cur = &req.Targets[len(req.Targets)-1]
			client = nil
		case MarkClient:
			if cur == nil {
				return nil, fmt.Errorf("%s section outside a target", MarkClient)
			}
			cur.Clients = append(cur.Clients, settings.Client{})
			client = &cur.Clients[len(cur.Clients)-1]
		default:
			if !seenGlobal {
				return nil, fmt.Errorf("setting %q before the %s section", f, MarkGlobal)
			}
			if i+1 >= len(fields) {
				return nil, fmt.Errorf("setting %q has no value", f)
			}
			val := fields[i+1]
			i++
			var err error
			switch {
			case client != nil:
				err = setClient(client, f, val)
			case cur != nil && f == KeyLearned:
				for len(req.Learned) < len(req.Targets) {
					req.Learned = append(req.Learned, nil)
				}
				req.Learned[len(req.Targets)-1], err = parseNrs(val)
			case cur != nil:
				err = setTarget(cur, f, val)
			case req.Suggest != nil:
				err = setSuggestion(req.Suggest, f, val)
			case f == KeyTrap:
				req.Trap = val
			case f == KeyIOMethod:
				req.IOMethod = val
			case f == KeyScope:
				req.Scope = val
			default:
				err = setLevel(&req.Global, settings.GlobalName, f, val)
			}
			if err != nil {
				return nil, err
			}
		}
	}
	if !seenGlobal {
		return nil, fmt.Errorf("request has no %s section", MarkGlobal)
	}
	for i := range req.Targets {
		req.Targets[i].Global = req.Global
	}
	return req, nil
}

func setLevel(l *settings.Level, name func(settings.Field) string, setting, val string) error {
	if setting == name(settings.FieldDefault) {
		l.Default.Raw = val
		return nil
	}
	for _, a := range settings.Actions {
		if setting == name(settings.ListField(a)) {
			l.Lists[a].Raw = val
			return nil
		}
	}
	return fmt.Errorf("unexpected setting %q", setting)
}

func setTarget(t *settings.Target, setting, val string) error {
	switch setting {
	case KeyRole, KeyType:
		// Overrides are named after the role or type: a second one
		// would leave the ones before it under the wrong name.
		if t.Role != "" || t.Type != "" {
			return fmt.Errorf("target has more than one role or backend type")
		}
		if setting == KeyRole {
			t.Role = val
		} else {
			t.Type = val
		}
		return nil
	}
	if setLevel(&t.Session, settings.SessionName, setting, val) == nil {
		return nil
	}
	for _, f := range settings.Fields {
		if n := t.OverrideName(f); n != "" && setting == n {
			t.Overrides[f] = val
			return nil
		}
	}
	return fmt.Errorf("unexpected setting %q", setting)
}

func setClient(c *settings.Client, arg, val string) error {
	if arg == settings.ClientDefaultName {
		c.Default = &val
		return nil
	}
	for _, a := range settings.Actions {
		if arg == settings.ClientListName(a) {
			c.Lists[a] = &val
			return nil
		}
	}
	return fmt.Errorf("unexpected argument %q", arg)
}

// EncodeRequest is the inverse of DecodeRequest, for tests and tools. The
// C layer writes the same records; their order within a section does not
// matter.
func EncodeRequest(r *targets.Request) []byte {
	var b bytes.Buffer
	put := func(s ...string) {
		for _, x := range s {
			b.WriteString(x)
			b.WriteByte(0)
		}
	}
	if r.Start {
		put(MarkStart)
	}
	put(MarkGlobal)
	if r.Trap != "" {
		put(KeyTrap, r.Trap)
	}
	if r.IOMethod != "" {
		put(KeyIOMethod, r.IOMethod)
	}
	if r.Scope != "" {
		put(KeyScope, r.Scope)
	}
	putLevel(put, r.Global)
	if r.Suggest != nil {
		put(MarkSuggest, KeyStored, strconv.Itoa(r.Suggest.Stored))
		for _, l := range r.Suggest.Learned {
			nrs := make([]string, len(l.Nrs))
			for i, nr := range l.Nrs {
				nrs[i] = strconv.Itoa(int(nr))
			}
			put(KeyLearned, fmt.Sprintf("%d:%s:%s", l.Level, strings.Join(nrs, ","), l.Owner))
		}
		for _, o := range r.Suggest.Observed {
			put(KeyObserved, fmt.Sprintf("%d:%d:%d:%d:%s%s", o.Level, o.Processes, o.Seconds, len(o.Owner), o.Owner, o.Type))
		}
		for _, p := range r.Suggest.Programs {
			put(KeyProgram, fmt.Sprintf("%d:%d:%d:%d:%s%s%s", p.Level, p.Count, len(p.Owner), len(p.Type), p.Owner, p.Type, p.Command))
		}
	}
	for i, t := range r.Targets {
		put(MarkTarget)
		switch {
		case t.Role != "":
			put(KeyRole, t.Role)
		case t.Type != "":
			put(KeyType, t.Type)
		}
		putLevel(put, t.Session)
		for _, f := range settings.Fields {
			if v, ok := t.Overrides[f]; ok {
				put(t.OverrideName(f), v)
			}
		}
		if i < len(r.Learned) && len(r.Learned[i]) > 0 {
			nrs := make([]string, len(r.Learned[i]))
			for j, nr := range r.Learned[i] {
				nrs[j] = strconv.Itoa(int(nr))
			}
			put(KeyLearned, strings.Join(nrs, ","))
		}
		for _, c := range t.Clients {
			put(MarkClient)
			for _, a := range settings.Actions {
				if c.Lists[a] != nil {
					put(settings.ClientListName(a), *c.Lists[a])
				}
			}
			if c.Default != nil {
				put(settings.ClientDefaultName, *c.Default)
			}
		}
	}
	return b.Bytes()
}

func putLevel(put func(...string), l settings.Level) {
	for _, a := range settings.Actions {
		put(l.Lists[a].Name, l.Lists[a].Raw)
	}
	put(l.Default.Name, l.Default.Raw)
}

package policy

import (
	"fmt"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"

	"github.com/pgseccomp/pgseccomp/internal/names"
	"github.com/pgseccomp/pgseccomp/internal/settings"
	"golang.org/x/sys/unix"
)

// Exports of a filter in the formats of other enforcers, so that the same
// policy can confine the server from outside it as well: an OCI runtime-spec
// seccomp profile (JSON, as Docker, Podman, containerd and Kubernetes read
// it) and systemd unit settings (SystemCallFilter= and friends). Where the
// target cannot say what pgseccomp enforces, the systemd output says so in
// comment lines; the OCI format can say all of it but "learn", which it
// turns into the kernel's log action. seccomp_export() shows them.

// ExportError is why a filter cannot be exported.
type ExportError struct {
	Message string
	Detail  string
}

func (e *ExportError) Error() string { return e.Message }

type exportAction int

const (
	exportAllow exportAction = iota
	exportLog
	exportErrno
	exportKill
)

type exportRule struct {
	name   string
	action exportAction
	errno  syscall.Errno // exportErrno only
	learn  bool          // the action was "learn" (defaults only)
}

func (r exportRule) same(o exportRule) bool {
	return r.action == o.action && (r.action != exportErrno || r.errno == o.errno)
}

type exportFilter struct {
	context string
	def     exportRule
	rules   []exportRule // sorted by name
}

// exportLineMax bounds systemd's lines; it merges repeated list settings.
const exportLineMax = 1000

// KernelErrnoName is the name the kernel's headers give e (systemd knows
// only those), or its number when they give it none.
func KernelErrnoName(e syscall.Errno) string {
	switch e {
	case unix.EOPNOTSUPP:
		return "EOPNOTSUPP"
	case unix.EUCLEAN:
		return "EUCLEAN"
	case 134: // Go's EFTYPE: no kernel name
		return "134"
	}
	if n := names.ErrnoName(e); n != "" {
		return n
	}
	return strconv.Itoa(int(e))
}

func exportRuleOf(r Row, name string) exportRule {
	x := exportRule{name: name}
	switch r.Action {
	case settings.Allow:
		x.action = exportAllow
	case settings.Log:
		x.action = exportLog
	case settings.Learn:
		// Allowed and recorded: the kernel's log is the nearest outside.
		x.action, x.learn = exportLog, true
	case settings.Kill:
		x.action = exportKill
	case settings.Error:
		x.action, x.errno = exportErrno, r.Errno
		if x.errno == 0 {
			x.errno = names.DefaultErrno
		}
	}
	return x
}

func newExportFilter(context string, rows []Row, t *names.Table) (*exportFilter, error) {
	f := &exportFilter{context: context}
	haveDefault := false
	for _, r := range rows {
		if r.Nr == DefaultNr {
			f.def, haveDefault = exportRuleOf(r, "<default>"), true
			continue
		}
		name := t.Name(r.Nr)
		if name == "" {
			// Both formats name syscalls; a number alone cannot be exported.
			return nil, &ExportError{
				Message: fmt.Sprintf("syscall number %d has no name on this architecture", r.Nr),
				Detail:  "Exported filters name their syscalls.",
			}
		}
		f.rules = append(f.rules, exportRuleOf(r, name))
	}
	if !haveDefault {
		return nil, &ExportError{Message: fmt.Sprintf("the pgseccomp filter of context %q has no default", context)}
	}
	sort.Slice(f.rules, func(i, j int) bool { return f.rules[i].name < f.rules[j].name })
	return f, nil
}

var ociActions = [...]string{"SCMP_ACT_ALLOW", "SCMP_ACT_LOG", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL_PROCESS"}

// ociArch is the native architecture's name in OCI profiles.
func ociArch() string {
	switch runtime.GOARCH {
	case "amd64":
		return "SCMP_ARCH_X86_64"
	case "arm64":
		return "SCMP_ARCH_AARCH64"
	}
	return ""
}

// jsonString quotes s as PostgreSQL's escape_json does.
func jsonString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, c := range []byte(s) {
		switch c {
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		default:
			if c < ' ' {
				fmt.Fprintf(&b, `\u%04x`, c)
			} else {
				b.WriteByte(c)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

func (f *exportFilter) ociGroup(b *strings.Builder, want exportRule, first *bool) {
	any := false
	for _, r := range f.rules {
		if !r.same(want) || r.same(f.def) {
			continue
		}
		if !any {
			if *first {
				b.WriteString("\n")
			} else {
				b.WriteString(",\n")
			}
			b.WriteString("    {\n      \"names\": [\n        ")
			*first, any = false, true
		} else {
			b.WriteString(",\n        ")
		}
		b.WriteString(jsonString(r.name))
	}
	if !any {
		return
	}
	fmt.Fprintf(b, "\n      ],\n      \"action\": \"%s\"", ociActions[want.action])
	if want.action == exportErrno {
		fmt.Fprintf(b, ",\n      \"errnoRet\": %d", int(want.errno))
	}
	b.WriteString("\n    }")
}

// oci writes an OCI runtime-spec seccomp profile. Rules that act as the
// default does are left out; the rest are grouped by action and errno, in
// the order allow, log, errno (ascending), kill, each with sorted names.
func (f *exportFilter) oci() string {
	var b strings.Builder
	fmt.Fprintf(&b, "{\n  \"defaultAction\": \"%s\"", ociActions[f.def.action])
	if f.def.action == exportErrno {
		fmt.Fprintf(&b, ",\n  \"defaultErrnoRet\": %d", int(f.def.errno))
	}
	if arch := ociArch(); arch != "" {
		// Only the native one: every pgseccomp filter kills foreign syscalls.
		fmt.Fprintf(&b, ",\n  \"architectures\": [\n    \"%s\"\n  ]", arch)
	}
	// pgseccomp's filters log every denial; so does this one.
	b.WriteString(",\n  \"flags\": [\n    \"SECCOMP_FILTER_FLAG_LOG\"\n  ]")
	b.WriteString(",\n  \"syscalls\": [")
	var errnos []int
	for _, r := range f.rules {
		if r.action == exportErrno {
			errnos = append(errnos, int(r.errno))
		}
	}
	sort.Ints(errnos)
	first := true
	f.ociGroup(&b, exportRule{action: exportAllow}, &first)
	f.ociGroup(&b, exportRule{action: exportLog}, &first)
	for i, e := range errnos {
		if i == 0 || e != errnos[i-1] {
			f.ociGroup(&b, exportRule{action: exportErrno, errno: syscall.Errno(e)}, &first)
		}
	}
	f.ociGroup(&b, exportRule{action: exportKill}, &first)
	if first {
		b.WriteString("]\n}")
	} else {
		b.WriteString("\n  ]\n}")
	}
	return b.String()
}

// putList writes systemd lines that start with prefix and hold as many
// tokens as fit in exportLineMax; a list setting given on several lines is
// merged (the deny form needs its "~" on each).
func putList(b *strings.Builder, prefix string, tokens []string) {
	if len(tokens) == 0 {
		return
	}
	lineStart := b.Len()
	empty := true
	b.WriteString(prefix)
	for _, t := range tokens {
		if !empty && b.Len()-lineStart+1+len(t) > exportLineMax {
			b.WriteByte('\n')
			lineStart = b.Len()
			b.WriteString(prefix)
			empty = true
		}
		if !empty {
			b.WriteByte(' ')
		}
		b.WriteString(t)
		empty = false
	}
	b.WriteByte('\n')
}

func deniedToken(r exportRule) string {
	if r.action == exportErrno {
		return r.name + ":" + KernelErrnoName(r.errno)
	}
	return r.name
}

// systemdLists sorts the rules into what systemd's settings list.
type systemdLists struct {
	listed, logged, unlogged, denied []string
	otherErrno, notKilled, killed    []string
	errnos, kills                    bool
}

func (f *exportFilter) systemdLists() systemdLists {
	var l systemdLists
	defaultDenies := f.def.action >= exportErrno
	l.errnos = f.def.action == exportErrno
	for _, r := range f.rules {
		denies := r.action >= exportErrno
		switch r.action {
		case exportLog:
			l.logged = append(l.logged, r.name)
		case exportAllow:
			l.unlogged = append(l.unlogged, r.name)
		default:
			l.denied = append(l.denied, r.name)
		}
		l.errnos = l.errnos || r.action == exportErrno
		if !defaultDenies {
			// A deny list: each entry with its own errno, or none to kill.
			if denies {
				l.listed = append(l.listed, deniedToken(r))
			}
			l.kills = l.kills || r.action == exportKill
			continue
		}
		// An allow list: every other syscall gets the one default action.
		switch {
		case !denies:
			l.listed = append(l.listed, r.name)
		case r.same(f.def):
		case r.action == exportKill:
			l.notKilled = append(l.notKilled, r.name)
		case f.def.action == exportKill:
			l.killed = append(l.killed, deniedToken(r))
		default:
			l.otherErrno = append(l.otherErrno, deniedToken(r))
		}
	}
	return l
}

// systemd writes systemd [Service] settings.
func (f *exportFilter) systemd() string {
	var b strings.Builder
	l := f.systemdLists()
	fmt.Fprintf(&b, "# pgseccomp filter of context %s, as systemd [Service] settings\n", f.context)
	b.WriteString("SystemCallArchitectures=native\n")
	if f.def.action < exportErrno {
		if len(l.listed) == 0 {
			b.WriteString("# This filter denies no syscall.\n")
		} else if l.kills {
			b.WriteString("# Syscalls listed without an errno kill the process.\n")
		}
		putList(&b, "SystemCallFilter=~", l.listed)
	} else {
		defName := KernelErrnoName(f.def.errno)
		b.WriteString("# systemd also allows the syscalls of its @default set.\n")
		// An empty SystemCallFilter= would remove the filter.
		if len(l.listed) == 0 {
			l.listed = []string{"@default"}
		}
		putList(&b, "SystemCallFilter=", l.listed)
		if f.def.action == exportErrno {
			fmt.Fprintf(&b, "SystemCallErrorNumber=%s\n", defName)
		} else {
			b.WriteString("# Syscalls not listed kill the process.\n")
		}
		putList(&b, "# systemd cannot express: these fail with "+defName+", not their own errno: ", l.otherErrno)
		putList(&b, "# systemd cannot express: these fail with "+defName+" instead of killing the process: ", l.notKilled)
		putList(&b, "# systemd cannot express: these kill the process instead of failing with their errno: ", l.killed)
	}
	if l.errnos {
		b.WriteString("# systemd logs errno denials only when it runs with SYSTEMD_LOG_SECCOMP=1.\n")
	}
	f.systemdLog(&b, l)
	// The text ends with its last line, without a newline.
	return strings.TrimSuffix(b.String(), "\n")
}

// systemdLog writes the logging part: a filter of its own in systemd,
// stacked on the other.
func (f *exportFilter) systemdLog(b *strings.Builder, l systemdLists) {
	prefix := "SystemCallLog="
	var list []string
	switch {
	case f.def.action != exportLog:
		list = l.logged
	case len(l.unlogged) > 0 || len(l.denied) > 0:
		prefix = "SystemCallLog=~"
		list = l.unlogged
		if len(list) == 0 {
			// Denied anyway: leaving them out of the log changes nothing.
			b.WriteString("# SystemCallLog=~ needs a syscall to leave out: these are denied anyway.\n")
			list = l.denied
		}
	default:
		b.WriteString("# systemd cannot express: logging every syscall (SystemCallLog= needs one to leave out).\n")
	}
	if f.def.learn {
		b.WriteString("# systemd cannot express: learning; the default logs instead, and seccomp_learned() records nothing.\n")
	}
	if len(list) > 0 {
		b.WriteString("# SystemCallLog= needs systemd 247 or later; earlier versions ignore it.\n")
	}
	putList(b, prefix, list)
}

// Export is the filter rows describe (as seccomp_filter() shows them for
// context) as an OCI seccomp profile and as systemd unit settings.
func Export(context string, rows []Row, t *names.Table) (oci, systemd string, err error) {
	f, err := newExportFilter(context, rows, t)
	if err != nil {
		return "", "", err
	}
	return f.oci(), f.systemd(), nil
}

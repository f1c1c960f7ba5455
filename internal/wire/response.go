package wire

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"syscall"

	"github.com/pgseccomp/pgseccomp/internal/names"
	"github.com/pgseccomp/pgseccomp/internal/policy"
	"github.com/pgseccomp/pgseccomp/internal/settings"
	"github.com/pgseccomp/pgseccomp/internal/targets"
)

// Record tags of a response, read by c/wire.c: each record is a tag
// byte, a native-endian uint32 length and the payload. TagGlobal and
// TagTarget start a section and have no payload.
const (
	TagGlobal  = 'G' // the global section starts
	TagTarget  = 'T' // the next target's section starts
	TagBPF     = 'B' // a filter program
	TagLayout  = 'Y' // its layout: "linear" or "tree"
	TagNone    = 'N' // no filter is needed
	TagRows    = 'R' // the description rows
	TagError   = 'E' // message NUL detail NUL hint
	TagWarning = 'W' // message NUL detail NUL hint
	TagNames   = 'L' // what a list item may name, one per line
	TagErrnos  = 'X' // errno names, one per line
	TagGroups  = 'P' // group TAB syscall TAB number, one member per line
	TagLint    = 'I' // context TAB setting TAB syscall TAB issue, per line
	TagFacts   = 'K' // syscall and errno tables; see facts
	TagOCI     = 'O' // seccomp_export('oci') of the filter's rows
	TagSystemd = 'S' // seccomp_export('systemd') of the filter's rows
	TagSuggest = 'Q' // seccomp_suggest() lines, one per line
	// TagStricter is a target's '1', '0' or '?' per target of the
	// request: whether that target is at least as strict (c/roles.c).
	TagStricter = 'A'
)

// ExportRefused starts a TagOCI or TagSystemd payload that says why the
// filter has no export: message US detail.
const ExportRefused = "\x01"

type writer struct{ bytes.Buffer }

func (w *writer) record(tag byte, payload []byte) {
	w.Write(AppendRecord(nil, tag, payload))
}

func (w *writer) message(tag byte, msg, detail, hint string) {
	w.record(tag, []byte(strings.Join([]string{msg, detail, hint}, "\x00")))
}

func (w *writer) err(err error) {
	var ge *settings.SettingError
	if errors.As(err, &ge) {
		w.message(TagError, ge.Message, ge.Detail, ge.Hint)
		return
	}
	w.message(TagError, "could not build seccomp filter", err.Error()+".", "")
}

// exports writes what seccomp_export shows for a filter's rows, or why it
// cannot, in both formats.
func (w *writer) exports(context string, rows []policy.Row, t *names.Table) {
	oci, systemd, err := policy.Export(context, rows, t)
	if err != nil {
		var xe *policy.ExportError
		why := err.Error() + "\x1f"
		if errors.As(err, &xe) {
			why = xe.Message + "\x1f" + xe.Detail
		}
		oci, systemd = ExportRefused+why, ExportRefused+why
	}
	w.record(TagOCI, []byte(oci))
	w.record(TagSystemd, []byte(systemd))
}

// MalformedResponse is the response to a request DecodeRequest rejects.
func MalformedResponse(err error) []byte {
	var w writer
	w.record(TagGlobal, nil)
	w.message(TagError, "malformed request to the pgseccomp helper", err.Error()+".", "")
	return w.Bytes()
}

// EncodeResponse writes the response to req, whose results are res, as
// c/wire.c reads it; every failure is a record.
func EncodeResponse(req *targets.Request, res *targets.Result, table *names.Table) []byte {
	var w writer
	w.record(TagGlobal, nil)
	if res.Err != nil {
		w.err(res.Err)
		return w.Bytes()
	}
	if req.Start {
		w.record(TagBPF, res.GlobalBPF)
		w.record(TagLayout, []byte(res.GlobalLayout.String()))
		w.record(TagRows, []byte(FormatRows(res.GlobalRows, table)))
		w.exports("global", res.GlobalRows, table)
		for _, wn := range res.Warnings {
			w.message(TagWarning, wn.Message, wn.Detail, "")
		}
		w.record(TagNames, []byte(strings.Join(lexicon(table), "\n")))
		w.record(TagErrnos, []byte(strings.Join(names.ErrnoNames(), "\n")))
		w.record(TagGroups, []byte(groupRows(table)))
		w.record(TagFacts, []byte(facts(table)))
	}
	for _, t := range res.Targets {
		w.record(TagTarget, nil)
		switch {
		case t.Err != nil:
			w.err(t.Err)
		case t.BPF == nil:
			w.record(TagNone, nil)
			w.record(TagRows, []byte(FormatRows(t.Rows, table)))
			w.exports("session", t.Rows, table)
		default:
			w.record(TagBPF, t.BPF)
			w.record(TagLayout, []byte(t.Layout.String()))
			w.record(TagRows, []byte(FormatRows(t.Rows, table)))
			w.exports("session", t.Rows, table)
		}
		for _, wn := range t.Warnings {
			w.message(TagWarning, wn.Message, wn.Detail, "")
		}
		if t.Err == nil {
			w.record(TagLint, []byte(FormatIssues(t.Lint)))
		}
		if t.Stricter != "" {
			w.record(TagStricter, []byte(t.Stricter))
		}
	}
	return w.Bytes()
}

// lexicon is what the C layer accepts as a list item at reload, without
// Go: syscall names of every architecture, native numbers and groups.
func lexicon(t *names.Table) []string {
	out := t.AllNames()
	for _, name := range t.NativeNames() {
		if nr, ok := t.Number(name); ok {
			out = append(out, strconv.Itoa(int(nr)))
		}
	}
	return append(out, names.GroupNames()...)
}

// groupRows lists every group's members on this architecture.
func groupRows(t *names.Table) string {
	var b strings.Builder
	for _, g := range names.GroupNames() {
		members, _ := names.GroupMembers(g)
		for _, m := range members {
			if nr, ok := t.Number(m); ok {
				fmt.Fprintf(&b, "%s\t%s\t%d\n", g, m, nr)
			}
		}
	}
	return b.String()
}

// maxErrno is the largest errno a filter returns: the trap data holds 12 bits.
const maxErrno = 0xfff

// facts are the tables the C layer looks up without Go (c/names.c):
// "syscall TAB name TAB number" for every native syscall and "errno TAB
// name TAB number" for every errno. It is the one errno table: the C layer
// names errnos (in seccomp_denials(), the server log) as seccomp_filter()
// does.
func facts(t *names.Table) string {
	var b strings.Builder
	for _, name := range t.NativeNames() {
		if nr, ok := t.Number(name); ok {
			fmt.Fprintf(&b, "syscall\t%s\t%d\n", name, nr)
		}
	}
	for e := syscall.Errno(1); e <= maxErrno; e++ {
		if name := names.ErrnoName(e); name != "" {
			fmt.Fprintf(&b, "errno\t%s\t%d\n", name, int(e))
		}
	}
	return b.String()
}

// EncodeSuggestion is the response to a "[suggest]" request: the global
// marker, then the lines.
func EncodeSuggestion(lines []string) []byte {
	var w writer
	w.record(TagGlobal, nil)
	w.record(TagSuggest, []byte(strings.Join(lines, "\n")))
	return w.Bytes()
}

// FormatIssues renders issues as the C layer reads them: one line each,
// "context TAB setting TAB syscall TAB text".
func FormatIssues(issues []policy.Issue) string {
	var b strings.Builder
	for _, i := range issues {
		fmt.Fprintf(&b, "%s\t%s\t%s\t%s\n", i.Context, i.Setting, i.Syscall, i.Text)
	}
	return b.String()
}

// FormatRows renders rows as the C layer reads them: one line per row,
// "syscall TAB number TAB source->action".
func FormatRows(rows []policy.Row, t *names.Table) string {
	var b strings.Builder
	for _, r := range rows {
		name := "<default>"
		if r.Nr != policy.DefaultNr {
			if name = t.Name(r.Nr); name == "" {
				name = fmt.Sprintf("syscall_%d", r.Nr)
			}
		}
		fmt.Fprintf(&b, "%s\t%d\t%s->%s\n", name, r.Nr, r.Source, r.ActionText())
	}
	return b.String()
}

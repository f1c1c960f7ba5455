package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/pgseccomp/pgseccomp/guc"
	"github.com/pgseccomp/pgseccomp/hooks"
)

// Record tags of a response, read by c/helper.c: each record is a tag
// byte, a native-endian uint32 length and the payload.
const (
	tagGlobal  = 'G' // the global section starts
	tagTarget  = 'T' // the next target's section starts
	tagBPF     = 'B' // a filter program
	tagLayout  = 'Y' // its layout: "linear" or "tree"
	tagNone    = 'N' // no filter is needed
	tagRows    = 'R' // the description rows
	tagError   = 'E' // message NUL detail NUL hint
	tagWarning = 'W' // message NUL detail NUL hint
	tagNames   = 'L' // what a list item may name, one per line
	tagErrnos  = 'X' // errno names, one per line
	tagGroups  = 'P' // group TAB syscall TAB number, one member per line
	tagLint    = 'I' // context TAB setting TAB syscall TAB issue, per line
	tagFacts   = 'K' // what seccomp_suggest needs; see facts
)

type writer struct{ bytes.Buffer }

func (w *writer) record(tag byte, payload []byte) {
	w.WriteByte(tag)
	binary.Write(&w.Buffer, binary.NativeEndian, uint32(len(payload)))
	w.Write(payload)
}

func (w *writer) message(tag byte, msg, detail, hint string) {
	w.record(tag, []byte(strings.Join([]string{msg, detail, hint}, "\x00")))
}

func (w *writer) err(err error) {
	var ge *guc.SettingError
	if errors.As(err, &ge) {
		w.message(tagError, ge.Message, ge.Detail, ge.Hint)
		return
	}
	w.message(tagError, "could not build seccomp filter", err.Error()+".", "")
}

// respond turns a request into a response; every failure is a record.
func respond(in []byte) []byte {
	var w writer
	table := hooks.NativeTable()
	w.record(tagGlobal, nil)
	req, err := guc.DecodeRequest(in)
	if err != nil {
		w.message(tagError, "malformed request to the pgseccomp helper", err.Error()+".", "")
		return w.Bytes()
	}
	res := hooks.Compile(req, table)
	if res.Err != nil {
		w.err(res.Err)
		return w.Bytes()
	}
	if req.Start {
		w.record(tagBPF, res.GlobalBPF)
		w.record(tagLayout, []byte(res.GlobalLayout.String()))
		w.record(tagRows, []byte(hooks.FormatRows(res.GlobalRows, table)))
		for _, wn := range res.Warnings {
			w.message(tagWarning, wn.Message, wn.Detail, "")
		}
		w.record(tagNames, []byte(strings.Join(lexicon(table), "\n")))
		w.record(tagErrnos, []byte(strings.Join(guc.ErrnoNames(), "\n")))
		w.record(tagGroups, []byte(groupRows(table)))
		w.record(tagFacts, []byte(facts(table)))
	}
	for _, t := range res.Targets {
		w.record(tagTarget, nil)
		switch {
		case t.Err != nil:
			w.err(t.Err)
		case t.BPF == nil:
			w.record(tagNone, nil)
			w.record(tagRows, []byte(hooks.FormatRows(t.Rows, table)))
		default:
			w.record(tagBPF, t.BPF)
			w.record(tagLayout, []byte(t.Layout.String()))
			w.record(tagRows, []byte(hooks.FormatRows(t.Rows, table)))
		}
		for _, wn := range t.Warnings {
			w.message(tagWarning, wn.Message, wn.Detail, "")
		}
		if t.Err == nil {
			w.record(tagLint, []byte(hooks.FormatIssues(t.Lint)))
		}
	}
	return w.Bytes()
}

// lexicon is what the C layer accepts as a list item at reload, without
// Go: syscall names of every architecture, native numbers and groups.
func lexicon(t *hooks.Table) []string {
	out := t.AllNames()
	for _, name := range t.NativeNames() {
		if nr, ok := t.Number(name); ok {
			out = append(out, strconv.Itoa(int(nr)))
		}
	}
	return append(out, guc.GroupNames()...)
}

// groupRows lists every group's members on this architecture.
func groupRows(t *hooks.Table) string {
	var b strings.Builder
	for _, g := range guc.GroupNames() {
		members, _ := guc.GroupMembers(g)
		for _, m := range members {
			if nr, ok := t.Number(m); ok {
				fmt.Fprintf(&b, "%s\t%s\t%d\n", g, m, nr)
			}
		}
	}
	return b.String()
}

// facts is what seccomp_suggest (c/suggest.c) needs to write lists
// without Go: "syscall TAB name TAB number" for every native syscall,
// "family TAB member member ..." for each family (native members only),
// "untrapped TAB name" for what learning cannot see, and "floor TAB name"
// for what a backend needs on rare paths a workload may not take (see
// hooks.ClientFloor).
func facts(t *hooks.Table) string {
	var b strings.Builder
	for _, name := range t.NativeNames() {
		if nr, ok := t.Number(name); ok {
			fmt.Fprintf(&b, "syscall\t%s\t%d\n", name, nr)
		}
	}
	for _, fam := range guc.Families() {
		var native []string
		for _, m := range fam {
			if _, ok := t.Number(m); ok {
				native = append(native, m)
			}
		}
		if len(native) > 1 {
			fmt.Fprintf(&b, "family\t%s\n", strings.Join(native, " "))
		}
	}
	for _, name := range hooks.Untrapped {
		if _, ok := t.Number(name); ok {
			fmt.Fprintf(&b, "untrapped\t%s\n", name)
		}
	}
	for _, name := range hooks.ClientFloor {
		if _, ok := t.Number(name); ok {
			fmt.Fprintf(&b, "floor\t%s\n", name)
		}
	}
	return b.String()
}

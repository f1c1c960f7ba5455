package settings_test

import (
	"reflect"
	"strings"
	"syscall"
	"testing"

	"github.com/pgseccomp/pgseccomp/internal/names"
	"github.com/pgseccomp/pgseccomp/internal/settings"
)

// withGroupHalf returns a copy of base that knows every other member of
// group (the first, the third, ...) under a fresh number and none of the
// others, and the members it knows, in GroupMembers' order. It fails the
// test if the group is missing or too small to be split.
func withGroupHalf(t *testing.T, base table, group string) (table, []string) {
	t.Helper()
	members, ok := names.GroupMembers(group)
	if !ok {
		t.Fatalf("group %s is not defined", group)
	}
	if len(members) < 2 {
		t.Fatalf("group %s has %d members, want at least 2", group, len(members))
	}
	out := table{}
	for name, nr := range base {
		out[name] = nr
	}
	var known []string
	for i, m := range members {
		if i%2 == 0 {
			if _, ok := out[m]; !ok {
				out[m] = int32(1000 + i)
			}
			known = append(known, m)
		} else {
			delete(out, m)
		}
	}
	return out, known
}

func TestParseListSyntax(t *testing.T) {
	const (
		sAllow = "pgseccomp.session_syscall_allow"
		sLog   = "pgseccomp.session_syscall_log"
		sError = "pgseccomp.session_syscall_error"
		sKill  = "pgseccomp.session_syscall_kill"
	)
	settingOf := map[settings.Action]string{settings.Allow: sAllow, settings.Log: sLog, settings.Error: sError, settings.Kill: sKill}
	tests := []struct {
		name     string
		action   settings.Action
		raw      string
		want     []settings.Syscall
		warnings []string // each warning's Message must contain its syscall's quoted name
		err      *wantErr
		hint     string // the exact Hint of the error
		noHint   bool   // the error must have no Hint
	}{
		// Native numbers.
		{name: "number", raw: "80", want: []settings.Syscall{{Name: "chdir", Nr: 80}}},
		{name: "number zero", raw: "0", want: []settings.Syscall{{Name: "read", Nr: 0}}},
		{name: "numbers and names", raw: " read , 80,WRITE", want: []settings.Syscall{
			{Name: "read", Nr: 0}, {Name: "chdir", Nr: 80}, {Name: "write", Nr: 1}}},
		{name: "quoted number", raw: `"89"`, want: []settings.Syscall{{Name: "readlink", Nr: 89}}},
		{name: "number with errno", action: settings.Error, raw: "80:EPERM",
			want: []settings.Syscall{{Name: "chdir", Nr: 80, Errno: syscall.EPERM}}},
		{name: "unknown number", raw: "99999",
			err: &wantErr{Setting: sAllow, Token: "99999", Detail: "There is no syscall number 99999"}},
		{name: "unknown number after a known one", raw: "read,99999",
			err: &wantErr{Setting: sAllow, Token: "99999", Detail: "There is no syscall number 99999"}},
		{name: "number beyond int32", raw: "99999999999",
			err: &wantErr{Setting: sAllow, Token: "99999999999", Detail: "There is no syscall number 99999999999"}},
		{name: "negative number is a name", raw: "-1",
			err: &wantErr{Setting: sAllow, Token: "-1", Detail: `Syscall "-1" is unknown`}, noHint: true},

		// Groups (the expansion itself is TestParseListGroups').
		{name: "unknown group near another", raw: "@mout",
			err:  &wantErr{Setting: sAllow, Token: "@mout", Detail: `Group "@mout" is unknown`},
			hint: `Did you mean "@mount"?`},
		{name: "unknown group in a kill list", action: settings.Kill, raw: "read,@MOUT",
			err:  &wantErr{Setting: sKill, Token: "@mout", Detail: `Group "@mout" is unknown`},
			hint: `Did you mean "@mount"?`},
		{name: "unknown group far from all", raw: "@zzzzzzzz",
			err: &wantErr{Setting: sAllow, Token: "@zzzzzzzz", Detail: `Group "@zzzzzzzz" is unknown`}, noHint: true},
		{name: "lone at sign", raw: "@",
			err: &wantErr{Setting: sAllow, Token: "@", Detail: `Group "@" is unknown`}, noHint: true},

		// Errnos in error lists.
		{name: "errno", action: settings.Error, raw: "readlink:EPERM",
			want: []settings.Syscall{{Name: "readlink", Nr: 89, Errno: syscall.EPERM}}},
		{name: "errno lower case", action: settings.Error, raw: "readlink:eperm",
			want: []settings.Syscall{{Name: "readlink", Nr: 89, Errno: syscall.EPERM}}},
		{name: "errno mixed case", action: settings.Error, raw: "readlink:EnoSys",
			want: []settings.Syscall{{Name: "readlink", Nr: 89, Errno: syscall.ENOSYS}}},
		{name: "errno quoted", action: settings.Error, raw: `"readlink:ENOENT"`,
			want: []settings.Syscall{{Name: "readlink", Nr: 89, Errno: syscall.ENOENT}}},
		{name: "errno quoted lower case", action: settings.Error, raw: `"readlink:enoent"`,
			want: []settings.Syscall{{Name: "readlink", Nr: 89, Errno: syscall.ENOENT}}},
		{name: "explicit default errno is kept", action: settings.Error, raw: "readlink:EACCES",
			want: []settings.Syscall{{Name: "readlink", Nr: 89, Errno: syscall.EACCES}}},
		{name: "errno per item", action: settings.Error, raw: "read:EPERM, write ,CLOSE:ENOENT",
			want: []settings.Syscall{{Name: "read", Nr: 0, Errno: syscall.EPERM}, {Name: "write", Nr: 1},
				{Name: "close", Nr: 3, Errno: syscall.ENOENT}}},
		{name: "error list without errnos", action: settings.Error, raw: "read,write",
			want: []settings.Syscall{{Name: "read", Nr: 0}, {Name: "write", Nr: 1}}},
		{name: "errno in an allow list", action: settings.Allow, raw: "read,readlink:EPERM",
			err: &wantErr{Setting: sAllow, Token: "readlink:eperm", Detail: "Only error lists take an errno"}},
		{name: "errno in a log list", action: settings.Log, raw: "readlink:EPERM",
			err: &wantErr{Setting: sLog, Token: "readlink:eperm", Detail: "Only error lists take an errno"}},
		{name: "errno in a kill list", action: settings.Kill, raw: "readlink:EPERM",
			err: &wantErr{Setting: sKill, Token: "readlink:eperm", Detail: "Only error lists take an errno"}},
		{name: "bad errno in an allow list", action: settings.Allow, raw: "readlink:EPRM",
			err: &wantErr{Setting: sAllow, Token: "readlink:eprm", Detail: "Only error lists take an errno"}},
		{name: "unknown errno near another", action: settings.Error, raw: "readlink:EPRM",
			err:  &wantErr{Setting: sError, Token: "EPRM", Detail: `Errno "EPRM" is unknown`},
			hint: `Did you mean "EPERM"?`},
		{name: "unknown errno far from all", action: settings.Error, raw: "readlink:ENOTANERRNO",
			err:  &wantErr{Setting: sError, Token: "ENOTANERRNO", Detail: `Errno "ENOTANERRNO" is unknown`},
			hint: "Use a symbolic name such as EPERM or ENOSYS; numbers differ between architectures."},
		{name: "numeric errno", action: settings.Error, raw: "readlink:13",
			err:  &wantErr{Setting: sError, Token: "13", Detail: `Errno "13" is unknown`},
			hint: "Use a symbolic name such as EPERM or ENOSYS; numbers differ between architectures."},
		{name: "empty errno", action: settings.Error, raw: "readlink:",
			err: &wantErr{Setting: sError, Token: "", Detail: `Errno "" is unknown`, Hint: true}},
		{name: "two errnos", action: settings.Error, raw: "readlink:EPERM:EPERM",
			err: &wantErr{Setting: sError, Token: "EPERM:EPERM", Detail: `Errno "EPERM:EPERM" is unknown`, Hint: true}},
		{name: "errno without a syscall", action: settings.Error, raw: ":EPERM",
			err: &wantErr{Setting: sError, Detail: `Syscall "" is unknown`}, noHint: true},
		{name: "errno on an unknown syscall", action: settings.Error, raw: "readlnk:EPERM",
			err:  &wantErr{Setting: sError, Token: "readlnk", Detail: `Syscall "readlnk" is unknown`},
			hint: `Did you mean "readlink"?`},
		{name: "star with errno", action: settings.Error, raw: "*:EPERM",
			err: &wantErr{Setting: sError, Detail: "must be the whole value"}},

		// Names only other architectures have.
		{name: "foreign name skipped", raw: "read,stat64,write",
			want: []settings.Syscall{{Name: "read", Nr: 0}, {Name: "write", Nr: 1}}, warnings: []string{"stat64"}},
		{name: "foreign name alone", action: settings.Kill, raw: "STAT64",
			want: []settings.Syscall{}, warnings: []string{"stat64"}},
		{name: "foreign name with errno", action: settings.Error, raw: "stat64:EPERM,readlink:ENOENT",
			want:     []settings.Syscall{{Name: "readlink", Nr: 89, Errno: syscall.ENOENT}},
			warnings: []string{"stat64"}},
		{name: "foreign name twice warns twice", raw: "stat64,stat64",
			want: []settings.Syscall{}, warnings: []string{"stat64", "stat64"}},
		{name: "foreign name with a bad errno", action: settings.Error, raw: "stat64:EPRM",
			err: &wantErr{Setting: sError, Token: "EPRM"}, hint: `Did you mean "EPERM"?`},
		{name: "foreign name in an allow list with errno", raw: "stat64:EPERM",
			err: &wantErr{Setting: sAllow, Token: "stat64:eperm", Detail: "Only error lists take an errno"}},

		// Names unknown everywhere.
		{name: "typo", raw: "readlnk",
			err:  &wantErr{Setting: sAllow, Token: "readlnk", Detail: `Syscall "readlnk" is unknown`},
			hint: `Did you mean "readlink"?`},
		{name: "typo upper case", raw: "CHDR",
			err:  &wantErr{Setting: sAllow, Token: "chdr", Detail: `Syscall "chdr" is unknown`},
			hint: `Did you mean "chdir"?`},
		{name: "typo of a foreign name", raw: "staat64",
			err:  &wantErr{Setting: sAllow, Token: "staat64", Detail: `Syscall "staat64" is unknown`},
			hint: `Did you mean "stat64"?`},
		{name: "far name", raw: "zzzzzz",
			err: &wantErr{Setting: sAllow, Token: "zzzzzz", Detail: `Syscall "zzzzzz" is unknown`}, noHint: true},
		{name: "short name is never a typo", raw: "rd",
			err: &wantErr{Setting: sAllow, Token: "rd", Detail: `Syscall "rd" is unknown`}, noHint: true},
		{name: "unicode name", raw: "rëadlink",
			err: &wantErr{Setting: sAllow, Token: "rëadlink", Detail: `Syscall "rëadlink" is unknown`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			setting := settingOf[tt.action]
			got, warnings, err := settings.ParseList(settings.Value{Name: setting, Raw: tt.raw}, tt.action, syntaxTable)
			if tt.err != nil {
				checkSettingError(t, err, *tt.err)
				se := settingError(t, err)
				if tt.hint != "" && se.Hint != tt.hint {
					t.Errorf("Hint = %q, want %q", se.Hint, tt.hint)
				}
				if tt.noHint && se.Hint != "" {
					t.Errorf("Hint = %q, want none", se.Hint)
				}
				if got != nil || warnings != nil {
					t.Errorf("ParseList(%q) returned %v and %v with its error", tt.raw, got, warnings)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseList(%q): %v", tt.raw, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseList(%q) = %+v, want %+v", tt.raw, got, tt.want)
			}
			if len(warnings) != len(tt.warnings) {
				t.Fatalf("warnings = %+v, want %d", warnings, len(tt.warnings))
			}
			for i, w := range warnings {
				for _, s := range []string{`"` + setting + `"`, `"` + tt.warnings[i] + `"`} {
					if !strings.Contains(w.Message, s) {
						t.Errorf("warning %q does not name %s", w.Message, s)
					}
				}
				if w.Detail == "" {
					t.Errorf("warning %q has no detail", w.Message)
				}
			}
		})
	}
}

// TestParseListGroups: an @group expands to its members that the resolver
// knows, in GroupMembers' order; the others are skipped without a warning.
func TestParseListGroups(t *testing.T) {
	const setting = "pgseccomp.global_syscall_error"
	for _, group := range []string{"@clock", "@mount", "@module", "@reboot", "@swap", "@raw-io"} {
		t.Run(group, func(t *testing.T) {
			r, known := withGroupHalf(t, syntaxTable, group)
			syscalls := func(errno syscall.Errno) []settings.Syscall {
				var out []settings.Syscall
				for _, m := range known {
					out = append(out, settings.Syscall{Name: m, Nr: r[m], Errno: errno})
				}
				return out
			}
			tests := []struct {
				name string
				raw  string
				want []settings.Syscall
			}{
				{name: "alone", raw: group, want: syscalls(0)},
				{name: "upper case", raw: strings.ToUpper(group), want: syscalls(0)},
				{name: "quoted", raw: `"` + group + `"`, want: syscalls(0)},
				{name: "with errno", raw: group + ":EPERM", want: syscalls(syscall.EPERM)},
				{name: "after a syscall", raw: "read," + group + ":enosys",
					want: append([]settings.Syscall{{Name: "read", Nr: 0}}, syscalls(syscall.ENOSYS)...)},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					got, warnings, err := settings.ParseList(settings.Value{Name: setting, Raw: tt.raw}, settings.Error, r)
					if err != nil {
						t.Fatalf("ParseList(%q): %v", tt.raw, err)
					}
					if len(warnings) != 0 {
						t.Errorf("warnings %+v; skipped group members must be silent", warnings)
					}
					if !reflect.DeepEqual(got, tt.want) {
						t.Errorf("ParseList(%q) = %+v, want %+v", tt.raw, got, tt.want)
					}
				})
			}
		})
	}
}

// TestParseListGroupNoneKnown: a group none of whose members the resolver
// knows is an empty list, not an error.
func TestParseListGroupNoneKnown(t *testing.T) {
	got, warnings, err := settings.ParseList(settings.Value{Name: "pgseccomp.global_syscall_kill", Raw: "@mount,read"}, settings.Kill, table{"read": 0})
	if err != nil {
		t.Fatal(err)
	}
	if want := []settings.Syscall{{Name: "read", Nr: 0}}; !reflect.DeepEqual(got, want) || len(warnings) != 0 {
		t.Errorf("ParseList = %+v, %+v; want %+v and no warnings", got, warnings, want)
	}
}

package targets_test

import (
	"errors"
	"reflect"
	"runtime"
	"sort"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/pgseccomp/pgseccomp/internal/policy"
	"github.com/pgseccomp/pgseccomp/internal/settings"
	"github.com/pgseccomp/pgseccomp/internal/targets"
	"github.com/pgseccomp/pgseccomp/internal/wire"
)

// The tests of this file use libseccomp's x86_64 table, whose numbers they
// pin; they skip on other architectures.
func requireAMD64(t *testing.T) {
	t.Helper()
	if runtime.GOARCH != "amd64" {
		t.Skipf("the list syntax tests pin x86_64 syscall numbers, not %s's", runtime.GOARCH)
	}
}

// compileTarget runs the whole request path for one session level on the
// native table, with the default global settings.
func compileTarget(t *testing.T, session settings.Level) targets.TargetResult {
	t.Helper()
	global := settings.DefaultGlobal()
	req := &targets.Request{Global: global, Targets: []settings.Target{{Global: global, Session: session}}}
	res := targets.Build(req, native)
	if res.Err != nil {
		t.Fatalf("Compile: global error %v", res.Err)
	}
	if len(res.Targets) != 1 {
		t.Fatalf("Compile returned %d targets", len(res.Targets))
	}
	return res.Targets[0]
}

// TestSyntaxNativeTable: the resolver behind the list syntax on x86_64.
func TestSyntaxNativeTable(t *testing.T) {
	requireAMD64(t)
	tests := []struct {
		name    string
		number  int32 // -1: not a native syscall
		foreign bool  // checked only for names that are not native
	}{
		{"chdir", 80, false},
		{"readlink", 89, false},
		{"readlinkat", 267, false},
		{"clone3", 435, false},
		{"stat", 4, false},
		{"stat64", -1, true},
		{"mmap2", -1, true},
		{"readlnk", -1, false},
		{"", -1, false},
	}
	for _, tt := range tests {
		t.Run("name="+tt.name, func(t *testing.T) {
			n, ok := native.Number(tt.name)
			if tt.number < 0 {
				if ok {
					t.Errorf("Number(%q) = %d, want none", tt.name, n)
				}
			} else {
				if !ok || n != tt.number {
					t.Errorf("Number(%q) = %d, %v; want %d", tt.name, n, ok, tt.number)
				}
				if got := native.Name(tt.number); got != tt.name {
					t.Errorf("Name(%d) = %q, want %q", tt.number, got, tt.name)
				}
			}
			// Foreign means only another architecture has it: never
			// for a native name.
			if got := native.Foreign(tt.name); got != (tt.number < 0 && tt.foreign) {
				t.Errorf("Foreign(%q) = %v, want %v", tt.name, got, tt.number < 0 && tt.foreign)
			}
		})
	}
	if got := native.Name(99999); got != "" {
		t.Errorf("Name(99999) = %q, want none", got)
	}

	all := native.AllNames()
	nativeNames := native.NativeNames()
	for _, list := range [][]string{all, nativeNames} {
		if !sort.StringsAreSorted(list) {
			t.Errorf("names are not sorted")
		}
		for i := 1; i < len(list); i++ {
			if list[i-1] == list[i] {
				t.Errorf("%q is listed twice", list[i])
			}
		}
	}
	has := func(list []string, name string) bool {
		i := sort.SearchStrings(list, name)
		return i < len(list) && list[i] == name
	}
	for _, name := range []string{"stat64", "chdir", "mmap2", "readlink", "clone3"} {
		if !has(all, name) {
			t.Errorf("AllNames() lacks %q", name)
		}
	}
	if has(nativeNames, "stat64") || !has(nativeNames, "chdir") {
		t.Errorf("NativeNames() has stat64: %v, chdir: %v; want false, true", has(nativeNames, "stat64"), has(nativeNames, "chdir"))
	}
	for _, name := range nativeNames {
		if !has(all, name) {
			t.Errorf("AllNames() lacks native %q", name)
		}
	}
}

// TestSyntaxParseNative: list items resolved by libseccomp.
func TestSyntaxParseNative(t *testing.T) {
	requireAMD64(t)
	const setting = "pgseccomp.session_syscall_error"
	tests := []struct {
		name     string
		raw      string
		want     []settings.Syscall
		warnings int
		hint     string // an error with this exact hint
	}{
		{name: "number", raw: "80", want: []settings.Syscall{{Name: "chdir", Nr: 80}}},
		{name: "number and errno", raw: "80:EPERM, readlink:enosys",
			want: []settings.Syscall{{Name: "chdir", Nr: 80, Errno: unix.EPERM}, {Name: "readlink", Nr: 89, Errno: unix.ENOSYS}}},
		{name: "foreign name", raw: "stat64,chdir", want: []settings.Syscall{{Name: "chdir", Nr: 80}}, warnings: 1},
		{name: "native stat", raw: "stat", want: []settings.Syscall{{Name: "stat", Nr: 4}}},
		{name: "typo", raw: "readlnk", hint: `Did you mean "readlink"?`},
		{name: "errno typo", raw: "readlink:EPRM", hint: `Did you mean "EPERM"?`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, warnings, err := settings.ParseList(settings.Value{Name: setting, Raw: tt.raw}, settings.Error, native)
			if tt.hint != "" {
				var se *settings.SettingError
				if !errors.As(err, &se) {
					t.Fatalf("error %v is not a *settings.SettingError", err)
				}
				if se.Hint != tt.hint || se.Setting != setting {
					t.Errorf("error %q in %q with hint %q, want hint %q", se.Detail, se.Setting, se.Hint, tt.hint)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) || len(warnings) != tt.warnings {
				t.Errorf("ParseList(%q) = %+v, %d warnings; want %+v, %d", tt.raw, got, len(warnings), tt.want, tt.warnings)
			}
		})
	}
}

// TestSyntaxRows: what seccomp_filter() shows for numbers and errnos.
func TestSyntaxRows(t *testing.T) {
	requireAMD64(t)
	tests := []struct {
		name    string
		session settings.Level
		lines   []string // each must be a line of FormatRows
		absent  []string // prefixes no line may have
	}{
		{
			name:    "number prints the name",
			session: sessionLevel("allow", "*", "*", "80", "*"),
			lines:   []string{"<default>\t-1\tsession->allow", "chdir\t80\tsession->error"},
			absent:  []string{"syscall_80\t", "80\t"},
		},
		{
			name:    "errno",
			session: sessionLevel("allow", "*", "*", "readlink:EPERM", "*"),
			lines: []string{
				"readlink\t89\tsession->error:EPERM",
				"readlinkat\t267\tsession->error:EPERM", // the family
			},
		},
		{
			name:    "explicit default errno",
			session: sessionLevel("allow", "*", "*", "readlink:eacces", "*"),
			lines:   []string{"readlink\t89\tsession->error", "readlinkat\t267\tsession->error"},
		},
		{
			name:    "default errno",
			session: sessionLevel("error", "read,write,clone", "*", "*", "*"),
			lines: []string{
				"<default>\t-1\tsession->error",
				"read\t0\tsession->allow",
				"clone\t56\tsession->allow",
				"clone3\t435\tsession->error:ENOSYS",
			},
			absent: []string{"fork\t", "vfork\t"}, // allow rules do not extend
		},
		{
			name:    "kill and log",
			session: sessionLevel("log", "*", "80", "*", "readlink"),
			lines: []string{
				"<default>\t-1\tsession->log",
				"chdir\t80\tsession->log",
				"readlink\t89\tsession->kill",
				"readlinkat\t267\tsession->kill",
			},
			absent: []string{"clone3\t"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := compileTarget(t, tt.session)
			if tr.Err != nil {
				t.Fatalf("target error: %v", tr.Err)
			}
			if tr.BPF == nil {
				t.Errorf("no session program")
			}
			text := wire.FormatRows(tr.Rows, native)
			if !strings.HasSuffix(text, "\n") {
				t.Errorf("FormatRows does not end its last line")
			}
			lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
			if len(lines) != len(tr.Rows) {
				t.Errorf("%d lines for %d rows", len(lines), len(tr.Rows))
			}
			set := map[string]bool{}
			for _, l := range lines {
				set[l] = true
				for _, p := range tt.absent {
					if strings.HasPrefix(l, p) {
						t.Errorf("line %q should not be there", l)
					}
				}
			}
			for _, l := range tt.lines {
				if !set[l] {
					t.Errorf("no line %q in\n%s", l, text)
				}
			}
		})
	}
}

// TestSyntaxActionText pins Row.ActionText for every action and errno.
func TestSyntaxActionText(t *testing.T) {
	tests := []struct {
		row  policy.Row
		want string
	}{
		{policy.Row{Action: settings.Allow}, "allow"},
		{policy.Row{Action: settings.Log}, "log"},
		{policy.Row{Action: settings.Kill}, "kill"},
		{policy.Row{Action: settings.Error}, "error"},
		{policy.Row{Action: settings.Error, Errno: unix.EPERM}, "error:EPERM"},
		{policy.Row{Action: settings.Error, Errno: unix.ENOSYS}, "error:ENOSYS"},
		{policy.Row{Action: settings.Allow, Errno: unix.EPERM}, "allow"}, // an errno means nothing but for error
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := tt.row.ActionText(); got != tt.want {
				t.Errorf("ActionText() = %q, want %q", got, tt.want)
			}
		})
	}
	// Describe drops the default errno from rows, so that "error" shows.
	f := &policy.Filter{
		Default: policy.Decision{Action: settings.Error, Errno: unix.EACCES, Source: "session"},
		Rules: map[int32]policy.Decision{
			1: {Action: settings.Error, Errno: unix.EPERM, Source: "session"},
			2: {Action: settings.Error, Source: "session"},
			3: {Action: settings.Error, Errno: unix.EACCES, Source: "session"},
		},
	}
	want := []string{"error", "error:EPERM", "error", "error"}
	for i, r := range policy.Describe([]*policy.Filter{f}) {
		if got := r.ActionText(); got != want[i] {
			t.Errorf("row %+v: ActionText() = %q, want %q", r, got, want[i])
		}
	}
}

// TestSyntaxBPF: errnos reach the programs, clone3 gets ENOSYS.
func TestSyntaxBPF(t *testing.T) {
	requireAMD64(t)
	arch := nativeArch(t)
	errno := func(e unix.Errno) uint32 { return retErrno | uint32(e) }
	tests := []struct {
		name    string
		session settings.Level
		want    map[string]uint32 // syscall (name or number) -> seccomp return value
	}{
		{
			name:    "errno rule",
			session: sessionLevel("allow", "*", "*", "readlink:EPERM", "*"),
			want: map[string]uint32{
				"readlink":   errno(unix.EPERM),
				"readlinkat": errno(unix.EPERM),
				"read":       retAllow,
				"clone3":     retAllow,
			},
		},
		{
			name:    "errnos per item and the default errno",
			session: sessionLevel("allow", "*", "*", "readlink:ENOENT,80, getppid:eacces", "*"),
			want: map[string]uint32{
				"readlink": errno(unix.ENOENT),
				"chdir":    errno(unix.EACCES),
				"getppid":  errno(unix.EACCES),
				"getpid":   retAllow,
			},
		},
		{
			name:    "error default",
			session: sessionLevel("error", "read,write", "*", "chdir:EPERM", "*"),
			want: map[string]uint32{
				"clone3":  0x00050000 | 38,
				"clone":   errno(unix.EACCES),
				"getppid": errno(unix.EACCES),
				"chdir":   errno(unix.EPERM),
				"read":    retAllow,
			},
		},
		{
			name:    "error default, clone allowed",
			session: sessionLevel("error", "clone,read", "*", "*", "*"),
			want:    map[string]uint32{"clone3": errno(unix.ENOSYS), "clone": retAllow, "fork": errno(unix.EACCES)},
		},
		{
			name:    "clone killed",
			session: sessionLevel("allow", "*", "*", "*", "clone"),
			want:    map[string]uint32{"clone3": errno(unix.ENOSYS), "clone": retKillProcess, "fork": retKillProcess, "vfork": retKillProcess},
		},
		{
			name:    "clone3 named",
			session: sessionLevel("error", "clone3", "*", "*", "*"),
			want:    map[string]uint32{"clone3": retAllow, "clone": errno(unix.EACCES)},
		},
		{
			name:    "log default leaves clone3",
			session: sessionLevel("log", "clone", "*", "*", "*"),
			want:    map[string]uint32{"clone3": retLog, "clone": retAllow},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := targets.BuildGlobal(settings.DefaultGlobal(), native, policy.SelfNeeds)
			if err != nil {
				t.Fatal(err)
			}
			s, err := targets.BuildSession(g, settings.Target{Global: settings.DefaultGlobal(), Session: tt.session}, native)
			if err != nil {
				t.Fatal(err)
			}
			if s.Filter == nil {
				t.Fatal("no session filter")
			}
			v := compile(t, s.Filter)
			for name, want := range tt.want {
				if got := v.run(t, nr(t, name), arch); got != want {
					t.Errorf("%s: filter returned %#x, want %#x", name, got, want)
				}
			}
		})
	}
}

// TestSyntaxWarningsAndErrors: a foreign name warns and is skipped, a typo
// fails the target with a hint, through the whole request path.
func TestSyntaxWarningsAndErrors(t *testing.T) {
	requireAMD64(t)
	tr := compileTarget(t, sessionLevel("allow", "*", "*", "stat64:EPERM,chdir", "*"))
	if tr.Err != nil {
		t.Fatal(tr.Err)
	}
	if len(tr.Warnings) != 1 || !strings.Contains(tr.Warnings[0].Message, `"stat64"`) ||
		!strings.Contains(tr.Warnings[0].Message, `"pgseccomp.session_syscall_error"`) {
		t.Errorf("warnings = %+v, want one naming stat64 and the setting", tr.Warnings)
	}
	for _, r := range tr.Rows[1:] {
		if name := native.Name(r.Nr); name != "chdir" && name != "fchdir" {
			t.Errorf("row for %s (%d), want only chdir and its sibling fchdir", name, r.Nr)
		}
	}

	for _, tt := range []struct{ raw, token, hint string }{
		{"readlnk", "readlnk", `Did you mean "readlink"?`},
		{"chdir:EPRM", "EPRM", `Did you mean "EPERM"?`},
		{"99999", "99999", ""},
		{"zzzzzz", "zzzzzz", ""},
	} {
		t.Run(tt.raw, func(t *testing.T) {
			tr := compileTarget(t, sessionLevel("allow", "*", "*", tt.raw, "*"))
			var se *settings.SettingError
			if !errors.As(tr.Err, &se) {
				t.Fatalf("target error %v is not a *settings.SettingError", tr.Err)
			}
			if se.Setting != "pgseccomp.session_syscall_error" || se.Token != tt.token || se.Hint != tt.hint {
				t.Errorf("error %q in %q, hint %q; want token %q, hint %q", se.Token, se.Setting, se.Hint, tt.token, tt.hint)
			}
		})
	}
}

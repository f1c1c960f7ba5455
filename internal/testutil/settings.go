package testutil

import (
	"errors"
	"strings"
	"testing"

	"github.com/pgseccomp/pgseccomp/internal/settings"
)

// Syscalls is a small table of x86_64 syscalls that most tests resolve
// against.
var Syscalls = Table{
	"read":     0,
	"write":    1,
	"open":     2,
	"close":    3,
	"clone":    56,
	"readlink": 89,
	"chown":    92,
	"ptrace":   101,
}

// Level builds a Level named like real settings; lists are indexed by
// action.
func Level(name func(settings.Field) string, def string, lists [4]string) settings.Level {
	l := settings.Level{Default: settings.Value{Name: name(settings.FieldDefault), Raw: def}}
	for _, a := range settings.Actions {
		l.Lists[a] = settings.Value{Name: name(settings.ListField(a)), Raw: lists[a]}
	}
	return l
}

// SettingError unwraps err as a *SettingError or fails the test.
func SettingError(t *testing.T, err error) *settings.SettingError {
	t.Helper()
	var se *settings.SettingError
	if !errors.As(err, &se) {
		t.Fatalf("error %v (%T) is not a *settings.SettingError", err, err)
	}
	return se
}

// WantErr is what a test expects of a *SettingError; empty fields are not
// checked, except that Message is always derived from Setting.
type WantErr struct {
	Setting, Token string
	Detail         string // substring
	Hint           bool   // a hint must be present
}

// CheckSettingError fails the test unless err is a *SettingError as w
// describes.
func CheckSettingError(t *testing.T, err error, w WantErr) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one for %q", w.Setting)
	}
	se := SettingError(t, err)
	if se.Setting != w.Setting {
		t.Errorf("Setting = %q, want %q", se.Setting, w.Setting)
	}
	if w.Token != "" && se.Token != w.Token {
		t.Errorf("Token = %q, want %q", se.Token, w.Token)
	}
	if msg := `invalid value for parameter "` + w.Setting + `"`; se.Message != msg {
		t.Errorf("Message = %q, want %q", se.Message, msg)
	}
	if !strings.Contains(se.Detail, w.Detail) {
		t.Errorf("Detail = %q, want it to contain %q", se.Detail, w.Detail)
	}
	if w.Hint && se.Hint == "" {
		t.Errorf("no Hint")
	}
	if !strings.HasPrefix(se.Error(), se.Message) {
		t.Errorf("Error() = %q does not start with the message", se.Error())
	}
}

// syntaxTable extends testTable with the names the list syntax and family
// tests need (x86_64 numbers, though nothing here depends on that). It
// still lacks the family members openat2, creat and every *64 name, so
// that missing siblings can be seen to be ignored.
// MoreSyscalls is Syscalls and more names, with their x86_64 numbers,
// for the list grammar's tests.
var MoreSyscalls = func() Table {
	t := Table{}
	for name, nr := range Syscalls {
		t[name] = nr
	}
	for name, nr := range map[string]int32{
		"stat":       4,
		"lstat":      6,
		"fork":       57,
		"vfork":      58,
		"chdir":      80,
		"rmdir":      84,
		"unlink":     87,
		"openat":     257,
		"newfstatat": 262,
		"unlinkat":   263,
		"readlinkat": 267,
		"statx":      332,
		"clone3":     435,
	} {
		t[name] = nr
	}
	return t
}()

// ptr is an argument of set_client_filter that is not NULL.
// Ptr is a pointer to s: a non-NULL argument.
func Ptr(s string) *string { return &s }

// client builds a call from its five arguments in SQL order; nil is NULL.
// Client is a set_client_filter call; nil arguments are NULL.
func Client(def *string, allow, log, err, kill *string) settings.Client {
	return settings.Client{Default: def, Lists: [4]*string{allow, log, err, kill}}
}

// FuzzSyscalls is the small syscall table of the fuzz tests: some families
// (rmdir's and unlink's share unlinkat), clone and clone3, a few group
// members.
var FuzzSyscalls = Table{
	"read": 0, "write": 1, "open": 2, "close": 3, "stat": 4, "lstat": 6,
	"clone": 56, "fork": 57, "vfork": 58, "chdir": 80, "rmdir": 84, "unlink": 87, "readlink": 89,
	"settimeofday": 164, "mount": 165, "umount2": 166, "reboot": 169, "swapon": 167,
	"init_module": 175, "ioperm": 173, "iopl": 172,
	"openat": 257, "newfstatat": 262, "unlinkat": 263, "readlinkat": 267, "clone3": 435,
}

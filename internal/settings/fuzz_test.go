package settings_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/pgseccomp/pgseccomp/internal/names"
	"github.com/pgseccomp/pgseccomp/internal/settings"
)

// The seed corpora of these fuzz tests are in testdata/fuzz/<FuzzName>/;
// plain "go test" runs them. Fuzz with, one at a time:
//
//	go test -run='^$' -fuzz=FuzzSplitList -fuzztime=30s ./internal/settings/

func FuzzSplitList(f *testing.F) {
	for _, s := range []string{"", "read,write", ` "Read" , WRITE`, `"a,b"`, ",", `""`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		items, err := settings.SplitList(raw)
		if err != nil {
			if items != nil {
				t.Errorf("SplitList(%q) = %q with error %v", raw, items, err)
			}
			return
		}
		if strings.TrimSpace(raw) == "" && len(items) != 0 {
			t.Errorf("SplitList(%q) = %q, want the empty list", raw, items)
		}
		plain, quoted := true, make([]string, len(items))
		for i, item := range items {
			if item == "" {
				t.Fatalf("SplitList(%q) has an empty item %d: %q", raw, i, items)
			}
			if strings.ContainsAny(item, `,"`) {
				// Only an unquoted item can hold a quote (not first),
				// and nothing can hold a comma.
				if strings.Contains(item, ",") || strings.HasPrefix(item, `"`) {
					t.Fatalf("SplitList(%q) has item %q", raw, item)
				}
				return
			}
			// An unquoted item is blank-trimmed and folded; a quoted one
			// is kept verbatim, so only canonical items re-split alike
			// without quotes.
			plain = plain && item == strings.ToLower(strings.TrimSpace(item))
			quoted[i] = `"` + item + `"`
		}
		// Quoted, every item comes back verbatim.
		again, err := settings.SplitList(strings.Join(quoted, " , "))
		if err != nil || !reflect.DeepEqual(again, items) {
			t.Errorf("SplitList(%q) = %q, but its items quoted and joined split to %q, %v", raw, items, again, err)
		}
		if plain {
			again, err := settings.SplitList(strings.Join(items, ","))
			if err != nil || !reflect.DeepEqual(again, items) {
				t.Errorf("SplitList(%q) = %q, but its items joined split to %q, %v", raw, items, again, err)
			}
		}
	})
}

func FuzzParseList(f *testing.F) {
	for _, s := range []struct {
		raw    string
		action int
	}{
		{"read,80", 0}, {"readlink:EPERM", 2}, {"@clock:enosys,stat64", 2}, {"readlink:EPERM", 0}, {"99999", 3},
	} {
		f.Add(s.raw, s.action)
	}
	f.Fuzz(func(t *testing.T, raw string, action int) {
		a := settings.Action(action)
		const setting = "pgseccomp.session_syscall_error"
		calls, warnings, err := settings.ParseList(settings.Value{Name: setting, Raw: raw}, a, fuzzTable)
		if err != nil {
			se := settingError(t, err)
			if se.Setting != setting || se.Message == "" || se.Detail == "" {
				t.Errorf("ParseList(%q, %v): error %+v", raw, a, se)
			}
			if calls != nil || warnings != nil {
				t.Errorf("ParseList(%q, %v) = %v, %v with error %v", raw, a, calls, warnings, err)
			}
			return
		}
		for _, c := range calls {
			if nr, ok := fuzzTable.Number(c.Name); !ok || nr != c.Nr {
				t.Errorf("ParseList(%q, %v) returned %+v, which the table does not know", raw, a, c)
			}
			if c.Errno != 0 && a != settings.Error {
				t.Errorf("ParseList(%q, %v) returned %+v: an errno outside an error list", raw, a, c)
			}
			if c.Errno != 0 && names.ErrnoName(c.Errno) == "" {
				t.Errorf("ParseList(%q, %v) returned %+v: an errno without a name", raw, a, c)
			}
		}
		for _, w := range warnings {
			if !strings.Contains(w.Message, `"`+setting+`"`) {
				t.Errorf("ParseList(%q, %v): warning %q does not name the setting", raw, a, w.Message)
			}
		}
	})
}

package wire_test

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/pgseccomp/pgseccomp/internal/settings"
	"github.com/pgseccomp/pgseccomp/internal/targets"
	"github.com/pgseccomp/pgseccomp/internal/wire"
)

// join0 joins fields into the request form: each one NUL-terminated.
func join0(fields ...string) []byte {
	return []byte(strings.Join(fields, "\x00") + "\x00")
}

func TestRequestRoundTrip(t *testing.T) {
	customGlobal := level(settings.GlobalName, "log", [4]string{"read,write", "", "ptrace", `"chown"`})
	customSession := level(settings.SessionName, "error", [4]string{"*", "readlink", "", "*"})
	tests := []struct {
		name string
		req  *targets.Request
	}{
		{
			name: "defaults only",
			req:  &targets.Request{Global: settings.DefaultGlobal()},
		},
		{
			name: "global section",
			req:  &targets.Request{Global: customGlobal},
		},
		{
			name: "plain session target",
			req: &targets.Request{Global: customGlobal, Targets: []settings.Target{
				{Session: customSession, Overrides: map[settings.Field]string{}},
			}},
		},
		{
			name: "role target with overrides",
			req: &targets.Request{Global: customGlobal, Targets: []settings.Target{
				{Session: customSession, Role: "joe", Overrides: map[settings.Field]string{
					settings.FieldError: "", settings.FieldDefault: "kill", settings.FieldAllow: "*",
				}},
			}},
		},
		{
			name: "type target with overrides",
			req: &targets.Request{Global: customGlobal, Targets: []settings.Target{
				{Session: customSession, Type: "autovacuum_worker", Overrides: map[settings.Field]string{
					settings.FieldError: "readlink", settings.FieldDefault: "error", settings.FieldKill: "*",
				}},
			}},
		},
		{
			name: "role and type targets",
			req: &targets.Request{Global: customGlobal, Targets: []settings.Target{
				{Session: customSession, Role: "autovacuum_worker", Overrides: map[settings.Field]string{settings.FieldLog: "close"}},
				{Session: customSession, Type: "autovacuum_worker", Overrides: map[settings.Field]string{settings.FieldLog: "read"}},
			}},
		},
		{
			name: "several targets",
			req: &targets.Request{Global: customGlobal, Targets: []settings.Target{
				{Session: settings.DefaultSession(), Overrides: map[settings.Field]string{}},
				{Session: customSession, Role: "Mixed Case", Overrides: map[settings.Field]string{settings.FieldLog: "close"}},
				{Session: customSession, Role: "ann", Overrides: map[settings.Field]string{}},
			}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := wire.EncodeRequest(tt.req)
			got, err := wire.DecodeRequest(b)
			if err != nil {
				t.Fatalf("DecodeRequest(%q): %v", b, err)
			}
			// Decoding copies the global level into every target.
			want := *tt.req
			want.Targets = append([]settings.Target(nil), tt.req.Targets...)
			for i := range want.Targets {
				want.Targets[i].Global = want.Global
			}
			if !reflect.DeepEqual(*got, want) {
				t.Errorf("round trip of %q:\ngot  %+v\nwant %+v", b, *got, want)
			}
			if again := wire.EncodeRequest(got); !bytes.Equal(again, b) {
				t.Errorf("re-encoding differs:\ngot  %q\nwant %q", again, b)
			}
		})
	}
}

// TestDecodeRequestDefaults pins the wire form independently of
// EncodeRequest: settings a section omits keep their defaults.
func TestDecodeRequestDefaults(t *testing.T) {
	b := join0(
		"[global]", "pgseccomp.global_syscall_default", "kill", "pgseccomp.global_syscall_allow", "read",
		"[target]",
		"[target]", "role", "joe", "pgseccomp.session_syscall_error", "chown", "session_syscall_error.joe", "",
	)
	got, err := wire.DecodeRequest(b)
	if err != nil {
		t.Fatal(err)
	}
	global := level(settings.GlobalName, "kill", [4]string{"read", "", "", ""})
	if got.Global != global {
		t.Errorf("global = %+v, want %+v", got.Global, global)
	}
	if len(got.Targets) != 2 {
		t.Fatalf("%d targets, want 2", len(got.Targets))
	}
	plain, role := got.Targets[0], got.Targets[1]
	if plain.Role != "" || len(plain.Overrides) != 0 || plain.Session != settings.DefaultSession() || plain.Global != global {
		t.Errorf("plain target = %+v", plain)
	}
	wantSession := level(settings.SessionName, "allow", [4]string{"*", "*", "chown", "*"})
	if role.Role != "joe" || role.Session != wantSession || role.Global != global ||
		!reflect.DeepEqual(role.Overrides, map[settings.Field]string{settings.FieldError: ""}) {
		t.Errorf("role target = %+v", role)
	}
}

func TestDecodeRequestMalformed(t *testing.T) {
	tests := []struct {
		name string
		b    []byte
	}{
		{"empty", nil},
		{"missing NUL terminator", []byte("[global]")},
		{"missing final NUL", []byte("[global]\x00pgseccomp.global_syscall_default\x00kill")},
		{"no global section", join0("[target]")},
		{"only a target with settings", join0("[target]", "pgseccomp.session_syscall_default", "kill")},
		{"unknown global setting", join0("[global]", "pgseccomp.global_syscall_deny", "read")},
		{"session setting in global section", join0("[global]", "pgseccomp.session_syscall_allow", "read")},
		{"global setting in target", join0("[global]", "[target]", "pgseccomp.global_syscall_allow", "read")},
		{"unknown target setting", join0("[global]", "[target]", "pgseccomp.enabled", "on")},
		{"setting without value", join0("[global]", "pgseccomp.global_syscall_default")},
		{"target setting without value", join0("[global]", "[target]", "role")},
		{"empty setting name", join0("[global]", "")},
		{"global after target", join0("[target]", "[global]")},
		{"global after target with settings", join0("[target]", "role", "joe", "[global]", "pgseccomp.global_syscall_default", "kill")},
		{"global again after target", join0("[global]", "[target]", "[global]")},
		{"global twice", join0("[global]", "[global]")},
		{"override before role", join0("[global]", "[target]", "session_syscall_error.joe", "", "role", "joe")},
		{"override of another role", join0("[global]", "[target]", "role", "joe", "session_syscall_error.ann", "")},
		{"override without role", join0("[global]", "[target]", "session_syscall_error.", "")},
		{"override in global section", join0("[global]", "session_syscall_error.joe", "")},
		{"role and type", join0("[global]", "[target]", "role", "joe", "type", "walsender")},
		{"type and role", join0("[global]", "[target]", "type", "walsender", "role", "joe")},
		{"type twice", join0("[global]", "[target]", "type", "walsender", "type", "checkpointer")},
		{"override of another type", join0("[global]", "[target]", "type", "walsender", "backend_syscall_error.checkpointer", "")},
		{"role override in a type target", join0("[global]", "[target]", "type", "walsender", "session_syscall_error.walsender", "")},
		{"type override in a role target", join0("[global]", "[target]", "role", "joe", "backend_syscall_error.joe", "")},
		{"type override without type", join0("[global]", "[target]", "backend_syscall_error.walsender", "")},
		{"override before type", join0("[global]", "[target]", "backend_syscall_error.walsender", "", "type", "walsender")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if req, err := wire.DecodeRequest(tt.b); err == nil {
				t.Errorf("DecodeRequest(%q) = %+v, want an error", tt.b, req)
			}
		})
	}
}

// TestDecodeRequestSettingBeforeGlobal: "[global]" comes first; a setting
// before it must not be taken as a global one.
func TestDecodeRequestSettingBeforeGlobal(t *testing.T) {
	b := join0("pgseccomp.global_syscall_default", "kill", "[global]")
	if _, err := wire.DecodeRequest(b); err == nil {
		t.Errorf("DecodeRequest(%q) succeeded, want an error", b)
	}
}

// TestDecodeRequestStart: "[start]" marks the postmaster's request, and
// only as the first field.
func TestDecodeRequestStart(t *testing.T) {
	tests := []struct {
		name      string
		fields    []string
		wantStart bool
		wantErr   bool
	}{
		{name: "start request", fields: []string{"[start]", "[global]"}, wantStart: true},
		{name: "later request", fields: []string{"[global]"}},
		{name: "start after global", fields: []string{"[global]", "[start]"}, wantErr: true},
		{name: "start after target", fields: []string{"[global]", "[target]", "[start]"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := wire.DecodeRequest(join0(tt.fields...))
			if tt.wantErr {
				if err == nil {
					t.Fatalf("DecodeRequest succeeded, want an error")
				}
				return
			}
			if err != nil {
				t.Fatalf("DecodeRequest: %v", err)
			}
			if req.Start != tt.wantStart {
				t.Errorf("Start = %v, want %v", req.Start, tt.wantStart)
			}
			if again, _ := wire.DecodeRequest(wire.EncodeRequest(req)); again.Start != tt.wantStart {
				t.Errorf("Start lost in a round trip")
			}
		})
	}
}

// TestDecodeRequestType pins the wire form of a backend-type target, as
// the C layer writes it.
func TestDecodeRequestType(t *testing.T) {
	b := join0(
		"[global]",
		"[target]", "type", "autovacuum_worker", "pgseccomp.session_syscall_default", "error",
		"backend_syscall_error.autovacuum_worker", "readlink", "backend_syscall_default.autovacuum_worker", "log",
	)
	got, err := wire.DecodeRequest(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Targets) != 1 {
		t.Fatalf("%d targets, want 1", len(got.Targets))
	}
	tg := got.Targets[0]
	want := map[settings.Field]string{settings.FieldError: "readlink", settings.FieldDefault: "log"}
	if tg.Type != "autovacuum_worker" || tg.Role != "" || !reflect.DeepEqual(tg.Overrides, want) {
		t.Errorf("target = %+v", tg)
	}
	if eff := tg.Effective(); eff.Default.Name != "backend_syscall_default.autovacuum_worker" || eff.Default.Raw != "log" {
		t.Errorf("effective default = %+v", eff.Default)
	}
	if again, err := wire.DecodeRequest(wire.EncodeRequest(got)); err != nil || !reflect.DeepEqual(again, got) {
		t.Errorf("round trip: %+v, %v; want %+v", again, err, got)
	}
}

// A suggest section: after the global one, before the targets; its
// entries round-trip.
func TestDecodeSuggest(t *testing.T) {
	enc := func(s string) []byte { return []byte(strings.ReplaceAll(s, "|", "\x00") + "\x00") }
	req, err := wire.DecodeRequest(enc("[global]|[suggest]|stored|1|learned|2:0,1:R:a:b|observed|2:3:40:5:R:a:bclient: backend|program|2:4:5:14:R:a:bclient backendcat > /dev/null|[target]"))
	if err != nil {
		t.Fatal(err)
	}
	want := &targets.Suggestion{Stored: 1, Learned: []targets.Learned{{Level: 2, Owner: "R:a:b", Nrs: []int32{0, 1}}},
		Observed: []targets.Observed{{Level: 2, Owner: "R:a:b", Type: "client: backend", Processes: 3, Seconds: 40}},
		Programs: []targets.Program{{Level: 2, Owner: "R:a:b", Type: "client backend", Command: "cat > /dev/null", Count: 4}}}
	if !reflect.DeepEqual(req.Suggest, want) {
		t.Errorf("suggestion %+v, want %+v", req.Suggest, want)
	}
	if again, err := wire.DecodeRequest(wire.EncodeRequest(req)); err != nil || !reflect.DeepEqual(again, req) {
		t.Errorf("round trip: %+v, %v", again, err)
	}
	for _, bad := range []string{"[suggest]|[global]", "[global]|[target]|[suggest]", "[global]|[suggest]|learned|2:x:S",
		"[global]|[suggest]|stored|-1",
		"[global]|[suggest]|observed|2:1:1:9:S", "[global]|[suggest]|observed|2:-1:1:1:S", "[global]|[suggest]|observed|2:1:1", "[global]|[suggest]|program|2:1:1:9:Sx", "[global]|[suggest]|program|2:-1:1:1:Sxy",
		"[global]|[suggest]|program|2:1:1", "[global]|[suggest]|[suggest]", "[global]|[suggest]|other|1"} {
		if _, err := wire.DecodeRequest(enc(bad)); err == nil {
			t.Errorf("%q decodes", bad)
		}
	}
}

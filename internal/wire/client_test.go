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

func TestRequestClientsRoundTrip(t *testing.T) {
	global := level(settings.GlobalName, "log", [4]string{"read,write", "", "ptrace", ""})
	session := level(settings.SessionName, "error", [4]string{"*", "readlink", "", "*"})
	tests := []struct {
		name    string
		targets []settings.Target
	}{
		{
			name: "all NULL call",
			targets: []settings.Target{{Session: session, Overrides: map[settings.Field]string{},
				Clients: []settings.Client{client(nil, nil, nil, nil, nil)}}},
		},
		{
			name: "every argument",
			targets: []settings.Target{{Session: session, Overrides: map[settings.Field]string{},
				Clients: []settings.Client{client(ptr("kill"), ptr("read"), ptr("*"), ptr("ptrace, chown"), ptr(`"clone"`))}}},
		},
		{
			// An empty string is not NULL and must stay distinct.
			name: "empty strings",
			targets: []settings.Target{{Session: session, Overrides: map[settings.Field]string{},
				Clients: []settings.Client{client(ptr(""), nil, ptr(""), nil, ptr(""))}}},
		},
		{
			name: "calls in order",
			targets: []settings.Target{{Session: session, Overrides: map[settings.Field]string{},
				Clients: []settings.Client{
					client(nil, nil, nil, ptr("readlink"), nil),
					client(ptr("error"), nil, nil, nil, nil),
					client(nil, ptr("*"), nil, nil, ptr("read")),
				}}},
		},
		{
			name: "role target with calls",
			targets: []settings.Target{{Session: session, Role: "joe",
				Overrides: map[settings.Field]string{settings.FieldError: "", settings.FieldDefault: "kill"},
				Clients:   []settings.Client{client(nil, nil, ptr("close"), nil, nil)}}},
		},
		{
			name: "calls on several targets",
			targets: []settings.Target{
				{Session: session, Overrides: map[settings.Field]string{},
					Clients: []settings.Client{client(nil, nil, nil, ptr("open"), nil)}},
				{Session: settings.DefaultSession(), Overrides: map[settings.Field]string{}},
				{Session: session, Role: "ann", Overrides: map[settings.Field]string{},
					Clients: []settings.Client{client(ptr("log"), nil, nil, nil, nil), client(nil, nil, nil, nil, ptr("chown"))}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := &targets.Request{Global: global, Scope: "landlock 7", Targets: tt.targets}
			b := wire.EncodeRequest(req)
			got, err := wire.DecodeRequest(b)
			if err != nil {
				t.Fatalf("DecodeRequest(%q): %v", b, err)
			}
			want := *req
			want.Targets = append([]settings.Target(nil), req.Targets...)
			for i := range want.Targets {
				want.Targets[i].Global = global
			}
			// DeepEqual follows the pointers: NULL stays nil, "" stays "".
			if !reflect.DeepEqual(*got, want) {
				t.Errorf("round trip of %q:\ngot  %+v\nwant %+v", b, *got, want)
			}
			if again := wire.EncodeRequest(got); !bytes.Equal(again, b) {
				t.Errorf("re-encoding differs:\ngot  %q\nwant %q", again, b)
			}
		})
	}
}

// TestEncodeRequestOmitsNULL: a NULL argument is absent from the wire, an
// empty one is present.
func TestEncodeRequestOmitsNULL(t *testing.T) {
	req := &targets.Request{Global: settings.DefaultGlobal(), Targets: []settings.Target{{
		Session: settings.DefaultSession(),
		Clients: []settings.Client{client(nil, nil, ptr(""), nil, ptr("read"))},
	}}}
	b := wire.EncodeRequest(req)
	_, tail, ok := bytes.Cut(b, []byte("\x00[client]\x00"))
	if !ok {
		t.Fatalf("no [client] section in %q", b)
	}
	fields := strings.Split(strings.TrimSuffix(string(tail), "\x00"), "\x00")
	got := map[string]string{}
	for i := 0; i+1 < len(fields); i += 2 {
		got[fields[i]] = fields[i+1]
	}
	want := map[string]string{"log_list": "", "kill_list": "read"}
	if len(fields)%2 != 0 || !reflect.DeepEqual(got, want) {
		t.Errorf("client section = %q, want exactly %v", tail, want)
	}
}

// TestDecodeRequestClients pins the wire form in the order the C layer
// writes it (default_action first), independently of EncodeRequest.
func TestDecodeRequestClients(t *testing.T) {
	b := join0(
		"[global]", "pgseccomp.global_syscall_default", "kill",
		"[target]", "pgseccomp.session_syscall_error", "chown",
		"[client]", "default_action", "error", "error_list", "readlink",
		"[client]",
		"[client]", "allow_list", "", "kill_list", "*",
		// A target after client sections takes its settings again.
		"[target]", "role", "joe", "pgseccomp.session_syscall_default", "log", "session_syscall_log.joe", "read",
		"[target]",
		"[client]", "log_list", "close",
	)
	got, err := wire.DecodeRequest(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Targets) != 3 {
		t.Fatalf("%d targets, want 3", len(got.Targets))
	}
	wantClients := [][]settings.Client{
		{
			client(ptr("error"), nil, nil, ptr("readlink"), nil),
			client(nil, nil, nil, nil, nil),
			client(nil, ptr(""), nil, nil, ptr("*")),
		},
		nil,
		{client(nil, nil, ptr("close"), nil, nil)},
	}
	for i, tgt := range got.Targets {
		if !reflect.DeepEqual(tgt.Clients, wantClients[i]) {
			t.Errorf("target %d clients = %s, want %s", i, fmtClients(tgt.Clients), fmtClients(wantClients[i]))
		}
	}
	if s := got.Targets[0].Session; s != level(settings.SessionName, "allow", [4]string{"*", "*", "chown", "*"}) {
		t.Errorf("target 0 session = %+v", s)
	}
	role := got.Targets[1]
	if role.Role != "joe" || role.Session.Default.Raw != "log" ||
		!reflect.DeepEqual(role.Overrides, map[settings.Field]string{settings.FieldLog: "read"}) {
		t.Errorf("target 1 = %+v", role)
	}
}

// fmtClients shows the arguments, not the pointers.
func fmtClients(cs []settings.Client) string {
	arg := func(p *string) string {
		if p == nil {
			return "NULL"
		}
		return "'" + *p + "'"
	}
	var parts []string
	for _, c := range cs {
		parts = append(parts, "("+strings.Join([]string{arg(c.Default), arg(c.Lists[0]), arg(c.Lists[1]), arg(c.Lists[2]), arg(c.Lists[3])}, ", ")+")")
	}
	return "[" + strings.Join(parts, " ") + "]"
}

func TestDecodeRequestClientsMalformed(t *testing.T) {
	tests := []struct {
		name string
		b    []byte
	}{
		{"client before any target", join0("[global]", "[client]")},
		{"client with arguments before any target", join0("[global]", "[client]", "allow_list", "read", "[target]")},
		{"client before global", join0("[client]", "[global]")},
		{"global after client", join0("[global]", "[target]", "[client]", "[global]")},
		{"unknown client argument", join0("[global]", "[target]", "[client]", "deny_list", "read")},
		{"argument names are exact", join0("[global]", "[target]", "[client]", "Allow_List", "read")},
		{"session setting in a client", join0("[global]", "[target]", "[client]", "pgseccomp.session_syscall_allow", "read")},
		{"role in a client", join0("[global]", "[target]", "[client]", "role", "joe")},
		{"role override in a client", join0("[global]", "[target]", "role", "joe", "[client]", "session_syscall_error.joe", "")},
		{"argument without value", join0("[global]", "[target]", "[client]", "allow_list")},
		{"client argument in a target", join0("[global]", "[target]", "allow_list", "read")},
		{"client argument in global", join0("[global]", "default_action", "kill")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if req, err := wire.DecodeRequest(tt.b); err == nil {
				t.Errorf("DecodeRequest(%q) = %+v, want an error", tt.b, req)
			}
		})
	}
}

package wire_test

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/pgseccomp/pgseccomp/internal/names"
	"github.com/pgseccomp/pgseccomp/internal/targets"
	"github.com/pgseccomp/pgseccomp/internal/wire"
)

// Fuzz with, one at a time:
//
//	go test -run='^$' -fuzz=FuzzDecodeResponse -fuzztime=30s ./internal/wire/

// FuzzDecodeRequest: any request that decodes encodes to one that decodes
// to the same thing, role and backend-type targets included.
func FuzzDecodeRequest(f *testing.F) {
	for _, fields := range [][]string{
		{"[global]", "[target]", "role", "joe", "session_syscall_error.joe", "readlink"},
		{"[global]", "[target]", "type", "autovacuum_worker", "backend_syscall_kill.autovacuum_worker", ""},
		{"[start]", "[global]", "pgseccomp.global_syscall_default", "log", "[target]", "[client]", "kill_list", "*"},
		{"[global]", "[target]", "role", "", "type", "walsender", "backend_syscall_default.walsender", "error"},
	} {
		f.Add(join0(fields...))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		req, err := wire.DecodeRequest(b)
		if err != nil {
			return
		}
		for _, tg := range req.Targets {
			if tg.Role != "" && tg.Type != "" {
				t.Fatalf("target %+v has both a role and a type", tg)
			}
		}
		again, err := wire.DecodeRequest(wire.EncodeRequest(req))
		if err != nil {
			t.Fatalf("re-encoded %+v does not decode: %v", req, err)
		}
		if !reflect.DeepEqual(again, req) {
			t.Errorf("round trip:\ngot  %+v\nwant %+v", again, req)
		}
	})
}

// responseOf is the helper's response to a request, as ext writes it.
func responseOf(b []byte) []byte {
	req, err := wire.DecodeRequest(b)
	if err != nil {
		return wire.MalformedResponse(err)
	}
	table := names.NativeTable()
	return wire.EncodeResponse(req, targets.Build(req, table), table)
}

var responseSeeds = [][]string{
	{"[start]", "[global]", "pgseccomp.global_syscall_default", "log", "[target]", "[client]", "kill_list", "*"},
	{"[global]", "pgseccomp.global_syscall_error", "ptrace", "[target]", "pgseccomp.session_syscall_default", "error",
		"[target]", "role", "joe", "session_syscall_kill.joe", "chown"},
	{"[global]", "pgseccomp.global_syscall_allow", "nosuch", "[target]"},
	{"[global]", "[target]", "pgseccomp.session_syscall_log", "read:EPERM", "[target]"},
	{"[global]", "[target]", "[bad]"},
}

// FuzzDecodeResponse: a response that decodes encodes to the same bytes,
// and decodes again to the same records.
func FuzzDecodeResponse(f *testing.F) {
	for _, fields := range responseSeeds {
		f.Add(responseOf(join0(fields...)))
	}
	f.Add([]byte("G\x00\x00\x00\x00"))
	f.Add([]byte("G\x00\x00\x00\x00T\x00\x00\x00\x00N\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		resp, err := wire.DecodeResponse(b)
		if err != nil {
			return
		}
		again := resp.Encode()
		if !bytes.Equal(again, b) {
			t.Fatalf("re-encoding differs:\ngot  %q\nwant %q", again, b)
		}
		if resp2, err := wire.DecodeResponse(again); err != nil || !reflect.DeepEqual(resp2, resp) {
			t.Fatalf("round trip: %+v, %v; want %+v", resp2, err, resp)
		}
	})
}

// FuzzEncodeResponse: whatever the request, the response decodes, with
// one section per target of a request that decodes and builds, and in
// each section a filter, "none" or an error.
func FuzzEncodeResponse(f *testing.F) {
	for _, fields := range responseSeeds {
		f.Add(join0(fields...))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		resp, err := wire.DecodeResponse(responseOf(b))
		if err != nil {
			t.Fatalf("response to %q does not decode: %v", b, err)
		}
		req, err := wire.DecodeRequest(b)
		if err != nil {
			if _, ok := resp.Global.Find(wire.TagError); !ok || len(resp.Targets) != 0 {
				t.Fatalf("malformed request %q: response %+v", b, resp)
			}
			return
		}
		if _, failed := resp.Global.Find(wire.TagError); failed {
			if len(resp.Targets) != 0 {
				t.Fatalf("failed global section, and %d targets", len(resp.Targets))
			}
			return
		}
		if _, ok := resp.Global.Find(wire.TagBPF); ok != req.Start {
			t.Errorf("global program present %v, start request %v", ok, req.Start)
		}
		if len(resp.Targets) != len(req.Targets) {
			t.Fatalf("%d target sections for %d targets", len(resp.Targets), len(req.Targets))
		}
		for i, sec := range resp.Targets {
			n := 0
			for _, tag := range []byte{wire.TagBPF, wire.TagNone, wire.TagError} {
				if _, ok := sec.Find(tag); ok {
					n++
				}
			}
			if n != 1 {
				t.Errorf("target %d: section %+v has %d of program, none, error", i, sec, n)
			}
			for _, rec := range sec {
				if rec.Tag == wire.TagError || rec.Tag == wire.TagWarning {
					if _, _, _, ok := wire.Message(rec.Payload); !ok {
						t.Errorf("target %d: message %q is not three parts", i, rec.Payload)
					}
				}
			}
		}
	})
}

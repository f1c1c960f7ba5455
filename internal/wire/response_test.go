package wire_test

import (
	"strings"
	"testing"

	"github.com/pgseccomp/pgseccomp/internal/wire"
)

func TestResponseSections(t *testing.T) {
	resp, err := wire.DecodeResponse(responseOf(join0(responseSeeds[1]...)))
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Global) != 0 {
		t.Errorf("global section of a reload has records: %+v", resp.Global)
	}
	if len(resp.Targets) != 2 {
		t.Fatalf("%d target sections, want 2", len(resp.Targets))
	}
	for i, sec := range resp.Targets {
		if _, ok := sec.Find(wire.TagBPF); !ok {
			t.Errorf("target %d has no program: %+v", i, sec)
		}
		if layout, _ := sec.Find(wire.TagLayout); string(layout) != "linear" && string(layout) != "tree" {
			t.Errorf("target %d layout %q", i, layout)
		}
		if rows, _ := sec.Find(wire.TagRows); !strings.HasPrefix(string(rows), "<default>\t-1\t") {
			t.Errorf("target %d rows %q", i, rows)
		}
	}
}

func TestResponseStart(t *testing.T) {
	resp, err := wire.DecodeResponse(responseOf(join0(responseSeeds[0]...)))
	if err != nil {
		t.Fatal(err)
	}
	for _, tag := range []byte{wire.TagBPF, wire.TagLayout, wire.TagRows, wire.TagNames, wire.TagErrnos, wire.TagGroups, wire.TagFacts} {
		if _, ok := resp.Global.Find(tag); !ok {
			t.Errorf("start response lacks record %q", tag)
		}
	}
	errnos, _ := resp.Global.Find(wire.TagErrnos)
	if !strings.Contains("\n"+string(errnos)+"\n", "\nEPERM\n") {
		t.Errorf("errno names lack EPERM")
	}
}

func TestResponseErrors(t *testing.T) {
	for _, tt := range []struct {
		name string
		b    []byte
		msg  string
	}{
		{"malformed request", join0("[global]", "[target]", "[bad]"), "malformed request to the pgseccomp helper"},
		{"bad global setting", join0(responseSeeds[2]...), `invalid value for parameter "pgseccomp.global_syscall_allow"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := wire.DecodeResponse(responseOf(tt.b))
			if err != nil {
				t.Fatal(err)
			}
			payload, ok := resp.Global.Find(wire.TagError)
			msg, _, _, okm := wire.Message(payload)
			if !ok || !okm || msg != tt.msg || len(resp.Targets) != 0 {
				t.Errorf("response %+v, want only the error %q", resp, tt.msg)
			}
		})
	}
}

func TestDecodeResponseMalformed(t *testing.T) {
	for _, b := range []string{
		"",
		"G\x00\x00\x00",
		"G\x01\x00\x00\x00x",
		"T\x00\x00\x00\x00",
		"B\x00\x00\x00\x00",
		"G\x00\x00\x00\x00G\x00\x00\x00\x00",
		"G\x00\x00\x00\x00Z\x00\x00\x00\x00",
		"G\x00\x00\x00\x00B\x05\x00\x00\x00abc",
		// A target that says nothing of its filter, or says it twice.
		"G\x00\x00\x00\x00T\x00\x00\x00\x00",
		"G\x00\x00\x00\x00T\x00\x00\x00\x00R\x00\x00\x00\x00",
		"G\x00\x00\x00\x00T\x00\x00\x00\x00N\x00\x00\x00\x00B\x00\x00\x00\x00",
		"G\x00\x00\x00\x00N\x00\x00\x00\x00N\x00\x00\x00\x00",
	} {
		if resp, err := wire.DecodeResponse([]byte(b)); err == nil {
			t.Errorf("DecodeResponse(%q) = %+v, want an error", b, resp)
		}
	}
}

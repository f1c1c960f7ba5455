// Command ext is the c-shared library that pgseccomp's compile helper
// loads. Only helper processes load it: a Go runtime does not survive
// fork, and PostgreSQL forks every backend from the postmaster.
package main

/*
#include <stdint.h>
*/
import "C"

import (
	"os"
	"unsafe"

	"github.com/pgseccomp/pgseccomp/internal/names"
	"github.com/pgseccomp/pgseccomp/internal/settings"
	"github.com/pgseccomp/pgseccomp/internal/targets"
	"github.com/pgseccomp/pgseccomp/internal/wire"
)

// PgseccompCompile decodes a request of n bytes, compiles it and writes the
// response to fd. It returns 0, or -1 if the response could not be written.
//
//export PgseccompCompile
func PgseccompCompile(req *C.char, n C.int, fd C.int) C.int {
	in := C.GoBytes(unsafe.Pointer(req), n)
	out := os.NewFile(uintptr(fd), "response")
	if _, err := out.Write(respond(in)); err != nil {
		return -1
	}
	return 0
}

// PgseccompWarm does a throwaway compile, so that a helper started ahead
// of its request has the Go runtime, cgo and libseccomp ready for it.
//
//export PgseccompWarm
func PgseccompWarm() {
	respond(wire.EncodeRequest(&targets.Request{Global: settings.DefaultGlobal(),
		Targets: []settings.Target{{Session: settings.DefaultSession()}}}))
}

// respond turns a request into a response; every failure is a record.
func respond(in []byte) []byte {
	req, err := wire.DecodeRequest(in)
	if err != nil {
		return wire.MalformedResponse(err)
	}
	table := names.NativeTable()
	if req.Suggest != nil {
		return wire.EncodeSuggestion(targets.Suggest(req, table))
	}
	return wire.EncodeResponse(req, targets.Build(req, table), table)
}

func main() {}

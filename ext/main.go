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

	"github.com/pgseccomp/pgseccomp/guc"
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
	respond(guc.EncodeRequest(&guc.Request{Global: guc.DefaultGlobal(),
		Targets: []guc.Target{{Session: guc.DefaultSession()}}}))
}

func main() {}

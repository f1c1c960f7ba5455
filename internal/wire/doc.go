// Package wire is the Go side of the helper protocol with the C layer
// (c/wire.c): the request's section markers and keys with its decoder
// and encoder, and the response's record tags with its encoder and a
// decoder for tests and tools.
//
// It imports names, settings, policy and targets.
package wire

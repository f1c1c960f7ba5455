// Package bpf emits the classic BPF program of a policy.Filter through
// libseccomp, in the layout (linear or tree) the cost model says the
// kernel attaches faster, and patches its traps so that errors and
// learning made from PostgreSQL's own code reach the C layer's SIGSYS
// handler. Its interpreter runs programs as the kernel does, for the cost
// model and DecideAlike.
//
// It imports names, settings and policy.
package bpf

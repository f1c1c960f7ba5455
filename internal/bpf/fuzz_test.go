package bpf_test

import (
	"testing"

	"github.com/pgseccomp/pgseccomp/internal/bpf"
)

// FuzzParseRanges checks that the C layer's code ranges, whatever their
// text, are refused or become ranges that one comparison of the high word
// can check, in order and without overlap, at most 16 of them.
func FuzzParseRanges(f *testing.F) {
	for _, s := range []string{"", "7f00-7f10", "ffffff00-100000010,200000000-200001000", "1-0", "x-y", ",,", "0-ffffffffffffffff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ranges, err := bpf.ParseRanges(s)
		if err != nil {
			return
		}
		if len(ranges) > 16 {
			t.Fatalf("%q: %d ranges", s, len(ranges))
		}
		for i, r := range ranges {
			if r.Lo >= r.Hi || r.Lo>>32 != (r.Hi-1)>>32 {
				t.Fatalf("%q: range %d is [%#x, %#x)", s, i, r.Lo, r.Hi)
			}
		}
	})
}

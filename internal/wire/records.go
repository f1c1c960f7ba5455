package wire

import (
	"encoding/binary"
	"fmt"
	"strings"
)

// recordHeader is a record's tag byte and its payload's length.
const recordHeader = 5

// Record is one record of a response.
type Record struct {
	Tag     byte
	Payload []byte
}

// AppendRecord appends a record to b: the tag, the payload's length as a
// native-endian uint32, the payload.
func AppendRecord(b []byte, tag byte, payload []byte) []byte {
	b = append(b, tag)
	b = binary.NativeEndian.AppendUint32(b, uint32(len(payload)))
	return append(b, payload...)
}

// tagKnown tells the tags a response may hold.
func tagKnown(tag byte) bool {
	return strings.IndexByte(string([]byte{TagGlobal, TagTarget, TagBPF, TagLayout, TagNone, TagRows,
		TagError, TagWarning, TagNames, TagErrnos, TagGroups, TagLint, TagFacts, TagOCI, TagSystemd, TagSuggest, TagStricter}), tag) >= 0
}

// Section is the records of one section of a response, after its marker.
type Section []Record

// Response is a decoded response: the global section, then one section per
// target of the request, in its order.
type Response struct {
	Global  Section
	Targets []Section
}

// DecodeResponse reads a response as EncodeResponse writes it: records
// back to back, the first the TagGlobal marker, each TagTarget marker
// starting the next target's section; markers have no payload, and every
// tag is one of this package's. The C layer (c/wire.c) reads the same
// form; tests and tools use this decoder.
func DecodeResponse(b []byte) (*Response, error) {
	r := &Response{}
	var cur *Section
	for off := 0; off < len(b); {
		if len(b)-off < recordHeader {
			return nil, fmt.Errorf("record at %d is cut short in its header", off)
		}
		tag, n := b[off], binary.NativeEndian.Uint32(b[off+1:])
		off += recordHeader
		if uint64(n) > uint64(len(b)-off) {
			return nil, fmt.Errorf("record %q at %d claims %d bytes, %d are left", tag, off-recordHeader, n, len(b)-off)
		}
		payload := b[off : off+int(n)]
		off += int(n)
		switch {
		case !tagKnown(tag):
			return nil, fmt.Errorf("unknown record tag %q", tag)
		case (tag == TagGlobal || tag == TagTarget) && n != 0:
			return nil, fmt.Errorf("section marker %q has a payload", tag)
		case tag == TagGlobal && cur != nil:
			return nil, fmt.Errorf("misplaced global section")
		case tag == TagGlobal:
			cur = &r.Global
		case cur == nil:
			return nil, fmt.Errorf("record %q before the global section", tag)
		case tag == TagTarget:
			r.Targets = append(r.Targets, nil)
			cur = &r.Targets[len(r.Targets)-1]
		default:
			*cur = append(*cur, Record{Tag: tag, Payload: payload})
		}
	}
	if cur == nil {
		return nil, fmt.Errorf("response has no global section")
	}
	if n := r.Global.outcomes(); n > 1 {
		return nil, fmt.Errorf("the global section says %d times what became of its filter", n)
	}
	for i, sec := range r.Targets {
		if n := sec.outcomes(); n != 1 {
			return nil, fmt.Errorf("target %d says %d times what became of its filter, not once", i+1, n)
		}
	}
	return r, nil
}

// outcomes counts the records that say what became of a section's filter:
// a program, none needed, or an error. A target's section has exactly one
// (one with none would read as "no program needed"); the global section
// has one only in the answer at start.
func (s Section) outcomes() int {
	n := 0
	for _, rec := range s {
		if rec.Tag == TagBPF || rec.Tag == TagNone || rec.Tag == TagError {
			n++
		}
	}
	return n
}

// Encode is the inverse of DecodeResponse.
func (r *Response) Encode() []byte {
	b := AppendRecord(nil, TagGlobal, nil)
	for _, rec := range r.Global {
		b = AppendRecord(b, rec.Tag, rec.Payload)
	}
	for _, sec := range r.Targets {
		b = AppendRecord(b, TagTarget, nil)
		for _, rec := range sec {
			b = AppendRecord(b, rec.Tag, rec.Payload)
		}
	}
	return b
}

// Find is the payload of the section's first record of tag tag.
func (s Section) Find(tag byte) ([]byte, bool) {
	for _, rec := range s {
		if rec.Tag == tag {
			return rec.Payload, true
		}
	}
	return nil, false
}

// Message splits the payload of a TagError or TagWarning record.
func Message(payload []byte) (msg, detail, hint string, ok bool) {
	parts := strings.Split(string(payload), "\x00")
	if len(parts) != 3 {
		return "", "", "", false
	}
	return parts[0], parts[1], parts[2], true
}

package targets_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/pgseccomp/pgseccomp/internal/names"
	"github.com/pgseccomp/pgseccomp/internal/targets"
	"github.com/pgseccomp/pgseccomp/internal/wire"
)

func suggestRequest(t *testing.T, enc string) *targets.Request {
	t.Helper()
	req, err := wire.DecodeRequest([]byte(strings.ReplaceAll(enc, "|", "\x00") + "\x00"))
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func TestSuggest(t *testing.T) {
	table := names.NativeTable()
	recvfrom, _ := table.Number("recvfrom")
	sendto, _ := table.Number("sendto")
	num := func(n int32) string { return strconv.Itoa(int(n)) }
	req := suggestRequest(t, "[global]|pgseccomp.global_syscall_default|learn|pgseccomp.global_syscall_allow|read,write"+
		"|[suggest]|stored|2"+
		"|learned|1:"+num(recvfrom)+":G"+
		"|learned|2:"+num(sendto)+":S"+
		"|learned|2:"+num(recvfrom)+":R:alice"+
		"|[target]|pgseccomp.session_syscall_default|learn"+
		"|[target]|role|alice|pgseccomp.session_syscall_default|learn|session_syscall_allow.alice|futex")
	lines := targets.Suggest(req, table)
	want := []string{"pgseccomp.global_syscall_default = 'error'", "pgseccomp.global_syscall_allow = ",
		"pgseccomp.session_syscall_default = 'error'", "pgseccomp.session_syscall_allow = ",
		"session_syscall_allow.alice = "}
	if len(lines) != len(want) {
		t.Fatalf("lines:\n%s", strings.Join(lines, "\n"))
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("line %d: %s, want %s...", i, lines[i], w)
		}
	}
	has := func(line, name string) bool {
		v := line[strings.Index(line, "'")+1 : len(line)-1]
		for _, x := range strings.Split(v, ",") {
			if x == name {
				return true
			}
		}
		return false
	}
	for _, c := range []struct {
		line int
		name string
		want bool
	}{
		{1, "read", true}, {1, "recvfrom", true}, {1, "clone", true},
		{3, "sendto", true}, {3, "sendmsg", true}, {3, "clone", false}, {3, "execve", false},
		{4, "futex", true}, {4, "recvfrom", true}, {4, "clone", false},
		{1, "kill", true}, {3, "kill", true}, {4, "getrusage", true}, {3, "epoll_wait", true},
	} {
		if has(lines[c.line], c.name) != c.want {
			t.Errorf("line %d %q: has %s = %v", c.line, lines[c.line], c.name, !c.want)
		}
	}
	if !strings.HasPrefix(lines[1], "pgseccomp.global_syscall_allow = 'read,write,") {
		t.Errorf("the global list does not keep what it had first: %s", lines[1])
	}
}

func TestSuggestNotLearning(t *testing.T) {
	req := suggestRequest(t, "[global]|[suggest]|stored|1|learned|2:0:S|[target]")
	if lines := targets.Suggest(req, names.NativeTable()); len(lines) != 0 {
		t.Errorf("lines for levels that do not learn: %v", lines)
	}
}

package targets_test

import (
	"slices"
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

// settingLines drops a suggestion's comments.
func settingLines(lines []string) []string {
	var out []string
	for _, l := range lines {
		if !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out
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
	lines := settingLines(targets.Suggest(req, table))
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

// TestSuggestCoverage: a level that observed nothing and learned nothing
// gets a comment and no line; one observed briefly gets a warning; the
// lists include the measured baseline of the types the level confines,
// the syscalls that cannot fail, and at session levels what pgseccomp's
// own functions need.
func TestSuggestCoverage(t *testing.T) {
	table := names.NativeTable()
	recvfrom, _ := table.Number("recvfrom")
	num := func(n int32) string { return strconv.Itoa(int(n)) }
	req := suggestRequest(t, "[global]|pgseccomp.global_syscall_default|learn"+
		"|[suggest]|stored|2"+
		"|learned|2:"+num(recvfrom)+":S"+
		"|observed|1:3:20:1:Gclient backend"+
		"|observed|2:900:4000:1:Sclient backend"+
		"|observed|2:20:4000:1:Sautovacuum worker"+
		"|[target]|pgseccomp.session_syscall_default|learn"+
		"|[target]|type|walsender|pgseccomp.session_syscall_default|learn|backend_syscall_default.walsender|learn|backend_syscall_allow.walsender|read")
	all := targets.Suggest(req, table)
	text := strings.Join(all, "\n")
	lines := settingLines(all)
	want := []string{"pgseccomp.global_syscall_default = 'error'", "pgseccomp.global_syscall_allow = ",
		"pgseccomp.session_syscall_default = 'error'", "pgseccomp.session_syscall_allow = "}
	if len(lines) != len(want) {
		t.Fatalf("lines:\n%s", text)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("line %d: %s, want %s...", i, lines[i], w)
		}
	}
	for _, c := range []string{
		"# backend_syscall_allow.walsender: not suggested: this level observed no process",
		"# WARNING: pgseccomp.global_syscall_allow observed briefly",
		"# pgseccomp.session_syscall_allow: learned from 920 processes over 4000 s: autovacuum worker (20), client backend (900)",
		"# pgseccomp.global_syscall_allow: never observed: ",
	} {
		if !strings.Contains(text, c) {
			t.Errorf("no %q in\n%s", c, text)
		}
	}
	if strings.Contains(text, "WARNING: pgseccomp.session_syscall_allow") {
		t.Errorf("a level observed long enough is warned about:\n%s", text)
	}
	if strings.Contains(text, "backend_syscall_default.walsender =") {
		t.Errorf("a level that observed nothing denies by default:\n%s", text)
	}
	has := func(line, name string) bool {
		v := line[strings.Index(line, "'")+1 : len(line)-1]
		return slices.Contains(strings.Split(v, ","), name)
	}
	for _, name := range []string{"geteuid", "getuid", "uname", "clock_gettime", "seccomp", "prctl"} {
		if !has(lines[3], name) {
			t.Errorf("the session list lacks %s: %s", name, lines[3])
		}
	}
	for _, group := range []string{targets.SessionBaseline, targets.BaselineGroup("autovacuum worker")} {
		members, ok := names.GroupMembers(group)
		if !ok {
			t.Errorf("no group %s", group)
		}
		for _, m := range members {
			if _, native := table.Number(m); native && !has(lines[3], m) {
				t.Errorf("the session list lacks %s of %s", m, group)
			}
		}
	}
	members, _ := names.GroupMembers(targets.BaselineGroup("checkpointer"))
	for _, m := range members {
		if _, native := table.Number(m); native && !has(lines[1], m) {
			t.Errorf("the global list lacks %s of the checkpointer's baseline", m)
		}
	}
}

func TestBaselineGroup(t *testing.T) {
	for in, want := range map[string]string{"autovacuum worker": "@postgres-autovacuum-worker",
		"pg_cron": "@postgres-pg-cron", "WAL summarizer": "@postgres-wal-summarizer", " x  y ": "@postgres-x-y"} {
		if got := targets.BaselineGroup(in); got != want {
			t.Errorf("%q: %s, want %s", in, got, want)
		}
	}
}

// TestSuggestPrograms: programs that ran under a learning level, and
// programs that settings run, are named on the levels they run under,
// on one comment line each whatever the command holds; a level that does
// not learn names none.
func TestSuggestPrograms(t *testing.T) {
	req := suggestRequest(t, "[global]|pgseccomp.global_syscall_default|learn"+
		"|[suggest]|stored|2"+
		"|observed|2:9:4000:1:Sclient backend"+
		"|program|2:3:1:14:Sclient backendcat > /dev/null"+
		"|program|2:1:1:14:Sclient backendx"+
		"|program|2:2:7:14:R:aliceclient backendtrue"+
		"|program|1:0:1:8:Garchiverarchive_command = 'cp %p /x/%f'"+
		"|[target]|pgseccomp.session_syscall_default|learn"+
		"|[target]|type|archiver|pgseccomp.session_syscall_default|learn|backend_syscall_default.archiver|learn")
	req.Suggest.Programs[1].Command = "echo a\nb\npgseccomp.global_syscall_default = 'allow'"
	all := targets.Suggest(req, names.NativeTable())
	text := strings.Join(all, "\n")
	for _, c := range []string{
		"# pgseccomp.session_syscall_allow: programs ran under this level: client backend [cat > /dev/null] (3 times), client backend [echo a b pgseccomp.global_syscall_default = 'allow'] (1 times); their syscalls need this level's list (a program has no SIGSYS handler: a denied syscall fails with the errno)",
		"# pgseccomp.global_syscall_allow: programs ran under this level: archiver [archive_command = 'cp %p /x/%f'] (configured);",
		"# backend_syscall_allow.archiver: programs ran under this level: archiver [archive_command = 'cp %p /x/%f'] (configured);",
	} {
		if !strings.Contains(text, c) {
			t.Errorf("no %q in\n%s", c, text)
		}
	}
	if strings.Contains(text, "true") {
		t.Errorf("a program of a level that does not learn is named:\n%s", text)
	}
	for _, l := range settingLines(all) {
		if strings.Contains(l, "'allow'") {
			t.Errorf("a command made a setting line: %s", l)
		}
	}
}

package policy_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/pgseccomp/pgseccomp/internal/names"
	"github.com/pgseccomp/pgseccomp/internal/policy"
	"github.com/pgseccomp/pgseccomp/internal/settings"
	"golang.org/x/sys/unix"
)

func exportRows(t *testing.T, table *names.Table, def policy.Row, rows map[string]policy.Row) []policy.Row {
	t.Helper()
	def.Nr = policy.DefaultNr
	out := []policy.Row{def}
	for name, r := range rows {
		nr, ok := table.Number(name)
		if !ok {
			t.Fatalf("no syscall %q", name)
		}
		r.Nr = nr
		out = append(out, r)
	}
	return out
}

func TestExport(t *testing.T) {
	table := names.NativeTable()
	cases := []struct {
		name    string
		def     policy.Row
		rows    map[string]policy.Row
		oci     []string // substrings, in order
		systemd string   // the whole text
	}{
		{
			name: "deny list",
			def:  policy.Row{Action: settings.Allow},
			rows: map[string]policy.Row{
				"chmod":   {Action: settings.Error},
				"unshare": {Action: settings.Error, Errno: unix.EPERM},
				"ptrace":  {Action: settings.Kill},
				"read":    {Action: settings.Allow},
			},
			oci: []string{`"defaultAction": "SCMP_ACT_ALLOW"`, `"unshare"`, `"errnoRet": 1`,
				`"chmod"`, `"errnoRet": 13`, `"ptrace"`, `"SCMP_ACT_KILL_PROCESS"`},
			systemd: "# pgseccomp filter of context session, as systemd [Service] settings\n" +
				"SystemCallArchitectures=native\n" +
				"# Syscalls listed without an errno kill the process.\n" +
				"SystemCallFilter=~chmod:EACCES ptrace unshare:EPERM\n" +
				"# systemd logs errno denials only when it runs with SYSTEMD_LOG_SECCOMP=1.",
		},
		{
			name: "allow list with a learning default",
			def:  policy.Row{Action: settings.Learn},
			rows: map[string]policy.Row{"read": {Action: settings.Allow}, "write": {Action: settings.Log}},
			oci:  []string{`"defaultAction": "SCMP_ACT_LOG"`, `"read"`, `"SCMP_ACT_ALLOW"`},
			systemd: "# pgseccomp filter of context session, as systemd [Service] settings\n" +
				"SystemCallArchitectures=native\n" +
				"# This filter denies no syscall.\n" +
				"# systemd cannot express: learning; the default logs instead, and seccomp_learned() records nothing.\n" +
				"# SystemCallLog= needs systemd 247 or later; earlier versions ignore it.\n" +
				"SystemCallLog=~read",
		},
		{
			name: "errno default",
			def:  policy.Row{Action: settings.Error, Errno: unix.EOPNOTSUPP},
			rows: map[string]policy.Row{"read": {Action: settings.Allow}, "chmod": {Action: settings.Kill}},
			oci:  []string{`"defaultAction": "SCMP_ACT_ERRNO"`, `"defaultErrnoRet": 95`},
			systemd: "# pgseccomp filter of context session, as systemd [Service] settings\n" +
				"SystemCallArchitectures=native\n" +
				"# systemd also allows the syscalls of its @default set.\n" +
				"SystemCallFilter=read\n" +
				"SystemCallErrorNumber=EOPNOTSUPP\n" +
				"# systemd cannot express: these fail with EOPNOTSUPP instead of killing the process: chmod\n" +
				"# systemd logs errno denials only when it runs with SYSTEMD_LOG_SECCOMP=1.",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			oci, systemd, err := policy.Export("session", exportRows(t, table, c.def, c.rows), table)
			if err != nil {
				t.Fatal(err)
			}
			rest := oci
			for _, want := range c.oci {
				i := strings.Index(rest, want)
				if i < 0 {
					t.Fatalf("OCI profile lacks %s after what came before:\n%s", want, oci)
				}
				rest = rest[i+len(want):]
			}
			if systemd != c.systemd {
				t.Errorf("systemd settings:\n%s\nwant:\n%s", systemd, c.systemd)
			}
		})
	}
}

func TestExportLongLines(t *testing.T) {
	table := names.NativeTable()
	rows := []policy.Row{{Nr: policy.DefaultNr, Action: settings.Kill}}
	for _, name := range table.NativeNames() {
		nr, _ := table.Number(name)
		rows = append(rows, policy.Row{Nr: nr, Action: settings.Allow})
	}
	_, systemd, err := policy.Export("global", rows, table)
	if err != nil {
		t.Fatal(err)
	}
	lines := 0
	for _, l := range strings.Split(systemd, "\n") {
		if len(l) > 1000 {
			t.Errorf("line of %d bytes", len(l))
		}
		if strings.HasPrefix(l, "SystemCallFilter=") {
			lines++
		}
	}
	if lines < 2 {
		t.Errorf("%d SystemCallFilter= lines for %d syscalls", lines, len(rows)-1)
	}
}

func TestExportUnnamed(t *testing.T) {
	table := names.NativeTable()
	rows := []policy.Row{{Nr: policy.DefaultNr, Action: settings.Allow}, {Nr: 999, Action: settings.Kill}}
	_, _, err := policy.Export("session", rows, table)
	var xe *policy.ExportError
	if !errors.As(err, &xe) || xe.Message != "syscall number 999 has no name on this architecture" {
		t.Fatalf("error %v", err)
	}
}

func TestKernelErrnoName(t *testing.T) {
	for e, want := range map[unix.Errno]string{unix.EACCES: "EACCES", unix.EOPNOTSUPP: "EOPNOTSUPP",
		unix.EUCLEAN: "EUCLEAN", unix.EAGAIN: "EAGAIN", 134: "134"} {
		if got := policy.KernelErrnoName(e); got != want {
			t.Errorf("KernelErrnoName(%d) = %s, want %s", e, got, want)
		}
	}
}

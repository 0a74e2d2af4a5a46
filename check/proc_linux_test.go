//go:build linux

package check

import (
	"bytes"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fakeProc writes a /proc tree: pid -> files (stat, cmdline).
func fakeProc(t *testing.T, procs map[string]map[string]string) string {
	t.Helper()
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "stat"), []byte("cpu 1 2 3\nbtime 1700000000\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for pid, files := range procs {
		if err := os.MkdirAll(filepath.Join(root, pid), 0o755); err != nil {
			t.Fatal(err)
		}
		for name, content := range files {
			if err := os.WriteFile(filepath.Join(root, pid, name), []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	return root
}

func stat(pid, name, state, ppid string) string {
	return pid + " (" + name + ") " + state + " " + ppid + " 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 500 1000 100\n"
}

// TestReadTableLiesAndRaces: a /proc that changes and lies under the reader.
//
// One fake /proc and one read of it, then a check per lie planted: each
// check sits beside what it checks.
//
//gocyclo:ignore
func TestReadTableLiesAndRaces(t *testing.T) {
	huge := "/bin/bash\x00/srv/pm-daemon.sh\x00" + strings.Repeat("a\nb\xff\xfe", 1<<18) + "\x00"
	root := fakeProc(t, map[string]map[string]string{
		"1":   {"stat": stat("1", "init", "S", "0"), "cmdline": "/sbin/init\x00"},
		"10":  {"stat": stat("10", "pm-daemon.sh", "S", "1"), "cmdline": "/bin/bash\x00/srv/pm-daemon.sh\x00"},
		"11":  {},                                                      // exited between listing and reading
		"12":  {"stat": stat("12", "(a) b)", "R", "1"), "cmdline": ""}, // a name with spaces and parentheses
		"13":  {"stat": "garbage", "cmdline": "x\x00"},
		"14":  {"stat": stat("14", "bash", "S", "1"), "cmdline": huge},
		"15":  {"stat": stat("15", "pm-daemon.sh", "Z", "10"), "cmdline": ""},
		"16":  {"stat": stat("16", "x", "S", "1")}, // cmdline gone after stat
		"abc": {"stat": stat("1", "not a pid", "S", "0")},
	})
	procs, err := readTableAt(root, Need{Cmdline: true})
	if err != nil {
		t.Fatal(err)
	}
	byPID := map[int]Process{}
	for _, p := range procs {
		byPID[p.PID] = p
	}
	for _, pid := range []int{11, 13, 16} {
		if _, ok := byPID[pid]; ok {
			t.Errorf("PID %d should be skipped", pid)
		}
	}
	if got := byPID[12].Name; got != "(a) b)" {
		t.Errorf("name with parentheses = %q", got)
	}
	if p := byPID[10]; p.PPID != 1 || !p.StartTime.Equal(time.Unix(1700000000+5, 0)) || p.Cmdline != "/bin/bash /srv/pm-daemon.sh" {
		t.Errorf("PID 10 = %+v", p)
	}
	// A 1 MiB command line is read up to MaxCmdline: its program and first
	// arguments are there, the rest is never matched.
	if p := byPID[14]; len(p.Cmdline) != MaxCmdline || len(p.Args) != 3 || p.Args[1] != "/srv/pm-daemon.sh" {
		t.Errorf("1 MiB command line read as %d bytes, %d args; want %d bytes", len(p.Cmdline), len(p.Args), MaxCmdline)
	}
	if zombie := byPID[15]; !zombie.Gone() {
		t.Error("zombie not Gone")
	}

	// The hostile command line reaches a message: the status stays valid
	// JSON and the message one readable line.
	cfg, err := Parse([]byte("[[daemon]]\nname = \"pm\"\npidfile = \"pm.pid\"\npattern = 'pm-daemon\\.sh$'\n"), "/srv/cortex.toml")
	if err != nil {
		t.Fatal(err)
	}
	s := NewSnapshot(procs, -1, nil)
	r := s.Judge(cfg.Daemons, files(map[string]string{"/srv/pm.pid": "14"}, time.Now()))[0]
	if r.Running() || !strings.Contains(r.Message, "PID 14") || strings.Contains(r.Message, "\n") || strings.Contains(r.Message, "\xff") || len(r.Message) > 400 {
		t.Errorf("message %q: want one short escaped line about PID 14", r.Message)
	}
	b, err := json.Marshal(r)
	if err != nil || !json.Valid(b) || bytes.Contains(b, []byte{0xff}) {
		t.Errorf("result does not marshal to valid JSON: %v", err)
	}
}

// A host up more than about 1,067 days has start ticks past what
// ticks * time.Second holds in an int64: the conversion must not overflow.
func TestTicksToDurationLongUptime(t *testing.T) {
	tests := []struct {
		ticks uint64
		want  time.Duration
	}{
		{0, 0},
		{150, 1500 * time.Millisecond},
		{100 * 86400 * 1067, 1067 * 24 * time.Hour},
		{100*86400*2000 + 7, 2000*24*time.Hour + 70*time.Millisecond},
	}
	for _, tt := range tests {
		if got := ticksToDuration(tt.ticks); got != tt.want {
			t.Errorf("ticksToDuration(%d) = %v, want %v", tt.ticks, got, tt.want)
		}
	}
}

func TestParseUids(t *testing.T) {
	for _, tt := range []struct {
		status     string
		ruid, suid int
		ok         bool
	}{
		{"Name:\tpasswd\nUid:\t1001\t0\t0\t0\nGid:\t1001\t1001\t1001\t1001\n", 1001, 0, true},
		{"Name:\tbash\nUid:\t0\t0\t0\t0\n", 0, 0, true},
		{"Name:\tx\n", 0, 0, false},
		{"Uid:\t1\n", 0, 0, false},
	} {
		r, s, ok := parseUids([]byte(tt.status))
		if r != tt.ruid || s != tt.suid || ok != tt.ok {
			t.Errorf("parseUids(%q) = %d, %d, %v; want %d, %d, %v", tt.status, r, s, ok, tt.ruid, tt.suid, tt.ok)
		}
	}
}

// TestCountFDs: the count is what os.ReadDir lists, . and .. left out.
func TestCountFDs(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"a", "b", ".c", "..d"} {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := countEntries(dir); err != nil || n != 4 {
		t.Errorf("countEntries = %d, %v; want 4", n, err)
	}
	own, err := CountFDs(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	// ReadDir holds one descriptor more while it lists.
	if d := len(entries) - own; d < 0 || d > 1 {
		t.Errorf("CountFDs = %d, ReadDir lists %d", own, len(entries))
	}
}

// TestPortHolders: a socket this test listens on is found, held by this
// process, from the real /proc.
func TestPortHolders(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	want := l.Addr().(*net.TCPAddr).AddrPort()
	holders, hidden, err := PortHolders(want, Conflicts)
	if err != nil {
		t.Fatal(err)
	}
	if hidden != 0 || len(holders) != 1 || holders[0].PID != os.Getpid() || holders[0].Listen != want || holders[0].UID != os.Geteuid() {
		t.Fatalf("PortHolders(%v) = %+v, hidden %d; want this process", want, holders, hidden)
	}
	l.Close()
	if holders, _, _ := PortHolders(want, Conflicts); len(holders) != 0 {
		t.Errorf("after close: %+v", holders)
	}
}

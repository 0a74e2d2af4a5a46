package main

import (
	"bytes"
	"io"
	"os"
	"reflect"
	"runtime/debug"
	"testing"
	"time"

	"github.com/cortex/cortex-check/check"
)

func TestUseColor(t *testing.T) {
	// A buffer or a pipe is never a terminal: no colour, whatever NO_COLOR says.
	if useColor(&bytes.Buffer{}) {
		t.Error("colour for a buffer")
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	if useColor(w) {
		t.Error("colour for a pipe")
	}
	// A terminal, when the test has one, gets colour unless NO_COLOR is set.
	tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0)
	if err != nil {
		t.Skip("no terminal to test with")
	}
	defer tty.Close()
	t.Setenv("NO_COLOR", "1")
	if useColor(tty) {
		t.Error("colour on a terminal with NO_COLOR set")
	}
}

// The version is never a bare "(devel)": a checkout build names its commit.
func TestVersionFrom(t *testing.T) {
	tests := []struct {
		name     string
		version  string
		settings map[string]string
		want     string
	}{
		{"module version", "v1.2.3", nil, "v1.2.3"},
		{"pseudo-version from VCS", "v0.0.0-20261126215955-79afe8c0ea5b+dirty", nil, "v0.0.0-20261126215955-79afe8c0ea5b+dirty"},
		{"checkout", "(devel)", map[string]string{"vcs.revision": "79afe8c0ea5b11223344", "vcs.modified": "false"}, "devel-79afe8c0ea5b"},
		{"dirty checkout", "(devel)", map[string]string{"vcs.revision": "79afe8c0ea5b11223344", "vcs.modified": "true"}, "devel-79afe8c0ea5b-dirty"},
		{"no VCS", "(devel)", nil, "devel (built without version control information)"},
	}
	for _, tt := range tests {
		info := &debug.BuildInfo{Main: debug.Module{Version: tt.version}}
		for k, v := range tt.settings {
			info.Settings = append(info.Settings, debug.BuildSetting{Key: k, Value: v})
		}
		if got := versionFrom(info); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}

// validate reads like English: "1 daemon", "2 daemons".
func TestPlural(t *testing.T) {
	for n, want := range map[int]string{0: "0 daemons", 1: "1 daemon", 2: "2 daemons"} {
		if got := plural(n, "daemon"); got != want {
			t.Errorf("plural(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestPassTimeout(t *testing.T) {
	d := func(name string, start, hold, grace time.Duration, after ...string) check.Daemon {
		return check.Daemon{Name: name, StartTimeout: start, StartHold: hold, StopGrace: grace, After: after}
	}
	s := time.Second
	tests := []struct {
		name    string
		flag    time.Duration
		daemons []check.Daemon
		only    []string
		want    time.Duration
	}{
		{"the default", 0, []check.Daemon{d("a", 5*s, s, 10*s)}, nil, DefaultTimeout},
		{"PostgreSQL's crash recovery", 0, []check.Daemon{d("pg", time.Minute, s, 10*s)}, nil, 76 * s},
		{"the longest daemon wins", 0, []check.Daemon{d("a", time.Minute, 0, 0), d("b", 2*time.Minute, 0, 0)}, nil, 125 * s},
		{"after adds what it waits for", 0, []check.Daemon{d("db", 30*s, 0, 0), d("app", 20*s, 0, 0, "db")}, nil, 55 * s},
		{"a verb on one daemon: its own chain", 0, []check.Daemon{d("db", 30*s, 0, 0), d("app", 20*s, 0, 0, "db"), d("big", 2*time.Minute, 0, 0)}, []string{"app"}, 55 * s},
		{"--timeout is what it says", 3 * s, []check.Daemon{d("a", time.Minute, 0, 0)}, nil, 3 * s},
	}
	for _, tt := range tests {
		f := passFlags{Timeout: tt.flag}
		if got := f.timeout(tt.daemons, tt.only); got != tt.want {
			t.Errorf("%s: timeout %s, want %s", tt.name, got, tt.want)
		}
	}
}

// TestPassGrammar holds passCLI to cli: every command line that passCLI
// accepts, cli accepts too, as the same pass with the same flags; what
// passCLI refuses goes to cli (run does so), so its answers and errors are
// cli's.
func TestPassGrammar(t *testing.T) {
	t.Setenv("CORTEX_CONFIG", "")
	lines := [][]string{
		{}, {"--fix"}, {"-c", "/etc/cortex/cortex.toml", "--fix"}, {"-c/etc/c.toml"}, {"--config=x.toml", "-q"}, {"-qc", "x.toml"},
		{"check"}, {"check", "--fix", "--dry-run"}, {"--fix", "check"}, {"-c", "x", "check", "--format", "json"},
		{"--only", "a,b", "--only", "c"}, {"--only=a"}, {"--format=text"}, {"--format", "xml"}, {"--timeout", "30s", "--lock-timeout=2s"},
		{"--timeout", "-1s"}, {"--wait", "10s", "--textfile", "t.prom"}, {"--read-only"}, {"--fix", "--read-only"}, {"--dry-run"},
		{"--output-log", "/var/log/x.log"}, {"--fix", "--force"}, {"--fix=false"}, {"-q", "--fix"},
		{"validate"}, {"status"}, {"stop", "pm-daemon"}, {"--fix", "stop", "x"}, {"schedule", "systemd"}, {"monitor", "zabbix"},
		{"--no-such-flag"}, {"extra"}, {"--", "--fix"}, {"-c"}, {"--only"}, {"--timeout", "soon"},
	}
	accepted := 0
	for _, args := range lines {
		var p passCLI
		pctx, perr := newParser(&p, io.Discard, io.Discard).Parse(args)
		var c cli
		cctx, cerr := newParser(&c, io.Discard, io.Discard).Parse(args)
		if perr != nil {
			continue // cli answers it, as before
		}
		if cerr != nil {
			t.Errorf("%q: the pass grammar accepts it, cli says %v", args, cerr)
			continue
		}
		if pctx.Command() != cctx.Command() || p.Config != c.Config || !reflect.DeepEqual(p.Check, c.Check) {
			t.Errorf("%q: the pass grammar gives %s %q %+v, cli %s %q %+v", args, pctx.Command(), p.Config, p.Check, cctx.Command(), c.Config, c.Check)
		}
		accepted++
	}
	if accepted < 20 {
		t.Errorf("the pass grammar accepted only %d of the command lines", accepted)
	}
	for arg, help := range map[string]bool{"-h": true, "--help": true, "-qh": true, "--help=true": true, "--fix": false, "-q": false, "-c": false, "x.toml": false, "--helper": false} {
		if isHelp(arg) != help {
			t.Errorf("isHelp(%q) = %v", arg, !help)
		}
	}
}

// BenchmarkParse: what kong costs a pass, with the whole CLI's grammar and
// with the pass's alone.
func BenchmarkParse(b *testing.B) {
	args := []string{"-c", "/etc/cortex/cortex.toml", "--fix"}
	for _, g := range []struct {
		name    string
		grammar func() any
	}{{"cli", func() any { return &cli{} }}, {"passCLI", func() any { return &passCLI{} }}} {
		b.Run(g.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := newParser(g.grammar(), io.Discard, io.Discard).Parse(args); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

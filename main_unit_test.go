package main

import (
	"bytes"
	"os"
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

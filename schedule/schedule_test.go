package schedule

import (
	"bytes"
	"encoding/xml"
	"strings"
	"testing"

	"github.com/cortex/cortex-check/escape"
	"time"
)

func TestCronIntervals(t *testing.T) {
	tests := []struct {
		interval time.Duration
		lines    []string // the schedule part of each line
		err      string
	}{
		{30 * time.Second, []string{"* * * * * /usr", "* * * * * sleep 30 && /usr"}, ""},
		{20 * time.Second, []string{"* * * * * /usr", "* * * * * sleep 20 && /usr", "* * * * * sleep 40 && /usr"}, ""},
		{time.Minute, []string{"*/1 * * * * /usr"}, ""},
		{15 * time.Minute, []string{"*/15 * * * * /usr"}, ""},
		{45 * time.Second, nil, "cron cannot run a pass every 45s"},
		{7 * time.Minute, nil, "cron cannot run a pass every 7m"},
		{2 * time.Hour, nil, "cron cannot run a pass every 2h"},
	}
	for _, tt := range tests {
		t.Run(tt.interval.String(), func(t *testing.T) {
			files, err := Cron(Job{Binary: "/usr/bin/cortex-check", Config: "/etc/cortex/cortex.toml", Interval: tt.interval, OutputLog: "/var/log/cortex/cortex-check.cron.log"})
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, line := range strings.Split(files[0].Content, "\n") {
				if line != "" && !strings.HasPrefix(line, "#") {
					got = append(got, line)
					if !strings.HasSuffix(line, "/usr/bin/cortex-check -c /etc/cortex/cortex.toml --fix --quiet --output-log /var/log/cortex/cortex-check.cron.log") {
						t.Errorf("line %q does not run the pass with its output to the log", line)
					}
					// Issue 18: a shell redirection as root follows the
					// link that the log folder's owner put there.
					if strings.ContainsAny(line, "<>|;") {
						t.Errorf("line %q has a shell redirection, pipe or list", line)
					}
				}
			}
			if len(got) != len(tt.lines) {
				t.Fatalf("got %d lines, want %d: %q", len(got), len(tt.lines), got)
			}
			for i, prefix := range tt.lines {
				if !strings.HasPrefix(got[i], prefix) {
					t.Errorf("line %d = %q, want it to start %q", i, got[i], prefix)
				}
			}
		})
	}
}

func TestQuoting(t *testing.T) {
	args := []string{"/opt/my tools/cortex-check", "-c", "/etc/it's 100%/cortex.toml"}
	if got, want := systemdCommand(args), `"/opt/my tools/cortex-check" -c "/etc/it's 100%%/cortex.toml"`; got != want {
		t.Errorf("systemdCommand = %s, want %s", got, want)
	}
	if got, want := cronEscape(escape.Shell(args)), `'/opt/my tools/cortex-check' -c "/etc/it's 100\%/cortex.toml"`; got != want {
		t.Errorf("cron command = %s, want %s", got, want)
	}
}

// A config with a textfile: the scheduled command names it.
func TestScheduleTextfile(t *testing.T) {
	j := Job{Binary: "/usr/local/bin/cortex-check", Config: "/etc/cortex/cortex.toml", Interval: 30 * time.Second,
		OutputLog: "/var/log/cortex/cortex-check.cron.log", Textfile: "/var/lib/cortex-check/textfile/cortex.prom"}
	want := "--textfile /var/lib/cortex-check/textfile/cortex.prom"
	for _, f := range Systemd(j) {
		if strings.HasSuffix(f.Name, ".service") && !strings.Contains(f.Content, want) {
			t.Errorf("%s lacks %q:\n%s", f.Name, want, f.Content)
		}
	}
	files, err := Cron(j)
	if err != nil || !strings.Contains(files[0].Content, want) {
		t.Errorf("cron lacks %q: %v", want, err)
	}
	if !strings.Contains(Launchd(j)[0].Content, "<string>--textfile</string>") {
		t.Error("launchd plist lacks --textfile")
	}
}

// Issue 19: the service fails only when the pass could not judge (exit 3).
// WARNING and CRITICAL are reported by the plugin output and metrics; a
// unit marked failed for them would say the timer is broken when it works.
func TestSystemdFailsOnlyOnUnknown(t *testing.T) {
	for _, user := range []bool{false, true} {
		service := Systemd(Job{Binary: "/usr/local/bin/cortex-check", Config: "/etc/cortex/cortex.toml", Interval: 30 * time.Second, User: user})[0]
		var success []string
		for _, line := range strings.Split(service.Content, "\n") {
			if v, ok := strings.CutPrefix(line, "SuccessExitStatus="); ok {
				success = append(success, v)
			}
		}
		if len(success) != 1 || success[0] != "1 2" {
			t.Errorf("user %v: SuccessExitStatus lines %q, want exactly one, \"1 2\" (not 3: UNKNOWN must fail the unit)", user, success)
		}
		if i, j := strings.Index(service.Content, "# Exit 1 (WARNING)"), strings.Index(service.Content, "SuccessExitStatus="); i < 0 || i > j {
			t.Errorf("user %v: SuccessExitStatus has no comment before it saying why:\n%s", user, service.Content)
		}
	}
}

// TimeoutStartSec leaves a pass its whole budget: systemd must not kill a
// pass that is still within the start_timeout the config gives a daemon.
func TestSystemdTimeoutFollowsBudget(t *testing.T) {
	tests := []struct {
		interval, budget time.Duration
		want             string
	}{
		{30 * time.Second, 25 * time.Second, "TimeoutStartSec=60s"},  // the floor
		{5 * time.Minute, 25 * time.Second, "TimeoutStartSec=600s"},  // two intervals
		{30 * time.Second, 97 * time.Second, "TimeoutStartSec=112s"}, // budget + lock wait + room
		{30 * time.Second, 10 * time.Minute, "TimeoutStartSec=615s"}, // a very long start
	}
	for _, tt := range tests {
		service := Systemd(Job{Binary: "/usr/local/bin/cortex-check", Config: "/etc/cortex/cortex.toml", Interval: tt.interval, Budget: tt.budget})[0]
		if !strings.Contains(service.Content, "\n"+tt.want+"\n") {
			t.Errorf("interval %s, budget %s: want %s in\n%s", tt.interval, tt.budget, tt.want, service.Content)
		}
	}
}

// TestXMLText holds xmlText to encoding/xml's EscapeText.
func TestXMLText(t *testing.T) {
	texts := []string{"", "/usr/local/bin/cortex-check", `a "b" 'c' <d> & e`, "tab\there\nnew\rret", "\x00\x01\x1f\x7f",
		"ünïcödé ✓ \U0001F600", "bad \xff\xfe utf8", "\uFFFD real", "\uFFFE\uFFFF", "\ud7ff\ue000"}
	for c := 0; c < 256; c++ {
		texts = append(texts, "x"+string([]byte{byte(c)})+"y", "x"+string(rune(c))+"y")
	}
	for _, s := range texts {
		var want, got bytes.Buffer
		xml.EscapeText(&want, []byte(s))
		xmlText(&got, s)
		if got.String() != want.String() {
			t.Errorf("xmlText(%q) = %q, EscapeText writes %q", s, got.String(), want.String())
		}
	}
}

package events

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cortex/cortex-check/check"
	"github.com/cortex/cortex-check/report"
)

var t0 = time.Date(2026, 11, 26, 3, 12, 0, 0, time.UTC)

func intp(n int) *int { return &n }

// entry makes a status entry: status, action, main PID (0: none).
func entry(status check.Condition, action report.Action, pid int) *report.Daemon {
	d := &report.Daemon{Status: status, Action: action, Checked: true, CheckedAt: t0}
	if pid > 0 {
		d.PID = intp(pid)
		started := t0.Add(-time.Hour)
		up := int64(3600)
		d.StartedAt, d.UptimeSeconds = &started, &up
	}
	return d
}

func with(d *report.Daemon, f func(d *report.Daemon)) *report.Daemon { f(d); return d }

// The changes of one pass: each is one event, the pass's own actions
// after what it found; a pass that changed nothing has none.
func TestDiff(t *testing.T) {
	cfg := &check.Config{Interval: 30 * time.Second, RestartWarning: 5 * time.Minute, LogDir: "/var/log/cortex",
		Daemons: []check.Daemon{{Name: "api", Start: []string{"api"}}}}
	now := t0.Add(30 * time.Second)
	recent := &report.Note{At: now, Reason: "stopped - gone"}
	long := &report.Note{At: now.Add(-time.Hour), Reason: "stopped - gone"}
	hold := &report.Hold{By: "ann", Reason: "disk swap", Since: t0}
	tests := []struct {
		name         string
		prev, judged *report.Daemon // judged nil: as now
		now          *report.Daemon
		prevAt       time.Time // zero: t0
		by           string
		want         []string // "event from>to"
	}{
		{"first pass, running", nil, nil, entry(check.Running, report.ActionNone, 10), time.Time{}, "", nil},
		{"first pass, down", nil, nil, entry(check.Stopped, report.ActionNone, 0), time.Time{}, "", []string{"down >stopped"}},
		{"unchanged", entry(check.Running, report.ActionNone, 10), nil, entry(check.Running, report.ActionNone, 10), time.Time{}, "", nil},
		{"killed and restarted", entry(check.Running, report.ActionNone, 10), entry(check.Stopped, report.ActionNone, 0),
			with(entry(check.Running, report.ActionRestarted, 20), func(d *report.Daemon) {
				d.Message, d.LastRestart = "restarted, PID 20 (ready in 310ms)", recent
			}), time.Time{}, "", []string{"down running>stopped", "restarted stopped>running"}},
		{"killed, start failed", entry(check.Running, report.ActionNone, 10), entry(check.Stopped, report.ActionNone, 0),
			entry(check.Stopped, report.ActionRestartFailed, 0), time.Time{}, "", []string{"down running>stopped", "failed stopped>stopped"}},
		{"failed again", entry(check.Stopped, report.ActionRestartFailed, 0), entry(check.Stopped, report.ActionNone, 0),
			entry(check.Stopped, report.ActionRestartFailed, 0), time.Time{}, "", []string{"failed stopped>stopped"}},
		{"held back", entry(check.Stopped, report.ActionRestartFailed, 0), entry(check.Stopped, report.ActionNone, 0),
			entry(check.Stopped, report.ActionHeldBack, 0), time.Time{}, "", []string{"held_back stopped>stopped"}},
		{"still held back", with(entry(check.Stopped, report.ActionHeldBack, 0), func(d *report.Daemon) { d.HeldBack = long }),
			nil, with(entry(check.Stopped, report.ActionHeldBack, 0), func(d *report.Daemon) { d.HeldBack = long }), time.Time{}, "", nil},
		{"held back, a plain pass", with(entry(check.Stopped, report.ActionHeldBack, 0), func(d *report.Daemon) { d.HeldBack = long }),
			nil, with(entry(check.Stopped, report.ActionNone, 0), func(d *report.Daemon) { d.HeldBack = long }), time.Time{}, "", nil},
		{"within restart_warning", with(entry(check.Running, report.ActionRestarted, 20), func(d *report.Daemon) { d.LastRestart = recent }),
			nil, with(entry(check.Running, report.ActionNone, 20), func(d *report.Daemon) { d.LastRestart = recent }), time.Time{}, "", nil},
		{"dies again within restart_warning", with(entry(check.Running, report.ActionNone, 20), func(d *report.Daemon) { d.LastRestart = recent }),
			entry(check.Stopped, report.ActionNone, 0),
			with(entry(check.Running, report.ActionRestarted, 30), func(d *report.Daemon) { d.LastRestart = recent }), time.Time{}, "",
			[]string{"down running>stopped", "restarted stopped>running"}},
		{"restart held past restart_warning", with(entry(check.Running, report.ActionNone, 20), func(d *report.Daemon) { d.LastRestart = recent }),
			nil, with(entry(check.Running, report.ActionNone, 20), func(d *report.Daemon) { d.LastRestart = long }), time.Time{}, "",
			[]string{"recovered running>running"}},
		{"started by hand", entry(check.Stopped, report.ActionNone, 0), nil, entry(check.Running, report.ActionNone, 40), time.Time{}, "",
			[]string{"recovered stopped>running"}},
		{"unhealthy, a plain pass", entry(check.Running, report.ActionNone, 10), nil, entry(check.Unhealthy, report.ActionNone, 10), time.Time{}, "",
			[]string{"unhealthy running>unhealthy"}},
		{"unhealthy and healed", entry(check.Running, report.ActionNone, 10), entry(check.Unhealthy, report.ActionNone, 10),
			with(entry(check.Running, report.ActionRestarted, 20), func(d *report.Daemon) { d.LastRestart = recent }), time.Time{}, "",
			[]string{"unhealthy running>unhealthy", "restarted unhealthy>running"}},
		{"unhealthy, then stopped", entry(check.Unhealthy, report.ActionNone, 10), nil, entry(check.Stopped, report.ActionNone, 0), time.Time{}, "",
			[]string{"down unhealthy>stopped"}},
		{"a person's stop", entry(check.Running, report.ActionNone, 10), nil,
			with(entry(check.Stopped, report.ActionNone, 0), func(d *report.Daemon) { d.Hold = hold }), time.Time{}, "ann",
			[]string{"held running>stopped"}},
		{"a person's start", with(entry(check.Stopped, report.ActionNone, 0), func(d *report.Daemon) { d.Hold = hold }),
			with(entry(check.Stopped, report.ActionNone, 0), func(d *report.Daemon) { d.Hold = hold }),
			entry(check.Running, report.ActionRestarted, 50), time.Time{}, "ann",
			[]string{"released stopped>stopped", "restarted stopped>running"}},
		{"unseen", entry(check.Running, report.ActionNone, 10), nil, entry(check.Unknown, report.ActionNone, 0), time.Time{}, "",
			[]string{"unknown running>unknown"}},
		{"no pass for an hour", entry(check.Running, report.ActionNone, 10), nil, entry(check.Running, report.ActionNone, 10),
			now.Add(-time.Hour), "", []string{"stale >"}},
		{"left out by --only", entry(check.Running, report.ActionNone, 10), nil,
			with(entry(check.Stopped, report.ActionNone, 0), func(d *report.Daemon) { d.Checked = false }), time.Time{}, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var prev *report.Status
			if tt.prev != nil {
				at := tt.prevAt
				if at.IsZero() {
					at = t0
				}
				prev = &report.Status{CheckedAt: at, Daemons: map[string]*report.Daemon{"api": tt.prev}}
			}
			st := &report.Status{CheckedAt: now, Host: "cortex-1", Daemons: map[string]*report.Daemon{"api": tt.now}}
			judged := map[string]report.Daemon{}
			if tt.judged != nil {
				judged["api"] = *tt.judged
			}
			evs := Diff(Pass{Config: cfg, Prev: prev, Judged: judged, Status: st, Now: now, By: tt.by})
			var got []string
			for _, e := range evs {
				got = append(got, e.Event+" "+e.From+">"+e.To)
				if e.Host != "cortex-1" || e.By != tt.by {
					t.Errorf("%s: host %q, by %q", e.Event, e.Host, e.By)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("events %q, want %q", got, tt.want)
			}
		})
	}
}

// A kill and restart carries what a person needs: the dead PID and how
// long it ran, the new PID and how soon it was ready, where its log is.
func TestDiffFields(t *testing.T) {
	cfg := &check.Config{Interval: 30 * time.Second, RestartWarning: 5 * time.Minute, LogDir: "/var/log/cortex",
		Daemons: []check.Daemon{{Name: "api", Start: []string{"api"}}}}
	now := t0.Add(30 * time.Second)
	prev := &report.Status{CheckedAt: t0, Daemons: map[string]*report.Daemon{"api": entry(check.Running, report.ActionNone, 10)}}
	judged := *entry(check.Stopped, report.ActionNone, 0)
	judged.Message = "no process matches pattern 'api'"
	c := entry(check.Running, report.ActionRestarted, 20)
	c.Message = "restarted, PID 20 (came up in 9ms, still running 1s later)"
	st := &report.Status{CheckedAt: now, Host: "cortex-1", Daemons: map[string]*report.Daemon{"api": c}}
	evs := Diff(Pass{Config: cfg, Prev: prev, Judged: map[string]report.Daemon{"api": judged}, Status: st, Now: now})
	if len(evs) != 2 {
		t.Fatalf("got %d events, want 2: %+v", len(evs), evs)
	}
	down, up := evs[0], evs[1]
	if down.PIDBefore != 10 || down.RanSeconds == nil || *down.RanSeconds != 3600 || down.Reason != judged.Message || down.Log != "/var/log/cortex/api.log" {
		t.Errorf("down: %+v", down)
	}
	if up.PIDBefore != 10 || up.PIDAfter != 20 || up.Result != "restarted" || up.ReadySeconds == nil || *up.ReadySeconds != 0.009 {
		t.Errorf("restarted: %+v", up)
	}
	want := "api: down (running -> stopped), PID 10, had run 1h - no process matches pattern 'api'; its log: /var/log/cortex/api.log"
	if got := down.Text(); !strings.HasSuffix(got, want) {
		t.Errorf("text %q, want it to end %q", got, want)
	}
	if got := up.Text(); !strings.Contains(got, "api: restarted (stopped -> running), PID 10 -> 20, ready in 9ms - restarted") {
		t.Errorf("text %q", got)
	}
}

// The file is rotated to one .1 before it would grow past the limit, and
// Read gives both back, oldest first.
func TestAppendRotates(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.jsonl")
	ev := func(n int) Event {
		return Event{Time: t0.Add(time.Duration(n) * time.Second), Daemon: "api", Event: Down}
	}
	for i := range 6 {
		if err := Append(path, []Event{ev(i)}, 300); err != nil {
			t.Fatal(err)
		}
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Size() > 300 || fi.Mode().Perm() != 0o640 {
		t.Fatalf("events file: %v, %v", fi, err)
	}
	if _, err := os.Stat(path + ".1"); err != nil {
		t.Fatalf("not rotated: %v", err)
	}
	evs, skipped, err := Read(path, os.Geteuid())
	if err != nil || skipped != 0 {
		t.Fatal(err, skipped)
	}
	if len(evs) < 2 || evs[len(evs)-1].Time != ev(5).Time || !slices.IsSortedFunc(evs, func(a, b Event) int { return a.Time.Compare(b.Time) }) {
		t.Errorf("read back %+v", evs)
	}
}

package notify

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cortex/cortex-check/check"
	"github.com/cortex/cortex-check/events"
	"github.com/cortex/cortex-check/report"
)

var t0 = time.Date(2026, 11, 26, 3, 12, 0, 0, time.UTC)

func ev(kind string) events.Event {
	return events.Event{Time: t0, Host: "cortex-1", Daemon: "api", Event: kind, Reason: "why " + kind}
}

func status(d *report.Daemon, at time.Time) *report.Status {
	return &report.Status{CheckedAt: at, Host: "cortex-1", Daemons: map[string]*report.Daemon{"api": d}}
}

var (
	down     = &report.Daemon{Status: check.Stopped, Action: report.ActionNone, Checked: true, Message: "no process matches"}
	heldBack = &report.Daemon{Status: check.Stopped, Action: report.ActionHeldBack, Checked: true, Message: "restarts held back: 2 in 10m"}
	running  = &report.Daemon{Status: check.Running, Action: report.ActionNone, Checked: true}
	// restarted at t0: WARNING until restart_warning (5m) later
	afterRestart = &report.Daemon{Status: check.Running, Action: report.ActionNone, Checked: true, History: report.History{LastRestart: &report.Note{At: t0}}}
)

// A target hears each kind of trouble once per episode, then a reminder
// every remind while it lasts, then recovered; what it does not hear, and
// what a person did, it is not told.
func TestPlan(t *testing.T) {
	type pass struct {
		at     time.Duration // after t0
		events []string
		now    *report.Daemon
		want   []string // the batch: events, "remind:KIND" for a reminder
	}
	tests := []struct {
		name   string
		on     []string
		remind time.Duration
		passes []pass
	}{
		{"kill, restart, recover", nil, 0, []pass{
			{0, []string{"down", "restarted"}, afterRestart, []string{"down", "restarted"}},
			{30 * time.Second, nil, afterRestart, nil},
			{6 * time.Minute, []string{"recovered"}, afterRestart, []string{"recovered"}},
		}},
		{"flapping: each kind once per episode", nil, 0, []pass{
			{0, []string{"down", "failed"}, down, []string{"down", "failed"}},
			{30 * time.Second, []string{"failed"}, down, nil},
			{60 * time.Second, []string{"held_back"}, heldBack, []string{"held_back"}},
			{90 * time.Second, nil, heldBack, nil},
		}},
		{"reminders while held back", nil, time.Hour, []pass{
			{0, []string{"down", "failed"}, down, []string{"down", "failed"}},
			{30 * time.Minute, []string{"held_back"}, heldBack, []string{"held_back"}},
			{89 * time.Minute, nil, heldBack, nil},
			{91 * time.Minute, nil, heldBack, []string{"remind:held_back"}},
			{92 * time.Minute, nil, heldBack, nil},
			{151 * time.Minute, nil, heldBack, []string{"remind:held_back"}},
			{152 * time.Minute, []string{"recovered"}, running, []string{"recovered"}},
			{4 * time.Hour, nil, running, nil},
		}},
		{"only held back, and its recovery", []string{"held_back", "recovered"}, 0, []pass{
			{0, []string{"down", "failed"}, down, nil},
			{time.Minute, []string{"held_back"}, heldBack, []string{"held_back"}},
			{time.Hour, []string{"recovered"}, running, []string{"recovered"}},
		}},
		{"recovered from what it never heard", []string{"held_back", "recovered"}, 0, []pass{
			{0, []string{"down", "restarted"}, running, nil},
			{time.Hour, []string{"recovered"}, running, nil},
		}},
		{"a new episode is told again", nil, 0, []pass{
			{0, []string{"down", "restarted"}, running, []string{"down", "restarted"}},
			{time.Hour, []string{"recovered"}, running, []string{"recovered"}},
			{2 * time.Hour, []string{"down", "restarted"}, running, []string{"down", "restarted"}},
		}},
		{"stale, the host's", []string{"stale"}, 0, []pass{
			{0, []string{"stale"}, running, []string{"stale"}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := check.Notify{Index: 1, Webhook: "https://hooks.example.com/x", On: check.DefaultNotifyOn, Remind: tt.remind, Timeout: time.Second}
			if tt.on != nil {
				n.On = tt.on
			}
			cfg := &check.Config{RestartWarning: 5 * time.Minute, Notify: []check.Notify{n}}
			var memory map[string]*report.Notifier
			for i, p := range tt.passes {
				now := t0.Add(p.at)
				var evs []events.Event
				for _, k := range p.events {
					e := ev(k)
					if k == "stale" {
						e.Daemon = ""
					}
					evs = append(evs, e)
				}
				d := *p.now
				if slices.Contains(p.events, "restarted") {
					d.Action = report.ActionRestarted
				}
				batches, next := Plan(cfg, memory, status(&d, now), evs, now)
				var got []string
				for _, b := range batches {
					for _, e := range b.Events {
						if e.Reminder {
							got = append(got, "remind:"+e.Event)
						} else {
							got = append(got, e.Event)
						}
					}
					Delivered(next[b.Key], now)
				}
				if !slices.Equal(got, p.want) {
					t.Fatalf("pass %d: sent %q, want %q", i+1, got, p.want)
				}
				memory = next
			}
		})
	}
}

// What a target could not take stays pending, goes first with the next
// pass's, and is bounded; a person's own acts are not sent.
func TestPlanPending(t *testing.T) {
	n := check.Notify{Index: 1, Exec: []string{"/bin/page"}, On: check.DefaultNotifyOn, Timeout: time.Second}
	cfg := &check.Config{RestartWarning: 5 * time.Minute, Notify: []check.Notify{n}}
	batches, memory := Plan(cfg, nil, status(down, t0), []events.Event{ev("down")}, t0)
	if len(batches) != 1 {
		t.Fatalf("batches %+v", batches)
	}
	Failed(memory[batches[0].Key], errors.New("timed out after 5s"))
	person := ev("restarted")
	person.By = "ann"
	batches, memory = Plan(cfg, memory, status(running, t0.Add(time.Minute)), []events.Event{ev("failed"), person}, t0.Add(time.Minute))
	if len(batches) != 1 || len(batches[0].Events) != 2 || batches[0].Events[0].Event != "down" || batches[0].Events[1].Event != "failed" {
		t.Fatalf("second pass: %+v", batches)
	}
	m := memory[batches[0].Key]
	if len(m.Pending) != 2 || m.LastError != "timed out after 5s" || !strings.HasPrefix(m.Target, "notify[1] (exec /bin/page)") {
		t.Errorf("memory %+v", m)
	}

	// Past MaxPending, the oldest go and are counted.
	many := make([]events.Event, MaxPending+5)
	for i := range many {
		many[i] = ev("stale")
		many[i].Daemon = ""
	}
	batches, memory = Plan(cfg, nil, status(running, t0), many, t0)
	if len(batches[0].Events) != MaxPending || batches[0].Dropped != 5 || memory[batches[0].Key].Dropped != 5 {
		t.Errorf("bounded: %d events, %d dropped", len(batches[0].Events), batches[0].Dropped)
	}
	if !strings.Contains(NewMessage(batches[0], status(running, t0)).Text, "(5 earlier events dropped") {
		t.Error("the text does not say events were dropped")
	}
}

// The message: a top-level text (what Slack's and Mattermost's incoming
// webhooks and ntfy's template show), the host's verdict and the events;
// the first event's fields as CORTEX_* for an exec notifier.
func TestMessage(t *testing.T) {
	ran, ready := int64(11520), 0.31
	st := &report.Status{Host: "cortex-1", State: report.Warning, Summary: "1/1 daemons running; restarted: api"}
	tests := []struct {
		name string
		evs  []events.Event
		text string
	}{
		{"kill and restart", []events.Event{
			{Daemon: "api", Event: "down", To: "stopped", RanSeconds: &ran, Reason: "no process matches pattern 'api'"},
			{Daemon: "api", Event: "restarted", PIDAfter: 4321, ReadySeconds: &ready, Reason: "restarted, PID 4321 (ready in 310ms)"},
		}, "cortex-check on cortex-1: api is down after running 3h12m: no process matches pattern 'api'; api restarted, PID 4321 (ready in 310ms)"},
		{"orphaned", []events.Event{{Daemon: "nginx", Event: "down", To: "orphaned", Reason: "main process PID 812 is gone"}},
			"cortex-check on cortex-1: nginx is down (orphaned): main process PID 812 is gone"},
		{"failed, held back", []events.Event{
			{Daemon: "api", Event: "failed", Reason: "failed to start: exit status 1"},
			{Daemon: "api", Event: "held_back", Reason: "restarts held back: 5 in 10m"},
		}, "cortex-check on cortex-1: api failed to start: exit status 1; api is held back: 5 in 10m"},
		{"unhealthy, recovered", []events.Event{
			{Daemon: "redis", Event: "unhealthy", Reason: "exec redis-cli ping: timed out after 2s"},
			{Daemon: "api", Event: "recovered", PIDAfter: 77, Reason: "running again without a restart by cortex-check"},
		}, "cortex-check on cortex-1: redis is unhealthy: exec redis-cli ping: timed out after 2s; api recovered (PID 77, running again without a restart by cortex-check)"},
		{"reminder", []events.Event{{Daemon: "api", Event: "held_back", Reminder: true, Reason: "still held back; told of down, held_back: restarts held back"}},
			"cortex-check on cortex-1: api is still held back; told of down, held_back: restarts held back"},
		{"stale", []events.Event{{Event: "stale", Reason: "no writer pass for 2h"}}, "cortex-check on cortex-1: no writer pass for 2h"},
		{"escapes", []events.Event{{Daemon: "api", Event: "failed", Reason: "its log ends: \x1b[31mboom\nbang"}},
			`cortex-check on cortex-1: api failed to start: its log ends: \x1b[31mboom bang`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := NewMessage(Batch{Events: tt.evs}, st)
			if m.Text != tt.text {
				t.Errorf("text\n%q, want\n%q", m.Text, tt.text)
			}
			var body map[string]any
			if err := json.Unmarshal(m.JSON(), &body); err != nil {
				t.Fatal(err)
			}
			if body["text"] != tt.text || body["host"] != "cortex-1" || body["state"] != "WARNING" || len(body["events"].([]any)) != len(tt.evs) {
				t.Errorf("body %v", body)
			}
		})
	}
	m := NewMessage(Batch{Events: tests[0].evs}, st)
	env := m.Env()
	for _, want := range []string{"CORTEX_DAEMON=api", "CORTEX_EVENT=down", "CORTEX_EVENTS=2", "CORTEX_HOST_STATE=WARNING",
		"CORTEX_RAN_SECONDS=11520", "CORTEX_TO=stopped", "CORTEX_TEXT=" + tests[0].text} {
		if !slices.Contains(env, want) {
			t.Errorf("env %q lacks %q", env, want)
		}
	}
}

// healthchecks.io's convention: /fail is added to the path, before a query.
func TestPingURL(t *testing.T) {
	for _, tt := range []struct{ raw, ok, fail string }{
		{"https://hc-ping.com/abc", "https://hc-ping.com/abc", "https://hc-ping.com/abc/fail"},
		{"https://hc.example.com/ping/abc/", "https://hc.example.com/ping/abc/", "https://hc.example.com/ping/abc/fail"},
		{"http://127.0.0.1:8000/ping/abc?rid=1", "http://127.0.0.1:8000/ping/abc?rid=1", "http://127.0.0.1:8000/ping/abc/fail?rid=1"},
	} {
		if got := PingURL(tt.raw, false); got != tt.ok {
			t.Errorf("PingURL(%q, false) = %q", tt.raw, got)
		}
		if got := PingURL(tt.raw, true); got != tt.fail {
			t.Errorf("PingURL(%q, true) = %q, want %q", tt.raw, got, tt.fail)
		}
	}
}

package report

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cortex/cortex-check/check"
)

var now = time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC)

func running(name string, pid int, up time.Duration) check.Result {
	return check.Result{Name: name, Condition: check.Running, PID: pid, PIDs: []int{pid}, Instances: 1, StartedAt: now.Add(-up)}
}

func TestFinish(t *testing.T) {
	tests := []struct {
		name    string
		results []check.Result
		restart string // a daemon marked restarted
		state   State
		summary string
	}{
		{"all running", []check.Result{running("a", 1, time.Hour), running("b", 2, time.Minute)}, "", OK, "2/2 daemons running"},
		{"one down", []check.Result{running("a", 1, time.Hour), {Name: "b"}}, "", Critical, "1/2 daemons running; down: b"},
		{"too many", []check.Result{{Name: "a", Condition: check.Running, PID: 1, PIDs: []int{1, 2}, Instances: 2, TooMany: true}}, "", Warning,
			"1/1 daemons running; too many instances: a"},
		{"restarted", []check.Result{running("a", 1, 0)}, "a", Warning, "1/1 daemons running; restarted: a"},
		{"nothing checked", nil, "", Unknown, "no daemons checked"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var order []string
			for _, r := range tt.results {
				order = append(order, r.Name)
			}
			st := New(now, "h", "v", order, nil)
			for _, r := range tt.results {
				max := 0
				if r.TooMany {
					max = 1
				}
				d := FromResult(r, max, now)
				st.Set(r.Name, d)
				if r.Name == tt.restart {
					d.Record(Outcome{Name: r.Name, Action: ActionRestarted, Message: "restarted", Restarts: []time.Time{now}, Attempted: true, Found: r}, now)
				}
			}
			st.Finish(1500*time.Millisecond, 5*time.Minute)
			if st.State != tt.state || st.ExitCode != int(tt.state) || st.Summary != tt.summary {
				t.Errorf("got %v %d %q, want %v %q", st.State, st.ExitCode, st.Summary, tt.state, tt.summary)
			}
		})
	}
}

func TestWorse(t *testing.T) {
	// CRITICAL > UNKNOWN > WARNING > OK, whatever the order.
	tests := []struct{ a, b, want State }{
		{OK, Warning, Warning}, {Warning, Unknown, Unknown}, {Unknown, Critical, Critical},
		{Critical, Unknown, Critical}, {Unknown, Warning, Unknown}, {OK, OK, OK},
	}
	for _, tt := range tests {
		if got := Worse(tt.a, tt.b); got != tt.want {
			t.Errorf("Worse(%v, %v) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestNagios(t *testing.T) {
	st := New(now, "h", "v", []string{"pm-daemon", "it's"}, nil)
	st.Set("pm-daemon", FromResult(running("pm-daemon", 42, 3*time.Hour+12*time.Minute), 1, now))
	down := FromResult(check.Result{Name: "it's", Message: "no process matches pattern 'x'"}, 0, now)
	st.Set("it's", down)
	st.Finish(12*time.Millisecond, 5*time.Minute)
	want := `CORTEX CRITICAL - 1/2 daemons running; down: it's
pm-daemon: running, PID 42, up 3h12m
it's: stopped - no process matches pattern 'x' (cortex-check --fix starts it)
| 'daemons running'=1;;2:;0;2 'pass duration'=0.012s;;;0; 'pm-daemon instances'=1;1;1:;0; 'pm-daemon restarts'=0c;;;0; 'it''s instances'=0;;1:;0; 'it''s restarts'=0c;;;0;
`
	if got := st.Nagios(func(string) bool { return true }); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestStatusJSONKeepsUncheckedEntries(t *testing.T) {
	prev := New(now.Add(-time.Minute), "h", "v", []string{"a", "b"}, nil)
	prev.Set("a", FromResult(running("a", 1, time.Hour), 0, now.Add(-time.Minute)))
	prev.Set("b", FromResult(running("b", 2, time.Hour), 0, now.Add(-time.Minute)))
	prev.Daemons["b"].Restarts = []time.Time{now.Add(-2 * time.Minute)}
	prev.Daemons["b"].RestartsTotal = 4
	prev.Finish(0, 5*time.Minute)
	data, err := prev.JSON()
	if err != nil {
		t.Fatal(err)
	}
	var back Status
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}

	st := New(now, "h", "v", []string{"a", "b"}, &back)
	st.Set("b", FromResult(check.Result{Name: "b"}, 0, now))
	st.Finish(0, 5*time.Minute)
	a, b := st.Daemons["a"], st.Daemons["b"]
	if a.Checked || !a.Running() || !a.CheckedAt.Equal(now.Add(-time.Minute)) {
		t.Errorf("unchecked a = %+v, want its last entry marked not checked", a)
	}
	if !b.Checked || b.Running() || len(b.Restarts) != 1 || b.RestartsTotal != 4 {
		t.Errorf("checked b = %+v, want stopped with its restart history kept", b)
	}
	// --only b: a's last known state counts, marked as such.
	if st.Summary != "1/2 daemons running; down: b" {
		t.Errorf("summary %q", st.Summary)
	}
}

// --only b: a daemon --only left out that was restarted within
// restart_warning is still named restarted in the file's summary, which
// carries the whole host.
func TestSummaryKeepsUncheckedRestart(t *testing.T) {
	prev := New(now.Add(-time.Minute), "h", "v", []string{"a", "b"}, nil)
	prev.Set("a", FromResult(running("a", 1, time.Minute), 0, now.Add(-time.Minute)))
	prev.Set("b", FromResult(running("b", 2, time.Hour), 0, now.Add(-time.Minute)))
	prev.Daemons["a"].LastRestart = &Note{At: now.Add(-2 * time.Minute), Reason: "stopped"}
	prev.Finish(0, 5*time.Minute)
	st := New(now, "h", "v", []string{"a", "b"}, prev)
	st.Set("b", FromResult(running("b", 2, time.Hour), 0, now))
	st.Finish(0, 5*time.Minute)
	if want := "2/2 daemons running; restarted: a"; st.Summary != want {
		t.Errorf("summary %q, want %q", st.Summary, want)
	}
	// Once restart_warning has passed, it is no longer news.
	st = New(now.Add(10*time.Minute), "h", "v", []string{"a", "b"}, prev)
	st.Set("b", FromResult(running("b", 2, time.Hour), 0, now.Add(10*time.Minute)))
	st.Finish(0, 5*time.Minute)
	if want := "2/2 daemons running"; st.Summary != want {
		t.Errorf("later: summary %q, want %q", st.Summary, want)
	}
}

// Timestamps and counters read like Prometheus's own: plain decimals, never
// exponent notation (a regression: %v wrote 1.764126e+09).
func TestMetricsPlainDecimals(t *testing.T) {
	st := New(now, "h", "v", []string{"a"}, nil)
	d := FromResult(running("a", 42, time.Hour), 0, now)
	d.RestartsTotal = 12345678
	st.Set("a", d)
	st.Finish(time.Second, 5*time.Minute)
	m := string(st.Metrics())
	for _, want := range []string{
		fmt.Sprintf(`cortex_daemon_start_time_seconds{daemon="a"} %d`, now.Add(-time.Hour).Unix()),
		`cortex_daemon_restarts_total{daemon="a"} 12345678`,
		fmt.Sprintf("cortex_check_last_run_timestamp_seconds %d", now.Unix()),
	} {
		if !strings.Contains(m, want+"\n") {
			t.Errorf("metrics lack %q:\n%s", want, m)
		}
	}
	if strings.Contains(m, "e+") {
		t.Errorf("exponent notation in the metrics:\n%s", m)
	}
}

// A pass whose config is broken writes UNKNOWN and why, the reason one
// line, escaped for a label value and cut to maxReason.
func TestConfigErrorMetrics(t *testing.T) {
	for _, tt := range []struct {
		reason, want string
	}{
		{"config /etc/cortex/cortex.toml does not exist", `reason="config /etc/cortex/cortex.toml does not exist"`},
		{`cortex.toml:4: daemon[1] (x): unknown key "bogus"`, `reason="cortex.toml:4: daemon[1] (x): unknown key \"bogus\""`},
		{"line one\nline two", `reason="line one line two"`},
		{`C:\path`, `reason="C:\\path"`},
		{strings.Repeat("é", 400), `reason="` + strings.Repeat("é", maxReason/2) + `..."`},
	} {
		m := string(ConfigErrorMetrics(now, time.Millisecond, "v1", tt.reason))
		for _, want := range []string{
			"cortex_check_config_error{" + tt.want + "} 1\n",
			"cortex_check_state 3\n",
			fmt.Sprintf("cortex_check_last_run_timestamp_seconds %d\n", now.Unix()),
			`cortex_check_build_info{version="v1"} 1` + "\n",
			"# TYPE cortex_check_config_error gauge\n",
		} {
			if !strings.Contains(m, want) {
				t.Errorf("reason %q: metrics lack %q:\n%s", tt.reason, want, m)
			}
		}
		if strings.Contains(m, "cortex_daemon_") {
			t.Errorf("a daemon's series without a config:\n%s", m)
		}
	}
}

// A heal whose start failed leaves the daemon down: its entry says so,
// with the heal and the failure, and so does every later pass that does
// nothing about it, until it runs again.
func TestHealedStartFailed(t *testing.T) {
	unhealthy := FromResult(running("a", 42, time.Hour), 0, now)
	unhealthy.Status = check.Unhealthy
	unhealthy.Message = "exec ./probe.sh failed at its first check (failures = 1): not answering"
	for _, tt := range []struct {
		name    string
		o       Outcome
		status  Condition
		message string
	}{
		{"healed, then its start failed", Outcome{Name: "a", Action: ActionRestartFailed, Attempted: true, Healed: "unhealthy (exec ./probe.sh: not answering)",
			Message: "failed to start: exit status 1; see its log /var/log/cortex/a.log"},
			Stopped, "unhealthy (exec ./probe.sh: not answering), stopped, and its start failed: exit status 1; see its log /var/log/cortex/a.log"},
		{"the old instance would not exit: still there", Outcome{Name: "a", Action: ActionRestartFailed, Attempted: true,
			Message: "failed to start: PIDs 42 of the old instance would not exit (stuck in the kernel?); no second copy started"},
			check.Unhealthy, "failed to start: PIDs 42 of the old instance would not exit (stuck in the kernel?); no second copy started"},
	} {
		d := *unhealthy
		d.Record(tt.o, now)
		if d.Status != tt.status || d.Message != tt.message || d.LastFailure == nil || d.LastFailure.Reason != tt.message {
			t.Errorf("%s: %s, %q, last failure %+v; want %s, %q", tt.name, d.Status, d.Message, d.LastFailure, tt.status, tt.message)
		}
		if tt.status == Stopped && (d.PID != nil || d.Instances != 0 || d.StartedAt != nil) {
			t.Errorf("%s: a stopped daemon keeps its old instance: PID %v, %d instances", tt.name, d.PID, d.Instances)
		}
	}

	// The next pass finds it stopped and does nothing (an observer): the
	// last attempt leads its line, and the summary says restart failed.
	d := *unhealthy
	d.Record(Outcome{Name: "a", Action: ActionRestartFailed, Attempted: true, Healed: "unhealthy (exec ./probe.sh: not answering)", Message: "failed to start: exit status 1"}, now)
	prev := New(now, "h", "v", []string{"a"}, nil)
	prev.Set("a", &d)
	later := now.Add(40 * time.Second)
	st := New(later, "h", "v", []string{"a"}, prev)
	st.Set("a", FromResult(check.Result{Name: "a", Condition: check.Stopped, Message: "no process matches pattern 'a'"}, 0, later))
	st.Finish(time.Millisecond, 5*time.Minute)
	out := st.Nagios(func(string) bool { return true })
	for _, want := range []string{
		"CORTEX CRITICAL - 0/1 daemons running; restart failed: a\n",
		"a: stopped - last attempt at " + now.Local().Format(time.TimeOnly) + " (40s ago): unhealthy (exec ./probe.sh: not answering), stopped, and its start failed: exit status 1; now no process matches pattern 'a' (cortex-check --fix starts it)\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}

	// Seen running again: the failure is over.
	again := New(later, "h", "v", []string{"a"}, st)
	again.Set("a", FromResult(running("a", 43, time.Second), 0, later))
	if again.Daemons["a"].LastFailure != nil || again.Daemons["a"].FailedStart() {
		t.Errorf("a daemon running again keeps its last failure: %+v", again.Daemons["a"].LastFailure)
	}
}

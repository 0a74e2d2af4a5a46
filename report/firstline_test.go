package report

import (
	"testing"
	"time"

	"github.com/cortex/cortex-check/check"
)

// passOf is a finished pass over daemons, each as its word says: running,
// down, failed (restart failed), heldback, unknown, restarted, held (by a
// person, running), toomany; timer adds the observer's timer stopped.
func passOf(daemons [][2]string, timer bool) *Status {
	var order []string
	for _, d := range daemons {
		order = append(order, d[0])
	}
	st := New(now, "h", "v", order, nil)
	for i, d := range daemons {
		name, what := d[0], d[1]
		r := running(name, 100+i, time.Hour)
		switch what {
		case "down", "failed", "heldback":
			r = check.Result{Name: name}
		case "unknown":
			r = check.Result{Name: name, Condition: check.Unknown}
		case "toomany":
			r.Instances, r.PIDs = 2, []int{100 + i, 200 + i}
		}
		e := FromResult(r, 1, now)
		st.Set(name, e)
		switch what {
		case "failed":
			e.Record(Outcome{Name: name, Action: ActionRestartFailed, Message: "failed to start: exit status 1", Attempted: true}, now)
		case "heldback":
			e.Record(Outcome{Name: name, Action: ActionHeldBack, Message: "restarts held back", FlapGuard: true}, now)
		case "restarted":
			e.Record(Outcome{Name: name, Action: ActionRestarted, Attempted: true, Found: r}, now)
		case "held":
			e.Hold = &Hold{By: "ops", Since: now.Add(-time.Minute)}
		}
	}
	st.Finish(time.Millisecond, 5*time.Minute)
	if timer {
		st.TimerStopped()
	}
	return st
}

// The summary counts the daemons running, then names its findings worst
// first, whatever the config's order, each daemon that does not run once.
func TestSummaryWorstFirst(t *testing.T) {
	tests := []struct {
		name    string
		daemons [][2]string
		timer   bool
		state   State
		summary string
	}{
		{"worst first", [][2]string{{"a", "restarted"}, {"b", "held"}, {"c", "toomany"}, {"d", "unknown"}, {"e", "heldback"}, {"f", "failed"}, {"g", "down"}}, false,
			Critical, "3/7 daemons running; down: g; restart failed: f; held back: e; unknown: d; too many instances: c; restarted: a; held: b"},
		{"timer stopped before the lesser warnings", [][2]string{{"a", "held"}, {"b", "restarted"}}, true,
			Warning, "2/2 daemons running; timer stopped; restarted: b; held: a"},
		{"timer stopped makes OK a warning", [][2]string{{"a", "running"}}, true,
			Warning, "1/1 daemons running; timer stopped"},
		{"timer stopped leaves CRITICAL", [][2]string{{"a", "down"}}, true,
			Critical, "0/1 daemons running; down: a; timer stopped"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := passOf(tt.daemons, tt.timer)
			if st.State != tt.state || st.ExitCode != int(tt.state) || st.Summary != tt.summary {
				t.Errorf("got %v %d %q\nwant %v %q", st.State, st.ExitCode, st.Summary, tt.state, tt.summary)
			}
		})
	}
}

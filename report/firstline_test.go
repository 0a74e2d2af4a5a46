package report

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/cortex/cortex-check/check"
)

// The six daemons of the real system, by the names people page on.
var six = []string{"pm-daemon", "health-monitor-daemon", "metrics-snapshot-daemon",
	"coordinator-daemon", "integration-validator-daemon", "worker-daemon"}

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

func all(what string, names ...string) [][2]string {
	var out [][2]string
	for _, n := range names {
		out = append(out, [2]string{n, what})
	}
	return out
}

func TestFirstLine(t *testing.T) {
	tests := []struct {
		name    string
		daemons [][2]string
		timer   bool
		line    string
		summary string // the whole summary, when it differs from the line
	}{
		{"all running", all("running", six...), false,
			"CORTEX OK - 6/6 daemons running", ""},
		{"one down", append(all("running", six[:5]...), [2]string{"worker-daemon", "down"}), false,
			"CORTEX CRITICAL - 5/6 daemons running; down: worker-daemon", ""},
		// Issue 19: six restarts were "restarted: pm-daemon (more below)".
		{"six restarted", all("restarted", six...), false,
			"CORTEX WARNING - 6/6 daemons running; restarted: pm-daemon and 5 more",
			"6/6 daemons running; restarted: " + strings.Join(six, ", ")},
		{"a list keeps the names that fit", all("restarted", "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p", "q", "r", "s", "t"), false,
			"CORTEX WARNING - 20/20 daemons running; restarted: a, b, c, d, e, f and 14 more",
			"20/20 daemons running; restarted: a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p, q, r, s, t"},
		// Worst first, whatever the config's order; each daemon that does
		// not run named once.
		{"worst first", [][2]string{{"a", "restarted"}, {"b", "held"}, {"c", "toomany"}, {"d", "unknown"}, {"e", "heldback"}, {"f", "failed"}, {"g", "down"}}, false,
			"CORTEX CRITICAL - 3/7 daemons running; down: g; restart failed: f; 5 more below",
			"3/7 daemons running; down: g; restart failed: f; held back: e; unknown: d; too many instances: c; restarted: a; held: b"},
		// Issue 21: "timer stopped" was cut off the end.
		{"timer stopped kept", all("restarted", six...), true,
			"CORTEX WARNING - 6/6 daemons running; timer stopped; restarted: 6 daemons",
			"6/6 daemons running; timer stopped; restarted: " + strings.Join(six, ", ")},
		{"timer stopped before the lesser warnings", [][2]string{{"a", "held"}, {"b", "restarted"}}, true,
			"CORTEX WARNING - 2/2 daemons running; timer stopped; restarted: b; held: a", ""},
		{"the less severe list goes to its count first", append(all("down", six[:3]...), all("restarted", six[3:]...)...), false,
			"CORTEX CRITICAL - 3/6 daemons running; down: 3 daemons; restarted: 3 daemons",
			"3/6 daemons running; down: " + strings.Join(six[:3], ", ") + "; restarted: " + strings.Join(six[3:], ", ")},
		{"a long name goes to its count", [][2]string{{"a", "running"}, {"noisy-daemon-with-a-long-name-for-the-summary-and-more-than-that", "down"}}, false,
			"CORTEX CRITICAL - 1/2 daemons running; down: 1 daemon",
			"1/2 daemons running; down: noisy-daemon-with-a-long-name-for-the-summary-and-more-than-that"},
		// Left-out findings give their room back to the worst one.
		{"the worst kept get their names back", append(all("restarted", six[:4]...), [2]string{six[4], "failed"}, [2]string{six[5], "down"}), false,
			"CORTEX CRITICAL - 4/6 daemons running; down: worker-daemon; 2 more below",
			"4/6 daemons running; down: worker-daemon; restart failed: integration-validator-daemon; restarted: " + strings.Join(six[:4], ", ")},
		{"nothing checked", nil, false, "CORTEX UNKNOWN - no daemons checked", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := passOf(tt.daemons, tt.timer)
			got, _, _ := strings.Cut(st.Nagios(func(string) bool { return true }), "\n")
			if got != tt.line {
				t.Errorf("first line\n got %q\nwant %q", got, tt.line)
			}
			if n := utf8.RuneCountInString(got); n >= maxFirstLine {
				t.Errorf("first line is %d characters, want under %d", n, maxFirstLine)
			}
			want := tt.summary
			if want == "" {
				_, want, _ = strings.Cut(tt.line, " - ")
			}
			if st.Summary != want {
				t.Errorf("summary\n got %q\nwant %q", st.Summary, want)
			}
		})
	}
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

// However many daemons and findings, the line stays under the limit and
// ends at a whole clause.
func TestFirstLineUnderLimit(t *testing.T) {
	kinds := []string{"down", "failed", "heldback", "unknown", "restarted", "held", "toomany", "running"}
	for n := 1; n <= 60; n++ {
		var daemons [][2]string
		for i := range n {
			name := strings.Repeat(string(rune('a'+i%26)), 1+i%40) + "-" + string(rune('a'+i/26))
			daemons = append(daemons, [2]string{name, kinds[i%len(kinds)]})
		}
		for _, timer := range []bool{false, true} {
			st := passOf(daemons, timer)
			line := st.firstLine()
			if utf8.RuneCountInString(line) >= maxFirstLine {
				t.Errorf("%d daemons: %d characters: %q", n, utf8.RuneCountInString(line), line)
			}
			if strings.HasSuffix(line, ",") || strings.HasSuffix(line, ":") || strings.HasSuffix(line, ";") {
				t.Errorf("%d daemons: cut mid-clause: %q", n, line)
			}
		}
	}
}

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

func TestFirstLineOfAnError(t *testing.T) {
	tests := []struct{ msg, line string }{
		// Issue 21: the first line of a config error was its path.
		{`/etc/cortex/cortex.toml: daemon[3] (pm-daemon): unknown key "failurs"`,
			`CORTEX UNKNOWN - unknown key "failurs" in daemon[3] (pm-daemon) …`},
		{`cortex.toml: daemon[3] (pm-daemon): unknown key "failurs"`,
			`CORTEX UNKNOWN - unknown key "failurs" in daemon[3] (pm-daemon) of cortex.toml`},
		{`cortex.toml: daemon[2] (worker-daemon): unknown key "strat" (did you mean "start"?)`,
			`CORTEX UNKNOWN - unknown key "strat" (did you mean "start"?) …`},
		{`/etc/cortex/cortex.toml: unknown key "status_fle"`,
			`CORTEX UNKNOWN - unknown key "status_fle" in /etc/cortex/cortex.toml`},
		{`cortex.toml:2:12: invalid duration "30": write it like "30s" or "10m"`,
			`CORTEX UNKNOWN - invalid duration "30": write it like "30s" or "10m" …`},
		{`a.toml:5:9: invalid duration "-1s": it must be positive`,
			`CORTEX UNKNOWN - invalid duration "-1s": it must be positive at a.toml:5:9`},
		{`cortex.toml: daemon[1]: name is required`,
			`CORTEX UNKNOWN - name is required in daemon[1] of cortex.toml`},
		{`cortex.toml: after forms a cycle: pm-daemon -> worker-daemon -> pm-daemon`,
			`CORTEX UNKNOWN - after forms a cycle: pm-daemon -> worker-daemon -> pm-daemon …`},
		// Type errors, each with its place: the first one whole.
		{`cortex.toml:4: daemon[1] (web): start must be a list of strings; cortex.toml:5: daemon[1] (web): max_instances must be a whole number`,
			`CORTEX UNKNOWN - start must be a list of strings in daemon[1] (web) …`},
		// No place: as it is, cut after a whole clause.
		{`bad arguments: unknown flag --no-such-flag`, `CORTEX UNKNOWN - bad arguments: unknown flag --no-such-flag`},
		{`restarts held back: 3 in 10m (last at 03:00:00); fix the cause, then run cortex-check --fix --force`,
			`CORTEX UNKNOWN - restarts held back: 3 in 10m (last at 03:00:00) …`},
		// A "; " inside quotes or parentheses is no clause's end.
		{`pattern 'a; b' is not a valid regexp: missing closing ) (1/2 daemons running; down: b)`,
			`CORTEX UNKNOWN - pattern 'a; b' is not a valid regexp: missing closing ) …`},
		// A first clause longer than the line is cut at a word, never
		// after a dangling separator.
		{`lock /var/lib/cortex/cortex.lock: its folder: /var/lib/cortex is owned by nobody (uid 65534), not by root (mode 0755): its owner nobody could swap the files cortex-check writes there as root for files or links of their choosing; fix: chown root /var/lib/cortex`,
			`CORTEX UNKNOWN - lock …/cortex.lock: its folder: …/cortex is owned by nobody …`},
		{`--fix refused: /etc/cortex is writable by group adm (owner root, mode 0775): anyone in group adm could change the commands cortex-check runs as root; fix: chmod g-w /etc/cortex`,
			`CORTEX UNKNOWN - --fix refused: …/cortex is writable by group adm …`},
		// A reason that fits alone goes without the " …" that would not:
		// the next line has the rest. A "(" in a quoted value opens nothing.
		{`a.toml: this reason fits the line alone, and leaves no room for more!`, `CORTEX UNKNOWN - this reason fits the line alone, and leaves no room for more!`},
		{`cortex.toml: daemon[1] (pm): pattern 'pm(\.sh' is not a valid regexp: missing closing )`,
			`CORTEX UNKNOWN - pattern 'pm(\.sh' is not a valid regexp: missing closing ) …`},
		{`cortex.toml: daemon[1] (pm-daemon): pattern 'pm-daemon(\.sh' is not a valid regexp: missing closing )`,
			`CORTEX UNKNOWN - pattern '…' is not a valid regexp: missing closing ) …`},
		// Long quoted values and paths shrink first.
		{`/etc/cortex/cortex.toml: daemon[2] (worker-daemon): pattern '/opt/cortex/scripts/worker-daemon\.sh (a|b' is not a valid regexp: missing closing )`,
			`CORTEX UNKNOWN - pattern '…' is not a valid regexp: missing closing ) …`},
		// An error chain too long for the line keeps its context and
		// its cause, without the summary in parentheses.
		{`--fix started nothing more: status file /var/lib/cortex/status.json: write /var/lib/cortex/status.json: create a temporary file in its folder: read-only file system (0/1 daemons running; held back: pm-daemon)`,
			`CORTEX UNKNOWN - --fix started nothing more: … read-only file system`},
		// No "|" (Nagios would take the rest for performance data).
		{`cortex.toml: daemon[1] (nginx): pattern 'a|b' is not a valid regexp`,
			`CORTEX UNKNOWN - pattern 'a¦b' is not a valid regexp in daemon[1] (nginx) …`},
	}
	for _, tt := range tests {
		got := FirstLine(Unknown, tt.msg)
		if got != tt.line {
			t.Errorf("FirstLine(%q)\n got %q\nwant %q", tt.msg, got, tt.line)
		}
		if n := utf8.RuneCountInString(got); n >= maxFirstLine {
			t.Errorf("FirstLine(%q) is %d characters, want under %d", tt.msg, n, maxFirstLine)
		}
	}
}

func TestCutAtWord(t *testing.T) {
	tests := []struct {
		s     string
		limit int
		want  string
	}{
		{"short", 10, "short"},
		{"no daemon named pm in /etc/cortex/cortex.toml", 30, "no daemon named pm"},
		{"lock /x/cortex.lock: its folder: /x is owned", 33, "lock /x/cortex.lock"},
		{"status file not written (the previous one is unchanged)", 40, "status file not written"},
		{"abcdefghijklmnop", 5, "abcde"},
	}
	for _, tt := range tests {
		if got := cutAtWord(tt.s, tt.limit); got != tt.want {
			t.Errorf("cutAtWord(%q, %d) = %q, want %q", tt.s, tt.limit, got, tt.want)
		}
	}
}

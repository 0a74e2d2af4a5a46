package main

// The observer_*.txtar scenarios show the two roles of a pass as a user
// sees them: root's timer is the writer (--fix: the lock, the status file,
// the textfile, the log) and a monitoring system's check is an observer
// (--read-only, --dry-run, or a plain pass that may not write), which judges
// live and changes no file. This file holds their commands: nagiosparse
// reads plugin output the way Nagios does, and waitage waits for a status
// file to grow old instead of sleeping a fixed time.

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/cortex/cortex-check/report"
)

func init() {
	scriptCmds["nagiosparse"] = cmdNagiosParse
	scriptCmds["waitage"] = cmdWaitAge
	scriptCmds["backdate"] = cmdBackdate
}

// The plugin guidelines' perfdata grammar, as in report/perfdata_test.go:
// 'label'=value[UOM];warn;crit;min;max, a quoted label doubling a quote
// inside it, thresholds as ranges, min and max as numbers.
var (
	nagiosPerfNum   = `-?[0-9]+(\.[0-9]+)?`
	nagiosPerfRange = `(@?(` + nagiosPerfNum + `|~)?:?(` + nagiosPerfNum + `)?)?`
	nagiosPerfRE    = regexp.MustCompile(`^('(?:[^'=]|'')+'|[^ '=]+)=(` + nagiosPerfNum + `)(s|ms|us|%|B|KB|MB|TB|c)?` +
		`(;` + nagiosPerfRange + `(;` + nagiosPerfRange + `(;(` + nagiosPerfNum + `)?(;(` + nagiosPerfNum + `)?)?)?)?)?$`)
	nagiosFirstRE = regexp.MustCompile(`^CORTEX (OK|WARNING|CRITICAL|UNKNOWN) - \S`)
)

// nagiosparse FILE: FILE (usually stdout) is plugin output that Nagios and
// Icinga read whole. Nagios splits it so: the first line's text up to a
// "|", then the long output up to the first "|" after it, and everything
// after that "|" is performance data. The command fails unless the output
// has exactly one "|", a first line under 80 characters that starts
// "CORTEX STATE - ", no control characters, and perfdata that follows the
// grammar item by item. It prints "state STATE", each long output line as
// "long TEXT", and each perfdata item as "perf LABEL=REST" (the label
// unquoted), for stdout assertions.
func cmdNagiosParse(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: nagiosparse FILE")
	}
	out := ts.ReadFile(args[0])
	if !utf8.ValidString(out) {
		ts.Fatalf("%s is not valid UTF-8", args[0])
	}
	for _, r := range out {
		if r != '\n' && unicode.IsControl(r) {
			ts.Fatalf("%s holds the control character %q", args[0], r)
		}
	}
	if n := strings.Count(out, "|"); n != 1 {
		ts.Fatalf("%d \"|\" in the output: Nagios takes all after the first for perfdata:\n%s", n, out)
	}
	first, rest, _ := strings.Cut(out, "\n")
	if n := utf8.RuneCountInString(first); n >= 80 {
		ts.Fatalf("the first line has %d characters, not under 80: %q", n, first)
	}
	m := nagiosFirstRE.FindStringSubmatch(first)
	if m == nil {
		ts.Fatalf("the first line is not \"CORTEX STATE - summary\": %q", first)
	}
	// Nagios: the first line's own "|", then the long output's first "|".
	firstText, perf, inFirst := strings.Cut(first, "|")
	long := rest
	if !inFirst {
		long, perf, _ = strings.Cut(rest, "|")
	}
	fmt.Fprintf(ts.Stdout(), "state %s\n", m[1])
	if inFirst {
		fmt.Fprintf(ts.Stdout(), "first %s\n", strings.TrimSpace(firstText))
	}
	for _, line := range strings.Split(strings.TrimRight(long, "\n"), "\n") {
		if line != "" {
			fmt.Fprintf(ts.Stdout(), "long %s\n", line)
		}
	}
	perf = strings.TrimSpace(perf)
	if strings.Contains(perf, "\n") {
		ts.Fatalf("the perfdata runs over more than one line: %q", perf)
	}
	if perf == "" {
		ts.Fatalf("no perfdata after the \"|\"")
	}
	for _, item := range splitPerfdata(ts, perf) {
		m := nagiosPerfRE.FindStringSubmatch(item)
		if m == nil {
			ts.Fatalf("perfdata item %q does not follow 'label'=value[UOM];warn;crit;min;max", item)
		}
		label := m[1]
		if strings.HasPrefix(label, "'") {
			label = strings.ReplaceAll(label[1:len(label)-1], "''", "'")
		}
		fmt.Fprintf(ts.Stdout(), "perf %s=%s\n", label, item[len(m[1])+1:])
	}
}

// splitPerfdata splits perfdata at the spaces between items; a quoted label
// may hold spaces, and ends at the quote before its "=".
func splitPerfdata(ts *testscript.TestScript, s string) []string {
	var items []string
	for rest := s; rest != ""; rest = strings.TrimLeft(rest, " ") {
		from := 0
		if strings.HasPrefix(rest, "'") {
			end := strings.Index(rest[1:], "'=")
			if end < 0 {
				ts.Fatalf("unterminated label in perfdata %q", rest)
			}
			from = end + 2
		}
		sp := strings.IndexByte(rest[from:], ' ')
		if sp < 0 {
			items = append(items, rest)
			break
		}
		items = append(items, rest[:from+sp])
		rest = rest[from+sp:]
	}
	return items
}

// waitage [-restart DAEMON] FILE DURATION: wait until the status file's
// checked_at (with -restart, the daemon's last_restart.at) lies more than
// DURATION in the past: the timer stopped that long ago, or the restart
// warning has run out. It waits for a condition, up to DURATION and 30 s
// more, and asserts nothing about how long that took. The file must hold
// the time asked for.
func cmdWaitAge(ts *testscript.TestScript, neg bool, args []string) {
	const usage = "usage: waitage [-restart DAEMON] FILE DURATION"
	daemon := ""
	if len(args) == 4 && args[0] == "-restart" {
		daemon, args = args[1], args[2:]
	}
	if neg || len(args) != 2 {
		ts.Fatalf(usage)
	}
	age, err := time.ParseDuration(args[1])
	if err != nil || age <= 0 {
		ts.Fatalf("%s: bad DURATION %q", usage, args[1])
	}
	st, err := report.ParseStatus([]byte(ts.ReadFile(args[0])), args[0])
	ts.Check(err)
	at := st.CheckedAt
	if daemon != "" {
		d := st.Daemons[daemon]
		if d == nil || d.LastRestart == nil {
			ts.Fatalf("%s has no last_restart for %s", args[0], daemon)
		}
		at = d.LastRestart.At
	}
	deadline := at.Add(age + 30*time.Second)
	for time.Since(at) <= age {
		if time.Now().After(deadline) {
			ts.Fatalf("%s: %s is still not older than %s", args[0], at, age)
		}
		time.Sleep(50 * time.Millisecond)
	}
	ts.Logf("%s: %s is older than %s", args[0], at.Format(time.RFC3339), age)
}

// backdate FILE DURATION: move every time in a JSON file (a status file)
// DURATION into the past, as if its passes had run that long ago, and
// replace it whole. A scenario ages the timer's record this way instead of
// waiting: an observer's verdict of what is fresh and what is stale then
// never depends on how busy the machine is.
func cmdBackdate(ts *testscript.TestScript, neg bool, args []string) {
	const usage = "usage: backdate FILE DURATION"
	if neg || len(args) != 2 {
		ts.Fatalf(usage)
	}
	by, err := time.ParseDuration(args[1])
	if err != nil || by <= 0 {
		ts.Fatalf("%s: bad DURATION %q", usage, args[1])
	}
	var doc any
	ts.Check(json.Unmarshal([]byte(ts.ReadFile(args[0])), &doc))
	var shift func(v any) any
	shift = func(v any) any {
		switch v := v.(type) {
		case map[string]any:
			for k, e := range v {
				v[k] = shift(e)
			}
		case []any:
			for i, e := range v {
				v[i] = shift(e)
			}
		case string:
			if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
				return t.Add(-by).Format(time.RFC3339Nano)
			}
		}
		return v
	}
	b, err := json.Marshal(shift(doc))
	ts.Check(err)
	path := ts.MkAbs(args[0])
	ts.Check(os.WriteFile(path+".backdate", b, 0o644))
	ts.Check(os.Rename(path+".backdate", path))
}

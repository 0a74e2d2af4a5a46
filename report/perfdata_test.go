package report

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cortex/cortex-check/check"
)

// perfItem is one parsed 'label'=value[UOM];warn;crit;min;max.
type perfItem struct {
	label, uom                 string
	value                      float64
	warn, crit, min, maxFields string
}

// The plugin guidelines' grammar: a label (quoted when it has spaces or
// quotes, a doubled quote for a quote inside), =, a number, an optional unit, then up to
// four ;-separated fields: thresholds as ranges, min and max as numbers.
var (
	perfUOM   = `(s|ms|us|%|B|KB|MB|TB|c)?`
	perfNum   = `-?[0-9]+(\.[0-9]+)?`
	perfRange = `(@?(` + perfNum + `|~)?:?(` + perfNum + `)?)?`
	perfRE    = regexp.MustCompile(`^('(?:[^'=]|'')+'|[^ '=]+)=(` + perfNum + `)` + perfUOM +
		`(;` + perfRange + `(;` + perfRange + `(;(` + perfNum + `)?(;(` + perfNum + `)?)?)?)?)?$`)
)

// parsePerfdata splits perfdata into items by the grammar, failing on
// anything a Nagios or Icinga parser would reject.
func parsePerfdata(t *testing.T, s string) []perfItem {
	t.Helper()
	var items []perfItem
	// Items are separated by spaces; a quoted label may hold spaces.
	for rest := strings.TrimSpace(s); rest != ""; rest = strings.TrimSpace(rest) {
		end := strings.IndexByte(rest, ' ')
		if strings.HasPrefix(rest, "'") {
			close := strings.Index(rest[1:], "'=")
			if close < 0 {
				t.Fatalf("unterminated label in %q", rest)
			}
			if sp := strings.IndexByte(rest[close+1:], ' '); sp >= 0 {
				end = close + 1 + sp
			} else {
				end = -1
			}
		}
		item := rest
		if end >= 0 {
			item, rest = rest[:end], rest[end:]
		} else {
			rest = ""
		}
		m := perfRE.FindStringSubmatch(item)
		if m == nil {
			t.Fatalf("perfdata item %q does not follow 'label'=value[UOM];warn;crit;min;max", item)
		}
		fields := strings.Split(item[strings.Index(item, "=")+1:], ";")
		v, _ := strconv.ParseFloat(m[2], 64)
		p := perfItem{label: strings.ReplaceAll(strings.Trim(m[1], "'"), "''", "'"), value: v, uom: m[4]}
		for i, f := range fields[1:] {
			*[]*string{&p.warn, &p.crit, &p.min, &p.maxFields}[i] = f
		}
		items = append(items, p)
	}
	return items
}

// splitPlugin splits plugin output the way Nagios does: text up to the
// first "|", perfdata after it.
func splitPlugin(t *testing.T, out string) (first, text, perf string) {
	t.Helper()
	first, _, _ = strings.Cut(out, "\n")
	text, perf, ok := strings.Cut(out, "|")
	if !ok {
		t.Fatalf("no perfdata in %q", out)
	}
	if strings.Count(out, "|") != 1 {
		t.Errorf("%d | in the output: Nagios takes all after the first for perfdata:\n%s", strings.Count(out, "|"), out)
	}
	return first, text, strings.ReplaceAll(perf, "\n", " ")
}

func TestPerfdataFollowsThePluginGuidelines(t *testing.T) {
	st := New(now, "h", "v", []string{"pm-daemon", "worker daemon", "it's", "running"}, nil)
	st.Set("pm-daemon", FromResult(running("pm-daemon", 42, time.Hour), 1, now))
	st.Set("worker daemon", FromResult(check.Result{Name: "worker daemon", Condition: check.Running, PID: 7, PIDs: []int{7, 8}, Instances: 2, TooMany: true}, 1, now))
	st.Set("it's", FromResult(check.Result{Name: "it's"}, 0, now))
	st.Set("running", FromResult(running("running", 9, time.Hour), 0, now))
	st.Daemons["running"].RestartsTotal = 3
	st.Finish(1234*time.Millisecond, 5*time.Minute)

	_, _, perf := splitPlugin(t, st.Nagios(func(string) bool { return false }))
	items := parsePerfdata(t, perf)
	want := map[string]perfItem{
		"daemons running":         {value: 3, crit: "4:", min: "0", maxFields: "4"},
		"pass duration":           {value: 1.234, uom: "s", min: "0"},
		"pm-daemon instances":     {value: 1, warn: "1", crit: "1:", min: "0"},
		"pm-daemon restarts":      {value: 0, uom: "c", min: "0"},
		"worker daemon instances": {value: 2, warn: "1", crit: "1:", min: "0"},
		"worker daemon restarts":  {value: 0, uom: "c", min: "0"},
		"it's instances":          {value: 0, crit: "1:", min: "0"},
		"it's restarts":           {value: 0, uom: "c", min: "0"},
		// A daemon named like a summary label does not collide with it.
		"running instances": {value: 1, crit: "1:", min: "0"},
		"running restarts":  {value: 3, uom: "c", min: "0"},
	}
	if len(items) != len(want) {
		t.Fatalf("got %d items, want %d: %q", len(items), len(want), perf)
	}
	for _, it := range items {
		w, ok := want[it.label]
		if !ok {
			t.Errorf("unexpected label %q", it.label)
			continue
		}
		if it.value != w.value || it.uom != w.uom || it.warn != w.warn || it.crit != w.crit || it.min != w.min || it.maxFields != w.maxFields {
			t.Errorf("%s: got %+v, want %+v", it.label, it, w)
		}
	}
}

// Names and messages full of |, quotes, = and ; (a regexp alternation, a
// log tail, a hostile process title) leave the plugin output whole: one |,
// a first line under 80 characters, perfdata by the grammar, unique labels.
func TestNagiosOutputSurvivesHostileText(t *testing.T) {
	var names []string
	for i := range 30 {
		names = append(names, fmt.Sprintf("d%02d|x'=;", i))
	}
	st := New(now, "h", "v", names, nil)
	for i, name := range names {
		r := check.Result{Name: name, Message: "no process matches pattern 'a|b' ; x=1 'q' \x1b[31m\nsecond line"}
		if i%3 == 0 {
			r = running(name, 100+i, time.Minute)
		}
		st.Set(name, FromResult(r, 0, now))
	}
	st.Finish(time.Second, 5*time.Minute)
	out := st.Nagios(func(string) bool { return true }, "warning: a note with | in it")
	first, text, perf := splitPlugin(t, out)
	if n := len([]rune(first)); n >= 80 {
		t.Errorf("first line is %d characters: %q", n, first)
	}
	if strings.ContainsAny(text, "\x1b") {
		t.Errorf("a terminal escape reached the output: %q", text)
	}
	if got := strings.Count(text, "\n"); got != len(names)+2 {
		t.Errorf("%d lines of text, want the first line, one per daemon and the note: a message broke a line", got)
	}
	seen := map[string]bool{}
	for _, it := range parsePerfdata(t, perf) {
		if seen[it.label] {
			t.Errorf("label %q twice", it.label)
		}
		seen[it.label] = true
	}
	if len(seen) != 2+2*len(names) {
		t.Errorf("%d labels, want %d", len(seen), 2+2*len(names))
	}
}

func TestTextColour(t *testing.T) {
	st := New(now, "h", "v", []string{"a", "b"}, nil)
	st.Set("a", FromResult(running("a", 1, time.Minute), 0, now))
	st.Set("b", FromResult(check.Result{Name: "b"}, 0, now))
	st.Finish(0, 5*time.Minute)
	canStart := func(string) bool { return true }
	plain := st.Text(false, canStart, "written")
	if strings.Contains(plain, "\033") {
		t.Errorf("colour off, but escape codes in %q", plain)
	}
	colored := st.Text(true, canStart, "written")
	for _, want := range []string{green + "running" + reset, red + "stopped" + reset, red + "CRITICAL" + reset} {
		if !strings.Contains(colored, want) {
			t.Errorf("colour on, %q missing from %q", want, colored)
		}
	}
	// What a person sees on a terminal is the plain table: the colour codes
	// take no columns, so the header and every row line up as without them.
	visible := regexp.MustCompile("\033\\[[0-9;]*m").ReplaceAllString(colored, "")
	if visible != plain {
		t.Errorf("colour moves columns:\n%s\nwant\n%s", visible, plain)
	}
	lines := strings.Split(plain, "\n")[2:5]
	want := strings.Index(lines[0], "ACTION")
	for _, line := range lines[1:] {
		if got := strings.Index(line, "none"); got != want {
			t.Errorf("ACTION column at %d in %q, header at %d", got, line, want)
		}
	}
}

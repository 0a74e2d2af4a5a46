package report

import (
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

func TestPerfdataFollowsThePluginGuidelines(t *testing.T) {
	st := New(now, "h", "v", []string{"pm-daemon", "worker daemon", "it's"}, nil)
	st.Set("pm-daemon", FromResult(running("pm-daemon", 42, time.Hour), 1, now))
	st.Set("worker daemon", FromResult(check.Result{Name: "worker daemon", Condition: check.Running, PID: 7, PIDs: []int{7, 8}, Instances: 2, TooMany: true}, 1, now))
	st.Set("it's", FromResult(check.Result{Name: "it's"}, 0, now))
	st.Finish(1234 * time.Millisecond)

	first := strings.SplitN(st.Nagios(func(string) bool { return false }), "\n", 2)[0]
	_, perf, ok := strings.Cut(first, " | ")
	if !ok {
		t.Fatalf("no perfdata in %q", first)
	}
	items := parsePerfdata(t, perf)
	want := map[string]perfItem{
		"running":       {value: 2, crit: "3:", min: "0", maxFields: "3"},
		"duration":      {value: 1.234, uom: "s", min: "0"},
		"pm-daemon":     {value: 1, warn: "1", crit: "1:", min: "0"},
		"worker daemon": {value: 2, warn: "1", crit: "1:", min: "0"},
		"it's":          {value: 0, crit: "1:", min: "0"},
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

func TestTextColour(t *testing.T) {
	st := New(now, "h", "v", []string{"a", "b"}, nil)
	st.Set("a", FromResult(running("a", 1, time.Minute), 0, now))
	st.Set("b", FromResult(check.Result{Name: "b"}, 0, now))
	st.Finish(0)
	canStart := func(string) bool { return true }
	plain := st.Text(false, canStart)
	if strings.Contains(plain, "\033") {
		t.Errorf("colour off, but escape codes in %q", plain)
	}
	colored := st.Text(true, canStart)
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

package report

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// The plugin's first line is what a pager, an SMS or a dashboard tile shows
// of a pass, so it is built for a person who reads nothing else:
//
//   - It stays under maxFirstLine characters, whatever the number of daemons.
//   - A pass's line is the count of daemons running, then its findings, worst
//     first (see kind). Each daemon that does not run is named once, in the
//     most specific finding: down, restart failed, held back or unknown.
//   - It is cut only at a whole clause, least severe first, and says how much
//     it leaves out: a list keeps its first names ("restarted: pm-daemon and
//     5 more"), then only its count ("restarted: 6 daemons"); only then are
//     whole findings left out, and the line says how many ("2 more below"),
//     while the worst ones kept get back the names that fit. The long output
//     names every daemon either way.

// maxFirstLine is the plugin guidelines' limit for the first line, which
// is what a pager, an SMS or a dashboard tile shows.
const maxFirstLine = 80

// kind is a finding of a pass; its order is the summary's, worst first:
// the CRITICAL ones (a daemon that does not run: down, then those --fix
// could not start or stopped trying to), UNKNOWN, then the WARNING ones (no
// timer runs --fix, then what runs but is not right, then a person's hold,
// which is on purpose).
type kind int

const (
	kindDown kind = iota
	kindRestartFailed
	kindHeldBack
	kindUnknown
	kindTimerStopped
	kindTooMany
	kindRestarted
	kindHeld
)

var kindLabels = [...]string{
	kindDown:          "down",
	kindRestartFailed: "restart failed",
	kindHeldBack:      "held back",
	kindUnknown:       "unknown",
	kindTimerStopped:  "timer stopped",
	kindTooMany:       "too many instances",
	kindRestarted:     "restarted",
	kindHeld:          "held",
}

// finding is one clause of the summary: its kind and the daemons it names.
// A finding about the pass itself (timer stopped) names none.
type finding struct {
	kind  kind
	names []string
}

// text is the clause with the first shown names, and what it leaves out:
// all names when shown is len(names), "and N more" after fewer, the count
// alone when shown is 0.
func (f finding) text(shown int) string {
	label := kindLabels[f.kind]
	n := len(f.names)
	switch {
	case n == 0:
		return label
	case shown >= n:
		return label + ": " + strings.Join(f.names, ", ")
	case shown > 0:
		return fmt.Sprintf("%s: %s and %d more", label, strings.Join(f.names[:shown], ", "), n-shown)
	case n == 1:
		return label + ": 1 daemon"
	}
	return fmt.Sprintf("%s: %d daemons", label, n)
}

// add puts a finding in its place, worst first.
func (st *Status) add(f finding) {
	i := len(st.findings)
	for i > 0 && st.findings[i-1].kind > f.kind {
		i--
	}
	st.findings = append(st.findings[:i], append([]finding{f}, st.findings[i:]...)...)
	st.summarize()
}

// summarize writes the whole summary: the count, then every finding with
// every name. The status file and the text table carry it uncut.
func (st *Status) summarize() {
	parts := []string{st.head}
	for _, f := range st.findings {
		parts = append(parts, f.text(len(f.names)))
	}
	st.Summary = strings.Join(parts, "; ")
}

// TimerStopped records an observer's finding that no writer pass has run
// for three intervals: the pass is WARNING at least, and says so before
// the lesser warnings.
func (st *Status) TimerStopped() {
	st.State = Worse(st.State, Warning)
	st.ExitCode = int(st.State)
	st.add(finding{kind: kindTimerStopped})
}

// firstLine is the pass's first line: its summary, cut to fit.
func (st *Status) firstLine() string {
	if st.head == "" { // not judged by Finish: only a summary to go by
		return FirstLine(st.State, st.Summary)
	}
	prefix := "CORTEX " + st.State.String() + " - "
	budget := maxFirstLine - 1 - utf8.RuneCountInString(prefix)
	shown := make([]int, len(st.findings))
	for i, f := range st.findings {
		shown[i] = len(f.names)
	}
	kept := len(st.findings)
	line := func() string {
		parts := []string{st.head}
		for i, f := range st.findings[:kept] {
			parts = append(parts, f.text(shown[i]))
		}
		if left := len(st.findings) - kept; left > 0 {
			parts = append(parts, fmt.Sprintf("%d more below", left))
		}
		return pluginText(strings.Join(parts, "; "))
	}
	fits := func() bool { return utf8.RuneCountInString(line()) <= budget }
	// The least severe list shrinks first, to its first name...
	for i := len(shown) - 1; i >= 0 && !fits(); i-- {
		for shown[i] > 1 && !fits() {
			shown[i]--
		}
	}
	// ...then to its count, where that is shorter...
	for i := len(shown) - 1; i >= 0 && !fits(); i-- {
		if f := st.findings[i]; len(f.text(0)) < len(f.text(shown[i])) {
			shown[i] = 0
		}
	}
	// ...and only then are whole findings left out, after which the
	// worst of those kept get their names back as far as they fit.
	if !fits() {
		for kept > 0 && !fits() {
			kept--
		}
		for i := range kept {
			for shown[i] < len(st.findings[i].names) {
				if shown[i]++; !fits() {
					shown[i]--
					break
				}
			}
		}
	}
	return prefix + line()
}

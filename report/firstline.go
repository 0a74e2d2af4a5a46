package report

import (
	"fmt"
	"strings"
)

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

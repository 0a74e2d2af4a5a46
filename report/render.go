package report

import (
	"cmp"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cortex/cortex-check/escape"
	"github.com/cortex/cortex-check/human"
)

// CanStart says whether the config gives a daemon a start command, which
// decides the advice for a stopped one. It comes from the config, not from
// the status file: the file is the record, the config says what can be done.
type CanStart func(name string) bool

// Nagios renders the plugin output: a first line with the state and a
// summary, under 80 characters whatever the number of daemons, then one line
// per daemon and the notes (the long output), then the performance data. No
// text contains a "|": Nagios would take the rest for performance data.
func (st *Status) Nagios(canStart CanStart, notes ...string) string {
	var b strings.Builder
	b.WriteString(st.firstLine())
	b.WriteByte('\n')
	var lines []string
	for _, name := range st.Names() {
		d := st.Daemons[name]
		if d == nil {
			lines = append(lines, name+": not checked yet")
			continue
		}
		lines = append(lines, pluginText(name+": "+d.line(canStart(name), st.now, st.restartWarning)))
	}
	for _, n := range notes {
		lines = append(lines, pluginText(n))
	}
	// The performance data on a line of its own, after the long output:
	// Nagios and Icinga read what follows a line's "|" as performance data,
	// and the daemon lines stay whole for a person.
	lines = append(lines, "| "+st.perfdata())
	for _, l := range lines {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return b.String()
}

// PluginText is text safe in plugin output: one line, control characters
// escaped, and no "|", which starts performance data. U+00A6 BROKEN BAR
// stands in for it, so a regexp alternation stays readable.
func PluginText(s string) string { return pluginText(s) }

func pluginText(s string) string {
	return strings.ReplaceAll(escape.Line(s), "|", "¦")
}

// perfdata follows the plugin guidelines: 'label'=value[UOM];warn;crit;min;max.
// "daemons running" goes critical below the number checked; each daemon's
// instance count goes critical below 1 and warns above max_instances; its
// restart count is a counter, so a graph shows restarts between checks.
// Daemon names hold no space, so "<name> instances" never meets another
// label.
func (st *Status) perfdata() string {
	known, running := 0, 0
	var fields []string
	for _, name := range st.Names() {
		d := st.Daemons[name]
		if d == nil {
			continue
		}
		// What the first line counts: the daemons judged now and the last
		// known state of the rest.
		known++
		if d.Running() {
			running++
		}
		if !d.Checked {
			continue
		}
		warn := ""
		if d.MaxInstances > 0 {
			warn = fmt.Sprint(d.MaxInstances)
		}
		fields = append(fields,
			fmt.Sprintf("%s=%d;%s;1:;0;", perfLabel(name+" instances"), d.Instances, warn),
			fmt.Sprintf("%s=%dc;;;0;", perfLabel(name+" restarts"), d.RestartsTotal))
		fields = append(fields, d.CurrentFigures().perfdata(name)...)
	}
	head := []string{
		fmt.Sprintf("'daemons running'=%d;;%d:;0;%d", running, known, known),
		fmt.Sprintf("'pass duration'=%.3fs;;;0;", float64(st.DurationMS)/1000),
	}
	return strings.Join(append(head, fields...), " ")
}

// perfLabel quotes a label; the guidelines double a single quote inside it
// and forbid '='; a "|" is written as in the text.
func perfLabel(name string) string {
	name = strings.ReplaceAll(pluginText(name), "=", "_")
	return "'" + strings.ReplaceAll(name, "'", "''") + "'"
}

// line is one daemon in a sentence: what it is, and what to do if it is
// wrong. now and restartWarning say whether its last restart is recent.
func (d *Daemon) line(canStart bool, now time.Time, restartWarning time.Duration) string {
	var parts []string
	if d.Running() {
		parts = append(parts, fmt.Sprintf("running, PID %d", *d.PID))
		if d.Instances != 1 {
			parts = append(parts, fmt.Sprintf("%d instances", d.Instances))
		}
		if d.UptimeSeconds != nil {
			parts = append(parts, "up "+human.Age(time.Duration(*d.UptimeSeconds)*time.Second))
		}
		if d.Probe != nil && d.Probe.Result == "healthy" {
			parts = append(parts, "healthy")
		}
	} else {
		parts = append(parts, string(d.Status))
		if d.PID != nil && (d.Status == Suspended || d.Status == Unhealthy) {
			parts = append(parts, fmt.Sprintf("PID %d", *d.PID))
		}
	}
	if d.Action != ActionNone && d.Action != "" {
		parts = append(parts, "action "+string(d.Action))
	}
	s := strings.Join(parts, ", ")
	if d.Seen != nil {
		// Not judged by this pass: whose verdict it is, and why.
		s += " (" + d.Seen.Label(now) + "; this check: " + d.Seen.Why + ")"
	}
	if !d.Checked {
		s += " (not checked this pass; last checked " + d.CheckedAt.Format(time.RFC3339) + ")"
	}
	if note := d.note(canStart, now, restartWarning); note != "" {
		s += " - " + note
	}
	return s
}

// note is what the status says of a daemon beyond its condition: the
// pass's message, a recent restart, and what to do.
func (d *Daemon) note(canStart bool, now time.Time, restartWarning time.Duration) string {
	s := d.Message
	if d.FailedStart() && !d.Hold.Active(now) {
		// Why it is down leads: what the last attempt did, a heal's
		// stop included, then what this pass saw.
		last := fmt.Sprintf("last attempt at %s (%s ago): %s", d.LastFailure.At.Local().Format(time.TimeOnly),
			human.Age(now.Sub(d.LastFailure.At)), d.LastFailure.Reason)
		if s != "" {
			last += "; now " + s
		}
		s = last
	}
	if d.Action != ActionRestarted && d.RecentRestart(now, restartWarning) {
		if s != "" {
			s += "; "
		}
		s += fmt.Sprintf("restarted by cortex-check --fix %s ago, at %s; it was %s",
			human.Age(now.Sub(d.LastRestart.At)), d.LastRestart.At.Local().Format(time.TimeOnly), d.LastRestart.Reason)
	}
	if d.Hold.Active(now) {
		if s != "" {
			s += "; "
		}
		s += d.Hold.Describe() + " (cortex-check release or start ends it)"
		return s
	}
	return strings.TrimPrefix(s+d.advice(canStart), " ")
}

// advice is what to do about a stopped daemon nobody acted on.
func (d *Daemon) advice(canStart bool) string {
	if d.HeldBack != nil && !d.Running() {
		since := d.HeldBack.At.Local().Format(time.TimeOnly)
		if d.Action == ActionHeldBack { // the message says why
			return " (held back since " + since + ")"
		}
		return fmt.Sprintf(" (held back since %s: %s)", since, d.HeldBack.Reason)
	}
	if d.Status == Unhealthy && canStart && d.Checked && (d.Action == ActionNone || d.Action == "") {
		return " (cortex-check --fix restarts it)"
	}
	// Suspended, orphaned and unknown daemons carry their own advice, and
	// so does a start still in progress.
	if d.Status != Stopped || !d.Checked || (d.Action != ActionNone && d.Action != "") || d.Starting != nil {
		return ""
	}
	if canStart {
		return " (cortex-check --fix starts it)"
	}
	return " (no start command in the config: add start to let --fix restart it)"
}

// ANSI colours for Text; main decides whether a terminal gets them.
const (
	red    = "\033[31m"
	green  = "\033[32m"
	yellow = "\033[33m"
	reset  = "\033[0m"
)

// Paint colours s the way Text colours the state st, when on.
func Paint(s string, st State, on bool) string {
	if !on {
		return s
	}
	return st.color() + s + reset
}

func (s State) color() string {
	return [...]string{OK: green, Warning: yellow, Critical: red, Unknown: yellow}[s]
}

// Text renders a table for a person, like monit summary; color adds ANSI
// colours to the states. when says what its time is: "written" for a
// status file read back, "checked" for a pass's own view (an observer's
// writes nothing).
func (st *Status) Text(color bool, canStart CanStart, when string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "cortex-check %s on %s, %s %s: %s\n\n", Paint(st.State.String(), st.State, color),
		st.Host, when, st.CheckedAt.Local().Format(time.RFC3339), st.Summary)
	t := table{color: color}
	t.add(OK, "DAEMON", "STATUS", "PID", "PROCS", "MEM", "CPU", "THR", "FDS", "TRACKED BY", "UPTIME", "ACTION", "RESTARTS", "MESSAGE")
	for _, name := range st.Names() {
		d := st.Daemons[name]
		if d == nil {
			t.add(Unknown, name, "unknown", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "not checked yet")
			continue
		}
		pid, uptime := "-", "-"
		if d.PID != nil {
			pid = fmt.Sprint(*d.PID)
		}
		if d.UptimeSeconds != nil {
			uptime = human.Age(time.Duration(*d.UptimeSeconds) * time.Second)
		}
		status := string(d.Status)
		if !d.Checked {
			status += "?"
		}
		action := cmp.Or(d.Action, ActionNone)
		procs, tracked := "-", "-"
		if d.PID != nil {
			procs, tracked = fmt.Sprint(d.Processes), trackedShort(d.Tracked)
		}
		mem, cpu, threads, fds := d.CurrentFigures().columns()
		note := d.note(canStart(name), st.now, st.restartWarning)
		if d.Seen != nil {
			status += "*"
			note = strings.TrimSuffix("("+d.Seen.Label(st.now)+"; this check: "+d.Seen.Why+") "+note, " ")
		}
		t.add(d.State, name, status, pid, procs, mem, cpu, threads, fds, tracked, uptime, string(action), fmt.Sprint(len(d.Restarts)), escape.Line(note))
	}
	t.write(&b)
	return b.String()
}

// trackedShort is how a daemon is tracked, short enough for a column: a
// cgroup's path is in the status file and validate.
func trackedShort(tracked string) string {
	switch {
	case tracked == "":
		return "-"
	case strings.HasPrefix(tracked, "cgroup "):
		return "cgroup"
	case tracked == "process tree":
		return "tree"
	}
	return escape.Line(strings.TrimPrefix(tracked, "scope "))
}

// table aligns columns by the text a person sees and paints the status
// column afterwards: text/tabwriter would count the colour codes as width
// and shift every column after a painted cell.
type table struct {
	color bool
	rows  [][]string
	state []State
}

// statusColumn is the column Text paints.
const statusColumn = 1

func (t *table) add(st State, cells ...string) {
	t.rows = append(t.rows, cells)
	t.state = append(t.state, st)
}

func (t *table) write(b *strings.Builder) {
	var widths []int
	for _, row := range t.rows {
		for i, c := range row {
			if i == len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	for r, row := range t.rows {
		var line strings.Builder
		for i, c := range row {
			cell := c
			if i == statusColumn && r > 0 {
				cell = Paint(c, t.state[r], t.color)
			}
			line.WriteString(cell)
			if i < len(row)-1 {
				line.WriteString(strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c)+2))
			}
		}
		b.WriteString(strings.TrimRight(line.String(), " "))
		b.WriteByte('\n')
	}
}

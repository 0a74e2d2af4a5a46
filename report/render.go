package report

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"
)

// Nagios renders the plugin output: a first line with the state, summary and
// performance data, then one line per daemon (the plugin's long output).
func (st *Status) Nagios() string {
	var b strings.Builder
	fmt.Fprintf(&b, "CORTEX %s - %s | %s\n", st.State, st.Summary, st.perfdata())
	for _, name := range st.Names() {
		d := st.Daemons[name]
		if d == nil {
			fmt.Fprintf(&b, "%s: not checked yet\n", name)
			continue
		}
		fmt.Fprintf(&b, "%s: %s\n", name, d.line())
	}
	return b.String()
}

// perfdata follows the plugin guidelines: 'label'=value[UOM];warn;crit;min;max.
// "running" goes critical below the number checked; each daemon's instance
// count goes critical below 1 and warns above max_instances.
func (st *Status) perfdata() string {
	checked, running := 0, 0
	var fields []string
	for _, name := range st.Names() {
		d := st.Daemons[name]
		if d == nil || !d.Checked {
			continue
		}
		checked++
		if d.Running() {
			running++
		}
		warn := ""
		if d.MaxInstances > 0 {
			warn = fmt.Sprint(d.MaxInstances)
		}
		fields = append(fields, fmt.Sprintf("%s=%d;%s;1:;0;", perfLabel(name), d.Instances, warn))
	}
	head := []string{
		fmt.Sprintf("'running'=%d;;%d:;0;%d", running, checked, checked),
		fmt.Sprintf("'duration'=%.3fs;;;0;", float64(st.DurationMS)/1000),
	}
	return strings.Join(append(head, fields...), " ")
}

// perfLabel quotes a label; the guidelines double a single quote inside it
// and forbid '='.
func perfLabel(name string) string {
	name = strings.ReplaceAll(name, "=", "_")
	return "'" + strings.ReplaceAll(name, "'", "''") + "'"
}

// line is one daemon in a sentence: what it is, and what to do if it is wrong.
func (d *Daemon) line() string {
	var parts []string
	if d.Running() {
		parts = append(parts, fmt.Sprintf("running, PID %d", *d.PID))
		if d.Instances != 1 {
			parts = append(parts, fmt.Sprintf("%d instances", d.Instances))
		}
		if d.UptimeSeconds != nil {
			parts = append(parts, "up "+HumanDuration(time.Duration(*d.UptimeSeconds)*time.Second))
		}
	} else {
		parts = append(parts, "stopped")
	}
	if d.Action != ActionNone && d.Action != "" {
		parts = append(parts, "action "+d.Action)
	}
	s := strings.Join(parts, ", ")
	if !d.Checked {
		s += " (not checked this pass; last checked " + d.CheckedAt.Format(time.RFC3339) + ")"
	}
	if d.Message != "" {
		s += " - " + d.Message
	}
	return s + d.advice()
}

// advice is what to do about a stopped daemon nobody acted on.
func (d *Daemon) advice() string {
	if d.Running() || !d.Checked || (d.Action != ActionNone && d.Action != "") {
		return ""
	}
	if d.CanStart {
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

func paint(s, color string, on bool) string {
	if !on || color == "" {
		return s
	}
	return color + s + reset
}

func (s State) color() string {
	return [...]string{OK: green, Warning: yellow, Critical: red, Unknown: yellow}[s]
}

// Text renders a table for a person, like monit summary; color adds ANSI
// colours to the states.
func (st *Status) Text(color bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "cortex-check %s on %s, written %s: %s\n\n", paint(st.State.String(), st.State.color(), color),
		st.Host, st.CheckedAt.Local().Format(time.RFC3339), st.Summary)
	// tabwriter counts escape codes as width: every cell of the status
	// column is painted, so each gets the same extra width and they align.
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "DAEMON\tSTATUS\tPID\tUPTIME\tACTION\tRESTARTS\tMESSAGE")
	for _, name := range st.Names() {
		d := st.Daemons[name]
		if d == nil {
			fmt.Fprintf(tw, "%s\t%s\t-\t-\t-\t-\tnot checked yet\n", name, paint("unknown", yellow, color))
			continue
		}
		pid, uptime := "-", "-"
		if d.PID != nil {
			pid = fmt.Sprint(*d.PID)
		}
		if d.UptimeSeconds != nil {
			uptime = HumanDuration(time.Duration(*d.UptimeSeconds) * time.Second)
		}
		status := d.Status
		if !d.Checked {
			status += "?"
		}
		status = paint(status, d.State.color(), color)
		action := d.Action
		if action == "" {
			action = ActionNone
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\n", name, status, pid, uptime, action, len(d.Restarts), oneLine(d.Message+d.advice()))
	}
	tw.Flush()
	return b.String()
}

// oneLine keeps a table row on one line whatever a message holds.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// HumanDuration writes d the way a person reads an uptime: 45s, 3h12m, 2d4h.
func HumanDuration(d time.Duration) string {
	d = d.Truncate(time.Second)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	case d < 24*time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%dd%02dh", int(d.Hours())/24, int(d.Hours())%24)
}

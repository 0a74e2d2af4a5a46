package pass

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/cortex/cortex-check/check"
	"github.com/cortex/cortex-check/human"
	"github.com/cortex/cortex-check/report"
)

// Meters read what a pass measures beyond the process table's one read. A
// nil field is not measured (tests, other platforms).
type Meters struct {
	// FDs counts a process's open descriptors (/proc/PID/fd).
	FDs func(pid int) (int, error)
	// Group reads a daemon's control group's memory and CPU.
	Group func(name string) GroupUsage
	// Exe reads where a process's program is (/proc/PID/exe): " (deleted)"
	// at its end when it was replaced or removed since it started.
	Exe func(pid int) (string, error)
	// ModTime is a restart_on_change file's modification time, looked
	// at without following a link that others control (trust.ModTime).
	ModTime func(path string) (time.Time, error)
	// Holders names the processes that hold a listening socket at an
	// address (check.PortHolders).
	Holders HoldersFunc
	// CheckProbe says whether a daemon's exec probe can be run at all.
	CheckProbe func(d *check.Daemon) error
}

// GroupUsage is a control group's usage (cgroup.Usage).
type GroupUsage struct {
	Memory   int64
	MemoryOK bool
	CPU      time.Duration
	CPUOK    bool
}

// measure sets each judged running daemon's figures and, from them and
// its files, why it is WARNING or to be restarted though it runs: a limit
// held for its passes, a change since it started. It reads nothing more
// of /proc than the figures need: the descriptors of the daemon's own
// processes, its group's two files, its main process's program link.
func (r *run) measure(verdicts []check.Verdict) {
	now := r.w.Now()
	writer := r.observer == ""
	for i := range r.cfg.Daemons {
		d := &r.cfg.Daemons[i]
		e := r.st.Daemons[d.Name]
		if e == nil || !e.Checked {
			continue
		}
		v := &verdicts[i].Result
		if (!v.Running() && v.Condition != check.Suspended) || !v.Usage.Known {
			continue // its last figures stay, for the CPU counter
		}
		prev := e.Figures
		e.Figures = r.figures(d, v, prev, now)
		newInstance := prev == nil || prev.Sample.PID != v.PID || !prev.Sample.Started.Equal(v.StartedAt)
		if !v.Running() {
			continue
		}
		r.limits(d, e, newInstance, now, writer)
		r.stale(d, e, v)
	}
}

// figures measures one daemon: the usage summed from the process table,
// its group's counters where the kernel keeps them, its descriptors.
func (r *run) figures(d *check.Daemon, v *check.Result, prev *report.Figures, now time.Time) *report.Figures {
	f := &report.Figures{MemoryBytes: v.Usage.RSS, MemorySource: "rss", Threads: v.Usage.Threads,
		MaxMemory: d.Limits.MaxMemory, MaxCPU: d.Limits.MaxCPU}
	sample := report.CPUSample{At: now.UTC(), Seconds: v.Usage.CPU.Seconds(), PID: v.PID, Started: v.StartedAt.UTC(), Source: "processes"}
	if _, grouped := r.groups[d.Name]; grouped && r.w.Meters.Group != nil {
		g := r.w.Meters.Group(d.Name)
		if g.MemoryOK {
			f.MemoryBytes, f.MemorySource = g.Memory, "cgroup"
		}
		if g.CPUOK {
			sample.Seconds, sample.Source = g.CPU.Seconds(), "cgroup"
		}
	}
	f.CPUPercent, f.CPUSecondsTotal = report.NextCPU(prev, sample)
	f.Sample = sample
	if r.w.Meters.FDs != nil {
		f.OpenFDs = countFDs(r.w.Meters.FDs, v.Members)
	}
	return f
}

// countFDs sums the descriptors of pids; nil when one of them may not be
// listed (another user's process, for a pass that is not root). A process
// gone meanwhile counts none.
func countFDs(count func(int) (int, error), pids []int) *int {
	total := 0
	for _, pid := range pids {
		n, err := count(pid)
		switch {
		case errors.Is(err, fs.ErrNotExist):
		case err != nil:
			return nil
		}
		total += n
	}
	return &total
}

// limits counts the passes a running daemon's figures have been over
// their limits, as probe failures are counted: by writers only, at most
// once per half an interval, reset by a writer that finds the figure
// under its limit and by a new instance. At for passes the daemon is
// WARNING, or, with on_limit = "restart", to be restarted by --fix.
func (r *run) limits(d *check.Daemon, e *report.Daemon, newInstance bool, now time.Time, writer bool) {
	if newInstance || (d.Limits.MaxMemory == 0 && d.Limits.MaxCPU == 0) {
		e.Limits = nil
	}
	for _, rd := range readings(d, e.Figures) {
		if !rd.over {
			if writer {
				delete(e.Limits, rd.key)
			}
			continue
		}
		overLimit(d, e, rd, r.countLimit(e, rd.key, now, writer))
	}
}

// reading is one figure measured this pass against its limit.
type reading struct {
	key, limitKey string // "memory", "max_memory"
	figure, limit string // as shown
	over          bool
}

// readings are the daemon's figures that have a limit and were measured
// this pass: one not measured leaves its count as it stands.
func readings(d *check.Daemon, f *report.Figures) []reading {
	var out []reading
	if d.Limits.MaxMemory > 0 {
		out = append(out, reading{"memory", "max_memory", check.FormatSize(f.MemoryBytes), check.FormatSize(d.Limits.MaxMemory), f.MemoryBytes > d.Limits.MaxMemory})
	}
	if d.Limits.MaxCPU > 0 && f.CPUPercent != nil {
		pct := *f.CPUPercent
		out = append(out, reading{"cpu", "max_cpu", check.FormatPercent(pct), check.FormatPercent(d.Limits.MaxCPU), pct > d.Limits.MaxCPU})
	}
	return out
}

// countLimit counts a pass over a limit, at most once per half an
// interval and by writers only, and returns the run of passes so far.
func (r *run) countLimit(e *report.Daemon, key string, now time.Time, writer bool) int {
	c := e.Limits[key]
	if writer && (c == nil || now.Sub(c.Counted) >= r.cfg.Interval/2) {
		if c == nil {
			if e.Limits == nil {
				e.Limits = map[string]*report.LimitCount{}
			}
			c = &report.LimitCount{Since: now.UTC().Truncate(time.Second)}
			e.Limits[key] = c
		}
		c.Passes++
		c.Counted = now.UTC().Truncate(time.Millisecond)
	}
	if c == nil {
		return 0
	}
	return c.Passes
}

// overLimit says what a figure over its limit for passes means: a note
// until it has lasted limits' for, then a warning, and a heal where the
// config says to restart.
func overLimit(d *check.Daemon, e *report.Daemon, rd reading, passes int) {
	text := fmt.Sprintf("%s %s over %s %s", rd.key, rd.figure, rd.limitKey, rd.limit)
	if passes < d.Limits.For {
		addMessage(e, fmt.Sprintf("%s (%d of %d passes before it counts)", text, max(passes, 1), d.Limits.For))
		return
	}
	text += fmt.Sprintf(" for %d passes", passes)
	if d.Limits.Restart && e.Heal == "" && len(d.Start) > 0 {
		e.Heal = text
	}
	warn := text
	if d.Limits.Restart && len(d.Start) > 0 {
		warn += " (on_limit = \"restart\": cortex-check --fix restarts it)"
	}
	e.Warnings = append(e.Warnings, report.Concern{Kind: report.WarnLimit, Text: warn})
	addMessage(e, warn)
}

// staleSlack is the precision of a process's start time (the boot time
// is known to a second): a file must have changed more than that after
// the start to count.
const staleSlack = time.Second

// stale flags a daemon that runs what has changed since it started: a
// restart_on_change file modified after its main process started, or,
// without that key, its main process's program replaced or removed (an
// upgrade). It is WARNING, or, with on_change = "restart", to be
// restarted by --fix.
func (r *run) stale(d *check.Daemon, e *report.Daemon, v *check.Result) {
	if v.StartedAt.IsZero() || v.PID <= 0 {
		return
	}
	why := ""
	if d.RestartOnChange != nil {
		if r.w.Meters.ModTime == nil {
			return
		}
		for _, file := range d.RestartOnChange {
			mt, err := r.w.Meters.ModTime(file)
			if err != nil {
				addMessage(e, "restart_on_change "+file+" not looked at: "+strings.TrimPrefix(err.Error(), "restart_on_change "+file+": "))
				continue
			}
			if after := mt.Sub(v.StartedAt); after > staleSlack && why == "" {
				why = fmt.Sprintf("stale: %s changed %s after it started", file, human.Age(after))
			}
		}
	} else if r.w.Meters.Exe != nil {
		if exe, err := r.w.Meters.Exe(v.PID); err == nil {
			if prog, deleted := strings.CutSuffix(exe, " (deleted)"); deleted {
				why = fmt.Sprintf("stale: its program %s was replaced or removed after it started (PID %d runs the old one, (deleted))", prog, v.PID)
			}
		}
	}
	if why == "" {
		return
	}
	warn := why
	if d.OnChangeRestart && len(d.Start) > 0 {
		warn += " (on_change = \"restart\": cortex-check --fix restarts it)"
		if e.Heal == "" {
			e.Heal = why
		}
	}
	e.Warnings = append(e.Warnings, report.Concern{Kind: report.WarnStale, Text: warn})
	addMessage(e, warn)
}

// addMessage adds a clause to a daemon's message.
func addMessage(e *report.Daemon, s string) {
	if e.Message == "" {
		e.Message = s
		return
	}
	e.Message += "; " + s
}

// heal is why --fix restarts a daemon that runs: a limit held with
// on_limit = "restart", or a change with on_change = "restart". At most
// one stale daemon a pass: an upgrade that touches every daemon's files
// restarts them one by one, pass after pass, never all at once.
func heal(e *report.Daemon, staleTaken *bool) string {
	if e.Heal == "" || e.Hold != nil {
		return ""
	}
	if strings.HasPrefix(e.Heal, "stale: ") {
		if *staleTaken {
			addMessage(e, "not restarted this pass: one stale daemon a pass")
			return ""
		}
		*staleTaken = true
	}
	return e.Heal
}

package report

import (
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/cortex/cortex-check/check"
)

// Figures are what a running daemon uses, measured every pass.
type Figures struct {
	// MemoryBytes is the sum of its processes' resident sets, or its
	// control group's memory.current (which counts page cache too) where
	// the group has the memory controller: MemorySource says which, "rss"
	// or "cgroup".
	MemoryBytes  int64  `json:"memory_bytes"`
	MemorySource string `json:"memory_source"`
	// CPUPercent is the CPU it used since the previous writer pass, in
	// percent of one core (200 is two cores busy); null on the first
	// pass that sees this instance, and when a process of it exited
	// since (its time left with it, so the sum went down).
	CPUPercent *float64 `json:"cpu_percent"`
	// CPUSecondsTotal counts the CPU time it used while the status file
	// knew it, across restarts: a counter that only grows (a process's
	// time since the last pass is lost when it exits).
	CPUSecondsTotal float64 `json:"cpu_seconds_total"`
	Threads         int     `json:"threads"`
	// OpenFDs is the sum of its processes' open descriptors; null where
	// they may not be listed (a pass that is not root).
	OpenFDs *int `json:"open_fds"`
	// Sample is the CPU reading this pass's percentage came from, kept
	// for the next pass's.
	Sample CPUSample `json:"cpu_sample"`
	// MaxMemory and MaxCPU are its limits (0: none), for the perfdata's
	// warning thresholds.
	MaxMemory int64   `json:"max_memory,omitempty"`
	MaxCPU    float64 `json:"max_cpu,omitempty"`
}

// CPUSample is one reading of a daemon's CPU time.
type CPUSample struct {
	At time.Time `json:"at"`
	// Seconds is the CPU time its processes had used (or its group,
	// exited members included).
	Seconds float64 `json:"seconds"`
	// PID and Started name the instance: a restarted daemon is another
	// one, whose time starts afresh.
	PID     int       `json:"pid"`
	Started time.Time `json:"started,omitzero"`
	// Source is "processes" (utime+stime in /proc, to a clock tick) or
	// "cgroup" (cpu.stat's usage_usec).
	Source string `json:"source"`
}

// same says whether two samples are of one instance, read the same way.
func (s CPUSample) same(o CPUSample) bool {
	return s.PID == o.PID && s.Started.Equal(o.Started) && s.Source == o.Source
}

// NextCPU folds a reading into the last writer's figures: the percentage
// of one core used between the two readings, and the counter. prev is
// nil on the first pass.
//
//   - The same instance: percent = (now.Seconds - prev.Seconds) /
//     elapsed; the counter grows by the difference. When the difference
//     is negative (a process of the daemon exited and took its time with
//     it), there is no percentage, and the counter does not move.
//   - Another instance (restarted, or first seen): no percentage yet; the
//     counter grows by all the new instance's time.
func NextCPU(prev *Figures, now CPUSample) (percent *float64, total float64) {
	if prev == nil || prev.Sample.At.IsZero() {
		return nil, now.Seconds
	}
	if !prev.Sample.same(now) {
		return nil, prev.CPUSecondsTotal + now.Seconds
	}
	delta := now.Seconds - prev.Sample.Seconds
	elapsed := now.At.Sub(prev.Sample.At).Seconds()
	if delta < 0 {
		return nil, prev.CPUSecondsTotal
	}
	total = prev.CPUSecondsTotal + delta
	if elapsed <= 0 {
		return nil, total
	}
	p := delta / elapsed * 100
	return &p, total
}

// LimitCount is the run of writer passes a figure has been over its
// limit, kept from one pass to the next like a probe's failures.
type LimitCount struct {
	Passes int `json:"passes"`
	// Since is when the run began; Counted when a writer last moved it
	// (at most once per half an interval).
	Since   time.Time `json:"since"`
	Counted time.Time `json:"counted_at"`
}

// Concern is why a running daemon is WARNING: over a limit, stale, or
// its report-only probe failing.
type Concern struct {
	Kind string `json:"kind"` // "limit", "stale" or "probe"
	Text string `json:"text"`
}

// The kinds of Concern.
const (
	WarnLimit = "limit"
	WarnStale = "stale"
	WarnProbe = "probe"
)

// concernKinds are the summary's findings for a daemon's warnings, each
// once.
func concernKinds(ws []Concern) []kind {
	var out []kind
	for _, w := range ws {
		k := map[string]kind{WarnLimit: kindOverLimit, WarnStale: kindStale, WarnProbe: kindProbeAlert}[w.Kind]
		if !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out
}

// CurrentFigures are the daemon's figures when they are of the instance
// that runs now: after a restart, the file keeps the old instance's (for
// the CPU counter) until a pass measures the new one.
func (d *Daemon) CurrentFigures() *Figures {
	if d.Figures == nil || !d.Running() || d.PID == nil || d.Figures.Sample.PID != *d.PID {
		return nil
	}
	return d.Figures
}

// columns are the text table's MEM, CPU, THR and FDS cells.
func (f *Figures) columns() (mem, cpu, threads, fds string) {
	if f == nil {
		return "-", "-", "-", "-"
	}
	mem, cpu, threads, fds = check.FormatSize(f.MemoryBytes), "-", strconv.Itoa(f.Threads), "-"
	if f.CPUPercent != nil {
		cpu = check.FormatPercent(*f.CPUPercent)
	}
	if f.OpenFDs != nil {
		fds = strconv.Itoa(*f.OpenFDs)
	}
	return mem, cpu, threads, fds
}

// perfdata are a running daemon's figures for the plugin: its memory in
// bytes and its CPU in percent of one core, each warning at its limit.
func (f *Figures) perfdata(name string) []string {
	if f == nil {
		return nil
	}
	warn := ""
	if f.MaxMemory > 0 {
		warn = strconv.FormatInt(f.MaxMemory, 10)
	}
	out := []string{fmt.Sprintf("%s=%dB;%s;;0;", perfLabel(name+" rss"), f.MemoryBytes, warn)}
	if f.CPUPercent != nil {
		warn = ""
		if f.MaxCPU > 0 {
			warn = strconv.FormatFloat(f.MaxCPU, 'f', -1, 64)
		}
		out = append(out, fmt.Sprintf("%s=%s%%;%s;;0;", perfLabel(name+" cpu"), strconv.FormatFloat(*f.CPUPercent, 'f', 1, 64), warn))
	}
	return out
}

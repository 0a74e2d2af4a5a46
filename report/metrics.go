package report

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cortex/cortex-check/escape"
	"github.com/cortex/cortex-check/probe"
)

// Metrics renders the status in the Prometheus text format, for
// node_exporter's textfile collector: one prefix, base units, _total only
// on counters, label values escaped.
func (st *Status) Metrics() []byte {
	var b strings.Builder
	family := func(name, typ, help string) {
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, typ)
	}
	names := st.Names()
	perDaemon := func(name, typ, help string, value func(d *Daemon) (float64, bool)) {
		family(name, typ, help)
		for _, n := range names {
			d := st.Daemons[n]
			if d == nil {
				continue
			}
			if v, ok := value(d); ok {
				fmt.Fprintf(&b, "%s{daemon=\"%s\"} %s\n", name, labelValue(n), decimal(v))
			}
		}
	}
	perDaemon("cortex_daemon_up", "gauge", "Whether the daemon was running at its last check (1) or not (0).",
		func(d *Daemon) (float64, bool) { return boolFloat(d.Running()), true })
	perDaemon("cortex_daemon_instances", "gauge", "Process trees that match the daemon.",
		func(d *Daemon) (float64, bool) { return float64(d.Instances), true })
	perDaemon("cortex_daemon_start_time_seconds", "gauge", "Start time of the daemon's main process, seconds since the Unix epoch.",
		func(d *Daemon) (float64, bool) {
			if d.StartedAt == nil {
				return 0, false
			}
			return float64(d.StartedAt.Unix()), true
		})
	perDaemon("cortex_daemon_healthy", "gauge", "Whether the daemon's health probe passed at its last check (1) or not (0); no sample for a daemon without a probe.",
		func(d *Daemon) (float64, bool) {
			if d.Probe == nil {
				return 0, false
			}
			return boolFloat(d.Probe.Result == probe.Healthy), true
		})
	perDaemon("cortex_probe_duration_seconds", "gauge", "How long the daemon's health probe took at its last check.",
		func(d *Daemon) (float64, bool) {
			if d.Probe == nil {
				return 0, false
			}
			return d.Probe.Latency, true
		})
	perDaemon("cortex_daemon_held", "gauge", "Whether a person holds the daemon (cortex-check hold or stop): --fix leaves it alone (1) or not (0).",
		func(d *Daemon) (float64, bool) { return boolFloat(d.Hold.Active(st.CheckedAt)), true })
	perDaemon("cortex_daemon_held_back", "gauge", "Whether the flap guard holds the daemon's restarts back (1) or not (0): it stays down until a person acts.",
		func(d *Daemon) (float64, bool) { return boolFloat(d.HeldBack != nil && !d.Running()), true })
	perDaemon("cortex_daemon_memory_bytes", "gauge", "Memory the running daemon's processes use: the sum of their resident sets, or its control group's memory.current; no sample while it is down.",
		func(d *Daemon) (float64, bool) {
			if d.CurrentFigures() == nil {
				return 0, false
			}
			return float64(d.Figures.MemoryBytes), true
		})
	perDaemon("cortex_daemon_cpu_seconds_total", "counter", "CPU time the daemon's processes used while cortex-check watched it, across restarts; resets when the status file is removed.",
		func(d *Daemon) (float64, bool) {
			if d.Figures == nil {
				return 0, false
			}
			return d.Figures.CPUSecondsTotal, true
		})
	perDaemon("cortex_daemon_threads", "gauge", "Threads of the running daemon's processes; no sample while it is down.",
		func(d *Daemon) (float64, bool) {
			if d.CurrentFigures() == nil {
				return 0, false
			}
			return float64(d.Figures.Threads), true
		})
	perDaemon("cortex_daemon_open_fds", "gauge", "Open file descriptors of the running daemon's processes; no sample where the pass may not list them (not root).",
		func(d *Daemon) (float64, bool) {
			if d.CurrentFigures() == nil || d.Figures.OpenFDs == nil {
				return 0, false
			}
			return float64(*d.Figures.OpenFDs), true
		})
	perDaemon("cortex_daemon_restarts_total", "counter", "Restart attempts by cortex-check --fix, failed ones included; resets when the status file is removed.",
		func(d *Daemon) (float64, bool) { return float64(d.RestartsTotal), true })

	passMetrics(&b, st.LastTimer(), float64(st.DurationMS)/1000, st.ExitCode, st.Version)
	return []byte(b.String())
}

// passMetrics writes the pass's own metrics, which every textfile has.
func passMetrics(b *strings.Builder, lastRun time.Time, took float64, code int, version string) {
	family := func(name, typ, help string) {
		fmt.Fprintf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, typ)
	}
	family("cortex_check_last_run_timestamp_seconds", "gauge", "When the last pass ran, seconds since the Unix epoch.")
	fmt.Fprintf(b, "cortex_check_last_run_timestamp_seconds %d\n", lastRun.Unix())
	family("cortex_check_duration_seconds", "gauge", "How long the last pass took.")
	fmt.Fprintf(b, "cortex_check_duration_seconds %.3f\n", took)
	family("cortex_check_state", "gauge", "The last pass's state as its exit code: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.")
	fmt.Fprintf(b, "cortex_check_state %d\n", code)
	family("cortex_check_build_info", "gauge", "Always 1; the version of cortex-check that wrote the metrics.")
	fmt.Fprintf(b, "cortex_check_build_info{version=\"%s\"} 1\n", labelValue(version))
}

// maxReason bounds cortex_check_config_error's reason: a label value is
// held in every sample's series, and the whole error is in the pass's
// output.
const maxReason = 300

// ConfigErrorMetrics is the textfile of a writer that could not read or
// parse its config, at now: the pass ran (so no alert says the timer has
// stopped), it could not judge (cortex_check_state 3, where the last value
// would otherwise stay), and why (cortex_check_config_error{reason}). With
// no config there are no daemons, so no daemon's series: node_exporter
// drops them, and only the pass's own stay.
func ConfigErrorMetrics(now time.Time, took time.Duration, version, reason string) []byte {
	var b strings.Builder
	passMetrics(&b, now, took.Seconds(), int(Unknown), version)
	b.WriteString("# HELP cortex_check_config_error 1 while the pass cannot read or parse its config (the reason says why); absent otherwise.\n# TYPE cortex_check_config_error gauge\n")
	fmt.Fprintf(&b, "cortex_check_config_error{reason=\"%s\"} 1\n", labelValue(escape.Truncate(escape.Line(reason), maxReason)))
	return []byte(b.String())
}

// decimal writes a sample value as Prometheus's own exporters do: plain
// digits, never exponent notation (a start time is 1764126000, not
// 1.764126e+09).
func decimal(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// labelValue escapes a label value as the text format requires.
func labelValue(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s)
}

func boolFloat(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

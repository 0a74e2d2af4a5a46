package pass

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cortex/cortex-check/check"
	"github.com/cortex/cortex-check/probe"
	"github.com/cortex/cortex-check/report"
)

// checkHealth runs the probes of the judged daemons that run and have
// one, all at once, within the pass's deadline, and folds each result
// into the daemon's entry: the count of failing passes (advanced by
// writers only), and "unhealthy" once it reaches the probe's failures.
//
// A writer counts a failure at most once per half an interval: passes
// that come faster (--fix --wait, a person's passes beside the timer's)
// report the probe without counting it, so that failures keeps meaning
// "this many intervals".
func checkHealth(ctx context.Context, daemons []check.Daemon, st *report.Status, writer bool, w World, deadline time.Time, untrusted error, interval time.Duration) {
	var targets []probe.Target
	var probed []*check.Daemon
	for i := range daemons {
		d := &daemons[i]
		e := st.Daemons[d.Name]
		if e == nil || d.Probe == nil {
			if e != nil {
				e.Probe = nil
			}
			continue
		}
		// A probe of what does not run says nothing new. A suspended
		// daemon is probed: with a probe, the probe decides whether it is
		// unhealthy and --fix replaces it; without, it is left alone.
		if !e.Running() && e.Status != check.Suspended || e.ProbeNotRun() {
			continue
		}
		target := probe.Target{Spec: *d.Probe, Exec: w.ProbeExec(d)}
		if untrusted != nil && d.Probe.Kind() == probe.KindExec {
			// An exec probe runs a command: not from a config others
			// could have changed, whatever the pass.
			target.Exec = func(context.Context, []string) ([]byte, error) {
				return nil, errors.New("not run: the config is not trusted (see the warning)")
			}
		}
		targets = append(targets, target)
		probed = append(probed, d)
	}
	if len(targets) == 0 {
		return
	}
	ctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	results := w.Probe(ctx, targets)
	now := w.Now()
	for i, d := range probed {
		e, r := st.Daemons[d.Name], results[i]
		var prev probe.Count
		if e.Probe != nil {
			prev = e.Probe.Count
		}
		var started time.Time
		if e.StartedAt != nil {
			started = *e.StartedAt
		}
		var counted time.Time // when the count last moved
		if e.Probe != nil {
			counted = e.Probe.Counted
		}
		counts := writer && (r.Healthy || prev.Failures == 0 || now.Sub(counted) >= interval/2)
		count, verdict := probe.Next(prev, r, probe.InGrace(started, now, d.Probe.Grace), counts, d.Probe.Failures)
		if counts {
			counted = now.UTC().Truncate(time.Millisecond)
		}
		e.Probe = &report.Probe{Kind: string(d.Probe.Kind()), Result: verdict, At: r.At.UTC().Truncate(time.Millisecond), Counted: counted,
			Latency: r.Latency.Seconds(), Error: r.Err, Count: count}
		switch verdict {
		case probe.Unhealthy:
			e.Status = check.Unhealthy
			n := max(count.Failures, d.Probe.Failures)
			times := fmt.Sprintf("%d passes in a row", n)
			if n == 1 {
				times = "at its first check"
			}
			e.Message = fmt.Sprintf("%s failed %s (failures = %d): %s", d.Probe.Describe(), times, d.Probe.Failures, r.Err)
		case probe.Failing:
			e.Message = fmt.Sprintf("%s failed (%d of %d before unhealthy): %s", d.Probe.Describe(), max(count.Failures, 1), d.Probe.Failures, r.Err)
		case probe.Starting:
			e.Message = fmt.Sprintf("%s failed inside its grace after start: %s", d.Probe.Describe(), r.Err)
		}
	}
}

// readiness is the probe a start must pass to count as restarted: nil
// when the daemon has none.
func readiness(ctx context.Context, w World) func(d *check.Daemon) (bool, string) {
	return func(d *check.Daemon) (bool, string) {
		if d.Probe == nil {
			return true, ""
		}
		r := w.Probe(ctx, []probe.Target{{Spec: *d.Probe, Exec: w.ProbeExec(d)}})[0]
		return r.Healthy, r.Err
	}
}

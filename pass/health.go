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
func (r *run) checkHealth() {
	targets, probed := r.probeTargets()
	if len(targets) == 0 {
		return
	}
	ctx, cancel := context.WithDeadline(r.ctx, r.started.Add(r.opt.Timeout))
	defer cancel()
	results := r.w.Probe(ctx, targets)
	now := r.w.Now()
	for i, d := range probed {
		r.foldProbe(d, results[i], now)
	}
}

// probeTargets are the probes to run: those of the judged daemons that
// run (or are suspended) and have a probe that can run.
func (r *run) probeTargets() ([]probe.Target, []*check.Daemon) {
	var targets []probe.Target
	var probed []*check.Daemon
	for i := range r.daemons {
		d := &r.daemons[i]
		e := r.st.Daemons[d.Name]
		if e == nil || d.Probe == nil {
			if e != nil {
				e.Probe = nil
			}
			continue
		}
		// A probe of what does not run says nothing new. A suspended
		// daemon is probed: with a probe, the probe decides whether it is
		// unhealthy and --fix replaces it; without, it is left alone.
		if !e.Running() && e.Status != check.Suspended || e.ProbeNotRun() || e.Seen != nil {
			continue // an observer reports the writer's verdict (borrow)
		}
		target := probe.Target{Spec: *d.Probe, Exec: r.w.ProbeExec(d)}
		if r.opt.ConfigUntrusted != nil && d.Probe.Kind() == probe.KindExec {
			// An exec probe runs a command: not from a config others
			// could have changed, whatever the pass.
			target.Exec = func(context.Context, []string) ([]byte, error) {
				return nil, errors.New("not run: the config is not trusted (see the warning)")
			}
		}
		targets = append(targets, target)
		probed = append(probed, d)
	}
	return targets, probed
}

// foldProbe folds a probe's result into its daemon's entry.
func (r *run) foldProbe(d *check.Daemon, res probe.Result, now time.Time) {
	e := r.st.Daemons[d.Name]
	var prev probe.Count
	var counted time.Time // when the count last moved
	if e.Probe != nil {
		prev, counted = e.Probe.Count, e.Probe.Counted
	}
	var started time.Time
	if e.StartedAt != nil {
		started = *e.StartedAt
	}
	counts := r.observer == "" && (res.Healthy || prev.Failures == 0 || now.Sub(counted) >= r.cfg.Interval/2)
	count, verdict := probe.Next(prev, res, probe.InGrace(started, now, d.Probe.Grace), counts, d.Probe.Failures)
	if counts {
		counted = now.UTC().Truncate(time.Millisecond)
	}
	e.Probe = &report.Probe{Kind: string(d.Probe.Kind()), Result: verdict, At: res.At.UTC().Truncate(time.Millisecond), Counted: counted,
		Latency: res.Latency.Seconds(), Error: res.Err, Count: count}
	switch verdict {
	case probe.Unhealthy:
		e.Status = check.Unhealthy
		n := max(count.Failures, d.Probe.Failures)
		times := fmt.Sprintf("%d passes in a row", n)
		if n == 1 {
			times = "at its first check"
		}
		e.Message = fmt.Sprintf("%s failed %s (failures = %d): %s", d.Probe.Describe(), times, d.Probe.Failures, res.Err)
	case probe.Failing:
		e.Message = fmt.Sprintf("%s failed (%d of %d before unhealthy): %s", d.Probe.Describe(), max(count.Failures, 1), d.Probe.Failures, res.Err)
	case probe.Starting:
		e.Message = fmt.Sprintf("%s failed inside its grace after start: %s", d.Probe.Describe(), res.Err)
	}
}

// readiness is the probe a start must pass to count as restarted: none
// when the daemon has none.
func (r *run) readiness(d *check.Daemon) (bool, string) {
	if d.Probe == nil {
		return true, ""
	}
	res := r.w.Probe(r.ctx, []probe.Target{{Spec: *d.Probe, Exec: r.w.ProbeExec(d)}})[0]
	return res.Healthy, res.Err
}

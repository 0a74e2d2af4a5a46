package probe

import "time"

// Count is a daemon's run of failing probes, kept in the status file from
// one pass to the next.
type Count struct {
	Failures int       `json:"failures"`       // consecutive failing passes that counted
	Since    time.Time `json:"since,omitzero"` // At of the first of them
}

// Verdict is what a pass concludes about a running daemon's health.
type Verdict string

const (
	Healthy   Verdict = "healthy"   // the probe passed
	Failing   Verdict = "failing"   // it failed, fewer than failures times in a row: maybe a blip
	Unhealthy Verdict = "unhealthy" // it failed failures times in a row or more
	Starting  Verdict = "starting"  // it failed inside the grace after the daemon started: not counted
	// NotRun: the probe cannot be run at all (its program is missing or
	// not executable): a mistake in the config, which decides nothing
	// about the daemon and never stops it.
	NotRun Verdict = "not_run"
)

// Next folds one probe result into the count and judges the daemon.
//
// Only a writer (the pass that writes the status file) advances the count:
// observers run probes too, but if they counted, a probe would fail
// "three passes in a row" whenever three people ran cortex-check at once.
// An observer returns prev unchanged and reports the live result: healthy
// if the probe passed now, unhealthy if it failed and prev already reached
// the limit, failing otherwise.
//
// A success resets the count. Inside grace a failure does not count and
// a writer clears the count, since any count then belongs to an earlier
// process: grace is measured from this process's start. failuresLimit
// below 1 means the default.
func Next(prev Count, r Result, inGrace, writer bool, failuresLimit int) (Count, Verdict) {
	if failuresLimit < 1 {
		failuresLimit = DefaultFailures
	}
	next := prev
	var v Verdict
	switch {
	case r.Healthy:
		next, v = Count{}, Healthy
	case inGrace:
		next, v = Count{}, Starting
	default:
		if next.Failures == 0 {
			next.Since = r.At
		}
		next.Failures++
		v = Failing
		if next.Failures >= failuresLimit {
			v = Unhealthy
		}
	}
	if !writer {
		if v == Unhealthy && prev.Failures < failuresLimit {
			v = Failing // this failure was not counted
		}
		return prev, v
	}
	return next, v
}

// InGrace reports whether a daemon started at started is still inside its
// grace at now. An unknown start (zero) is never in grace: failures count.
func InGrace(started, now time.Time, grace time.Duration) bool {
	return !started.IsZero() && now.Sub(started) < grace
}

package pass

import (
	"fmt"
	"time"

	"github.com/cortex/cortex-check/check"
	"github.com/cortex/cortex-check/report"
	"github.com/cortex/cortex-check/restart"
)

// Verb is what a person asks of named daemons, instead of pkill -f and a
// timer that would start them again 30 seconds later.
type Verb string

const (
	VerbStop    Verb = "stop"    // stop it and hold it, so --fix does not start it again
	VerbStart   Verb = "start"   // release it and start it if it is down
	VerbRestart Verb = "restart" // stop it, release it, start it
	VerbHold    Verb = "hold"    // leave it alone for a while, running or not
	VerbRelease Verb = "release" // end a hold
)

// Act is a verb's part of Options: the daemons are Options.Only.
type Act struct {
	Verb   Verb
	By     string        // who asked, for the hold and the log
	For    time.Duration // how long a hold lasts; 0: until released
	Reason string
}

// act applies a verb to the judged daemons before --fix's work: holds set
// or ended, running instances stopped. start and restart then go through
// the same restart as --fix, flap guard lifted (a person asked).
func act(a Act, daemons []check.Daemon, st *report.Status, snap *check.Snapshot, w World, log *restartLog, now time.Time) {
	for i := range daemons {
		d := &daemons[i]
		e := st.Daemons[d.Name]
		switch a.Verb {
		case VerbHold:
			e.Hold = newHold(a, now)
			log.line(fmt.Sprintf("%s: %s", d.Name, e.Hold.Describe()))
		case VerbStop:
			e.Hold = newHold(a, now)
			if e.Hold.Reason == "" {
				e.Hold.Reason = "stopped by cortex-check stop"
			}
			stopNow(d, e, snap, w, log, now)
			log.line(fmt.Sprintf("%s: stopped; %s", d.Name, e.Hold.Describe()))
		case VerbRestart:
			e.Hold = nil
			stopNow(d, e, snap, w, log, now)
		case VerbStart, VerbRelease:
			if e.Hold != nil {
				log.line(fmt.Sprintf("%s: released by %s (was %s)", d.Name, a.By, e.Hold.Describe()))
			}
			e.Hold = nil
		}
	}
}

func newHold(a Act, now time.Time) *report.Hold {
	h := &report.Hold{By: a.By, Reason: a.Reason, Since: now.UTC().Truncate(time.Second)}
	if a.For > 0 {
		until := now.UTC().Add(a.For) // from now, not from the second shown
		h.Until = &until
	}
	return h
}

// stopNow stops a daemon's running instance, its whole tree, and records
// it stopped.
func stopNow(d *check.Daemon, e *report.Daemon, snap *check.Snapshot, w World, log *restartLog, now time.Time) {
	if e.PID == nil {
		return
	}
	restart.Stop(d, snap.Tree(e.PIDs), w.StopCommand, w.Kill, log.line)
	stopped := report.FromResult(check.Result{Name: d.Name, Condition: check.Stopped, Message: "stopped by cortex-check"}, d.MaxInstances, now)
	stopped.Restarts, stopped.RestartsTotal = e.Restarts, e.RestartsTotal
	stopped.LastRestart, stopped.LastFailure, stopped.Hold = e.LastRestart, e.LastFailure, e.Hold
	*e = *stopped
}

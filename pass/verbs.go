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

// verb applies a verb to the judged daemons before --fix's work: holds set
// or ended, running instances stopped. start and restart then go through
// the same restart as --fix, flap guard lifted (a person asked).
func (r *run) verb(log *restartLog) {
	a, now := r.opt.Act, r.w.Now()
	for i := range r.daemons {
		d := &r.daemons[i]
		e := r.st.Daemons[d.Name]
		switch a.Verb {
		case VerbHold:
			e.Hold = newHold(a, now)
			log.line(fmt.Sprintf("%s: %s", d.Name, e.Hold.Describe()))
		case VerbStop:
			e.Hold = newHold(a, now)
			if e.Hold.Reason == "" {
				e.Hold.Reason = "stopped by cortex-check stop"
			}
			if r.stopNow(d, e, log, now) {
				log.line(fmt.Sprintf("%s: stopped; %s", d.Name, e.Hold.Describe()))
			}
		case VerbRestart:
			// Stop a running instance only for a start that can run.
			if err := canRestart(d, r.w); err != nil {
				e.Message = "not restarted, left as it is: " + err.Error()
				log.line(fmt.Sprintf("%s: %s", d.Name, e.Message))
				continue
			}
			e.Hold = nil
			r.stopNow(d, e, log, now)
		case VerbStart, VerbRelease:
			if e.Hold != nil {
				log.line(fmt.Sprintf("%s: released by %s (was %s)", d.Name, a.By, e.Hold.Describe()))
			}
			e.Hold = nil
		}
	}
}

// VerbCode is a verb's exit code: 0 when it did what was asked for every
// daemon it named, 2 when it did not (a daemon would not stop, or did not
// start), 3 when it could not act. Other daemons' states never count: a
// person who starts nginx learns whether nginx started.
func (r Result) VerbCode(verb Verb, names []string) int {
	if r.Err != nil || r.Status == nil {
		return int(report.Unknown)
	}
	for _, name := range names {
		e := r.Status.Daemons[name]
		if e == nil {
			return int(report.Unknown)
		}
		switch verb {
		case VerbStop:
			if e.Running() || e.Status == check.Suspended || e.Status == check.Orphaned || e.Status == check.Unhealthy {
				return int(report.Critical)
			}
		case VerbStart, VerbRestart:
			if !e.Running() || e.Action == report.ActionRestartFailed || e.Action == report.ActionHeldBack {
				return int(report.Critical)
			}
		}
	}
	return int(report.OK)
}

func newHold(a Act, now time.Time) *report.Hold {
	h := &report.Hold{By: a.By, Reason: a.Reason, Since: now.UTC().Truncate(time.Second)}
	if a.For > 0 {
		until := now.UTC().Add(a.For) // from now, not from the second shown
		h.Until = &until
	}
	return h
}

// canRestart says why restart would leave a daemon down: no start
// command, or a start that would fail.
func canRestart(d *check.Daemon, w World) error {
	if len(d.Start) == 0 {
		return fmt.Errorf("%s has no start command to start it again: add start, or use cortex-check stop", d.Name)
	}
	if w.CheckStart != nil {
		return w.CheckStart(d)
	}
	return nil
}

// stopNow stops a daemon's running instance (or the orphans of a dead
// one), and records it stopped; it says whether it is. With a control
// group the group is emptied; without, its main process tree owned by
// its user: never a process that merely matches its name elsewhere.
func (r *run) stopNow(d *check.Daemon, e *report.Daemon, log *restartLog, now time.Time) bool {
	groups := r.groupPIDs()
	if len(e.PIDs) == 0 && groups[d.Name] == nil {
		return true // nothing runs
	}
	kill := r.killer.Kill
	if groups[d.Name] != nil {
		kill = func(_ []int, grace time.Duration) []int { return r.stopGroup(d.Name, grace) }
	}
	if left := restart.Stop(d, victims(d, e, r.snap, groups), d.StopGrace, r.w.StopCommand, kill, log.line); len(left) > 0 {
		e.Message = fmt.Sprintf("could not be stopped: PIDs %v would not exit, even after SIGKILL (stuck in the kernel, or not this user's to signal)", left)
		return false
	}
	stopped := report.FromResult(check.Result{Name: d.Name, Condition: check.Stopped, Message: "stopped by cortex-check"}, d.MaxInstances, now)
	stopped.History, stopped.Hold = e.History, e.Hold
	if groups[d.Name] != nil {
		// A start left running was in the group just emptied: it is
		// over, and a start after this stop is not a second copy.
		stopped.Starting = nil
	}
	*e = *stopped
	return true
}

package pass

import (
	"fmt"
	"strconv"
	"time"

	"github.com/cortex/cortex-check/check"
	"github.com/cortex/cortex-check/human"
	"github.com/cortex/cortex-check/probe"
	"github.com/cortex/cortex-check/report"
)

// An observer (a monitoring system's check, as nagios) may lack what the
// writer (root's timer) has: the right to read a daemon's pidfile, to see
// other users' processes, to run an exec probe as the daemon's user. Its
// own verdict would then be UNKNOWN on every check, or a probe failing
// for want of setuid while the timer records it healthy. It reports the
// writer's last verdict instead, from the status file, labelled with its
// age, as long as that is at most three intervals old: older, the timer
// may have stopped, and the verdict is UNKNOWN.

// borrowAge is how old a writer's verdict an observer still reports:
// three intervals, as when the status file is stale.
func borrowAge(interval time.Duration) time.Duration { return 3 * interval }

// writerName is the user whose pass wrote the status file.
func (r *run) writerName() string {
	if r.prev == nil {
		return ""
	}
	return r.prev.Writer
}

// borrow is the writer's last verdict of d, for an observer that may not
// judge it (v.Unreadable), or nil: the pass is a writer, it could judge,
// or the writer has no verdict worth reporting. A verdict too old is not
// reported, and v's message says so.
func (r *run) borrow(d *check.Daemon, v *check.Result, now time.Time) *report.Daemon {
	if r.observer == "" || v.Unreadable == "" || r.prev == nil {
		return nil
	}
	w := r.prev.Daemons[d.Name]
	if w == nil || w.Status == check.Unknown || w.CheckedAt.IsZero() {
		return nil
	}
	seen := &report.Seen{By: r.writerName(), At: w.CheckedAt, Why: v.Unreadable}
	if age := now.Sub(w.CheckedAt); age > borrowAge(r.cfg.Interval) {
		v.Message += fmt.Sprintf("; %s, longer ago than three intervals (%s): not reported", seen.Saw(now, string(w.Status)), human.Duration(borrowAge(r.cfg.Interval)))
		return nil
	}
	if w.Running() && r.exitedSince(w) {
		// The process it saw running is gone, as this check can see
		// even where it may not read the pidfile: the daemon died after
		// that pass, and its verdict no longer holds.
		v.Message += fmt.Sprintf("; %s, PID %d, which has exited since: not reported", seen.Saw(now, string(w.Status)), *w.PID)
		return nil
	}
	e := *w
	e.Checked, e.Seen = true, seen
	if e.Action != report.ActionNone {
		// What that pass did is that pass's news: the daemon's state,
		// its last restart and failure stay.
		e.Action, e.Message = report.ActionNone, ""
	}
	if e.Running() && e.StartedAt != nil {
		up := int64(max(now.Sub(*e.StartedAt), 0) / time.Second)
		e.UptimeSeconds = &up
	}
	return &e
}

// sameStart is how far apart two readings of one process's start time
// may be: the status file keeps whole seconds, and the boot time the
// kernel's ticks are counted from moves a little.
const sameStart = 2 * time.Second

// exitedSince says whether the main process the writer saw running has
// exited since, as this pass's process table shows: no such PID, a
// zombie, or another process under that PID (started at another time).
// Where /proc hides other users' processes (hidepid), it cannot tell.
func (r *run) exitedSince(w *report.Daemon) bool {
	if w.PID == nil || r.snap == nil || (r.w.Hidden != nil && r.w.Hidden()) {
		return false
	}
	p, ok := r.snap.Process(*w.PID)
	if !ok || p.Gone() {
		return true
	}
	if w.StartedAt == nil || p.StartTime.IsZero() {
		return false
	}
	d := p.StartTime.Sub(*w.StartedAt)
	return d > sameStart || d < -sameStart
}

// borrowProbes gives an observer that may not run a daemon's exec probe
// as the daemon's user (it is not root, and not that user) the writer's
// last verdict of the probe, which the status file holds; a probe run as
// the observer instead would fail where the daemon's user passes (a
// socket or file only it may use), or pass where it would fail. With no
// verdict, or one older than three intervals, the daemon's health is
// unknown. Its processes are still judged live.
func (r *run) borrowProbes(now time.Time) {
	if r.observer == "" || r.w.EUID == 0 {
		return
	}
	for i := range r.daemons {
		d := &r.daemons[i]
		e := r.st.Daemons[d.Name]
		if e == nil || e.Seen != nil || d.Probe == nil || d.Probe.Kind() != probe.KindExec || d.UID == r.w.EUID {
			continue
		}
		if !e.Running() && e.Status != check.Suspended || e.ProbeNotRun() {
			continue // not probed: as checkHealth
		}
		why := "may not run its exec probe as " + r.userName(d.UID)
		w := e.Probe // the writer's last, kept from the status file
		seen := &report.Seen{By: r.writerName(), At: now, Why: why}
		if w == nil || w.Result == probe.NotRun || now.Sub(w.At) > borrowAge(r.cfg.Interval) {
			last := "no writer pass has probed it"
			if w != nil && w.Result != probe.NotRun {
				seen.At = w.At
				last = fmt.Sprintf("%s, longer ago than three intervals (%s)", seen.Saw(now, string(w.Result)), human.Duration(borrowAge(r.cfg.Interval)))
			}
			e.Probe = &report.Probe{Kind: string(probe.KindExec), Result: probe.NotRun, At: now.UTC().Truncate(time.Millisecond),
				Error: fmt.Sprintf("this check %s, and %s: whether it works is unknown", why, last)}
			addMessage(e, e.Probe.Error)
			continue
		}
		seen.At = w.At
		e.Seen = seen
		if w.Result == probe.Healthy {
			continue
		}
		if w.Result == probe.Unhealthy {
			e.Status = check.Unhealthy
		}
		if old := r.prev.Daemons[d.Name]; old != nil {
			addMessage(e, old.Message)
		}
	}
}

// userName names a uid for messages.
func (r *run) userName(uid int) string {
	if r.w.UserName != nil {
		if name := r.w.UserName(uid); name != "" {
			return name
		}
	}
	return "uid " + strconv.Itoa(uid)
}

// unreadCheck makes an observer that could not read the status file say
// so: WARNING at least, never a clean OK, since what only the writers'
// record holds is out of its sight.
func (r *run) unreadCheck() {
	if r.unread == nil {
		return
	}
	r.st.NotRead()
	me := r.userName(r.w.EUID)
	r.note(fmt.Sprintf("warning: this check cannot read the status file (%v), so it cannot see what only the timer's record says "+
		"(a restart within restart_warning, a daemon held back by the flap guard or held by a person, a stopped timer), so it says WARNING, never OK; "+
		"hint: make %s readable for %s (0644, in folders it can search; cortex-check monitor --run-as %s names what is in the way), or let the timer's next pass replace a damaged one",
		r.unread, r.cfg.StatusFile, me, me))
}

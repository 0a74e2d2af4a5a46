// Package restart brings down daemons back the way an on-call engineer would
// by hand: in dependency order, no more often than the flap guard allows,
// started detached, and counted as restarted only once the daemon is seen
// running. Starting processes and reading the process table are passed in,
// so the decisions are tested with fakes and a fake clock.
package restart

import (
	"cmp"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/cortex/cortex-check/check"
	"github.com/cortex/cortex-check/escape"
	"github.com/cortex/cortex-check/human"
)

// Process is a started start program.
type Process interface {
	PID() int
	// Exited is closed once the program has exited and been reaped.
	Exited() <-chan struct{}
	// ExitErr is the program's exit error (nil for status 0), valid once
	// Exited is closed.
	ExitErr() error
	// LogTail is the last lines the program wrote to its log, the log's
	// path, and whether all may read the log: a private log's lines are
	// never copied into what others read (the status file is 0644).
	LogTail() (lines, path string, public bool)
	// Stop ends a start that could not be verified: the start program,
	// its process group, and every process it spawned that carries its
	// mark, even those that left with setsid or a double fork. It sends
	// SIGTERM, waits up to grace, then SIGKILLs what is left.
	Stop(grace time.Duration)
}

// Runner restarts the daemons of one pass.
type Runner struct {
	Now func() time.Time
	// Snapshot reads the process table afresh; called once per poll for all
	// daemons being verified, never once per daemon.
	Snapshot func() (*check.Snapshot, error)
	// ReadPidfile reads pidfiles for the re-check.
	ReadPidfile func(path string) (check.Pidfile, error)
	// Start starts the daemon's start command detached.
	Start func(d *check.Daemon) (Process, error)
	// Kill stops processes left by a dead main process (orphans): SIGTERM,
	// up to grace, then SIGKILL; it returns when they are gone.
	Kill func(pids []int, grace time.Duration) (left []int)
	// StopGroup empties a daemon's control group the same way and
	// removes it: for a daemon with a group, nothing else is signalled.
	StopGroup func(name string, grace time.Duration) (left []int)
	// Groups reads the daemons' control groups for a poll's judgement;
	// nil where there are none.
	Groups func() map[string]check.Group
	// UserName names a uid in messages.
	UserName func(uid int) string
	// Elsewhere places a process in another daemon's group or a unit.
	Elsewhere func(name string, pid int) (string, bool)
	// MatchBudget bounds the free regexps of each poll (check.Clues).
	MatchBudget time.Duration
	// Creds reads real and saved uids (check.Clues).
	Creds func(pid int) (ruid, suid int, ok bool)
	// Check says whether d's start could run (its program found and
	// trusted), before a running instance is stopped to restart it.
	Check func(d *check.Daemon) error
	// StopCommand runs a daemon's own stop command and waits for it.
	StopCommand func(d *check.Daemon) error
	// Ready says whether a started daemon that runs is ready (its probe
	// passes), and why not; nil: running is ready.
	Ready func(d *check.Daemon) (bool, string)
	// Log writes one line of the restart log, without timestamp.
	Log func(line string)
	// Poll is the first wait between two reads of the process table; it
	// doubles up to twenty times that while daemons are slow to appear, so a
	// fast daemon is confirmed quickly and a slow one costs few reads.
	Poll time.Duration
	// Deadline ends the whole pass's restarting: nothing is started after
	// it, and a start still in progress then (its start_timeout reaches
	// past it) is left running, reported not verified, for the next pass
	// to judge; only a start that failed on its own is stopped.
	Deadline time.Time
	Force    bool // ignore the flap guard
	DryRun   bool // decide, start nothing, log nothing
	// Record writes a start attempt down before the start: a restart that
	// cannot be recorded would escape the flap guard, so when Record
	// fails nothing more is started and Err says why.
	Record func(name string, at time.Time) error
	// Err is set by Run when a start attempt could not be recorded.
	Err error
	// By names the person whose verb (start, restart) asked for these
	// starts; "" for --fix. A person's start does not count against the
	// flap guard and is not reported as the timer's restart.
	By string
	// Quiet says which daemons were already held back at the last pass:
	// their held back is not logged again (a timer every 30 s would log it
	// 120 times an hour).
	Quiet func(name string) bool
	// Holder says which process holds the daemon's address when a start
	// failed ("127.0.0.1:6379 is held by PID 811 redis-server (user
	// redis), started 2h ago"), or ""; nil: not asked.
	Holder func(d *check.Daemon) string
}

// Down is a daemon found not running, with a start command, and its
// restart history.
type Down struct {
	Daemon  *check.Daemon
	History []time.Time
	// Orphans are processes its dead main process left: they are stopped
	// before the start, so that the new main process can bind its port.
	Orphans []int
	// LastFailure is why its last start failed, for the held-back message.
	LastFailure string
	// Replace are the PIDs of a running but unhealthy instance, its tree:
	// stopped (with the daemon's stop command, or TERM then KILL) before
	// the start. Reason says why, for the log.
	Replace []int
	Reason  string
	// ProbeErr is how the old instance's probe failed, for a heal of an
	// unhealthy daemon: when the new instance's fails the same way, the
	// probe is suspect, not the daemon.
	ProbeErr string
	// Grouped says that its control group holds Orphans or Replace: the
	// group is stopped, not the PIDs.
	Grouped bool
}

// FlapGuard returns the attempts still inside the window ending at now, and
// whether another attempt is allowed: like systemd's StartLimitBurst, at
// most max attempts within window. An attempt more than a window in the
// future (the clock was set back) is dropped, or it would hold restarts
// back until the clock caught up.
func FlapGuard(history []time.Time, now time.Time, max int, window time.Duration) ([]time.Time, bool) {
	recent := []time.Time{}
	for _, t := range history {
		if age := now.Sub(t); age < window && age > -window {
			recent = append(recent, t)
		}
	}
	return recent, len(recent) < max
}

// job is one daemon's restart in flight.
type job struct {
	down     Down
	deps     []string // after, limited to daemons restarted in this pass
	proc     Process
	started  time.Time
	seen     time.Time // when the started daemon was first seen running
	died     time.Time // when it was first seen gone again
	deadline time.Time // its own: start_timeout and start_secs after its start
	starting bool      // left running at the pass's deadline, still starting
	done     bool
	outcome  Outcome
}

// Run restarts the daemons in down, config order, each after the daemons
// its after names. running names the daemons the pass found running; a
// dependency neither running nor restarted here holds its dependents back.
// When ctx ends (SIGTERM, SIGINT) nothing new is started, and what is in
// flight is reported unverified.
func (r *Runner) Run(ctx context.Context, down []Down, running map[string]bool) []Outcome {
	jobs := make([]*job, len(down))
	byName := map[string]*job{}
	for i, d := range down {
		jobs[i] = &job{down: d, outcome: Outcome{Name: d.Daemon.Name}}
		byName[d.Daemon.Name] = jobs[i]
	}
	now := r.Now()
	for _, j := range jobs {
		r.decide(j, byName, running, now)
	}
	wait := r.Poll
	for {
		r.launchReady(ctx, jobs, byName)
		if inFlight(jobs) == 0 {
			break
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
		}
		wait = min(2*wait, 20*r.Poll)
		r.verify(jobs)
		if ctx.Err() != nil {
			for _, j := range jobs {
				if !j.done && j.proc != nil {
					r.interrupted(j)
				}
			}
		}
	}
	out := make([]Outcome, len(jobs))
	for i, j := range jobs {
		out[i] = j.outcome
	}
	return out
}

// decide settles what needs no start: no start command, flap guard,
// dry run. It leaves pending the jobs to launch.
func (r *Runner) decide(j *job, byName map[string]*job, running map[string]bool, now time.Time) {
	d := j.down.Daemon
	recent, allowed := FlapGuard(j.down.History, now, d.MaxRestarts, d.RestartWindow)
	j.outcome.Restarts = recent
	for _, dep := range d.After {
		if _, restarting := byName[dep]; restarting {
			j.deps = append(j.deps, dep)
		} else if !running[dep] {
			r.finish(j, HeldBack, fmt.Sprintf("not restarted: %s, which it starts after, is not running", dep))
			return
		}
	}
	switch {
	case !allowed && !r.Force:
		why := ""
		if j.down.LastFailure != "" {
			why = "; the last attempt failed: " + strings.TrimPrefix(j.down.LastFailure, "failed to start: ")
		}
		j.outcome.FlapGuard = true
		r.finish(j, HeldBack, fmt.Sprintf("restarts held back: %d in %s (last at %s)%s; fix the cause, then run cortex-check --fix --force",
			len(recent), human.Duration(d.RestartWindow), recent[len(recent)-1].Local().Format(time.TimeOnly), why))
	}
}

// MaxStarting is how many daemons --fix starts at once: a config with many
// daemons down does not fork them all in one burst.
const MaxStarting = 8

// launchReady starts every pending job whose dependencies have come up, and
// holds back those whose dependencies failed.
func (r *Runner) launchReady(ctx context.Context, jobs []*job, byName map[string]*job) {
	for changed := true; changed; {
		changed = false
		for _, j := range jobs {
			if j.done || j.proc != nil {
				continue
			}
			if inFlight(jobs) >= MaxStarting {
				return
			}
			ready := true
			for _, dep := range j.deps {
				dj := byName[dep]
				if !dj.done {
					ready = false
					break
				}
				if dj.outcome.Action != Restarted && dj.outcome.Action != WouldRestart {
					r.finish(j, HeldBack, fmt.Sprintf("not restarted: %s, which it starts after, did not come up (%s)", dep, dj.outcome.Message))
					changed = true
					ready = false
					break
				}
			}
			if !ready || j.done {
				continue
			}
			r.launch(ctx, j)
			changed = changed || j.done
		}
	}
}

// stop ends a running instance before its restart: the daemon's stop
// command when it has one, then TERM and KILL for whatever of the tree is
// left.
func (r *Runner) stop(down Down) []int {
	d := down.Daemon
	// Within the pass's budget: a stop never holds it past --timeout.
	grace := max(min(d.StopGrace, r.Deadline.Sub(r.Now())), 0)
	return Stop(d, down.Replace, grace, r.StopCommand, r.kill(down), r.Log)
}

// kill is how a daemon's processes are ended: its control group when it
// has one, else the PIDs given (its main process tree).
func (r *Runner) kill(down Down) func([]int, time.Duration) []int {
	if down.Grouped && r.StopGroup != nil {
		return func(_ []int, grace time.Duration) []int { return r.StopGroup(down.Daemon.Name, grace) }
	}
	return r.Kill
}

func inFlight(jobs []*job) int {
	n := 0
	for _, j := range jobs {
		if j.proc != nil && !j.done {
			n++
		}
	}
	return n
}

func (r *Runner) launch(ctx context.Context, j *job) {
	d := j.down.Daemon
	if r.DryRun {
		// Decided like a real pass, dependencies included; nothing started.
		j.outcome.Action = WouldRestart
		j.outcome.Message = "would restart: " + escape.Shell(d.Start)
		j.done = true
		return
	}
	now := r.Now()
	if ctx.Err() != nil {
		r.finish(j, HeldBack, "not restarted: the pass was interrupted")
		return
	}
	if !now.Before(r.Deadline) {
		// Not attempted: no failure of the daemon's to remember.
		r.finish(j, HeldBack, "not restarted: the pass's --timeout ran out before its turn; the next pass tries")
		return
	}
	if len(j.down.Replace) > 0 && r.Check != nil {
		// Stop a running instance only for a start that can run.
		if err := r.Check(d); err != nil {
			r.finish(j, HeldBack, "not restarted, left running as it is: its start would fail: "+err.Error())
			return
		}
	}

	if r.Err != nil {
		r.finish(j, HeldBack, "not restarted: an earlier start attempt could not be recorded: "+r.Err.Error())
		return
	}
	if r.Record != nil {
		if err := r.Record(d.Name, now); err != nil {
			r.Err = err
			r.finish(j, HeldBack, "not restarted: the attempt could not be recorded in the status file first: "+err.Error())
			return
		}
	}
	j.outcome.Attempted = true
	if r.By == "" { // a person's start is not the flap guard's business
		j.outcome.Restarts = append(j.outcome.Restarts, now)
	}
	j.outcome.By = r.By
	if len(j.down.Orphans) > 0 {
		r.Log(fmt.Sprintf("%s: Stopping orphaned processes of its dead main process: PIDs %s", d.Name, human.Ints(j.down.Orphans)))
		grace := max(min(d.StopGrace, r.Deadline.Sub(r.Now())), 0)
		if left := r.kill(j.down)(j.down.Orphans, grace); len(left) > 0 {
			r.finish(j, RestartFailed, fmt.Sprintf("failed to start: its orphans PIDs %s would not exit (stuck in the kernel?), and a new copy could not bind beside them", human.Ints(left)))
			return
		}
	}
	// One line per attempt, whatever it takes: the runbook counts
	// restarts by this phrase.
	attempt := fmt.Sprintf("%s: Attempting restart: %s", d.Name, escape.Shell(d.Start))
	if j.down.Reason != "" {
		attempt += " (" + j.down.Reason + ")"
	}
	r.Log(attempt)
	if len(j.down.Replace) > 0 {
		if left := r.stop(j.down); len(left) > 0 {
			r.finish(j, RestartFailed, fmt.Sprintf("failed to start: PIDs %s of the old instance would not exit (stuck in the kernel?); no second copy started", human.Ints(left)))
			return
		}
		// The instance it heals is gone: a failed start now leaves
		// the daemon down, and says why it was stopped.
		j.outcome.Healed = cmp.Or(j.down.Reason, "replaced")
	}
	p, err := r.Start(d)
	if err != nil {
		r.finish(j, RestartFailed, "failed to start: "+err.Error())
		return
	}
	j.proc, j.started = p, now
	j.deadline = now.Add(d.StartTimeout + d.StartHold)
}

// waiting says whether a job may wait for another poll: neither its own
// deadline nor the pass's has come.
func (r *Runner) waiting(j *job, now time.Time) bool {
	return now.Before(j.deadline) && now.Before(r.Deadline)
}

// cut says whether the pass's deadline has come before the job's own:
// its start is still in progress, not failed.
func (r *Runner) cut(j *job, now time.Time) bool {
	return !now.Before(r.Deadline) && now.Before(j.deadline)
}

// leaveStarting settles a start still in progress at the pass's deadline
// (its start_timeout reaches past it): it is left running, never killed
// for the pass's sake, and reported not verified. The next pass judges it
// as it finds it: running, or, if it never comes up, down.
func (r *Runner) leaveStarting(j *job, now time.Time, state string) {
	j.starting = true
	j.outcome.Starting = true
	r.finish(j, RestartFailed, fmt.Sprintf("not verified: still starting when the pass's --timeout ran out, %s after its start (start_timeout %s): %s; left running for the next pass to judge",
		human.Duration(now.Sub(j.started)), human.Duration(j.down.Daemon.StartTimeout), state))
}

// interrupted settles a start still in flight when a signal ends the
// pass (SIGTERM from systemd's TimeoutStartSec or a stop of the service):
// it is left running, as at the pass's deadline, so the next passes
// leave it alone while its start_timeout lasts, rather than stop it as
// orphans or start a second copy beside it.
func (r *Runner) interrupted(j *job) {
	j.starting = true
	j.outcome.Starting = true
	r.finish(j, RestartFailed, fmt.Sprintf("failed to start: not verified: the pass was interrupted (PID %d was started); left running for the next pass to judge", j.proc.PID()))
}

// verify reads the process table once and settles every job in flight that
// can be settled: found running, its start program failed, or out of time.
func (r *Runner) verify(jobs []*job) {
	var flying []*job
	for _, j := range jobs {
		if !j.done && j.proc != nil {
			flying = append(flying, j)
		}
	}
	results, err := r.judge(flying)
	now := r.Now()
	for i, j := range flying {
		p := sighting{now: now, err: err}
		if err == nil {
			p.res = results[i]
		}
		select {
		case <-j.proc.Exited():
			p.exited, p.exitErr = true, j.proc.ExitErr()
		default:
		}
		if err == nil && r.settleSeen(j, p) {
			continue
		}
		r.settleUnseen(j, p)
	}
}

// sighting is what one poll found of a job: the daemon as the process
// table shows it (res, unless the table could not be read: err), and
// whether its start program has exited, and how.
type sighting struct {
	now     time.Time
	res     check.Result
	err     error
	exited  bool
	exitErr error
}

// judge reads the process table once and judges the daemons of the
// jobs, in their order.
func (r *Runner) judge(jobs []*job) ([]check.Result, error) {
	snap, err := r.Snapshot()
	if err != nil {
		return nil, err
	}
	daemons := make([]check.Daemon, len(jobs))
	for i, j := range jobs {
		daemons[i] = *j.down.Daemon
	}
	clues := check.Clues{ReadPidfile: r.ReadPidfile, UserName: r.UserName, Elsewhere: r.Elsewhere, MatchBudget: r.MatchBudget, Creds: r.Creds}
	if r.Groups != nil {
		clues.Groups = r.Groups()
	}
	verdicts := snap.Judge(daemons, clues)
	out := make([]check.Result, len(verdicts))
	for i, v := range verdicts {
		out[i] = v.Result
	}
	return out, nil
}

// settleSeen settles, or waits for, a job whose daemon runs or ran since
// its start, and says whether it did; false: never seen running yet.
// Seen running, and still running start_secs later, is what counts, even
// when a wrapper script exited non-zero after launching it ("already
// running", a warning). A daemon that dies in its first second (a port
// already in use) is a failed start, not a restart.
func (r *Runner) settleSeen(j *job, p sighting) bool {
	d := j.down.Daemon
	running := p.res.Running()
	switch {
	case running && j.seen.IsZero():
		j.seen = p.now
	case !running && !j.seen.IsZero():
		r.settleDied(j, p)
		return true
	case !running:
		return false
	}
	switch {
	case d.Probe != nil && r.Ready != nil:
		r.settleReady(j, p)
	case p.now.Sub(j.seen) >= d.StartHold:
		j.outcome.Found = p.res
		msg := fmt.Sprintf("restarted, PID %d (came up in %s, still running %s later)", p.res.PID,
			j.seen.Sub(j.started).Round(time.Millisecond), human.Duration(d.StartHold))
		if p.exitErr != nil {
			msg += fmt.Sprintf("; its start program exited with %v%s", p.exitErr, r.tail(j))
		}
		r.finish(j, Restarted, msg)
	case r.cut(j, p.now):
		r.leaveStarting(j, p.now, fmt.Sprintf("PID %d runs, not yet for start_secs %s", p.res.PID, human.Duration(d.StartHold)))
	}
	return true // else seen, not yet for start_secs
}

// settleDied settles a job whose daemon was seen running and is gone
// again: a failed start, once its start program has said why.
func (r *Runner) settleDied(j *job, p sighting) {
	d := j.down.Daemon
	if j.died.IsZero() {
		j.died = p.now
	}
	// A waiting start program (pg_ctl -w) reports why: give it until the
	// deadline to exit with its status and log. It failed on its own, so
	// what it left is stopped, at the pass's deadline too.
	if !p.exited && r.waiting(j, p.now) {
		return
	}
	j.proc.Stop(d.StopGrace)
	r.finish(j, RestartFailed, fmt.Sprintf("failed to start: it ran for %s, then exited before start_secs %s%s%s",
		human.Duration(j.died.Sub(j.seen)), human.Duration(d.StartHold), exitNote(p.exited, p.exitErr), r.tail(j)))
}

// settleReady settles a job whose daemon runs and has a probe: ready is
// what counts, its first pass.
func (r *Runner) settleReady(j *job, p sighting) {
	d := j.down.Daemon
	ok, why := r.Ready(d)
	switch {
	case ok:
		j.outcome.Found = p.res
		r.finish(j, Restarted, fmt.Sprintf("restarted, PID %d (ready in %s)", p.res.PID, p.now.Sub(j.started).Round(time.Millisecond)))
	case r.waiting(j, p.now):
		// Not yet: the next poll asks again.
	case r.cut(j, p.now):
		r.leaveStarting(j, p.now, fmt.Sprintf("PID %d runs, but its probe has not passed yet: %s", p.res.PID, why))
	case p.now.Sub(j.seen) >= d.StartHold:
		// It runs and holds: a wrong probe is not a dead daemon. It is
		// left running, unhealthy, for the next heal to decide.
		r.unready(j, p.res, why)
	default:
		j.proc.Stop(d.StopGrace)
		r.finish(j, RestartFailed, fmt.Sprintf("failed to start: PID %d runs but was not ready within start_timeout %s: %s; stopped",
			p.res.PID, human.Duration(d.StartTimeout), why))
	}
}

// settleUnseen settles, or waits for, a job whose daemon has not been
// seen running (or whose process table could not be read).
func (r *Runner) settleUnseen(j *job, p sighting) {
	d := j.down.Daemon
	if p.exitErr != nil {
		// Whatever it left (a forked child, a half-started daemon) goes
		// with it: a failed start leaves nothing running.
		j.proc.Stop(d.StopGrace)
		r.finish(j, RestartFailed, fmt.Sprintf("failed to start: %v%s", p.exitErr, r.tail(j)))
		return
	}
	if r.waiting(j, p.now) {
		return
	}
	switch {
	case p.err != nil:
		r.finish(j, RestartFailed, fmt.Sprintf("failed to start: cannot verify it: %v", p.err))
	case r.cut(j, p.now):
		state := fmt.Sprintf("PID %d runs, and nothing matches %s yet", j.proc.PID(), d.Describe())
		if p.exited {
			state = fmt.Sprintf("its start program exited 0, and nothing matches %s yet", d.Describe())
		}
		r.leaveStarting(j, p.now, state)
	case p.exited:
		// A daemon that forked away and retitled itself past its
		// pattern would be one more copy per pass.
		j.proc.Stop(d.StopGrace)
		r.finish(j, RestartFailed, fmt.Sprintf("failed to start: the start program exited 0 but no process matches %s after %s; what it left was stopped%s",
			d.Describe(), human.Duration(p.now.Sub(j.started)), r.tail(j)))
	default:
		// Left running, it would be one more copy per pass.
		j.proc.Stop(d.StopGrace)
		r.finish(j, RestartFailed, fmt.Sprintf("failed to start: PID %d ran for start_timeout %s but %s never matched it; PID %d stopped. Fix pattern or start in the config (cortex-check validate shows what matches), or raise start_timeout for a slow start",
			j.proc.PID(), human.Duration(d.StartTimeout), d.Describe(), j.proc.PID()))
	}
}

// unready settles a start whose daemon runs and held start_secs but whose
// probe never passed within start_timeout: it is left running, reported
// unhealthy. When a heal's old instance failed its probe the same way,
// the probe is suspect: the daemon is held back from further heals.
func (r *Runner) unready(j *job, res check.Result, why string) {
	d := j.down.Daemon
	j.outcome.Found, j.outcome.Unready, j.outcome.ProbeErr = res, true, why
	j.outcome.ProbeFailures, j.outcome.ProbeKind = d.Probe.Failures, string(d.Probe.Kind())
	if j.down.ProbeErr != "" && SameFailure(j.down.ProbeErr, why) {
		j.outcome.ProbeSuspect = true
		r.finish(j, HeldBack, fmt.Sprintf("probe suspect: %s failed the same way against the old instance and the new one, PID %d, which runs and is left running; no more heals until the probe passes: check the probe (cortex-check validate runs it), then cortex-check --fix --force",
			d.Probe.Describe(), res.PID))
		return
	}
	r.finish(j, RestartFailed, fmt.Sprintf("failed to start: PID %d runs (held start_secs %s) but its probe did not pass within start_timeout %s: %s; left running, unhealthy",
		res.PID, human.Duration(d.StartHold), human.Duration(d.StartTimeout), why))
}

// SameFailure says whether two probe errors are one failure: the same
// words, whatever the numbers and durations in them (a PID, an age, a
// latency: "95s" and "2m5s" alike).
func SameFailure(a, b string) bool {
	return numbersOut(a) == numbersOut(b)
}

// numbersOut writes every number, with a duration's units in it, as #.
func numbersOut(s string) string {
	var b strings.Builder
	in := false
	for _, c := range s {
		switch {
		case c >= '0' && c <= '9':
			if !in {
				b.WriteByte('#')
			}
			in = true
			continue
		case in && strings.ContainsRune(".hmsµun", c):
			continue
		}
		in = false
		b.WriteRune(c)
	}
	return b.String()
}

func (r *Runner) finish(j *job, action Action, message string) {
	if action == RestartFailed && !j.outcome.Unready && !j.starting && r.Holder != nil && !r.DryRun {
		// The commonest failed start: its port is taken. Say by whom.
		if who := r.Holder(j.down.Daemon); who != "" {
			message = "failed to start: " + who + "; " + strings.TrimPrefix(message, "failed to start: ")
		}
	}
	j.done = true
	j.outcome.Action, j.outcome.Message = action, message
	if r.DryRun || (action == HeldBack && r.Quiet != nil && r.Quiet(j.down.Daemon.Name)) {
		return
	}
	r.Log(fmt.Sprintf("%s: %s", j.down.Daemon.Name, message))
}

// exitNote says how the start program ended, when it has.
func exitNote(exited bool, err error) string {
	switch {
	case !exited:
		return ""
	case err != nil:
		return "; its start program exited with " + err.Error()
	}
	return "; its start program exited 0"
}

// tail is what a message says of a failed start's log: its last lines
// when all may read the log; otherwise where it is, and the lines go only
// into the restart log (root's, 0640), never into the 0644 status file or
// the output that monitoring shows.
func (r *Runner) tail(j *job) string {
	lines, path, public := j.proc.LogTail()
	lines = strings.Join(strings.Fields(lines), " ")
	if lines == "" {
		return ""
	}
	if public {
		return "; its log ends: " + lines
	}
	if !r.DryRun {
		r.Log(fmt.Sprintf("%s: its log %s ends: %s", j.down.Daemon.Name, path, lines))
	}
	return "; see its log " + path + " (its last lines are in the restart log, not here: the log is not readable by all)"
}

// Package pass runs one pass of cortex-check: the config's trust, the lock,
// one read of the process table, a verdict for every daemon, the restarts
// when asked, the status file and the textfile. Everything outside the pass
// (the process table, the clock, files, starting programs) comes in through
// World, so a whole pass runs in a test without touching the host.
package pass

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/cortex/cortex-check/check"
	"github.com/cortex/cortex-check/escape"
	"github.com/cortex/cortex-check/human"
	"github.com/cortex/cortex-check/probe"
	"github.com/cortex/cortex-check/report"
	"github.com/cortex/cortex-check/restart"
)

// Options are what the user asked of one pass.
type Options struct {
	Only        []string      // judge only these daemons; the status file keeps the others
	Fix         bool          // restart what is down
	DryRun      bool          // with Fix: decide, start nothing
	Force       bool          // with Fix: ignore the flap guard
	Timeout     time.Duration // with Fix: the whole pass's budget
	LockTimeout time.Duration // how long to wait for another pass
	Textfile    string        // overrides the config's textfile
	ReadOnly    bool          // an observer: judge live, write nothing
	Act         Act           // a person's verb on the Only daemons; zero for a pass
	// NotBefore holds back a daemon's next start until a time: --wait's
	// passes a second apart must not spend the flap guard's budget on
	// a start that failed a moment ago.
	NotBefore map[string]time.Time
	// ConfigUntrusted says why others could have changed the config (nil:
	// they could not), as found when it was read.
	ConfigUntrusted error
}

// World is the pass's way to the host. main fills it with the real thing;
// tests with fakes.
type World struct {
	// ReadTable reads the process table; called once per pass, and once per
	// poll while restarts are verified.
	ReadTable check.TableReader
	Now       func() time.Time
	// Start starts a daemon's start command detached.
	Start func(d *check.Daemon) (restart.Process, error)
	// Kill stops processes: SIGTERM, up to grace, then SIGKILL.
	Kill func(pids []int, grace time.Duration) (left []int)
	// KillSame is Kill for processes as a snapshot saw them: each is
	// signalled only while its PID still names that process (restart.
	// KillSame, through a pidfd); nil: Kill.
	KillSame func(procs []check.Process, grace time.Duration) (left []int)
	// CheckStart says whether a daemon's start could run (its program
	// found and trusted), before a running instance is stopped for it.
	CheckStart func(d *check.Daemon) error
	// StopCommand runs a daemon's own stop command, as its user, and
	// waits for it.
	StopCommand func(d *check.Daemon) error
	// Probe runs health probes, all at once (probe.Run).
	Probe func(ctx context.Context, targets []probe.Target) []probe.Result
	// ProbeExec runs an exec probe's command as the daemon's user with
	// the clean environment of a start.
	ProbeExec func(d *check.Daemon) probe.ExecFunc
	// ReadFile reads the previous status file.
	ReadFile check.ReadFileFunc
	// Hidden says whether /proc hides other users' processes from this
	// pass (hidepid): then a daemon not found may run all the same.
	Hidden func() bool
	// ReadPidfile reads a pidfile's first line.
	ReadPidfile func(path string) (check.Pidfile, error)
	// WriteFile replaces a file whole or not at all.
	WriteFile func(path string, data []byte, perm os.FileMode) error
	// Lock takes the pass's lock, waiting up to wait, until ctx ends.
	Lock func(ctx context.Context, path string, wait time.Duration) (unlock func(), err error)
	// OpenLog opens the restart log for appending.
	OpenLog func(path string) (io.WriteCloser, error)
	// Finished, when set, is handed a finished pass: a writer's, holding
	// the lock, once its status file is written (the events, the
	// notifications, the dead-man's ping), or --dry-run's, to say what it
	// would send. It may update the status's memory (Status.Notify) and
	// ask for the status file to be written again (rewrite).
	Finished func(ctx context.Context, f Finished) (notes []string, rewrite bool)

	// Groups are the daemons' control groups; nil where the host keeps
	// none (not Linux, no cgroup2, systemd's tree).
	Groups Groups
	// Meters read the figures and files beyond the process table.
	Meters Meters
	// UserName names a uid for messages.
	UserName func(uid int) string
	// Creds reads a process's real and saved uids (check.Creds).
	Creds func(pid int) (ruid, suid int, ok bool)
	// UnitState is a systemd unit's ActiveState ("inactive", "failed",
	// ...); nil where systemd is not PID 1.
	UnitState func(unit string) string

	EUID          int      // the pass's effective user
	SelfPID       int      // the pass itself, never a daemon
	SelfArgs      []string // its argv, where the table shows none
	Host, Version string
}

// Groups are the daemons' control groups (cgroup.Tree on Linux).
type Groups interface {
	// Members reads every daemon's group once: the PIDs in each.
	Members() (map[string][]int, error)
	// Describe says how people find a daemon's group: "cgroup PATH", or
	// "scope UNIT" where systemd keeps it.
	Describe(name string) string
	// Stop ends every process in a daemon's group (SIGTERM, up to grace,
	// then SIGKILL) and removes the group; it returns the PIDs left.
	Stop(name string, grace time.Duration) ([]int, error)
	// Prune removes the groups that are empty.
	Prune(members map[string][]int)
	// Writable says whether this pass may create and empty groups.
	Writable() bool
	// Elsewhere says where a process's group puts it when that is not
	// the named daemon's (check.Clues.Elsewhere).
	Elsewhere(name string, pid int) (where string, managed bool)
}

// Finished is a pass that has judged, acted and recorded, for
// World.Finished.
type Finished struct {
	Config *check.Config
	Prev   *report.Status // the status file the pass found; nil: none
	// Judged are the checked daemons as the pass judged them, before any
	// restart or verb changed their entries.
	Judged    map[string]report.Daemon
	Status    *report.Status // what it wrote
	Code      int            // its exit code
	Notes     []string       // its long output's notes
	DryRun    bool           // say what would be sent: write and send nothing
	By        string         // the person whose verb it ran; "" for the timer's
	Deadline  time.Time      // the end of its budget (--timeout)
	Untrusted error          // why others could have changed the config (nil: they could not)
}

// Result is one pass's outcome, before anything is printed.
type Result struct {
	Status *report.Status // nil when the pass could not judge at all
	JSON   []byte         // the status file's content
	Err    error          // set when the pass could not judge or record: exit 3
	// Final says that running the pass again cannot change the answer (a
	// bad config, bad arguments, a signal), for --wait.
	Final bool
	// Observer is why the pass wrote nothing ("" for a writer): --read-only,
	// --dry-run, or the lock or status file it could not have.
	Observer string
	// Notes are problems that did not stop the pass, for the long output
	// (a Nagios plugin's stderr is merged into its output by Icinga).
	Notes []string
}

// Code is the pass's exit code.
func (r Result) Code() int {
	if r.Err != nil {
		return int(report.Unknown)
	}
	return r.Status.ExitCode
}

// Hinted is an error with a one-line fix for the user.
type Hinted struct {
	Err  error
	Hint string
}

func (e *Hinted) Error() string { return e.Err.Error() }
func (e *Hinted) Unwrap() error { return e.Err }

// WithHint attaches the fix to an error.
func WithHint(err error, hint string) error { return &Hinted{Err: err, Hint: hint} }

// plainLockWait is how long a pass without --fix (a Nagios check) waits for
// the lock: it must answer within the plugin's timeout even while a --fix
// pass restarts daemons, so after that it judges as an observer.
const plainLockWait = time.Second

// Run runs one pass of cfg.
//
// A pass is a writer or an observer. A writer holds the lock and updates
// the status file, the textfile and the restart log: the timer's --fix
// pass, or a plain pass run by a scheduler. An observer judges live and
// writes nothing, so that a monitoring system's checks (as the nagios user)
// neither fail on root's files nor make a dead timer look alive: a pass
// with --read-only or --dry-run, or a plain pass that may not take the
// lock or write the status file (Result.Observer says why).
func Run(ctx context.Context, cfg *check.Config, opt Options, w World) Result {
	r := &run{ctx: ctx, cfg: cfg, opt: opt, w: w, started: w.Now()}
	if res, ok := r.prepare(); !ok {
		return res
	}
	defer r.unlock()
	if res, ok := r.judge(); !ok {
		return res
	}
	r.judged = make(map[string]report.Daemon, len(r.daemons))
	for _, d := range r.daemons {
		r.judged[d.Name] = *r.st.Daemons[d.Name]
	}
	fixErr := r.act()
	r.st.Finish(w.Now().Sub(r.started), cfg.RestartWarning)
	res := r.finish(fixErr)
	if len(opt.Only) > 0 && opt.Act.Verb == "" && res.Status != nil {
		// --only X judges X alone in its exit code and output; the
		// status file (res.JSON) keeps the whole host.
		res.Status = res.Status.Only(opt.Only)
	}
	return res
}

// run is one pass in progress: what it was given and what it has found.
type run struct {
	ctx     context.Context
	cfg     *check.Config
	opt     Options
	w       World
	started time.Time

	daemons  []check.Daemon // judged now (--only)
	observer string         // why it writes nothing; "" for a writer
	unlock   func()
	notes    []string
	snap     *check.Snapshot
	groups   map[string]check.Group // the daemons with a control group that holds processes
	prev     *report.Status
	st       *report.Status
	running  map[string]bool // what counts as running for after
	judged   map[string]report.Daemon
	killer   World // w with Kill bound to the snapshot (killWorld), for act's steps
	noRecord bool  // the status file does not exist: no writer pass has run with this config
	unread   error // why an observer could not read the status file
}

// prepare selects the daemons, weighs the config's trust and settles the
// pass's role, taking the lock for a writer.
func (r *run) prepare() (Result, bool) {
	r.unlock = func() {}
	daemons, err := selectDaemons(r.cfg, r.opt.Only)
	if err != nil {
		return Result{Err: err, Final: true}, false
	}
	r.daemons = daemons
	if err := r.opt.ConfigUntrusted; err != nil {
		// Start commands run with the pass's privileges: --fix refuses a
		// config others could have changed; a pass that runs no command
		// only says so.
		if runsCommands(r.opt) {
			return Result{Err: WithHint(fmt.Errorf("--fix refused: %w", err), "a plain pass (without --fix) still checks; it never runs start commands"), Final: true}, false
		}
		r.note("warning: " + err.Error())
	}
	switch {
	case r.opt.ReadOnly:
		r.observer = "--read-only"
	case r.opt.DryRun:
		r.observer = "--dry-run"
	default:
		unlock, err := takeLock(r.ctx, r.cfg, r.opt, r.w)
		switch {
		case err == nil:
			r.unlock = unlock
		case !mustWrite(r.opt) && r.ctx.Err() == nil:
			r.observer = err.Error()
		default:
			return Result{Err: err, Final: r.ctx.Err() != nil}, false
		}
	}
	return Result{}, true
}

func (r *run) note(s string) { r.notes = append(r.notes, s) }

// runsCommands says whether the pass may run commands: --fix, or a verb
// that stops or starts.
func runsCommands(opt Options) bool {
	if opt.DryRun {
		return false
	}
	v := opt.Act.Verb
	return opt.Fix || v == VerbStop || v == VerbStart || v == VerbRestart
}

// snapshot reads the process table.
func (r *run) snapshot() (*check.Snapshot, error) {
	procs, err := r.w.ReadTable(check.Needs(r.cfg.Daemons))
	if err != nil {
		return nil, err
	}
	return check.NewSnapshot(procs, r.w.SelfPID, r.w.SelfArgs), nil
}

// judge reads the process table and the last status file, judges every
// configured daemon once, and probes the judged ones.
func (r *run) judge() (Result, bool) {
	snap, err := r.snapshot()
	if err != nil {
		return Result{Err: err, Notes: r.notes}, false
	}
	r.snap = snap
	if res, ok := r.readPrevious(); !ok {
		return res, false
	}
	// One judgement of every configured daemon: --only limits what is
	// judged now, and --fix still sees the others as dependencies.
	r.readGroups()
	clues := check.Clues{ReadPidfile: r.w.ReadPidfile, LastMain: lastMain(r.prev), Groups: r.groups, UserName: r.w.UserName, Creds: r.w.Creds,
		MatchBudget: matchBudget(r.opt.Timeout)}
	if r.w.Groups != nil {
		clues.Elsewhere = r.w.Groups.Elsewhere
	}
	verdicts := snap.Judge(r.cfg.Daemons, clues)
	if r.w.Hidden != nil && r.w.Hidden() {
		unseen(r.cfg, verdicts, r.w.EUID)
	}
	now := r.w.Now()
	r.st = report.New(now, r.w.Host, r.w.Version, names(r.cfg.Daemons), r.prev)
	r.st.Config = r.cfg.Path
	if r.observer == "" {
		r.st.Writer = r.userName(r.w.EUID)
	}
	for i := range r.cfg.Daemons {
		d := &r.cfg.Daemons[i]
		if !slices.ContainsFunc(r.daemons, func(c check.Daemon) bool { return c.Name == d.Name }) {
			continue
		}
		// An observer that may not judge it reports the writer's verdict.
		entry := r.borrow(d, &verdicts[i].Result, now)
		if entry == nil {
			entry = report.FromResult(verdicts[i].Result, d.MaxInstances, now)
		}
		r.st.Set(d.Name, entry)
		// Keep only the restarts inside the window: the status file's
		// "recent restarts" must not grow with restarts long past.
		entry.Restarts, _ = restart.FlapGuard(entry.Restarts, now, d.MaxRestarts, d.RestartWindow)
	}
	r.measure(verdicts)
	r.brokenProbes()
	r.borrowProbes(now)
	r.checkHealth()
	r.afterProbes(verdicts)
	// Held back lasts while the daemon is down or unhealthy; one that
	// runs and works again is released.
	for _, d := range r.daemons {
		if e := r.st.Daemons[d.Name]; e.Running() {
			e.HeldBack = nil
		}
	}
	r.unitHolds(now)
	r.startsInProgress(now)
	// What counts as running for after: judged now, and healthy where
	// there is a probe.
	r.running = map[string]bool{}
	for i := range r.cfg.Daemons {
		name := r.cfg.Daemons[i].Name
		r.running[name] = verdicts[i].Running()
		if e := r.st.Daemons[name]; e != nil && e.Checked {
			r.running[name] = e.Running()
		}
	}
	return Result{}, true
}

// matchBudget is how long free regexps may take over the whole process
// table: a tenth of the pass's --timeout, between 100ms and 2s. A
// pathological pattern against the long command lines any user can start
// leaves its daemon unknown instead of holding the pass.
func matchBudget(timeout time.Duration) time.Duration {
	return min(max(timeout/10, 100*time.Millisecond), 2*time.Second)
}

// readGroups reads the daemons' control groups once; a writer removes
// those left empty, so that nothing accumulates.
func (r *run) readGroups() {
	if r.w.Groups == nil {
		return
	}
	members, err := r.w.Groups.Members()
	if err != nil {
		r.note("warning: " + err.Error() + ": daemons judged by their process trees")
		return
	}
	r.groups = groupsOf(r.w.Groups, members, r.cfg.Daemons)
	if r.observer == "" && r.w.Groups.Writable() {
		r.w.Groups.Prune(members)
	}
}

// groupsOf keeps the groups of configured daemons that hold processes.
func groupsOf(g Groups, members map[string][]int, daemons []check.Daemon) map[string]check.Group {
	out := map[string]check.Group{}
	for _, d := range daemons {
		if pids, ok := members[d.Name]; ok && len(pids) > 0 {
			out[d.Name] = check.Group{Path: g.Describe(d.Name), PIDs: pids}
		}
	}
	return out
}

// currentGroups reads the groups afresh, for the restarts' polls: a
// started daemon is judged by the group it was born in.
func (r *run) currentGroups() map[string]check.Group {
	if r.w.Groups == nil {
		return nil
	}
	members, err := r.w.Groups.Members()
	if err != nil {
		return nil
	}
	return groupsOf(r.w.Groups, members, r.cfg.Daemons)
}

// killWorld is the pass's world with Kill bound to its snapshot: a PID
// reused since the process table was read (a probe's timeout is long
// enough to cycle pid_max) is never signalled.
func (r *run) killWorld() World {
	w := r.w
	if w.KillSame == nil {
		return w
	}
	w.Kill = func(pids []int, grace time.Duration) []int {
		procs := make([]check.Process, 0, len(pids))
		for _, pid := range pids {
			if p, ok := r.snap.Process(pid); ok {
				procs = append(procs, *p)
			}
		}
		return w.KillSame(procs, grace)
	}
	return w
}

// groupPIDs are the members of each daemon's control group, for those
// whose group held live processes when the pass judged them.
func (r *run) groupPIDs() map[string][]int {
	out := map[string][]int{}
	for name, g := range r.groups {
		out[name] = g.PIDs
	}
	return out
}

// startsInProgress keeps a start that a pass left running at its deadline
// (its start_timeout reached past it) from being stopped or started
// again while its start_timeout and start_secs last: a database in crash
// recovery is not killed, nor given a second copy, for the passes' sake.
// Once it runs, or that time has passed without it (a failed start), or
// the start is gone (startGone), the note ends and --fix acts as on any
// daemon.
func (r *run) startsInProgress(now time.Time) {
	for _, d := range r.daemons {
		e := r.st.Daemons[d.Name]
		if e.Starting == nil {
			continue
		}
		until := e.Starting.At.Add(d.StartTimeout + d.StartHold)
		if e.Running() || e.Status == check.Unhealthy || !now.Before(until) || r.startGone(d.Name) {
			e.Starting = nil
			continue
		}
		found := "nothing matches it yet"
		if len(e.PIDs) > 0 {
			// Its group holds the start in progress, not a dead
			// daemon's orphans.
			found = "its control group holds PIDs " + human.Ints(e.PIDs) + ", none of which matches it yet"
			e.Status, e.DeadMain = check.Stopped, 0
		}
		e.Message = fmt.Sprintf("still starting: a pass started it at %s and left it running at its deadline; %s; --fix leaves it alone until %s (start_timeout %s)",
			e.Starting.At.Local().Format(time.TimeOnly), found, until.Local().Format(time.TimeOnly), human.Duration(d.StartTimeout))
	}
}

// startGone says whether a start left running has ended: on a host where
// the pass keeps the daemons' groups, the start was born in the daemon's
// group, and that group holds nothing now (the start failed after the
// pass that left it, or a person stopped it). Without groups the pass
// cannot tell, and the start_timeout decides.
func (r *run) startGone(name string) bool {
	if r.groups == nil || !r.w.Groups.Writable() {
		return false
	}
	_, held := r.groups[name]
	return !held
}

// unitHold is who holds a daemon whose systemd unit a person stopped.
const unitHold = "systemd"

// unitHolds treats a daemon whose own systemd unit keeps it (the last pass
// found it "managed by redis-server.service") as held while a person has
// stopped that unit (inactive, not failed), as cortex-check stop would:
// --fix does not start it behind the unit's back. Once it runs again, the
// hold ends by itself. Only a daemon found stopped costs a look at its
// unit.
func (r *run) unitHolds(now time.Time) {
	for _, d := range r.daemons {
		e := r.st.Daemons[d.Name]
		if e.Hold != nil && e.Hold.By == unitHold && e.Running() {
			e.Hold = nil
		}
		if e.Status != check.Stopped || r.prev == nil || r.w.UnitState == nil {
			continue
		}
		last := r.prev.Daemons[d.Name]
		if last == nil {
			continue
		}
		unit, ok := strings.CutPrefix(last.Tracked, "managed by ")
		if !ok {
			continue
		}
		e.Tracked = last.Tracked
		if state := r.w.UnitState(unit); state == "inactive" {
			if e.Hold == nil || e.Hold.By == unitHold {
				e.Hold = &report.Hold{By: unitHold, Since: now.UTC().Truncate(time.Second),
					Reason: unit + " was stopped (systemctl stop " + unit + "); systemctl start " + unit + " or cortex-check start " + d.Name + " ends it"}
				if last.Hold != nil && last.Hold.By == unitHold {
					e.Hold.Since = last.Hold.Since
				}
			}
		} else if e.Hold != nil && e.Hold.By == unitHold {
			e.Hold = nil // failed, or on its way: --fix may start it
		}
	}
}

// readPrevious reads the status file, which every pass needs: the restart
// history, the last restart and held-back notes, and the last known state
// of what --only leaves out. Another config's file is not this pass's.
func (r *run) readPrevious() (Result, bool) {
	prev, err := previous(r.cfg, r.w)
	r.noRecord = prev == nil && err == nil
	switch {
	case err != nil && r.observer != "":
		r.unread = err // said at the end, with what it hides
	case err != nil:
		r.note("warning: " + err.Error() + "; starting a fresh status file")
	}
	if prev != nil && prev.Config != "" && prev.Config != r.cfg.Path {
		// Overwriting it would erase that config's entries and history.
		err := WithHint(fmt.Errorf("status file %s belongs to the config %s, not to %s", r.cfg.StatusFile, prev.Config, r.cfg.Path),
			"give each config its own status_file")
		if r.observer == "" {
			return Result{Err: err, Final: true, Notes: r.notes}, false
		}
		r.note("warning: " + err.Error() + ": judged without its history")
		prev = nil
	}
	r.prev = prev
	return Result{}, true
}

// act carries out a person's verb, then --fix's restarts.
func (r *run) act() error {
	// Destructive steps signal processes as the snapshot saw them.
	r.killer = r.killWorld()
	if r.opt.Act.Verb != "" {
		// A verb's own log lines go to the restart log too.
		log := r.newLog()
		r.verb(log)
		if err := log.close(); err != nil {
			r.note("warning: restart log not written: " + err.Error())
		}
		// start and restart then restart like --fix, the flap guard
		// lifted: a person asked.
		r.opt.Fix = r.opt.Act.Verb == VerbStart || r.opt.Act.Verb == VerbRestart
		r.opt.Force = r.opt.Fix
	}
	if !r.opt.Fix || r.ctx.Err() != nil {
		return nil
	}
	return r.fix()
}

// newLog is the restart log, opened at its first line.
func (r *run) newLog() *restartLog {
	return &restartLog{path: r.cfg.LogFile, open: r.w.OpenLog, now: r.w.Now}
}

// finish records a writer's findings, or returns an observer's.
func (r *run) finish(fixErr error) Result {
	if r.observer != "" {
		r.timerCheck()
		r.unreadCheck()
		res := observe(r.ctx, r.st, r.observer, r.notes)
		if r.opt.DryRun {
			r.finished(&res)
		}
		return res
	}
	res := record(r.ctx, r.cfg, r.st, r.opt, r.w)
	if fixErr != nil {
		res.Err = WithHint(fmt.Errorf("--fix started nothing more: %w", fixErr),
			"a start must be written to the status file first, so that the flap guard counts it; make its folder writable with free space (df -h)")
	}
	if res.Err != nil && !mustWrite(r.opt) && r.ctx.Err() == nil {
		// A plain pass that may not write judges all the same.
		return observe(r.ctx, r.st, res.Err.Error(), r.notes)
	}
	res.Notes = append(r.notes, res.Notes...)
	if res.JSON != nil { // the status file is written
		r.finished(&res)
	}
	return res
}

// finished hands the pass to World.Finished and writes the status file
// again when it asks (a notifier's memory changed).
func (r *run) finished(res *Result) {
	if r.w.Finished == nil {
		return
	}
	notes, rewrite := r.w.Finished(r.ctx, Finished{Config: r.cfg, Prev: r.prev, Judged: r.judged, Status: r.st,
		Code: res.Code(), Notes: res.Notes, DryRun: r.opt.DryRun, By: r.opt.Act.By,
		Deadline: r.started.Add(r.opt.Timeout), Untrusted: r.opt.ConfigUntrusted})
	res.Notes = append(res.Notes, notes...)
	if !rewrite || r.opt.DryRun {
		return
	}
	data, err := r.st.JSON()
	if err == nil {
		err = r.w.WriteFile(r.cfg.StatusFile, data, 0o644)
	}
	if err != nil {
		res.Notes = append(res.Notes, "warning: status file not updated with what the notifiers sent: "+err.Error()+"; they may send some events again")
		return
	}
	res.JSON = data
}

// timerCheck makes an observer that finds the writers' file older than
// three intervals say what status would: no timer runs --fix.
func (r *run) timerCheck() {
	prev, now := r.prev, r.st.CheckedAt
	if r.noRecord && r.opt.ReadOnly {
		// A monitoring check finds no record at all: no writer pass has
		// ever run with this config (the timer never enabled, or its
		// file removed), which is as dead a timer as one that stopped.
		r.st.TimerStopped()
		r.note(fmt.Sprintf("warning: no status file at %s: no writer pass has run with this config; the timer or cron job running cortex-check --fix is not running, or its config names another status_file; systemctl status cortex-check.timer",
			r.cfg.StatusFile))
		return
	}
	if prev == nil || prev.LastTimer().IsZero() || now.Sub(prev.LastTimer()) <= 3*r.cfg.Interval {
		return
	}
	r.st.TimerStopped()
	r.note(fmt.Sprintf("warning: no writer pass for %s (the status file %s was written at %s, interval %s): the timer or cron job running cortex-check --fix is not running; systemctl status cortex-check.timer",
		human.Age(now.Sub(prev.LastTimer())), r.cfg.StatusFile, prev.LastTimer().Local().Format(time.RFC3339), r.cfg.Interval))
}

// unseen turns "stopped" into UNKNOWN where the pass cannot see the
// processes it looks for: not stopped, since it may run unseen.
// A daemon of the pass's own user is seen, so its "stopped" stands.
func unseen(cfg *check.Config, verdicts []check.Verdict, euid int) {
	for i := range verdicts {
		v := &verdicts[i]
		if v.Condition != check.Stopped || v.PID > 0 || (cfg.Daemons[i].User != "" && cfg.Daemons[i].UID == euid) {
			continue
		}
		v.Condition = check.Unknown
		v.Message = "cannot see other users' processes (/proc is mounted with hidepid): run the check as root, or add its user to the group named by hidepid's gid= option; " + v.Message
		v.Unreadable = "may not see other users' processes (/proc is mounted with hidepid)"

	}
}

// mustWrite says whether the pass is a writer or nothing: --fix and a
// person's verb must record what they do; a plain pass may fall back to
// observing.
func mustWrite(opt Options) bool { return opt.Fix || opt.Act.Verb != "" }

// observe is the result of a pass that writes nothing.
func observe(ctx context.Context, st *report.Status, why string, notes []string) Result {
	data, _ := st.JSON()
	res := Result{Status: st, JSON: data, Observer: why, Notes: notes}
	if ctx.Err() != nil {
		res.Final, res.Err = true, errors.New("interrupted by a signal")
	}
	return res
}

// takeLock takes the lock that keeps two passes of one config from
// interleaving their restarts and status files. A plain pass waits at
// most plainLockWait.
func takeLock(ctx context.Context, cfg *check.Config, opt Options, w World) (unlock func(), err error) {
	wait := opt.LockTimeout
	if !mustWrite(opt) {
		wait = min(wait, plainLockWait)
	}
	return w.Lock(ctx, cfg.LockFile, wait)
}

// previous is the last pass's status file. A damaged one is reported and
// started afresh; one of another config is refused by the writer.
func previous(cfg *check.Config, w World) (*report.Status, error) {
	b, err := w.ReadFile(cfg.StatusFile)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	var prev *report.Status
	if err == nil {
		prev, err = report.ParseStatus(b, cfg.StatusFile)
	}
	return prev, err
}

// lastMain is each daemon's main PID as the previous pass recorded it.
func lastMain(prev *report.Status) map[string]int {
	out := map[string]int{}
	if prev == nil {
		return out
	}
	for name, d := range prev.Daemons {
		switch {
		case d.PID != nil:
			out[name] = *d.PID
		case d.DeadMain > 0: // still orphaned: its orphans are still known
			out[name] = d.DeadMain
		}
	}
	return out
}

// fix restarts the judged daemons that are down and records the outcomes.
func (r *run) fix() error {
	down := r.down()
	if len(down) == 0 {
		return nil
	}
	log := r.newLog()
	if r.opt.DryRun {
		log = nil
	}
	runner := r.runner(log)
	now := r.w.Now()
	for _, o := range runner.Run(r.ctx, down, r.running) {
		e := r.st.Daemons[o.Name]
		notRun := e.ProbeNotRun()
		e.Record(recorded(o), now)
		// A restart with a probe counted only once the probe passed.
		if d, _ := r.cfg.Daemon(o.Name); o.Action == restart.Restarted && d.Probe != nil && !notRun {
			e.Probe = &report.Probe{Kind: string(d.Probe.Kind()), Result: probe.Healthy, At: now.UTC().Truncate(time.Millisecond)}
		}
	}
	if runner.Err != nil {
		return runner.Err
	}
	if err := log.close(); err != nil {
		r.note("warning: restart log not written: " + err.Error())
	}
	return nil
}

// down is what --fix is to start: the judged daemons with a start
// command that are stopped, orphaned, unhealthy, or to be healed, and
// that no person holds.
func (r *run) down() []restart.Down {
	var out []restart.Down
	groups := r.groupPIDs()
	staleTaken := false
	for i := range r.daemons {
		d := &r.daemons[i]
		entry := r.st.Daemons[d.Name]
		d = withoutBrokenProbe(d, entry)
		if len(d.Start) == 0 {
			continue
		}
		if entry.Hold.Active(r.st.CheckedAt) || entry.Starting != nil {
			continue // a person said to leave it alone, or its start is still in progress
		}
		if t := r.opt.NotBefore[d.Name]; r.st.CheckedAt.Before(t) {
			entry.Message += fmt.Sprintf("; its last start failed, the next one after %s (start_timeout later)", t.Local().Format(time.TimeOnly))
			continue
		}
		dn := restart.Down{Daemon: d, History: entry.Restarts, LastFailure: lastFailure(r.prev, d.Name), Grouped: groups[d.Name] != nil}
		// Stopped and orphaned daemons are started; a suspended one is
		// left alone (a second copy would fight it for its port), and one
		// the pass cannot see is not started blind.
		switch entry.Status {
		case check.Stopped:
			dn.Grouped = false
		case check.Orphaned:
			dn.Orphans = victims(d, entry, r.snap, groups)
		case check.Unhealthy:
			if entry.ProbeSuspect != nil && !r.opt.Force {
				continue // its probe, not the daemon, is likely wrong
			}
			// It runs but does not work: stop its instance, then start.
			dn.Replace, dn.Reason, dn.ProbeErr = victims(d, entry, r.snap, groups), "unhealthy ("+entry.Probe.Error+")", entry.Probe.Error
		case check.Running:
			// It works, but is over a limit or stale, and the config
			// says to restart it then.
			why := heal(entry, &staleTaken)
			if why == "" {
				continue
			}
			dn.Replace, dn.Reason = victims(d, entry, r.snap, groups), why
		default:
			continue
		}
		out = append(out, dn)
	}
	return out
}

// runner is the restart's way to the host, for this pass.
func (r *run) runner(log *restartLog) *restart.Runner {
	runner := &restart.Runner{
		Now:         r.w.Now,
		Snapshot:    r.snapshot,
		ReadPidfile: r.w.ReadPidfile,
		Start:       r.w.Start,
		Kill:        r.killer.Kill,
		StopGroup:   r.stopGroup,
		Groups:      r.currentGroups,
		Creds:       r.w.Creds,
		MatchBudget: matchBudget(r.opt.Timeout),
		UserName:    r.w.UserName,
		Check:       r.w.CheckStart,
		StopCommand: r.w.StopCommand,
		Ready:       r.readiness,
		Record:      r.recordAttempt(),
		Log:         log.line,
		Quiet:       heldBackBefore(r.prev),
		Holder:      holder(r.w),
		Poll:        5 * time.Millisecond,
		Deadline:    r.started.Add(r.opt.Timeout),
		Force:       r.opt.Force,
		By:          r.opt.Act.By,
		DryRun:      r.opt.DryRun,
	}
	if r.w.Groups != nil {
		runner.Elsewhere = r.w.Groups.Elsewhere
	}
	return runner
}

// victims are what a destructive action on the daemon may signal: with
// a control group, its members (the group itself is stopped, listed here
// for the log); without, its main process and that process's descendants
// owned by its user, or for an orphaned daemon the orphans and theirs.
// Other processes that match its name or pattern are never in it.
func victims(d *check.Daemon, e *report.Daemon, snap *check.Snapshot, groups map[string][]int) []int {
	if members, ok := groups[d.Name]; ok {
		return members
	}
	if e.Status == check.Orphaned {
		var out []int
		for _, pid := range e.PIDs {
			out = append(out, snap.MainTree(pid, d.UID)...)
		}
		return out
	}
	if e.PID == nil {
		return nil
	}
	return snap.MainTree(*e.PID, d.UID)
}

// stopGroup empties a daemon's control group, for restarts and stops.
func (r *run) stopGroup(name string, grace time.Duration) []int {
	if r.w.Groups == nil {
		return nil
	}
	left, _ := r.w.Groups.Stop(name, grace)
	return left
}

// recordAttempt writes each start attempt into the status file before the
// start: a pass killed after it (SIGKILL, a crash, a reboot) still counts
// the attempt against the flap guard, and one that cannot write it starts
// nothing. The file then says the start was not verified; the pass's
// final write replaces that with the outcome.
func (r *run) recordAttempt() func(name string, at time.Time) error {
	cfg, st, w := r.cfg, r.st, r.w
	var pending *report.Status
	return func(name string, at time.Time) error {
		if pending == nil {
			data, err := st.JSON()
			if err == nil {
				pending, err = report.ParseStatus(data, cfg.StatusFile)
			}
			if err != nil {
				return err
			}
		}
		d := pending.Daemons[name]
		d.Restarts = append(d.Restarts, at.UTC())
		d.RestartsTotal++
		d.Action = report.ActionRestartFailed
		d.Message = "start attempted at " + at.Local().Format(time.TimeOnly) + "; the pass ended before it could verify it"
		// The file's verdict while the start is in flight: what a reader
		// (or the next pass, if this one is killed) must believe.
		pending.Finish(at.Sub(st.CheckedAt), cfg.RestartWarning)
		data, err := pending.JSON()
		if err == nil {
			err = w.WriteFile(cfg.StatusFile, data, 0o644)
		}
		if err != nil {
			return fmt.Errorf("status file %s: %w", cfg.StatusFile, err)
		}
		return nil
	}
}

// lastFailure is why the daemon's last start failed, from the last pass.
func lastFailure(prev *report.Status, name string) string {
	if prev == nil || prev.Daemons[name] == nil {
		return ""
	}
	if d := prev.Daemons[name]; d.LastFailure != nil {
		return d.LastFailure.Reason
	}
	return ""
}

// heldBackBefore says which daemons the last pass already found held back:
// their "held back" is logged once, when it starts, not on every pass.
func heldBackBefore(prev *report.Status) func(name string) bool {
	return func(name string) bool {
		if prev == nil {
			return false
		}
		d := prev.Daemons[name]
		return d != nil && d.HeldBack != nil
	}
}

// TextfileHint is the fix for a textfile a pass may not write: a folder
// of root's own for node_exporter, not another package's folder.
const TextfileHint = `write it in a folder only this user (root for the timer) can write, and point node_exporter there: textfile = "/var/lib/cortex-check/textfile/cortex.prom" and --collector.textfile.directory=/var/lib/cortex-check/textfile (README: Prometheus)`

// record writes the status file and the textfile: a writer's job.
func record(ctx context.Context, cfg *check.Config, st *report.Status, opt Options, w World) Result {
	if opt.Act.Verb == "" {
		st.TimerAt = st.CheckedAt // a person's verb is not the timer
	}
	data, err := st.JSON()
	if err == nil {
		err = w.WriteFile(cfg.StatusFile, data, 0o644)
	}
	if err != nil {
		return Result{Status: st, Err: WithHint(fmt.Errorf("status file not written (the previous one is unchanged): %w", err),
			"its folder must be writable for this user and have free space (df -h); or set status_file in "+cfg.Path)}
	}
	var notes []string
	if textfile := cmp.Or(opt.Textfile, cfg.Textfile); textfile != "" {
		if err := w.WriteFile(textfile, st.Metrics(), 0o644); err != nil {
			// Never a silent OK: node_exporter goes on serving the old
			// file, whose metrics all look fine. The verdict says so, and
			// so does the status file, written again with it.
			st.NotWritten("textfile")
			if again, jerr := st.JSON(); jerr == nil {
				data = again
				if werr := w.WriteFile(cfg.StatusFile, data, 0o644); werr != nil {
					notes = append(notes, fmt.Sprintf("warning: status file %s not updated with the textfile's failure: %v", cfg.StatusFile, werr))
				}
			}
			notes = append(notes, fmt.Sprintf("warning: textfile %s not written (node_exporter serves the previous one): %v; hint: %s", textfile, err, TextfileHint))
		}
	}
	if ctx.Err() != nil {
		// The status file holds what this pass saw, written whole; the
		// next pass finishes the work.
		return Result{Status: st, JSON: data, Final: true, Err: WithHint(errors.New("interrupted by a signal: no new restart was started after it"),
			"the status file is whole and the lock released: the next pass runs normally")}
	}
	return Result{Status: st, JSON: data, Notes: notes}
}

// restartLog appends one line per action to log_file: RFC3339 time, then
// "name: what happened". It opens the file at the first line and closes it
// at the end of the pass, so logrotate needs no copytruncate, and a pass
// that did nothing writes nothing.
type restartLog struct {
	path string
	open func(path string) (io.WriteCloser, error)
	now  func() time.Time
	f    io.WriteCloser
	err  error
}

func (l *restartLog) line(s string) {
	if l == nil || l.err != nil {
		return
	}
	if l.f == nil {
		if l.f, l.err = l.open(l.path); l.err != nil {
			return
		}
	}
	_, l.err = fmt.Fprintf(l.f, "%s %s\n", l.now().Format(time.RFC3339), escape.Line(s))
}

func (l *restartLog) close() error {
	if l == nil {
		return nil
	}
	if l.f != nil {
		if err := l.f.Close(); l.err == nil {
			l.err = err
		}
	}
	return l.err
}

// selectDaemons applies --only, in config order.
func selectDaemons(cfg *check.Config, only []string) ([]check.Daemon, error) {
	if len(only) == 0 {
		return cfg.Daemons, nil
	}
	for _, name := range only {
		if _, ok := cfg.Daemon(name); !ok {
			return nil, WithHint(fmt.Errorf("no daemon named %q in %s%s", name, cfg.Path, check.DidYouMean(name, names(cfg.Daemons))),
				"configured daemons: "+strings.Join(names(cfg.Daemons), ", "))
		}
	}
	var out []check.Daemon
	for _, d := range cfg.Daemons {
		if slices.Contains(only, d.Name) {
			out = append(out, d)
		}
	}
	return out, nil
}

func names(daemons []check.Daemon) []string {
	out := make([]string, len(daemons))
	for i, d := range daemons {
		out[i] = d.Name
	}
	return out
}

// CanStart says which daemons the config gives a start command, for the
// renderings' advice.
func CanStart(cfg *check.Config) report.CanStart {
	return func(name string) bool {
		d, ok := cfg.Daemon(name)
		return ok && len(d.Start) > 0
	}
}

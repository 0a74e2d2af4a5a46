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
	Kill func(pids []int, grace time.Duration)
	// ReadFile reads the previous status file.
	ReadFile check.ReadFileFunc
	// ReadPidfile reads a pidfile's first line.
	ReadPidfile func(path string) (check.Pidfile, error)
	// WriteFile replaces a file whole or not at all.
	WriteFile func(path string, data []byte, perm os.FileMode) error
	// Lock takes the pass's lock, waiting up to wait, until ctx ends.
	Lock func(ctx context.Context, path string, wait time.Duration) (unlock func(), err error)
	// OpenLog opens the restart log for appending.
	OpenLog func(path string) (io.WriteCloser, error)
	// Warn reports a problem that does not stop the pass.
	Warn func(msg string)

	SelfPID       int      // the pass itself, never a daemon
	SelfArgs      []string // its argv, where the table shows none
	Host, Version string
}

// Result is one pass's outcome, before anything is printed.
type Result struct {
	Status *report.Status // nil when the pass could not judge at all
	JSON   []byte         // the status file's content
	Err    error          // set when the pass could not judge or record: exit 3
	// Final says that running the pass again cannot change the answer (a
	// bad config, bad arguments, a signal), for --wait.
	Final bool
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
// pass restarts daemons, so after that it judges without writing.
const plainLockWait = time.Second

// Run runs one pass of cfg.
func Run(ctx context.Context, cfg *check.Config, opt Options, w World) Result {
	started := w.Now()
	daemons, err := selectDaemons(cfg, opt.Only)
	if err != nil {
		return Result{Err: err, Final: true}
	}
	if err := checkConfigTrust(opt, w); err != nil {
		return Result{Err: err, Final: true}
	}
	unlock, writeStatus, err := takeLock(ctx, cfg, opt, w)
	if err != nil {
		return Result{Err: err, Final: ctx.Err() != nil}
	}
	if unlock != nil {
		defer unlock()
	}

	snapshot := func() (*check.Snapshot, error) {
		procs, err := w.ReadTable(check.Needs(cfg.Daemons))
		if err != nil {
			return nil, err
		}
		return check.NewSnapshot(procs, w.SelfPID, w.SelfArgs), nil
	}
	snap, err := snapshot()
	if err != nil {
		return Result{Err: err}
	}
	// One judgement of every configured daemon: --only limits what is
	// reported, and --fix still sees the others as dependencies.
	prev := previous(cfg, w)
	verdicts := snap.Judge(cfg.Daemons, check.Clues{ReadPidfile: w.ReadPidfile, LastMain: lastMain(prev)})
	now := w.Now()
	st := report.New(now, w.Host, w.Version, names(cfg.Daemons), prev)
	running := map[string]bool{}
	for i := range cfg.Daemons {
		d := &cfg.Daemons[i]
		running[d.Name] = verdicts[i].Running()
		if !slices.ContainsFunc(daemons, func(c check.Daemon) bool { return c.Name == d.Name }) {
			continue
		}
		entry := report.FromResult(verdicts[i].Result, d.MaxInstances, now)
		st.Set(d.Name, entry)
		// Keep only the restarts inside the window: the status file's
		// "recent restarts" must not grow with restarts long past.
		entry.Restarts, _ = restart.FlapGuard(entry.Restarts, now, d.MaxRestarts, d.RestartWindow)
	}
	if opt.Fix && ctx.Err() == nil {
		fix(ctx, cfg, daemons, st, running, snapshot, started, opt, w)
	}
	st.Finish(w.Now().Sub(started))
	return record(ctx, cfg, st, opt, w, writeStatus)
}

// checkConfigTrust refuses --fix on a config others could have changed:
// its start commands run with the pass's privileges. A plain pass runs no
// command, so it only warns.
func checkConfigTrust(opt Options, w World) error {
	err := opt.ConfigUntrusted
	if err == nil {
		return nil
	}
	if opt.Fix && !opt.DryRun {
		return WithHint(fmt.Errorf("--fix refused: %w", err), "a plain pass (without --fix) still checks; it never runs start commands")
	}
	w.Warn(err.Error())
	return nil
}

// takeLock takes the lock that keeps two passes of one config from
// interleaving their restarts and status files. A plain pass that cannot
// have it in time judges anyway and leaves the status file to the pass
// that holds it (writeStatus false).
func takeLock(ctx context.Context, cfg *check.Config, opt Options, w World) (unlock func(), writeStatus bool, err error) {
	wait := opt.LockTimeout
	if !opt.Fix {
		wait = min(wait, plainLockWait)
	}
	unlock, err = w.Lock(ctx, cfg.LockFile, wait)
	switch {
	case err == nil:
		return unlock, true, nil
	case !opt.Fix && errors.Is(err, restart.ErrLocked):
		w.Warn(err.Error() + "; judging without writing the status file: that pass writes it")
		return nil, false, nil
	}
	return nil, false, err
}

// previous is the last pass's status file, for the restart history and the
// entries --only leaves out. A damaged one is reported and started afresh.
func previous(cfg *check.Config, w World) *report.Status {
	b, err := w.ReadFile(cfg.StatusFile)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	var prev *report.Status
	if err == nil {
		prev, err = report.ParseStatus(b, cfg.StatusFile)
	}
	if err != nil {
		w.Warn(fmt.Sprintf("%v; starting a fresh status file", err))
		return nil
	}
	return prev
}

// lastMain is each daemon's main PID as the previous pass recorded it.
func lastMain(prev *report.Status) map[string]int {
	out := map[string]int{}
	if prev == nil {
		return out
	}
	for name, d := range prev.Daemons {
		if d.PID != nil {
			out[name] = *d.PID
		}
	}
	return out
}

// fix restarts the judged daemons that are down and records the outcomes.
func fix(ctx context.Context, cfg *check.Config, daemons []check.Daemon, st *report.Status, running map[string]bool,
	snapshot func() (*check.Snapshot, error), started time.Time, opt Options, w World) {
	var down []restart.Down
	for i := range daemons {
		d := &daemons[i]
		entry := st.Daemons[d.Name]
		if len(d.Start) == 0 {
			continue
		}
		// Stopped and orphaned daemons are started; a suspended one is
		// left alone (a second copy would fight it for its port), and one
		// the pass cannot see is not started blind.
		switch entry.Status {
		case check.Stopped:
			down = append(down, restart.Down{Daemon: d, History: entry.Restarts})
		case check.Orphaned:
			down = append(down, restart.Down{Daemon: d, History: entry.Restarts, Orphans: entry.PIDs})
		}
	}
	if len(down) == 0 {
		return
	}
	log := &restartLog{path: cfg.LogFile, open: w.OpenLog, now: w.Now}
	runner := restart.Runner{
		Now:         w.Now,
		Snapshot:    snapshot,
		ReadPidfile: w.ReadPidfile,
		Start:       w.Start,
		Kill:        w.Kill,
		Log:         log.line,
		Poll:        5 * time.Millisecond,
		Deadline:    started.Add(opt.Timeout),
		Force:       opt.Force,
		DryRun:      opt.DryRun,
	}
	now := w.Now()
	for _, o := range runner.Run(ctx, down, running) {
		st.Daemons[o.Name].Record(o, now)
	}
	if err := log.close(); err != nil {
		w.Warn("restart log not written: " + err.Error())
	}
}

// record writes the status file and the textfile, when this pass may.
func record(ctx context.Context, cfg *check.Config, st *report.Status, opt Options, w World, writeStatus bool) Result {
	data, err := st.JSON()
	if err == nil && writeStatus {
		err = w.WriteFile(cfg.StatusFile, data, 0o644)
	}
	if err != nil {
		return Result{Status: st, Err: WithHint(fmt.Errorf("status file not written (the previous one is unchanged): %w", err),
			"its folder must be writable for this user and have free space (df -h); or set status_file in "+cfg.Path)}
	}
	if textfile := cmp.Or(opt.Textfile, cfg.Textfile); textfile != "" && writeStatus {
		if err := w.WriteFile(textfile, st.Metrics(), 0o644); err != nil {
			return Result{Status: st, Err: WithHint(fmt.Errorf("textfile not written (the previous one is unchanged): %w", err),
				"point --textfile or textfile at node_exporter's --collector.textfile.directory, writable for this user")}
		}
	}
	if ctx.Err() != nil {
		// The status file holds what this pass saw, written whole; the
		// next pass finishes the work.
		return Result{Status: st, JSON: data, Final: true, Err: WithHint(errors.New("interrupted by a signal: no new restart was started after it"),
			"the status file is whole and the lock released: the next pass runs normally")}
	}
	return Result{Status: st, JSON: data}
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
	if l.err != nil {
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
			return nil, WithHint(fmt.Errorf("--only: no daemon named %q in %s", name, cfg.Path),
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

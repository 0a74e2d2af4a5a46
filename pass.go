package main

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/cortex/cortex-check/check"
	"github.com/cortex/cortex-check/report"
	"github.com/cortex/cortex-check/restart"
)

type checkCmd struct {
	Format      string        `enum:"nagios,text,json" default:"nagios" help:"What to print: nagios (first line state, summary and perfdata), text (a table) or json (the status file)."`
	Only        []string      `sep:"," placeholder:"NAME,..." help:"Check only these daemons; the status file keeps the others' last entries, marked not checked."`
	Fix         bool          `help:"Restart the daemons that are down, in dependency order, and verify that they run."`
	DryRun      bool          `help:"With --fix: say what would be restarted, start nothing."`
	Force       bool          `help:"With --fix: restart even a daemon whose restarts are held back by max_restarts."`
	Timeout     time.Duration `default:"25s" help:"With --fix: the whole pass's time budget; a daemon not up by then is reported failed."`
	LockTimeout time.Duration `default:"10s" help:"How long to wait for another pass with the same config to finish before exiting 3."`
	Quiet       bool          `short:"q" help:"Print nothing when the state is OK (for cron)."`
	Wait        time.Duration `placeholder:"DURATION" help:"Repeat the pass about once a second until every daemon runs or DURATION is up; exit with the last pass's code (for CI smoke tests)."`
	Textfile    string        `type:"path" placeholder:"PATH" help:"Also write Prometheus metrics to PATH for node_exporter's textfile collector (overrides textfile in the config)."`

	// interrupted is closed on SIGTERM or SIGINT; set by main, not a flag.
	interrupted <-chan struct{}
}

func (c *checkCmd) wasInterrupted() bool {
	select {
	case <-c.interrupted:
		return true
	default:
		return false
	}
}

// validate rejects flags that mean nothing without --fix.
func (c *checkCmd) validate() error {
	if !c.Fix && (c.DryRun || c.Force) {
		return errors.New("--dry-run and --force go with --fix")
	}
	if c.Timeout <= 0 || c.LockTimeout < 0 || c.Wait < 0 {
		return errors.New("--timeout must be positive, --lock-timeout and --wait not negative")
	}
	return nil
}

// configError adds the hint that fits: where the file is missing, the way
// to point at another; otherwise the reference.
func configError(err error, configPath string) error {
	if errors.Is(err, fs.ErrNotExist) {
		return withHint(err, "the shipped example is cortex.toml in the repository; -c takes any path")
	}
	return withHint(err, "the README's configuration reference lists every key; cortex-check -c "+configPath+" validate shows what each daemon matches")
}

// passResult is one pass's outcome, before anything is printed.
type passResult struct {
	st   *report.Status // nil when the pass could not judge at all
	data []byte         // the status file's content
	err  error          // set when the pass could not judge: exit 3
	// final says that running the pass again cannot change the answer
	// (a bad config or bad arguments), for --wait.
	final bool
}

func (r passResult) code() int {
	if r.err != nil {
		return int(report.Unknown)
	}
	return r.st.ExitCode
}

func (c *checkCmd) run(configPath string, stdout, stderr io.Writer) (int, error) {
	if c.Wait <= 0 {
		return c.print(c.pass(configPath, stderr), stdout)
	}
	// --wait: pass after pass until every daemon runs or the time is up;
	// the last pass speaks.
	deadline := time.Now().Add(c.Wait)
	progress := isTerminal(stderr)
	for {
		res := c.pass(configPath, stderr)
		done := res.final || res.code() == int(report.OK) || res.code() == int(report.Warning)
		if done || time.Until(deadline) < time.Second || c.wasInterrupted() {
			if progress {
				fmt.Fprint(stderr, "\r\033[K")
			}
			return c.print(res, stdout)
		}
		if progress {
			what := "cannot judge yet"
			if res.st != nil {
				what = res.st.Summary
			}
			fmt.Fprintf(stderr, "\r\033[Kwaiting: %s (%s left)", what, time.Until(deadline).Round(time.Second))
		}
		select {
		case <-time.After(time.Second):
		case <-c.interrupted:
		}
	}
}

// print writes a pass's outcome to stdout in the chosen format.
func (c *checkCmd) print(res passResult, stdout io.Writer) (int, error) {
	if res.err != nil {
		if c.Format != "nagios" {
			return int(report.Unknown), res.err
		}
		line := "CORTEX UNKNOWN - " + oneLine(res.err.Error())
		if res.st != nil {
			line += " (" + res.st.Summary + ")"
		}
		fmt.Fprintln(stdout, line)
		return int(report.Unknown), shown(res.err)
	}
	if c.Quiet && res.st.State == report.OK {
		return res.code(), nil
	}
	switch c.Format {
	case "json":
		stdout.Write(res.data)
	case "text":
		io.WriteString(stdout, res.st.Text(useColor(stdout)))
	default:
		io.WriteString(stdout, res.st.Nagios())
	}
	return res.code(), nil
}

// pass runs one pass: config, lock, one read of the process table, the
// restarts when --fix, the status file and the textfile.
func (c *checkCmd) pass(configPath string, stderr io.Writer) passResult {
	started := time.Now()
	cfg, err := check.Load(configPath)
	if err != nil {
		return passResult{err: configError(err, configPath), final: true}
	}
	daemons, err := selectDaemons(cfg, c.Only)
	if err != nil {
		return passResult{err: err, final: true}
	}
	// One pass at a time per config: the status file's restart history and
	// the restarts themselves must not interleave.
	// Start commands run with our privileges: --fix refuses a config that
	// others could have changed; a plain pass only warns.
	uid := os.Geteuid()
	if err := restart.CheckTrusted(cfg.Path, uid); err != nil {
		if c.Fix && !c.DryRun {
			return passResult{err: withHint(fmt.Errorf("--fix refused: %w", err), "a plain pass (without --fix) still checks; it never runs start commands"), final: true}
		}
		warn(stderr, "%v", err)
	}
	// A plain pass (a Nagios check) must answer within the plugin's
	// timeout even while a --fix pass restarts daemons: it waits at most a
	// second, then judges anyway and leaves the status file to that pass.
	wait, writeStatus := c.LockTimeout, true
	if !c.Fix {
		wait = min(wait, time.Second)
	}
	unlock, err := restart.Lock(cfg.LockFile, wait, c.interrupted)
	switch {
	case err == nil:
		defer unlock()
	case !c.Fix && errors.Is(err, restart.ErrLocked):
		warn(stderr, "%v; judging without writing the status file: that pass writes it", err)
		writeStatus = false
	default:
		return passResult{err: err, final: c.wasInterrupted()}
	}

	prev, err := report.ReadStatus(cfg.StatusFile)
	if err != nil {
		warn(stderr, "%v; starting a fresh status file", err)
	}

	snapshot := func() (*check.Snapshot, error) {
		procs, err := check.ReadTable(check.NeedsCmdline(cfg.Daemons))
		if err != nil {
			return nil, err
		}
		return check.NewSnapshot(procs, os.Getpid(), os.Args), nil
	}
	snap, err := snapshot()
	if err != nil {
		return passResult{err: err}
	}
	// One scan for every configured daemon: --only limits what is judged
	// and reported, and --fix still sees the others as dependencies.
	all := snap.Match(cfg.Daemons)
	matchesOf := make(map[string][]*check.Process, len(all))
	for i := range cfg.Daemons {
		matchesOf[cfg.Daemons[i].Name] = all[i]
	}

	now := time.Now()
	st := report.New(now, hostname(), buildVersion(), names(cfg.Daemons), prev)
	for i := range daemons {
		d := &daemons[i]
		r := snap.Judge(d, matchesOf[d.Name], os.ReadFile)
		entry := report.FromResult(r, d.MaxInstances, now)
		entry.CanStart = len(d.Start) > 0
		st.Set(d.Name, entry)
		// Keep only the restarts inside the window: the status file's
		// "recent restarts" must not grow with restarts long past.
		entry.Restarts, _ = restart.FlapGuard(entry.Restarts, now, d.MaxRestarts, d.RestartWindow)
	}
	if c.Fix && !c.wasInterrupted() {
		running := map[string]bool{}
		for i := range daemons {
			running[daemons[i].Name] = st.Daemons[daemons[i].Name].Running()
		}
		// Dependencies left out by --only are judged from this same
		// snapshot, not from the last status file.
		for i := range cfg.Daemons {
			if d := &cfg.Daemons[i]; !slices.Contains(c.Only, d.Name) {
				running[d.Name] = snap.Judge(d, matchesOf[d.Name], os.ReadFile).Running
			}
		}
		c.fix(cfg, daemons, st, running, snapshot, started, uid, stderr)
	}
	st.Finish(time.Since(started))

	data, err := st.JSON()
	if err == nil && writeStatus {
		err = report.WriteFileAtomic(cfg.StatusFile, data, 0o644)
	}
	if err != nil {
		return passResult{st: st, err: withHint(fmt.Errorf("status file not written (the previous one is unchanged): %w", err),
			"its folder must be writable for this user and have free space (df -h); or set status_file in "+cfg.Path)}
	}
	textfile := cmp.Or(c.Textfile, cfg.Textfile)
	if textfile != "" && writeStatus {
		if err := report.WriteFileAtomic(textfile, st.Metrics(), 0o644); err != nil {
			return passResult{st: st, err: withHint(fmt.Errorf("textfile not written (the previous one is unchanged): %w", err),
				"point --textfile or textfile at node_exporter's --collector.textfile.directory, writable for this user")}
		}
	}
	if c.wasInterrupted() {
		// The status file holds what this pass saw, written whole; the
		// next pass finishes the work.
		return passResult{st: st, data: data, final: true, err: withHint(errors.New("interrupted by a signal: no new restart was started after it"),
			"the status file is whole and the lock released: the next pass runs normally")}
	}
	return passResult{st: st, data: data}
}

// fix restarts the checked daemons that are down and records the outcomes.
func (c *checkCmd) fix(cfg *check.Config, daemons []check.Daemon, st *report.Status, running map[string]bool,
	snapshot func() (*check.Snapshot, error), started time.Time, uid int, stderr io.Writer) {
	var down []restart.Down
	for i := range daemons {
		d := &daemons[i]
		if entry := st.Daemons[d.Name]; !entry.Running() && len(d.Start) > 0 {
			down = append(down, restart.Down{Daemon: d, History: entry.Restarts})
		}
	}
	if len(down) == 0 {
		return
	}
	log := &restartLog{path: cfg.LogFile}
	starter := restart.Starter{ConfigDir: cfg.Dir, LogDir: cfg.LogDir, UID: uid}
	runner := restart.Runner{
		Now:      time.Now,
		Snapshot: snapshot,
		ReadFile: os.ReadFile,
		Start:    starter.Start,
		Log:      log.line,
		Poll:     5 * time.Millisecond,
		Deadline: started.Add(c.Timeout),
		Force:    c.Force,
		DryRun:   c.DryRun,

		Interrupted: c.interrupted,
	}
	now := time.Now()
	for _, o := range runner.Run(down, running) {
		st.Daemons[o.Name].Record(o.Action, o.Message, o.Restarts, o.Attempted, o.Result, now)
	}
	if err := log.close(); err != nil {
		warn(stderr, "restart log not written: %v", err)
	}
}

// restartLog appends one line per action to log_file: RFC3339 time, then
// "name: what happened". It opens the file at the first line and closes it
// at the end of the pass, so logrotate needs no copytruncate, and a pass
// that did nothing writes nothing.
type restartLog struct {
	path string
	f    *os.File
	err  error
}

func (l *restartLog) line(s string) {
	if l.err != nil {
		return
	}
	if l.f == nil {
		if l.err = os.MkdirAll(filepath.Dir(l.path), 0o755); l.err != nil {
			return
		}
		if l.f, l.err = os.OpenFile(l.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644); l.err != nil {
			return
		}
	}
	_, l.err = fmt.Fprintf(l.f, "%s %s\n", time.Now().Format(time.RFC3339), oneLine(s))
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
			return nil, withHint(fmt.Errorf("--only: no daemon named %q in %s", name, cfg.Path),
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

func hostname() string {
	h, err := os.Hostname()
	if err != nil {
		return "unknown"
	}
	return h
}

func warn(w io.Writer, format string, args ...any) {
	fmt.Fprintf(w, "cortex-check: warning: %s\n", oneLine(fmt.Sprintf(format, args...)))
}

// isTerminal says whether w is a terminal, for progress and colour.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// useColor: only on a terminal, and never when NO_COLOR is set (no-color.org).
func useColor(w io.Writer) bool {
	return os.Getenv("NO_COLOR") == "" && isTerminal(w)
}

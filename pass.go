package main

import (
	"errors"
	"fmt"
	"io"
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
}

// validate rejects flags that mean nothing without --fix.
func (c *checkCmd) validate() error {
	if !c.Fix && (c.DryRun || c.Force) {
		return errors.New("--dry-run and --force go with --fix")
	}
	if c.Timeout <= 0 || c.LockTimeout < 0 {
		return errors.New("--timeout must be positive and --lock-timeout not negative")
	}
	return nil
}

// unknown reports a pass that could not judge: exit 3.
func unknown(format string, stdout io.Writer, err error) (int, error) {
	if format == "nagios" {
		fmt.Fprintf(stdout, "CORTEX UNKNOWN - %s\n", oneLine(err.Error()))
		return int(report.Unknown), shown(err)
	}
	return int(report.Unknown), err
}

func (c *checkCmd) run(configPath string, stdout, stderr io.Writer) (int, error) {
	started := time.Now()
	cfg, err := check.Load(configPath)
	if err != nil {
		return unknown(c.Format, stdout, withHint(err, "cortex-check validate -c "+configPath+" checks the config; the README's config reference lists every key"))
	}
	daemons, err := selectDaemons(cfg, c.Only)
	if err != nil {
		return unknown(c.Format, stdout, err)
	}
	// One pass at a time per config: the status file's restart history and
	// the restarts themselves must not interleave.
	unlock, err := restart.Lock(cfg.LockFile, c.LockTimeout)
	if err != nil {
		return unknown(c.Format, stdout, err)
	}
	defer unlock()

	prev, err := report.ReadStatus(cfg.StatusFile)
	if err != nil {
		warn(stderr, "%v; starting a fresh status file", err)
	}

	snapshot := func() (*check.Snapshot, error) {
		procs, err := check.ReadTable(check.NeedsCmdline(daemons))
		if err != nil {
			return nil, err
		}
		return check.NewSnapshot(procs, os.Getpid(), os.Args), nil
	}
	snap, err := snapshot()
	if err != nil {
		return unknown(c.Format, stdout, err)
	}
	matches := snap.Match(daemons)

	now := time.Now()
	st := report.New(now, hostname(), buildVersion(), names(cfg.Daemons), prev)
	for i := range daemons {
		d := &daemons[i]
		r := snap.Judge(d, matches[i], os.ReadFile)
		entry := report.FromResult(r, d.MaxInstances, now)
		entry.CanStart = len(d.Start) > 0
		st.Set(d.Name, entry)
	}
	if c.Fix {
		c.fix(cfg, daemons, st, snapshot, started, stderr)
	}
	st.Finish(time.Since(started))

	data, err := st.JSON()
	if err == nil {
		err = report.WriteFileAtomic(cfg.StatusFile, data, 0o644)
	}
	if err != nil {
		err = withHint(fmt.Errorf("status file not written (the previous one is unchanged): %w", err),
			"make its folder writable for this user, or set status_file in "+cfg.Path)
		if c.Format == "nagios" {
			fmt.Fprintf(stdout, "CORTEX UNKNOWN - %s (%s)\n", oneLine(err.Error()), st.Summary)
			return int(report.Unknown), shown(err)
		}
		return int(report.Unknown), err
	}

	switch c.Format {
	case "json":
		stdout.Write(data)
	case "text":
		io.WriteString(stdout, st.Text())
	default:
		io.WriteString(stdout, st.Nagios())
	}
	return st.ExitCode, nil
}

// fix restarts the checked daemons that are down and records the outcomes.
func (c *checkCmd) fix(cfg *check.Config, daemons []check.Daemon, st *report.Status,
	snapshot func() (*check.Snapshot, error), started time.Time, stderr io.Writer) {
	running := map[string]bool{}
	for name, entry := range st.Daemons {
		running[name] = entry.Running()
	}
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
	starter := restart.Starter{ConfigDir: cfg.Dir, LogDir: cfg.LogDir}
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

package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"time"

	"github.com/cortex/cortex-check/check"
	"github.com/cortex/cortex-check/escape"
	"github.com/cortex/cortex-check/pass"
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
}

// Validate rejects flags that mean nothing without --fix; kong reports its
// error as a usage error.
func (c *checkCmd) Validate() error {
	if !c.Fix && (c.DryRun || c.Force) {
		return errors.New("--dry-run and --force go with --fix")
	}
	if c.Timeout <= 0 || c.LockTimeout < 0 || c.Wait < 0 {
		return errors.New("--timeout must be positive, --lock-timeout and --wait not negative")
	}
	return nil
}

func (c *checkCmd) options() pass.Options {
	return pass.Options{Only: c.Only, Fix: c.Fix, DryRun: c.DryRun, Force: c.Force,
		Timeout: c.Timeout, LockTimeout: c.LockTimeout, Textfile: c.Textfile}
}

// Run runs one pass, or, with --wait, passes until every daemon runs.
func (c *checkCmd) Run(a *app) error {
	var canStart report.CanStart
	once := func() pass.Result {
		cfg, err := loadConfig(a.config)
		if err != nil {
			return pass.Result{Err: err, Final: true}
		}
		canStart = pass.CanStart(cfg)
		return pass.Run(a.ctx, cfg, c.options(), hostWorld(cfg, a.stderr))
	}
	var res pass.Result
	if c.Wait <= 0 {
		res = once()
	} else {
		progress := isTerminal(a.stderr)
		res = pass.Repeat(a.ctx, c.Wait, pass.RealClock, once, func(r pass.Result, left time.Duration) {
			if progress {
				what := "cannot judge yet"
				if r.Status != nil {
					what = r.Status.Summary
				}
				fmt.Fprintf(a.stderr, "\r\033[Kwaiting: %s (%s left)", what, left.Round(time.Second))
			}
		})
		if progress {
			fmt.Fprint(a.stderr, "\r\033[K")
		}
	}
	return c.print(a, res, canStart)
}

// print writes a pass's outcome to stdout in the chosen format.
func (c *checkCmd) print(a *app, res pass.Result, canStart report.CanStart) error {
	a.code = res.Code()
	if res.Err != nil {
		if c.Format != "nagios" {
			return res.Err
		}
		line := "CORTEX UNKNOWN - " + escape.Line(res.Err.Error())
		if res.Status != nil {
			line += " (" + res.Status.Summary + ")"
		}
		fmt.Fprintln(a.stdout, line)
		return shown(res.Err)
	}
	if c.Quiet && res.Status.State == report.OK {
		return nil
	}
	switch c.Format {
	case "json":
		a.stdout.Write(res.JSON)
	case "text":
		io.WriteString(a.stdout, res.Status.Text(useColor(a.stdout), canStart))
	default:
		io.WriteString(a.stdout, res.Status.Nagios(canStart))
	}
	return nil
}

// hostWorld is the pass's way to this host: /proc, the clock, the files
// and the start programs.
func hostWorld(cfg *check.Config, stderr io.Writer) pass.World {
	uid := os.Geteuid()
	starter := restart.Starter{ConfigDir: cfg.Dir, LogDir: cfg.LogDir, UID: uid}
	return pass.World{
		ReadTable: check.ReadTable,
		Now:       time.Now,
		Start: func(d *check.Daemon) (restart.Process, error) {
			owner, err := restart.LookupOwner(d)
			if err != nil {
				return nil, err
			}
			return starter.Start(d, owner)
		},
		Kill:        restart.Kill,
		ReadFile:    os.ReadFile,
		ReadPidfile: check.ReadPidfile,
		WriteFile:   report.WriteFileAtomic,
		Lock:        restart.Lock,
		Trusted:     func(path string) error { return restart.CheckTrusted(path, uid) },
		OpenLog:     openAppend,
		Warn:        func(msg string) { warn(stderr, "%s", msg) },
		SelfPID:     os.Getpid(),
		SelfArgs:    os.Args,
		Host:        hostname(),
		Version:     buildVersion(),
	}
}

// openAppend opens the restart log, creating it and its folder.
func openAppend(path string) (io.WriteCloser, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	return os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
}

// loadConfig reads the config and finds its daemons' users.
func loadConfig(path string) (*check.Config, error) {
	cfg, err := check.Load(path)
	if err == nil {
		err = cfg.ResolveUsers(lookupUID)
	}
	if err != nil {
		return nil, configError(err, path)
	}
	return cfg, nil
}

func lookupUID(name string) (int, error) {
	u, err := user.Lookup(name)
	if err != nil {
		var unknown user.UnknownUserError
		if errors.As(err, &unknown) {
			return 0, errors.New("no such user on this host")
		}
		return 0, err
	}
	return strconv.Atoi(u.Uid)
}

// configError adds the hint that fits: where the file is missing, the way
// to point at another; otherwise the reference.
func configError(err error, configPath string) error {
	if errors.Is(err, fs.ErrNotExist) {
		return pass.WithHint(err, "the shipped example is cortex.toml in the repository; -c takes any path")
	}
	return pass.WithHint(err, "the README's configuration reference lists every key; cortex-check -c "+configPath+" validate shows what each daemon matches")
}

func hostname() string {
	h, err := os.Hostname()
	if err != nil {
		return "unknown"
	}
	return h
}

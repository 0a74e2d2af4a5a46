package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/user"
	"strconv"
	"strings"
	"time"

	"github.com/cortex/cortex-check/cgroup"
	"github.com/cortex/cortex-check/check"
	"github.com/cortex/cortex-check/pass"
	"github.com/cortex/cortex-check/probe"
	"github.com/cortex/cortex-check/report"
	"github.com/cortex/cortex-check/restart"
	"github.com/cortex/cortex-check/trust"
)

type checkCmd struct {
	Format string   `enum:"nagios,text,json" default:"nagios" help:"What to print: nagios (first line state, summary and perfdata), text (a table) or json (the status file)."`
	Only   []string `sep:"," placeholder:"NAME,..." help:"Check only these daemons; the status file keeps the others' last entries, marked not checked."`
	Fix    bool     `help:"Restart the daemons that are down, in dependency order, and verify that they run."`
	DryRun bool     `help:"With --fix: say what would be restarted, start nothing."`
	Force  bool     `help:"With --fix: restart even a daemon whose restarts are held back by max_restarts."`
	passFlags
	Quiet     bool          `short:"q" help:"Print nothing when the state is OK (for cron)."`
	Wait      time.Duration `placeholder:"DURATION" help:"Repeat the pass about once a second until every daemon runs or DURATION is up; exit with the last pass's code (for CI smoke tests)."`
	Textfile  string        `type:"path" placeholder:"PATH" help:"Also write Prometheus metrics to PATH for node_exporter's textfile collector (overrides textfile in the config)."`
	ReadOnly  bool          `help:"Judge live and write nothing (no lock, status file, textfile or log): for Nagios, NRPE and Icinga checks run as another user beside the timer's --fix pass."`
	OutputLog string        `type:"path" placeholder:"PATH" help:"Append what the pass prints (stdout and stderr) to PATH instead, opened like the restart log: never through a link, in folders only this user or root can write (for cron, instead of a shell's >>)."`
}

// Validate rejects flags that mean nothing without --fix; kong reports its
// error as a usage error.
func (c *checkCmd) Validate() error {
	if !c.Fix && (c.DryRun || c.Force) {
		return errors.New("--dry-run and --force go with --fix")
	}
	if c.ReadOnly && c.Fix {
		return errors.New("--read-only writes nothing and --fix restarts: choose one (--fix --dry-run says what --fix would do)")
	}
	if c.Wait < 0 {
		return errors.New("--wait must not be negative")
	}
	return c.passFlags.Validate()
}

// passFlags are the flags of a pass that a person's verbs take too: one
// set, one meaning.
type passFlags struct {
	Timeout     time.Duration `placeholder:"DURATION" help:"The whole pass's time budget for starting and stopping; a start still in progress then is left running for the next pass to judge (default: 25s, or longer where the config's start_timeout, start_secs and stop_grace need it)."`
	LockTimeout time.Duration `default:"10s" help:"How long to wait for another pass with the same config to finish before exiting 3."`
}

// Validate rejects negative durations.
func (f *passFlags) Validate() error {
	if f.Timeout < 0 || f.LockTimeout < 0 {
		return errors.New("--timeout and --lock-timeout must not be negative")
	}
	return nil
}

// DefaultTimeout is a pass's budget when the config asks for no more.
const DefaultTimeout = 25 * time.Second

// timeout is --timeout, or what the daemons named by only (all when
// none) need: a start is given its start_timeout and start_secs after
// those of the daemons it waits for (after), a stop its stop_grace
// (check.StartNeeds); a PostgreSQL in crash recovery with start_timeout =
// "60s" is not killed 25 s into it for the pass's sake.
func (f *passFlags) timeout(daemons []check.Daemon, only []string) time.Duration {
	if f.Timeout > 0 {
		return f.Timeout
	}
	return check.StartBudget(daemons, only, DefaultTimeout)
}

func (c *checkCmd) options(cfg *check.Config) pass.Options {
	return pass.Options{Only: c.Only, Fix: c.Fix, DryRun: c.DryRun, Force: c.Force, ReadOnly: c.ReadOnly,
		Timeout: c.timeout(cfg.Daemons, c.Only), LockTimeout: c.LockTimeout, Textfile: c.Textfile}
}

// Run runs one pass, or, with --wait, passes until every daemon runs.
func (c *checkCmd) Run(a *app) error {
	if c.OutputLog != "" {
		return c.runLogged(a)
	}
	return c.run(a)
}

// runLogged runs the pass with what it prints kept, then appends that to
// --output-log in one write. The log is opened as the restart log is
// (trust.OpenAppend for this user): a shell's >> as root would follow a
// link that the owner of the log's folder planted and append to any file.
// A log that cannot be opened is refused, never written through: the
// output goes to stdout after all (cron mails it), with the reason.
func (c *checkCmd) runLogged(a *app) error {
	var out bytes.Buffer
	inner := *a
	inner.stdout, inner.stderr = &out, &out
	if err := c.run(&inner); err != nil {
		if inner.code == 0 {
			inner.code = int(report.Unknown)
		}
		printError(&out, err) // as main would have, into the log
	}
	a.code = inner.code
	f, err := trust.OpenAppend(c.OutputLog, trust.Caller())
	if err == nil {
		_, err = f.Write(out.Bytes())
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			return nil
		}
	}
	// On stderr whatever the format: --output-log is for cron, which
	// mails both, and a line after the perfdata would be taken for more.
	warn(a.stderr, "--output-log not written, the pass's output is on stdout instead: %v", err)
	a.stdout.Write(out.Bytes())
	return nil
}

func (c *checkCmd) run(a *app) error {
	var canStart report.CanStart
	notBefore := map[string]time.Time{} // under --wait, a failed start waits start_timeout
	once := func() pass.Result {
		started := time.Now()
		cfg, untrusted, err := loadConfig(a.config)
		if err != nil {
			return pass.Result{Err: err, Final: true, Notes: c.configErrorTextfile(err, started)}
		}
		canStart = pass.CanStart(cfg)
		opt := c.options(cfg)
		opt.ConfigUntrusted, opt.NotBefore = untrusted, notBefore
		res := pass.Run(a.ctx, cfg, opt, hostWorld(cfg, a.stderr))
		if untrusted != nil && res.Err != nil && res.Final && res.JSON == nil {
			// --fix refused a config others could change: it judged
			// nothing, and says so in the textfile as for a broken one.
			res.Notes = append(res.Notes, c.configErrorTextfile(res.Err, started)...)
		}
		if res.Status != nil {
			for _, d := range cfg.Daemons {
				if e := res.Status.Daemons[d.Name]; e != nil && e.Checked && e.Action == report.ActionRestartFailed {
					notBefore[d.Name] = time.Now().Add(d.StartTimeout)
				}
			}
		}
		return res
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

// configErrorTextfile writes the textfile named on the command line for a
// writer whose config cannot be read or parsed, or that --fix refuses
// (others could change it): node_exporter would go on
// serving the last pass's metrics, cortex_check_state among them, and
// then say the timer stopped, while the timer runs and the config is what
// is wrong. It says UNKNOWN and why instead (report.ConfigErrorMetrics),
// replaced whole as every pass's textfile is. An observer writes nothing.
func (c *checkCmd) configErrorTextfile(err error, started time.Time) (notes []string) {
	if c.Textfile == "" || c.ReadOnly || c.DryRun {
		return nil
	}
	data := report.ConfigErrorMetrics(time.Now(), time.Since(started), buildVersion(), err.Error())
	if werr := trust.WriteFileAtomic(c.Textfile, data, 0o644, os.Geteuid()); werr != nil {
		return []string{fmt.Sprintf("warning: textfile %s not written (node_exporter serves the previous one): %v; hint: %s", c.Textfile, werr, pass.TextfileHint)}
	}
	return nil
}

// print writes a pass's outcome to stdout in the chosen format. In the
// Nagios format everything goes to stdout, notes and hints in the long
// output: Icinga merges stderr into the plugin's output.
func (c *checkCmd) print(a *app, res pass.Result, canStart report.CanStart) error {
	a.code = res.Code()
	notes := res.Notes
	if res.Observer != "" && !c.ReadOnly && !c.DryRun {
		notes = append(notes, "read-only: wrote no status file, textfile or log: "+res.Observer)
	}
	if c.Format != "nagios" {
		for _, n := range notes {
			warn(a.stderr, "%s", strings.TrimPrefix(n, "warning: "))
		}
	}
	if res.Err != nil {
		if c.Format != "nagios" {
			return res.Err
		}
		full := report.PluginText(res.Err.Error())
		if res.Status != nil {
			full += " (" + res.Status.Summary + ")"
		}
		// The first line under 80 characters, then the whole error.
		fmt.Fprintln(a.stdout, report.FirstLine(report.Unknown, full))
		fmt.Fprintln(a.stdout, full)
		var h *pass.Hinted
		if errors.As(res.Err, &h) && h.Hint != "" {
			fmt.Fprintln(a.stdout, "hint: "+report.PluginText(h.Hint))
		}
		for _, n := range notes {
			fmt.Fprintln(a.stdout, report.PluginText(n))
		}
		return shown(res.Err)
	}
	if c.Quiet && res.Status.State == report.OK {
		return nil
	}
	switch c.Format {
	case "json":
		a.stdout.Write(res.JSON)
	case "text":
		io.WriteString(a.stdout, res.Status.Text(useColor(a.stdout), canStart, "checked"))
	default:
		io.WriteString(a.stdout, res.Status.Nagios(canStart, notes...))
	}
	return nil
}

// hostWorld is the pass's way to this host: /proc, the clock, the files
// and the start programs. Every file the pass writes or reads for a daemon
// goes through trust, so a service account that can write a daemon's
// folders cannot turn the pass against another file.
func hostWorld(cfg *check.Config, stderr io.Writer) pass.World {
	uid := os.Geteuid()
	starter := restart.Starter{
		ConfigDir: cfg.Dir,
		LogDir:    cfg.LogDir,
		UID:       uid,
		Getenv:    os.Getenv,
	}
	groups, _ := hostGroups(cfg, uid)
	var unitState func(string) string
	switch g := groups.(type) {
	case *cgroup.Scopes:
		if g.Writable() {
			starter.Scopes = g
		}
		unitState = g.UnitState
	case *cgroup.Tree:
		if g.Writable() {
			starter.Groups = g
		}
	}
	return pass.World{
		Groups:    groups,
		UnitState: unitState,
		Creds:     check.Creds,
		Meters:    hostMeters(groups, starter),
		UserName:  trust.UserName,
		ReadTable: check.ReadTable,
		Now:       time.Now,
		Start: func(d *check.Daemon) (restart.Process, error) {
			owner, err := restart.LookupOwner(d)
			if err != nil {
				return nil, err
			}
			return starter.Start(d, owner)
		},
		Kill:     restart.Kill,
		KillSame: restart.KillSame,
		CheckStart: func(d *check.Daemon) error {
			owner, err := restart.LookupOwner(d)
			if err == nil {
				_, err = starter.Check(d, owner)
			}
			return err
		},
		StopCommand: starter.RunStop,
		Probe:       probe.Run,
		ProbeExec:   starter.ProbeExec,
		ReadFile:    readStatusFile,
		ReadPidfile: readPidfile,
		EUID:        uid,
		Hidden:      func() bool { return uid != 0 && check.ProcHidden() },
		WriteFile: func(path string, data []byte, perm os.FileMode) error {
			return trust.WriteFileAtomic(path, data, perm, uid)
		},
		Lock: restart.Lock,
		OpenLog: func(path string) (io.WriteCloser, error) {
			return trust.OpenAppend(path, trust.Caller())
		},
		// Exec notifiers run in throwaway groups, as probes do.
		Finished: func(ctx context.Context, f pass.Finished) ([]string, bool) {
			return finishedPass(ctx, f, starter.Throwaway)
		},
		SelfPID:  os.Getpid(),
		SelfArgs: os.Args,
		Host:     hostname(),
		Version:  buildVersion(),
	}
}

// hostGroups is where this host keeps one control group per daemon:
// systemd's scopes when systemd is PID 1, else cortex-check's own tree
// under the cgroup2 mount; nil, and why, where there is neither.
func hostGroups(cfg *check.Config, uid int) (pass.Groups, string) {
	names := make([]string, len(cfg.Daemons))
	for i, d := range cfg.Daemons {
		names[i] = d.Name
	}
	scopes, why := cgroup.FindScopes(cfg.Path, names, uid, cfg.Owner)
	if scopes != nil {
		return scopes, ""
	}
	if cgroup.SystemdBooted() {
		return nil, why // systemd's tree, without the tools to ask it
	}
	tree, why := cgroup.Find(cfg.Path, uid)
	if tree == nil {
		return nil, why
	}
	return tree, ""
}

// readStatusFile reads the previous status file under the rule the writer
// writes it by: walked from /, in folders only root or the pass's user can
// write, without following a link at its name or blocking on a FIFO. A
// status file others could have planted or forged is not believed: the
// pass judges without its history and says why.
func readStatusFile(path string) ([]byte, error) {
	cf, err := trust.ReadState(path, os.Geteuid(), "status file")
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, fmt.Errorf("not read: %w", err)
	}
	if cf.Untrusted != nil {
		return nil, fmt.Errorf("status file not read: %v", cf.Untrusted)
	}
	return cf.Data, nil
}

// readPidfile reads a pidfile's first line through trust, which refuses
// FIFOs, devices and planted links.
func readPidfile(path string) (check.Pidfile, error) {
	line, written, err := trust.ReadPidfile(path)
	return check.Pidfile{FirstLine: line, ModTime: written}, err
}

// loadConfig reads the config once, through the descriptor whose owner and
// mode (and those of every folder above it) were checked, and finds its
// daemons' users. untrusted says why others could have changed the config
// (nil: they could not): --fix refuses such a config, other commands warn.
func loadConfig(path string) (cfg *check.Config, untrusted, err error) {
	owner := -1
	cfg, err = check.Load(path, func(abs string) ([]byte, error) {
		cf, err := trust.ReadConfig(abs, os.Geteuid())
		if err != nil {
			return nil, err
		}
		untrusted, owner = cf.Untrusted, cf.Owner
		return cf.Data, nil
	})
	if err == nil {
		cfg.ResolveUsers(lookupUser, owner)
	}
	if err != nil {
		return nil, nil, configError(err, path)
	}
	return cfg, untrusted, nil
}

// lookupUser finds a daemon's uid, and checks that its group exists.
func lookupUser(name, group string) (int, error) {
	u, err := user.Lookup(name)
	if err != nil {
		var unknown user.UnknownUserError
		if errors.As(err, &unknown) {
			return 0, fmt.Errorf("user %q: no such user on this host", name)
		}
		return 0, fmt.Errorf("user %q: %w", name, err)
	}
	if group != "" {
		if _, err := user.LookupGroup(group); err != nil {
			var unknown user.UnknownGroupError
			if errors.As(err, &unknown) {
				return 0, fmt.Errorf("group %q: no such group on this host", group)
			}
			return 0, fmt.Errorf("group %q: %w", group, err)
		}
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

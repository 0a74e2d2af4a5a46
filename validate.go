package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cortex/cortex-check/check"
	"github.com/cortex/cortex-check/escape"
	"github.com/cortex/cortex-check/human"
	"github.com/cortex/cortex-check/notify"
	"github.com/cortex/cortex-check/pass"
	"github.com/cortex/cortex-check/probe"
	"github.com/cortex/cortex-check/report"
	"github.com/cortex/cortex-check/restart"
	"github.com/cortex/cortex-check/trust"
)

type validateCmd struct {
	Textfile string        `type:"path" placeholder:"PATH" help:"Judge PATH as the textfile, as a pass with --textfile PATH would write it (overrides textfile in the config)."`
	Timeout  time.Duration `placeholder:"DURATION" help:"Judge the starts against this --timeout, as your timer or cron line passes it (default: none passed, so each pass derives its own from the config)."`
}

// Run checks the config and shows what each daemon matches now, so a
// pattern can be tried before it is trusted. Warnings do not fail it: only a
// config that cannot be used does (exit 3).
func (v *validateCmd) Run(a *app) error {
	a.code = int(report.Unknown)
	stdout, stderr := a.stdout, a.stderr
	cfg, untrusted, err := loadConfig(a.config)
	if err != nil {
		return err
	}
	seen, err := lookNow(cfg)
	if err != nil {
		return err
	}

	// Every config value shown (paths, names, patterns, URLs) goes
	// through escape.Line, like the plugin output: a value holding a
	// terminal escape must not act on the terminal of whoever validates.
	fmt.Fprintln(stdout, escape.Line(fmt.Sprintf("%s: valid, %s; status file %s", cfg.Path, plural(len(cfg.Daemons), "daemon"), cfg.StatusFile)))
	if untrusted != nil {
		warn(stderr, "--fix will refuse this config: %v", untrusted)
	}
	validateWritePaths(a, writePaths(cfg, os.Geteuid(), v.Textfile))
	validateBudget(a, cfg, v.Timeout)
	starter := restart.Starter{ConfigDir: cfg.Dir, UID: os.Geteuid()}
	owners := map[int][]string{}
	var broken []string // daemons whose probe cannot be run
	for i := range cfg.Daemons {
		d, r := &cfg.Daemons[i], seen.verdicts[i]
		seen.show(stdout, d, r)
		for _, p := range r.Matches {
			owners[p.PID] = append(owners[p.PID], d.Name)
		}
		validateWarnings(a, d, r, starter)
		if !validateProbe(a, d, r, seen.groups, untrusted, cfg.Dir) {
			broken = append(broken, d.Name)
		}
	}
	validateNotify(a, cfg, untrusted)
	for _, p := range seen.snap.Procs {
		if names := owners[p.PID]; len(names) > 1 {
			warn(stderr, "PID %d matches %s (%s): make their patterns tell them apart", p.PID, plural(len(names), "daemon"), strings.Join(names, ", "))
		}
	}
	if len(broken) > 0 {
		return pass.WithHint(fmt.Errorf("%s: the probe of %s cannot be run", cfg.Path, strings.Join(broken, ", ")),
			"fix exec in their [daemon.probe]: every pass reports them UNKNOWN and never runs them")
	}
	a.code = 0
	return nil
}

// seenNow is what validate found on the host for a config: the process
// table, the daemons' groups, and a verdict for each daemon.
type seenNow struct {
	snap      *check.Snapshot
	groups    pass.Groups
	untracked string
	verdicts  []check.Verdict
}

// lookNow reads the process table and the groups once, and judges every
// daemon, as a pass would.
func lookNow(cfg *check.Config) (*seenNow, error) {
	need := check.Needs(cfg.Daemons)
	need.Cmdline, need.Owner = true, true // validate shows both
	procs, err := check.ReadTable(need)
	if err != nil {
		return nil, err
	}
	seen := &seenNow{snap: check.NewSnapshot(procs, os.Getpid(), os.Args)}
	seen.groups, seen.untracked = hostGroups(cfg, os.Geteuid())
	clues := check.Clues{ReadPidfile: readPidfile, UserName: trust.UserName, Creds: check.Creds}
	if seen.groups != nil {
		clues.Elsewhere = seen.groups.Elsewhere
		if members, err := seen.groups.Members(); err == nil {
			clues.Groups = map[string]check.Group{}
			for name, pids := range members {
				clues.Groups[name] = check.Group{Path: seen.groups.Describe(name), PIDs: pids}
			}
		}
	}
	seen.verdicts = seen.snap.Judge(cfg.Daemons, clues)
	return seen, nil
}

// show prints a daemon as validate found it: what it looks for, its
// state, how it is tracked, its probe, and the processes it matches.
func (seen *seenNow) show(stdout io.Writer, d *check.Daemon, r check.Verdict) {
	header := d.Describe()
	if d.Pidfile != "" && d.Process+d.Pattern != "" {
		header += ", pidfile " + d.Pidfile
	}
	if d.User != "" {
		header += ", user " + d.User
	}
	state := string(r.Condition)
	if r.PID > 0 {
		state += fmt.Sprintf(", PID %d, %s", r.PID, plural(r.Instances, "instance"))
	}
	fmt.Fprintf(stdout, "\n%s\n", escape.Line(fmt.Sprintf("%s (%s): %s", d.Name, header, state)))
	fmt.Fprintf(stdout, "  tracked by %s\n", escape.Line(tracking(r.Result, seen.groups, seen.untracked)))
	if d.Probe != nil {
		fmt.Fprintf(stdout, "  probe: %s\n", escape.Line(probeText(d.Probe)))
	}
	if r.Message != "" {
		fmt.Fprintf(stdout, "  %s\n", escape.Line(r.Message))
	}
	for _, p := range r.Matches {
		fmt.Fprintf(stdout, "  PID %-7d %-10s %s\n", p.PID, trust.UserName(p.UID), escape.Line(escape.Truncate(commandLine(p), 200)))
	}
	// A pidfile-only daemon's PID is not a match: show what it runs.
	if d.Process+d.Pattern == "" && r.PID > 0 {
		if p, ok := seen.snap.Process(r.PID); ok {
			fmt.Fprintf(stdout, "  PID %-7d %-10s %s\n", p.PID, trust.UserName(p.UID), escape.Line(escape.Truncate(commandLine(p), 200)))
		}
	}
}

// validateWritePaths judges every file a writer pass writes by its
// writer's own rule, and warns for each it would refuse: what that costs,
// then the path, its owner and mode, and the fix. Folders a pass would
// make are fine; nothing is created.
func validateWritePaths(a *app, rows []writePath) {
	for _, r := range rows {
		err := trust.Writable(r.what, r.path, r.how, r.uid)
		if err == nil {
			continue
		}
		warn(a.stderr, "%s: %v", r.cost, err)
		if r.what == "textfile" {
			fmt.Fprintln(a.stderr, "hint: "+pass.TextfileHint)
		}
	}
}

// validateWarnings says what would make a daemon's verdict or its restart
// go wrong.
func validateWarnings(a *app, d *check.Daemon, r check.Verdict, starter restart.Starter) {
	if len(d.Start) > 0 {
		owner, err := restart.LookupOwner(d)
		if err == nil {
			_, err = starter.Check(d, owner)
		}
		if err != nil {
			warn(a.stderr, "%s: --fix will not start it: %v", d.Name, err)
		}
	}
	for _, p := range r.Matches {
		if d.UID >= 0 && p.UID >= 0 && p.UID != d.UID && !p.Gone() {
			warn(a.stderr, "%s: PID %d of %s matches %s but is not counted: only %s's processes are the daemon (set user = %q if it is the daemon)",
				d.Name, p.PID, trust.UserName(p.UID), d.Describe(), trust.UserName(d.UID), trust.UserName(p.UID))
		}
	}
	if d.Probe != nil && d.Probe.Insecure {
		warn(a.stderr, "%s: probe insecure = true: the server's certificate is not checked, so whatever answers at %s passes for the daemon and is sent what the URL carries; give ca_file (and tls_server_name) instead",
			d.Name, probe.RedactURL(d.Probe.HTTP))
	}
	switch {
	case d.Pidfile != "" && d.Process+d.Pattern == "":
		warn(a.stderr, "%s: only the pidfile says which process it is: add process or pattern, so that a PID reused by another program is not taken for it", d.Name)
	case len(r.Matches) == 0 && d.Pidfile == "":
		warn(a.stderr, "%s: %s matches no running process", d.Name, d.Describe())
	}
	// One pattern, several programs: `tail -f` or an editor on the script
	// would count as the daemon.
	programs := map[string]bool{}
	var list []string
	for _, p := range r.Matches {
		if prog := programName(p); !programs[prog] {
			programs[prog] = true
			list = append(list, prog)
		}
	}
	if len(list) > 1 {
		warn(a.stderr, "%s: %s matches processes of different programs (%s): anchor it (^...$) or add process, so that a tail, grep or editor on its files does not count",
			d.Name, d.Describe(), strings.Join(list, ", "))
	}
}

// validateNotify shows where a writer pass's events go, and warns of an
// exec notifier that would not run.
func validateNotify(a *app, cfg *check.Config, untrusted error) {
	if len(cfg.Notify) == 0 && cfg.PingURL == "" {
		return
	}
	fmt.Fprintf(a.stdout, "\n%s\n", escape.Line("events file "+cfg.EventsFile))
	sender := &notify.Sender{ConfigDir: cfg.Dir, NotifyUser: cfg.NotifyUser, EUID: os.Geteuid(), Untrusted: untrusted}
	for i := range cfg.Notify {
		n := &cfg.Notify[i]
		line := n.Name() + ": on " + strings.Join(n.On, ", ")
		if n.Remind > 0 {
			line += ", remind " + n.Remind.String()
		}
		fmt.Fprintf(a.stdout, "%s\n", escape.Line(line))
		if n.Exec != nil {
			if _, _, err := sender.Check(n.Exec); err != nil {
				warn(a.stderr, "%s will not run: %v", n.Name(), err)
			}
		}
	}
	if cfg.PingURL != "" {
		fmt.Fprintf(a.stdout, "%s\n", escape.Line("ping_url "+probe.RedactSecretURL(cfg.PingURL)))
	}
}

// tracking says how a daemon's processes are known, and, without a
// control group, why there is none.
func tracking(r check.Result, groups pass.Groups, untracked string) string {
	if r.Group != "" {
		return fmt.Sprintf("%s, %s", r.Tracked(), plural(r.Procs, "process"))
	}
	why := "started before cortex-check kept a control group for it"
	switch {
	case groups == nil:
		why = "no control groups here: " + untracked
	case !groups.Writable():
		why = "this user cannot create control groups"
	case !r.Running():
		why = "not running"
	}
	if r.Running() {
		return fmt.Sprintf("process tree (%s; %s)", plural(r.Procs, "process"), why)
	}
	return "process tree (" + why + ")"
}

// probeText is what a probe checks and how, for validate: its target (a
// URL redacted) and the TLS keys it sets.
func probeText(s *probe.Spec) string {
	text := s.Describe()
	if s.CAFile != "" {
		text += ", ca_file " + s.CAFile
	}
	if s.TLSServerName != "" {
		text += ", tls_server_name " + s.TLSServerName
	}
	if s.Insecure {
		text += ", insecure"
	}
	return text
}

// programName is what a process runs: the kernel's name, or, for a
// script, its interpreter's argv[1].
func programName(p *check.Process) string {
	if len(p.Args) > 1 && p.Name == filepath.Base(p.Args[1])[:min(len(filepath.Base(p.Args[1])), 15)] {
		return filepath.Base(p.Args[1])
	}
	return p.Name
}

// commandLine is what ps shows: the command line, or the name in brackets.
func commandLine(p *check.Process) string {
	if p.Cmdline != "" {
		return p.Cmdline
	}
	return "[" + p.Name + "]"
}

// plural writes "1 daemon", "2 daemons".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	if strings.HasSuffix(noun, "s") {
		return fmt.Sprintf("%d %ses", n, noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// validateBudget says how long a --fix pass may need to start the
// daemons, and warns where that cannot work: a --timeout shorter than a
// daemon's start (with the starts it waits for) gives up on that start
// while it is still in progress.
func validateBudget(a *app, cfg *check.Config, timeout time.Duration) {
	budget := check.StartBudget(cfg.Daemons, nil, DefaultTimeout)
	fmt.Fprintf(a.stdout, "a --fix pass that starts every daemon may take up to %s; without --timeout it is given that\n", human.Duration(budget))
	for _, n := range check.StartNeeds(cfg.Daemons) {
		if timeout <= 0 || n.Total+check.BudgetRoom <= timeout {
			continue
		}
		what := "its start"
		if len(n.Chain) > 1 {
			what = "its start after " + strings.Join(n.Chain[:len(n.Chain)-1], ", then ")
		}
		warn(a.stderr, "%s: %s may need %s (stop_grace, start_timeout and start_secs, its and those before it, and %s for the pass's own work), more than --timeout %s: the pass would stop waiting while it still starts; drop --timeout from the timer's command, or give at least that",
			n.Daemon, what, human.Duration(n.Total+check.BudgetRoom), human.Duration(check.BudgetRoom), human.Duration(timeout))
	}
}

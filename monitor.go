package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/cortex/cortex-check/check"
	"github.com/cortex/cortex-check/escape"
	"github.com/cortex/cortex-check/monitor"
	"github.com/cortex/cortex-check/pass"
	"github.com/cortex/cortex-check/probe"
	"github.com/cortex/cortex-check/report"
	"github.com/cortex/cortex-check/trust"
)

type monitorCmd struct {
	System    string        `arg:"" enum:"nagios,icinga,nrpe,prometheus" help:"Which: nagios (a command and a service), icinga (a CheckCommand and a Service), nrpe (the nrpe.cfg line) or prometheus (alerting rules for the --textfile metrics)."`
	Binary    string        `type:"path" placeholder:"PATH" help:"The cortex-check the monitoring system runs, instead of this binary's own path (e.g. /usr/local/bin/cortex-check)."`
	Host      string        `placeholder:"NAME" help:"nagios, icinga, nrpe: the daemon host's name in the monitoring system (default: this machine's hostname)."`
	RunAs     string        `default:"nagios" placeholder:"USER" help:"nagios, icinga, nrpe: the user the monitoring system runs the check as; a warning says what it cannot read."`
	Interval  time.Duration `placeholder:"DURATION" help:"The timer's cadence, overriding interval in the config: it sets the retry interval and when the last run is stale."`
	OutputDir string        `type:"path" placeholder:"DIR" help:"Write the file into DIR (e.g. /etc/nagios4/conf.d) instead of printing it."`
}

// run prints the monitoring system's glue for an observing check
// (--read-only), with the absolute paths of the binary and the config, and
// warns when the monitoring user could not run it.
func (m *monitorCmd) Run(a *app) error {
	a.code = int(report.Unknown)
	cfg, _, err := loadConfig(a.config)
	if err != nil {
		return err
	}
	c := monitor.Check{Binary: m.Binary, Config: cfg.Path, Host: m.Host, Interval: cmpDuration(m.Interval, cfg.Interval), RestartWarning: cfg.RestartWarning}
	if c.Interval < time.Second {
		return errors.New("--interval must be at least 1s")
	}
	if c.Binary == "" {
		if c.Binary, err = os.Executable(); err != nil {
			return fmt.Errorf("find this binary's path: %w", err)
		}
	}
	if c.Host == "" {
		if c.Host, err = os.Hostname(); err != nil {
			return pass.WithHint(fmt.Errorf("find this machine's hostname: %w", err), "name the host with --host NAME")
		}
	}
	var files []monitor.File
	switch m.System {
	case "nagios":
		files, err = monitor.Nagios(c)
	case "icinga":
		files, err = monitor.Icinga(c)
	case "nrpe":
		files, err = monitor.NRPE(c)
	case "prometheus":
		files, err = monitor.Prometheus(c)
	}
	if err != nil {
		return err
	}
	if err := writeFiles(a, m.OutputDir, files); err != nil {
		return err
	}
	switch m.System {
	case "nagios", "icinga":
		unit := monitor.NagiosUnit
		if m.System == "icinga" {
			unit = monitor.IcingaUnit
		}
		if p := c.Plan(unit); p.Warning != "" {
			warn(a.stderr, "%s", p.Warning)
		}
	}
	if m.System != "prometheus" {
		warnUnreachable(m.RunAs, c.Binary, cfg, a.stderr)
	}
	a.code = 0
	return nil
}

// warnUnreachable warns when the monitoring user could not do what the
// check needs: run the binary, read the config and the status file (the
// check would answer UNKNOWN, or WARNING blind, on every run, from a setup
// that looked right), read each daemon's pidfile and run its exec probe as
// the daemon's user (the check would report the timer's verdicts instead
// of its own). Each warning names the path, its owner and mode, and the
// fix.
func warnUnreachable(name, binary string, cfg *check.Config, stderr io.Writer) {
	account, err := monitor.LookupAccount(name)
	if err != nil {
		return // no such user here: the glue is for another machine
	}
	needs := monitor.Needs{Binary: binary, Config: cfg.Path, StatusFile: cfg.StatusFile, Interval: cfg.Interval}
	for _, d := range cfg.Daemons {
		n := monitor.DaemonNeeds{Name: d.Name, Pidfile: d.Pidfile}
		if d.Probe != nil && d.Probe.Kind() == probe.KindExec {
			n.ExecProbe, n.ProbeUID, n.ProbeUser = true, d.UID, trust.UserName(d.UID)
		}
		needs.Daemons = append(needs.Daemons, n)
	}
	warnings, files := account.Unreachable(needs)
	for _, why := range warnings {
		fmt.Fprintf(stderr, "cortex-check: warning: %s\n", escape.Line(why))
	}
	if files {
		fmt.Fprintf(stderr, "hint: the check runs as %s: it must run the binary and read the config and the status file (0644), in folders it can search; --run-as names another user\n", name)
	}
}

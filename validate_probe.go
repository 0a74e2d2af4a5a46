package main

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/cortex/cortex-check/cgroup"
	"github.com/cortex/cortex-check/check"
	"github.com/cortex/cortex-check/escape"
	"github.com/cortex/cortex-check/pass"
	"github.com/cortex/cortex-check/probe"
	"github.com/cortex/cortex-check/restart"
	"github.com/cortex/cortex-check/trust"
)

// validateProbe tries a daemon's probe the way a pass would, so that a
// person can test it before --fix acts on it: an exec probe whose program
// cannot be run is an error (validate exits 3, and every pass says the
// same); a daemon that runs has its probe run once, and the result shown.
// It returns false for a probe that cannot be run.
func validateProbe(a *app, d *check.Daemon, r check.Verdict, groups pass.Groups, untrusted error, configDir string) bool {
	for _, file := range d.RestartOnChange {
		if _, err := trust.ModTime(file); err != nil {
			warn(a.stderr, "%s: restart_on_change %s cannot be looked at, so its changes go unseen: %v", d.Name, file, err)
		}
	}
	if d.Probe == nil {
		return true
	}
	starter := restart.Starter{ConfigDir: configDir, UID: os.Geteuid()}
	switch g := groups.(type) {
	case *cgroup.Scopes:
		if g.Writable() {
			starter.Scopes = g
		}
	case *cgroup.Tree:
		if g.Writable() {
			starter.Groups = g
		}
	}
	if err := starter.CheckProbe(d); err != nil {
		fmt.Fprintf(a.stdout, "  probe cannot be run: %s\n", escape.Line(err.Error()))
		fmt.Fprintf(a.stderr, "cortex-check: error: %s\n", escape.Line(fmt.Sprintf("daemon %s: %v", d.Name, err)))
		return false
	}
	switch {
	case !r.Running() && r.Condition != check.Suspended:
		fmt.Fprintf(a.stdout, "  probe not run: %s is not running\n", d.Name)
		return true
	case untrusted != nil && d.Probe.Kind() == probe.KindExec:
		fmt.Fprintln(a.stdout, "  probe not run: the config is not trusted (see the warning), and an exec probe runs a command")
		return true
	}
	ctx, cancel := context.WithTimeout(context.Background(), d.Probe.Timeout+time.Second)
	defer cancel()
	res := probe.Run(ctx, []probe.Target{{Spec: *d.Probe, Exec: starter.ProbeExec(d)}})[0]
	if res.Healthy {
		fmt.Fprintf(a.stdout, "  probe run now: passed in %dms\n", res.Latency.Milliseconds()) // 0ms, not Go's 0s
		return true
	}
	line := "probe run now: FAILED: " + res.Err
	if strings.Contains(res.Err, "connection refused") {
		if who := portHolder(d); who != "" {
			line += "; " + who
		}
	}
	fmt.Fprintln(a.stdout, "  "+escape.Line(line))
	what := "--fix would restart it"
	if d.Probe.Alerts() {
		what = `action = "alert": it would be WARNING`
	}
	warn(a.stderr, "%s: its probe fails against the running daemon (PID %d): %s after failures = %d passes; is the probe right?", d.Name, r.PID, what, d.Probe.Failures)
	return true
}

// portHolder says who holds the port a refused probe knocked on.
func portHolder(d *check.Daemon) string {
	want, shown, ok := pass.Address(d)
	if !ok {
		return ""
	}
	hs, _, err := check.PortHolders(want, func(l, w netip.AddrPort) bool { return l.Port() == w.Port() })
	if err != nil || len(hs) == 0 {
		return ""
	}
	return pass.DescribeHolders(shown, want, hs, time.Now(), trust.UserName)
}

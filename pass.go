package main

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/cortex/cortex-check/check"
	"github.com/cortex/cortex-check/report"
)

type checkCmd struct {
	Format string   `enum:"nagios,text,json" default:"nagios" help:"What to print: nagios (first line state, summary and perfdata), text (a table) or json (the status file)."`
	Only   []string `sep:"," placeholder:"NAME,..." help:"Check only these daemons; the status file keeps the others' last entries, marked not checked."`
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
	prev, err := report.ReadStatus(cfg.StatusFile)
	if err != nil {
		warn(stderr, "%v; starting a fresh status file", err)
	}

	procs, err := check.ReadTable(check.NeedsCmdline(daemons))
	if err != nil {
		return unknown(c.Format, stdout, err)
	}
	snap := check.NewSnapshot(procs, os.Getpid(), os.Args)
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

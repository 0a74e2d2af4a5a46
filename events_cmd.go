package main

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/cortex/cortex-check/check"
	"github.com/cortex/cortex-check/events"
	"github.com/cortex/cortex-check/pass"
	"github.com/cortex/cortex-check/report"
)

type eventsCmd struct {
	Since  string   `placeholder:"DURATION|TIME" help:"Only events newer than this: a duration back from now (1h, 30m) or a time (2026-11-26T03:00:00Z)."`
	Daemon []string `placeholder:"NAME" help:"Only these daemons' events (repeat, or separate with commas)."`
	Format string   `enum:"text,json" default:"text" help:"text: one line each, newest last; json: one JSON object per line, as the events file holds them."`
}

// Run prints the events file (its .1 first), read under the rule the pass
// writes it by: a file or link others could have planted is refused.
func (c *eventsCmd) Run(a *app) error {
	a.code = int(report.Unknown)
	cfg, untrusted, err := loadConfig(a.config)
	if err != nil {
		return err
	}
	if untrusted != nil {
		warn(a.stderr, "%v", untrusted)
	}
	since, err := parseSince(c.Since, time.Now())
	if err != nil {
		return err
	}
	names := configOrder(cfg)
	for _, d := range c.Daemon {
		if !slices.Contains(names, d) {
			warn(a.stderr, "--daemon %s: no daemon of that name in %s%s: its old events only", d, cfg.Path, check.DidYouMean(d, names))
		}
	}
	evs, skipped, err := events.Read(cfg.EventsFile, os.Geteuid())
	if err != nil {
		return pass.WithHint(err, "the events file is root's (0640): run cortex-check events as root, or as the user the timer runs as")
	}
	if skipped > 0 {
		warn(a.stderr, "%s: %d lines that are not events were skipped", cfg.EventsFile, skipped)
	}
	for _, e := range evs {
		if e.Time.Before(since) || len(c.Daemon) > 0 && !slices.Contains(c.Daemon, e.Daemon) {
			continue
		}
		if c.Format == "json" {
			b, _ := json.Marshal(e)
			fmt.Fprintf(a.stdout, "%s\n", b)
			continue
		}
		fmt.Fprintln(a.stdout, e.Text())
	}
	a.code = 0
	return nil
}

// parseSince reads --since: a duration back from now, or a time.
func parseSince(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02 15:04:05", time.DateOnly} {
		if t, err := time.ParseInLocation(layout, s, time.Local); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("--since %q: give a duration such as 1h or 30m, or a time such as 2026-11-26T03:00:00Z", s)
}

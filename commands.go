package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"path/filepath"
	"time"

	"github.com/cortex/cortex-check/check"
	"github.com/cortex/cortex-check/human"
	"github.com/cortex/cortex-check/pass"
	"github.com/cortex/cortex-check/report"
	"github.com/cortex/cortex-check/schedule"
	"github.com/cortex/cortex-check/trust"
)

type statusCmd struct {
	Interval time.Duration `placeholder:"DURATION" help:"The scheduler's cadence, overriding interval in the config: a status file older than three of them is stale."`
}

// run shows the last pass's status file. A stale file means no pass has
// run for three intervals: the timer is not running, the silent failure
// cortex-check exists to prevent, so it says so first and exits 3.
func (s *statusCmd) Run(a *app) error {
	a.code = int(report.Unknown)
	cfg, _, err := loadConfig(a.config)
	if err != nil {
		return err
	}
	st, err := report.ReadStatus(cfg.StatusFile, readStatusFile)
	if err != nil {
		return err
	}
	if st == nil {
		return pass.WithHint(fmt.Errorf("no status file at %s: no pass has run with this config", cfg.StatusFile),
			"run cortex-check once, and install a timer: cortex-check schedule systemd")
	}
	st.ForDisplay(configOrder(cfg), time.Now(), cfg.RestartWarning)
	interval := cmpDuration(s.Interval, cfg.Interval)
	age := time.Since(st.LastTimer()).Round(time.Second)
	color := useColor(a.stdout)
	table := st.Text(color, pass.CanStart(cfg), "written")
	if age > 3*interval {
		fmt.Fprintf(a.stdout, "%s: the status file was written %s ago, more than three intervals of %s: no pass has run since, and what follows may be false\n\n",
			report.Paint("STALE", report.Critical, color), human.Age(age), interval)
		io.WriteString(a.stdout, table)
		return pass.WithHint(fmt.Errorf("status file %s is stale (written %s ago): the timer or cron job is not running", cfg.StatusFile, human.Age(age)),
			"systemctl status cortex-check.timer (or crontab -l); cortex-check schedule prints the files to install")
	}
	io.WriteString(a.stdout, table)
	a.code = st.ExitCode
	return nil
}

// configOrder lists the daemons in config order.
func configOrder(cfg *check.Config) []string {
	out := make([]string, len(cfg.Daemons))
	for i, d := range cfg.Daemons {
		out[i] = d.Name
	}
	return out
}

func cmpDuration(flag, config time.Duration) time.Duration {
	if flag > 0 {
		return flag
	}
	return config
}

type scheduleCmd struct {
	Scheduler string        `arg:"" enum:"systemd,launchd,cron" help:"Which scheduler: systemd (a service and a timer), launchd (a plist) or cron (crontab lines)."`
	User      bool          `help:"systemd: a user unit, installed under ~/.config/systemd/user."`
	Interval  time.Duration `placeholder:"DURATION" help:"The cadence, overriding interval in the config."`
	OutputDir string        `type:"path" placeholder:"DIR" help:"Write the files into DIR instead of printing them."`
}

// run prints (or writes) the scheduler's files, with the absolute paths of
// this binary and the config, so they work from any directory.
func (s *scheduleCmd) Run(a *app) error {
	a.code = int(report.Unknown)
	cfg, _, err := loadConfig(a.config)
	if err != nil {
		return err
	}
	binary, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find this binary's path: %w", err)
	}
	job := schedule.Job{Binary: binary, Config: cfg.Path, Interval: cmpDuration(s.Interval, cfg.Interval), User: s.User, Textfile: cfg.Textfile,
		Budget:    check.StartBudget(cfg.Daemons, nil, DefaultTimeout),
		OutputLog: filepath.Join(filepath.Dir(cfg.LogFile), "cortex-check.cron.log")}
	if job.Interval < time.Second {
		return errors.New("--interval must be at least 1s")
	}
	var files []schedule.File
	switch s.Scheduler {
	case "systemd":
		files = schedule.Systemd(job)
		if s.User {
			lingerWarning(a)
		}
	case "launchd":
		files = schedule.Launchd(job)
	case "cron":
		if files, err = schedule.Cron(job); err != nil {
			return err
		}
		// Beside the restart log, in a folder that must be root's (or this
		// user's): the pass would refuse another, so say so now.
		if err := trust.Writable("--output-log", job.OutputLog, trust.Append, os.Geteuid()); err != nil {
			warn(a.stderr, "the cron line's output log will not be written: %v", err)
			fmt.Fprintf(a.stderr, "hint: the pass then prints its output for cron to mail; set log_file in %s to a file in a folder only %s can write\n", cfg.Path, trust.UserName(os.Geteuid()))
		}
	}
	if err := writeFiles(a, s.OutputDir, files); err != nil {
		return err
	}
	a.code = 0
	return nil
}

// lingerWarning says when a user's timer would stop at logout: a user's
// systemd runs only while its user is logged in, unless lingering is on
// (loginctl enable-linger), which logind records as a file.
func lingerWarning(a *app) {
	u, err := user.Current()
	if err != nil {
		return
	}
	if _, err := os.Stat(filepath.Join("/var/lib/systemd/linger", u.Username)); err == nil {
		return
	}
	warn(a.stderr, "%s is not lingering: the user's systemd, and this timer with it, stops when %s logs out; run: loginctl enable-linger %s", u.Username, u.Username, u.Username)
}

// writeFiles writes files to install (scheduler units, monitoring glue)
// into dir, or prints them, headed by where each goes when there are
// several.
func writeFiles(a *app, dir string, files []schedule.File) error {
	for i, f := range files {
		if dir != "" {
			path := filepath.Join(dir, f.Name)
			if err := trust.WriteFileAtomic(path, []byte(f.Content), 0o644, os.Geteuid()); err != nil {
				return err
			}
			fmt.Fprintln(a.stderr, "wrote", path)
			continue
		}
		if len(files) > 1 {
			if i > 0 {
				fmt.Fprintln(a.stdout)
			}
			fmt.Fprintf(a.stdout, "# ---- %s/%s ----\n", f.Install, f.Name)
		}
		io.WriteString(a.stdout, f.Content)
	}
	return nil
}

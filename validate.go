package main

import (
	"fmt"
	"os"

	"github.com/cortex/cortex-check/check"
	"github.com/cortex/cortex-check/escape"
	"github.com/cortex/cortex-check/report"
	"github.com/cortex/cortex-check/restart"
)

type validateCmd struct{}

// run checks the config and shows what each daemon matches now, so a
// pattern can be tried before it is trusted. Warnings do not fail it: only a
// config that cannot be used does (exit 3).
func (v *validateCmd) Run(a *app) error {
	a.code = int(report.Unknown)
	stdout, stderr := a.stdout, a.stderr
	cfg, err := loadConfig(a.config)
	if err != nil {
		return err
	}
	procs, err := check.ReadTable(check.Needs(cfg.Daemons))
	if err != nil {
		return err
	}
	snap := check.NewSnapshot(procs, os.Getpid(), os.Args)
	verdicts := snap.Judge(cfg.Daemons, check.Clues{ReadPidfile: check.ReadPidfile})

	fmt.Fprintf(stdout, "%s: valid, %d daemons; status file %s\n", cfg.Path, len(cfg.Daemons), cfg.StatusFile)
	if err := restart.CheckTrusted(cfg.Path, os.Geteuid()); err != nil {
		warn(stderr, "--fix will refuse this config: %v", err)
	}
	owners := map[int][]string{}
	for i := range cfg.Daemons {
		d := &cfg.Daemons[i]
		r := verdicts[i]
		state := "stopped"
		if r.Running() {
			state = fmt.Sprintf("running, PID %d, instances: %d", r.PID, r.Instances)
		}
		fmt.Fprintf(stdout, "\n%s (%s): %s\n", d.Name, d.Describe(), state)
		if r.Message != "" {
			fmt.Fprintf(stdout, "  %s\n", r.Message)
		}
		for _, p := range r.Matches {
			fmt.Fprintf(stdout, "  PID %-7d %s\n", p.PID, escape.Line(escape.Truncate(p.Cmdline, 200)))
			owners[p.PID] = append(owners[p.PID], d.Name)
		}
		if len(d.Start) > 0 {
			starter := restart.Starter{ConfigDir: cfg.Dir, UID: os.Geteuid()}
			prog, err := starter.Program(d)
			if err == nil {
				err = restart.CheckTrusted(prog, os.Geteuid())
			}
			if err != nil {
				warn(stderr, "%s: --fix will not start it: %v", d.Name, err)
			}
		}
		if len(r.Matches) == 0 && d.Pidfile == "" {
			warn(stderr, "%s: %s matches no running process", d.Name, d.Describe())
		}
	}
	for _, p := range snap.Procs {
		if names := owners[p.PID]; len(names) > 1 {
			warn(stderr, "PID %d matches %d daemons (%v): make their patterns tell them apart", p.PID, len(names), names)
		}
	}
	a.code = 0
	return nil
}

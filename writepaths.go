package main

import (
	"cmp"
	"path/filepath"

	"github.com/cortex/cortex-check/check"
	"github.com/cortex/cortex-check/restart"
	"github.com/cortex/cortex-check/trust"
)

// writePath is one file a writer pass writes, with the rule its writer
// applies (trust.Write for the user uid, root trusted too) and what a
// refusal costs.
type writePath struct {
	what string // names it in messages: "status file", "log of pm-daemon"
	path string
	how  trust.Write
	uid  int    // whose folders besides root's may hold it
	cost string // what a refusal means for the pass
}

// writePaths is the inventory of what a writer pass of cfg, running as
// euid, writes: validate judges each row by its writer's own rule
// (trust.Writable), and TestWritePathsCoverConfig fails when a path in the
// config has no row. textfile is --textfile, or the config's. The daemon
// logs are written by restart.Starter through trust.OpenAppend for the
// daemon's user; the others by the pass (check_cmd.go's hostWorld) for
// euid. A daemon whose user cannot be found has no row: validate says so
// for its start already.
func writePaths(cfg *check.Config, euid int, textfile string) []writePath {
	rows := []writePath{
		{"status file", cfg.StatusFile, trust.Replace, euid, "--fix exits 3 and starts nothing, a plain pass writes nothing"},
		{"lock", cfg.LockFile, trust.Lock, euid, "--fix exits 3 and starts nothing, a plain pass writes nothing"},
		{"restart log", cfg.LogFile, trust.Append, euid, "restarts are not logged"},
		{"events file", cfg.EventsFile, trust.Append, euid, "changes are not recorded and notifiers get no events"},
	}
	if textfile = cmp.Or(textfile, cfg.Textfile); textfile != "" {
		rows = append(rows, writePath{"textfile", textfile, trust.Replace, euid, "a writer pass is WARNING and node_exporter serves stale metrics"})
	}
	for i := range cfg.Daemons {
		d := &cfg.Daemons[i]
		if len(d.Start) == 0 {
			continue // never started, so its log is never opened
		}
		owner, err := restart.LookupOwner(d)
		if err != nil {
			continue
		}
		rows = append(rows, writePath{"log of " + d.Name, filepath.Join(cfg.LogDir, d.Name+".log"), trust.Append, owner.UID,
			"--fix cannot start " + d.Name})
	}
	return rows
}

package restart

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/cortex/cortex-check/check"
	"github.com/cortex/cortex-check/probe"
	"github.com/cortex/cortex-check/trust"
)

// CheckProbe says whether d's exec probe can be run at all: its program
// found (a bare name in the fixed PATH, a path against the config's
// folder), executable, and trusted as a start program is, for the user it
// runs as. A probe that cannot run is a mistake in the config, never a
// failing probe: --fix answers a failing probe with restarts, and would
// stop a healthy daemon for a typo (redis-clii).
func (s Starter) CheckProbe(d *check.Daemon) error {
	if d.Probe == nil || d.Probe.Kind() != probe.KindExec || len(d.Probe.Exec) == 0 {
		return nil
	}
	runAs := d
	if s.UID != 0 {
		runAs = &check.Daemon{Dir: d.Dir} // a non-root pass runs it as itself
	}
	owner, err := LookupOwner(runAs)
	if err != nil {
		return err
	}
	name := d.Probe.Exec[0]
	const fix = "fix exec in its [daemon.probe]: the program's full path, or a program in that PATH"
	prog := name
	if !strings.Contains(name, "/") {
		path, err := trust.LookPath(name, s.UID, owner.UID)
		if err != nil {
			return fmt.Errorf("probe.exec program %q cannot be run: %w; %s", name, err, fix)
		}
		prog = path
	} else {
		if !filepath.IsAbs(prog) {
			prog = filepath.Join(s.ConfigDir, prog)
		}
		fi, err := os.Stat(prog)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return fmt.Errorf("probe.exec program %s does not exist; %s", prog, fix)
		case err != nil:
			return fmt.Errorf("probe.exec program %s: %w; %s", prog, err, fix)
		case fi.IsDir() || fi.Mode().Perm()&0o111 == 0:
			return fmt.Errorf("probe.exec program %s is not executable: chmod +x %s, or %s", prog, prog, fix)
		}
	}
	if err := trust.Program(prog, s.UID, owner.UID); err != nil {
		return fmt.Errorf("probe.exec program %s refused: %w", prog, err)
	}
	return nil
}

package restart

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"
	"syscall"

	"github.com/cortex/cortex-check/check"
	"github.com/cortex/cortex-check/trust"
)

// Environment is what a started daemon gets: the fixed base, LANG and TZ
// when the pass has them, the identity of the user it runs as, PWD, then
// its env_file files and its env, in that order.
func (s Starter) Environment(d *check.Daemon, owner Owner) ([]string, error) {
	getenv := s.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	vars := map[string]string{"PATH": trust.SafePATH, "PWD": d.Dir}
	for _, k := range []string{"LANG", "TZ"} {
		if v := getenv(k); v != "" {
			vars[k] = v
		}
	}
	if owner.Name != "" {
		vars["USER"], vars["LOGNAME"] = owner.Name, owner.Name
	}
	if owner.Home != "" {
		vars["HOME"] = owner.Home
	}
	if owner.Shell != "" {
		vars["SHELL"] = owner.Shell
	}
	for _, f := range d.EnvFiles {
		if err := readEnvFile(f, vars, s.UID, trust.Owner{UID: owner.UID, GID: owner.GID}); err != nil {
			return nil, err
		}
	}
	for k, v := range d.Env {
		vars[k] = v
	}
	keys := make([]string, 0, len(vars))
	for k := range vars {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	env := make([]string, 0, len(keys)+1)
	for _, k := range keys {
		env = append(env, k+"="+vars[k])
	}
	return env, nil
}

// readEnvFile adds the KEY=value lines of an env_file; blank lines and #
// comments are skipped, a value may be quoted. A path starting with "-"
// may be missing. An env_file steers what runs (BASH_ENV, LD_PRELOAD,
// PATH), so it must pass the trusted-path rule like a start program: owned
// by root, the pass's user or the daemon's, in folders others cannot
// write. It is opened without following a link at its name and without
// blocking (a FIFO there must not hang the pass), only as a regular file,
// and what it holds is never quoted back.
func readEnvFile(path string, vars map[string]string, uid int, runAs trust.Owner) error {
	optional := strings.HasPrefix(path, "-")
	path = strings.TrimPrefix(path, "-")
	if err := trust.PathAs(path, uid, runAs); err != nil {
		if optional && errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return fmt.Errorf("env_file: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	if err != nil {
		if optional && errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return fmt.Errorf("env_file: %w", err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		what := "not readable"
		if err == nil {
			what = fileKind(fi.Mode())
		}
		return fmt.Errorf("env_file %s is %s, not a regular file: set env_file to a file of KEY=value lines", path, what)
	}
	sc := bufio.NewScanner(io.LimitReader(f, 1<<20))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(strings.TrimPrefix(line, "export "), "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" || strings.ContainsAny(k, " \t\x00") {
			return fmt.Errorf("env_file %s:%d: want KEY=value (the line is not shown: it may be secret)", path, n)
		}
		v = strings.TrimSpace(v)
		if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
			v = v[1 : len(v)-1]
		}
		vars[k] = v
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("env_file %s: %w", path, err)
	}
	return nil
}

// fileKind names what a non-regular file is, for messages.
func fileKind(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO (named pipe)"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m.IsDir():
		return "a folder"
	}
	return "not a regular file"
}

package restart

import (
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

// maxEnvFile is the most an env_file may hold: a file of variables, not
// a data file put there by mistake.
const maxEnvFile = 1 << 20

// readEnvFile adds the KEY=value lines of an env_file to vars. A path
// starting with "-" may be missing. An env_file steers what runs
// (BASH_ENV, LD_PRELOAD, PATH), so it must pass the trusted-path rule like
// a start program: owned by root, the pass's user or the daemon's, in
// folders others cannot write. What it holds is never quoted back.
func readEnvFile(path string, vars map[string]string, uid int, runAs trust.Owner) error {
	optional := strings.HasPrefix(path, "-")
	path = strings.TrimPrefix(path, "-")
	f, err := openEnvFile(path, uid, runAs)
	if err != nil {
		if optional && errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxEnvFile+1))
	if err != nil {
		return fmt.Errorf("env_file %s: %w", path, err)
	}
	if len(b) > maxEnvFile {
		return fmt.Errorf("env_file %s is larger than %d KiB: set env_file to a file of KEY=value lines", path, maxEnvFile>>10)
	}
	return parseEnv(string(b), path, vars)
}

// openEnvFile opens an env_file that passes the trusted-path rule,
// without following a link at its name and without blocking (a FIFO
// there must not hang the pass), only as a regular file. A missing file's
// error is fs.ErrNotExist.
func openEnvFile(path string, uid int, runAs trust.Owner) (*os.File, error) {
	if err := trust.PathAs(path, uid, runAs); err != nil {
		return nil, fmt.Errorf("env_file: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	if err != nil {
		if fi, lerr := os.Lstat(path); lerr == nil && !fi.Mode().IsRegular() {
			return nil, notRegular(path, trust.FileKind(fi.Mode())) // a socket cannot be opened
		}
		return nil, fmt.Errorf("env_file: %w", err)
	}
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		f.Close()
		what := "not readable"
		if err == nil {
			what = trust.FileKind(fi.Mode())
		}
		return nil, notRegular(path, what)
	}
	return f, nil
}

func notRegular(path, what string) error {
	return fmt.Errorf("env_file %s is %s, not a regular file: set env_file to a file of KEY=value lines", path, what)
}

// parseEnv adds the variables of an env_file's text to vars: KEY=value
// lines, "export " allowed before the key; blank lines and # comments
// are skipped; a value in matching single or double quotes loses them,
// and nothing else in it is special. A bad line is named by its number,
// never shown: it may be secret.
func parseEnv(text, path string, vars map[string]string) error {
	for n, line := range strings.Split(text, "\n") {
		k, v, ok := envLine(line)
		if !ok {
			return fmt.Errorf("env_file %s:%d: want KEY=value (the line is not shown: it may be secret)", path, n+1)
		}
		if k != "" {
			vars[k] = v
		}
	}
	return nil
}

// envLine reads one line of an env_file: its key and value, an empty key
// for a blank line or a comment, and ok false for a line that is not
// KEY=value (no "=", an empty key, a key with a blank in it) or that holds
// a NUL, which no environment can carry.
func envLine(line string) (key, value string, ok bool) {
	line = strings.TrimSpace(line)
	if line == "" || strings.HasPrefix(line, "#") {
		return "", "", true
	}
	k, v, ok := strings.Cut(strings.TrimPrefix(line, "export "), "=")
	k = strings.TrimSpace(k)
	if !ok || k == "" || strings.ContainsAny(k, " \t") || strings.ContainsRune(line, 0) {
		return "", "", false
	}
	v = strings.TrimSpace(v)
	if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
		v = v[1 : len(v)-1]
	}
	return k, v, true
}

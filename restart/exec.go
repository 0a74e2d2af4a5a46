package restart

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/cortex/cortex-check/check"
)

// Starter starts daemons detached from the pass: in a session of their own
// (so they outlive the pass, the terminal, cron's job), stdin from
// /dev/null, stdout and stderr appended to <LogDir>/<name>.log. No config
// value ever goes through a shell.
type Starter struct {
	ConfigDir string // a start program with a slash resolves here
	LogDir    string
	UID       int // the caller: a start program must be theirs or root's, and not writable by others
}

// Program resolves a start command's program: a path with a slash against
// the config's folder, a bare name through PATH.
func (s Starter) Program(d *check.Daemon) (string, error) {
	prog := d.Start[0]
	if !strings.Contains(prog, "/") {
		path, err := exec.LookPath(prog)
		if err != nil {
			return "", fmt.Errorf("start program %q is not found in PATH: give its path in start (cron's PATH is only /usr/bin:/bin)", prog)
		}
		return path, nil
	}
	if !filepath.IsAbs(prog) {
		prog = filepath.Join(s.ConfigDir, prog)
	}
	fi, err := os.Stat(prog)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "", fmt.Errorf("start program %s does not exist", prog)
	case err != nil:
		return "", fmt.Errorf("start program: %w", err)
	case fi.IsDir() || fi.Mode().Perm()&0o111 == 0:
		return "", fmt.Errorf("start program %s is not executable (chmod +x %s)", prog, prog)
	}
	return prog, nil
}

// Start starts d's start command; the returned process is reaped in the
// background so that it never lingers as a zombie that could be mistaken
// for the daemon.
func (s Starter) Start(d *check.Daemon) (Process, error) {
	prog, err := s.Program(d)
	if err != nil {
		return nil, err
	}
	if err := CheckTrusted(prog, s.UID); err != nil {
		return nil, fmt.Errorf("refused: %w", err)
	}
	logPath := filepath.Join(s.LogDir, d.Name+".log")
	if err := os.MkdirAll(s.LogDir, 0o755); err != nil {
		return nil, fmt.Errorf("log folder: %w", err)
	}
	log, err := os.OpenFile(logPath, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("daemon log: %w", err)
	}
	defer log.Close() // the daemon holds its own descriptor
	offset, _ := log.Seek(0, io.SeekEnd)

	cmd := exec.Command(prog, d.Start[1:]...)
	cmd.Dir = d.Dir
	cmd.Env = environ(d.Env)
	cmd.Stdout, cmd.Stderr = log, log // stdin stays nil: /dev/null
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		if errors.Is(err, syscall.ENOEXEC) {
			return nil, fmt.Errorf("start program %s is not a program the kernel can run (exec format error): a script needs a first line such as #!/bin/bash", prog)
		}
		return nil, fmt.Errorf("%s: %w", prog, unwrapExec(err))
	}
	p := &started{cmd: cmd, exited: make(chan struct{}), logPath: logPath, offset: offset}
	go func() {
		p.err = cmd.Wait()
		close(p.exited)
	}()
	return p, nil
}

// environ is the caller's environment plus the daemon's env, in a stable
// order; nothing else is added.
func environ(extra map[string]string) []string {
	env := os.Environ()
	keys := make([]string, 0, len(extra))
	for k := range extra {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		env = append(env, k+"="+extra[k])
	}
	return env
}

func unwrapExec(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

type started struct {
	cmd     *exec.Cmd
	exited  chan struct{}
	err     error
	logPath string
	offset  int64
}

func (p *started) PID() int                { return p.cmd.Process.Pid }
func (p *started) Exited() <-chan struct{} { return p.exited }
func (p *started) ExitErr() error          { return p.err }

// Stop sends SIGTERM to the started program's process group (it leads its
// own session), so a start that never matched leaves nothing behind.
func (p *started) Stop() { syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM) }

// LogTail returns the last few lines the daemon wrote since it was started.
func (p *started) LogTail() string {
	const maxBytes, maxLines = 600, 3
	f, err := os.Open(p.logPath)
	if err != nil {
		return ""
	}
	defer f.Close()
	b, err := io.ReadAll(io.NewSectionReader(f, p.offset, 1<<20))
	if err != nil && len(b) == 0 {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > maxLines {
		lines = lines[len(lines)-maxLines:]
	}
	s := strings.Join(lines, " | ")
	if len(s) > maxBytes {
		s = "..." + s[len(s)-maxBytes:]
	}
	return s
}

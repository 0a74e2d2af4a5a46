package check

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
	"time"
)

// Process is what one pass knows of one process.
type Process struct {
	PID, PPID int
	// Name is the kernel's name for the process: on Linux the executable's
	// (or script's) file name cut to 15 bytes.
	Name string
	// Args is argv; empty when the kernel shows none (kernel threads, zombies,
	// or platforms where cortex-check cannot read it).
	Args []string
	// Cmdline is Args joined with spaces, what a pattern is matched against,
	// like pgrep -f.
	Cmdline string
	// State is the kernel's one-letter state ('R', 'S', 'Z', ...); 0 when unknown.
	State byte
	// StartTime is zero when unknown.
	StartTime time.Time
}

// Gone says whether the process has exited and only its entry remains: a
// zombie waiting for its parent, or one being torn down.
func (p *Process) Gone() bool { return p.State == 'Z' || p.State == 'X' || p.State == 'x' }

// matchText is what a pattern sees: the command line, or, for a process
// that shows none, its name in brackets as ps shows it.
func (p *Process) matchText() string {
	if p.Cmdline != "" {
		return p.Cmdline
	}
	return "[" + p.Name + "]"
}

// TableReader reads the whole process table once. withCmdline false lets it
// skip reading command lines when no daemon needs them.
type TableReader func(withCmdline bool) ([]Process, error)

// maxPID bounds what a pidfile may hold: Linux's pid_max cannot exceed 2^22.
const maxPID = 1 << 22

// errProcGone is returned for a process that exited between listing and reading.
var errProcGone = errors.New("process exited")

// statFields is what /proc/PID/stat holds that a pass needs.
type statFields struct {
	name      string
	state     byte
	ppid      int
	startTick uint64 // clock ticks after boot
}

// parseStat parses the contents of /proc/PID/stat. The name is read up to the
// last ')', since a process may put spaces and parentheses in its own name
// ("(a) b)"); go-ps stops at the first one and gets such names wrong.
func parseStat(b []byte) (statFields, error) {
	var f statFields
	open := bytes.IndexByte(b, '(')
	closing := bytes.LastIndexByte(b, ')')
	if open < 0 || closing < open {
		return f, errors.New("stat: no (name)")
	}
	f.name = string(b[open+1 : closing])
	rest := b[closing+1:]
	// After the name: state ppid pgrp session tty_nr tpgid flags minflt
	// cminflt majflt cmajflt utime stime cutime cstime priority nice
	// num_threads itrealvalue starttime; starttime is the 20th.
	field := 0
	for len(rest) > 0 {
		rest = bytes.TrimLeft(rest, " ")
		end := bytes.IndexByte(rest, ' ')
		if end < 0 {
			end = len(rest)
		}
		tok := bytes.TrimRight(rest[:end], "\n")
		switch field {
		case 0:
			if len(tok) != 1 {
				return f, errors.New("stat: bad state")
			}
			f.state = tok[0]
		case 1:
			ppid, err := strconv.Atoi(string(tok))
			if err != nil {
				return f, errors.New("stat: bad ppid")
			}
			f.ppid = ppid
		case 19:
			t, err := strconv.ParseUint(string(tok), 10, 64)
			if err != nil {
				return f, errors.New("stat: bad starttime")
			}
			f.startTick = t
			return f, nil
		}
		field++
		rest = rest[end:]
	}
	return f, errors.New("stat: too few fields")
}

// splitCmdline turns /proc/PID/cmdline (NUL-separated, usually NUL-ended)
// into argv and the space-joined command line.
func splitCmdline(b []byte) ([]string, string) {
	b = bytes.TrimRight(b, "\x00")
	if len(b) == 0 {
		return nil, ""
	}
	joined := string(b)
	args := strings.Split(joined, "\x00")
	return args, strings.ReplaceAll(joined, "\x00", " ")
}

package check

import (
	"bytes"
	"errors"
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
	// PGID and SID are the process group and session: a daemon's workers
	// share its group, which outlives a SIGKILLed master.
	PGID, SID int
	// Threads is the thread count; a thread-group leader that exited
	// while other threads run shows as a zombie with Threads > 1.
	Threads int
	// UID is the process's effective user; -1 when not read.
	UID int
	// StartTime is zero when unknown.
	StartTime time.Time
	// CPUTicks is the user and system time the process has used, in
	// clock ticks (utime+stime of /proc/PID/stat); 0 when unknown.
	CPUTicks uint64
	// RSS is its resident set in bytes (stat's rss times the page size);
	// 0 when unknown.
	RSS int64
}

// Gone says whether the process has exited and only its entry remains: a
// zombie waiting for its parent, or one being torn down. A zombie leader
// whose other threads still run is not gone: the program still works.
func (p *Process) Gone() bool {
	return (p.State == 'Z' && p.Threads <= 1) || p.State == 'X' || p.State == 'x'
}

// Suspended says whether the process is stopped by a signal (SIGSTOP,
// SIGTSTP) or a tracer: it exists and does nothing.
func (p *Process) Suspended() bool { return p.State == 'T' || p.State == 't' }

// kernelThread says whether the process is a kernel thread (kthreadd or
// one of its children), never a daemon.
func (p *Process) kernelThread() bool { return p.PID == 2 || p.PPID == 2 }

// matchText is what a pattern sees: the command line, or, for a process
// that shows none, its name in brackets as ps shows it.
func (p *Process) matchText() string {
	if p.Cmdline != "" {
		return p.Cmdline
	}
	return "[" + p.Name + "]"
}

// Need says what a read of the process table must get beyond each
// process's stat line, so that a pass reads no more than its daemons need.
type Need struct {
	Cmdline bool // argv, for patterns and long process names
	Owner   bool // the effective uid, for daemons with a user
}

// TableReader reads the whole process table once.
type TableReader func(need Need) ([]Process, error)

// MaxCmdline is how much of a command line a pass reads and matches: real
// ones are far shorter, and a process that makes its own 1 MiB long, with
// a slow pattern, cannot stall a pass. Patterns see the first 64 KiB.
const MaxCmdline = 64 << 10

// clockTicks is USER_HZ, the unit of starttime, utime and stime in
// /proc/PID/stat. It is 100 on every Linux architecture Go supports.
const clockTicks = 100

// maxPID bounds what a pidfile may hold: Linux's pid_max cannot exceed 2^22.
const maxPID = 1 << 22

// errProcGone is returned for a process that exited between listing and reading.
var errProcGone = errors.New("process exited")

// statFields is what /proc/PID/stat holds that a pass needs.
type statFields struct {
	name       string
	state      byte
	ppid       int
	pgid, sid  int
	numThreads int
	startTick  uint64 // clock ticks after boot
	cpuTicks   uint64 // utime + stime
	rssPages   int64
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
	// After the name: state ppid pgrp session tty_nr tpgid flags minflt
	// cminflt majflt cmajflt utime stime cutime cstime priority nice
	// num_threads itrealvalue starttime vsize rss; starttime is the 20th,
	// rss the 22nd. The figures (memory, CPU) come from this same read.
	var tok [22][]byte
	n := statTokens(b[closing+1:], tok[:])
	if n < 20 { // a line without rss is the process all the same
		return f, errors.New("stat: too few fields")
	}
	if len(tok[0]) != 1 {
		return f, errors.New("stat: bad state")
	}
	f.state = tok[0][0]
	var ids [3]uint64 // ppid, pgrp, session
	for i := range ids {
		var ok bool
		if ids[i], ok = parseUint(tok[1+i]); !ok || ids[i] > maxPID {
			return f, errors.New("stat: bad ppid, pgrp or session")
		}
	}
	f.ppid, f.pgid, f.sid = int(ids[0]), int(ids[1]), int(ids[2])
	utime, ok1 := parseUint(tok[11])
	stime, ok2 := parseUint(tok[12])
	if !ok1 || !ok2 {
		return f, errors.New("stat: bad utime or stime")
	}
	f.cpuTicks = utime + stime
	threads, ok := parseUint(tok[17])
	if !ok {
		return f, errors.New("stat: bad num_threads")
	}
	f.numThreads = int(threads)
	if f.startTick, ok = parseUint(tok[19]); !ok {
		return f, errors.New("stat: bad starttime")
	}
	// A missing, negative or odd rss is no reason to drop the process.
	if rss, ok := parseUint(tok[21]); n > 21 && ok && rss < 1<<40 {
		f.rssPages = int64(rss)
	}
	return f, nil
}

// statTokens cuts the fields after a stat line's name into tok, without
// allocating, and returns how many it found (at most len(tok)).
func statTokens(rest []byte, tok [][]byte) int {
	n := 0
	for n < len(tok) {
		rest = bytes.TrimLeft(rest, " ")
		if len(rest) == 0 {
			break
		}
		end := bytes.IndexByte(rest, ' ')
		if end < 0 {
			end = len(rest)
		}
		tok[n] = bytes.TrimRight(rest[:end], "\n")
		rest = rest[end:]
		n++
	}
	return n
}

// parseUint reads a decimal number without the string strconv would
// allocate for each of thousands of fields a pass reads.
func parseUint(b []byte) (uint64, bool) {
	if len(b) == 0 || len(b) > 19 {
		return 0, false
	}
	var n uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	return n, true
}

// splitCmdline turns /proc/PID/cmdline (NUL-separated, usually NUL-ended)
// into the space-joined command line and argv, the arguments being slices
// of that one string. It rewrites b. args is a backing array to append to,
// so a whole table's argv share a few allocations.
func splitCmdline(b []byte, args []string) (argv []string, cmdline string, backing []string) {
	b = bytes.TrimRight(b, "\x00")
	if len(b) == 0 {
		return nil, "", args
	}
	var ends []int
	for i, c := range b {
		if c == 0 {
			b[i] = ' '
			ends = append(ends, i)
		}
	}
	cmdline = string(b)
	start, first := 0, len(args)
	for _, end := range ends {
		args = append(args, cmdline[start:end])
		start = end + 1
	}
	args = append(args, cmdline[start:])
	return args[first:len(args):len(args)], cmdline, args
}

//go:build linux

package check

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// pageSize is the unit of rss in /proc/PID/stat.
var pageSize = int64(os.Getpagesize())

// ReadTable walks /proc once, reading each process's stat and, when asked,
// its cmdline, into one reused buffer. go-ps would read stat too but keeps
// neither state nor start time, and reads no command line, so on Linux this
// walk replaces it rather than running beside it.
func ReadTable(need Need) ([]Process, error) {
	return readTableAt("/proc", need)
}

// readTableAt reads a /proc tree at root; tests give it a fake one.
func readTableAt(root string, need Need) ([]Process, error) {
	dir, err := os.Open(root)
	if err != nil {
		return nil, fmt.Errorf("read process table: %w", err)
	}
	defer dir.Close()
	names, err := dir.Readdirnames(-1)
	if err != nil {
		return nil, fmt.Errorf("read process table: %w", err)
	}
	boot, err := bootTime(root)
	if err != nil {
		return nil, fmt.Errorf("read process table: %w", err)
	}
	r := procReader{root: root, dir: int(dir.Fd()), buf: make([]byte, 0, 4096), args: make([]string, 0, 4*len(names))}
	procs := make([]Process, 0, len(names))
	for _, name := range names {
		if name[0] < '0' || name[0] > '9' {
			continue
		}
		pid, err := strconv.Atoi(name)
		if err != nil {
			continue
		}
		p, err := r.read(pid, name, need, boot)
		if err != nil {
			// Gone between listing and reading, or not ours to read:
			// either way it is not a process we can judge.
			continue
		}
		procs = append(procs, p)
	}
	return procs, nil
}

// procReader reads the files of /proc/PID relative to /proc, opened once:
// the kernel resolves "PID/stat" from there, not "/proc/PID/stat" from /,
// for each of thousands of files.
type procReader struct {
	root string
	dir  int // root, open
	buf  []byte
	path []byte   // the file's path under dir, NUL-terminated
	args []string // backing array for every process's argv
}

func (r *procReader) read(pid int, name string, need Need, boot time.Time) (Process, error) {
	b, err := r.readFile(name, "/stat", 4096, true)
	if err != nil {
		return Process{}, err
	}
	st, err := parseStat(b)
	if err != nil {
		return Process{}, err
	}
	p := Process{
		PID:       pid,
		PPID:      st.ppid,
		Name:      st.name,
		State:     st.state,
		PGID:      st.pgid,
		SID:       st.sid,
		Threads:   st.numThreads,
		StartTime: boot.Add(ticksToDuration(st.startTick)),
		CPUTicks:  st.cpuTicks,
		RSS:       st.rssPages * pageSize,
	}
	p.UID = -1
	if need.Owner {
		// /proc/PID belongs to the process's effective user (its
		// files, to root when the process is not dumpable).
		var st unix.Stat_t
		if err := unix.Fstatat(r.dir, name, &st, 0); err != nil {
			return Process{}, errProcGone
		}
		p.UID = int(st.Uid)
	}
	if need.Cmdline {
		b, err := r.readFile(name, "/cmdline", MaxCmdline, false)
		if err != nil {
			return Process{}, err
		}
		if len(b) == 0 && p.State == 'Z' && p.Threads > 1 {
			// A leader that exited while its threads run shows no
			// command line; its live threads still have the program's.
			b = r.threadCmdline(name)
		}
		p.Args, p.Cmdline, r.args = splitCmdline(b, r.args)
	}
	return p, nil
}

// threadCmdline reads the command line of a live thread of the process:
// the first non-empty one under <root>/<pid>/task.
func (r *procReader) threadCmdline(pid string) []byte {
	tasks, err := os.ReadDir(r.root + "/" + pid + "/task")
	if err != nil {
		return nil
	}
	for _, t := range tasks {
		if t.Name() == pid {
			continue
		}
		if b, err := r.readFile(pid, "/task/"+t.Name()+"/cmdline", MaxCmdline, false); err == nil && len(b) > 0 {
			return b
		}
	}
	return nil
}

// ticksToDuration converts clock ticks after boot to a duration. Whole
// seconds and the remainder are converted apart: ticks * time.Second
// overflows int64 after about 1,067 days of uptime.
func ticksToDuration(ticks uint64) time.Duration {
	return time.Duration(ticks/clockTicks)*time.Second + time.Duration(ticks%clockTicks)*(time.Second/clockTicks)
}

// readFile reads <root>/<pid><file> whole into the reader's buffer, which the
// next call overwrites. shortIsWhole says that a read that does not fill
// the buffer returned the whole file, as for /proc/PID/stat, which the
// kernel writes in one piece: the read that would only see its end is
// saved, once per process.
func (r *procReader) readFile(pid, file string, limit int, shortIsWhole bool) ([]byte, error) {
	r.path = append(append(append(r.path[:0], pid...), file...), 0)
	fd, err := openAt(r.dir, r.path)
	if err != nil {
		return nil, errProcGone
	}
	defer syscall.Close(fd)
	r.buf = r.buf[:0]
	for len(r.buf) < limit {
		if len(r.buf) == cap(r.buf) {
			r.buf = append(r.buf, 0)[:len(r.buf)]
		}
		n, err := syscall.Read(fd, r.buf[len(r.buf):min(cap(r.buf), limit)])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, errProcGone
		}
		if n == 0 {
			return r.buf, nil
		}
		full := len(r.buf)+n == min(cap(r.buf), limit)
		r.buf = r.buf[:len(r.buf)+n]
		if shortIsWhole && !full {
			return r.buf, nil
		}
	}
	return r.buf, nil
}

// openAt opens path (NUL-terminated) under dir for reading, without the
// two copies of the path into new strings that syscall.Openat would make
// for each of a walk's thousands of files.
func openAt(dir int, path []byte) (int, error) {
	fd, _, errno := syscall.Syscall6(syscall.SYS_OPENAT, uintptr(dir), uintptr(unsafe.Pointer(&path[0])), syscall.O_RDONLY|syscall.O_CLOEXEC, 0, 0, 0)
	if errno != 0 {
		return -1, errno
	}
	return int(fd), nil
}

// bootTime is when the system booted, from /proc/stat's btime line.
func bootTime(root string) (time.Time, error) {
	b, err := os.ReadFile(root + "/stat")
	if err != nil {
		return time.Time{}, err
	}
	for line := range bytes.Lines(b) {
		if v, ok := bytes.CutPrefix(line, []byte("btime ")); ok {
			sec, err := strconv.ParseInt(string(bytes.TrimSpace(v)), 10, 64)
			if err != nil {
				break
			}
			return time.Unix(sec, 0), nil
		}
	}
	return time.Time{}, errors.New("/proc/stat has no btime line")
}

// ProcHidden says whether /proc hides other users' processes from this
// process (mounted with hidepid=1 or 2, or invisible): PID 1 is always
// there, so not seeing it means not seeing others.
func ProcHidden() bool {
	_, err := os.Stat("/proc/1/stat")
	return err != nil
}

// SameProcess says whether p.PID still names the process p was read as:
// alive, with the same start time. A PID reused since starts later.
// Its owner must not have changed either.
func SameProcess(p Process) bool {
	now, err := readTableOne("/proc", p.PID)
	return err == nil && !now.Gone() && (p.StartTime.IsZero() || now.StartTime.Equal(p.StartTime)) &&
		(p.UID < 0 || now.UID == p.UID)
}

// readTableOne reads one process as ReadTable would.
func readTableOne(root string, pid int) (Process, error) {
	boot, err := bootTime(root)
	if err != nil {
		return Process{}, err
	}
	dir, err := os.Open(root)
	if err != nil {
		return Process{}, err
	}
	defer dir.Close()
	r := procReader{root: root, dir: int(dir.Fd()), buf: make([]byte, 0, 4096)}
	return r.read(pid, strconv.Itoa(pid), Need{Owner: true}, boot)
}

// Creds reads a process's real and saved uids from /proc/PID/status (its
// effective uid is what the table's stat of /proc/PID gives).
func Creds(pid int) (ruid, suid int, ok bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, 0, false
	}
	return parseUids(b)
}

// parseUids reads the Uid: line of /proc/PID/status: real, effective,
// saved and filesystem uids.
func parseUids(b []byte) (ruid, suid int, ok bool) {
	for line := range bytes.Lines(b) {
		rest, found := bytes.CutPrefix(line, []byte("Uid:"))
		if !found {
			continue
		}
		f := bytes.Fields(rest)
		if len(f) < 3 {
			return 0, 0, false
		}
		r, err1 := strconv.Atoi(string(f[0]))
		s, err2 := strconv.Atoi(string(f[2]))
		return r, s, err1 == nil && err2 == nil
	}
	return 0, 0, false
}

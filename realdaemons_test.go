//go:build linux

package main

// The real_*.txtar scenarios run Debian's own daemons (nginx, redis-server,
// memcached, PostgreSQL 15) the way a user would configure cortex-check for
// them, each on private 127.0.0.1 ports with every file in the script's
// $WORK. This file holds their commands and conditions, and the cleanup that
// makes sure no daemon outlives its scenario: daemons fork, retitle
// themselves ("nginx: worker process", "postgres: checkpointer",
// "redis-server 127.0.0.1:PORT") and leave the script's process tree, so the
// usual "command line names $WORK" rule does not find them all.

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"maps"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// subreaperName is the name under which the test binary acts as a child
// subreaper (see runSubreaper); realwork links it into the script's PATH.
const subreaperName = "cortex-subreaper"

// pgBin is where Debian's postgresql-15 keeps its programs, off PATH.
const pgBin = "/usr/lib/postgresql/15/bin"

func init() {
	if filepath.Base(os.Args[0]) == subreaperName {
		os.Exit(runSubreaper(os.Args[1:]))
	}
	maps.Copy(scriptCmds, map[string]func(ts *testscript.TestScript, neg bool, args []string){
		"realwork":      cmdRealWork,
		"freeport":      cmdFreePort,
		"holdport":      cmdHoldPort,
		"waitport":      cmdWaitPort,
		"portpids":      cmdPortPids,
		"waitlisteners": cmdWaitListeners,
		"sendsig":       cmdSendSig,
		"savetree":      cmdSaveTree,
		"waitgone":      cmdWaitGone,
		"cmdline":       cmdCmdline,
		"waitexec":      cmdWaitExec,
		"mcversion":     cmdMcVersion,
		"cortexcopy":    cmdCortexCopy,
	})
	maps.Copy(scriptConds, map[string]func() bool{
		"have-nginx":     func() bool { return havePrograms("/usr/sbin/nginx") },
		"have-redis":     func() bool { return havePrograms("/usr/bin/redis-server", "/usr/bin/redis-cli") },
		"have-memcached": func() bool { return havePrograms("/usr/bin/memcached") && haveUser("memcache") },
		"have-postgres": func() bool {
			return havePrograms(pgBin+"/initdb", pgBin+"/pg_ctl", pgBin+"/postgres", pgBin+"/pg_isready") && haveUser("postgres")
		},
	})
}

func havePrograms(paths ...string) bool {
	for _, p := range paths {
		if fi, err := os.Stat(p); err != nil || fi.Mode()&0o111 == 0 {
			return false
		}
	}
	return true
}

func haveUser(name string) bool {
	_, err := user.Lookup(name)
	return err == nil
}

// realState is what one script's real-daemon commands remember: the ports
// handed out, and the processes seen serving them, for the cleanup.
type realState struct {
	work  string
	ports []int
	pids  map[int]string // PID -> its start time in ticks, so a reused PID is never killed
}

var (
	realMu     sync.Mutex
	realStates = map[*testscript.TestScript]*realState{}
	usedPorts  = map[int]bool{} // across scripts running in parallel
)

// realOf returns the script's state, registering its cleanup on first use.
func realOf(ts *testscript.TestScript) *realState {
	realMu.Lock()
	defer realMu.Unlock()
	if st, ok := realStates[ts]; ok {
		return st
	}
	st := &realState{work: ts.Getenv("WORK"), pids: map[int]string{}}
	realStates[ts] = st
	ts.Defer(func() {
		realMu.Lock()
		delete(realStates, ts)
		realMu.Unlock()
		for _, line := range killRealProcesses(st) {
			ts.Logf("cleanup: %s", line)
		}
	})
	return st
}

// realwork: the first command of every real_ scenario. It registers the
// cleanup, puts /usr/sbin, PostgreSQL's programs and cortex-subreaper on
// PATH, and lets the daemons' own users (postgres, memcache, nobody) reach
// $WORK: testscript's temporary folder is 0700, so it gets o+x (search, not
// list); nothing outside that folder is changed.
func cmdRealWork(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: realwork")
	}
	st := realOf(ts)
	bin := filepath.Join(st.work, ".real", "bin")
	ts.Check(os.MkdirAll(bin, 0o755))
	self, err := os.Executable()
	ts.Check(err)
	ts.Check(os.Symlink(self, filepath.Join(bin, subreaperName)))
	ts.Setenv("PATH", strings.Join([]string{bin, "/usr/sbin", pgBin, ts.Getenv("PATH")}, string(os.PathListSeparator)))

	parent := filepath.Dir(st.work)
	fi, err := os.Stat(parent)
	ts.Check(err)
	if fi.Mode().Perm()&0o001 == 0 {
		if !strings.HasPrefix(filepath.Base(parent), "go-test-script") {
			ts.Fatalf("realwork: %s is not searchable by other users and is not testscript's own folder: run the tests with GOTMPDIR pointing at a folder they can reach", parent)
		}
		ts.Check(os.Chmod(parent, fi.Mode().Perm()|0o011))
	}
	for dir := filepath.Dir(parent); dir != "/"; dir = filepath.Dir(dir) {
		fi, err := os.Stat(dir)
		ts.Check(err)
		if fi.Mode().Perm()&0o001 == 0 {
			ts.Fatalf("realwork: %s is not searchable by other users, so the postgres and memcache users cannot reach $WORK: set GOTMPDIR to a folder they can reach", dir)
		}
	}
	ts.Check(os.Chmod(st.work, 0o755))
}

// freeport VAR...: pick a free TCP port on 127.0.0.1 for each VAR, never one
// handed to another script of this run, and set it in the environment.
func cmdFreePort(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: freeport VAR...")
	}
	st := realOf(ts)
	for _, name := range args {
		port := 0
		for try := 0; try < 20 && port == 0; try++ {
			l, err := net.Listen("tcp", "127.0.0.1:0")
			ts.Check(err)
			p := l.Addr().(*net.TCPAddr).Port
			l.Close()
			realMu.Lock()
			if !usedPorts[p] {
				usedPorts[p], port = true, p
			}
			realMu.Unlock()
		}
		if port == 0 {
			ts.Fatalf("freeport: no free port found")
		}
		realMu.Lock()
		st.ports = append(st.ports, port)
		realMu.Unlock()
		ts.Setenv(name, strconv.Itoa(port))
	}
}

// holdport PORT: listen on 127.0.0.1:PORT from the test process itself
// until the script ends, so a daemon that wants it finds it taken.
func cmdHoldPort(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: holdport PORT")
	}
	l, err := net.Listen("tcp", "127.0.0.1:"+args[0])
	ts.Check(err)
	ts.Defer(func() { l.Close() })
}

// waitport [-gone] [HOST:]PORT: wait, up to 20 s, until HOST:PORT (default host 127.0.0.1) accepts a
// connection (or, with -gone, refuses one). Once it accepts, the processes
// listening there are recorded for the cleanup.
func cmdWaitPort(ts *testscript.TestScript, neg bool, args []string) {
	gone := len(args) == 2 && args[0] == "-gone"
	if gone {
		args = args[1:]
	}
	if neg || len(args) != 1 {
		ts.Fatalf("usage: waitport [-gone] [HOST:]PORT")
	}
	host, portArg, ok := strings.Cut(args[0], ":")
	if !ok {
		host, portArg = "127.0.0.1", args[0]
	}
	port := atoiArg(ts, "waitport", portArg)
	st := realOf(ts)
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		c, err := net.DialTimeout("tcp", net.JoinHostPort(host, strconv.Itoa(port)), time.Second)
		if err == nil {
			c.Close()
		}
		if (err == nil) != gone {
			if !gone {
				st.record(listeners(port))
			}
			return
		}
	}
	if gone {
		ts.Fatalf("port %d still accepts connections", port)
	}
	ts.Fatalf("nothing accepts connections on port %d", port)
}

// record remembers live processes for the cleanup, with their start times.
func (st *realState) record(pids []int) {
	realMu.Lock()
	defer realMu.Unlock()
	for _, pid := range pids {
		if p, ok := readProc(pid); ok {
			st.pids[pid] = p.start
		}
	}
}

// waitlisteners PORT N REGEXP: wait, up to 20 s, until N processes that
// listen on PORT have a command line matching REGEXP: nginx's workers
// retitle themselves and drop root a moment after the port opens.
func cmdWaitListeners(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: waitlisteners PORT N REGEXP")
	}
	port, want := atoiArg(ts, "waitlisteners", args[0]), atoiArg(ts, "waitlisteners", args[1])
	re, err := regexp.Compile(args[2])
	ts.Check(err)
	n := 0
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		pids := listeners(port)
		realOf(ts).record(pids)
		n = 0
		for _, pid := range pids {
			if p, ok := readProc(pid); ok && re.MatchString(p.cmdline) {
				n++
			}
		}
		if n == want {
			return
		}
	}
	ts.Fatalf("%d processes on port %d match %q, want %d", n, port, args[2], want)
}

// portpids PORT [FILE]: print "PID name: command line" for each process
// listening on 127.0.0.1:PORT (or any address), and write their PIDs on
// one line to FILE.
func cmdPortPids(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 || len(args) > 2 {
		ts.Fatalf("usage: portpids PORT [FILE]")
	}
	pids := listeners(atoiArg(ts, "portpids", args[0]))
	realOf(ts).record(pids)
	var words []string
	for _, pid := range pids {
		p, _ := readProc(pid)
		fmt.Fprintf(ts.Stdout(), "%d %s: %s\n", pid, p.name, p.cmdline)
		words = append(words, strconv.Itoa(pid))
	}
	if len(args) == 2 {
		ts.Check(os.WriteFile(ts.MkAbs(args[1]), []byte(strings.Join(words, " ")+"\n"), 0o644))
	}
}

// sendsig KILL|TERM|INT|HUP|STOP|CONT FILE|PID: send the signal to the PID
// on the first line of FILE (a pidfile) or given as a number. Retitled
// daemons do not carry $WORK, so signal cannot find them.
func cmdSendSig(ts *testscript.TestScript, neg bool, args []string) {
	const usage = "sendsig KILL|TERM|INT|HUP|STOP|CONT FILE|PID"
	signals := map[string]syscall.Signal{"KILL": syscall.SIGKILL, "TERM": syscall.SIGTERM, "INT": syscall.SIGINT,
		"HUP": syscall.SIGHUP, "STOP": syscall.SIGSTOP, "CONT": syscall.SIGCONT}
	if neg || len(args) != 2 || signals[args[0]] == 0 {
		ts.Fatalf("usage: %s", usage)
	}
	pids := pidsArg(ts, args[1])
	if len(pids) != 1 {
		ts.Fatalf("sendsig: %s names %d PIDs, want one", args[1], len(pids))
	}
	p, ok := readProc(pids[0])
	if !ok || p.zombie() {
		ts.Fatalf("sendsig: PID %d is not running", pids[0])
	}
	realOf(ts).record(pids)
	ts.Check(syscall.Kill(pids[0], signals[args[0]]))
	ts.Logf("sent SIG%s to PID %d (%s)", args[0], pids[0], p.cmdline)
	// A signal is delivered asynchronously: a pass that reads the table
	// at once may still see the process running. STOP and CONT wait
	// (up to 20 s) until /proc shows the change.
	if sig := signals[args[0]]; sig == syscall.SIGSTOP || sig == syscall.SIGCONT {
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			if q, ok := readProc(pids[0]); !ok || (q.state == 'T') == (sig == syscall.SIGSTOP) {
				return
			}
		}
		ts.Fatalf("sendsig: PID %d did not change state after SIG%s", pids[0], args[0])
	}
}

// savetree OUT FILE|PID: write the PID and all its live descendants, on one
// line, to OUT; a later waitgone OUT waits for the whole tree.
func cmdSaveTree(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: savetree OUT FILE|PID")
	}
	procs := readAllProcs()
	tree := descendants(procs, pidsArg(ts, args[1]))
	realOf(ts).record(tree)
	var words []string
	for _, pid := range tree {
		words = append(words, strconv.Itoa(pid))
	}
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), []byte(strings.Join(words, " ")+"\n"), 0o644))
}

// waitgone FILE|PID...: wait, up to 20 s, until every PID named (the first
// line of each file, words separated by spaces) has exited. A zombie has
// exited: PID 1 here does not reap orphans.
func cmdWaitGone(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: waitgone FILE|PID...")
	}
	var pids []int
	for _, a := range args {
		pids = append(pids, pidsArg(ts, a)...)
	}
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		alive := slices.DeleteFunc(slices.Clone(pids), func(pid int) bool {
			p, ok := readProc(pid)
			return !ok || p.zombie()
		})
		if len(alive) == 0 {
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("still running: %v", alive)
		}
	}
}

// cmdline FILE|PID: print the command line of the PID (argv joined with
// spaces, as cortex-check matches it), or fail if it is not running.
func cmdCmdline(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: cmdline FILE|PID")
	}
	for _, pid := range pidsArg(ts, args[0]) {
		p, ok := readProc(pid)
		if !ok || p.zombie() {
			ts.Fatalf("PID %d is not running", pid)
		}
		realOf(ts).record([]int{pid})
		fmt.Fprintln(ts.Stdout(), p.cmdline)
	}
}

// waitexec PROGRAM [ARGS...]: run the program every 100 ms, up to 20 s,
// until it exits 0; its last stdout and stderr are the script's. For a
// daemon that accepts connections before it serves (PostgreSQL in crash
// recovery answers pg_isready with "rejecting connections").
func cmdWaitExec(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: waitexec PROGRAM [ARGS...]")
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		err := ts.Exec(args[0], args[1:]...)
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("%s still fails after 20s: %v", args[0], err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// mcversion PORT: ask memcached on 127.0.0.1:PORT for its version over its
// text protocol and print the answer ("VERSION 1.6.18").
func cmdMcVersion(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: mcversion PORT")
	}
	c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", args[0]), 5*time.Second)
	ts.Check(err)
	defer c.Close()
	ts.Check(c.SetDeadline(time.Now().Add(5 * time.Second)))
	_, err = io.WriteString(c, "version\r\n")
	ts.Check(err)
	line, err := bufio.NewReader(c).ReadString('\n')
	ts.Check(err)
	fmt.Fprintln(ts.Stdout(), strings.TrimRight(line, "\r\n"))
}

// cortexcopy DIR: copy the cortex-check program into DIR (mode 0755), so
// that another user (a Nagios check runs as nagios) can run it:
// testscript's own copy sits in a folder only root may enter.
func cmdCortexCopy(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: cortexcopy DIR")
	}
	src, err := exec.LookPath("cortex-check")
	ts.Check(err)
	b, err := os.ReadFile(src)
	ts.Check(err)
	dir := ts.MkAbs(args[0])
	ts.Check(os.MkdirAll(dir, 0o755))
	ts.Check(os.WriteFile(filepath.Join(dir, "cortex-check"), b, 0o755))
}

func atoiArg(ts *testscript.TestScript, cmd, s string) int {
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		ts.Fatalf("%s: %q is not a port or PID", cmd, s)
	}
	return n
}

// pidsArg reads a PID argument: a number, or a file whose first line holds
// PIDs separated by spaces (a pidfile, postmaster.pid, savetree's output).
func pidsArg(ts *testscript.TestScript, arg string) []int {
	if n, err := strconv.Atoi(arg); err == nil && n > 0 {
		return []int{n}
	}
	b, err := os.ReadFile(ts.MkAbs(arg))
	ts.Check(err)
	first, _, _ := strings.Cut(string(b), "\n")
	var pids []int
	for _, w := range strings.Fields(first) {
		n, err := strconv.Atoi(w)
		if err != nil || n <= 0 {
			ts.Fatalf("%s: %q is not a PID", arg, w)
		}
		pids = append(pids, n)
	}
	if len(pids) == 0 {
		ts.Fatalf("%s names no PID", arg)
	}
	return pids
}

// proc is what the cleanup needs to know of one process.
type proc struct {
	pid, ppid, pgrp, sid int
	state                byte
	start                string // start time in clock ticks after boot, as /proc shows it
	name, cmdline        string
}

func (p proc) zombie() bool { return p.state == 'Z' || p.state == 'X' }

func readProc(pid int) (proc, bool) {
	dir := "/proc/" + strconv.Itoa(pid)
	b, err := os.ReadFile(dir + "/stat")
	if err != nil {
		return proc{}, false
	}
	open, closing := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
	if open < 0 || closing < open {
		return proc{}, false
	}
	f := strings.Fields(string(b[closing+1:]))
	if len(f) < 20 || len(f[0]) != 1 {
		return proc{}, false
	}
	p := proc{pid: pid, name: string(b[open+1 : closing]), state: f[0][0], start: f[19]}
	p.ppid, _ = strconv.Atoi(f[1])
	p.pgrp, _ = strconv.Atoi(f[2])
	p.sid, _ = strconv.Atoi(f[3])
	if c, err := os.ReadFile(dir + "/cmdline"); err == nil {
		p.cmdline = strings.TrimRight(strings.ReplaceAll(string(c), "\x00", " "), " ")
	}
	return p, true
}

func readAllProcs() map[int]proc {
	procs := map[int]proc{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		if pid, err := strconv.Atoi(e.Name()); err == nil {
			if p, ok := readProc(pid); ok {
				procs[pid] = p
			}
		}
	}
	return procs
}

// descendants returns roots and every process below them, roots first.
func descendants(procs map[int]proc, roots []int) []int {
	children := map[int][]int{}
	for _, p := range procs {
		children[p.ppid] = append(children[p.ppid], p.pid)
	}
	seen := map[int]bool{}
	var out []int
	var add func(pid int)
	add = func(pid int) {
		if seen[pid] {
			return
		}
		seen[pid] = true
		if _, ok := procs[pid]; ok {
			out = append(out, pid)
		}
		for _, c := range children[pid] {
			add(c)
		}
	}
	for _, r := range roots {
		add(r)
	}
	return out
}

// listeners returns the PIDs holding a listening TCP socket on port.
func listeners(port int) []int {
	inodes := map[string]bool{}
	for _, table := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		b, err := os.ReadFile(table)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n")[1:] {
			f := strings.Fields(line)
			if len(f) < 10 || f[3] != "0A" { // 0A: LISTEN
				continue
			}
			_, hexPort, _ := strings.Cut(f[1], ":")
			if p, err := strconv.ParseInt(hexPort, 16, 32); err == nil && int(p) == port {
				inodes["socket:["+f[9]+"]"] = true
			}
		}
	}
	if len(inodes) == 0 {
		return nil
	}
	var pids []int
	for pid := range readAllProcs() {
		for _, target := range fdTargets(pid) {
			if inodes[target] {
				pids = append(pids, pid)
				break
			}
		}
	}
	slices.Sort(pids)
	return pids
}

// fdTargets lists where the process's open file descriptors point.
func fdTargets(pid int) []string {
	dir := "/proc/" + strconv.Itoa(pid) + "/fd"
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	out := make([]string, 0, len(entries))
	for _, e := range entries {
		if t, err := os.Readlink(dir + "/" + e.Name()); err == nil {
			out = append(out, t)
		}
	}
	return out
}

// under says whether path is dir or inside it.
func under(path, dir string) bool {
	return path == dir || strings.HasPrefix(path, dir+"/")
}

// killRealProcesses SIGKILLs every live process that belongs to the script,
// with all its descendants and, when it leads a session or process group,
// every member of it. A process belongs to the script when any of these
// holds: its command line names $WORK; its working folder is in $WORK
// (daemons started by the script or by cortex-check run there, and
// postgres moves into its data folder); it holds a file in $WORK open (a
// log, a pidfile, a unix socket); it listens on a port freeport handed to
// the script; or waitport, portpids, sendsig, savetree or cmdline saw it
// (and its start time is unchanged, so a reused PID is spared). The test
// process and its ancestors are never touched. It repeats until a read of
// the process table finds nothing left, as a master may fork a worker
// between the read and the kill; zombies are left, as PID 1 here does not
// reap orphans.
func killRealProcesses(st *realState) []string {
	realMu.Lock()
	ports := slices.Clone(st.ports)
	recorded := maps.Clone(st.pids)
	for _, p := range ports {
		delete(usedPorts, p)
	}
	realMu.Unlock()

	var report []string
	for round := 0; round < 10; round++ {
		procs := readAllProcs()
		victims := st.victims(procs, ports, recorded)
		if len(victims) == 0 {
			return report
		}
		for _, pid := range victims {
			if syscall.Kill(pid, syscall.SIGKILL) == nil {
				report = append(report, fmt.Sprintf("killed PID %d (%s)", pid, procs[pid].cmdline))
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return append(report, "some processes survived 10 rounds of SIGKILL")
}

// victims are the live processes that belong to the scenario: those on
// its ports, those it recorded (same start time), those whose command
// line, working folder or open files are in its work dir, and everything
// in their sessions, groups and trees; never the test itself or its
// ancestors. Sorted.
func (st *realState) victims(procs map[int]proc, ports []int, recorded map[int]string) []int {
	spare := map[int]bool{os.Getpid(): true}
	for pid := os.Getpid(); pid > 1; {
		p, ok := procs[pid]
		if !ok {
			break
		}
		spare[p.ppid] = true
		pid = p.ppid
	}
	portPIDs := map[int]bool{}
	for _, port := range ports {
		for _, pid := range listeners(port) {
			portPIDs[pid] = true
		}
	}
	var seeds []int
	leaders := map[int]bool{}
	for pid, p := range procs {
		if !spare[pid] && !p.zombie() && (portPIDs[pid] || recorded[pid] == p.start || st.inWork(pid, p)) {
			seeds = append(seeds, pid)
			leaders[pid] = true
		}
	}
	for _, p := range procs {
		if (leaders[p.sid] || leaders[p.pgrp]) && !spare[p.pid] {
			seeds = append(seeds, p.pid)
		}
	}
	var victims []int
	for _, pid := range descendants(procs, seeds) {
		if p := procs[pid]; !spare[pid] && !p.zombie() {
			victims = append(victims, pid)
		}
	}
	slices.Sort(victims)
	return victims
}

// inWork says whether a process's command line, working folder or open
// files are in the scenario's work dir.
func (st *realState) inWork(pid int, p proc) bool {
	if containsPath(p.cmdline, st.work) {
		return true
	}
	if cwd, _ := os.Readlink("/proc/" + strconv.Itoa(pid) + "/cwd"); under(cwd, st.work) {
		return true
	}
	return slices.ContainsFunc(fdTargets(pid), func(t string) bool { return under(t, st.work) })
}

// containsPath says whether a command line names dir or a file in it, and
// not merely a longer name that starts the same (script-real_a vs
// script-real_ab).
func containsPath(cmdline, dir string) bool {
	for rest := cmdline; ; {
		i := strings.Index(rest, dir)
		if i < 0 {
			return false
		}
		rest = rest[i+len(dir):]
		if rest == "" || rest[0] == '/' || rest[0] == ' ' || rest[0] == '"' || rest[0] == '\'' {
			return true
		}
	}
}

// runSubreaper is cortex-subreaper PROGRAM [ARGS...]: run the program as a
// child subreaper, so that the daemons it forks and leaves (pg_ctl's
// postmaster, a daemonizing server) become its children instead of PID 1's,
// and reap every one of them until none is left. PID 1 here does not reap
// orphans, and PostgreSQL refuses to start while the zombie of a killed
// postmaster holds the PID in its postmaster.pid. It exits with the
// program's status once the last descendant is gone.
func runSubreaper(args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "usage: "+subreaperName+" PROGRAM [ARGS...]")
		return 2
	}
	const prSetChildSubreaper = 36
	if _, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, prSetChildSubreaper, 1, 0); errno != 0 {
		fmt.Fprintf(os.Stderr, "%s: prctl(PR_SET_CHILD_SUBREAPER): %v\n", subreaperName, errno)
		return 2
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", subreaperName, err)
		return 2
	}
	code := 0
	for {
		var ws syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &ws, 0, nil)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return code // ECHILD: no descendant left
		}
		if pid == cmd.Process.Pid {
			code = ws.ExitStatus()
		}
	}
}

package main

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/cortex/cortex-check/cgroup"
	"github.com/cortex/cortex-check/check"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"cortex-check": func() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) },
		"fakeserver":   runFakeServer,
	})
}

// TestScripts runs every scenario in testdata/script. Set UPDATE_SCRIPTS=1
// to rewrite cmp golden files from what the scripts see.
func TestScripts(t *testing.T) {
	t.Cleanup(func() { removeBusyGroups(t) })
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		UpdateScripts:       os.Getenv("UPDATE_SCRIPTS") != "",
		Setup:               setupWork,
		Cmds:                scriptCmds,
		Condition: func(cond string) (bool, error) {
			if f, ok := scriptConds[cond]; ok {
				return f(), nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
	})
}

// scriptCmds are the scenarios' own commands. Other test files add theirs
// in an init function, so each family of scenarios keeps its helpers beside
// it.
var scriptCmds = map[string]func(ts *testscript.TestScript, neg bool, args []string){
	"exits":      cmdExits,
	"expandenv":  cmdExpandEnv,
	"waitproc":   cmdWaitProc,
	"waitzombie": cmdWaitZombie,
	"signal":     cmdSignal,
	"instances":  cmdInstances,
	"cgsession":  cmdCgSession,
	"waitleader": cmdWaitLeader,
	"xmlparse":   cmdXMLParse,
	"promparse":  cmdPromParse,
}

// scriptConds are the scenarios' conditions, like [root]; other test files
// add theirs in init.
var scriptConds = map[string]func() bool{
	"root": func() bool { return os.Geteuid() == 0 },
}

// setupWork gives each script the stand-in daemons under $WORK/daemons, so
// every process a script starts carries its own work dir in its command
// line, and kills all of them when the script ends, passed or failed.
func setupWork(env *testscript.Env) error {
	if err := shareCoverDir(env); err != nil {
		return err
	}
	daemons := filepath.Join(env.WorkDir, "daemons")
	if err := os.MkdirAll(daemons, 0o755); err != nil {
		return err
	}
	src, err := os.ReadFile(filepath.Join("testdata", "daemons", "standin.sh"))
	if err != nil {
		return err
	}
	// A stand-in that escapes every cleanup still ends by itself, even one
	// that --fix started with a clean environment.
	src = bytes.Replace(src, []byte("CORTEX_STANDIN_LIFETIME:-900"), []byte("CORTEX_STANDIN_LIFETIME:-120"), 1)
	if err := os.WriteFile(filepath.Join(daemons, "standin.sh"), src, 0o755); err != nil {
		return err
	}
	for _, name := range []string{"pm-daemon", "health-monitor-daemon", "metrics-snapshot-daemon",
		"coordinator-daemon", "integration-validator-daemon", "worker-daemon"} {
		if err := os.Symlink("standin.sh", filepath.Join(daemons, name+".sh")); err != nil {
			return err
		}
	}
	// A stand-in that escapes every cleanup still ends by itself.
	env.Setenv("CORTEX_STANDIN_LIFETIME", "120")
	// The probe scenarios' server, by absolute path: start programs are
	// looked up in a fixed PATH, not the script's.
	if path, err := exec.LookPath("fakeserver"); err == nil {
		env.Setenv("FAKESERVER", path)
	}
	work := env.WorkDir
	env.Defer(func() {
		killWorkProcesses(work)
		removeWorkGroups(work)
	})
	return nil
}

// waitleader REGEXP: wait until a process matching has a zombie leader
// and live threads (its main thread exited).
func cmdWaitLeader(ts *testscript.TestScript, neg bool, args []string) {
	const usage = "waitleader REGEXP"
	if neg || len(args) != 1 {
		ts.Fatalf("usage: %s", usage)
	}
	re := workRegexp(ts, usage, args[0])
	if pollTable(ts, func(procs []check.Process) bool {
		return slices.ContainsFunc(procs, func(p check.Process) bool {
			return p.State == 'Z' && p.Threads > 1 && re.MatchString(p.Cmdline)
		})
	}) {
		return
	}
	ts.Fatalf("no process matching %q with a zombie leader and live threads appeared", args[0])
}

// pollTable reads the process table every 50 ms, for up to 20 s, until
// found says what the scenario waits for is there.
func pollTable(ts *testscript.TestScript, found func([]check.Process) bool) bool {
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		procs, err := check.ReadTable(check.Need{Cmdline: true})
		ts.Check(err)
		if found(procs) {
			return true
		}
	}
	return false
}

// cgsession VAR: make a control group that stands for a person's login
// session (not cortex-check's: beside its tree), named after the work
// dir, and set VAR to its path; it is emptied and removed at the end.
func cmdCgSession(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: cgsession VAR")
	}
	for _, mount := range []string{"/sys/fs/cgroup/unified", "/sys/fs/cgroup"} {
		if _, err := os.Stat(filepath.Join(mount, "cgroup.controllers")); err != nil {
			continue // not cgroup2 (a hybrid host's /sys/fs/cgroup is a tmpfs)
		}
		dir := filepath.Join(mount, "session-"+cgroup.Key(ts.Getenv("WORK")))
		ts.Check(os.Mkdir(dir, 0o755))
		ts.Defer(func() { removeGroupTree(dir) })
		ts.Setenv(args[0], dir)
		return
	}
	ts.Fatalf("cgsession: no cgroup2 hierarchy")
}

// removeWorkGroups empties and removes the control groups the scenario's
// passes made (one folder per config under the work dir), and the top
// folder once no other scenario's are left: the machine's own groups are
// never touched.
func removeWorkGroups(work string) {
	for _, mount := range []string{"/sys/fs/cgroup", "/sys/fs/cgroup/unified"} {
		top := filepath.Join(mount, cgroup.Top)
		entries, err := os.ReadDir(top)
		if err != nil {
			continue
		}
		prefix := cgroup.Key(work) + "-"
		for _, e := range entries {
			if e.IsDir() && strings.HasPrefix(e.Name(), prefix) {
				removeGroupTree(filepath.Join(top, e.Name()))
			}
		}
		os.Remove(top) // fails while another scenario's groups live
	}
}

// removeGroupTree kills what is left in a group and its children, then
// removes them, deepest first.
func removeGroupTree(dir string) {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.IsDir() {
			removeGroupTree(filepath.Join(dir, e.Name()))
		}
	}
	os.WriteFile(filepath.Join(dir, "cgroup.kill"), []byte("1"), 0)
	for i := 0; i < 100; i++ {
		if err := os.Remove(dir); err == nil || errors.Is(err, os.ErrNotExist) {
			return
		}
		time.Sleep(20 * time.Millisecond) // members still exiting
	}
	// Still busy: an exited member not yet reaped (this machine's PID 1
	// reaps orphans late). Tried again once every scenario has run.
	busyGroups.Lock()
	busyGroups.dirs = append(busyGroups.dirs, dir)
	busyGroups.Unlock()
}

// busyGroups are the scenarios' groups that were still busy when their
// scenario ended.
var busyGroups struct {
	sync.Mutex
	dirs []string
}

// removeBusyGroups tries the busy groups again for up to 60 s, deepest
// first, and says which are left (.ci/run lists them too).
func removeBusyGroups(t *testing.T) {
	busyGroups.Lock()
	dirs := slices.Clone(busyGroups.dirs)
	busyGroups.dirs = nil
	busyGroups.Unlock()
	slices.SortFunc(dirs, func(a, b string) int { return len(b) - len(a) })
	deadline := time.Now().Add(60 * time.Second)
	for len(dirs) > 0 && time.Now().Before(deadline) {
		dirs = slices.DeleteFunc(dirs, func(dir string) bool {
			err := os.Remove(dir)
			return err == nil || errors.Is(err, os.ErrNotExist)
		})
		time.Sleep(100 * time.Millisecond)
	}
	if len(dirs) > 0 {
		t.Logf("control groups left behind, still busy after 60 s (an exited member the machine's PID 1 has not reaped): %v", dirs)
	}
}

// shareCoverDir gives a script run with go test -cover a coverage folder
// that every user may write: the scripts that run cortex-check as nobody
// (an observer as Nagios runs it) cannot write go test's own folder, and
// the run would fail or print "coverage meta-data emit failed" on stderr.
// When the script ends, its files join go test's folder, so what nobody's
// runs covered counts too. Registered first, it runs last: after the
// script's processes have exited and written their counters.
func shareCoverDir(env *testscript.Env) error {
	goDir := env.Getenv("GOCOVERDIR")
	if goDir == "" {
		return nil
	}
	dir, err := os.MkdirTemp("", "cortex-cover-")
	if err != nil {
		return err
	}
	// Sticky, like /tmp: anyone may add a file, no one may remove another's.
	if err := os.Chmod(dir, 0o1777); err != nil {
		return err
	}
	env.Setenv("GOCOVERDIR", dir)
	env.Defer(func() {
		defer os.RemoveAll(dir)
		entries, err := os.ReadDir(dir)
		if err != nil {
			env.T().Log(err)
			return
		}
		for _, e := range entries {
			dst := filepath.Join(goDir, e.Name())
			if _, err := os.Stat(dst); err == nil {
				continue // a meta-data file is named by its content: the same one
			}
			b, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err == nil {
				err = os.WriteFile(dst, b, 0o644)
			}
			if err != nil {
				env.T().Log(err)
			}
		}
	})
	return nil
}

// killWorkProcesses SIGKILLs every process whose command line names the work
// dir, and all their descendants (a stand-in's sleep), found before any dies.
func killWorkProcesses(work string) {
	procs, err := check.ReadTable(check.Need{Cmdline: true})
	if err != nil {
		return
	}
	children := map[int][]int{}
	for _, p := range procs {
		children[p.PPID] = append(children[p.PPID], p.PID)
	}
	victims := map[int]bool{}
	var add func(pid int)
	add = func(pid int) {
		if victims[pid] || pid == os.Getpid() {
			return
		}
		victims[pid] = true
		for _, c := range children[pid] {
			add(c)
		}
	}
	for _, p := range procs {
		// The work dir as a whole path: script-check_zombie is a prefix
		// of script-check_zombie_leader_threads, another scenario's.
		if strings.Contains(p.Cmdline+" ", work+"/") || strings.Contains(p.Cmdline+" ", work+" ") {
			add(p.PID)
		}
	}
	for pid := range victims {
		syscall.Kill(pid, syscall.SIGKILL)
	}
}

// exits CODE PROGRAM [ARGS...]: run the program and fail unless it exits
// with exactly CODE; testscript's own '!' only says "non-zero".
func cmdExits(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exits CODE PROGRAM [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("usage: exits CODE PROGRAM [ARGS...]: bad code %q", args[0])
	}
	err = ts.Exec(args[1], args[2:]...)
	got := 0
	var exitErr *exec.ExitError
	switch {
	case errors.As(err, &exitErr):
		got = exitErr.ExitCode()
	case err != nil:
		ts.Fatalf("%s: %v", args[1], err)
	}
	if got != want {
		ts.Fatalf("%s exited %d, want %d", args[1], got, want)
	}
}

// expandenv FILE...: replace $VAR and ${VAR} in the files with the script's
// environment; archive files are written literally, so a config that must
// name $WORK in a pattern is expanded with this.
func cmdExpandEnv(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: expandenv FILE...")
	}
	for _, name := range args {
		path := ts.MkAbs(name)
		b, err := os.ReadFile(path)
		ts.Check(err)
		ts.Check(os.WriteFile(path, []byte(os.Expand(string(b), ts.Getenv)), 0o644))
	}
}

// workRegexp compiles a script's process regexp, which must name the work
// dir so that it never matches another script's processes.
func workRegexp(ts *testscript.TestScript, usage, expr string) *regexp.Regexp {
	if !strings.Contains(expr, ts.Getenv("WORK")) {
		ts.Fatalf("usage: %s: the regexp must contain $WORK", usage)
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		ts.Fatalf("usage: %s: %v", usage, err)
	}
	return re
}

// liveRoots lists the live processes whose command line matches re and whose
// parent does not: one per process tree, as cortex-check counts instances.
func liveRoots(ts *testscript.TestScript, re *regexp.Regexp) []check.Process {
	procs, err := check.ReadTable(check.Need{Cmdline: true})
	ts.Check(err)
	return treeRoots(procs, re)
}

// treeRoots is liveRoots over a table already read.
func treeRoots(procs []check.Process, re *regexp.Regexp) []check.Process {
	matched := map[int]bool{}
	for _, p := range procs {
		if !p.Gone() && re.MatchString(p.Cmdline) {
			matched[p.PID] = true
		}
	}
	var roots []check.Process
	for _, p := range procs {
		if matched[p.PID] && !matched[p.PPID] {
			roots = append(roots, p)
		}
	}
	return roots
}

// waitproc [-gone] REGEXP: wait until a live process matches (or, with
// -gone, none does). It waits for a condition, up to 20 s, and asserts
// nothing about how long that took.
func cmdWaitProc(ts *testscript.TestScript, neg bool, args []string) {
	const usage = "waitproc [-gone] REGEXP"
	gone := len(args) == 2 && args[0] == "-gone"
	if gone {
		args = args[1:]
	}
	if neg || len(args) != 1 {
		ts.Fatalf("usage: %s", usage)
	}
	re := workRegexp(ts, usage, args[0])
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if found := len(liveRoots(ts, re)) > 0; found != gone {
			return
		}
	}
	if gone {
		ts.Fatalf("a process matching %q still runs", args[0])
	}
	ts.Fatalf("no process matching %q appeared", args[0])
}

// waitzombie REGEXP: wait, up to 20 s, until a zombie's parent has a command
// line matching REGEXP.
func cmdWaitZombie(ts *testscript.TestScript, neg bool, args []string) {
	const usage = "waitzombie REGEXP"
	if neg || len(args) != 1 {
		ts.Fatalf("usage: %s", usage)
	}
	re := workRegexp(ts, usage, args[0])
	if pollTable(ts, func(procs []check.Process) bool {
		parents := map[int]bool{}
		for _, p := range procs {
			if re.MatchString(p.Cmdline) {
				parents[p.PID] = true
			}
		}
		return slices.ContainsFunc(procs, func(p check.Process) bool { return p.Gone() && parents[p.PPID] })
	}) {
		return
	}
	ts.Fatalf("no zombie child of a process matching %q appeared", args[0])
}

// signal KILL|TERM|INT REGEXP: send the signal to every live process
// matching (the top of each tree); at least one must match.
func cmdSignal(ts *testscript.TestScript, neg bool, args []string) {
	const usage = "signal KILL|TERM|INT REGEXP"
	signals := map[string]syscall.Signal{"KILL": syscall.SIGKILL, "TERM": syscall.SIGTERM, "INT": syscall.SIGINT}
	if neg || len(args) != 2 || signals[args[0]] == 0 {
		ts.Fatalf("usage: %s", usage)
	}
	roots := liveRoots(ts, workRegexp(ts, usage, args[1]))
	if len(roots) == 0 {
		ts.Fatalf("signal: no process matches %q", args[1])
	}
	for _, p := range roots {
		ts.Check(syscall.Kill(p.PID, signals[args[0]]))
		ts.Logf("sent SIG%s to PID %d (%s)", args[0], p.PID, p.Cmdline)
	}
}

// instances N REGEXP: exactly N process trees match, counted from the
// process table independently of cortex-check.
func cmdInstances(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: instances N REGEXP")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("usage: instances N REGEXP: bad N %q", args[0])
	}
	roots := liveRoots(ts, workRegexp(ts, "instances N REGEXP", args[1]))
	if len(roots) != want {
		var list []string
		for _, p := range roots {
			list = append(list, fmt.Sprintf("%d %s", p.PID, p.Cmdline))
		}
		ts.Fatalf("%d instances match %q, want %d: %v", len(roots), args[1], want, list)
	}
}

// xmlparse FILE: the file is well-formed XML.
func cmdXMLParse(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: xmlparse FILE")
	}
	f, err := os.Open(ts.MkAbs(args[0]))
	ts.Check(err)
	defer f.Close()
	dec := xml.NewDecoder(f)
	for {
		_, err := dec.Token()
		if err == io.EOF {
			return
		}
		if err != nil {
			ts.Fatalf("%s: %v", args[0], err)
		}
	}
}

// promparse FILE: parse the file with Prometheus's own text-format parser
// and print each family's type ("TYPE name GAUGE") and each sample
// ("name{label="value"} 1") for stdout assertions.
func cmdPromParse(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: promparse FILE")
	}
	f, err := os.Open(ts.MkAbs(args[0]))
	ts.Check(err)
	defer f.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(f)
	if err != nil {
		ts.Fatalf("%s: %v", args[0], err)
	}
	var lines []string
	for name, fam := range families {
		if fam.GetHelp() == "" {
			ts.Fatalf("%s has no HELP", name)
		}
		lines = append(lines, fmt.Sprintf("TYPE %s %s", name, fam.GetType()))
		for _, m := range fam.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, fmt.Sprintf("%s=%q", l.GetName(), l.GetValue()))
			}
			value := m.GetGauge().GetValue()
			if fam.GetType() == dto.MetricType_COUNTER {
				value = m.GetCounter().GetValue()
			}
			sel := ""
			if len(labels) > 0 {
				sel = "{" + strings.Join(labels, ",") + "}"
			}
			lines = append(lines, fmt.Sprintf("%s%s %v", name, sel, value))
		}
	}
	slices.Sort(lines)
	fmt.Fprintln(ts.Stdout(), strings.Join(lines, "\n"))
}

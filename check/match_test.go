package check

import (
	"cmp"
	"io/fs"
	"os"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

// proc builds a process from a command line, its kernel name taken from
// argv[1] when argv[0] is an interpreter, as Linux does for scripts.
func proc(pid, ppid int, cmdline string) Process {
	args := strings.Fields(cmdline)
	name := args[0]
	if len(args) > 1 && (args[0] == "/bin/bash" || args[0] == "bash") {
		name = args[1]
	}
	name = name[strings.LastIndexByte(name, '/')+1:]
	if len(name) > kernelNameLen {
		name = name[:kernelNameLen]
	}
	return Process{PID: pid, PPID: ppid, Name: name, Args: args, Cmdline: cmdline, State: 'S', StartTime: t0.Add(time.Duration(pid) * time.Second)}
}

func daemon(t *testing.T, toml string) Daemon {
	t.Helper()
	cfg, err := Parse([]byte("[[daemon]]\n"+toml), "/srv/cortex.toml")
	if err != nil {
		t.Fatal(err)
	}
	return cfg.Daemons[0]
}

var noFiles = Clues{ReadPidfile: func(string) (Pidfile, error) { return Pidfile{}, fs.ErrNotExist }}

// files serves pidfiles from a map, each written at mtime; a value
// "EACCES" is a pidfile the pass may not read.
func files(m map[string]string, mtime time.Time) Clues {
	return Clues{ReadPidfile: func(path string) (Pidfile, error) {
		s, ok := m[path]
		switch {
		case !ok:
			return Pidfile{}, fs.ErrNotExist
		case s == "EACCES":
			return Pidfile{}, fs.ErrPermission
		}
		first, _, _ := strings.Cut(s, "\n")
		return Pidfile{FirstLine: []byte(first), ModTime: mtime}, nil
	}}
}

func TestJudge(t *testing.T) {
	const self = 900
	base := []Process{
		proc(1, 0, "/sbin/init"),
		proc(10, 1, "/bin/bash /srv/scripts/pm-daemon.sh"),
		proc(11, 10, "/bin/bash /srv/scripts/pm-daemon.sh"), // its subshell
		proc(12, 10, "sleep 1"),
		proc(20, 1, "/bin/bash ./scripts/health-monitor-daemon.sh"),
		proc(30, 1, "/bin/bash /srv/scripts/worker-daemon.sh"),
		proc(31, 1, "/bin/bash /srv/scripts/worker-daemon.sh"), // a second instance
		proc(40, 1, "tail -f /srv/logs/coordinator-daemon.log"),
		proc(800, 1, "sh -c cortex-check --only metrics-snapshot-daemon"),
		proc(self, 800, "cortex-check --only metrics-snapshot-daemon"),
	}
	zombie := Process{PID: 50, PPID: 1, Name: "validator.sh", State: 'Z'}
	tests := []struct {
		name      string
		toml      string
		procs     []Process
		files     map[string]string
		mtime     time.Time // of the pidfile; default after every process started
		lastMain  int       // the previous pass's main PID
		cond      Condition // default: Running when running, else Stopped
		running   bool
		pid       int
		instances int
		tooMany   bool
		message   string
	}{
		{name: "pattern, subshell is the same instance", toml: `name = "pm"` + "\npattern = 'pm-daemon\\.sh'",
			running: true, pid: 10, instances: 1},
		{name: "process name longer than the kernel keeps, from argv[1]", toml: `name = "hm"` + "\nprocess = \"health-monitor-daemon.sh\"",
			running: true, pid: 20, instances: 1},
		{name: "process name prefix alone is no match", toml: `name = "hm"` + "\nprocess = \"health-monitor-daemon.py\"",
			message: `no process matches process 'health-monitor-daemon.py'`},
		{name: "two trees are two instances, oldest first", toml: `name = "w"` + "\npattern = 'worker-daemon'\nmax_instances = 1",
			running: true, pid: 30, instances: 2, tooMany: true, message: "2 instances run, max_instances is 1: stop the extra ones (PIDs 31)"},
		{name: "the pass and its wrapper never count", toml: `name = "metrics-snapshot-daemon"`,
			message: `no process matches pattern 'metrics-snapshot-daemon'`},
		{name: "zombie is not running", toml: `name = "v"` + "\nprocess = \"validator.sh\"", procs: []Process{zombie},
			message: "only zombie PID 50 (exited, not yet reaped by its parent PID 1)"},
		{name: "pidfile with live matching PID", toml: `name = "pm"` + "\npidfile = \"pm.pid\"\npattern = 'pm-daemon'",
			files: map[string]string{"/srv/pm.pid": "10\n"}, running: true, pid: 10, instances: 1},
		{name: "pidfile PID reused by another process", toml: `name = "pm"` + "\npidfile = \"pm.pid\"\npattern = 'pm-daemon'",
			files: map[string]string{"/srv/pm.pid": "40"}, cond: Unknown,
			message: "names PID 40, which runs \"tail -f /srv/logs/coordinator-daemon.log\" and does not match pattern 'pm-daemon' (stale pidfile, PID reused); yet PIDs 10 match: no second copy is started"},
		{name: "pidfile PID gone", toml: `name = "pm"` + "\npidfile = \"pm.pid\"", files: map[string]string{"/srv/pm.pid": "77"},
			message: "names PID 77, which is not running (stale pidfile)"},
		{name: "pidfile alone, live PID", toml: `name = "pm"` + "\npidfile = \"pm.pid\"", files: map[string]string{"/srv/pm.pid": "40"},
			running: true, pid: 40, instances: 1},
		{name: "pidfile naming the pass itself", toml: `name = "pm"` + "\npidfile = \"pm.pid\"", files: map[string]string{"/srv/pm.pid": "900"},
			message: "names PID 900, which is cortex-check --only metrics-snapshot-daemon, never a daemon"},
		{name: "pidfile naming a zombie", toml: `name = "pm"` + "\npidfile = \"pm.pid\"", files: map[string]string{"/srv/pm.pid": "50"},
			procs: []Process{zombie}, message: "names PID 50, which is not running"},
		{name: "pidfile garbage", toml: `name = "pm"` + "\npidfile = \"pm.pid\"", files: map[string]string{"/srv/pm.pid": "garbage"},
			message: `pidfile /srv/pm.pid holds no PID: its first line is not a number`},
		{name: "pidfile negative", toml: `name = "pm"` + "\npidfile = \"pm.pid\"", files: map[string]string{"/srv/pm.pid": "-5"},
			message: `holds no PID`},
		{name: "pidfile huge", toml: `name = "pm"` + "\npidfile = \"pm.pid\"", files: map[string]string{"/srv/pm.pid": "99999999999999999999"},
			message: "holds no PID"},
		{name: "pidfile missing", toml: `name = "pm"` + "\npidfile = \"pm.pid\"",
			message: "pidfile /srv/pm.pid does not exist"},
		{name: "pidfile unreadable is unknown, not stopped", toml: `name = "pm"` + "\npidfile = \"pm.pid\"", files: map[string]string{"/srv/pm.pid": "EACCES"},
			cond: Unknown, message: "permission denied"},
		{name: "PostgreSQL's multi-line postmaster.pid", toml: `name = "pm"` + "\npidfile = \"pm.pid\"\npattern = 'pm-daemon'",
			files: map[string]string{"/srv/pm.pid": "10\n/var/lib/postgresql/15/main\n1700000000\n5432\n/var/run/postgresql\n*\n"}, running: true, pid: 10, instances: 1},
		{name: "pidfile with trailing NULs and spaces", toml: `name = "pm"` + "\npidfile = \"pm.pid\"\npattern = 'pm-daemon'",
			files: map[string]string{"/srv/pm.pid": " 10 \x00\x00"}, running: true, pid: 10, instances: 1},
		{name: "pidfile naming PID 1", toml: `name = "pm"` + "\npidfile = \"pm.pid\"", files: map[string]string{"/srv/pm.pid": "1"},
			message: "names PID 1, which is /sbin/init, never a daemon"},
		{name: "pidfile naming the pass's wrapper", toml: `name = "pm"` + "\npidfile = \"pm.pid\"", files: map[string]string{"/srv/pm.pid": "800"},
			message: "names PID 800, which is sh -c cortex-check --only metrics-snapshot-daemon, never a daemon"},
		{name: "pidfile alone, PID now a process that started after the file was written", toml: `name = "pm"` + "\npidfile = \"pm.pid\"",
			files: map[string]string{"/srv/pm.pid": "40"}, mtime: t0.Add(20 * time.Second), message: "pidfile /srv/pm.pid names PID 40, now tail -f /srv/logs/coordinator-daemon.log (started after the pidfile was written"},
		{name: "suspended main process", toml: `name = "st"` + "\npattern = 'stopped-daemon'", procs: []Process{withState(proc(60, 1, "/usr/bin/stopped-daemon"), 'T')},
			cond: Suspended, pid: 60, instances: 1, message: "PID 60 is suspended (state T, stopped by a signal or a debugger): it runs no code; resume it with kill -CONT 60"},
		{name: "a zombie leader whose threads run is running", toml: `name = "mt"` + "\nprocess = \"threaded\"",
			procs: []Process{{PID: 70, PPID: 1, Name: "threaded", State: 'Z', Threads: 4, StartTime: t0.Add(70 * time.Second)}}, running: true, pid: 70, instances: 1},
		{name: "workers left by a SIGKILLed master are orphaned", toml: `name = "web"` + "\nprocess = \"nginx\"",
			procs: []Process{group(proc(81, 1, "nginx: worker process"), 80), group(proc(82, 1, "nginx: worker process"), 80)}, lastMain: 80,
			cond: Orphaned, message: "main process PID 80 is gone; 2 orphaned process(es) of it run on (PIDs 81, 82)"},
		{name: "one worker left by the recorded main process is orphaned", toml: `name = "web"` + "\nprocess = \"nginx\"",
			procs: []Process{group(proc(81, 1, "nginx: worker process"), 80)}, lastMain: 80, cond: Orphaned, message: "PIDs 81"},
		{name: "workers in the dead master's group are orphans, though the pattern names only the master", toml: `name = "web"` + "\nprocess = \"nginx\"\npattern = '^nginx: master process'",
			procs: []Process{group(proc(81, 1, "nginx: worker process"), 80), group(proc(82, 1, "nginx: worker process"), 80)}, lastMain: 80,
			cond: Orphaned, message: "main process PID 80 is gone; 2 orphaned process(es) of it run on (PIDs 81, 82): --fix stops them, then starts web"},
		{name: "the pidfile's dead PID finds its orphans", toml: `name = "web"` + "\npidfile = \"web.pid\"\nprocess = \"nginx\"\npattern = '^nginx: master process'",
			files: map[string]string{"/srv/web.pid": "80"}, procs: []Process{group(proc(81, 1, "nginx: worker process"), 80)},
			cond: Orphaned, message: "PIDs 81"},
		{name: "a pidfile's dead PID is a clue, not a licence: another program in its session is no orphan", toml: `name = "web"` + "\npidfile = \"web.pid\"\nprocess = \"nginx\"",
			files: map[string]string{"/srv/web.pid": "80"}, procs: []Process{group(proc(81, 1, "sshd: admin"), 80)},
			message: "names PID 80, which is not running (stale pidfile)"},
		{name: "two copies a start script launched with & and left are running, not orphans", toml: `name = "bg"` + "\npattern = 'bg-daemon'",
			procs: []Process{group(proc(91, 1, "/usr/bin/bg-daemon"), 90), group(proc(92, 1, "/usr/bin/bg-daemon"), 90)}, running: true, pid: 91, instances: 2},
		{name: "a daemon whose group leader exited (started with & by a shell) runs", toml: `name = "bg"` + "\npattern = 'bg-daemon'",
			procs: []Process{group(proc(91, 1, "/usr/bin/bg-daemon"), 90)}, running: true, pid: 91, instances: 1},
		{name: "a master with its workers is one instance", toml: `name = "web"` + "\nprocess = \"nginx\"",
			procs:   []Process{group(proc(80, 1, "nginx: master process /usr/sbin/nginx"), 80), group(proc(81, 80, "nginx: worker process"), 80)},
			running: true, pid: 80, instances: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := daemon(t, tt.toml)
			procs := append(slices.Clone(base), tt.procs...)
			s := NewSnapshot(procs, self, nil)
			clues := noFiles
			if tt.files != nil {
				clues = files(tt.files, cmp.Or(tt.mtime, t0.Add(time.Hour)))
			}
			clues.LastMain = map[string]int{d.Name: tt.lastMain}
			r := s.Judge([]Daemon{d}, clues)[0]
			want := tt.cond
			if want == "" {
				want = Stopped
				if tt.running {
					want = Running
				}
			}
			if r.Condition != want || r.PID != tt.pid || r.Instances != tt.instances || r.TooMany != tt.tooMany {
				t.Errorf("got %s pid=%d instances=%d tooMany=%v, want %s %d %d %v (%s)",
					r.Condition, r.PID, r.Instances, r.TooMany, want, tt.pid, tt.instances, tt.tooMany, r.Message)
			}
			if !strings.Contains(r.Message, tt.message) {
				t.Errorf("message %q does not contain %q", r.Message, tt.message)
			}
			if tt.running && !r.StartedAt.Equal(procsByPID(procs)[r.PID].StartTime) {
				t.Errorf("StartedAt = %v, want the main PID's start time", r.StartedAt)
			}
		})
	}
}

func withState(p Process, state byte) Process {
	p.State = state
	return p
}

// group puts p in the process group led by pgid. Its kernel name is its
// program's, as for nginx, whose command line is its title.
func group(p Process, pgid int) Process {
	p.PGID, p.SID = pgid, pgid
	p.Name = strings.TrimSuffix(p.Args[0], ":")
	return p
}

func procsByPID(procs []Process) map[int]Process {
	m := map[int]Process{}
	for _, p := range procs {
		m[p.PID] = p
	}
	return m
}

func TestSnapshotIgnores(t *testing.T) {
	tests := []struct {
		name    string
		procs   []Process
		self    int
		ignored []int
		counted []int
	}{
		{
			name: "wrapper ancestors carrying the command are set aside, others are not",
			procs: []Process{
				proc(1, 0, "/sbin/init"),
				proc(5, 1, "/bin/bash /srv/health-monitor/daemon.sh"), // a daemon that runs the pass
				proc(6, 5, "sh -c cortex-check -c /srv/health-monitor/cortex.toml"),
				proc(7, 6, "cortex-check -c /srv/health-monitor/cortex.toml"),
			},
			self: 7, ignored: []int{6, 7}, counted: []int{1, 5},
		},
		{
			name: "a shell that quoted the arguments differently is still the wrapper",
			procs: []Process{
				proc(1, 0, "/sbin/init"),
				{PID: 6, PPID: 1, Name: "sh", Cmdline: "sh -c /usr/bin/cortex-check -c '/srv/a b/cortex.toml'"},
				{PID: 7, PPID: 6, Name: "cortex-check", Args: []string{"/usr/bin/cortex-check", "-c", "/srv/a b/cortex.toml"}, Cmdline: "/usr/bin/cortex-check -c /srv/a b/cortex.toml"},
			},
			self: 7, ignored: []int{6, 7}, counted: []int{1},
		},
		{
			name: "an ancestor whose path merely contains the name, or --fixture for --fix, still counts",
			procs: []Process{
				proc(1, 0, "/sbin/init"),
				proc(5, 1, "/bin/bash /home/u/cortex-check/testdata/daemons/health-monitor-daemon.sh"),
				proc(6, 5, "/opt/tool --fixture"),
				proc(7, 6, "./cortex-check --fix"),
			},
			self: 7, ignored: []int{7}, counted: []int{1, 5, 6},
		},
		{
			name: "cron's shell and a timeout wrapper are set aside",
			procs: []Process{
				proc(1, 0, "/sbin/init"),
				proc(4, 1, "/bin/sh -c mkdir -p /var/log/c && /usr/bin/cortex-check -c /etc/c.toml --fix --quiet >>/var/log/c/x.log 2>&1"),
				proc(5, 4, "timeout 60 /usr/bin/cortex-check -c /etc/c.toml --fix --quiet"),
				proc(6, 5, "/usr/bin/cortex-check -c /etc/c.toml --fix --quiet"),
			},
			self: 6, ignored: []int{4, 5, 6}, counted: []int{1},
		},
		{
			name: "another pass waiting for the lock is never a daemon",
			procs: []Process{
				proc(1, 0, "/sbin/init"),
				proc(7, 1, "cortex-check --fix"),
				proc(8, 1, "cortex-check --only pm-daemon"),
			},
			self: 7, ignored: []int{7, 8}, counted: []int{1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewSnapshot(tt.procs, tt.self, nil)
			for _, pid := range tt.ignored {
				if !s.ignored[pid] {
					t.Errorf("PID %d is counted, want it set aside", pid)
				}
			}
			for _, pid := range tt.counted {
				if s.ignored[pid] {
					t.Errorf("PID %d is set aside, want it counted", pid)
				}
			}
		})
	}
}

func TestParseStat(t *testing.T) {
	tests := []struct {
		name, in  string
		wantName  string
		wantState byte
		wantPPID  int
		wantTick  uint64
		wantCPU   uint64
		wantRSS   int64
		wantErr   bool
	}{
		{name: "plain", in: "42 (bash) S 1 42 42 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 12345 1000 100 18446744073709551615\n",
			wantName: "bash", wantState: 'S', wantPPID: 1, wantTick: 12345, wantRSS: 100},
		{name: "utime+stime and rss", in: "4242 (redis-server) S 1 4242 4242 0 -1 4194560 2304 0 0 0 1532 877 9 9 20 0 5 0 123456 75304960 2410 18446744073709551615 1 1\n",
			wantName: "redis-server", wantState: 'S', wantPPID: 1, wantTick: 123456, wantCPU: 1532 + 877, wantRSS: 2410},
		{name: "no rss (ends at starttime)", in: "7 (x) S 1 7 7 0 -1 0 0 0 0 0 3 4 0 0 20 0 1 0 99",
			wantName: "x", wantState: 'S', wantPPID: 1, wantTick: 99, wantCPU: 7},
		{name: "negative rss is no figure, not an error", in: "7 (x) S 1 7 7 0 -1 0 0 0 0 0 3 4 0 0 20 0 1 0 99 0 -1",
			wantName: "x", wantState: 'S', wantPPID: 1, wantTick: 99, wantCPU: 7},
		{name: "bad utime", in: "7 (x) S 1 7 7 0 -1 0 0 0 0 0 a 4 0 0 20 0 1 0 99 0 1", wantErr: true},
		{name: "name with spaces and parentheses", in: "7 ((a) b)) Z 3 7 7 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 99 0 0",
			wantName: "(a) b)", wantState: 'Z', wantPPID: 3, wantTick: 99},
		{name: "truncated", in: "7 (x) S 1", wantErr: true},
		{name: "no name", in: "7 x S 1", wantErr: true},
		{name: "bad ppid", in: "7 (x) S one 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 99", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := parseStat([]byte(tt.in))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if tt.wantErr {
				return
			}
			if f.name != tt.wantName || f.state != tt.wantState || f.ppid != tt.wantPPID || f.startTick != tt.wantTick ||
				f.cpuTicks != tt.wantCPU || f.rssPages != tt.wantRSS {
				t.Errorf("got %+v", f)
			}
		})
	}
}

func TestSplitCmdline(t *testing.T) {
	args, line, backing := splitCmdline([]byte("/bin/bash\x00./pm-daemon.sh\x00--quiet\x00"), nil)
	if !slices.Equal(args, []string{"/bin/bash", "./pm-daemon.sh", "--quiet"}) || line != "/bin/bash ./pm-daemon.sh --quiet" {
		t.Errorf("got %q %q", args, line)
	}
	// A second command line shares the backing array without touching the first.
	args2, line2, _ := splitCmdline([]byte("sleep\x00a b\x00"), backing)
	if !slices.Equal(args2, []string{"sleep", "a b"}) || line2 != "sleep a b" || args[2] != "--quiet" {
		t.Errorf("second: got %q %q, first now %q", args2, line2, args)
	}
	if args, line, _ := splitCmdline(nil, nil); args != nil || line != "" {
		t.Errorf("empty cmdline gave %q %q", args, line)
	}
}

func TestReadTableSeesItself(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("command lines, states and start times come from /proc")
	}
	procs, err := ReadTable(Need{Cmdline: true})
	if err != nil {
		t.Fatal(err)
	}
	s := NewSnapshot(procs, -1, nil)
	self, ok := s.Process(os.Getpid())
	if !ok {
		t.Fatal("the test process is not in the table")
	}
	if len(self.Args) == 0 || !strings.Contains(self.Cmdline, self.Args[0]) || self.StartTime.IsZero() || self.State == 0 {
		t.Errorf("own entry lacks facts: %+v", self)
	}
}

// TestMatcherAgreesWithRegexp: the literal fast paths answer exactly as the
// regexp would.
func TestMatcherAgreesWithRegexp(t *testing.T) {
	patterns := []struct {
		expr string
		kind literalKind
	}{
		{`pm-daemon`, contains}, {`/srv/pm-daemon\.sh$`, hasSuffix}, {`^/bin/bash /srv/`, hasPrefix},
		{`^/bin/bash /srv/pm-daemon\.sh$`, equals}, {`(pm-daemon\.sh)`, contains}, {`(?i)PM-daemon`, viaRegexp},
		{`worker-[0-9]+ --shard=3( |$)`, viaRegexp}, {`pm|worker`, viaRegexp}, {`^$`, viaRegexp}, {`a.c`, viaRegexp},
	}
	lines := []string{"", "/bin/bash /srv/pm-daemon.sh", "/bin/bash /srv/pm-daemon.sh --x", "tail -f /srv/pm-daemon.log",
		"worker-12 --shard=3", "worker-12 --shard=31", "worker-x --shard=3 y", "abc", "PM-DAEMON"}
	for _, p := range patterns {
		m, err := compileMatcher(p.expr, "")
		if err != nil {
			t.Fatal(err)
		}
		if m.kind != p.kind {
			t.Errorf("%q: kind %d, want %d", p.expr, m.kind, p.kind)
		}
		re := regexp.MustCompile(p.expr)
		for _, line := range lines {
			proc := &Process{Name: "x", Cmdline: line}
			if got, want := m.matches(proc), re.MatchString(proc.matchText()); got != want {
				t.Errorf("%q on %q: matcher %v, regexp %v", p.expr, line, got, want)
			}
		}
	}
}

// A 4,000-deep chain of matching processes (a fork bomb of one script) is
// one instance; the grouping walks each process once.
func TestInstanceRootsDeepChain(t *testing.T) {
	procs := []Process{proc(1, 0, "/sbin/init")}
	for pid := 2; pid <= 4001; pid++ {
		procs = append(procs, proc(pid, pid-1, "/bin/bash /srv/deep.sh"))
	}
	s := NewSnapshot(procs, -1, nil)
	r := s.Judge([]Daemon{daemon(t, `name = "deep"`+"\npattern = 'deep\\.sh'")}, noFiles)[0]
	if !r.Running() || r.Instances != 1 || r.PID != 2 {
		t.Errorf("got %s, %d instances, PID %d; want one instance led by PID 2", r.Condition, r.Instances, r.PID)
	}
}

// A wrapper's shell script is read by a real shell parser: the pass's own
// command is found whatever the shell syntax around it, and a bystander
// that merely names the command or the daemon's script is not a wrapper.
func TestRunsCommand(t *testing.T) {
	self := []string{"/usr/bin/cortex-check", "--only", "x"}
	argv := func(a ...string) *Process { return &Process{Args: a, Cmdline: strings.Join(a, " ")} }
	tests := []struct {
		name string
		p    *Process
		want bool
	}{
		{"direct", argv("timeout", "30", "cortex-check", "--only", "x"), true},
		{"sh -c with ;", argv("sh", "-c", "cortex-check --only x; true"), true},
		{"&& and redirections without spaces", argv("/bin/sh", "-c", "mkdir -p /var/log/c&&/usr/bin/cortex-check --only x>>/var/log/c/x.log 2>&1"), true},
		{"|| and a pipe", argv("bash", "-c", "cortex-check --only x || echo failed | logger"), true},
		{"inside $(...)", argv("sh", "-c", "echo $(cortex-check --only x)"), true},
		{"if then fi", argv("sh", "-c", "if true; then cortex-check --only x; fi"), true},
		{"quoted arguments", argv("sh", "-c", "'cortex-check' \"--only\" 'x'"), true},
		{"a nested shell", argv("sh", "-c", "sh -c 'cortex-check --only x'"), true},
		{"other arguments are another command", argv("sh", "-c", "cortex-check --only y"), false},
		{"a tail on the daemon's script", argv("tail", "-f", "/srv/x.sh"), false},
		{"an editor on the binary", argv("vim", "/usr/bin/cortex-check"), false},
		{"an expansion is no literal", argv("sh", "-c", "$CMD --only x"), false},
		{"unparsable text", argv("sh", "-c", "cortex-check --only x; (("), false},
	}
	for _, tt := range tests {
		if got := runsCommand(tt.p, self); got != tt.want {
			t.Errorf("%s: runsCommand(%q) = %v, want %v", tt.name, tt.p.Args, got, tt.want)
		}
	}
}

// A pidfile the pass may not read (permission denied) is what a pass with
// more rights could read: Unreadable says so, for an observer to report
// that pass's verdict. One refused (a FIFO, a planted link) is no one's.
func TestUnreadablePidfile(t *testing.T) {
	procs := []Process{proc(1, 0, "/sbin/init"), proc(10, 1, "/usr/bin/pm")}
	for _, tt := range []struct {
		name   string
		err    error
		groups map[string]Group
		want   string
	}{
		{"permission denied", &fs.PathError{Op: "open", Path: "/srv/pm.pid", Err: syscall.EACCES}, nil, "pidfile /srv/pm.pid: permission denied"},
		{"permission denied, in its control group", &fs.PathError{Op: "open", Path: "/srv/pm.pid", Err: syscall.EACCES},
			map[string]Group{"pm": {Path: "cgroup /sys/fs/cgroup/cortex-check/x/pm", PIDs: []int{10}}}, "pidfile /srv/pm.pid: permission denied"},
		{"refused", fs.ErrPermission, nil, ""},
	} {
		d := daemon(t, `name = "pm"`+"\npidfile = \"pm.pid\"")
		d.UID = 0
		clues := Clues{Groups: tt.groups, ReadPidfile: func(string) (Pidfile, error) { return Pidfile{}, tt.err }}
		r := NewSnapshot(procs, 900, nil).Judge([]Daemon{d}, clues)[0]
		if r.Condition != Unknown || r.Unreadable != tt.want {
			t.Errorf("%s: %s, unreadable %q (%s); want unknown, %q", tt.name, r.Condition, r.Unreadable, r.Message, tt.want)
		}
	}
}

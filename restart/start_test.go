package restart

import (
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cortex/cortex-check/check"
	"github.com/cortex/cortex-check/trust"
)

func TestArgFiles(t *testing.T) {
	dir := trustedDir(t)
	script := writeFile(t, filepath.Join(dir, "server.py"), "print()\n", 0o644)
	conf := writeFile(t, filepath.Join(dir, "app.conf"), "x\n", 0o644)
	abs := writeFile(t, filepath.Join(dir, "abs.conf"), "x\n", 0o644)
	tests := []struct {
		name string
		argv []string
		want []string
	}{
		{"the program itself is not an argument", []string{script}, nil},
		{"a relative file, against dir", []string{"/usr/bin/python3", "server.py"}, []string{script}},
		{"an absolute file", []string{"/bin/sh", abs}, []string{abs}},
		{"--key=value names a file", []string{"/usr/sbin/app", "--config=app.conf"}, []string{conf}},
		{"-c's value is not read as a file", []string{"/bin/sh", "-c", "server.py"}, []string{script}},
		{"options, missing files and folders are not files", []string{"/bin/app", "-v", "--flag", "missing.conf", ".", dir, "--empty="}, nil},
		{"each in order", []string{"/bin/app", "app.conf", "--script=server.py"}, []string{conf, script}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := argFiles(tt.argv, dir); !slices.Equal(got, tt.want) {
				t.Errorf("argFiles(%q) = %q, want %q", tt.argv, got, tt.want)
			}
		})
	}
}

// Every refusal of Check: what it says, and that nothing in a refused
// daemon is judged as trusted.
func TestCheckRefusals(t *testing.T) {
	dir := trustedDir(t)
	me := Owner{Name: "me", UID: os.Geteuid(), GID: os.Getegid()}
	good := writeFile(t, filepath.Join(dir, "good.sh"), "#!/bin/sh\nexit 0\n", 0o755)
	noExec := writeFile(t, filepath.Join(dir, "noexec.sh"), "#!/bin/sh\nexit 0\n", 0o644)
	open, openArg, openDir, badEnv := refused(t, dir)
	tests := []struct {
		name   string
		uid    int // the pass's
		daemon check.Daemon
		owner  Owner
		want   string // the program, or
		err    string // the refusal
	}{
		{"a trusted program, folder and arguments", os.Geteuid(), check.Daemon{Start: []string{"./good.sh"}, Dir: dir}, me, good, ""},
		{"a bare name, found in the fixed PATH", os.Geteuid(), check.Daemon{Start: []string{"sh", "-c", "exit 0"}, Dir: "/"}, me, "", ""},
		{"no such program", os.Geteuid(), check.Daemon{Start: []string{"./missing.sh"}, Dir: dir}, me, "", "start program " + filepath.Join(dir, "missing.sh") + " does not exist"},
		{"not executable", os.Geteuid(), check.Daemon{Start: []string{noExec}, Dir: dir}, me, "", "is not executable"},
		{"no such bare name", os.Geteuid(), check.Daemon{Start: []string{"cortex-no-such-program"}, Dir: dir}, me, "", `start program "cortex-no-such-program"`},
		{"a pass not root, as another user", 4321, check.Daemon{Start: []string{"/bin/true"}, Dir: "/"}, Owner{Name: "app", UID: 4322, GID: 4322}, "", "user app: a pass run as uid 4321 can only start daemons as itself; run --fix as root, or leave user out"},
		{"a program others may write", os.Geteuid(), check.Daemon{Start: []string{open}, Dir: dir}, me, "", "refused: " + open + " is writable by"},
		{"a folder others may write", os.Geteuid(), check.Daemon{Start: []string{good}, Dir: openDir}, me, "", "refused: dir " + openDir + ", the folder it runs in: "},
		{"an argument others may write", os.Geteuid(), check.Daemon{Start: []string{"/bin/sh", "open-arg.txt"}, Dir: dir}, me, "", "refused: " + openArg + ", an argument of start: "},
		{"a bad env_file", os.Geteuid(), check.Daemon{Start: []string{good}, Dir: dir, EnvFiles: []string{badEnv}}, me, "", badEnv + ":1: want KEY=value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Starter{ConfigDir: dir, LogDir: dir, UID: tt.uid}
			prog, err := s.Check(&tt.daemon, tt.owner)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) || prog != "" {
					t.Errorf("got %q, %v; want the refusal %q", prog, err, tt.err)
				}
				return
			}
			if err != nil || (tt.want != "" && prog != tt.want) || !filepath.IsAbs(prog) {
				t.Errorf("got %q, %v; want %q", prog, err, tt.want)
			}
		})
	}
}

// refused makes, in dir, what a start or a command is refused for: a
// program and an argument others may write, a folder others may write,
// an env_file that is not KEY=value lines.
func refused(t *testing.T, dir string) (program, argument, folder, envFile string) {
	t.Helper()
	program = writeFile(t, filepath.Join(dir, "open.sh"), "#!/bin/sh\nexit 0\n", 0o777)
	argument = writeFile(t, filepath.Join(dir, "open-arg.txt"), "exit 0\n", 0o666)
	envFile = writeFile(t, filepath.Join(dir, "bad.env"), "not a variable\n", 0o644)
	folder = filepath.Join(dir, "open")
	if err := os.Mkdir(folder, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(folder, 0o777); err != nil { // not what umask left
		t.Fatal(err)
	}
	return program, argument, folder, envFile
}

// startTest starts d and stops what it started when the test ends,
// passed or failed.
func startTest(t *testing.T, s Starter, d *check.Daemon, owner Owner) *started {
	t.Helper()
	p, err := s.Start(d, owner)
	if err != nil {
		t.Fatal(err)
	}
	sp := p.(*started)
	t.Cleanup(func() {
		sp.Stop(time.Second)
		<-sp.Exited()
		sp.log.Close()
	})
	return sp
}

// waitLog waits for the daemon's log to hold want: the daemon writes it
// when it has started its children.
func waitLog(t *testing.T, path, want string) {
	t.Helper()
	for range 400 {
		if b, _ := os.ReadFile(path); strings.Contains(string(b), want) {
			return
		}
		time.Sleep(25 * time.Millisecond)
	}
	b, _ := os.ReadFile(path)
	t.Fatalf("%s never held %q: %q", path, want, b)
}

// A start is detached (a session of its own), clean (umask, environment,
// the mark) and logged; Stop ends it and every process it spawned, a
// child that left its session included.
func TestStartAndStop(t *testing.T) {
	dir := trustedDir(t)
	t.Setenv("CORTEX_LEAKED_FROM_THE_PASS", "1")
	daemon := writeFile(t, filepath.Join(dir, "daemon.sh"), `#!/bin/sh
echo "umask $(umask)"
sleep 120 &
setsid sleep 121 &
echo "started $0"
wait
`, 0o755)
	s := Starter{ConfigDir: dir, LogDir: dir, UID: os.Geteuid()}
	d := &check.Daemon{Name: "standin", Start: []string{"./daemon.sh"}, Dir: dir, Umask: 0o027, StopGrace: time.Second}
	p := startTest(t, s, d, Owner{UID: os.Geteuid(), GID: os.Getegid()})
	waitLog(t, filepath.Join(dir, "standin.log"), "started "+daemon)

	procs, err := check.ReadTable(check.Need{Owner: true})
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(procs, func(q check.Process) bool { return q.PID == p.PID() })
	if i < 0 || procs[i].SID != p.PID() {
		t.Errorf("the start program is not the leader of a session of its own: %+v", procs[i])
	}
	environ, err := os.ReadFile("/proc/" + strconv.Itoa(p.PID()) + "/environ")
	if err != nil {
		t.Fatal(err)
	}
	env := strings.Split(strings.TrimRight(string(environ), "\x00"), "\x00")
	if !slices.Contains(env, "PATH="+trust.SafePATH) || !slices.Contains(env, MarkVariable+"="+p.mark) ||
		slices.ContainsFunc(env, func(v string) bool { return strings.HasPrefix(v, "CORTEX_LEAKED_FROM_THE_PASS=") }) {
		t.Errorf("environment %q: want the fixed PATH and the mark, and nothing of the pass", env)
	}
	marked := Marked(p.mark)
	if len(marked) != 3 { // the start program and its two sleeps
		t.Errorf("marked %v, want the start program and its two children", marked)
	}
	lines, path, public := p.LogTail()
	if lines != "umask 0027 / started "+daemon || path != filepath.Join(dir, "standin.log") || public {
		t.Errorf("LogTail() = %q, %q, %v; want what it wrote with umask 0027, from a log not all may read", lines, path, public)
	}

	p.Stop(time.Second)
	if left := WaitGone(marked, 5*time.Second); len(left) > 0 {
		t.Errorf("PIDs %v of the start outlived its Stop", left)
	}
	<-p.Exited()
	if p.ExitErr() == nil {
		t.Errorf("a stopped start program exited 0")
	}
}

// The start's log tail is what it wrote since this start, its last three
// lines, cut to 600 bytes; a log all may read says so.
func TestStartLogTail(t *testing.T) {
	dir := trustedDir(t)
	writeFile(t, filepath.Join(dir, "said.sh"), "#!/bin/sh\nprintf 'one\\ntwo\\nthree\\nfour\\n'\n", 0o755)
	writeFile(t, filepath.Join(dir, "long.sh"), "#!/bin/sh\nprintf '%0700d\\n' 7\n", 0o755)
	writeFile(t, filepath.Join(dir, "quiet.sh"), "#!/bin/sh\nexit 3\n", 0o755)
	writeFile(t, filepath.Join(dir, "said.log"), "an earlier start's words\n", 0o644)
	s := Starter{ConfigDir: dir, LogDir: dir, UID: os.Geteuid()}
	me := Owner{UID: os.Geteuid(), GID: os.Getegid()}
	for _, tt := range []struct {
		name, want string
		public     bool
	}{
		{"said", "two / three / four", true},
		{"long", "..." + strings.Repeat("0", 599) + "7", false},
		{"quiet", "", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := startTest(t, s, &check.Daemon{Name: tt.name, Start: []string{"./" + tt.name + ".sh"}, Dir: dir}, me)
			<-p.Exited()
			lines, _, public := p.LogTail()
			if lines != tt.want || public != tt.public {
				t.Errorf("LogTail() = %q, public %v; want %q, %v", lines, public, tt.want, tt.public)
			}
			if tt.name == "quiet" && (p.ExitErr() == nil || p.ExitErr().Error() != "exit status 3") {
				t.Errorf("ExitErr() = %v, want exit status 3", p.ExitErr())
			}
		})
	}
}

// What makes a start fail before anything runs: what Check refuses, a log
// that cannot be opened, a program the kernel cannot run, a program the
// daemon's user cannot reach.
func TestStartRefusals(t *testing.T) {
	dir := trustedDir(t)
	writeFile(t, filepath.Join(dir, "good.sh"), "#!/bin/sh\nexit 0\n", 0o755)
	writeFile(t, filepath.Join(dir, "open.sh"), "#!/bin/sh\nexit 0\n", 0o777)
	noShebang := writeFile(t, filepath.Join(dir, "noshebang.sh"), "echo no first line\n", 0o755)
	if err := os.Symlink("/etc/passwd", filepath.Join(dir, "linked.log")); err != nil {
		t.Fatal(err)
	}
	me := Owner{UID: os.Geteuid(), GID: os.Getegid()}
	tests := []struct {
		name   string
		daemon check.Daemon
		owner  Owner
		err    string
		root   bool // needs root: another user
	}{
		{"Check refuses", check.Daemon{Name: "open", Start: []string{"./open.sh"}, Dir: dir}, me, "refused: ", false},
		{"its log is a link", check.Daemon{Name: "linked", Start: []string{"./good.sh"}, Dir: dir}, me, "daemon log: ", false},
		{"no #! line", check.Daemon{Name: "noshebang", Start: []string{"./noshebang.sh"}, Dir: dir}, me,
			"start program " + noShebang + " is not a program the kernel can run (exec format error): a script needs a first line such as #!/bin/bash", false},
		{"its user cannot reach it", check.Daemon{Name: "hidden", Start: []string{"./good.sh"}, Dir: "/"}, Owner{Name: "nobody", UID: 65534, GID: 65534}, "permission denied", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.root && os.Geteuid() != 0 {
				t.Skip("needs root to start as another user")
			}
			s := Starter{ConfigDir: dir, LogDir: dir, UID: os.Geteuid()}
			p, err := s.Start(&tt.daemon, tt.owner)
			if err == nil {
				p.Stop(time.Second)
				<-p.Exited()
				t.Fatalf("started PID %d; want %q", p.PID(), tt.err)
			}
			if !strings.Contains(err.Error(), tt.err) {
				t.Errorf("err %v, want %q", err, tt.err)
			}
		})
	}
}

// rootAndNobody skips a test that must switch to the user nobody where
// it cannot, and returns nobody.
func rootAndNobody(t *testing.T) *user.User {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	nobody, err := user.Lookup("nobody")
	if err != nil {
		t.Skip("no user nobody")
	}
	return nobody
}

// As root, a daemon with a user runs as that user, with its groups, and
// its log is that user's.
func TestStartAsAnotherUser(t *testing.T) {
	nobody := rootAndNobody(t)
	dir := trustedDir(t)
	// nobody must reach the folder: the test's temporary folders are
	// private.
	if err := os.Chmod(filepath.Dir(dir), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "whoami.sh"), "#!/bin/sh\necho \"uid $(id -u) gid $(id -g)\"\n", 0o755)
	owner, err := LookupOwner(&check.Daemon{User: "nobody"})
	if err != nil {
		t.Fatal(err)
	}
	s := Starter{ConfigDir: dir, LogDir: dir, UID: 0}
	p := startTest(t, s, &check.Daemon{Name: "whoami", Start: []string{"./whoami.sh"}, Dir: dir}, owner)
	<-p.Exited()
	want := "uid " + nobody.Uid + " gid " + nobody.Gid
	if lines, _, _ := p.LogTail(); lines != want {
		t.Errorf("it said %q, want %q", lines, want)
	}
	fi, err := os.Stat(filepath.Join(dir, "whoami.log"))
	if err != nil {
		t.Fatal(err)
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); !ok || strconv.Itoa(int(st.Uid)) != nobody.Uid {
		t.Errorf("its log is not nobody's: %+v", fi.Sys())
	}
}

// With a group or scope, a failed start's Stop empties it, and signals
// nothing else.
func TestStartedStopEmptiesItsGroup(t *testing.T) {
	g := &fakeGroups{}
	p := &started{name: "pm", groups: g}
	p.Stop(3 * time.Second)
	if !slices.Equal(g.stopped, []string{"pm"}) || g.grace != 3*time.Second {
		t.Errorf("stopped %v with grace %s, want pm's group with 3s", g.stopped, g.grace)
	}
}

type fakeGroups struct {
	stopped []string
	grace   time.Duration
}

func (g *fakeGroups) Stop(name string, grace time.Duration) ([]int, error) {
	g.stopped, g.grace = append(g.stopped, name), grace
	return nil, nil
}

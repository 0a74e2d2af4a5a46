package restart

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cortex/cortex-check/check"
	"github.com/cortex/cortex-check/trust"
)

// A probe's or a stop's command: every refusal, and what it is built
// with when it may run.
func TestCommand(t *testing.T) {
	dir := trustedDir(t)
	open, openArg, openDir, badEnv := refused(t, dir)
	goodEnv := writeFile(t, filepath.Join(dir, "good.env"), "FROM_FILE=1\n", 0o644)
	tests := []struct {
		name   string
		uid    int // the pass's
		daemon check.Daemon
		argv   []string
		err    string
	}{
		{"a trusted program", os.Geteuid(), check.Daemon{Dir: dir, EnvFiles: []string{goodEnv}, Env: map[string]string{"FROM_ENV": "1"}}, []string{"/bin/echo", "hi"}, ""},
		{"a bare name in the fixed PATH", os.Geteuid(), check.Daemon{Dir: dir}, []string{"true"}, ""},
		{"no such user", 0, check.Daemon{Dir: dir, User: "cortex-no-such-user"}, []string{"/bin/true"}, `user "cortex-no-such-user"`},
		{"a pass not root runs it as itself, whatever user says", 4321, check.Daemon{Dir: "/", User: "cortex-no-such-user"}, []string{"/bin/true"}, ""},
		{"no such program", os.Geteuid(), check.Daemon{Dir: dir}, []string{"./missing"}, "does not exist"},
		{"a program others may write", os.Geteuid(), check.Daemon{Dir: dir}, []string{open}, "refused: " + open + " is writable by"},
		{"a folder others may write", os.Geteuid(), check.Daemon{Dir: openDir}, []string{"/bin/true"}, "refused: dir " + openDir + ", the folder it runs in"},
		{"an argument others may write", os.Geteuid(), check.Daemon{Dir: dir}, []string{"/bin/cat", "open-arg.txt"}, "refused: " + openArg + ", an argument: "},
		{"a bad env_file", os.Geteuid(), check.Daemon{Dir: dir, EnvFiles: []string{badEnv}}, []string{"/bin/true"}, badEnv + ":1: want KEY=value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Starter{ConfigDir: dir, UID: tt.uid}
			cmd, err := s.command(&tt.daemon, tt.argv)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Errorf("err %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !filepath.IsAbs(cmd.Path) || !slices.Equal(cmd.Args, tt.argv) || cmd.Dir != tt.daemon.Dir || cmd.SysProcAttr != nil {
				t.Errorf("got %s %q in %s (%+v); want argv as given, run in its dir as this user", cmd.Path, cmd.Args, cmd.Dir, cmd.SysProcAttr)
			}
			if !slices.Contains(cmd.Env, "PATH="+trust.SafePATH) || slices.ContainsFunc(cmd.Env, func(v string) bool { return strings.HasPrefix(v, MarkVariable+"=") }) {
				t.Errorf("environment %q: want its start's, without a start's mark", cmd.Env)
			}
			for k, v := range tt.daemon.Env {
				if !slices.Contains(cmd.Env, k+"="+v) {
					t.Errorf("environment %q lacks its env %s", cmd.Env, k)
				}
			}
			if len(tt.daemon.EnvFiles) > 0 && !slices.Contains(cmd.Env, "FROM_FILE=1") {
				t.Errorf("environment %q lacks its env_file", cmd.Env)
			}
		})
	}
}

// As root, a daemon's command runs as the daemon's user.
func TestCommandAsTheDaemonsUser(t *testing.T) {
	nobody := rootAndNobody(t)
	s := Starter{UID: 0}
	cmd, err := s.command(&check.Daemon{Dir: "/", User: "nobody"}, []string{"/bin/true"})
	if err != nil {
		t.Fatal(err)
	}
	if c := cmd.SysProcAttr; c == nil || c.Credential == nil || strconv.Itoa(int(c.Credential.Uid)) != nobody.Uid || strconv.Itoa(int(c.Credential.Gid)) != nobody.Gid {
		t.Errorf("credential %+v, want nobody's", cmd.SysProcAttr)
	}
	if !slices.Contains(cmd.Env, "USER=nobody") || !slices.Contains(cmd.Env, "HOME="+nobody.HomeDir) {
		t.Errorf("environment %q, want nobody's identity", cmd.Env)
	}
}

func TestProbeExec(t *testing.T) {
	dir := trustedDir(t)
	s := Starter{ConfigDir: dir, UID: os.Geteuid()}
	d := &check.Daemon{Name: "app", Dir: dir, Env: map[string]string{"GREETING": "hello"}}
	tests := []struct {
		name string
		argv []string
		out  string
		err  string
	}{
		{"its output, in the daemon's environment and folder", []string{"/bin/sh", "-c", "echo $GREETING from $(pwd)"}, "hello from " + dir + "\n", ""},
		{"a failing command", []string{"/bin/sh", "-c", "echo down; exit 2"}, "down\n", "exit status 2"},
		{"a refused command runs nothing", []string{"./missing"}, "", "does not exist"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := s.ProbeExec(d)(context.Background(), tt.argv)
			if string(out) != tt.out || (tt.err == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.err)) {
				t.Errorf("got %q, %v; want %q, %q", out, err, tt.out, tt.err)
			}
		})
	}
}

func TestRunStop(t *testing.T) {
	dir := trustedDir(t)
	s := Starter{ConfigDir: dir, UID: os.Geteuid()}
	tests := []struct {
		name string
		stop []string
		err  string
	}{
		{"it stops", []string{"/bin/true"}, ""},
		{"it fails, and says why", []string{"/bin/sh", "-c", "echo cannot   stop\necho  it; exit 3"}, "exit status 3; it said: cannot stop it"},
		{"it fails silently", []string{"/bin/false"}, "exit status 1"},
		{"it takes longer than stop_grace", []string{"/bin/sleep", "30"}, "killed"},
		{"it may not run", []string{"./missing"}, "does not exist"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.RunStop(&check.Daemon{Name: "app", Dir: dir, Stop: tt.stop, StopGrace: 300 * time.Millisecond})
			if (tt.err == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.err)) {
				t.Errorf("got %v, want %q", err, tt.err)
			}
		})
	}
}

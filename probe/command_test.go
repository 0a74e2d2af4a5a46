//go:build unix

package probe

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

func shell(t *testing.T, script string) *exec.Cmd {
	t.Helper()
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh:", err)
	}
	return exec.Command(sh, "-c", script)
}

func TestRunCommand(t *testing.T) {
	tests := []struct {
		name   string
		script string
		err    string // "" for success
		out    string
	}{
		{"exit 0", "echo PONG", "", "PONG\n"},
		{"exit 1", "echo oops >&2; exit 1", "exit status 1", "oops\n"},
		{"both streams in order", "echo out; echo err >&2; exit 2", "exit status 2", "out\nerr\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := RunCommand(context.Background(), shell(t, tt.script))
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.err || string(out) != tt.out {
				t.Errorf("got %q, %q; want %q, %q", out, got, tt.out, tt.err)
			}
		})
	}
}

func TestRunCommandKilledWithContext(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), short)
	defer cancel()
	out, err := RunCommand(ctx, shell(t, "echo started; sleep 30; echo never"))
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.String() != "signal: killed" {
		t.Errorf("err = %v, want signal: killed", err)
	}
	if string(out) != "started\n" {
		t.Errorf("out = %q, want what came before the kill", out)
	}
}

func TestRunCommandLeavesNothingBehind(t *testing.T) {
	// The script exits at once, leaving a child that holds its output.
	out, err := RunCommand(context.Background(), shell(t, "sleep 30 & echo $!"))
	if err != nil {
		t.Fatalf("err = %v, want success: the command exited 0", err)
	}
	pid := strings.TrimSpace(string(out))
	// SIGKILL lands asynchronously: wait, within a generous bound, for
	// the child to be gone or a zombie of whoever inherited it.
	for end := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		stat, err := os.ReadFile("/proc/" + pid + "/stat")
		if errors.Is(err, os.ErrNotExist) {
			return // gone, or no /proc to tell
		}
		if err != nil {
			t.Fatal(err)
		}
		if f := strings.Fields(string(stat)); len(f) >= 3 && f[2] == "Z" {
			return
		}
		if time.Now().After(end) {
			t.Fatalf("the child %s lives on: %s", pid, stat)
		}
	}
}

func TestRunCommandCapsOutput(t *testing.T) {
	out, err := RunCommand(context.Background(), shell(t, `i=0; while [ $i -lt 2000 ]; do echo "line $i of chatter"; i=$((i+1)); done; echo the end`))
	if err != nil {
		t.Fatal(err)
	}
	if len(out) > outputCap || !strings.HasSuffix(string(out), "the end\n") {
		t.Errorf("kept %d bytes ending %q, want at most %d ending with the last line", len(out), out[max(0, len(out)-20):], outputCap)
	}
}

func TestRunCommandSetsid(t *testing.T) {
	cmd := shell(t, "exit 0")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if _, err := RunCommand(context.Background(), cmd); err != nil {
		t.Errorf("with Setsid: %v", err)
	}
}

func TestRunCommandRefusesOutput(t *testing.T) {
	cmd := shell(t, "exit 0")
	cmd.Stdout = os.Stdout
	if _, err := RunCommand(context.Background(), cmd); err == nil {
		t.Error("RunCommand ran a command whose output was already set")
	}
}

func TestRunCommandAsExecFunc(t *testing.T) {
	// Through Run, as the caller will wire it: a timeout kills the command
	// and the error keeps its last output.
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh:", err)
	}
	run := func(ctx context.Context, argv []string) ([]byte, error) {
		cmd := exec.Command(sh, argv[1:]...)
		cmd.Env = []string{"PATH=/usr/bin:/bin"}
		return RunCommand(ctx, cmd)
	}
	rs := Run(context.Background(), []Target{
		{Spec: Spec{Exec: []string{"sh", "-c", "echo fine"}}, Exec: run},
		{Spec: Spec{Exec: []string{"sh", "-c", "echo no server; exit 1"}}, Exec: run},
		{Spec: Spec{Exec: []string{"sh", "-c", "echo waiting; sleep 30"}, Timeout: short}, Exec: run},
		{Spec: Spec{Exec: []string{"sh", "-c", "echo $HOME"}}, Exec: run},
	})
	wantResult(t, rs[0], true, "")
	wantResult(t, rs[1], false, `exec sh -c "echo no server; exit 1": exit status 1: no server`)
	wantResult(t, rs[2], false, `exec sh -c "echo waiting; sleep 30": timed out after 100ms: waiting`)
	wantResult(t, rs[3], true, "")
}

//go:build linux

package main

// TestSystemd runs the scenarios under testdata/systemd (*.sh) each in a
// container of its own whose PID 1 is a real systemd (252, Debian 12), with
// the cortex-check built from this tree at /usr/local/bin/cortex-check: what
// cortex-check does under systemd (services, timers, scopes, cgroups) is
// checked against systemd itself, not a stand-in. .ci/systemd-run-in does the
// work (see its comments for the nspawn flags and why); a scenario is a bash
// script run as root inside, as a service of that systemd, passing when it
// exits 0. Files beside the scenarios other than *.sh are readable inside at
// /cortex-ci/src.
//
// It needs root and a rootfs made by .ci/systemd-rootfs, named by
// CORTEX_SYSTEMD_ROOTFS; without that variable it is skipped, and .ci/run
// sets it.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// systemdScenarioTimeout bounds one scenario's script inside its container;
// the boot (at most 60 s, under 2 s seen) and the poweroff come on top.
const systemdScenarioTimeout = 120

func TestSystemd(t *testing.T) {
	rootfs := os.Getenv("CORTEX_SYSTEMD_ROOTFS")
	if rootfs == "" {
		t.Skip("set CORTEX_SYSTEMD_ROOTFS to run the scenarios under a real systemd, as root: " +
			".ci/systemd-rootfs DIR && CORTEX_SYSTEMD_ROOTFS=DIR go test -run TestSystemd .")
	}
	// Asked for by name: a rootfs or a user that cannot run them fails
	// rather than skips, so CI never passes on scenarios that did not run.
	if _, err := os.Stat(filepath.Join(rootfs, ".cortex-ci-rootfs")); err != nil {
		t.Fatalf("CORTEX_SYSTEMD_ROOTFS=%s is not a rootfs made by .ci/systemd-rootfs (%v): run .ci/systemd-rootfs %s", rootfs, err, rootfs)
	}
	if os.Geteuid() != 0 {
		t.Fatal("TestSystemd boots containers: it must run as root")
	}
	harness, err := filepath.Abs(".ci/systemd-run-in")
	if err != nil {
		t.Fatal(err)
	}
	scripts, err := filepath.Glob("testdata/systemd/*.sh")
	if err != nil || len(scripts) == 0 {
		t.Fatalf("no scenarios in testdata/systemd (%v)", err)
	}

	// The binary as the README builds it: static, so it runs in any rootfs.
	bin := filepath.Join(t.TempDir(), "cortex-check")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	for _, script := range scripts {
		name := strings.TrimSuffix(filepath.Base(script), ".sh")
		t.Run(name, func(t *testing.T) {
			runSystemdScenario(t, harness, script, bin)
		})
	}
}

// runSystemdScenario runs one script through the harness and fails t unless
// it exits 0. The harness powers its container off on every way out; this
// makes sure of it: it is stopped with SIGTERM (its cleanup runs) when the
// deadline passes, gets SIGTERM too if this test process dies (Pdeathsig,
// from a thread locked for the purpose), and afterwards no nspawn of its
// container may be left.
func runSystemdScenario(t *testing.T, harness, script, bin string) {
	limit := time.Duration(systemdScenarioTimeout+60+30) * time.Second
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()

	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, harness, "-t", strconv.Itoa(systemdScenarioTimeout), script, bin)
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 30 * time.Second

	// Pdeathsig fires when the thread that forked the child ends, not the
	// process: keep this goroutine on its thread until the harness is done.
	runtime.LockOSThread()
	start := time.Now()
	err := cmd.Start()
	if err == nil {
		t.Cleanup(func() { checkNoContainer(t, cmd.Process.Pid) })
		err = cmd.Wait()
	}
	runtime.UnlockOSThread()

	t.Logf("%s (%.1fs):\n%s", script, time.Since(start).Seconds(), out.String())
	var exit *exec.ExitError
	switch {
	case ctx.Err() != nil:
		t.Errorf("%s: still running after %v: stopped", script, limit)
	case errors.As(err, &exit):
		t.Errorf("%s: exit status %d (124: timed out inside, 125: the container did not boot)", script, exit.ExitCode())
	case err != nil:
		t.Errorf("%s: %v", script, err)
	}
}

// checkNoContainer fails t, and ends them, if processes of the container
// that the harness with pid harnessPid booted are still there: the harness
// names it cortex-ci-SCRIPT-PID.
func checkNoContainer(t *testing.T, harnessPid int) {
	suffix := fmt.Sprintf("-%d", harnessPid)
	left := containerProcesses(suffix)
	if len(left) == 0 {
		return
	}
	t.Errorf("the harness left its container running: %v", left)
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGKILL} {
		for _, pid := range left {
			syscall.Kill(pid, sig)
		}
		for i := 0; i < 100 && len(containerProcesses(suffix)) > 0; i++ {
			time.Sleep(100 * time.Millisecond)
		}
		if left = containerProcesses(suffix); len(left) == 0 {
			return
		}
	}
	t.Errorf("could not end %v", left)
}

// containerProcesses lists the systemd-nspawn processes whose --machine
// name ends in suffix.
func containerProcesses(suffix string) []int {
	var pids []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		args := strings.Split(string(cmdline), "\x00")
		if filepath.Base(args[0]) != "systemd-nspawn" {
			continue
		}
		for _, a := range args {
			if strings.HasPrefix(a, "--machine=cortex-ci-") && strings.HasSuffix(a, suffix) {
				pids = append(pids, pid)
			}
		}
	}
	return pids
}

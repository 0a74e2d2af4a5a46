package restart

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/cortex/cortex-check/check"
	"github.com/cortex/cortex-check/escape"
	"github.com/cortex/cortex-check/human"
	"github.com/cortex/cortex-check/probe"
)

// Stop stops a running instance, pids being its tree: the daemon's stop
// command when it has one, then up to grace for the tree to exit on its
// own (a graceful shutdown such as nginx -s quit takes its time), then
// SIGTERM and, after grace, SIGKILL for whatever is left. It logs what it
// does and returns the PIDs that would not go.
func Stop(d *check.Daemon, pids []int, grace time.Duration, run func(*check.Daemon) error, kill func([]int, time.Duration) []int, log func(string)) []int {
	if len(d.Stop) > 0 && run != nil {
		log(fmt.Sprintf("%s: Stopping: %s", d.Name, escape.Shell(d.Stop)))
		if err := run(d); err != nil {
			log(fmt.Sprintf("%s: stop command failed: %v; stopping PIDs %s with SIGTERM", d.Name, err, human.Ints(pids)))
		} else {
			pids = WaitGone(pids, grace)
		}
	} else {
		log(fmt.Sprintf("%s: Stopping PIDs %s (SIGTERM, SIGKILL after stop_grace %s)", d.Name, human.Ints(pids), human.Duration(d.StopGrace)))
	}
	if len(pids) == 0 {
		return nil
	}
	left := kill(pids, grace)
	if len(left) > 0 {
		log(fmt.Sprintf("%s: PIDs %s did not exit, even after SIGKILL", d.Name, human.Ints(left)))
	}
	return left
}

// Stop stops everything this start spawned. With a control group, the
// group: every process born of the start is in it, whatever it did.
// Without one: the start program's process group and session (the
// kernel reuses no PID while a group or session of that number lives),
// its descendants, and the processes that carry its mark, each only if
// owned by the daemon's user and started after the start began, so that
// a reused PID or a forged mark is never hit.
func (p *started) Stop(grace time.Duration) {
	if p.groups != nil {
		p.groups.Stop(p.name, grace)
		return
	}
	procs, err := check.ReadTable(check.Need{Owner: true})
	if err != nil {
		return
	}
	KillSame(spawned(procs, p.PID(), Marked(p.mark), p.uid, p.began), grace)
}

// spawned picks, from a process table, what a start program (PID
// leader) left: members of its session or process group, its
// descendants, and the marked PIDs, owned by uid and started no earlier
// than began (less the second the table's start times may be off by).
func spawned(procs []check.Process, leader int, marked []int, uid int, began time.Time) []check.Process {
	children := map[int][]int{}
	byPID := map[int]check.Process{}
	for _, q := range procs {
		children[q.PPID] = append(children[q.PPID], q.PID)
		byPID[q.PID] = q
	}
	ours := map[int]bool{}
	for _, q := range procs {
		if q.SID == leader || q.PGID == leader || slices.Contains(marked, q.PID) {
			ours[q.PID] = true
		}
	}
	visited := map[int]bool{leader: true}
	for queue := []int{leader}; len(queue) > 0; queue = queue[1:] {
		for _, c := range children[queue[0]] {
			if !visited[c] {
				visited[c], ours[c] = true, true
				queue = append(queue, c)
			}
		}
	}
	ours[leader] = true
	var out []check.Process
	for _, q := range procs {
		if !ours[q.PID] || q.PID <= 1 || (q.UID >= 0 && q.UID != uid) || q.Gone() {
			continue
		}
		if !q.StartTime.IsZero() && q.StartTime.Before(began.Add(-time.Second)) {
			continue // older than the start: not its child, whatever it says
		}
		out = append(out, q)
	}
	return out
}

// Marked lists the live processes whose environment carries the mark. It
// reads /proc/PID/environ, which only the process's user and root may.
func Marked(mark string) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	needle := []byte(MarkVariable + "=" + mark + "\x00")
	var out []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/environ")
		if err == nil && strings.Contains(string(b), string(needle)) {
			out = append(out, pid)
		}
	}
	return out
}

// Kill sends SIGTERM to each PID, waits up to grace for them to exit, then
// SIGKILLs those left, and returns the PIDs that still did not go (a
// process stuck in the kernel, or one this user may not signal): a caller
// must not start a second copy beside them.
func Kill(pids []int, grace time.Duration) []int {
	for _, pid := range pids {
		syscall.Kill(pid, syscall.SIGTERM)
		// A suspended process acts on SIGTERM only once continued.
		syscall.Kill(pid, syscall.SIGCONT)
	}
	pids = WaitGone(pids, grace)
	for _, pid := range pids {
		syscall.Kill(pid, syscall.SIGKILL)
	}
	return WaitGone(pids, time.Second)
}

// WaitGone waits up to d for the processes to exit and returns those left.
func WaitGone(pids []int, d time.Duration) []int {
	pids = slices.Clone(pids)
	deadline := time.Now().Add(d)
	for wait := 5 * time.Millisecond; ; wait = min(2*wait, 200*time.Millisecond) {
		pids = slices.DeleteFunc(pids, gone)
		if len(pids) == 0 || !time.Now().Before(deadline) {
			return pids
		}
		time.Sleep(min(wait, time.Until(deadline)))
	}
}

// gone says whether pid has exited: no such process, or a zombie.
func gone(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return syscall.Kill(pid, 0) != nil
	}
	i := strings.LastIndexByte(string(b), ')')
	return i < 0 || i+2 >= len(b) || b[i+2] == 'Z' || b[i+2] == 'X'
}

// RunStop runs the daemon's stop command and waits for it, up to
// stop_grace.
func (s Starter) RunStop(d *check.Daemon) error {
	cmd, err := s.command(d, d.Stop)
	if err != nil {
		return err
	}
	done, err := s.Throwaway(d.Name, cmd)
	if err != nil {
		return err
	}
	defer done()
	ctx, cancel := context.WithTimeout(context.Background(), d.StopGrace)
	defer cancel()
	out, err := probe.RunCommand(ctx, cmd)
	if err != nil {
		// Only the restart log (root's, 0640) hears this.
		if said := strings.Join(strings.Fields(string(out)), " "); said != "" {
			return fmt.Errorf("%w; it said: %s", err, said)
		}
		return err
	}
	return nil
}

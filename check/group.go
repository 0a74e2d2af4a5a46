package check

import (
	"fmt"
	"slices"
	"strconv"
)

// anyAlive says whether any of pids is a live process in the snapshot.
func (s *Snapshot) anyAlive(pids []int) bool {
	return slices.ContainsFunc(pids, s.alive)
}

// judgeGroup judges a daemon whose control group holds live processes:
// they, and nothing else, are the daemon. A process joins a group only
// by being born in it or by root's hand, so no name, pattern or pidfile
// outside it counts, whoever owns it.
func (s *Snapshot) judgeGroup(d *Daemon, matches []*Process, g Group, clues Clues) Result {
	r := Result{Name: d.Name, Condition: Stopped, Group: g.Path}
	member := make(map[int]bool, len(g.PIDs))
	var members []*Process
	for _, pid := range g.PIDs {
		if p, ok := s.byPID[pid]; ok && !p.Gone() {
			member[pid] = true
			members = append(members, p)
		}
	}
	r.Procs = len(members)
	var in, outside []*Process
	if !d.match.hasPatternOrProcess() {
		in = members // a pidfile alone: every member is the daemon's
	}
	for _, p := range matches {
		switch {
		case p.Gone():
		case member[p.PID]:
			if d.match.hasPatternOrProcess() {
				in = append(in, p)
			}
		case s.claimed[p.PID] != "":
			// Another daemon's, by its group: not this one's business.
		case d.owns(p):
			outside = append(outside, p)
		}
	}
	if len(in) == 0 {
		roots := s.instanceRoots(members)
		r.Condition = Orphaned
		r.PIDs = pidsOf(roots)
		r.Message = fmt.Sprintf("its main process is gone: %d process(es) are left in its control group (PIDs %s) and none matches %s: --fix stops them, then starts %s",
			len(members), joinInts(r.PIDs), d.Describe(), d.Name)
	} else {
		roots := s.instanceRoots(in)
		if main := s.pidfileMain(d, member, clues); main != nil {
			for i, root := range roots {
				if root == main || slices.Contains(s.ancestors(main), root) {
					roots[0], roots[i] = roots[i], roots[0]
					break
				}
			}
		}
		msg := r.Message
		s.setRunning(&r, d, roots)
		if msg != "" {
			r.Message = msg
		}
	}
	if len(outside) > 0 {
		note := fmt.Sprintf("PIDs %s outside its control group also match %s: not counted, never signalled", joinInts(pidsOf(outside)), d.Describe())
		if r.Message == "" {
			r.Message = note
		} else {
			r.Message += "; " + note
		}
	}
	return r
}

// pidfileMain is the member the daemon's pidfile names, if any: within
// a group, the pidfile only says which member leads.
func (s *Snapshot) pidfileMain(d *Daemon, member map[int]bool, clues Clues) *Process {
	if d.Pidfile == "" || clues.ReadPidfile == nil {
		return nil
	}
	pf, err := clues.ReadPidfile(d.Pidfile)
	if err != nil {
		return nil
	}
	pid, ok := parsePID(pf.FirstLine)
	if !ok || !member[pid] {
		return nil
	}
	return s.byPID[pid]
}

// foreignNote says which matches were left out for their owner, and what
// to do if one of them is the daemon.
func (s *Snapshot) foreignNote(d *Daemon, foreign []*Process, clues Clues) string {
	p := foreign[0]
	name := userName(clues, p.UID)
	more := ""
	if len(foreign) > 1 {
		more = fmt.Sprintf(" (and %d more)", len(foreign)-1)
	}
	return fmt.Sprintf("; a process of %s (PID %d)%s matches; not counted: only %s's count; set user = %q if it is the daemon",
		name, p.PID, more, userName(clues, d.UID), name)
}

// userName names a uid for messages.
func userName(clues Clues, uid int) string {
	if clues.UserName != nil {
		if n := clues.UserName(uid); n != "" {
			return n
		}
	}
	return "uid " + strconv.Itoa(uid)
}

func pidsOf(procs []*Process) []int {
	out := make([]int, len(procs))
	for i, p := range procs {
		out[i] = p.PID
	}
	return out
}

// MainTree lists a daemon's main process and its descendants owned by
// uid (any owner when uid < 0), parents first: all a destructive action
// may signal for a daemon without a control group. Processes that merely
// match its name or pattern elsewhere are not in it.
func (s *Snapshot) MainTree(pid, uid int) []int {
	p, ok := s.byPID[pid]
	if !ok || pid <= 1 || p.kernelThread() || s.selfLine[pid] || s.ignored[pid] || !ownedBy(p, uid) {
		return nil
	}
	children := s.childIndex()
	seen := map[int]bool{}
	var out []int
	queue := []int{pid}
	for len(queue) > 0 {
		pid := queue[0]
		queue = queue[1:]
		q := s.byPID[pid]
		if seen[pid] || q == nil || s.selfLine[pid] || !ownedBy(q, uid) {
			continue
		}
		seen[pid] = true
		out = append(out, pid)
		queue = append(queue, children[pid]...)
	}
	return out
}

// childIndex maps each PID to its children's, built once per snapshot.
func (s *Snapshot) childIndex() map[int][]int {
	if s.children == nil {
		s.children = make(map[int][]int, len(s.Procs))
		for i := range s.Procs {
			p := &s.Procs[i]
			s.children[p.PPID] = append(s.children[p.PPID], p.PID)
		}
	}
	return s.children
}

// ownedBy says whether p is uid's (any uid < 0; an unknown owner, off
// Linux, is not held against it).
func ownedBy(p *Process, uid int) bool { return uid < 0 || p.UID < 0 || p.UID == uid }

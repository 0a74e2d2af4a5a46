package check

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"syscall"
	"unsafe"

	"github.com/cortex/cortex-check/human"
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
	r.Members = pidsOf(members)
	r.Usage = s.usage(r.Members)
	var in, outside []*Process
	if !d.match.hasPatternOrProcess() {
		return s.judgeGroupByPidfile(r, d, members, member, clues)
	}
	for _, p := range matches {
		switch {
		case p.Gone():
		case member[p.PID]:
			in = append(in, p)
		case s.claimed[p.PID] != "":
			// Another daemon's, by its group: not this one's business.
		case s.owns(d, p):
			outside = append(outside, p)
		}
	}
	if len(in) == 0 {
		roots := s.instanceRoots(members)
		r.Condition = Orphaned
		r.PIDs = pidsOf(roots)
		r.Message = fmt.Sprintf("its main process is gone: %d process(es) are left in its control group (PIDs %s) and none matches %s: --fix stops them, then starts %s",
			len(members), human.Ints(r.PIDs), d.Describe(), d.Name)
	} else {
		roots := s.instanceRoots(in)
		if main, _ := s.pidfileMain(d, member, clues); main != nil {
			// The pidfile's process is the main one, even below another
			// member (pg_ctl, still waiting for the postmaster it forked).
			for i, root := range roots {
				if root == main || slices.Contains(s.ancestors(main), root) {
					roots[i] = main
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
		note := fmt.Sprintf("PIDs %s outside its control group also match %s: not counted, never signalled", human.Ints(pidsOf(outside)), d.Describe())
		if r.Message == "" {
			r.Message = note
		} else {
			r.Message += "; " + note
		}
	}
	return r
}

// judgeGroupByPidfile judges a daemon found by its pidfile alone, in its
// group: it runs once its pidfile names a member (a start program still
// at work, pg_ctl before its postmaster wrote the file, is not the daemon
// yet).
func (s *Snapshot) judgeGroupByPidfile(r Result, d *Daemon, members []*Process, member map[int]bool, clues Clues) Result {
	main, err := s.pidfileMain(d, member, clues)
	if main != nil {
		s.setRunning(&r, d, []*Process{main})
		r.Procs = len(members)
		return r
	}
	r.Condition = Unknown
	r.PIDs = pidsOf(s.instanceRoots(members))
	r.Message = fmt.Sprintf("its control group holds PIDs %s, but its pidfile %s names none of them (not written yet, or removed): no second copy is started",
		human.Ints(r.PIDs), d.Pidfile)
	if errors.Is(err, syscall.EACCES) {
		r.Unreadable = "pidfile " + d.Pidfile + ": permission denied"
		r.Message = fmt.Sprintf("its control group holds PIDs %s, but this pass may not read its pidfile %s (permission denied), which says whether one is the daemon",
			human.Ints(r.PIDs), d.Pidfile)
	}
	r.Procs = len(members)
	return r
}

// pidfileMain is the member the daemon's pidfile names, if any: within
// a group, the pidfile only says which member leads. err is why the
// pidfile could not be read.
func (s *Snapshot) pidfileMain(d *Daemon, member map[int]bool, clues Clues) (*Process, error) {
	if d.Pidfile == "" || clues.ReadPidfile == nil {
		return nil, nil
	}
	pf, err := clues.ReadPidfile(d.Pidfile)
	if err != nil {
		return nil, err
	}
	pid, ok := parsePID(pf.FirstLine)
	if !ok || !member[pid] {
		return nil, nil
	}
	return s.byPID[pid], nil
}

// foreignNote says which matches were left out for their owner, and what
// to do if one of them is the daemon.
func (s *Snapshot) foreignNote(d *Daemon, foreign []*Process, clues Clues) string {
	p := foreign[0]
	if ids, ok := s.credCache[p.PID]; ok && p.UID == d.UID {
		return fmt.Sprintf("; PID %d matches and runs as %s only through a setuid program that %s started: not counted, never signalled",
			p.PID, userName(clues, p.UID), userName(clues, ids[0]))
	}
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
	if !ok || pid <= 1 || p.kernelThread() || s.selfLine[pid] || s.ignored[pid] || !s.ownedBy(p, uid) {
		return nil
	}
	s.linkChildren()
	root := s.index(p)
	out := []int{pid}
	// The kernel's parent links form a tree: no process is reached twice,
	// and a table that lies about it is cut at len(Procs).
	for queue := []int32{s.firstChild[root]}; len(queue) > 0 && len(out) <= len(s.Procs); {
		c := queue[0]
		queue = queue[1:]
		for ; c >= 0; c = s.nextSibling[c] {
			q := &s.Procs[c]
			if s.selfLine[q.PID] || !s.ownedBy(q, uid) {
				continue
			}
			out = append(out, q.PID)
			if s.firstChild[c] >= 0 {
				queue = append(queue, s.firstChild[c])
			}
		}
	}
	return out
}

// index is p's position in Procs.
func (s *Snapshot) index(p *Process) int32 {
	return int32((uintptr(unsafe.Pointer(p)) - uintptr(unsafe.Pointer(&s.Procs[0]))) / unsafe.Sizeof(*p))
}

// linkChildren builds the child links once per snapshot.
func (s *Snapshot) linkChildren() {
	if s.firstChild != nil {
		return
	}
	n := len(s.Procs)
	s.firstChild, s.nextSibling = make([]int32, n), make([]int32, n)
	for i := range s.firstChild {
		s.firstChild[i] = -1
	}
	for i := n - 1; i >= 0; i-- {
		parent, ok := s.byPID[s.Procs[i].PPID]
		if !ok || parent.PID == s.Procs[i].PID {
			s.nextSibling[i] = -1
			continue
		}
		pi := s.index(parent)
		s.nextSibling[i], s.firstChild[pi] = s.firstChild[pi], int32(i)
	}
}

// ownedBy says whether p is uid's (any uid < 0; an owner the table does
// not know, off Linux, is not held against it): its effective uid, and,
// where the pass can read them, its real and saved uids too. A setuid
// program that another user started runs with effective uid 0, under a
// name and argv its caller chose: it is not root's daemon.
func (s *Snapshot) ownedBy(p *Process, uid int) bool {
	if uid < 0 || p.UID < 0 {
		return true
	}
	if p.UID != uid {
		return false
	}
	if s.creds == nil {
		return true
	}
	ids, ok := s.credCache[p.PID]
	if !ok {
		r, sv, read := s.creds(p.PID)
		if !read {
			return true // gone meanwhile: what the table said stands
		}
		ids = [2]int{r, sv}
		if s.credCache == nil {
			s.credCache = map[int][2]int{}
		}
		s.credCache[p.PID] = ids
	}
	return ids[0] == uid && ids[1] == uid
}

package check

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"regexp"
	"regexp/syntax"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	shell "mvdan.cc/sh/v3/syntax"

	"github.com/cortex/cortex-check/escape"
	"github.com/cortex/cortex-check/human"
)

// kernelNameLen is how much of a name Linux keeps in /proc/PID/stat.
const kernelNameLen = 15

// matcher decides whether one process is one daemon. Most patterns are a
// path, maybe anchored: those are answered with a substring, prefix or
// suffix test and never run a regexp. Other patterns are prefiltered by a
// literal every match must contain, and their regexp is compiled only when
// some process passes that filter, so a large config costs little.
type matcher struct {
	kind    literalKind
	literal string // the whole pattern (kind != viaRegexp), or a required part of it
	// head and tail are literals every match starts or ends with ("" when
	// none): the index routes processes to the matcher by them.
	head, tail string
	re         *lazyRegexp
	process    string
	patterns   bool // a pattern is set
}

type literalKind int

const (
	viaRegexp literalKind = iota // literal, when set, is only a prefilter
	contains
	hasPrefix
	hasSuffix
	equals
)

// lazyRegexp compiles on first use; a pointer, so copies of a Daemon share it.
type lazyRegexp struct {
	expr string
	once sync.Once
	re   *regexp.Regexp
}

func (l *lazyRegexp) MatchString(s string) bool {
	l.once.Do(func() { l.re, _ = regexp.Compile(l.expr) }) // parsed at load: it compiles
	return l.re != nil && l.re.MatchString(s)
}

func compileMatcher(pattern, process string) (matcher, error) {
	m := matcher{process: process}
	if pattern == "" {
		return m, nil
	}
	m.patterns = true
	tree, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		var se *syntax.Error
		if errors.As(err, &se) {
			return m, fmt.Errorf("pattern %s is not a valid regexp: %s", tomlQuote(pattern), se.Code)
		}
		return m, fmt.Errorf("pattern %s is not a valid regexp: %w", tomlQuote(pattern), err)
	}
	tree = tree.Simplify()
	m.kind, m.literal = literalShape(tree)
	m.head, m.tail = anchoredLiterals(tree)
	if m.kind == viaRegexp {
		m.re = &lazyRegexp{expr: pattern}
	}
	return m, nil
}

// literalShape recognises a pattern that is a literal, maybe anchored at
// the start or end of the text, and otherwise finds the longest literal
// that every match must contain ("" when there is none).
func literalShape(re *syntax.Regexp) (literalKind, string) {
	switch {
	case isLiteral(re):
		return contains, string(re.Rune)
	case re.Op == syntax.OpConcat:
		return concatShape(re.Sub)
	case re.Op == syntax.OpCapture && len(re.Sub) == 1:
		if kind, lit := literalShape(re.Sub[0]); kind == contains {
			return contains, lit
		} else {
			return viaRegexp, lit
		}
	}
	return viaRegexp, ""
}

// isLiteral says whether re is a case-sensitive literal.
func isLiteral(re *syntax.Regexp) bool {
	return re.Op == syntax.OpLiteral && re.Flags&syntax.FoldCase == 0
}

// concatShape is literalShape of a concatenation: a literal anchored at
// the start, the end or both, or else a regexp with its longest literal
// part for the index.
func concatShape(subs []*syntax.Regexp) (literalKind, string) {
	begin := len(subs) > 0 && subs[0].Op == syntax.OpBeginText
	end := len(subs) > 0 && subs[len(subs)-1].Op == syntax.OpEndText
	inner := subs
	if begin {
		inner = inner[1:]
	}
	if end && len(inner) > 0 {
		inner = inner[:len(inner)-1]
	}
	if len(inner) == 1 && isLiteral(inner[0]) {
		lit := string(inner[0].Rune)
		switch {
		case begin && end:
			return equals, lit
		case begin:
			return hasPrefix, lit
		case end:
			return hasSuffix, lit
		}
	}
	best := ""
	for _, sub := range subs {
		if sub.Op == syntax.OpCapture && len(sub.Sub) == 1 {
			sub = sub.Sub[0]
		}
		if isLiteral(sub) && len(string(sub.Rune)) > len(best) {
			best = string(sub.Rune)
		}
	}
	return viaRegexp, best
}

// anchoredLiterals returns the literal a pattern's matches must start the
// text with (after ^) and the one they must end it with (before $).
func anchoredLiterals(re *syntax.Regexp) (head, tail string) {
	if re.Op != syntax.OpConcat || len(re.Sub) < 2 {
		return "", ""
	}
	subs := re.Sub
	if subs[0].Op == syntax.OpBeginText && isLiteral(subs[1]) {
		head = string(subs[1].Rune)
	}
	if n := len(subs); subs[n-1].Op == syntax.OpEndText && isLiteral(subs[n-2]) {
		tail = string(subs[n-2].Rune)
	}
	return head, tail
}

func (m *matcher) hasPattern() bool { return m.patterns }

// needsCmdline says whether judging this matcher needs argv.
func (m *matcher) needsCmdline() bool {
	return m.hasPattern() || len(m.process) > kernelNameLen
}

func (m *matcher) matches(p *Process) bool { return m.matchesText(p, p.matchText()) }

// matchesText is matches with p's match text already built, so a scan
// builds it once per process, not once per daemon.
// Whose process it is, is the judge's business: a match of another user
// is reported, never counted.
func (m *matcher) matchesText(p *Process, text string) bool {
	if m.process != "" && !processNameIs(p, m.process) {
		return false
	}
	if !m.patterns {
		return m.process != ""
	}
	switch m.kind {
	case contains:
		return strings.Contains(text, m.literal)
	case hasPrefix:
		return strings.HasPrefix(text, m.literal)
	case hasSuffix:
		return strings.HasSuffix(text, m.literal)
	case equals:
		return text == m.literal
	}
	if m.literal != "" && !strings.Contains(text, m.literal) {
		return false
	}
	return m.re.MatchString(text)
}

// processNameIs is pgrep -x: the executable's name exactly. Linux keeps only
// 15 bytes of it, so a longer name matches when the kernel's name is its
// prefix and argv shows the whole name: as argv[0], or as argv[1] when an
// interpreter runs a script ("/bin/bash ./scripts/health-monitor-daemon.sh").
func processNameIs(p *Process, name string) bool {
	if p.Name == name {
		return true
	}
	if len(name) <= kernelNameLen || p.Name != name[:kernelNameLen] {
		return false
	}
	for i := 0; i < len(p.Args) && i < 2; i++ {
		if filepath.Base(p.Args[i]) == name {
			return true
		}
	}
	return false
}

// Snapshot is one read of the process table, indexed, with the processes
// that must never count as a daemon already set aside.
type Snapshot struct {
	Procs   []Process
	byPID   map[int]*Process
	ignored map[int]bool
	// selfLine is the pass and its ancestors: a pidfile naming one of
	// them is stale, whatever they run.
	selfLine map[int]bool
	// firstChild and nextSibling link each process (by its index in
	// Procs) to its children, built on first use: two small slices, not a
	// map of slices, since a pass builds them on every host every 30 s.
	firstChild, nextSibling []int32
	// claimed maps each process in a daemon's control group to that
	// daemon, for the judgement in progress.
	claimed map[int]string
	// creds reads real and saved uids; credCache keeps what it read.
	creds     func(pid int) (ruid, suid int, ok bool)
	credCache map[int][2]int
}

// NewSnapshot indexes procs. selfPID is the running pass: it, other
// cortex-check passes, and the ancestors that exist only to run it (an
// ancestor whose command line contains the pass's own command, such as
// `sh -c 'cortex-check --only pm-daemon'`) never count as a daemon, even
// when their arguments name one. selfArgs stands in for the pass's own
// argv where the table has none.
func NewSnapshot(procs []Process, selfPID int, selfArgs []string) *Snapshot {
	s := &Snapshot{Procs: procs, byPID: make(map[int]*Process, len(procs)), ignored: map[int]bool{selfPID: true}, selfLine: map[int]bool{selfPID: true}}
	for i := range procs {
		s.byPID[procs[i].PID] = &procs[i]
	}
	self, ok := s.byPID[selfPID]
	if !ok {
		return s
	}
	for _, a := range s.ancestors(self) {
		s.selfLine[a.PID] = true
	}
	args := self.Args
	if len(args) == 0 {
		args = selfArgs
	}
	if len(args) == 0 {
		return s
	}
	selfBase := filepath.Base(args[0])
	for i := range procs {
		p := &procs[i]
		if p.Name == self.Name && len(p.Args) > 0 && filepath.Base(p.Args[0]) == selfBase {
			s.ignored[p.PID] = true // another pass, waiting for the lock or running
		}
	}
	for _, a := range s.ancestors(self) {
		if runsCommand(a, args) {
			s.ignored[a.PID] = true
		}
	}
	return s
}

// runsCommand says whether a process runs the command args: directly,
// word for word (`timeout 30 cortex-check --fix`), or inside a shell
// script among its arguments (`sh -c 'mkdir -p x && cortex-check --fix
// >>log 2>&1; true'`), which a real shell parser reads, so ;, &&, ||,
// pipes, redirections without spaces, $(...) and if/then all work. Words
// are compared whole, the program by its base name, so a path that merely
// contains "cortex-check" or an argument like --fixture is no match.
func runsCommand(p *Process, args []string) bool {
	if len(args) == 0 {
		return false
	}
	needle := append([]string{filepath.Base(args[0])}, args[1:]...)
	argv := p.Args
	if len(argv) == 0 {
		// No argv (a test's process, or a platform without it): the
		// command line itself, as a script.
		return scriptRuns(p.Cmdline, needle, 0)
	}
	if hasCommand(argv, needle) {
		return true
	}
	for _, a := range argv[1:] {
		if scriptRuns(a, needle, 0) {
			return true
		}
	}
	return false
}

// hasCommand says whether the words hold the needle, its program by base
// name.
func hasCommand(words, needle []string) bool {
	for i := 0; i+len(needle) <= len(words); i++ {
		if filepath.Base(words[i]) == needle[0] && slices.Equal(words[i+1:i+len(needle)], needle[1:]) {
			return true
		}
	}
	return false
}

// scriptRuns parses a shell script and says whether any simple command in
// it, or in a script given to a nested shell, runs the needle.
func scriptRuns(script string, needle []string, depth int) bool {
	if depth > 2 || !strings.Contains(script, needle[0]) {
		return false
	}
	f, err := shell.NewParser().Parse(strings.NewReader(script), "")
	if err != nil {
		return false
	}
	found := false
	shell.Walk(f, func(n shell.Node) bool {
		call, ok := n.(*shell.CallExpr)
		if found || !ok {
			return !found
		}
		words := make([]string, len(call.Args))
		for i, w := range call.Args {
			words[i] = literal(w)
		}
		if hasCommand(words, needle) {
			found = true
			return false
		}
		for _, w := range words[min(1, len(words)):] {
			if scriptRuns(w, needle, depth+1) {
				found = true
				return false
			}
		}
		return true
	})
	return found
}

// literal is a shell word's value when it is plain text, quoted or not;
// a word with expansions ($x, $(...)) is no literal and matches nothing.
func literal(w *shell.Word) string {
	var b strings.Builder
	for _, part := range w.Parts {
		switch x := part.(type) {
		case *shell.Lit:
			b.WriteString(x.Value)
		case *shell.SglQuoted:
			b.WriteString(x.Value)
		case *shell.DblQuoted:
			for _, q := range x.Parts {
				lit, ok := q.(*shell.Lit)
				if !ok {
					return "\x00"
				}
				b.WriteString(lit.Value)
			}
		default:
			return "\x00"
		}
	}
	return b.String()
}

// ancestors lists p's parent, its parent, and so on, nearest first.
func (s *Snapshot) ancestors(p *Process) []*Process {
	var out []*Process
	seen := map[int]bool{p.PID: true}
	for {
		parent, ok := s.byPID[p.PPID]
		if !ok || seen[parent.PID] {
			return out
		}
		seen[parent.PID] = true
		out = append(out, parent)
		p = parent
	}
}

// Process returns the process with the given PID.
func (s *Snapshot) Process(pid int) (*Process, bool) {
	p, ok := s.byPID[pid]
	return p, ok
}

// Needs says what judging the daemons needs read of the process table.
func Needs(daemons []Daemon) Need {
	var n Need
	for i := range daemons {
		// A pidfile alone needs argv too: when its PID runs another
		// program, the message names it.
		n.Cmdline = n.Cmdline || daemons[i].match.needsCmdline() || !daemons[i].match.hasPatternOrProcess()
		n.Owner = n.Owner || daemons[i].User != "" || daemons[i].UID >= 0
	}
	return n
}

// scan goes through the snapshot once for all daemons and returns, for
// each, every process its matcher accepts (zombies included, the pass and
// its wrappers left out), in table order.
//
// A free regexp (one no literal test can answer) sees at most the first
// MaxRegexpText bytes of a command line, and all of them together at most
// until deadline (zero: none): any user can start a process with a huge
// command line, and a pathological pattern must not hold the pass. Once
// the deadline has passed, the daemons of such patterns are left out of
// the rest of the scan; cut says which, and they are judged unknown.
func (s *Snapshot) scan(daemons []Daemon, deadline time.Time) (out [][]*Process, cut []bool) {
	idx := newMatchIndex(daemons)
	out = make([][]*Process, len(daemons))
	cut = make([]bool, len(daemons))
	over := false
	for i := range s.Procs {
		p := &s.Procs[i]
		if s.ignored[p.PID] {
			continue
		}
		text := p.matchText()
		checked := false
		idx.candidates(p, text, func(j int) {
			m := &daemons[j].match
			if m.kind == viaRegexp && m.re != nil {
				if !checked && !deadline.IsZero() {
					checked, over = true, over || time.Now().After(deadline)
				}
				if over {
					cut[j] = true
					return
				}
				if len(text) > MaxRegexpText {
					if m.matchesText(p, text[:MaxRegexpText]) {
						out[j] = append(out[j], p)
					}
					return
				}
			}
			if m.matchesText(p, text) {
				out[j] = append(out[j], p)
			}
		})
	}
	return out, cut
}

// MaxRegexpText is how much of a command line a free regexp sees.
const MaxRegexpText = 16 << 10

// Verdict is one daemon judged from one snapshot: the finding, and the
// processes it was made from.
type Verdict struct {
	Result
	// Matches are the processes the daemon's matcher accepted, in table
	// order, zombies included.
	Matches []*Process
}

// Judge scans the snapshot once for all the daemons and judges each of
// them, in the order given.
func (s *Snapshot) Judge(daemons []Daemon, clues Clues) []Verdict {
	var deadline time.Time
	if clues.MatchBudget > 0 {
		deadline = time.Now().Add(clues.MatchBudget)
	}
	matches, cut := s.scan(daemons, deadline)
	s.creds = clues.Creds
	s.claimed = map[int]string{}
	for name, g := range clues.Groups {
		for _, pid := range g.PIDs {
			s.claimed[pid] = name
		}
	}
	out := make([]Verdict, len(daemons))
	for i := range daemons {
		if cut[i] {
			out[i] = Verdict{Result: Result{Name: daemons[i].Name, Condition: Unknown, Message: fmt.Sprintf(
				"not judged: matching ran past its budget of %s (a slow pattern against long command lines); its pattern %s is too costly: anchor it or make it a plain path, so that a literal test answers it",
				clues.MatchBudget, tomlQuote(daemons[i].Pattern))}}
			continue
		}
		out[i] = Verdict{Result: s.judge(&daemons[i], matches[i], clues), Matches: matches[i]}
	}
	return out
}

// minIndexed is the shortest anchored literal worth indexing.
const minIndexed = 4

// matchIndex sends each process only to the daemons it could match, so
// that a pass's cost does not grow with the number of daemons: a pattern
// anchored at the end of the command line (the usual '.../name\.sh$') is
// found by looking the line's end up, one anchored at the start by its
// beginning, a process name by the kernel's name. The rest are tried one
// by one.
type matchIndex struct {
	suffix, prefix anchorIndex
	name           map[string][]int
	rest           []int
}

// anchorIndex maps the first (prefix) or last (suffix) bytes of anchored
// literals to daemons: 8 bytes, or 4 for a shorter literal, so a lookup
// costs at most two map reads whatever the number of daemons.
type anchorIndex struct {
	suffix  bool
	lengths []int
	byLen   map[int]map[string][]anchored
}

// anchored is a daemon with its whole anchored literal, compared before the
// daemon's matcher runs.
type anchored struct {
	lit string
	j   int
}

func (a *anchorIndex) key(s string, n int) string {
	if a.suffix {
		return s[len(s)-n:]
	}
	return s[:n]
}

func (a *anchorIndex) add(lit string, j int) {
	n := 8
	if len(lit) < n {
		n = minIndexed
	}
	if a.byLen == nil {
		a.byLen = map[int]map[string][]anchored{}
	}
	m, ok := a.byLen[n]
	if !ok {
		m = map[string][]anchored{}
		a.byLen[n] = m
		a.lengths = append(a.lengths, n)
	}
	key := a.key(lit, n)
	m[key] = append(m[key], anchored{lit, j})
}

// each calls try with the daemons whose anchored literal may fit text.
func (a *anchorIndex) each(text string, try func(j int)) {
	for _, n := range a.lengths {
		if n > len(text) {
			continue
		}
		for _, e := range a.byLen[n][a.key(text, n)] {
			if len(e.lit) <= len(text) && a.key(text, len(e.lit)) == e.lit {
				try(e.j)
			}
		}
	}
}

func newMatchIndex(daemons []Daemon) *matchIndex {
	idx := &matchIndex{suffix: anchorIndex{suffix: true}, name: map[string][]int{}}
	for j := range daemons {
		m := &daemons[j].match
		switch {
		case !m.hasPatternOrProcess():
			// a pidfile alone: nothing to match
		case len(m.tail) >= minIndexed:
			idx.suffix.add(m.tail, j)
		case len(m.head) >= minIndexed:
			idx.prefix.add(m.head, j)
		case m.process != "":
			key := m.process[:min(len(m.process), kernelNameLen)]
			idx.name[key] = append(idx.name[key], j)
		default:
			idx.rest = append(idx.rest, j)
		}
	}
	return idx
}

// candidates calls try with every daemon p could match, once each.
func (idx *matchIndex) candidates(p *Process, text string, try func(j int)) {
	idx.suffix.each(text, try)
	idx.prefix.each(text, try)
	for _, j := range idx.name[p.Name] {
		try(j)
	}
	for _, j := range idx.rest {
		try(j)
	}
}

func (m *matcher) hasPatternOrProcess() bool { return m.hasPattern() || m.process != "" }

// Condition is what a pass found of a daemon's processes.
type Condition string

const (
	// Running: an instance runs and is not suspended.
	Running Condition = "running"
	// Stopped: no process of the daemon runs; --fix starts it.
	Stopped Condition = "stopped"
	// Orphaned: the daemon's main process is gone and processes it left
	// (workers holding its port) run on; --fix stops them, then starts it.
	Orphaned Condition = "orphaned"
	// Suspended: the main process is stopped by a signal; --fix leaves it
	// (a second copy beside it would fight for its port and files).
	Suspended Condition = "suspended"
	// Unknown: the pass may not see what it needs (an unreadable pidfile).
	Unknown Condition = "unknown"
	// Unhealthy: it runs, but its probe failed failures passes in a row;
	// the pass sets it from the probe, --fix restarts it.
	Unhealthy Condition = "unhealthy"
)

// Result is what one pass found of one daemon.
type Result struct {
	Name      string
	Condition Condition
	PID       int   // main PID: the top of the oldest instance
	PIDs      []int // the top PID of each instance, oldest first; for orphans, the orphans
	Instances int
	StartedAt time.Time // of the main PID; zero when unknown
	// TooMany is set when more instances run than max_instances allows.
	TooMany bool
	// DeadMain is the dead main process of an orphaned daemon, remembered
	// so that the next pass still knows its orphans.
	DeadMain int
	Message  string
	// Group is the daemon's control group when the kernel tracks it, as
	// people find it ("cgroup /sys/fs/cgroup/...", "scope cortex-x.scope";
	// "": none, its main process tree stands for it).
	Group string
	// Procs is how many processes it holds: its group's members, or its
	// main process's tree.
	Procs int
	// Members are those processes' PIDs, for the figures; Usage is what
	// they use, summed from the same read of the table.
	Members []int
	Usage   Usage
	// Unreadable is what this pass may not read to judge it, when that is
	// why it is unknown ("pidfile /run/x.pid: permission denied"): a pass
	// with more rights (root's timer) may, and an observer reports that
	// pass's verdict instead.
	Unreadable string
}

// Tracked says how the daemon's processes are known, for people.
func (r *Result) Tracked() string {
	if r.Group != "" {
		return r.Group
	}
	return "process tree"
}

// Running says whether the daemon runs.
func (r *Result) Running() bool { return r.Condition == Running }

// Clues are what a pass knows of the daemons besides the process table.
type Clues struct {
	// ReadPidfile reads a pidfile's first line; ReadPidfile in this
	// package is the real one.
	ReadPidfile func(path string) (Pidfile, error)
	// LastMain is each daemon's main PID as the previous pass recorded
	// it: processes left in its group after it died are orphans.
	LastMain map[string]int
	// Groups are the daemons' control groups, read once for the pass; nil
	// where the host keeps none.
	Groups map[string]Group
	// UserName names a uid in messages; nil: the number.
	UserName func(uid int) string
	// Creds reads a process's real and saved uids (check.Creds on
	// Linux), asked only of processes whose effective uid is a daemon's
	// user; nil: the effective uid alone decides.
	Creds func(pid int) (ruid, suid int, ok bool)
	// MatchBudget bounds the time free regexps may take over the whole
	// table (zero: no bound); the daemons of those cut short are unknown.
	MatchBudget time.Duration
	// Elsewhere says where a process's control group puts it when that is
	// not the daemon called name's: another daemon's group or scope
	// (where, not counted), or a systemd unit of its own (where, managed:
	// counted, the unit is its keeper). "": nowhere in particular. nil:
	// not asked.
	Elsewhere func(name string, pid int) (where string, managed bool)
}

// Group is a daemon's control group: how people find it ("cgroup PATH"
// or "scope UNIT") and the PIDs in it.
type Group struct {
	Path string
	PIDs []int
}

// judge decides whether d runs, from the processes scan found for it.
func (s *Snapshot) judge(d *Daemon, matches []*Process, clues Clues) Result {
	if d.UserErr != nil {
		return Result{Name: d.Name, Condition: Unknown, Message: escape.Line(d.UserErr.Error()) +
			": its processes cannot be told from others'; it is not started until the lookup works"}
	}
	if g, ok := clues.Groups[d.Name]; ok && s.anyAlive(g.PIDs) {
		return s.judgeGroup(d, matches, g, clues)
	}
	r := s.judgeTree(d, matches, clues)
	if r.Running() || r.Condition == Suspended {
		r.Members = s.MainTree(r.PID, d.UID)
		r.Procs = len(r.Members)
		r.Usage = s.usage(r.Members)
	}
	return r
}

// judgeTree judges a daemon without a control group: by its matches
// owned by its user, its main process standing for it.
func (s *Snapshot) judgeTree(d *Daemon, matches []*Process, clues Clues) Result {
	m := s.sortMatches(d, matches, clues)
	r := Result{Name: d.Name, Condition: Stopped}
	deadMain := map[int]bool{}
	if pid := clues.LastMain[d.Name]; pid > 0 && !s.alive(pid) {
		deadMain[pid] = true
	}
	if d.Pidfile != "" {
		s.judgeByPidfile(&r, d, m.alive, clues, deadMain)
	} else {
		s.judgeByMatches(&r, d, m, deadMain)
	}
	m.note(s, &r, d, clues)
	return r
}

// sortedMatches are a daemon's matches, sorted by whose they are.
type sortedMatches struct {
	alive, zombies []*Process
	foreign        []*Process // another user's: named, not counted
	others         []*Process // in another daemon's group: not counted
	keeper         string     // the systemd unit that keeps the alive ones
}

func (s *Snapshot) sortMatches(d *Daemon, matches []*Process, clues Clues) sortedMatches {
	var m sortedMatches
	for _, p := range matches {
		switch {
		case s.claimed[p.PID] != "":
			// In another daemon's group of this config: that one's.
		case !s.owns(d, p):
			if !p.Gone() {
				m.foreign = append(m.foreign, p)
			}
		case p.Gone():
			m.zombies = append(m.zombies, p)
		default:
			if clues.Elsewhere != nil {
				if where, managed := clues.Elsewhere(d.Name, p.PID); where != "" {
					if !managed {
						m.others = append(m.others, p)
						continue
					}
					m.keeper = where
				}
			}
			m.alive = append(m.alive, p)
		}
	}
	return m
}

// note adds what the verdict leaves out: matches of other users and other
// daemons' groups, for a daemon not found; the unit that keeps one found.
func (m sortedMatches) note(s *Snapshot, r *Result, d *Daemon, clues Clues) {
	if r.Condition == Stopped && len(m.foreign) > 0 {
		r.Message += s.foreignNote(d, m.foreign, clues)
	}
	if r.Condition == Stopped && len(m.others) > 0 {
		where, _ := clues.Elsewhere(d.Name, m.others[0].PID)
		r.Message += fmt.Sprintf("; PIDs %s match but are another daemon's (%s): not counted, never signalled", human.Ints(pidsOf(m.others)), where)
	}
	if m.keeper != "" && (r.Running() || r.Condition == Suspended) {
		r.Group = "managed by " + m.keeper
	}
}

// judgeByPidfile judges a daemon with a pidfile: the file names the main
// process, which its matcher (if any) must confirm.
func (s *Snapshot) judgeByPidfile(r *Result, d *Daemon, alive []*Process, clues Clues, deadMain map[int]bool) {
	pid, ok := s.readPidfile(d, alive, clues, r)
	if !ok {
		if pid > 0 && !s.alive(pid) {
			deadMain[pid] = true
		}
		s.findOrphans(r, d, alive, deadMain)
		if r.Condition == Stopped && len(alive) > 0 && d.match.hasPatternOrProcess() {
			// Its process and pattern find it running, the pidfile
			// does not: which is the daemon is unknown, and a second
			// copy must not be started beside what runs.
			r.Condition = Unknown
			r.PIDs = pidsOf(s.instanceRoots(alive))
			r.Message += fmt.Sprintf("; yet PIDs %s match: no second copy is started (restart it so that it rewrites its pidfile)", human.Ints(r.PIDs))
		}
		return
	}
	if !d.match.hasPatternOrProcess() {
		s.setRunning(r, d, []*Process{s.byPID[pid]})
		return
	}
	roots := s.instanceRoots(alive)
	// The pidfile's process leads: move its instance first.
	p := s.byPID[pid]
	for i, root := range roots {
		if root == p || slices.Contains(s.ancestors(p), root) {
			roots[0], roots[i] = roots[i], roots[0]
			break
		}
	}
	s.setRunning(r, d, roots)
}

// judgeByMatches judges a daemon found by its name or pattern alone.
func (s *Snapshot) judgeByMatches(r *Result, d *Daemon, m sortedMatches, deadMain map[int]bool) {
	if len(m.alive) == 0 {
		r.Message = "no process matches " + d.Describe()
		if len(m.zombies) > 0 {
			r.Message += fmt.Sprintf("; only zombie PID %d (exited, not yet reaped by its parent PID %d)", m.zombies[0].PID, m.zombies[0].PPID)
		}
		s.findOrphans(r, d, m.alive, deadMain)
		return
	}
	var live []*Process
	for _, root := range s.instanceRoots(m.alive) {
		if !s.orphan(root, deadMain) {
			live = append(live, root)
		}
	}
	if len(live) == 0 {
		s.findOrphans(r, d, m.alive, deadMain)
		return
	}
	s.setRunning(r, d, live)
}

// alive says whether pid is a live process in the snapshot.
func (s *Snapshot) alive(pid int) bool {
	p, ok := s.byPID[pid]
	return ok && !p.Gone()
}

// orphan says whether an instance root is left over from a dead main
// process: its process group's (or session's) leader is gone, and that
// leader was the daemon's main process, as the last pass or the pidfile
// knew it. A group whose leader merely exited is not enough: daemons that
// a start script launched with & and left are as alive as any. A daemon
// that left its group by setsid leads its own group and is never an
// orphan.
func (s *Snapshot) orphan(root *Process, deadMain map[int]bool) bool {
	if root.PGID == 0 || root.PGID == root.PID || s.alive(root.PGID) {
		return false
	}
	return deadMain[root.PGID] || deadMain[root.SID]
}

// owns says whether p is owned by the daemon's user.
func (s *Snapshot) owns(d *Daemon, p *Process) bool { return s.ownedBy(p, d.UID) }

// ownProcess says whether p could be a process of d's program: its user
// when d has one, and its process name, or else its whole matcher (nginx's
// workers have the master's name "nginx" but not its title).
func (s *Snapshot) ownProcess(d *Daemon, p *Process) bool {
	if !s.owns(d, p) {
		return false
	}
	if d.Process != "" {
		return processNameIs(p, d.Process)
	}
	return d.match.hasPatternOrProcess() && d.match.matches(p)
}

// findOrphans turns a stopped verdict into orphaned when processes are
// left from the daemon's dead main process: live members of its process
// group or session (nginx's workers, whatever the pattern says of them; the
// kernel reuses no PID while a group or session of that number lives), or
// matches of the daemon whose group leader is gone.
func (s *Snapshot) findOrphans(r *Result, d *Daemon, alive []*Process, deadMain map[int]bool) {
	if r.Condition != Stopped {
		return
	}
	o := orphans{snap: s, seen: map[int]bool{}}
	foreign := o.ofDeadMain(d, deadMain)
	if len(foreign) > 0 {
		defer func() {
			r.Message += fmt.Sprintf("; PIDs %s, left in its dead main process's group, run as another user than the daemon's: never signalled (if they are its workers, stop them by hand; daemons that cortex-check starts are tracked by their control group instead)",
				human.Ints(foreign))
		}()
	}
	for _, root := range s.instanceRoots(alive) {
		if s.orphan(root, deadMain) {
			o.add(root)
		}
	}
	if len(o.procs) == 0 {
		return
	}
	// Their trees' tops, so that a worker's own children are not listed.
	found := s.instanceRoots(o.procs)
	slices.SortFunc(found, func(a, b *Process) int { return a.PID - b.PID })
	r.Condition = Orphaned
	r.DeadMain = found[0].PGID
	if !deadMain[r.DeadMain] && deadMain[found[0].SID] {
		r.DeadMain = found[0].SID
	}
	r.PIDs = make([]int, len(found))
	for i, p := range found {
		r.PIDs[i] = p.PID
	}
	r.Message = fmt.Sprintf("main process PID %d is gone; %d orphaned process(es) of it run on (PIDs %s): --fix stops them, then starts %s",
		r.DeadMain, len(found), human.Ints(r.PIDs), d.Name)
}

// orphans collects a stopped daemon's orphans, each once.
type orphans struct {
	snap  *Snapshot
	seen  map[int]bool
	procs []*Process
}

// add takes p unless it is gone, set aside, PID 1 or a kernel thread.
func (o *orphans) add(p *Process) {
	s := o.snap
	if !o.seen[p.PID] && !p.Gone() && !s.ignored[p.PID] && !s.selfLine[p.PID] && p.PID != 1 && !p.kernelThread() {
		o.seen[p.PID] = true
		o.procs = append(o.procs, p)
	}
}

// ofDeadMain adds the members of a dead main process's group or session
// that are the daemon's own program and user. A dead main PID is a clue
// (a pidfile the daemon's account writes may name anything), never a
// licence to kill: the members of another user that carry the daemon's
// process name are returned, to be named and never signalled.
func (o *orphans) ofDeadMain(d *Daemon, deadMain map[int]bool) (foreign []int) {
	s := o.snap
	if len(deadMain) == 0 {
		return nil
	}
	for i := range s.Procs {
		p := &s.Procs[i]
		if !deadMain[p.PGID] && !deadMain[p.SID] || p.Gone() {
			continue
		}
		switch {
		case s.ownProcess(d, p):
			o.add(p)
		case !s.owns(d, p) && processNameIs(p, d.Process):
			foreign = append(foreign, p.PID)
		}
	}
	return foreign
}

func (s *Snapshot) setRunning(r *Result, d *Daemon, roots []*Process) {
	r.Condition = Running
	r.Instances = len(roots)
	r.PID = roots[0].PID
	r.StartedAt = roots[0].StartTime
	r.PIDs = make([]int, len(roots))
	for i, p := range roots {
		r.PIDs[i] = p.PID
	}
	if main := roots[0]; main.Suspended() {
		r.Condition = Suspended
		r.Message = fmt.Sprintf("PID %d is suspended (state %c, stopped by a signal or a debugger): it runs no code; resume it with kill -CONT %d", main.PID, main.State, main.PID)
		return
	}
	if TooMany(r.Instances, d.MaxInstances) {
		r.TooMany = true
		r.Message = fmt.Sprintf("%d instances run, max_instances is %d: stop the extra ones (PIDs %s)",
			r.Instances, d.MaxInstances, human.Ints(r.PIDs[d.MaxInstances:]))
	}
}

// readPidfile reads d's pidfile and says whether the PID in it is the
// daemon; when it is not, it sets r's condition and message and returns
// the PID it named (0 when none).
func (s *Snapshot) readPidfile(d *Daemon, alive []*Process, clues Clues, r *Result) (int, bool) {
	pf, err := clues.ReadPidfile(d.Pidfile)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		r.Message = fmt.Sprintf("pidfile %s does not exist", d.Pidfile)
		return 0, false
	case errors.Is(err, fs.ErrPermission):
		// Not readable for this user, or refused (a FIFO, a planted
		// link): the pass cannot tell, so it does not say stopped.
		r.Condition = Unknown
		r.Message = escape.Line(err.Error())
		if !strings.Contains(r.Message, d.Pidfile) {
			r.Message = fmt.Sprintf("cannot read pidfile %s: %s", d.Pidfile, r.Message)
		}
		if errors.Is(err, syscall.EACCES) { // not this user's to read; a refused file is no one's
			r.Unreadable = "pidfile " + d.Pidfile + ": permission denied"
		}
		return 0, false
	case err != nil:
		// Empty, or not a number: the daemon is not (yet) there. What
		// the file holds is never shown: root may have read it for
		// someone who could not.
		r.Message = escape.Line(err.Error())
		return 0, false
	}
	pid, ok := parsePID(pf.FirstLine)
	if !ok {
		r.Message = fmt.Sprintf("pidfile %s holds no PID: its first line is not a number", d.Pidfile)
		return 0, false
	}
	p, found := s.byPID[pid]
	switch {
	case !found || p.Gone():
		r.Message = fmt.Sprintf("pidfile %s names PID %d, which is not running (stale pidfile)", d.Pidfile, pid)
		return pid, false
	case pid == 1 || p.kernelThread() || s.ignored[pid] || s.selfLine[pid]:
		r.Message = fmt.Sprintf("pidfile %s names PID %d, which is %s, never a daemon (stale pidfile)", d.Pidfile, pid, escape.Truncate(escape.Line(p.matchText()), 80))
		return 0, false
	case !s.owns(d, p):
		// The daemon's account writes its pidfile and may name any
		// process: only one of the daemon's own user counts.
		r.Message = fmt.Sprintf("pidfile %s names PID %d, a process of %s, not of the daemon's user %s: not counted, never signalled",
			d.Pidfile, pid, userName(clues, p.UID), userName(clues, d.UID))
		return 0, false
	}
	if !d.match.hasPatternOrProcess() {
		// Nothing confirms the process but the file: a process that
		// started after the file was last written did not write it. The
		// start time is known to a second (the boot time's precision).
		if !p.StartTime.IsZero() && p.StartTime.After(pf.ModTime.Add(time.Second)) {
			r.Message = fmt.Sprintf("pidfile %s names PID %d, now %s (started after the pidfile was written: PID reused)",
				d.Pidfile, pid, escape.Truncate(escape.Line(p.matchText()), 200))
			return 0, false
		}
		return pid, true
	}
	if !slices.Contains(alive, p) {
		r.Message = fmt.Sprintf("pidfile %s names PID %d, which runs %q and does not match %s (stale pidfile, PID reused)",
			d.Pidfile, pid, escape.Truncate(p.matchText(), 80), d.Describe())
		return 0, false
	}
	return pid, true
}

// instanceRoots groups matches into process trees: a match with a matching
// ancestor belongs to that ancestor's instance (bash subshells, a server's
// workers). It returns the top of each tree, oldest first.
func (s *Snapshot) instanceRoots(matches []*Process) []*Process {
	set := make(map[int]bool, len(matches))
	for _, p := range matches {
		set[p.PID] = true
	}
	// under[pid] says whether a process has a matching ancestor, each
	// process answered once: the cost stays linear in the depth of the
	// trees (a 4,000-deep chain of matches is 4,000 steps, not 8 million).
	under := make(map[int]bool, len(matches))
	var path []*Process
	var roots []*Process
	for _, p := range matches {
		path = path[:0]
		answer := false
		for q := p; ; {
			parent, ok := s.byPID[q.PPID]
			if !ok || parent == q {
				break
			}
			if v, known := under[parent.PID]; known {
				answer = v || set[parent.PID]
				break
			}
			path = append(path, parent)
			if set[parent.PID] {
				answer = true
				break
			}
			if len(path) > len(s.Procs) { // a cycle in a lying table
				break
			}
			q = parent
		}
		// Every process on the way shares the answer, save the
		// matching ancestor itself, whose own answer is not known yet.
		for _, q := range path {
			if !set[q.PID] {
				under[q.PID] = answer
			}
		}
		under[p.PID] = answer
		if !answer {
			roots = append(roots, p)
		}
	}
	slices.SortStableFunc(roots, func(a, b *Process) int {
		if c := a.StartTime.Compare(b.StartTime); c != 0 {
			return c
		}
		return a.PID - b.PID
	})
	return roots
}

// ReadFileFunc reads a file; the pass passes os.ReadFile, tests a map.
type ReadFileFunc func(path string) ([]byte, error)

// TooMany is the max_instances rule: more instances than allowed, where a
// limit is set (0 means none).
func TooMany(instances, maxInstances int) bool {
	return maxInstances > 0 && instances > maxInstances
}

// Describe says how the daemon is found, for messages and validate.
func (d *Daemon) Describe() string {
	var parts []string
	if d.Pattern != "" {
		parts = append(parts, "pattern "+tomlQuote(d.Pattern))
	}
	if d.Process != "" {
		parts = append(parts, "process "+tomlQuote(d.Process))
	}
	if len(parts) == 0 {
		return fmt.Sprintf("pidfile %s", d.Pidfile)
	}
	return strings.Join(parts, " and ")
}

// tomlQuote writes s as it stands in cortex.toml: a literal string in single
// quotes where it can be, so a regexp's backslashes are not doubled.
func tomlQuote(s string) string {
	if strings.ContainsAny(s, "'\n") {
		return strconv.Quote(s)
	}
	return "'" + s + "'"
}

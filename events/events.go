// Package events turns what a writer pass changed into events: one per
// change of a daemon's state or action, never one per pass. The events
// file keeps them, one JSON line each; the notifiers send them. It compares
// the status file the pass found with the one it wrote, so a pass that
// changed nothing has no events.
package events

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/cortex/cortex-check/check"
	"github.com/cortex/cortex-check/escape"
	"github.com/cortex/cortex-check/human"
	"github.com/cortex/cortex-check/report"
	"github.com/cortex/cortex-check/trust"
)

// The events. Down, Unhealthy, Restarted, Failed, HeldBack, Recovered and
// Stale are those a notifier may hear (check.NotifyEvents); Held,
// Released and Unknown go to the events file only.
const (
	Down      = "down"      // it was found not running (stopped, orphaned, suspended)
	Unhealthy = "unhealthy" // its probe failed failures passes in a row
	Restarted = "restarted" // a start brought it back
	Failed    = "failed"    // a start was tried and failed
	HeldBack  = "held_back" // restarts held back: the flap guard, or a dependency down
	Recovered = "recovered" // it runs again, and no pass had to restart it this time
	Stale     = "stale"     // no writer pass ran for three intervals before this one
	Held      = "held"      // a person holds it (stop, hold)
	Released  = "released"  // a person's hold ended
	Unknown   = "unknown"   // the pass could not see it
)

// MaxFile is the size at which the events file is rotated to one .1.
const MaxFile = 1 << 20

// Event is one change, as a line of the events file and an item of a
// notifier's batch.
type Event struct {
	Time   time.Time `json:"time"`
	Host   string    `json:"host"`
	Daemon string    `json:"daemon,omitempty"` // "" for the host (stale)
	Event  string    `json:"event"`
	From   string    `json:"from,omitempty"` // its status before (running, stopped, ...)
	To     string    `json:"to,omitempty"`   // and after
	State  string    `json:"state,omitempty"`
	Reason string    `json:"reason,omitempty"`
	// PIDBefore is the main PID it had (the dead one, for down), PIDAfter
	// the one it has.
	PIDBefore int `json:"pid_before,omitempty"`
	PIDAfter  int `json:"pid_after,omitempty"`
	// RanSeconds is how long it had run when a pass last saw it running,
	// from the previous status file's started_at: it died after that.
	RanSeconds *int64 `json:"ran_seconds,omitempty"`
	// Result is the restart's outcome: restarted, restart_failed or
	// held_back.
	Result string `json:"result,omitempty"`
	// ReadySeconds is how long a restarted daemon took to be ready (its
	// probe passed) or to come up.
	ReadySeconds *float64 `json:"ready_seconds,omitempty"`
	Log          string   `json:"log,omitempty"` // where its output goes
	// By is the person whose verb made the change (a start, a hold);
	// notifiers are not told of what a person did.
	By string `json:"by,omitempty"`
	// Reminder marks a notifier's reminder that a daemon is still in
	// trouble; it is never in the events file.
	Reminder bool `json:"reminder,omitempty"`
}

// Pass is what Diff compares: the status file a pass found, the daemons
// as it judged them before acting, and the status it wrote.
type Pass struct {
	Config *check.Config
	Prev   *report.Status // nil: no status file before
	Judged map[string]report.Daemon
	Status *report.Status
	Now    time.Time
	By     string // the person whose verb the pass ran; "" for the timer's
}

// Diff lists the changes of one pass: a stale gap first, then each
// judged daemon's, in config order.
func Diff(p Pass) []Event {
	now := p.Now.UTC().Truncate(time.Second)
	var out []Event
	if prev := p.Prev; prev != nil && !prev.CheckedAt.IsZero() && p.Status.CheckedAt.Sub(prev.CheckedAt) > 3*p.Config.Interval {
		gap := p.Status.CheckedAt.Sub(prev.CheckedAt)
		out = append(out, Event{Time: now, Host: p.Status.Host, Event: Stale,
			Reason: fmt.Sprintf("no writer pass for %s, since %s (interval %s): the timer or cron job was not running, and nothing watched the daemons meanwhile",
				human.Age(gap), prev.CheckedAt.UTC().Format(time.RFC3339), p.Config.Interval)})
	}
	for _, d := range p.Config.Daemons {
		c := p.Status.Daemons[d.Name]
		if c == nil || !c.Checked {
			continue // --only left it out: nothing was seen
		}
		var prev *report.Daemon
		var prevAt time.Time
		if p.Prev != nil {
			prev, prevAt = p.Prev.Daemons[d.Name], p.Prev.CheckedAt
		}
		judged, ok := p.Judged[d.Name]
		if !ok {
			judged = *c
		}
		base := Event{Time: now, Host: p.Status.Host, Daemon: d.Name, State: c.State.String(), By: p.By}
		if len(d.Start) > 0 {
			base.Log = filepath.Join(p.Config.LogDir, d.Name+".log")
		}
		out = append(out, daemonEvents(base, prev, prevAt, &judged, c, p.Status.CheckedAt, p.Config.RestartWarning)...)
	}
	return out
}

// Phase is where a status entry stands at a pass's time, for comparing two
// passes: a person's hold, unknown, a trouble (Down, Unhealthy, Failed,
// HeldBack), Restarted (restarted less than restartWarning ago, while every
// pass still says WARNING), or fine ("ok"); "" for no entry.
func Phase(d *report.Daemon, at time.Time, restartWarning time.Duration) string {
	switch {
	case d == nil:
		return ""
	case d.Hold.Active(at):
		return Held
	case d.Status == check.Unknown:
		return Unknown
	}
	if t := Trouble(d); t != "" {
		return t
	}
	if d.Action == report.ActionRestarted || d.RecentRestart(at, restartWarning) {
		return Restarted
	}
	return "ok"
}

// Trouble says what is wrong with a daemon that is not held and not
// unknown: HeldBack, Failed, Unhealthy or Down; "" when it runs.
func Trouble(d *report.Daemon) string {
	switch {
	case d.Running():
		return ""
	case d.Action == report.ActionHeldBack || d.HeldBack != nil:
		return HeldBack
	case d.Action == report.ActionRestartFailed:
		return Failed
	case d.Status == check.Unhealthy:
		return Unhealthy
	case d.Status == check.Unknown:
		return ""
	}
	return Down
}

// InTrouble says whether a phase is one of the troubles.
func InTrouble(phase string) bool {
	return phase == Down || phase == Unhealthy || phase == Failed || phase == HeldBack
}

// daemonEvents compares one daemon's entry in the last status file (prev,
// written at prevAt) with what this pass judged and then did (c, at now).
func daemonEvents(base Event, prev *report.Daemon, prevAt time.Time, judged, c *report.Daemon, now time.Time, restartWarning time.Duration) []Event {
	ch := &change{base: base, prev: prev, judged: judged, c: c, now: now, restartWarning: restartWarning,
		was: Phase(prev, prevAt, restartWarning)}
	if prev != nil {
		ch.prevStatus = string(prev.Status)
		ch.prevPID = pidOf(prev)
	}
	if ch.held() || ch.unknown() {
		return ch.out
	}
	ch.found()
	if !ch.acted() {
		ch.recovered()
	}
	return ch.out
}

// change is one daemon's change between two passes, and the events it
// makes.
type change struct {
	base           Event
	prev           *report.Daemon // the last status file's entry; nil: none
	judged, c      *report.Daemon // as this pass judged it, and after it acted
	now            time.Time
	restartWarning time.Duration
	was            string // prev's Phase
	prevStatus     string
	prevPID        int
	out            []Event
}

func (ch *change) add(kind string, fill func(e *Event)) {
	e := ch.base
	e.Event = kind
	fill(&e)
	e.Reason = escape.Line(e.Reason)
	ch.out = append(ch.out, e)
}

func pidOf(d *report.Daemon) int {
	if d.PID != nil {
		return *d.PID
	}
	return 0
}

// held makes a person's hold and release events; it says whether the
// daemon is held, whose events are then that person's alone.
func (ch *change) held() bool {
	c := ch.c
	held := c.Hold.Active(ch.now)
	switch {
	case held && ch.was != Held:
		ch.add(Held, func(e *Event) {
			e.From, e.To, e.PIDBefore, e.PIDAfter, e.Reason = ch.prevStatus, string(c.Status), ch.prevPID, pidOf(c), c.Hold.Describe()
		})
	case !held && ch.was == Held:
		ch.add(Released, func(e *Event) { e.From, e.To, e.PIDAfter = ch.prevStatus, string(ch.judged.Status), pidOf(c) })
	}
	return held
}

// unknown makes the event of a daemon the pass could not see; it says
// whether it is unknown, with nothing more to say.
func (ch *change) unknown() bool {
	c := ch.c
	if c.Status != check.Unknown {
		return false
	}
	if ch.was != Unknown {
		ch.add(Unknown, func(e *Event) {
			e.From, e.To, e.PIDBefore, e.Reason = ch.prevStatus, string(c.Status), ch.prevPID, c.Message
		})
	}
	return true
}

// found makes the event of a daemon found in trouble: a change when it
// was fine before, or when its status changed (unhealthy, then stopped).
// One a person held when the pass judged it (start, release) is down by
// their doing.
func (ch *change) found() {
	judged, prev := ch.judged, ch.prev
	bad := judged.Status != check.Running && judged.Status != check.Unknown && !judged.Hold.Active(ch.now)
	if !bad || InTrouble(ch.was) && ch.prevStatus == string(judged.Status) {
		return
	}
	kind := Down
	if judged.Status == check.Unhealthy {
		kind = Unhealthy
	}
	ch.add(kind, func(e *Event) {
		e.From, e.To, e.Reason = ch.prevStatus, string(judged.Status), judged.Message
		e.PIDBefore = ch.prevPID
		if kind == Unhealthy {
			e.PIDBefore = pidOf(judged)
		}
		if prev != nil && prev.Running() && prev.StartedAt != nil && kind == Down {
			ran := int64(max(prev.CheckedAt.Sub(*prev.StartedAt), 0) / time.Second)
			e.RanSeconds = &ran
		}
	})
}

// acted makes the event of what the pass did about it; it says whether
// the pass acted.
func (ch *change) acted() bool {
	judged, c := ch.judged, ch.c
	result := func(e *Event) {
		e.From, e.To, e.Result, e.Reason = string(judged.Status), string(c.Status), string(c.Action), c.Message
	}
	switch c.Action {
	case report.ActionRestarted:
		ch.add(Restarted, func(e *Event) {
			result(e)
			e.PIDBefore, e.PIDAfter = pidOf(judged), pidOf(c)
			if e.PIDBefore == 0 && judged.Status != check.Running {
				e.PIDBefore = ch.prevPID
			}
			e.ReadySeconds = readiness(c.Message)
		})
	case report.ActionRestartFailed:
		ch.add(Failed, result)
	case report.ActionHeldBack:
		if ch.was != HeldBack {
			ch.add(HeldBack, result)
		}
	default:
		return false
	}
	return true
}

// recovered makes the event of a daemon running again, and not restarted
// less than restart_warning ago: the trouble is over, as a monitoring
// system's RECOVERY would say once the restart's WARNING ends; a daemon
// that dies again within it is still in the same episode.
func (ch *change) recovered() {
	c, was := ch.c, ch.was
	if Phase(c, ch.now, ch.restartWarning) != "ok" || !(InTrouble(was) || was == Restarted || was == Unknown) {
		return
	}
	ch.add(Recovered, func(e *Event) {
		e.From, e.To, e.PIDAfter = ch.prevStatus, string(c.Status), pidOf(c)
		switch {
		case was == Restarted:
			e.Reason = fmt.Sprintf("its restart held for restart_warning (%s)", human.Duration(ch.restartWarning))
		case was == Unknown:
			e.Reason = "seen running again"
		default:
			e.Reason = "running again without a restart by cortex-check"
		}
		if c.UptimeSeconds != nil {
			e.Reason += fmt.Sprintf(", up %s", human.Age(time.Duration(*c.UptimeSeconds)*time.Second))
		}
	})
}

// readyRE finds the readiness time in a restart's message: "restarted, PID
// 4330 (ready in 310ms)" or "(came up in 9ms, still running 1s later)".
var readyRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\((?:ready|came up) in ([0-9][0-9.]*[a-zµ]+)`) })

func readiness(msg string) *float64 {
	m := readyRE().FindStringSubmatch(msg)
	if m == nil {
		return nil
	}
	d, err := time.ParseDuration(m[1])
	if err != nil {
		return nil
	}
	s := d.Seconds()
	return &s
}

// Text is an event on one line, for cortex-check events and the restart
// log's reader: time, daemon, event, then what changed and why.
func (e Event) Text() string {
	var b strings.Builder
	b.WriteString(e.Time.Local().Format(time.RFC3339))
	b.WriteByte(' ')
	if e.Daemon != "" {
		b.WriteString(e.Daemon + ": ")
	}
	b.WriteString(e.Event)
	if e.From != "" || e.To != "" {
		fmt.Fprintf(&b, " (%s -> %s)", or(e.From, "new"), or(e.To, "?"))
	}
	switch {
	case e.PIDBefore > 0 && e.PIDAfter > 0 && e.PIDBefore != e.PIDAfter:
		fmt.Fprintf(&b, ", PID %d -> %d", e.PIDBefore, e.PIDAfter)
	case e.PIDAfter > 0:
		fmt.Fprintf(&b, ", PID %d", e.PIDAfter)
	case e.PIDBefore > 0:
		fmt.Fprintf(&b, ", PID %d", e.PIDBefore)
	}
	if e.RanSeconds != nil {
		fmt.Fprintf(&b, ", had run %s", human.Age(time.Duration(*e.RanSeconds)*time.Second))
	}
	if e.ReadySeconds != nil {
		fmt.Fprintf(&b, ", ready in %s", shortSeconds(*e.ReadySeconds))
	}
	if e.Reason != "" {
		b.WriteString(" - " + e.Reason)
	}
	if e.Log != "" && (e.Event == Failed || e.Event == Down || e.Event == HeldBack) {
		b.WriteString("; its log: " + e.Log)
	}
	return escape.Line(b.String())
}

func shortSeconds(s float64) string {
	return time.Duration(s * float64(time.Second)).Round(time.Millisecond).String()
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// Append adds events to the events file, one JSON line each, written at
// once. The file is opened as the restart log is (trust.OpenAppendKind:
// no link followed at its name, only a regular file of one link, in a
// folder only root or the pass's user may write, created 0640 for the
// caller). When the lines would take it past limit, it is first renamed
// to path.1 (replacing the one before), so that the two never hold more
// than twice limit.
func Append(path string, evs []Event, limit int64) error {
	if len(evs) == 0 {
		return nil
	}
	var buf bytes.Buffer
	for _, e := range evs {
		line, err := json.Marshal(e)
		if err != nil {
			return err
		}
		buf.Write(line)
		buf.WriteByte('\n')
	}
	f, err := trust.OpenAppendKind(path, trust.Caller(), "events file")
	if err != nil {
		return err
	}
	if fi, err := f.Stat(); err == nil && fi.Size() > 0 && fi.Size()+int64(buf.Len()) > limit {
		f.Close()
		// The folder was just judged: only root or the pass's user may
		// write it, so neither name can be swapped in between; a rename
		// follows no link at either name.
		if err := os.Rename(path, path+".1"); err != nil {
			return fmt.Errorf("events file %s: rotate: %w", path, err)
		}
		if f, err = trust.OpenAppendKind(path, trust.Caller(), "events file"); err != nil {
			return err
		}
	}
	_, err = f.Write(buf.Bytes())
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// Read reads the events of path.1 and path, oldest first, under the rule
// the pass writes them by (trust.ReadState): a file or link others could
// have planted is refused, not believed. Missing files are no error.
// Lines that do not parse are skipped and counted.
func Read(path string, uid int) (evs []Event, skipped int, err error) {
	for _, p := range []string{path + ".1", path} {
		cf, err := trust.ReadState(p, uid, "events file")
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, 0, err
		}
		if cf.Untrusted != nil {
			return nil, 0, fmt.Errorf("events file %s not read: %w", p, cf.Untrusted)
		}
		sc := bufio.NewScanner(bytes.NewReader(cf.Data))
		sc.Buffer(make([]byte, 64<<10), trust.MaxConfig)
		for sc.Scan() {
			if len(bytes.TrimSpace(sc.Bytes())) == 0 {
				continue
			}
			var e Event
			if json.Unmarshal(sc.Bytes(), &e) != nil || e.Event == "" {
				skipped++
				continue
			}
			evs = append(evs, e)
		}
	}
	return evs, skipped, nil
}

// Package report turns a pass's findings into what other programs and people
// read: the JSON status file, the Nagios plugin output, a table. It prints
// nothing itself; it returns bytes and strings for main to put somewhere.
package report

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"time"

	"github.com/cortex/cortex-check/check"
	"github.com/cortex/cortex-check/human"
	"github.com/cortex/cortex-check/probe"
)

// State is a Nagios plugin state; its value is the exit code.
type State int

const (
	OK State = iota
	Warning
	Critical
	Unknown
)

func (s State) String() string {
	switch s {
	case OK:
		return "OK"
	case Warning:
		return "WARNING"
	case Critical:
		return "CRITICAL"
	}
	return "UNKNOWN"
}

// MarshalText writes the state by name in the status file.
func (s State) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a state written by MarshalText.
func (s *State) UnmarshalText(b []byte) error {
	for _, c := range []State{OK, Warning, Critical, Unknown} {
		if string(b) == c.String() {
			*s = c
			return nil
		}
	}
	return fmt.Errorf("unknown state %q", b)
}

// severity orders states the way Nagios combines them:
// CRITICAL > UNKNOWN > WARNING > OK.
func (s State) severity() int {
	return [...]int{OK: 0, Warning: 1, Unknown: 2, Critical: 3}[s]
}

// Worse returns the more severe of two states.
func Worse(a, b State) State {
	if b.severity() > a.severity() {
		return b
	}
	return a
}

// Condition is what a pass saw of a daemon's processes: the status file's
// "status" field.
type Condition = check.Condition

const (
	Running   = check.Running
	Stopped   = check.Stopped
	Orphaned  = check.Orphaned
	Suspended = check.Suspended
	Unhealthy = check.Unhealthy
)

// Action is what a pass did about a daemon: the status file's "action" field.
type Action string

const (
	ActionNone          Action = "none"
	ActionRestarted     Action = "restarted"
	ActionRestartFailed Action = "restart_failed"
	ActionHeldBack      Action = "held_back"
	ActionWouldRestart  Action = "would_restart"
)

// Outcome is what a --fix pass did about one daemon that was down.
type Outcome struct {
	Name    string
	Action  Action
	Message string
	// Found is the daemon as the re-check found it after a restart.
	Found check.Result
	// Attempted says a start was tried; it counts against the flap guard.
	Attempted bool
	// Restarts is the daemon's restart history within its window, this
	// pass's attempt included, oldest first.
	Restarts []time.Time
	// By is the person whose verb started it; "" for --fix.
	By string
	// FlapGuard says the held-back action is the flap guard's (not a
	// dependency down or a pass out of time): it stays until released.
	FlapGuard bool
	// Unready says the new instance runs and held start_secs, but its
	// probe never passed within start_timeout (ProbeErr says how): it
	// was left running, and Found is it. ProbeSuspect says the probe
	// failed the same way against the old instance: held back.
	Unready      bool
	ProbeSuspect bool
	ProbeErr     string
	// ProbeFailures is the probe's failures: an unready instance counts
	// as that many failures, unhealthy until its probe passes. ProbeKind
	// is the probe's kind.
	ProbeFailures int
	ProbeKind     string
	// Starting says the start was left running at the pass's deadline,
	// still inside its start_timeout.
	Starting bool
	// Healed is why the running instance it replaced was stopped (a
	// heal: "unhealthy (...)"), once it was: a start that then fails
	// leaves the daemon down, and its line says both.
	Healed string
}

// Status is the status file: the dashboard's one source of truth.
type Status struct {
	CheckedAt time.Time `json:"checked_at"`
	// TimerAt is when the last pass that was not a person's verb wrote
	// the file: a verb run while the timer is dead writes the file too,
	// and must not make a stopped timer look alive.
	TimerAt time.Time `json:"timer_checked_at,omitzero"`
	Host    string    `json:"host"`
	// Config is the absolute path of the config whose pass wrote the
	// file: a pass of another config refuses to overwrite it.
	Config     string             `json:"config,omitempty"`
	Version    string             `json:"version"`
	State      State              `json:"state"`
	ExitCode   int                `json:"exit_code"`
	Summary    string             `json:"summary"`
	DurationMS int64              `json:"duration_ms"`
	Daemons    map[string]*Daemon `json:"daemons"`
	// Writer is the user whose pass wrote the file ("root"): an observer
	// that reports its verdict for a daemon says whose it is.
	Writer string `json:"writer,omitempty"`
	// Notify is what each [[notify]] target still owes and what it has
	// told, by target key (see notify): kept from pass to pass.
	Notify map[string]*Notifier `json:"notify,omitempty"`

	order          []string      // config order, for renderings; JSON maps have none
	restartWarning time.Duration // how long a restart makes a daemon WARNING
	now            time.Time     // when the renderings are read: the pass's time, or a reader's
	head           string        // the summary's count, set by Finish
	findings       []finding     // the summary's clauses, worst first
}

// Daemon is one daemon's entry in the status file.
type Daemon struct {
	Status       Condition `json:"status"`
	State        State     `json:"state"`
	Checked      bool      `json:"checked"` // false: --only left it out; the entry is from an earlier pass
	CheckedAt    time.Time `json:"checked_at"`
	PID          *int      `json:"pid"`
	PIDs         []int     `json:"pids"`
	Instances    int       `json:"instances"`
	MaxInstances int       `json:"max_instances,omitempty"`
	// Tracked says how its processes are known: "cgroup <path>", its
	// own control group, or "process tree", its main process and that
	// process's descendants owned by its user.
	Tracked string `json:"tracked,omitempty"`
	// Processes is how many processes it holds: its group's members, or
	// its main process's tree.
	Processes     int        `json:"processes"`
	StartedAt     *time.Time `json:"started_at"`
	UptimeSeconds *int64     `json:"uptime_seconds"`
	Message       string     `json:"message"`
	Action        Action     `json:"action"`
	// History is what the restarts left, carried from pass to pass.
	History
	// DeadMain is an orphaned daemon's dead main PID, whose group's
	// members are its orphans.
	DeadMain int `json:"dead_main,omitempty"`
	// Probe is the health probe's last result, for a daemon with one.
	Probe *Probe `json:"probe,omitempty"`
	// Hold is set while a person holds the daemon (cortex-check hold or
	// stop): --fix neither starts nor restarts it, and it is WARNING.
	Hold *Hold `json:"hold,omitempty"`
	// Figures are what it uses, while it runs.
	Figures *Figures `json:"figures,omitempty"`
	// Limits are the runs of passes its figures have been over their
	// limits ("memory", "cpu").
	Limits map[string]*LimitCount `json:"limits,omitempty"`
	// Warnings are why it is WARNING though it runs and works: a limit
	// held for its passes, a change since it started, a report-only
	// probe at its failures.
	Warnings []Concern `json:"warnings,omitempty"`
	// Heal is why --fix is to restart it though it runs (a limit with
	// on_limit = "restart", a change with on_change = "restart"); the
	// restart log says it.
	Heal string `json:"heal,omitempty"`
	// Seen is set when an observer reports a writer's verdict for the
	// daemon, or for its health, because it may not judge that itself (a
	// pidfile it may not read, an exec probe it may not run as the
	// daemon's user): whose verdict, when, and why.
	Seen *Seen `json:"seen,omitempty"`
}

// History is a daemon's restart history and the notes its restarts
// left: every pass carries it whole from the last, whatever it finds now.
type History struct {
	Restarts      []time.Time `json:"restarts"` // recent restart attempts, oldest first
	RestartsTotal int         `json:"restarts_total"`
	// LastRestart is the last successful restart by --fix and why it was
	// needed: for restart_warning after it, every pass says WARNING, so a
	// restart reaches a person even when the next check finds it running.
	LastRestart *Note `json:"last_restart,omitempty"`
	// HeldBack is set while the flap guard holds the daemon's restarts
	// back: since when, and the failure that led there.
	HeldBack *Note `json:"held_back,omitempty"`
	// LastFailure is the last failed start and why, kept until a start
	// succeeds: the held-back message says it on every pass.
	LastFailure *Note `json:"last_failure,omitempty"`
	// ProbeSuspect is set when its probe failed the same way against
	// the old instance and the new one a heal started: the probe, not
	// the daemon, is likely wrong, and --fix does not heal it again
	// until the probe passes or --force.
	ProbeSuspect *Note `json:"probe_suspect,omitempty"`
	// Starting is set while a start left running at a pass's deadline
	// is still inside its start_timeout (and start_secs): when it began.
	// --fix neither stops nor starts the daemon again until it runs or
	// that time has passed.
	Starting *Note `json:"starting,omitempty"`
}

// Seen is a writer's verdict an observer reports as its own.
type Seen struct {
	By  string    `json:"by"`  // the writer's user ("" when its file does not say)
	At  time.Time `json:"at"`  // when the writer judged it
	Why string    `json:"why"` // what the observer may not do: "pidfile /x: permission denied"
}

// Label says whose verdict it is and how old, at now: "as root's pass saw
// it 40s ago".
func (s *Seen) Label(now time.Time) string { return "as " + s.Saw(now, "") }

// Saw says what the writer's pass saw and how long ago, at now: "root's
// pass saw it running 40s ago".
func (s *Seen) Saw(now time.Time, what string) string {
	who := "the timer's"
	if s.By != "" {
		who = s.By + "'s"
	}
	if what != "" {
		what += " "
	}
	return fmt.Sprintf("%s pass saw it %s%s ago", who, what, human.Age(max(now.Sub(s.At), 0)))
}

// Probe is a daemon's health as its probe found it.
type Probe struct {
	Kind    string        `json:"kind"`   // http, tcp, exec or heartbeat
	Result  probe.Verdict `json:"result"` // healthy, failing, unhealthy or starting
	At      time.Time     `json:"at"`
	Latency float64       `json:"latency_seconds"`
	Error   string        `json:"error,omitempty"`
	// Count is the run of failing passes a writer counted; it resets on
	// success and lives here from one pass to the next.
	probe.Count
	// Counted is when a writer last moved the count: it moves at most once
	// per half an interval.
	Counted time.Time `json:"counted_at,omitzero"`
}

// Notifier is one notify target's memory between passes.
type Notifier struct {
	Target string `json:"target"` // as shown: its URL's secrets redacted
	// Pending are the events not delivered yet, oldest first: sent with
	// the next pass's.
	Pending []json.RawMessage `json:"pending,omitempty"`
	// Dropped counts pending events dropped, oldest first, past the bound.
	Dropped   int        `json:"dropped,omitempty"`
	LastSent  *time.Time `json:"last_sent,omitempty"`
	LastError string     `json:"last_error,omitempty"`
	// Told is, for each daemon in trouble, what the target was told of
	// it in this episode and when last: each event once, then reminders.
	Told map[string]*Told `json:"told,omitempty"`
}

// Told is what a target heard of one daemon's episode of trouble.
type Told struct {
	Events []string  `json:"events"`
	At     time.Time `json:"at"`
}

// Hold is a person's word that a daemon is to be left alone.
type Hold struct {
	By     string     `json:"by"` // the user, as cortex-check saw them
	Reason string     `json:"reason,omitempty"`
	Since  time.Time  `json:"since"`
	Until  *time.Time `json:"until,omitempty"` // nil: until released
}

// Active says whether the hold still holds at now: it ends by itself at
// Until.
func (h *Hold) Active(now time.Time) bool {
	return h != nil && (h.Until == nil || now.Before(*h.Until))
}

// Describe says who holds it, why and until when.
func (h *Hold) Describe() string {
	s := "held by " + h.By + " since " + h.Since.Local().Format(time.DateTime)
	if h.Until != nil {
		s += " until " + h.Until.Local().Format(time.DateTime)
	} else {
		s += " until released"
	}
	if h.Reason != "" {
		s += ": " + h.Reason
	}
	return s
}

// Note is a dated reason.
type Note struct {
	At     time.Time `json:"at"`
	Reason string    `json:"reason"`
}

// ProbeNotRun says whether its probe could not be run: a config error,
// the daemon UNKNOWN, judged and restarted without it.
func (d *Daemon) ProbeNotRun() bool { return d.Probe != nil && d.Probe.Result == probe.NotRun }

// FailedStart says whether the daemon is down after a start that failed,
// with nothing done about it this pass (an observer's, or a writer's that
// waits): its last failure is what a person needs to know of it. A start
// still in progress has not failed.
func (d *Daemon) FailedStart() bool {
	return d.Status == Stopped && d.Checked && d.LastFailure != nil && d.HeldBack == nil && d.Starting == nil && (d.Action == ActionNone || d.Action == "")
}

// Running says whether the daemon was seen running.
func (d *Daemon) Running() bool { return d.Status == Running }

// FromResult makes a daemon's entry from what a pass found at now.
func FromResult(r check.Result, maxInstances int, now time.Time) *Daemon {
	now = now.UTC().Truncate(time.Second)
	d := &Daemon{
		Status:       cmp.Or(r.Condition, check.Stopped),
		Checked:      true,
		CheckedAt:    now,
		PIDs:         []int{},
		Instances:    r.Instances,
		MaxInstances: maxInstances,
		Message:      r.Message,
		Action:       ActionNone,
		History:      History{Restarts: []time.Time{}},
	}
	if r.PIDs != nil {
		d.PIDs = slices.Clone(r.PIDs)
	}
	d.DeadMain = r.DeadMain
	d.Processes = r.Procs
	if r.Condition != check.Unknown {
		d.Tracked = r.Tracked()
	}
	if r.PID > 0 {
		pid := r.PID
		d.PID = &pid
		if !r.StartedAt.IsZero() {
			started := r.StartedAt.UTC().Truncate(time.Second)
			up := int64(max(now.Sub(started), 0) / time.Second)
			d.StartedAt, d.UptimeSeconds = &started, &up
		}
	}
	d.State = d.judge()
	return d
}

// TooMany says whether more instances run than max_instances allows.
func (d *Daemon) TooMany() bool {
	return d.Running() && check.TooMany(d.Instances, d.MaxInstances)
}

func (d *Daemon) judge() State {
	switch {
	case d.Status == check.Unknown:
		return Unknown
	case !d.Running():
		return Critical
	case d.ProbeNotRun():
		return Unknown // it runs; whether it works, its broken probe cannot say
	case d.TooMany() || d.Action == ActionRestarted || len(d.Warnings) > 0:
		return Warning
	}
	return OK
}

// RecentRestart says whether the daemon runs after a restart less than
// warning ago (at now): such a daemon is WARNING for that long, so that
// the restart reaches a person through the monitoring system's retries.
func (d *Daemon) RecentRestart(now time.Time, warning time.Duration) bool {
	return d.Running() && d.LastRestart != nil && now.Sub(d.LastRestart.At) < warning
}

// Record sets what a --fix pass did: its action and message, the restart
// history within the window, and, for a successful restart, the daemon as
// the re-check found it.
func (d *Daemon) Record(o Outcome, now time.Time) {
	h := d.History
	if o.Attempted && o.By == "" { // the counter counts --fix's restarts, not a person's starts
		h.RestartsTotal++
	}
	h.Restarts = o.Restarts
	h.Starting = nil
	if o.Starting {
		at := now
		if n := len(o.Restarts); n > 0 {
			at = o.Restarts[n-1] // when the start was attempted
		}
		h.Starting = &Note{At: at.UTC().Truncate(time.Second), Reason: o.Message}
	}
	// The figures' last reading stays: the next pass sees a new
	// instance against it, and the CPU counter goes on growing.
	figures := d.Figures
	switch o.Action {
	case ActionRestartFailed:
		if o.Healed != "" {
			// The instance it healed was stopped: the daemon is down
			// now, and the failure says why it was stopped.
			kept := *d
			*d = *FromResult(check.Result{Name: o.Name, Condition: check.Stopped}, d.MaxInstances, now)
			d.Hold, d.Probe, d.Tracked = kept.Hold, kept.Probe, kept.Tracked
			o.Message = o.Healed + ", stopped, and its start failed: " + strings.TrimPrefix(o.Message, "failed to start: ")
		}
		h.LastFailure = &Note{At: now.UTC().Truncate(time.Second), Reason: o.Message}
	case ActionRestarted:
		why := string(d.Status)
		if d.Message != "" {
			why += " - " + d.Message
		}
		*d = *FromResult(o.Found, d.MaxInstances, now)
		if o.By == "" { // a person's start warns no one
			h.LastRestart = &Note{At: now.UTC().Truncate(time.Second), Reason: why}
		}
		// It started and its probe (if any) passed.
		h.HeldBack, h.LastFailure, h.ProbeSuspect = nil, nil, nil
	case ActionHeldBack:
		if o.FlapGuard && h.HeldBack == nil {
			h.HeldBack = &Note{At: now.UTC().Truncate(time.Second), Reason: o.Message}
		}
	}
	if o.Unready {
		// The new instance runs, left for the next heal: it is the
		// daemon now, unhealthy, its probe's failures counted from here.
		kept := *d
		*d = *FromResult(o.Found, d.MaxInstances, now)
		d.Status = Unhealthy
		d.Hold = kept.Hold
		at := now.UTC().Truncate(time.Millisecond)
		d.Probe = &Probe{Kind: o.ProbeKind, Result: probe.Unhealthy, At: at, Error: o.ProbeErr,
			Count: probe.Count{Failures: max(o.ProbeFailures, 1), Since: at}, Counted: at}
		if o.ProbeSuspect {
			note := &Note{At: now.UTC().Truncate(time.Second), Reason: o.Message}
			h.HeldBack, h.ProbeSuspect = note, note
		}
	}
	d.History, d.Figures, d.Action = h, figures, o.Action
	if o.Message != "" {
		d.Message = o.Message
	}
	d.State = d.judge()
}

// LastTimer is when the timer (any pass but a person's verb) last wrote
// the file: TimerAt, or for a file written before it was kept, CheckedAt.
func (st *Status) LastTimer() time.Time {
	if st.TimerAt.IsZero() {
		return st.CheckedAt
	}
	return st.TimerAt
}

// New starts a status for a pass at now. The previous status, when there is
// one, carries the entries of daemons this pass does not check (--only) and
// every daemon's restart history.
func New(now time.Time, host, version string, order []string, prev *Status) *Status {
	st := &Status{CheckedAt: now.UTC().Truncate(time.Second), Host: host, Version: version, Daemons: map[string]*Daemon{}, order: order}
	if prev != nil {
		st.Notify = prev.Notify // the notifiers' memory, until the pass's own
		st.TimerAt, st.Writer = prev.TimerAt, prev.Writer
	}
	for _, name := range order {
		if prev == nil {
			continue
		}
		if old, ok := prev.Daemons[name]; ok {
			kept := *old
			kept.Checked = false
			if kept.Running() && kept.StartedAt != nil { // its uptime, to now
				up := int64(max(now.Sub(*kept.StartedAt), 0) / time.Second)
				kept.UptimeSeconds = &up
			}
			st.Daemons[name] = &kept
		}
	}
	return st
}

// Set puts a checked daemon's entry in, keeping its restart history from
// the previous pass.
func (st *Status) Set(name string, d *Daemon) {
	if old, ok := st.Daemons[name]; ok {
		// Held back is carried too; the pass releases it once the daemon
		// runs and works again (started by hand).
		d.History = old.History
		if d.Running() { // one that runs again is past its last failure
			d.LastFailure = nil
		}
		if old.Hold.Active(st.CheckedAt) {
			d.Hold = old.Hold // one that ran out ends here
		}
		d.Probe = old.Probe // the pass's probe replaces it
		// What the figures and limits of the next pass are measured
		// against; this pass's measure replaces them.
		d.Figures, d.Limits = old.Figures, old.Limits
	}
	if d.Restarts == nil {
		d.Restarts = []time.Time{}
	}
	st.Daemons[name] = d
}

// Finish sets the pass's state, exit code and summary. The state is the
// worst over the daemons judged now and the last known state of those
// --only left out: a check of one daemon cannot turn a known-down one OK.
// A daemon restarted less than restartWarning ago is WARNING, and a held
// back one says so. Nothing judged at all is UNKNOWN. The summary counts
// the daemons running, then names the findings, worst first (see kind).
func (st *Status) Finish(took, restartWarning time.Duration) {
	st.DurationMS = took.Milliseconds()
	st.restartWarning, st.now = restartWarning, st.CheckedAt
	checked, running, known := 0, 0, 0
	names := map[kind][]string{}
	st.State = OK
	for _, name := range st.Names() {
		d := st.Daemons[name]
		if d == nil {
			continue
		}
		known++
		if d.Checked {
			checked++
			d.State = st.judgeChecked(d)
		}
		st.State = Worse(st.State, d.State)
		if d.Running() {
			running++
		}
		for _, k := range st.kinds(d) {
			names[k] = append(names[k], name+kindSuffix(k, d))
		}
	}
	st.findings = nil
	if checked == 0 {
		st.State = Unknown
		st.head = "no daemons checked"
	} else {
		st.head = fmt.Sprintf("%d/%d daemons running", running, known)
		for k := range kindLabels {
			if n := names[kind(k)]; len(n) > 0 {
				st.findings = append(st.findings, finding{kind: kind(k), names: n})
			}
		}
	}
	st.summarize()
	st.ExitCode = int(st.State)
}

// judgeChecked is a daemon's state as this pass judged it: its own
// verdict, WARNING after a recent restart, and WARNING while a person
// holds it, so that monitoring shows it without paging for it.
func (st *Status) judgeChecked(d *Daemon) State {
	state := d.judge()
	if d.RecentRestart(st.CheckedAt, st.restartWarning) {
		state = Worse(state, Warning)
	}
	if d.Hold.Active(st.CheckedAt) && state != Unknown {
		state = Warning
	}
	return state
}

// kinds are the findings a daemon adds to the summary: one for a daemon
// that does not run, the most specific one, and any others that apply.
func (st *Status) kinds(d *Daemon) []kind {
	var out []kind
	held := d.Hold.Active(st.CheckedAt)
	switch {
	case d.Running():
		if d.Checked && d.ProbeNotRun() {
			out = append(out, kindUnknown) // its probe is a config error
		}
	case held: // stopped on purpose: listed as held, not as down
	case d.Status == check.Unknown:
		out = append(out, kindUnknown) // not seen, so not said to be down
	case !d.Checked:
		out = append(out, kindDown)
	case d.Action == ActionRestartFailed || d.FailedStart():
		out = append(out, kindRestartFailed)
	case d.Action == ActionHeldBack || d.HeldBack != nil:
		out = append(out, kindHeldBack)
	default:
		out = append(out, kindDown)
	}
	// A restart within restart_warning is news whether this pass checked
	// the daemon or --only left its last known entry: the file's summary
	// carries the whole host.
	if d.Checked && d.Action == ActionRestarted || d.RecentRestart(st.CheckedAt, st.restartWarning) {
		out = append(out, kindRestarted)
	}
	if d.TooMany() {
		out = append(out, kindTooMany)
	}
	if d.Checked && d.Running() {
		out = append(out, concernKinds(d.Warnings)...)
	}
	if held {
		out = append(out, kindHeld)
	}
	return out
}

// kindSuffix marks a name under a finding: a daemon down as the last
// pass that checked it knew, not as this one saw it.
func kindSuffix(k kind, d *Daemon) string {
	if k == kindDown && !d.Checked {
		return " (last known)"
	}
	return ""
}

// Healthy says whether every checked daemon with a probe passed it.
func (st *Status) Healthy() bool {
	for _, d := range st.Daemons {
		if d != nil && d.Checked && d.Probe != nil && d.Probe.Result != probe.Healthy {
			return false
		}
	}
	return true
}

// ForDisplay prepares a status read back from its file for a person at
// now: daemons in config order (the file's JSON object keeps none) and
// uptimes counted to now rather than to when the file was written.
func (st *Status) ForDisplay(order []string, now time.Time, restartWarning time.Duration) {
	st.order, st.restartWarning, st.now = order, restartWarning, now
	for _, name := range order {
		if d := st.Daemons[name]; d != nil && d.Running() && d.StartedAt != nil {
			up := int64(max(now.Sub(*d.StartedAt), 0) / time.Second)
			d.UptimeSeconds = &up
		}
	}
}

// Names lists the daemons in config order, or by name for a status read
// back from a file.
func (st *Status) Names() []string {
	if st.order != nil {
		return st.order
	}
	names := make([]string, 0, len(st.Daemons))
	for name := range st.Daemons {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// JSON is the status file's content.
func (st *Status) JSON() ([]byte, error) {
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// ReadStatus reads a status file with read. A missing file is no error:
// it returns nil.
func ReadStatus(path string, read func(string) ([]byte, error)) (*Status, error) {
	b, err := read(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return ParseStatus(b, path)
}

// ParseStatus reads the content of the status file at path.
func ParseStatus(b []byte, path string) (*Status, error) {
	var st Status
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("status file %s is not valid JSON: %w", path, err)
	}
	if st.Daemons == nil {
		st.Daemons = map[string]*Daemon{}
	}
	return &st, nil
}

// Only is the pass as `--only NAMES` shows it: the state, exit code and
// summary of those daemons alone (one service per daemon in Nagios must
// not page for another's restart), with the host's own findings kept (a
// stopped timer, a file not written). The status file keeps the whole.
func (st *Status) Only(names []string) *Status {
	v := *st
	v.Daemons = map[string]*Daemon{}
	v.order = nil
	for _, name := range st.Names() {
		if d := st.Daemons[name]; d != nil && slices.Contains(names, name) {
			v.Daemons[name] = d
			v.order = append(v.order, name)
		}
	}
	v.Finish(time.Duration(st.DurationMS)*time.Millisecond, st.restartWarning)
	for _, f := range st.findings {
		if f.kind == kindTimerStopped || f.kind == kindNotWritten || f.kind == kindNotRead {
			v.State = Worse(v.State, Warning)
			v.ExitCode = int(v.State)
			v.add(f)
		}
	}
	return &v
}

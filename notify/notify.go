// Package notify decides what each [[notify]] target is told of a writer
// pass's events and sends it: at most one message per target per pass,
// batching the pass's events, with what an earlier pass could not deliver
// first. Like monit's alerts, a target hears each kind of trouble once per
// episode of a daemon's trouble (down, then restarted, then held back),
// then a reminder every remind while the daemon stays in trouble, and
// recovered when it is over; a flapping daemon does not send a message on
// every pass.
package notify

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/cortex/cortex-check/check"
	"github.com/cortex/cortex-check/escape"
	"github.com/cortex/cortex-check/events"
	"github.com/cortex/cortex-check/human"
	"github.com/cortex/cortex-check/report"
)

// MaxPending bounds what a target that keeps failing holds back: past it,
// the oldest events are dropped and counted.
const MaxPending = 100

// Key names a target in the status file's memory by what it sends to, so
// that reordering the tables keeps each one's memory.
func Key(n *check.Notify) string {
	h := sha256.New()
	if n.Webhook != "" {
		fmt.Fprintf(h, "webhook\x00%s", n.Webhook)
	} else {
		fmt.Fprintf(h, "exec\x00%s", strings.Join(n.Exec, "\x00"))
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// Batch is what one target is sent in this pass.
type Batch struct {
	Target  *check.Notify
	Key     string
	Events  []events.Event // undelivered ones first, then this pass's, then reminders
	Dropped int            // events dropped past MaxPending, not in Events
}

// Plan decides each target's batch from the pass's events and the
// targets' memory (the status file's notify), and returns the memory as
// it is once every batch is delivered; Delivered and Failed then settle
// each target's. Targets no longer configured are forgotten.
func Plan(cfg *check.Config, memory map[string]*report.Notifier, st *report.Status, evs []events.Event, now time.Time) ([]Batch, map[string]*report.Notifier) {
	// Told.At keeps the clock's precision: a reminder is due exactly
	// remind after the last word, whatever second the passes fall on.
	now = now.UTC()
	next := map[string]*report.Notifier{}
	var batches []Batch
	for i := range cfg.Notify {
		n := &cfg.Notify[i]
		key := Key(n)
		m := clone(memory[key])
		m.Target = n.Name()
		batch := pending(m)
		said := tell(m, n, evs, now)
		batch = append(batch, said.events...)
		batch = append(batch, remind(m, n, cfg, st, said.daemons, now)...)
		dropped := 0
		if over := len(batch) - MaxPending; over > 0 {
			dropped, batch = over, batch[over:]
		}
		m.Dropped += dropped
		next[key] = m
		if len(batch) > 0 {
			batches = append(batches, Batch{Target: n, Key: key, Events: batch, Dropped: m.Dropped})
		}
		m.Pending = encode(batch) // until delivered
	}
	return batches, next
}

// pending are the events a target has not been sent yet.
func pending(m *report.Notifier) []events.Event {
	var out []events.Event
	for _, raw := range m.Pending {
		var e events.Event
		if json.Unmarshal(raw, &e) == nil {
			out = append(out, e)
		}
	}
	return out
}

// told is what one pass's events tell a target, and of which daemons.
type told struct {
	events  []events.Event
	daemons map[string]bool
}

// tell picks the pass's events a target hears, once per episode each,
// and keeps its memory of what it was told.
func tell(m *report.Notifier, n *check.Notify, evs []events.Event, now time.Time) told {
	out := told{daemons: map[string]bool{}}
	for _, e := range evs {
		if e.By != "" {
			continue // a person's own act: they know
		}
		if e.Daemon == "" {
			if n.Hears(e.Event) {
				out.events = append(out.events, e)
			}
			continue
		}
		t := m.Told[e.Daemon]
		switch {
		case e.Event == events.Recovered:
			// The end of an episode: said to those told of it.
			if t != nil && n.Hears(e.Event) {
				out.events = append(out.events, e)
				out.daemons[e.Daemon] = true
			}
			delete(m.Told, e.Daemon)
		case slices.Contains(check.NotifyEvents, e.Event) && n.Hears(e.Event):
			if t == nil {
				t = &report.Told{Events: []string{}}
				m.Told[e.Daemon] = t
			}
			if slices.Contains(t.Events, e.Event) {
				continue // told already in this episode
			}
			t.Events = append(t.Events, e.Event)
			t.At = now
			out.events = append(out.events, e)
			out.daemons[e.Daemon] = true
		}
	}
	return out
}

// remind ends the episodes of daemons no longer in trouble for another
// reason (a person holds it, it is gone from the config), and reminds of
// those still in it once remind has passed since the last word.
func remind(m *report.Notifier, n *check.Notify, cfg *check.Config, st *report.Status, toldNow map[string]bool, now time.Time) []events.Event {
	var out []events.Event
	for _, name := range sortedKeys(m.Told) {
		t := m.Told[name]
		d := st.Daemons[name]
		if d == nil {
			delete(m.Told, name)
			continue
		}
		if !d.Checked {
			continue
		}
		phase := events.Phase(d, st.CheckedAt, cfg.RestartWarning)
		if !events.InTrouble(phase) {
			if phase != events.Restarted {
				delete(m.Told, name)
			}
			continue
		}
		if n.Remind > 0 && !toldNow[name] && now.Sub(t.At) >= n.Remind {
			out = append(out, reminder(st, name, d, t, now))
			t.At = now
		}
	}
	return out
}

// Delivered settles a target whose batch arrived.
func Delivered(m *report.Notifier, now time.Time) {
	at := now.UTC().Truncate(time.Second)
	m.Pending, m.Dropped, m.LastError, m.LastSent = nil, 0, "", &at
}

// Failed settles a target whose batch did not arrive: it stays pending,
// for the next pass.
func Failed(m *report.Notifier, err error) { m.LastError = err.Error() }

// reminder is the event that says a daemon is still in trouble.
func reminder(st *report.Status, name string, d *report.Daemon, t *report.Told, now time.Time) events.Event {
	e := events.Event{Time: now.Truncate(time.Second), Host: st.Host, Daemon: name, Event: events.Trouble(d), To: string(d.Status),
		State: d.State.String(), Reminder: true,
		Reason: escape.Line(fmt.Sprintf("still %s; told of %s", words(events.Trouble(d)), strings.Join(t.Events, ", ")))}
	if d.Message != "" {
		e.Reason += ": " + escape.Line(d.Message)
	}
	return e
}

func clone(m *report.Notifier) *report.Notifier {
	out := &report.Notifier{Told: map[string]*report.Told{}}
	if m == nil {
		return out
	}
	*out = *m
	out.Told = map[string]*report.Told{}
	for k, t := range m.Told {
		c := *t
		c.Events = slices.Clone(t.Events)
		out.Told[k] = &c
	}
	out.Pending = slices.Clone(m.Pending)
	return out
}

func encode(evs []events.Event) []json.RawMessage {
	var out []json.RawMessage
	for _, e := range evs {
		if b, err := json.Marshal(e); err == nil {
			out = append(out, b)
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Message is what a target is sent: the JSON document a webhook is POSTed
// and an exec notifier reads on stdin. Slack's and Mattermost's incoming
// webhooks show text; ntfy shows it with its template ?tpl=1&m={{.text}}.
type Message struct {
	Text    string         `json:"text"`    // one line for a person
	Host    string         `json:"host"`    // the host the pass ran on
	State   string         `json:"state"`   // the pass's verdict: OK, WARNING, CRITICAL, UNKNOWN
	Summary string         `json:"summary"` // the status file's summary
	Dropped int            `json:"dropped,omitempty"`
	Events  []events.Event `json:"events"`
}

// maxText bounds the text line: a chat message, not a report.
const maxText = 1000

// NewMessage makes a batch's message.
func NewMessage(b Batch, st *report.Status) Message {
	m := Message{Host: st.Host, State: st.State.String(), Summary: st.Summary, Dropped: b.Dropped, Events: b.Events}
	parts := make([]string, 0, len(b.Events))
	for _, e := range b.Events {
		parts = append(parts, Phrase(e))
	}
	text := "cortex-check on " + st.Host + ": " + strings.Join(parts, "; ")
	if b.Dropped > 0 {
		text = fmt.Sprintf("cortex-check on %s (%d earlier events dropped while this target failed): %s", st.Host, b.Dropped, strings.Join(parts, "; "))
	}
	m.Text = escape.Truncate(escape.Line(text), maxText)
	return m
}

// JSON is the message's body.
func (m Message) JSON() []byte {
	b, _ := json.Marshal(m) // plain values: it cannot fail
	return b
}

// Env is the first event's fields as CORTEX_* variables (CORTEX_EVENT,
// CORTEX_DAEMON, CORTEX_REASON, ...), with CORTEX_TEXT, the one line, and
// CORTEX_EVENTS, how many the batch holds, for a notifier that reads no
// JSON.
func (m Message) Env() []string {
	env := []string{"CORTEX_TEXT=" + m.Text, "CORTEX_EVENTS=" + strconv.Itoa(len(m.Events)), "CORTEX_HOST_STATE=" + m.State}
	if len(m.Events) > 0 {
		var fields map[string]any
		b, _ := json.Marshal(m.Events[0])
		if json.Unmarshal(b, &fields) == nil {
			for _, k := range sortedKeys(fields) {
				var v string
				switch x := fields[k].(type) {
				case string:
					v = x
				case float64:
					v = strconv.FormatFloat(x, 'f', -1, 64)
				default:
					v = fmt.Sprint(x)
				}
				env = append(env, "CORTEX_"+strings.ToUpper(k)+"="+v)
			}
		}
	}
	for i, kv := range env {
		env[i] = strings.ReplaceAll(kv, "\x00", "")
	}
	sort.Strings(env)
	return env
}

// Phrase is one event in a message's text.
func Phrase(e events.Event) string {
	name, reason := e.Daemon, e.Reason
	var s string
	switch {
	case e.Reminder:
		s = name + " is " + e.Reason
		return s
	case e.Event == events.Down:
		s = name + " is down"
		if e.To != "" && e.To != string(check.Stopped) {
			s += " (" + e.To + ")"
		}
		if e.RanSeconds != nil {
			s += " after running " + human.Age(time.Duration(*e.RanSeconds)*time.Second)
		}
	case e.Event == events.Unhealthy:
		s = name + " is unhealthy"
	case e.Event == events.Restarted:
		s = fmt.Sprintf("%s restarted, PID %d", name, e.PIDAfter)
		if e.ReadySeconds != nil {
			s += " (ready in " + time.Duration(*e.ReadySeconds*float64(time.Second)).Round(time.Millisecond).String() + ")"
		}
		return s
	case e.Event == events.Failed:
		s = name + " failed to start"
		reason = strings.TrimPrefix(reason, "failed to start: ")
	case e.Event == events.HeldBack:
		s = name + " is held back"
		reason = strings.TrimPrefix(reason, "restarts held back: ")
	case e.Event == events.Recovered:
		return fmt.Sprintf("%s recovered (PID %d, %s)", name, e.PIDAfter, e.Reason)
	case e.Event == events.Stale:
		return e.Reason
	default:
		s = name + " " + e.Event
	}
	if reason != "" {
		s += ": " + escape.Truncate(reason, 160)
	}
	return s
}

// words is an event as a state: "held back", "down".
func words(event string) string {
	switch event {
	case events.HeldBack:
		return "held back"
	case events.Failed:
		return "failing to start"
	}
	return event
}

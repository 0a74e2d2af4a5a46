package check

import (
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/cortex/cortex-check/probe"
)

// Defaults of the events file and the notifiers.
const (
	// DefaultEventsFile is the events file's name, beside the status file.
	DefaultEventsFile = "cortex-events.jsonl"
	// DefaultNotifyUser is who an exec notifier runs as when the pass is
	// root: an account that owns nothing.
	DefaultNotifyUser    = "nobody"
	DefaultNotifyTimeout = 5 * time.Second
)

// NotifyEvents are the events a [[notify]] table's on may list, in the
// order a person reads them.
var NotifyEvents = []string{"down", "unhealthy", "restarted", "failed", "held_back", "recovered", "stale"}

// DefaultNotifyOn is what a target hears without on: every event. Each
// reaches it once per episode of a daemon's trouble (see notify), so even
// a flapping daemon makes few messages.
var DefaultNotifyOn = NotifyEvents

// Notify is one [[notify]] table: where a writer pass sends the events
// of its pass, batched, at most once per pass.
type Notify struct {
	Index   int      // 1-based, as messages name it: notify[1]
	Exec    []string // argv: the batch as JSON on stdin
	Webhook string   // URL: the batch POSTed as JSON
	On      []string // the events it hears
	Remind  time.Duration
	Timeout time.Duration
}

// Name is how messages and the restart log name the target, its URL's
// secrets redacted: notify[1] (webhook https://hooks.slack.com/services/T0/B0/xxxxx).
func (n *Notify) Name() string {
	if n.Webhook != "" {
		return fmt.Sprintf("notify[%d] (webhook %s)", n.Index, probe.RedactSecretURL(n.Webhook))
	}
	return fmt.Sprintf("notify[%d] (exec %s)", n.Index, strings.Join(n.Exec, " "))
}

// Hears says whether the target is told of an event.
func (n *Notify) Hears(event string) bool { return slices.Contains(n.On, event) }

// fileNotify mirrors a [[notify]] table.
type fileNotify struct {
	Exec    []string `toml:"exec"`
	Webhook string   `toml:"webhook"`
	On      []string `toml:"on"`
	Remind  duration `toml:"remind"`
	Timeout duration `toml:"timeout"`
}

const (
	exampleWebhook = `webhook = "https://hooks.slack.com/services/T0/B0/XXXX"`
	exampleExec    = `exec = ["/usr/local/bin/cortex-mail", "ops@example.com"]`
)

// validateNotify fills the config's events file, notify_user, ping_url and
// [[notify]] tables.
func (fc *fileConfig) validateNotify(dir string, cfg *Config) error {
	cfg.EventsFile = filepath.Join(filepath.Dir(cfg.StatusFile), DefaultEventsFile)
	if fc.EventsFile != "" {
		cfg.EventsFile = resolve(dir, fc.EventsFile)
	}
	cfg.NotifyUser = DefaultNotifyUser
	if fc.NotifyUser != "" {
		cfg.NotifyUser = fc.NotifyUser
	}
	if fc.PingURL != "" {
		if err := checkURL("ping_url", fc.PingURL, `ping_url = "https://hc-ping.com/your-uuid"`); err != nil {
			return err
		}
		cfg.PingURL = fc.PingURL
	}
	for i, fn := range fc.Notify {
		n, err := fn.validate(i + 1)
		if err != nil {
			return fmt.Errorf("notify[%d]: %w", i+1, err)
		}
		cfg.Notify = append(cfg.Notify, n)
	}
	return nil
}

func (fn *fileNotify) validate(index int) (Notify, error) {
	n := Notify{Index: index, Exec: fn.Exec, Webhook: fn.Webhook, Remind: fn.Remind.d,
		Timeout: fn.Timeout.or(DefaultNotifyTimeout), On: slices.Clone(DefaultNotifyOn)}
	switch {
	case fn.Exec != nil && fn.Webhook != "":
		return n, fmt.Errorf("exec and webhook: give one of them; for both, write two [[notify]] tables")
	case fn.Exec == nil && fn.Webhook == "":
		return n, fmt.Errorf("give exec or webhook, e.g. %s or %s", exampleExec, exampleWebhook)
	case fn.Exec != nil && (len(fn.Exec) == 0 || fn.Exec[0] == ""):
		return n, fmt.Errorf("exec is empty: give the program and its arguments, e.g. %s", exampleExec)
	case fn.Webhook != "":
		if err := checkURL("webhook", fn.Webhook, exampleWebhook); err != nil {
			return n, err
		}
	}
	if fn.On != nil {
		if len(fn.On) == 0 {
			return n, fmt.Errorf("on is empty: it would send nothing; leave it out for every event (%s)", strings.Join(NotifyEvents, ", "))
		}
		for _, e := range fn.On {
			if !slices.Contains(NotifyEvents, e) {
				return n, fmt.Errorf("on: %q is not an event%s; the events are %s", e, suggest(e, NotifyEvents), strings.Join(NotifyEvents, ", "))
			}
		}
		n.On = fn.On
	}
	return n, nil
}

// checkURL refuses a URL that is not http or https with a host. The URL
// is shown with its secrets redacted, and the parser's detail only when
// nothing was redacted: it may quote a piece of a token.
func checkURL(key, raw, example string) error {
	shown := probe.RedactSecretURL(raw)
	u, err := url.Parse(raw)
	switch {
	case err != nil && shown != raw:
		return fmt.Errorf("%s = %q: not a valid URL (the parser's detail is not shown: it may quote a secret), e.g. %s", key, shown, example)
	case err != nil:
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("%s = %q: %v, e.g. %s", key, shown, err, example)
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Errorf("%s = %q: the scheme must be https or http, e.g. %s", key, shown, example)
	case u.Host == "" || u.Hostname() == "":
		return fmt.Errorf("%s = %q: the URL has no host, e.g. %s", key, shown, example)
	}
	return nil
}

// notifyIndex finds which [[notify]] table sets key, for an unknown key's
// message; 0 when none does.
func notifyIndex(data []byte, key string) int {
	var loose struct {
		Notify []map[string]any `toml:"notify"`
	}
	if _, err := toml.Decode(string(data), &loose); err == nil {
		for i, n := range loose.Notify {
			if _, ok := n[key]; ok {
				return i + 1
			}
		}
	}
	return 0
}

// findNotifyLine finds the line of key in the index-th [[notify]] table
// (from 0); 0 when not found.
func findNotifyLine(data []byte, index int, key string) int {
	keyRE := regexp.MustCompile(`^\s*` + regexp.QuoteMeta(key) + `\s*=`)
	at, table := -1, ""
	for n, line := range strings.Split(string(data), "\n") {
		if m := tableHeader().FindStringSubmatch(line); m != nil {
			table = m[1]
			if table == "notify" && strings.Contains(line, "[[") {
				at++
			}
			continue
		}
		if table == "notify" && at == index && keyRE.MatchString(line) {
			return n + 1
		}
	}
	return 0
}

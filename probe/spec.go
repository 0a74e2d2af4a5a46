// Package probe checks that a daemon which runs also works: an HTTP
// endpoint answers, a TCP port accepts, a command exits 0 or a heartbeat
// file is fresh. A process in the table is not proof of any of these.
//
// The package does no I/O of its own choosing: the clock, stat, dialing
// and process starting come in through Env and Target.Exec, so the caller
// decides as whom and how a probe runs, and tests swap them for fakes.
package probe

import (
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/cortex/cortex-check/human"
)

// Kind names the one check a Spec makes; it is also the key in cortex.toml.
type Kind string

const (
	KindHTTP      Kind = "http"
	KindTCP       Kind = "tcp"
	KindExec      Kind = "exec"
	KindHeartbeat Kind = "heartbeat"
)

// Defaults for the keys a probe table may leave out.
const (
	DefaultTimeout  = 2 * time.Second
	DefaultFailures = 3
	DefaultGrace    = 30 * time.Second
)

// Bounds that Validate enforces, each with its reason.
const (
	// A pass runs every 30s and its own deadline (--timeout) cuts every
	// probe anyway, so a longer probe timeout only hides a typo.
	maxTimeout = time.Minute
	// Below this even a local answer can miss, and the probe would flap.
	minTimeout = 10 * time.Millisecond
	// Some file systems keep mtimes in whole seconds (HFS+, ext3; FAT even
	// in two), so a sub-second max_age would flap on a healthy writer.
	minMaxAge = time.Second
)

// Spec is one daemon's probe table, already decoded: the config package
// decodes cortex.toml into its own struct and builds a Spec from it.
// Exactly one of HTTP, TCP, Exec and Heartbeat is set. A zero Timeout,
// Failures or Grace means "not given": WithDefaults fills it in. Exec is
// given when non-nil, so that exec = [] is reported as empty, not as
// missing.
type Spec struct {
	HTTP         string   // URL; healthy on 2xx or 3xx, redirects not followed; shown only through RedactURL
	ExpectStatus int      // with HTTP: the one status that is healthy
	TCP          string   // host:port; healthy when a connection opens
	Exec         []string // program and arguments, no shell; healthy on exit 0
	Heartbeat    string   // file path as the caller resolved it; healthy when fresh
	MaxAge       time.Duration

	// With an https URL only. CAFile is the PEM bundle of the CAs to
	// trust instead of the system's, as the caller resolved it, and CA
	// what ReadCA made of it. TLSServerName is the name sent (SNI) and
	// checked against the certificate instead of the URL's host. Insecure
	// skips the check of the certificate.
	CAFile        string
	CA            *x509.CertPool
	TLSServerName string
	Insecure      bool

	Timeout  time.Duration // per probe
	Failures int           // consecutive failing passes before "unhealthy"
	Grace    time.Duration // after the daemon's start, failures do not count
	// NoGrace says grace = "0s" was given: failures count from the start,
	// where a zero Grace would mean "not given".
	NoGrace bool
	// Action is what the probe does at failures: ActionRestart (the
	// default: the daemon is unhealthy, --fix heals it) or ActionAlert
	// (WARNING, never a restart: a readiness check, not a liveness one).
	Action string
}

// The actions a probe may take at failures.
const (
	ActionRestart = "restart"
	ActionAlert   = "alert"
)

// Alerts says whether the probe only warns.
func (s Spec) Alerts() bool { return s.Action == ActionAlert }

// WithDefaults returns s with the keys that were left out filled in.
func (s Spec) WithDefaults() Spec {
	if s.Timeout == 0 {
		s.Timeout = DefaultTimeout
	}
	if s.Failures == 0 {
		s.Failures = DefaultFailures
	}
	if s.Grace == 0 && !s.NoGrace {
		s.Grace = DefaultGrace
	}
	return s
}

// kinds lists the kinds that s sets, in the order of the docs.
func (s Spec) kinds() []Kind {
	var k []Kind
	if s.HTTP != "" {
		k = append(k, KindHTTP)
	}
	if s.TCP != "" {
		k = append(k, KindTCP)
	}
	if s.Exec != nil {
		k = append(k, KindExec)
	}
	if s.Heartbeat != "" {
		k = append(k, KindHeartbeat)
	}
	return k
}

// Kind returns the kind of check s makes, or "" unless exactly one is set.
func (s Spec) Kind() Kind {
	if k := s.kinds(); len(k) == 1 {
		return k[0]
	}
	return ""
}

// Describe says in a few words what s checks, e.g. "tcp 127.0.0.1:6379"
// or "heartbeat run/w.beat (max age 1m30s)".
func (s Spec) Describe() string {
	if s.Kind() == KindHeartbeat {
		return fmt.Sprintf("%s (max age %s)", s.subject(), human.Duration(s.MaxAge))
	}
	return s.subject()
}

// subject starts every error message of a probe: the kind and its target.
func (s Spec) subject() string {
	switch s.Kind() {
	case KindHTTP:
		return "http " + RedactURL(s.HTTP)
	case KindTCP:
		return "tcp " + s.TCP
	case KindExec:
		args := make([]string, len(s.Exec))
		for i, a := range s.Exec {
			args[i] = argText(a)
		}
		return "exec " + strings.Join(args, " ")
	case KindHeartbeat:
		return "heartbeat " + s.Heartbeat
	}
	return "no probe"
}

// argText quotes an argument only where a reader could not otherwise tell
// where it starts and ends.
func argText(a string) string {
	if a == "" || strings.ContainsAny(a, " \t\n\"'\\") {
		return strconv.Quote(a)
	}
	return a
}

// Examples shown in Validate's messages, as one writes them in cortex.toml.
const (
	exampleHTTP = `http = "http://127.0.0.1:8080/health"`
	exampleTCP  = `tcp = "127.0.0.1:6379"`
	exampleExec = `exec = ["redis-cli", "-p", "6379", "ping"]`
)

// Validate reports the first mistake in s, naming the key and showing an
// example of a right value. Zero Timeout, Failures and Grace are fine:
// they mean "not given".
func (s Spec) Validate() error {
	if err := s.validate(); err != nil {
		return fmt.Errorf("probe: %w", err)
	}
	return nil
}

func (s Spec) validate() error {
	for _, step := range []func() error{s.validateOneKind, s.validateTarget, s.validateTLS, s.validateKindKeys, s.validateBounds} {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

// validateOneKind says whether exactly one kind of probe is given.
func (s Spec) validateOneKind() error {
	switch k := s.kinds(); len(k) {
	case 0:
		return errors.New("give exactly one of http, tcp, exec or heartbeat, e.g. " + exampleTCP)
	case 1:
		return nil
	default:
		names := make([]string, len(k))
		for i, n := range k {
			names[i] = string(n)
		}
		return fmt.Errorf("give exactly one of http, tcp, exec or heartbeat, not %s together",
			strings.Join(names[:len(names)-1], ", ")+" and "+names[len(names)-1])
	}
}

// validateTarget judges what the probe's kind looks at.
func (s Spec) validateTarget() error {
	switch s.Kind() {
	case KindHTTP:
		return validateURL(s.HTTP)
	case KindTCP:
		return validateAddr(s.TCP)
	case KindExec:
		switch {
		case len(s.Exec) == 0:
			return errors.New("exec is empty: give the program and its arguments, e.g. " + exampleExec)
		case strings.TrimSpace(s.Exec[0]) == "":
			return errors.New("exec: the first item must be the program, e.g. " + exampleExec)
		}
	case KindHeartbeat:
		switch {
		case s.MaxAge <= 0:
			return errors.New(`heartbeat needs max_age, how old the file may get, e.g. max_age = "90s"`)
		case s.MaxAge < minMaxAge:
			return fmt.Errorf(`max_age = "%s": give at least 1s, as some file systems keep whole-second mtimes, e.g. max_age = "90s"`, human.Duration(s.MaxAge))
		}
	}
	return nil
}

// validateKindKeys refuses the keys that go with another kind.
func (s Spec) validateKindKeys() error {
	if s.MaxAge != 0 && s.Kind() != KindHeartbeat {
		return errors.New(`max_age only goes with heartbeat, e.g. heartbeat = "run/worker.beat" and max_age = "90s"`)
	}
	if s.ExpectStatus != 0 {
		if s.Kind() != KindHTTP {
			return errors.New("expect_status only goes with http, e.g. " + exampleHTTP + " and expect_status = 204")
		}
		if s.ExpectStatus < 100 || s.ExpectStatus > 599 {
			return fmt.Errorf("expect_status = %d: give an HTTP status from 100 to 599, e.g. expect_status = 204", s.ExpectStatus)
		}
	}
	return nil
}

// validateBounds judges the keys every kind shares.
func (s Spec) validateBounds() error {
	switch {
	case s.Timeout < 0 || s.Timeout != 0 && s.Timeout < minTimeout:
		return fmt.Errorf(`timeout = "%s": give at least %s, e.g. timeout = "2s"`, human.Duration(s.Timeout), human.Duration(minTimeout))
	case s.Timeout > maxTimeout:
		return fmt.Errorf(`timeout = "%s": a probe must answer within a pass, give at most %s, e.g. timeout = "2s"`, human.Duration(s.Timeout), human.Duration(maxTimeout))
	case s.Failures < 0:
		return fmt.Errorf("failures = %d: give how many failing passes in a row make the daemon unhealthy, 1 or more, e.g. failures = 3", s.Failures)
	case s.Grace < 0:
		return fmt.Errorf(`grace = "%s": it cannot be negative, e.g. grace = "30s"`, human.Duration(s.Grace))
	case s.Action != "" && s.Action != ActionRestart && s.Action != ActionAlert:
		return fmt.Errorf(`action = %q: give "restart" (--fix restarts it at failures) or "alert" (WARNING only, never a restart), e.g. action = "alert"`, s.Action)
	}
	return nil
}

// validateURL judges an http probe's URL. Its messages show the URL
// redacted, as every message does (see RedactURL).
func validateURL(raw string) error {
	shown := RedactURL(raw)
	if !strings.Contains(raw, "://") {
		return fmt.Errorf("http = %q: give the whole URL with http:// or https://, e.g. %s", shown, exampleHTTP)
	}
	u, err := url.Parse(raw)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // url.Error repeats the URL we already show
		}
		if shown != raw {
			// The parser's detail quotes the part it choked on, which
			// may be a piece of the password or of a token.
			return fmt.Errorf("http = %q: not a valid URL (the parser's detail is not shown: it may quote a secret), e.g. %s", shown, exampleHTTP)
		}
		return fmt.Errorf("http = %q: %v, e.g. %s", shown, err, exampleHTTP)
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Errorf("http = %q: the scheme must be http or https, e.g. %s", shown, exampleHTTP)
	case u.Host == "" || u.Hostname() == "":
		return fmt.Errorf("http = %q: the URL has no host, e.g. %s", shown, exampleHTTP)
	}
	return nil
}

func validateAddr(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("tcp = %q: give host:port, e.g. %s", addr, exampleTCP)
	}
	if host == "" {
		// Go would dial the local system, but say so rather than guess.
		return fmt.Errorf("tcp = %q: give the host too, e.g. %s", addr, exampleTCP)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("tcp = %q: the port must be a number from 1 to 65535, e.g. %s", addr, exampleTCP)
	}
	return nil
}

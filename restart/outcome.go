package restart

import (
	"time"

	"github.com/cortex/cortex-check/check"
)

// Action is what a --fix pass did about a daemon that was down. Its
// values are the status file's words for them; the status file is the
// caller's (pass translates), so this package never depends on it.
type Action string

// The actions.
const (
	Restarted     Action = "restarted"
	RestartFailed Action = "restart_failed"
	HeldBack      Action = "held_back"
	WouldRestart  Action = "would_restart"
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
	// Starting says the start was still in progress at the pass's
	// deadline, inside its own start_timeout: left running, for the next
	// passes to judge once that has passed.
	Starting bool
	// Healed is why the running instance it replaced was stopped (a
	// heal: "unhealthy (...)"), once it was: a start that then fails
	// leaves the daemon down, and its line says both.
	Healed string
}

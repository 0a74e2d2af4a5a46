package pass

import (
	"github.com/cortex/cortex-check/report"
	"github.com/cortex/cortex-check/restart"
)

// recorded is a restart's outcome in the status file's terms: restart
// knows nothing of the status file, report nothing of restarting, and
// this is where the two meet.
func recorded(o restart.Outcome) report.Outcome {
	return report.Outcome{
		Name:          o.Name,
		Action:        statusAction(o.Action),
		Message:       o.Message,
		Found:         o.Found,
		Attempted:     o.Attempted,
		Restarts:      o.Restarts,
		By:            o.By,
		FlapGuard:     o.FlapGuard,
		Unready:       o.Unready,
		ProbeSuspect:  o.ProbeSuspect,
		ProbeErr:      o.ProbeErr,
		ProbeFailures: o.ProbeFailures,
		ProbeKind:     o.ProbeKind,
		Starting:      o.Starting,
		Healed:        o.Healed,
	}
}

// statusAction is the status file's word for what a restart did.
func statusAction(a restart.Action) report.Action {
	switch a {
	case restart.Restarted:
		return report.ActionRestarted
	case restart.RestartFailed:
		return report.ActionRestartFailed
	case restart.HeldBack:
		return report.ActionHeldBack
	case restart.WouldRestart:
		return report.ActionWouldRestart
	}
	return report.ActionNone
}

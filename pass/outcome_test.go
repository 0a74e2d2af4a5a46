package pass

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/cortex/cortex-check/check"
	"github.com/cortex/cortex-check/report"
	"github.com/cortex/cortex-check/restart"
)

// Every field of a restart's outcome reaches the status file: the two
// structs name the same fields, and each one is carried over.
func TestRecordedCarriesEveryField(t *testing.T) {
	fields := func(v any) []string {
		var out []string
		for f := range reflect.TypeOf(v).Fields() {
			out = append(out, f.Name)
		}
		return out
	}
	if a, b := fields(restart.Outcome{}), fields(report.Outcome{}); !slices.Equal(a, b) {
		t.Fatalf("restart.Outcome has fields %v, report.Outcome %v: translate the new field in recorded", a, b)
	}
	at := time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC)
	o := restart.Outcome{Name: "pm", Action: restart.Restarted, Message: "restarted, PID 7", Found: check.Result{Name: "pm", PID: 7},
		Attempted: true, Restarts: []time.Time{at}, By: "alice", FlapGuard: true, Unready: true, ProbeSuspect: true,
		ProbeErr: "tcp: refused", ProbeFailures: 3, ProbeKind: "tcp", Starting: true, Healed: "unhealthy (tcp: refused)"}
	got := reflect.ValueOf(recorded(o))
	for i := range got.NumField() {
		if got.Field(i).IsZero() {
			t.Errorf("recorded drops %s", got.Type().Field(i).Name)
		}
	}
}

func TestStatusAction(t *testing.T) {
	for _, tt := range []struct {
		in   restart.Action
		want report.Action
	}{
		{restart.Restarted, report.ActionRestarted},
		{restart.RestartFailed, report.ActionRestartFailed},
		{restart.HeldBack, report.ActionHeldBack},
		{restart.WouldRestart, report.ActionWouldRestart},
		{"", report.ActionNone},
	} {
		if got := statusAction(tt.in); got != tt.want {
			t.Errorf("statusAction(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

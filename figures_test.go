//go:build linux

package main

// The figures_* scenarios' command: comparing the status file's figures
// with ps's.

import (
	"encoding/json"
	"math"
	"os/exec"
	"strconv"
	"strings"

	"maps"

	"github.com/rogpeppe/go-internal/testscript"
)

func init() {
	maps.Copy(scriptCmds, map[string]func(ts *testscript.TestScript, neg bool, args []string){
		"psagree": cmdPsAgree,
	})
}

// psagree STATUSFILE DAEMON RSS% CPU-POINTS: the daemon's figures in the
// status file agree with what ps says of its main PID (the daemon must be
// one process): memory within RSS% of ps's rss, and, when the file has a
// CPU percentage, within CPU-POINTS percentage points of ps's %cpu. ps's
// %cpu is the process's average over its life, the file's over the last
// interval: for a steady load they agree.
func cmdPsAgree(ts *testscript.TestScript, neg bool, args []string) {
	const usage = "psagree STATUSFILE DAEMON RSS% CPU-POINTS"
	if neg || len(args) != 4 {
		ts.Fatalf("usage: %s", usage)
	}
	var st struct {
		Daemons map[string]struct {
			PID       int `json:"pid"`
			Processes int `json:"processes"`
			Figures   *struct {
				MemoryBytes  int64    `json:"memory_bytes"`
				MemorySource string   `json:"memory_source"`
				CPUPercent   *float64 `json:"cpu_percent"`
			} `json:"figures"`
		} `json:"daemons"`
	}
	ts.Check(json.Unmarshal([]byte(ts.ReadFile(args[0])), &st))
	d, ok := st.Daemons[args[1]]
	if !ok || d.Figures == nil || d.PID == 0 {
		ts.Fatalf("psagree: %s has no figures in %s", args[1], args[0])
	}
	if d.Processes != 1 || d.Figures.MemorySource != "rss" {
		ts.Fatalf("psagree: %s has %d processes, memory from %s: compare a one-process daemon measured by RSS", args[1], d.Processes, d.Figures.MemorySource)
	}
	rssTol, err1 := strconv.ParseFloat(args[2], 64)
	cpuTol, err2 := strconv.ParseFloat(args[3], 64)
	if err1 != nil || err2 != nil {
		ts.Fatalf("usage: %s", usage)
	}
	out, err := exec.Command("ps", "-o", "rss=,%cpu=", "-p", strconv.Itoa(d.PID)).Output()
	ts.Check(err)
	f := strings.Fields(string(out))
	if len(f) != 2 {
		ts.Fatalf("psagree: ps said %q", out)
	}
	psRSS, _ := strconv.ParseFloat(f[0], 64)
	psCPU, _ := strconv.ParseFloat(f[1], 64)
	ours := float64(d.Figures.MemoryBytes) / 1024
	ts.Logf("PID %d: rss %.0f KiB (ps %.0f KiB), cpu %v (ps %.1f%%)", d.PID, ours, psRSS, fmtPtr(d.Figures.CPUPercent), psCPU)
	if math.Abs(ours-psRSS) > psRSS*rssTol/100 {
		ts.Fatalf("psagree: memory %.0f KiB, ps rss %.0f KiB: more than %v%% apart", ours, psRSS, rssTol)
	}
	if p := d.Figures.CPUPercent; p != nil && math.Abs(*p-psCPU) > cpuTol {
		ts.Fatalf("psagree: cpu %.1f%%, ps %%cpu %.1f: more than %v points apart", *p, psCPU, cpuTol)
	}
}

func fmtPtr(p *float64) string {
	if p == nil {
		return "none"
	}
	return strconv.FormatFloat(*p, 'f', 1, 64) + "%"
}

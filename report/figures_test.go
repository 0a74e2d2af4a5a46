package report

import (
	"strings"
	"testing"
	"time"
)

func TestNextCPU(t *testing.T) {
	t0 := time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC)
	started := t0.Add(-time.Hour)
	sample := func(at time.Duration, secs float64, pid int, source string) CPUSample {
		return CPUSample{At: t0.Add(at), Seconds: secs, PID: pid, Started: started, Source: source}
	}
	prev := &Figures{CPUSecondsTotal: 100, Sample: sample(0, 40, 10, "processes")}
	tests := []struct {
		name        string
		prev        *Figures
		now         CPUSample
		wantPercent float64 // -1: none
		wantTotal   float64
	}{
		{"first pass: no percentage, the counter starts at the time used so far", nil, sample(30*time.Second, 40, 10, "processes"), -1, 40},
		{"a busy core over 30s", prev, sample(30*time.Second, 70, 10, "processes"), 100, 130},
		{"a tenth of a core", prev, sample(30*time.Second, 43, 10, "processes"), 10, 103},
		{"two cores busy", prev, sample(10*time.Second, 60, 10, "processes"), 200, 120},
		{"idle", prev, sample(30*time.Second, 40, 10, "processes"), 0, 100},
		{"a worker exited with its time: no percentage, the counter holds", prev, sample(30*time.Second, 25, 10, "processes"), -1, 100},
		{"restarted: a new instance's time is all new", prev, sample(30*time.Second, 2, 11, "processes"), -1, 102},
		{"read another way now (its group): a new baseline", prev, sample(30*time.Second, 41, 10, "cgroup"), -1, 141},
		{"the clock went back: no percentage", prev, sample(-5*time.Second, 41, 10, "processes"), -1, 101},
		{"a zero sample is no sample", &Figures{CPUSecondsTotal: 7}, sample(30*time.Second, 3, 10, "processes"), -1, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, total := NextCPU(tt.prev, tt.now)
			switch {
			case tt.wantPercent < 0 && p != nil:
				t.Errorf("percent = %v, want none", *p)
			case tt.wantPercent >= 0 && (p == nil || *p < tt.wantPercent-1e-9 || *p > tt.wantPercent+1e-9):
				t.Errorf("percent = %v, want %v", p, tt.wantPercent)
			}
			if total < tt.wantTotal-1e-9 || total > tt.wantTotal+1e-9 {
				t.Errorf("total = %v, want %v", total, tt.wantTotal)
			}
		})
	}
}

func TestFiguresRendered(t *testing.T) {
	now := time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC)
	pct, fds := 93.25, 17
	st := New(now, "h", "v", []string{"redis", "worker"}, nil)
	pid := 4242
	st.Set("redis", &Daemon{Status: Running, Checked: true, PID: &pid, Instances: 1, Processes: 1, Figures: &Figures{
		MemoryBytes: 612 << 20, MemorySource: "rss", CPUPercent: &pct, CPUSecondsTotal: 12.5, Threads: 5, OpenFDs: &fds,
		MaxMemory: 512 << 20, MaxCPU: 90, Sample: CPUSample{PID: pid}}})
	st.Set("worker", &Daemon{Status: Running, Checked: true, PID: &pid, Instances: 1, Figures: &Figures{MemoryBytes: 1 << 20, Threads: 1, Sample: CPUSample{PID: pid}}})
	st.Finish(time.Millisecond, time.Minute)
	out := st.Nagios(func(string) bool { return true })
	for _, want := range []string{"'redis rss'=641728512B;536870912;;0;", "'redis cpu'=93.2%;90;;0;", "'worker rss'=1048576B;;;0;"} {
		if !strings.Contains(out, want) {
			t.Errorf("perfdata lacks %s:\n%s", want, out)
		}
	}
	if strings.Contains(out, "'worker cpu'") {
		t.Errorf("a CPU percentage not measured yet is not in the perfdata:\n%s", out)
	}
	text := st.Text(false, func(string) bool { return true }, "written")
	if !strings.Contains(text, "MEM     CPU  THR  FDS") || !strings.Contains(text, "612MiB  93%  5    17") {
		t.Errorf("text table:\n%s", text)
	}
	metrics := string(st.Metrics())
	for _, want := range []string{`cortex_daemon_memory_bytes{daemon="redis"} 641728512`, `cortex_daemon_cpu_seconds_total{daemon="redis"} 12.5`,
		"# TYPE cortex_daemon_cpu_seconds_total counter", `cortex_daemon_open_fds{daemon="redis"} 17`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

package check

import (
	"fmt"
	"strings"
	"testing"
)

// syntheticTable is a process table of n processes like a busy host's:
// the six Cortex daemons and n-6 others with long, distinct command lines.
func syntheticTable(n int) []Process {
	procs := []Process{proc(1, 0, "/sbin/init")}
	for _, name := range []string{"pm-daemon", "health-monitor-daemon", "metrics-snapshot-daemon",
		"coordinator-daemon", "integration-validator-daemon", "worker-daemon"} {
		procs = append(procs, proc(len(procs)+1, 1, "/bin/bash /srv/cortex/scripts/"+name+".sh"))
	}
	pad := strings.Repeat("x", 100)
	for len(procs) < n {
		pid := len(procs) + 1
		procs = append(procs, proc(pid, 1, fmt.Sprintf("/usr/bin/python3 -m service.worker-%d --config /etc/service/%d.conf %s", pid, pid, pad)))
	}
	return procs
}

func benchConfig(b *testing.B, extra int) *Config {
	var sb strings.Builder
	for _, name := range []string{"pm-daemon", "health-monitor-daemon", "metrics-snapshot-daemon",
		"coordinator-daemon", "integration-validator-daemon", "worker-daemon"} {
		fmt.Fprintf(&sb, "[[daemon]]\nname = %q\npattern = '/srv/cortex/scripts/%s\\.sh$'\n", name, name)
	}
	for i := range extra {
		if i%2 == 0 {
			fmt.Fprintf(&sb, "[[daemon]]\nname = \"svc-%d\"\npattern = '/opt/cortex/services/svc-%d\\.sh$'\n", i, i)
		} else {
			fmt.Fprintf(&sb, "[[daemon]]\nname = \"svc-%d\"\npattern = 'worker-[0-9]+ --shard=%d( |$)'\n", i, i)
		}
	}
	cfg, err := Parse([]byte(sb.String()), "/srv/cortex/cortex.toml")
	if err != nil {
		b.Fatal(err)
	}
	return cfg
}

// BenchmarkMatch is the matching step alone, on 2,000 processes: snapshot
// indexing, one combined scan, and judging every daemon.
func BenchmarkMatch(b *testing.B) {
	for _, daemons := range []int{6, 100} {
		b.Run(fmt.Sprintf("daemons=%d", daemons), func(b *testing.B) {
			cfg := benchConfig(b, daemons-6)
			procs := syntheticTable(2000)
			b.ReportAllocs()
			for b.Loop() {
				s := NewSnapshot(procs, 1, nil)
				matches := s.Match(cfg.Daemons)
				for i := range cfg.Daemons {
					s.Judge(&cfg.Daemons[i], matches[i], noFiles)
				}
			}
		})
	}
}

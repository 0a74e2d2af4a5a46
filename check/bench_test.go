package check

import (
	"fmt"
	"strings"
	"testing"
	"time"
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
		fmt.Fprintf(&sb, "[[daemon]]\nname = \"svc-%d\"\npattern = '%s'\n", i, extraPattern(i))
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
				s.Judge(cfg.Daemons, noFiles)
			}
		})
	}
}

// BenchmarkLoadAndMatch is loading the config and matching, as a pass
// does them: what the lazy regexps save shows here (a free regexp whose
// literal no process holds is never compiled), not in BenchmarkMatch,
// which loads once. Measured 2026-12-07, 6 interleaved runs, 100 daemons
// and 2,000 processes: 2.4 ms and 775 KB per pass; compiling every regexp
// at load, 3.2 ms and 978 KB; without the index, 4.5 ms (matching alone
// 1.5 ms against 3.1). Both are kept.
func BenchmarkLoadAndMatch(b *testing.B) {
	for _, daemons := range []int{6, 100} {
		b.Run(fmt.Sprintf("daemons=%d", daemons), func(b *testing.B) {
			procs := syntheticTable(2000)
			b.ReportAllocs()
			for b.Loop() {
				cfg := benchConfig(b, daemons-6)
				s := NewSnapshot(procs, 1, nil)
				s.Judge(cfg.Daemons, noFiles)
			}
		})
	}
}

// extraPattern is the i-th of the 94 daemons a large config adds: mostly
// script paths anchored at the end, as the README recommends, some anchored
// regexps, and one in ten a free regexp with no anchor.
func extraPattern(i int) string {
	switch i % 10 {
	case 0:
		return fmt.Sprintf(`worker-[0-9]+ --shard=%d( |$)`, i)
	case 1, 2:
		return fmt.Sprintf(`^/usr/bin/java .*-Dservice=svc-%d( |$)`, i)
	}
	return fmt.Sprintf(`/opt/cortex/services/svc-%d\.sh$`, i)
}

// TestIndexFindsWhatAScanFinds: routing processes through the index gives
// the same matches as trying every daemon on every process.
func TestIndexFindsWhatAScanFinds(t *testing.T) {
	var sb strings.Builder
	for i := range 60 {
		fmt.Fprintf(&sb, "[[daemon]]\nname = \"d%d\"\npattern = '%s'\n", i, extraPattern(i))
	}
	sb.WriteString("[[daemon]]\nname = \"short\"\npattern = 'a$'\n[[daemon]]\nname = \"proc\"\nprocess = \"health-monitor-daemon.sh\"\n")
	cfg, err := Parse([]byte(sb.String()), "/srv/cortex.toml")
	if err != nil {
		t.Fatal(err)
	}
	procs := syntheticTable(300)
	for i := range 60 {
		pid := 10000 + i
		switch i % 10 {
		case 0:
			procs = append(procs, proc(pid, 1, fmt.Sprintf("worker-7 --shard=%d --x", i)))
		case 1, 2:
			procs = append(procs, proc(pid, 1, fmt.Sprintf("/usr/bin/java -Xmx1g -Dservice=svc-%d", i)))
		default:
			procs = append(procs, proc(pid, 1, fmt.Sprintf("/bin/bash /opt/cortex/services/svc-%d.sh", i)))
		}
	}
	procs = append(procs, proc(20000, 1, "x a"), proc(20001, 1, "/bin/bash ./health-monitor-daemon.sh"))
	s := NewSnapshot(procs, -1, nil)
	got, _ := s.scan(cfg.Daemons, time.Time{})
	found := 0
	for j := range cfg.Daemons {
		var want []*Process
		for i := range s.Procs {
			if cfg.Daemons[j].match.matches(&s.Procs[i]) {
				want = append(want, &s.Procs[i])
			}
		}
		if len(got[j]) != len(want) {
			t.Errorf("%s: index found %d, a scan %d", cfg.Daemons[j].Name, len(got[j]), len(want))
		}
		found += len(want)
	}
	if found < 62 {
		t.Errorf("the scan found only %d matches: the test's processes do not match its daemons", found)
	}
}

// BenchmarkDeepChain is the grouping of a 4,000-deep chain of matches into
// instances: linear in the depth, not quadratic.
func BenchmarkDeepChain(b *testing.B) {
	procs := []Process{proc(1, 0, "/sbin/init")}
	for pid := 2; pid <= 4001; pid++ {
		procs = append(procs, proc(pid, pid-1, "/bin/bash /srv/deep.sh"))
	}
	cfg, err := Parse([]byte("[[daemon]]\nname = \"deep\"\npattern = 'deep\\.sh'\n"), "/srv/cortex.toml")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		NewSnapshot(procs, -1, nil).Judge(cfg.Daemons, noFiles)
	}
}

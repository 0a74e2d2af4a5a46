package pass

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cortex/cortex-check/check"
	"github.com/cortex/cortex-check/probe"
)

// BenchmarkPassProbes is a whole plain pass over six running daemons
// without probes, with six heartbeat probes and with six tcp probes
// against listeners on 127.0.0.1: the cost probes add (target: within
// 1 ms plus the slowest probe's latency).
func BenchmarkPassProbes(b *testing.B) {
	dir := b.TempDir()
	var ports []string
	for range 6 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		defer l.Close()
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				c.Close()
			}
		}()
		ports = append(ports, l.Addr().String())
	}
	names := []string{"pm-daemon", "health-monitor-daemon", "metrics-snapshot-daemon", "coordinator-daemon", "integration-validator-daemon", "worker-daemon"}
	config := func(kind string) *check.Config {
		var b strings.Builder
		b.WriteString("status_file = \"status.json\"\n")
		for i, n := range names {
			fmt.Fprintf(&b, "[[daemon]]\nname = %q\npattern = '/srv/%s\\.sh$'\n", n, n)
			switch kind {
			case "heartbeat":
				beat := filepath.Join(dir, n+".beat")
				os.WriteFile(beat, nil, 0o644)
				fmt.Fprintf(&b, "[daemon.probe]\nheartbeat = %q\nmax_age = \"1h\"\n", beat)
			case "tcp":
				fmt.Fprintf(&b, "[daemon.probe]\ntcp = %q\n", ports[i])
			}
		}
		cfg, err := check.Parse([]byte(b.String()), filepath.Join(dir, "cortex.toml"))
		if err != nil {
			panic(err)
		}
		return cfg
	}
	for _, kind := range []string{"none", "heartbeat", "tcp"} {
		b.Run("probes="+kind, func(b *testing.B) {
			cfg := config(kind)
			h := newFakeHost(time.Now())
			for i, n := range names {
				h.procs = append(h.procs, daemonProc(10+i, n, time.Now().Add(-time.Hour)))
			}
			w := h.world()
			w.Now = time.Now
			w.Probe = probe.Run
			w.ProbeExec = func(*check.Daemon) probe.ExecFunc { return nil }
			opt := Options{Timeout: 25 * time.Second, LockTimeout: time.Second}
			for b.Loop() {
				if res := Run(context.Background(), cfg, opt, w); res.Err != nil || !res.Status.Healthy() {
					b.Fatalf("pass: %v, %s", res.Err, res.Status.Nagios(CanStart(cfg)))
				}
			}
		})
	}
}

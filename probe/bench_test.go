package probe

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkRun measures one pass's probes: six daemons, each with a
// heartbeat file or a TCP port on this host, on the real clock, file
// system and network stack.
func BenchmarkRun(b *testing.B) {
	b.Run("heartbeat6", func(b *testing.B) {
		dir := b.TempDir()
		targets := make([]Target, 6)
		for i := range targets {
			path := filepath.Join(dir, fmt.Sprintf("d%d.beat", i))
			if err := os.WriteFile(path, nil, 0o644); err != nil {
				b.Fatal(err)
			}
			targets[i] = Target{Spec: Spec{Heartbeat: path, MaxAge: time.Hour}}
		}
		benchRun(b, targets)
	})
	b.Run("tcp6", func(b *testing.B) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { ln.Close() })
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				c.Close()
			}
		}()
		targets := make([]Target, 6)
		for i := range targets {
			targets[i] = Target{Spec: Spec{TCP: ln.Addr().String()}}
		}
		benchRun(b, targets)
	})
}

func benchRun(b *testing.B, targets []Target) {
	b.ReportAllocs()
	for b.Loop() {
		for _, r := range Run(context.Background(), targets) {
			if !r.Healthy {
				b.Fatal(r.Err)
			}
		}
	}
}

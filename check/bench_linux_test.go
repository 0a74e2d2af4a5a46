//go:build linux

package check

import (
	"net"
	"os"
	"testing"
)

// BenchmarkReadTable is the one walk of the real /proc a pass makes, with
// command lines and owners: what the figures' extra stat fields add to
// it shows here.
func BenchmarkReadTable(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ReadTable(Need{Cmdline: true, Owner: true}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseStat is one /proc/PID/stat line parsed.
func BenchmarkParseStat(b *testing.B) {
	line := []byte("4242 (redis-server) S 1 4242 4242 0 -1 4194560 2304 0 0 0 1532 877 0 0 20 0 5 0 123456 75304960 2410 18446744073709551615 1 1 0 0 0 0 0 4097 17610 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parseStat(line); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCountFDs is one process's descriptors counted: what the
// figures add per process of a running daemon.
func BenchmarkCountFDs(b *testing.B) {
	pid := os.Getpid()
	for b.Loop() {
		if _, err := CountFDs(pid); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPortHolders is the search for who holds a port, which a
// pass makes only after a failed start or a refused probe: the socket
// table, then every process's descriptors.
func BenchmarkPortHolders(b *testing.B) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	want := l.Addr().(*net.TCPAddr).AddrPort()
	for b.Loop() {
		if hs, _, err := PortHolders(want, Conflicts); err != nil || len(hs) != 1 {
			b.Fatal(hs, err)
		}
	}
}

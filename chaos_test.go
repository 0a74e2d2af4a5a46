//go:build chaos

package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/cortex/cortex-check/check"
	"github.com/cortex/cortex-check/report"
)

// TestChaos is a bounded soak: six stand-in daemons, a killer that SIGKILLs
// one or two (sometimes one twice) before and during passes, --fix passes
// started one to three at a time, and a reader that reads the status file
// as fast as it can. Run it with: go test -tags chaos -run TestChaos -v .
func TestChaos(t *testing.T) {
	const rounds = 300
	names := []string{"pm-daemon", "health-monitor-daemon", "metrics-snapshot-daemon",
		"coordinator-daemon", "integration-validator-daemon", "worker-daemon"}
	dir := t.TempDir()
	t.Cleanup(func() {
		killWorkProcesses(dir)
		removeWorkGroups(dir)
		removeBusyGroups(t)
	})
	src, err := os.ReadFile("testdata/daemons/standin.sh")
	if err != nil {
		t.Fatal(err)
	}
	os.Mkdir(filepath.Join(dir, "daemons"), 0o755)
	if err := os.WriteFile(filepath.Join(dir, "daemons", "standin.sh"), src, 0o755); err != nil {
		t.Fatal(err)
	}
	var cfg strings.Builder
	// start_secs short: the soak is about races, not about holding.
	cfg.WriteString("status_file = \"status.json\"\nlog_file = \"cortex-check.log\"\nmax_restarts = 100000\nstart_secs = \"20ms\"\nstop_grace = \"1s\"\n")
	patterns := map[string]*regexp.Regexp{}
	for _, n := range names {
		os.Symlink("standin.sh", filepath.Join(dir, "daemons", n+".sh"))
		fmt.Fprintf(&cfg, "\n[[daemon]]\nname = %q\npattern = '${dir}/daemons/%s\\.sh$'\nstart = [\"daemons/%s.sh\"]\nmax_instances = 1\n", n, n, n)
		patterns[n] = regexp.MustCompile(regexp.QuoteMeta(filepath.Join(dir, "daemons", n+".sh")) + "$")
	}
	config := filepath.Join(dir, "cortex.toml")
	if err := os.WriteFile(config, []byte(cfg.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	status := filepath.Join(dir, "status.json")

	pass := func() int {
		cmd := exec.Command("cortex-check", "-c", config, "--fix", "--quiet", "--lock-timeout", "60s")
		cmd.Env = append(os.Environ(), "CORTEX_STANDIN_LIFETIME=300")
		err := cmd.Run()
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode()
		}
		if err != nil {
			t.Fatalf("pass: %v", err)
		}
		return 0
	}
	// instances counts, from one read of the process table, the trees of
	// each daemon, independently of cortex-check.
	instances := func() map[string][]int {
		procs, err := check.ReadTable(check.Need{Cmdline: true})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string][]int{}
		for n, re := range patterns {
			for _, p := range treeRoots(procs, re) {
				out[n] = append(out[n], p.PID)
			}
		}
		return out
	}

	// The reader: every read must be whole, valid JSON.
	var reads, bad atomic.Int64
	stop := make(chan struct{})
	var readerDone sync.WaitGroup
	readerDone.Add(1)
	go func() {
		defer readerDone.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			b, err := os.ReadFile(status)
			if err != nil {
				continue // before the first pass
			}
			reads.Add(1)
			if !json.Valid(b) {
				bad.Add(1)
			}
		}
	}()

	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 42))
	t.Logf("seed %d", seed)
	start := time.Now()
	if code := pass(); code != 1 {
		t.Fatalf("first pass exited %d, want 1 (all restarted)", code)
	}
	var kills, passes, doubleKills, midPassKills int
	downSince := map[string]int{} // daemon -> passes completed when it was killed
	var recovery []int
	kill := func(n string) {
		pids := instances()[n]
		for _, pid := range pids {
			syscall.Kill(pid, syscall.SIGKILL)
		}
		if len(pids) > 0 {
			kills++
			if _, already := downSince[n]; !already {
				downSince[n] = passes
			}
		}
	}
	for round := 0; round < rounds; round++ {
		for range rng.IntN(3) { // zero, one or two daemons
			n := names[rng.IntN(len(names))]
			kill(n)
			if rng.IntN(5) == 0 { // the same one twice in a row
				kill(n)
				doubleKills++
			}
		}
		k := 1 + rng.IntN(3)
		var wg sync.WaitGroup
		codes := make([]int, k)
		for i := range k {
			wg.Add(1)
			go func() { defer wg.Done(); codes[i] = pass() }()
		}
		if rng.IntN(4) == 0 { // a kill while passes run
			time.Sleep(time.Duration(rng.IntN(15)) * time.Millisecond)
			kill(names[rng.IntN(len(names))])
			midPassKills++
		}
		wg.Wait()
		passes += k
		for _, c := range codes {
			if c == 3 {
				t.Fatalf("round %d: a pass exited 3 (UNKNOWN)", round)
			}
		}
		now := instances()
		for _, n := range names {
			if len(now[n]) > 1 {
				t.Fatalf("round %d: %s runs %d instances %v: started twice", round, n, len(now[n]), now[n])
			}
			if since, down := downSince[n]; down && len(now[n]) == 1 {
				recovery = append(recovery, passes-since)
				delete(downSince, n)
			}
		}
	}
	pass()
	passes++
	close(stop)
	readerDone.Wait()

	final := instances()
	for _, n := range names {
		if len(final[n]) != 1 {
			t.Errorf("at the end %s runs %d instances, want 1", n, len(final[n]))
		}
	}
	if bad.Load() > 0 {
		t.Errorf("%d of %d reads of the status file were not whole JSON", bad.Load(), reads.Load())
	}
	st, err := report.ReadStatus(status, os.ReadFile)
	if err != nil || st == nil {
		t.Fatalf("status file: %v", err)
	}
	recorded := 0
	for _, d := range st.Daemons {
		recorded += d.RestartsTotal
	}
	logText, err := os.ReadFile(filepath.Join(dir, "cortex-check.log"))
	if err != nil {
		t.Fatal(err)
	}
	attempts := strings.Count(string(logText), ": Attempting restart: ")
	if attempts != recorded {
		t.Errorf("%d 'Attempting restart' lines, %d restarts recorded in the status file", attempts, recorded)
	}
	slices.Sort(recovery)
	med, worst := 0, 0
	if len(recovery) > 0 {
		med, worst = recovery[len(recovery)/2], recovery[len(recovery)-1]
	}
	fmt.Printf("chaos: %d rounds, %d passes (1-3 at once), %d kills (%d twice in a row, %d during passes), %d restarts, "+
		"%d status reads (%d bad), recovery in passes: median %d, worst %d, %s\n",
		rounds, passes, kills, doubleKills, midPassKills, recorded, reads.Load(), bad.Load(), med, worst, time.Since(start).Round(time.Millisecond))
}

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
	c := newSoak(t)
	stopReader := c.readStatus()
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 42))
	t.Logf("seed %d", seed)
	start := time.Now()
	if code := c.pass(); code != 1 {
		t.Fatalf("first pass exited %d, want 1 (all restarted)", code)
	}
	for round := range rounds {
		c.round(round, rng)
	}
	c.pass()
	c.passes++
	stopReader()

	final := c.instances()
	for _, n := range c.names {
		if len(final[n]) != 1 {
			t.Errorf("at the end %s runs %d instances, want 1", n, len(final[n]))
		}
	}
	if c.bad.Load() > 0 {
		t.Errorf("%d of %d reads of the status file were not whole JSON", c.bad.Load(), c.reads.Load())
	}
	recorded := c.restartsAgree()
	slices.Sort(c.recovery)
	med, worst := 0, 0
	if len(c.recovery) > 0 {
		med, worst = c.recovery[len(c.recovery)/2], c.recovery[len(c.recovery)-1]
	}
	fmt.Printf("chaos: %d rounds, %d passes (1-3 at once), %d kills (%d twice in a row, %d during passes), %d restarts, "+
		"%d status reads (%d bad), recovery in passes: median %d, worst %d, %s\n",
		rounds, c.passes, c.kills, c.doubleKills, c.midPassKills, recorded, c.reads.Load(), c.bad.Load(), med, worst, time.Since(start).Round(time.Millisecond))
}

// soak is the chaos test's world: its daemons, what it did to them, and
// what it saw.
type soak struct {
	t                                        *testing.T
	dir, config, status                      string
	names                                    []string
	patterns                                 map[string]*regexp.Regexp
	kills, passes, doubleKills, midPassKills int
	downSince                                map[string]int // daemon -> passes completed when it was killed
	recovery                                 []int          // passes each kill took to mend
	reads, bad                               atomic.Int64
}

// newSoak writes the six stand-ins and their config into a fresh folder,
// removed with everything started from it at the end.
func newSoak(t *testing.T) *soak {
	c := &soak{t: t, dir: t.TempDir(), patterns: map[string]*regexp.Regexp{}, downSince: map[string]int{},
		names: []string{"pm-daemon", "health-monitor-daemon", "metrics-snapshot-daemon",
			"coordinator-daemon", "integration-validator-daemon", "worker-daemon"}}
	dir := c.dir
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
	for _, n := range c.names {
		os.Symlink("standin.sh", filepath.Join(dir, "daemons", n+".sh"))
		fmt.Fprintf(&cfg, "\n[[daemon]]\nname = %q\npattern = '${dir}/daemons/%s\\.sh$'\nstart = [\"daemons/%s.sh\"]\nmax_instances = 1\n", n, n, n)
		c.patterns[n] = regexp.MustCompile(regexp.QuoteMeta(filepath.Join(dir, "daemons", n+".sh")) + "$")
	}
	c.config = filepath.Join(dir, "cortex.toml")
	if err := os.WriteFile(c.config, []byte(cfg.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	c.status = filepath.Join(dir, "status.json")
	return c
}

// pass runs one --fix pass and returns its exit code.
func (c *soak) pass() int {
	cmd := exec.Command("cortex-check", "-c", c.config, "--fix", "--quiet", "--lock-timeout", "60s")
	cmd.Env = append(os.Environ(), "CORTEX_STANDIN_LIFETIME=300")
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	if err != nil {
		c.t.Fatalf("pass: %v", err)
	}
	return 0
}

// instances counts, from one read of the process table, the trees of
// each daemon, independently of cortex-check.
func (c *soak) instances() map[string][]int {
	procs, err := check.ReadTable(check.Need{Cmdline: true})
	if err != nil {
		c.t.Fatal(err)
	}
	out := map[string][]int{}
	for n, re := range c.patterns {
		for _, p := range treeRoots(procs, re) {
			out[n] = append(out[n], p.PID)
		}
	}
	return out
}

// readStatus reads the status file as fast as it can until stopped:
// every read must be whole, valid JSON.
func (c *soak) readStatus() (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-done:
				return
			default:
			}
			b, err := os.ReadFile(c.status)
			if err != nil {
				continue // before the first pass
			}
			c.reads.Add(1)
			if !json.Valid(b) {
				c.bad.Add(1)
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

// kill SIGKILLs every instance of a daemon.
func (c *soak) kill(n string) {
	pids := c.instances()[n]
	for _, pid := range pids {
		syscall.Kill(pid, syscall.SIGKILL)
	}
	if len(pids) > 0 {
		c.kills++
		if _, already := c.downSince[n]; !already {
			c.downSince[n] = c.passes
		}
	}
}

// round kills zero to two daemons, runs one to three passes at once
// (sometimes killing one more while they run), then checks that none
// exited 3 and no daemon runs twice.
func (c *soak) round(round int, rng *rand.Rand) {
	for range rng.IntN(3) { // zero, one or two daemons
		n := c.names[rng.IntN(len(c.names))]
		c.kill(n)
		if rng.IntN(5) == 0 { // the same one twice in a row
			c.kill(n)
			c.doubleKills++
		}
	}
	k := 1 + rng.IntN(3)
	var wg sync.WaitGroup
	codes := make([]int, k)
	for i := range k {
		wg.Add(1)
		go func() { defer wg.Done(); codes[i] = c.pass() }()
	}
	if rng.IntN(4) == 0 { // a kill while passes run
		time.Sleep(time.Duration(rng.IntN(15)) * time.Millisecond)
		c.kill(c.names[rng.IntN(len(c.names))])
		c.midPassKills++
	}
	wg.Wait()
	c.passes += k
	if slices.Contains(codes, 3) {
		c.t.Fatalf("round %d: a pass exited 3 (UNKNOWN)", round)
	}
	now := c.instances()
	for _, n := range c.names {
		if len(now[n]) > 1 {
			c.t.Fatalf("round %d: %s runs %d instances %v: started twice", round, n, len(now[n]), now[n])
		}
		if since, down := c.downSince[n]; down && len(now[n]) == 1 {
			c.recovery = append(c.recovery, c.passes-since)
			delete(c.downSince, n)
		}
	}
}

// restartsAgree checks that the log's "Attempting restart" lines and the
// status file's restart counters tell the same story, and returns the
// count.
func (c *soak) restartsAgree() int {
	st, err := report.ReadStatus(c.status, os.ReadFile)
	if err != nil || st == nil {
		c.t.Fatalf("status file: %v", err)
	}
	recorded := 0
	for _, d := range st.Daemons {
		recorded += d.RestartsTotal
	}
	logText, err := os.ReadFile(filepath.Join(c.dir, "cortex-check.log"))
	if err != nil {
		c.t.Fatal(err)
	}
	if attempts := strings.Count(string(logText), ": Attempting restart: "); attempts != recorded {
		c.t.Errorf("%d 'Attempting restart' lines, %d restarts recorded in the status file", attempts, recorded)
	}
	return recorded
}

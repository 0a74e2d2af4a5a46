// Command driver times commands interleaved (A B C A B C ...), so that
// whatever else the machine does falls on all of them alike, and prints
// medians, per-round ratios, each command's peak RSS and, for Go
// programs, the time their package initialisation took.
//
//	driver -rounds 40 -ratio cortex-check/floor -ratio old-way/cortex-check \
//	    'floor=/path/floor' 'cortex-check=/path/cortex-check -c cfg' ...
//
// Peak RSS is the process's own VmHWM (/proc/PID/status), read at its
// exit under ptrace, in rounds of their own after the timed ones. The
// kernel's ru_maxrss (what /usr/bin/time -f %M prints) is no good here:
// Go starts a child with vfork, so the child's ru_maxrss starts at the
// driver's own peak (about 4 MiB), above a small program's.
//
// Init time is the sum of the clock column of GODEBUG=inittrace=1, the
// runtime's own report of each package's initialisation, in more rounds
// of their own; "-" for a command that prints none (not a Go program).
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

type command struct {
	name  string
	argv  []string
	times []time.Duration
	hwm   []int64   // KiB
	init  []float64 // ms
}

type ratios []string

func (r *ratios) String() string     { return strings.Join(*r, ",") }
func (r *ratios) Set(v string) error { *r = append(*r, v); return nil }

func main() {
	rounds := flag.Int("rounds", 40, "timed rounds of all commands")
	warmup := flag.Int("warmup", 3, "untimed rounds first")
	rssRounds := flag.Int("rss-rounds", 5, "rounds that read each command's peak RSS (VmHWM) at its exit")
	initRounds := flag.Int("init-rounds", 11, "rounds that sum each command's GODEBUG=inittrace=1 report")
	var want ratios
	flag.Var(&want, "ratio", "A/B: print the median of per-round ratios of A to B (repeatable)")
	flag.Parse()
	cmds := parseCommands(flag.Args())
	for r := 0; r < *warmup+*rounds; r++ {
		for _, c := range cmds {
			d, err := timed(c.argv)
			if err != nil {
				fail(c, err)
			}
			if r >= *warmup {
				c.times = append(c.times, d)
			}
		}
	}
	measureRSS(cmds, *rssRounds)
	measureInit(cmds, *initRounds)
	byName := printTable(cmds)
	printRatios(byName, want)
}

// parseCommands reads the name=command arguments.
func parseCommands(args []string) []*command {
	var cmds []*command
	for _, arg := range args {
		name, line, ok := strings.Cut(arg, "=")
		if !ok {
			fmt.Fprintf(os.Stderr, "driver: %q is not name=command\n", arg)
			os.Exit(2)
		}
		cmds = append(cmds, &command{name: name, argv: strings.Fields(line)})
	}
	return cmds
}

// measureRSS reads each command's peak RSS at its exit, rounds times.
func measureRSS(cmds []*command, rounds int) {
	for range rounds {
		for _, c := range cmds {
			kib, err := peakRSS(c.argv)
			if err != nil {
				fail(c, err)
			}
			c.hwm = append(c.hwm, kib)
		}
	}
}

// measureInit sums each command's package initialisation, rounds times.
func measureInit(cmds []*command, rounds int) {
	for range rounds {
		for _, c := range cmds {
			ms, ok, err := initTime(c.argv)
			if err != nil {
				fail(c, err)
			}
			if ok {
				c.init = append(c.init, ms)
			}
		}
	}
}

// printTable prints each command's times, peak RSS and init, and returns
// the commands by name.
func printTable(cmds []*command) map[string]*command {
	fmt.Printf("%-24s %10s %10s %10s %14s %10s\n", "command", "median", "min", "max", "peak RSS KiB", "init ms")
	byName := map[string]*command{}
	for _, c := range cmds {
		byName[c.name] = c
		s := slices.Sorted(slices.Values(c.times))
		rss, in := "-", "-"
		if len(c.hwm) > 0 {
			rss = strconv.FormatInt(median(c.hwm), 10)
		}
		if len(c.init) > 0 {
			in = fmt.Sprintf("%.2f", median(c.init))
		}
		fmt.Printf("%-24s %10s %10s %10s %14s %10s\n", c.name, ms(median(c.times)), ms(s[0]), ms(s[len(s)-1]), rss, in)
	}
	return byName
}

// printRatios prints, for each A/B asked for, the median of the per-round
// ratios of A's time to B's: paired rounds, so the machine's drift cancels.
func printRatios(byName map[string]*command, want ratios) {
	for _, r := range want {
		a, b, _ := strings.Cut(r, "/")
		ca, cb := byName[a], byName[b]
		if ca == nil || cb == nil {
			fmt.Fprintf(os.Stderr, "driver: -ratio %s names an unknown command\n", r)
			os.Exit(2)
		}
		per := make([]float64, len(ca.times))
		for i := range per {
			per[i] = float64(ca.times[i]) / float64(cb.times[i])
		}
		slices.Sort(per)
		fmt.Printf("ratio %-34s median %.2f (per-round min %.2f, max %.2f)\n", r, per[len(per)/2], per[0], per[len(per)-1])
	}
}

func fail(c *command, err error) {
	fmt.Fprintf(os.Stderr, "driver: %s: %v\n", c.name, err)
	os.Exit(1)
}

// timed starts argv, waits, and returns its wall time. The command's exit
// code is ignored: a pass that finds a daemon down exits 2.
func timed(argv []string) (time.Duration, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	start := time.Now()
	err := cmd.Run()
	d := time.Since(start)
	if _, ok := err.(*exec.ExitError); !ok && err != nil {
		return 0, err
	}
	return d, nil
}

// peakRSS runs argv under ptrace, stopped at its exit (PTRACE_O_TRACEEXIT)
// while its memory is still there, and returns its VmHWM in KiB. Only the
// process itself is traced, not its children.
func peakRSS(argv []string) (int64, error) {
	path, err := exec.LookPath(argv[0])
	if err != nil {
		return 0, err
	}
	// Every ptrace request must come from the thread that started it.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		return 0, err
	}
	defer null.Close()
	pid, err := syscall.ForkExec(path, argv, &syscall.ProcAttr{Env: os.Environ(), Files: []uintptr{null.Fd(), null.Fd(), null.Fd()},
		Sys: &syscall.SysProcAttr{Ptrace: true}})
	if err != nil {
		return 0, err
	}
	var ws syscall.WaitStatus
	if _, err := syscall.Wait4(pid, &ws, 0, nil); err != nil { // the stop at exec
		return 0, err
	}
	if err := syscall.PtraceSetOptions(pid, syscall.PTRACE_O_TRACEEXIT); err != nil {
		return 0, err
	}
	var kib int64 = -1
	sig := 0
	for {
		if err := syscall.PtraceCont(pid, sig); err != nil {
			return 0, err
		}
		if _, err := syscall.Wait4(pid, &ws, 0, nil); err != nil {
			return 0, err
		}
		switch {
		case ws.Exited() || ws.Signaled():
			if kib < 0 {
				return 0, fmt.Errorf("exited without an exit stop")
			}
			return kib, nil
		case ws.Stopped() && ws.TrapCause() == syscall.PTRACE_EVENT_EXIT:
			kib, sig = vmHWM(pid), 0
		case ws.Stopped() && ws.StopSignal() != syscall.SIGTRAP:
			sig = int(ws.StopSignal()) // deliver the process's own signals
		default:
			sig = 0
		}
	}
}

func vmHWM(pid int) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for line := range bytes.Lines(b) {
		if v, ok := bytes.CutPrefix(line, []byte("VmHWM:")); ok {
			n, _ := strconv.ParseInt(string(bytes.TrimSuffix(bytes.TrimSpace(v), []byte(" kB"))), 10, 64)
			return n
		}
	}
	return 0
}

// initTime runs argv with GODEBUG=inittrace=1 and sums the clock column
// of the runtime's "init <package> @... ms, N ms clock, ..." lines on
// stderr; ok is false when there are none.
func initTime(argv []string) (total float64, ok bool, err error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), "GODEBUG=inittrace=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		if _, exit := err.(*exec.ExitError); !exit {
			return 0, false, err
		}
	}
	sc := bufio.NewScanner(&stderr)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		// init internal/bytealg @0.008 ms, 0 ms clock, 0 bytes, 0 allocs
		if len(f) >= 7 && f[0] == "init" && f[6] == "clock," {
			v, err := strconv.ParseFloat(f[4], 64)
			if err == nil {
				total, ok = total+v, true
			}
		}
	}
	return total, ok, nil
}

func median[T int64 | float64 | time.Duration](v []T) T {
	s := slices.Sorted(slices.Values(v))
	return s[len(s)/2]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d.Microseconds())/1000) }

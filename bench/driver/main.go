// Command driver times commands interleaved (A B C A B C ...), so that
// whatever else the machine does falls on all of them alike, and prints
// medians, per-round ratios and peak RSS (the kernel's ru_maxrss, the
// number /usr/bin/time -f %M prints).
//
//	driver -rounds 40 -ratio cortex-check/floor -ratio old-way/cortex-check \
//	    'floor=/path/floor' 'cortex-check=/path/cortex-check -c cfg' ...
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"time"
)

type command struct {
	name  string
	argv  []string
	times []time.Duration
	rss   []int64 // KiB
}

type ratios []string

func (r *ratios) String() string     { return strings.Join(*r, ",") }
func (r *ratios) Set(v string) error { *r = append(*r, v); return nil }

func main() {
	rounds := flag.Int("rounds", 40, "rounds of all commands")
	warmup := flag.Int("warmup", 3, "untimed rounds first")
	var want ratios
	flag.Var(&want, "ratio", "A/B: print the median of per-round ratios of A to B (repeatable)")
	flag.Parse()
	var cmds []*command
	for _, arg := range flag.Args() {
		name, line, ok := strings.Cut(arg, "=")
		if !ok {
			fmt.Fprintf(os.Stderr, "driver: %q is not name=command\n", arg)
			os.Exit(2)
		}
		cmds = append(cmds, &command{name: name, argv: strings.Fields(line)})
	}
	for r := 0; r < *warmup+*rounds; r++ {
		for _, c := range cmds {
			d, rss, err := run(c.argv)
			if err != nil {
				fmt.Fprintf(os.Stderr, "driver: %s: %v\n", c.name, err)
				os.Exit(1)
			}
			if r >= *warmup {
				c.times = append(c.times, d)
				c.rss = append(c.rss, rss)
			}
		}
	}
	fmt.Printf("%-24s %12s %12s %12s %14s\n", "command", "median", "min", "max", "peak RSS KiB")
	byName := map[string]*command{}
	for _, c := range cmds {
		byName[c.name] = c
		s := slices.Sorted(slices.Values(c.times))
		fmt.Printf("%-24s %12s %12s %12s %14d\n", c.name, ms(median(c.times)), ms(s[0]), ms(s[len(s)-1]), slices.Max(c.rss))
	}
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

// run starts argv, waits, and returns its wall time and peak RSS. The
// command's exit code is ignored: a pass that finds a daemon down exits 2.
func run(argv []string) (time.Duration, int64, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	start := time.Now()
	err := cmd.Run()
	d := time.Since(start)
	if _, ok := err.(*exec.ExitError); !ok && err != nil {
		return 0, 0, err
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	return d, ru.Maxrss, nil
}

func median(v []time.Duration) time.Duration {
	s := slices.Sorted(slices.Values(v))
	return s[len(s)/2]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d.Microseconds())/1000) }

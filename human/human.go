// Package human writes the numbers in cortex-check's messages the way a
// person reads them: durations as a config writes them, to the precision
// that matters at their size (480ms, 1.5s, 1m30s, 3h12m, 2d4h), ages in
// whole seconds (up 2s, 3m5s ago), and lists of numbers (PIDs 41, 42). Every message writes them through here, so
// they read the same everywhere.
package human

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// Duration writes d rounded to the precision it is shown with: below a
// millisecond as Go writes it, then to the millisecond, to a tenth of a
// second below ten seconds, to the second below an hour, to the minute
// below a day, and to the hour beyond. No zero unit is written (10m, not
// 10m0s) and at most two units are (3h12m, 2d4h).
func Duration(d time.Duration) string {
	if d < 0 {
		return "-" + Duration(-max(d, -math.MaxInt64))
	}
	return format(d.Round(Step(d)))
}

// DurationUp is Duration rounded up rather than to the nearest, so that
// an age just over a limit never reads as equal to it; a negative d is
// written as Duration writes it.
func DurationUp(d time.Duration) string {
	if d < 0 {
		return "-" + Duration(-max(d, -math.MaxInt64))
	}
	step := Step(d)
	if r := d % step; r != 0 {
		d += step - r
	}
	return format(d)
}

// Age is Duration for a time that has passed (an uptime, how long ago
// something happened): whole seconds and no finer, truncated rather than
// rounded, so that an age reads as a person counts it and is never said
// to be more than it is.
func Age(d time.Duration) string {
	if d < 0 {
		return Duration(d) // a clock set back: said as it is
	}
	return format(d.Truncate(max(Step(d), time.Second)))
}

// Step is the precision Duration shows d with.
func Step(d time.Duration) time.Duration {
	switch d = max(d, -d); {
	case d < time.Millisecond:
		return 1
	case d < time.Second:
		return time.Millisecond
	case d < 10*time.Second:
		return 100 * time.Millisecond
	case d < time.Hour:
		return time.Second
	case d < 24*time.Hour:
		return time.Minute
	}
	return time.Hour
}

// format writes a non-negative d, already rounded.
func format(d time.Duration) string {
	switch {
	case d < time.Minute:
		return d.String()
	case d < time.Hour:
		return two(d, time.Minute, "m", time.Second, "s")
	case d < 24*time.Hour:
		return two(d, time.Hour, "h", time.Minute, "m")
	}
	return two(d, 24*time.Hour, "d", time.Hour, "h")
}

// two writes d in whole units of big, then of small unless none.
func two(d, big time.Duration, bigName string, small time.Duration, smallName string) string {
	s := strconv.FormatInt(int64(d/big), 10) + bigName
	if n := (d % big) / small; n != 0 {
		s += strconv.FormatInt(int64(n), 10) + smallName
	}
	return s
}

// Ints writes numbers as a list: "41, 42".
func Ints(v []int) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ", ")
}

package check

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// Limits are a daemon's thresholds on its figures, and what --fix does at
// them: monit's "if totalmem > 512 MB for 3 cycles then restart", with
// systemd's MemoryMax sizes (binary units) and CPUQuota percentages (of
// one core: 200% is two cores busy).
type Limits struct {
	MaxMemory int64   // bytes; 0: none
	MaxCPU    float64 // percent of one core; 0: none
	// For is how many writer passes in a row a figure must be over its
	// limit before it counts (monit's "for N cycles").
	For int
	// Restart says --fix restarts the daemon at a limit (on_limit =
	// "restart"); otherwise it is WARNING (on_limit = "warn").
	Restart bool
}

// DefaultLimitFor is how many passes a figure must stay over its limit.
const DefaultLimitFor = 3

// Actions the config may name.
const (
	ActionWarn    = "warn"
	ActionRestart = "restart"
)

// minMemory is the least max_memory that makes sense: no program runs in
// less than a MiB, so a smaller limit is a typo for a bigger unit.
const minMemory = 1 << 20

// maxCPUPercent bounds max_cpu: 1,024 cores busy.
const maxCPUPercent = 1024 * 100

// The limits' regexps are compiled at the first limit a config sets: most
// configs set none, and a pass pays nothing for them.
var sizeRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^([0-9]+(?:\.[0-9]+)?)\s*([A-Za-z]*)$`) })

// sizeUnit is the factor of a binary unit; ok false for any other.
func sizeUnit(u string) (n int64, ok bool) {
	switch u {
	case "B":
		return 1, true
	case "K", "KiB":
		return 1 << 10, true
	case "M", "MiB":
		return 1 << 20, true
	case "G", "GiB":
		return 1 << 30, true
	case "T", "TiB":
		return 1 << 40, true
	}
	return 0, false
}

// ParseSize reads a size with a binary unit: "512MiB", "1.5GiB", or
// systemd's "512M" (also 1024-based). A bare number and decimal units
// (MB, GB) are refused: which one was meant cannot be told.
func ParseSize(key, s string) (int64, error) {
	example := fmt.Sprintf(`e.g. %s = "512MiB"`, key)
	t := strings.TrimSpace(s)
	if strings.HasPrefix(t, "-") {
		return 0, fmt.Errorf("%s = %q: a size cannot be negative, %s", key, s, example)
	}
	m := sizeRE().FindStringSubmatch(t)
	if m == nil {
		return 0, fmt.Errorf("%s = %q: write a number and a binary unit (KiB, MiB, GiB, TiB), %s", key, s, example)
	}
	unit, ok := sizeUnit(m[2])
	switch {
	case m[2] == "":
		return 0, fmt.Errorf("%s = %q: give a unit (KiB, MiB, GiB, TiB), %s", key, s, example)
	case !ok && strings.HasSuffix(strings.ToUpper(m[2]), "B") && len(m[2]) == 2:
		return 0, fmt.Errorf("%s = %q: sizes are binary: write %siB, %s", key, s, m[2][:1], example)
	case !ok:
		return 0, fmt.Errorf("%s = %q: unknown unit %q: use KiB, MiB, GiB or TiB, %s", key, s, m[2], example)
	}
	n, err := strconv.ParseFloat(m[1], 64)
	if err != nil || n*float64(unit) > math.MaxInt64/2 {
		return 0, fmt.Errorf("%s = %q: too large, %s", key, s, example)
	}
	v := int64(n * float64(unit))
	if v < minMemory {
		return 0, fmt.Errorf("%s = %q: no daemon runs in less than 1MiB, so this limit would always be over; %s", key, s, example)
	}
	return v, nil
}

var percentRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^([0-9]+(?:\.[0-9]+)?)\s*%$`) })

// ParsePercent reads a CPU percentage of one core, as systemd's CPUQuota
// does: "90%", "250%" for two and a half cores.
func ParsePercent(key, s string) (float64, error) {
	example := fmt.Sprintf(`e.g. %s = "90%%"`, key)
	t := strings.TrimSpace(s)
	if strings.HasPrefix(t, "-") {
		return 0, fmt.Errorf("%s = %q: a percentage cannot be negative, %s", key, s, example)
	}
	m := percentRE().FindStringSubmatch(t)
	if m == nil {
		return 0, fmt.Errorf("%s = %q: write a percentage of one core with %%, %s (200%% is two cores)", key, s, example)
	}
	v, err := strconv.ParseFloat(m[1], 64)
	switch {
	case err != nil:
		return 0, fmt.Errorf("%s = %q: %v, %s", key, s, err, example)
	case v <= 0:
		return 0, fmt.Errorf("%s = %q: a daemon is always at or over 0%%: give more, %s", key, s, example)
	case v > maxCPUPercent:
		return 0, fmt.Errorf("%s = %q: more than 1024 cores' worth, %s", key, s, example)
	}
	return v, nil
}

// parseAction reads on_limit or on_change.
func parseAction(key, s string) (bool, error) {
	switch s {
	case ActionWarn:
		return false, nil
	case ActionRestart:
		return true, nil
	}
	return false, fmt.Errorf(`%s = %q: give "warn" (WARNING only) or "restart" (--fix restarts it)%s`, key, s, suggest(s, []string{ActionWarn, ActionRestart}))
}

// FormatSize writes bytes the way limits are written: 612MiB, 1.5GiB.
func FormatSize(n int64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB"}
	v, i := float64(n), 0
	for v >= 1024 && i < len(units)-1 {
		v /= 1024
		i++
	}
	if v >= 100 || v == math.Trunc(v) {
		return fmt.Sprintf("%.0f%s", v, units[i])
	}
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.1f", v), "0"), ".") + units[i]
}

// FormatPercent writes a CPU percentage: 93%, 0.5%.
func FormatPercent(p float64) string {
	if p >= 10 || p == 0 {
		return fmt.Sprintf("%.0f%%", p)
	}
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.1f", p), "0"), ".") + "%"
}

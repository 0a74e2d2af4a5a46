package probe

import (
	"strings"
	"time"
	"unicode/utf8"
)

// tailLen is how much of a failing command's output goes into the error:
// enough for the last line or two, which usually say why.
const tailLen = 200

// tail returns the end of a command's output, at most tailLen bytes cut at
// a character boundary, "..." marking a cut.
func tail(out []byte) string {
	s := strings.TrimSpace(string(out))
	if len(s) <= tailLen {
		return s
	}
	i := len(s) - tailLen
	for i < len(s) && !utf8.RuneStart(s[i]) {
		i++
	}
	return "..." + s[i:]
}

// human writes a duration the way cortex.toml writes it: 2s, 1m30s, 2h,
// 480ms, not 2h0m0s or 1.734261s.
func human(d time.Duration) string {
	switch a := max(d, -d); {
	case a >= 10*time.Second:
		d = d.Round(time.Second)
	case a >= time.Second:
		d = d.Round(100 * time.Millisecond)
	case a >= time.Millisecond:
		d = d.Round(time.Millisecond)
	}
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2] // 1m0s: 1m; 2h0m0s: 2h0m
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}

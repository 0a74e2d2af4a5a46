package probe

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// oneLine escapes control characters and invalid UTF-8 the way Go quotes
// them (\n, \x1b, \ufeff), so that a message stays on one line of the
// Nagios output, the log and the status file, and an answer from a
// misbehaving daemon cannot garble a terminal. Quotes are left alone.
func oneLine(s string) string {
	clean := true
	for _, r := range s {
		// Printable includes the ASCII space, not tabs or other spaces.
		if r == utf8.RuneError || !unicode.IsPrint(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case !unicode.IsPrint(r) && r < utf8.RuneSelf:
			fmt.Fprintf(&b, `\x%02x`, r)
		case !unicode.IsPrint(r) && r <= 0xffff:
			fmt.Fprintf(&b, `\u%04x`, r)
		case !unicode.IsPrint(r):
			fmt.Fprintf(&b, `\U%08x`, r)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

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

// Package escape makes text from anywhere (daemon output, command lines,
// config values, error messages) safe to print on one line: to a terminal, a
// Nagios line, a log or a table. It is the one place that decides how such
// text looks, so every output escapes the same way.
package escape

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	shell "mvdan.cc/sh/v3/syntax"
)

// Line returns s on one line: runs of whitespace (newlines included) become
// one space, and control characters, terminal escapes and invalid UTF-8 are
// written as Go escapes (\x1b, \u200b), so no text can move the cursor, forge
// a line of its own or garble a terminal.
func Line(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			if space {
				b.WriteByte(' ')
				space = false
			}
			b.WriteString(`\x`)
			b.WriteString(strconv.FormatUint(uint64(s[i])|0x100, 16)[1:])
		case r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\v' || r == '\f':
			space = b.Len() > 0
		case !unicode.IsPrint(r):
			if space {
				b.WriteByte(' ')
				space = false
			}
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			if space {
				b.WriteByte(' ')
				space = false
			}
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// Truncate cuts s to at most n bytes, never inside a UTF-8 character, and
// marks the cut with "...".
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}

// Shell writes argv as a POSIX shell would need it typed, each argument
// quoted where it must be, so that a logged or generated command can be
// pasted back: an empty argument stays ” (redis's --save ""), one with
// spaces or quotes is quoted.
func Shell(argv []string) string {
	out := make([]string, len(argv))
	for i, a := range argv {
		q, err := shell.Quote(a, shell.LangPOSIX)
		if err != nil { // a NUL byte, which no shell can take
			q = strconv.Quote(a)
		}
		out[i] = q
	}
	return strings.Join(out, " ")
}

package probe

import (
	"strings"
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

package report

import (
	"cmp"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"unicode/utf8"
)

// The plugin's first line is what a pager, an SMS or a dashboard tile shows
// of a pass, so it is built for a person who reads nothing else:
//
//   - It stays under maxFirstLine characters, whatever the number of daemons.
//   - A pass's line is the count of daemons running, then its findings, worst
//     first (see kind). Each daemon that does not run is named once, in the
//     most specific finding: down, restart failed, held back or unknown.
//   - It is cut only at a whole clause, least severe first, and says how much
//     it leaves out: a list keeps its first names ("restarted: pm-daemon and
//     5 more"), then only its count ("restarted: 6 daemons"); only then are
//     whole findings left out, and the line says how many ("2 more below"),
//     while the worst ones kept get back the names that fit. The long output
//     names every daemon either way.
//   - An error gives the reason first and where it is second ("unknown key
//     "x" in daemon[3] (pm-daemon) of /etc/cortex/cortex.toml"); the whole
//     error follows on the next line, so a cut one ends in " …".

// maxFirstLine is the plugin guidelines' limit for the first line, which
// is what a pager, an SMS or a dashboard tile shows.
const maxFirstLine = 80

// kind is a finding of a pass; its order is the summary's, worst first:
// the CRITICAL ones (a daemon that does not run: down, then those --fix
// could not start or stopped trying to), UNKNOWN, then the WARNING ones (an
// observer blind to the writers' record, no timer runs --fix, then what runs
// but is not right, then a person's hold, which is on purpose).
type kind int

const (
	kindDown kind = iota
	kindRestartFailed
	kindHeldBack
	kindUnknown
	kindNotRead
	kindTimerStopped
	kindNotWritten
	kindTooMany
	kindOverLimit
	kindStale
	kindProbeAlert
	kindRestarted
	kindHeld
)

var kindLabels = [...]string{
	kindDown:          "down",
	kindRestartFailed: "restart failed",
	kindHeldBack:      "held back",
	kindUnknown:       "unknown",
	kindNotRead:       "status file not read",
	kindTimerStopped:  "timer stopped",
	kindNotWritten:    "not written",
	kindTooMany:       "too many instances",
	kindOverLimit:     "over limit",
	kindStale:         "stale",
	kindProbeAlert:    "probe failing",
	kindRestarted:     "restarted",
	kindHeld:          "held",
}

// finding is one clause of the summary: its kind and the daemons it names.
// A finding about the pass itself (timer stopped) names none.
type finding struct {
	kind  kind
	names []string
	label string // instead of the kind's, for a finding about the pass itself
}

// text is the clause with the first shown names, and what it leaves out:
// all names when shown is len(names), "and N more" after fewer, the count
// alone when shown is 0.
func (f finding) text(shown int) string {
	label := cmp.Or(f.label, kindLabels[f.kind])
	n := len(f.names)
	switch {
	case n == 0:
		return label
	case shown >= n:
		return label + ": " + strings.Join(f.names, ", ")
	case shown > 0:
		return fmt.Sprintf("%s: %s and %d more", label, strings.Join(f.names[:shown], ", "), n-shown)
	case n == 1:
		return label + ": 1 daemon"
	}
	return fmt.Sprintf("%s: %d daemons", label, n)
}

// add puts a finding in its place, worst first.
func (st *Status) add(f finding) {
	i := len(st.findings)
	for i > 0 && st.findings[i-1].kind > f.kind {
		i--
	}
	st.findings = append(st.findings[:i], append([]finding{f}, st.findings[i:]...)...)
	st.summarize()
}

// summarize writes the whole summary: the count, then every finding with
// every name. The status file and the text table carry it uncut.
func (st *Status) summarize() {
	parts := []string{st.head}
	for _, f := range st.findings {
		parts = append(parts, f.text(len(f.names)))
	}
	st.Summary = strings.Join(parts, "; ")
}

// TimerStopped records an observer's finding that no writer pass has run
// for three intervals: the pass is WARNING at least, and says so before
// the lesser warnings.
func (st *Status) TimerStopped() {
	st.State = Worse(st.State, Warning)
	st.ExitCode = int(st.State)
	st.add(finding{kind: kindTimerStopped})
}

// NotRead records an observer's finding that it could not read the
// status file: what only the writers' record says (a restart within
// restart_warning, a daemon held back or held, a stopped timer) it cannot
// see, so the pass is WARNING at least, never a clean OK.
func (st *Status) NotRead() {
	st.State = Worse(st.State, Warning)
	st.ExitCode = int(st.State)
	st.add(finding{kind: kindNotRead})
}

// NotWritten records a writer's finding that it could not write a file
// others read (what: "textfile"): the pass is WARNING at least, and its
// summary says "<what> not written".
func (st *Status) NotWritten(what string) {
	st.State = Worse(st.State, Warning)
	st.ExitCode = int(st.State)
	st.add(finding{kind: kindNotWritten, label: what + " not written"})
}

// firstLine is the pass's first line: its summary, cut to fit.
func (st *Status) firstLine() string {
	if st.head == "" { // not judged by Finish: only a summary to go by
		return FirstLine(st.State, st.Summary)
	}
	prefix := "CORTEX " + st.State.String() + " - "
	budget := maxFirstLine - 1 - utf8.RuneCountInString(prefix)
	shown := make([]int, len(st.findings))
	for i, f := range st.findings {
		shown[i] = len(f.names)
	}
	kept := len(st.findings)
	line := func() string {
		parts := []string{st.head}
		for i, f := range st.findings[:kept] {
			parts = append(parts, f.text(shown[i]))
		}
		if left := len(st.findings) - kept; left > 0 {
			parts = append(parts, fmt.Sprintf("%d more below", left))
		}
		return pluginText(strings.Join(parts, "; "))
	}
	fits := func() bool { return utf8.RuneCountInString(line()) <= budget }
	// The least severe list shrinks first, to its first name...
	for i := len(shown) - 1; i >= 0 && !fits(); i-- {
		for shown[i] > 1 && !fits() {
			shown[i]--
		}
	}
	// ...then to its count, where that is shorter...
	for i := len(shown) - 1; i >= 0 && !fits(); i-- {
		if f := st.findings[i]; len(f.text(0)) < len(f.text(shown[i])) {
			shown[i] = 0
		}
	}
	// ...and only then are whole findings left out, after which the
	// worst of those kept get their names back as far as they fit.
	if !fits() {
		for kept > 0 && !fits() {
			kept--
		}
		for i := range kept {
			for shown[i] < len(st.findings[i].names) {
				if shown[i]++; !fits() {
					shown[i]--
					break
				}
			}
		}
	}
	return prefix + line()
}

// FirstLine is the plugin's first line for a state and a message that is
// not a pass's summary, such as an error. A config error's reason comes
// before its daemon and file. The line is cut at the end of a clause ("; ")
// and then ends in " …"; the caller prints the whole message on the next
// line. When the first clause alone is too long, long quoted values and
// paths shrink to "…" and their last element, and what is still too long
// keeps the ends of its error chain, the context and the cause ("--fix
// started nothing more: … read-only file system"), or failing that, its
// start up to a word.
func FirstLine(state State, msg string) string {
	prefix := "CORTEX " + state.String() + " - "
	budget := maxFirstLine - 1 - utf8.RuneCountInString(prefix)
	units := errorUnits(pluginText(msg))
	if text, ok := fit(units, budget); ok {
		return prefix + text
	}
	units[0] = elide(units[0])
	if text, ok := fit(units, budget); ok {
		return prefix + text
	}
	return prefix + shorten(units[0], budget)
}

// fit joins the most units that fit in limit runes, with " …" after them
// when some are left out and there is room for it; false when not even
// the first fits.
func fit(units []string, limit int) (string, bool) {
	text, n := "", 0
	for n < len(units) {
		next := text + units[n]
		if runes(next) > limit || (n+1 < len(units) && runes(next+more) > limit) {
			break
		}
		text, n = next, n+1
	}
	switch {
	case n == 0 && runes(units[0]) <= limit:
		return units[0], true // the next line says the rest
	case n == 0:
		return "", false
	case n < len(units):
		text += more
	}
	return text, true
}

// The first line's regexps are compiled at the first message too long
// for it: an OK pass's line never is.
var (
	longQuote = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`(^|[\s(=])('[^']{10,}'|"(?:[^"\\]|\\.){10,}")`)
	})
	longPath = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`(^|[\s('"=])/(?:[^\s/:;,()'"]+/)+([^\s/:;,()'"]+)`)
	})
)

// elide shortens what a person does not need on the first line: a quoted
// value of 10 characters or more becomes '…', an absolute path "…/" and its
// last element.
func elide(s string) string {
	s = longQuote().ReplaceAllStringFunc(s, func(m string) string {
		i := strings.IndexAny(m, `'"`)
		return m[:i+1] + "…" + m[len(m)-1:]
	})
	return longPath().ReplaceAllString(s, "$1…/$2")
}

// more marks a line cut short of the message.
const more = " …"

func runes(s string) int { return utf8.RuneCountInString(s) }

// shorten fits one clause into limit runes. A Go error chain ("context:
// context: cause") keeps its first link and as many of its last as fit,
// the cause at least, without a parenthesis that does not fit; anything
// else is cut at a word.
func shorten(clause string, limit int) string {
	links := split(clause, ": ")
	if len(links) > 2 {
		for k := 2; k < len(links); k++ {
			tail := strings.Join(links[k:], ": ")
			for _, t := range []string{tail, dropParen(tail)} {
				if line := links[0] + ":" + more + " " + t; t != "" && runes(line) <= limit {
					return line
				}
			}
		}
	}
	return cutAtWord(clause, limit-runes(more)) + more
}

// dropParen is s without a parenthesis at its end, or "" if it has none.
func dropParen(s string) string {
	if !strings.HasSuffix(s, ")") {
		return ""
	}
	if i := unclosedParen(unquoted(s[:len(s)-1])); i > 0 {
		return strings.TrimRight(s[:i], " ")
	}
	return ""
}

// cutAtWord is the longest start of s, at most limit runes, that ends
// before a space (a word longer than limit is cut where it must be), and
// does not end in a dangling label ("lock X: its folder:" is "lock X"), a
// dangling word ("in", "by") or inside parentheses it opened.
func cutAtWord(s string, limit int) string {
	r := []rune(s)
	if len(r) <= limit {
		return s
	}
	cut := string(r[:limit])
	for i := limit; i > 0; i-- {
		if r[i] == ' ' {
			cut = string(r[:i])
			break
		}
	}
	if open := unclosedParen(unquoted(cut)); open > 0 {
		cut = cut[:open]
	}
	cut = strings.TrimRight(cut, " ")
	if strings.HasSuffix(cut, ":") {
		if i := strings.LastIndex(cut, ": "); i > 0 {
			cut = cut[:i]
		}
	}
	cut = strings.TrimRight(cut, ":;, ")
	for {
		i := strings.LastIndexByte(cut, ' ')
		if i < 0 || !dangling(cut[i+1:]) {
			return cut
		}
		cut = strings.TrimRight(cut[:i], ":;, ")
	}
}

// dangling says whether a word may not end a first line: "no daemon named
// "x" in" says less than "no daemon named "x"".
func dangling(word string) bool {
	switch word {
	case "a", "an", "the", "in", "of", "at", "by", "for", "to", "from", "with", "and", "or", "is", "are", "not":
		return true
	}
	return false
}

// unclosedParen is where the first "(" that s leaves open is, or -1.
func unclosedParen(s string) int {
	var open []int
	for i, c := range s {
		switch {
		case c == '(':
			open = append(open, i)
		case c == ')' && len(open) > 0:
			open = open[:len(open)-1]
		}
	}
	if len(open) == 0 {
		return -1
	}
	return open[0]
}

// configPlace matches where a config error is, at its start: the file,
// perhaps a line and column, perhaps the daemon. The file is one word with
// a "." or a "/" in it (checked by errorUnits), so "--fix refused: ..." or
// "bad arguments: ..." are no place.
var configPlace = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^([^\s:-][^\s:]*)((?::\d+){1,2})?: (?:(daemon\[\d+\](?: \([^()]*\))?): )?`)
})

// errorUnits splits a message into the units FirstLine cuts between: its
// clauses ("; "), each with its leading separator, and for a clause that
// starts with a config place, the reason first, then the daemon, then the
// file, each a unit of its own.
func errorUnits(msg string) []string {
	var units []string
	for i, c := range split(msg, "; ") {
		sep := ""
		if i > 0 {
			sep = "; "
		}
		m := configPlace().FindStringSubmatch(c)
		if m == nil || !strings.ContainsAny(m[1], "./") || len(m[0]) == len(c) {
			units = append(units, sep+c)
			continue
		}
		file, pos, daemon := m[1], m[2], m[3]
		units = append(units, sep+c[len(m[0]):])
		where := " in " + file
		if daemon != "" {
			units = append(units, " in "+daemon)
			where = " of " + file
		}
		if pos != "" {
			where = " at " + file + pos
		}
		units = append(units, where)
	}
	return units
}

// split splits s at each sep ("; " or ": ") that is outside quotes and
// parentheses, so a quoted pattern or a parenthesized summary stays whole.
func split(s, sep string) []string {
	var out []string
	start, depth := 0, 0
	bare := unquoted(s)
	for i := 0; i < len(bare); i++ {
		switch {
		case bare[i] == '(':
			depth++
		case bare[i] == ')' && depth > 0:
			depth--
		case depth == 0 && strings.HasPrefix(bare[i:], sep):
			out = append(out, s[start:i])
			start = i + len(sep)
			i += len(sep) - 1
		}
	}
	return append(out, s[start:])
}

// unquoted is s with what is inside quotes blanked out, byte for byte, so
// that a separator or a parenthesis in a quoted value counts for nothing.
// A single quote opens a quotation only after a space, "(" or "=", or at
// the start ("it's" opens none); a double quote is Go's %q, with backslash
// escapes.
func unquoted(s string) string {
	b := []byte(s)
	var quote byte
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case quote == '"' && c == '\\' && i+1 < len(b):
			b[i], b[i+1] = ' ', ' '
			i++
		case quote != 0 && c == quote:
			quote = 0
		case quote != 0:
			b[i] = ' '
		case c == '"' || c == '\'' && (i == 0 || strings.IndexByte(" (=", b[i-1]) >= 0):
			quote = c
		}
	}
	return string(b)
}

package escape

import (
	"testing"
	"unicode/utf8"
)

func TestLine(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"  two\n lines\r\n", "two lines"},
		{"tab\there", "tab here"},
		{"bell\a", `bell\a`},
		{"\x1b[31mred\x1b[0m", `\x1b[31mred\x1b[0m`},
		{"bad \xff byte", `bad \xff byte`},
		{"zero\u200bwidth", `zero\u200bwidth`},
		{"ünïcödé stays", "ünïcödé stays"},
		{"nul\x00", `nul\x00`},
		{"", ""},
	}
	for _, tt := range tests {
		if got := Line(tt.in); got != tt.want {
			t.Errorf("Line(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestTruncate(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"exactly", 7, "exactly"},
		{"abcdef", 3, "abc..."},
		// "é" is two bytes: a cut at 2 would split it.
		{"aé", 2, "a..."},
		{"日本語", 4, "日..."},
		{"日本語", 0, "..."},
	}
	for _, tt := range tests {
		got := Truncate(tt.in, tt.n)
		if got != tt.want {
			t.Errorf("Truncate(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
		if !utf8.ValidString(got) {
			t.Errorf("Truncate(%q, %d) = %q: invalid UTF-8", tt.in, tt.n, got)
		}
	}
}

func FuzzLine(f *testing.F) {
	f.Add("a\nb\x1b\xff")
	f.Fuzz(func(t *testing.T, s string) {
		got := Line(s)
		if !utf8.ValidString(got) {
			t.Fatalf("Line(%q) = %q: invalid UTF-8", s, got)
		}
		for _, r := range got {
			if r < 0x20 || r == 0x7f {
				t.Fatalf("Line(%q) = %q: control character %U", s, got, r)
			}
		}
	})
}

// A logged command can be pasted back into a shell: empty arguments and
// arguments with spaces stay visible.
func TestShell(t *testing.T) {
	tests := []struct {
		argv []string
		want string
	}{
		{[]string{"redis-server", "--save", "", "--port", "6379"}, `redis-server --save '' --port 6379`},
		{[]string{"nginx", "-g", "daemon off;"}, `nginx -g 'daemon off;'`},
		{[]string{"/srv/my daemon/run.sh"}, `'/srv/my daemon/run.sh'`},
		{[]string{"echo", "it's"}, `echo "it's"`},
		{[]string{"plain", "-v"}, `plain -v`},
	}
	for _, tt := range tests {
		if got := Shell(tt.argv); got != tt.want {
			t.Errorf("Shell(%q) = %s, want %s", tt.argv, got, tt.want)
		}
	}
}

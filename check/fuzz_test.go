package check

import (
	"strings"
	"testing"
)

// FuzzParseStat: any bytes in /proc/PID/stat give fields or an error, never
// a panic, and a name read up to the last ')'.
func FuzzParseStat(f *testing.F) {
	f.Add([]byte("42 (bash) S 1 42 42 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 12345 1000 100\n"))
	f.Add([]byte("7 ((a) b)) Z 3 7 7 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 99"))
	f.Add([]byte("7 (x) S 99999999999999999999 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 99"))
	f.Add([]byte("7 ( ) R -1"))
	f.Add([]byte(")("))
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := parseStat(b)
		if err != nil {
			return
		}
		if st.ppid < 0 || st.ppid > maxPID {
			t.Errorf("ppid %d out of range", st.ppid)
		}
		if !strings.Contains(string(b), "("+st.name+")") {
			t.Errorf("name %q is not what stands between ( and )", st.name)
		}
	})
}

// FuzzParse: any config text gives a config or a one-line error naming the
// file, never a panic.
func FuzzParse(f *testing.F) {
	f.Add("[[daemon]]\nname = \"pm\"\npattern = 'pm\\.sh$'\nstart = [\"x\"]\n")
	f.Add("status_file = 1\n")
	f.Add("[[daemon]]\nname = \"a\"\nafter = [\"b\"]\n[[daemon]]\nname = \"b\"\nafter = [\"a\"]\n")
	f.Add("[[daemon]]\nname = \"a\"\nstrat = 1\n")
	f.Add("interval = \"-5s\"\n[[daemon]]\nname = \"x\"\npattern = '(?i)x(' \n")
	f.Add("[[daemon]]\nname = \"a\"\nenv = { \"\" = \"x\" }\n")
	f.Add("a=0b\n") // regression: the parser quoted the newline into its message
	f.Fuzz(func(t *testing.T, text string) {
		cfg, err := Parse([]byte(text), "/srv/cortex.toml")
		if err != nil {
			msg := err.Error()
			if !strings.HasPrefix(msg, "/srv/cortex.toml") || strings.Contains(msg, "\n") {
				t.Errorf("error %q: want one line starting with the file's name", msg)
			}
			return
		}
		if len(cfg.Daemons) == 0 {
			t.Error("a config with no daemons was accepted")
		}
		for _, d := range cfg.Daemons {
			if d.Name == "" {
				t.Errorf("daemon without a name: %+v", d)
			}
			// Matching never panics, whatever the pattern.
			d.match.matches(&Process{Name: "x", Cmdline: text})
		}
	})
}

package trust

import (
	"errors"
	"io/fs"
	"strings"
	"syscall"
	"testing"
)

func TestReadConfig(t *testing.T) {
	b := base(t)
	const toml = "[[daemon]]\nname = \"app\"\n"
	etc := mkdir(t, b+"/etc", 0o755, 0)
	mkfile(t, etc+"/cortex.toml", toml, 0o644, 0)
	mkfile(t, etc+"/nobodys.toml", toml, 0o644, nobody)
	mkfile(t, etc+"/gw.toml", toml, 0o664, 0)
	gw := mkdir(t, b+"/gw", 0o775, 0)
	mkfile(t, gw+"/cortex.toml", toml, 0o644, 0)
	untrusted := mkdir(t, b+"/home", 0o755, nobody)
	mkfile(t, untrusted+"/cortex.toml", toml, 0o644, 0)
	mklink(t, untrusted+"/cortex.toml", etc+"/into-home.toml", 0)
	mklink(t, "cortex.toml", etc+"/same-folder.toml", 0)
	mkfile(t, etc+"/big.toml", strings.Repeat("#\n", MaxConfig/2+1), 0o644, 0)
	if err := syscall.Mkfifo(etc+"/fifo.toml", 0o644); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name      string
		path      string
		uid       int
		resolved  string
		untrusted []string // empty: trusted
	}{
		{"root-owned 0644 in a root-owned tree", etc + "/cortex.toml", 0, etc + "/cortex.toml", nil},
		{"link within trusted folders", etc + "/same-folder.toml", 0, etc + "/cortex.toml", nil},
		{"the caller's own config", etc + "/nobodys.toml", nobody, etc + "/nobodys.toml", nil},
		{"owned by another user", etc + "/nobodys.toml", 0, etc + "/nobodys.toml",
			[]string{etc + "/nobodys.toml is owned by nobody (uid 65534), not by root", "could change the commands cortex-check runs as root", "fix: chown root"}},
		{"writable by group", etc + "/gw.toml", 0, etc + "/gw.toml", []string{etc + "/gw.toml is writable by group root", "fix: chmod g-w " + etc + "/gw.toml"}},
		{"in a group-writable folder", gw + "/cortex.toml", 0, gw + "/cortex.toml", []string{gw + " is writable by group root", "fix: chmod g-w " + gw}},
		{"a link into another user's folder", etc + "/into-home.toml", 0, untrusted + "/cortex.toml", []string{untrusted + " is owned by nobody"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ReadConfig(tt.path, tt.uid)
			if err != nil {
				t.Fatal(err)
			}
			if string(c.Data) != toml || c.Path != tt.resolved {
				t.Errorf("read %q from %s, want %q from %s", c.Data, c.Path, toml, tt.resolved)
			}
			if len(tt.untrusted) == 0 {
				if c.Untrusted != nil {
					t.Errorf("Untrusted = %v, want nil", c.Untrusted)
				}
				return
			}
			refused(t, c.Untrusted, tt.untrusted...)
		})
	}

	t.Run("missing", func(t *testing.T) {
		if _, err := ReadConfig(etc+"/none.toml", 0); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("got %v, want not-exist", err)
		}
	})
	t.Run("too big", func(t *testing.T) {
		if _, err := ReadConfig(etc+"/big.toml", 0); err == nil || !strings.Contains(err.Error(), "larger than 1024 KiB") {
			t.Errorf("got %v", err)
		}
	})
	t.Run("a FIFO is refused, not waited on", func(t *testing.T) {
		if _, err := ReadConfig(etc+"/fifo.toml", 0); err == nil || !strings.Contains(err.Error(), "is a FIFO") {
			t.Errorf("got %v", err)
		}
	})
	t.Run("a folder", func(t *testing.T) {
		if _, err := ReadConfig(etc, 0); err == nil || !strings.Contains(err.Error(), "is a folder") {
			t.Errorf("got %v", err)
		}
	})
}

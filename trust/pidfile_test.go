package trust

import (
	"errors"
	"io/fs"
	"os"
	"strings"
	"testing"
)

func TestReadPidfile(t *testing.T) {
	b, daemonDir, secretPath := attackable(t)
	mkfile(t, daemonDir+"/ok.pid", "1234\n", 0o644, nobody)
	mkfile(t, daemonDir+"/spaced.pid", " 42 \nsecond line\n", 0o644, nobody)
	mkfile(t, daemonDir+"/bare.pid", "7", 0o644, nobody)
	mkfile(t, daemonDir+"/nul.pid", "99 \x00\x00", 0o644, nobody)
	mkfile(t, daemonDir+"/empty.pid", "", 0o644, nobody)
	mkfile(t, daemonDir+"/text.pid", "not a pid\n", 0o644, nobody)
	mkfile(t, daemonDir+"/long.pid", strings.Repeat("1", 8192), 0o644, nobody)
	asNobody(t, "ln", "-s", secretPath, daemonDir+"/link.pid")
	asNobody(t, "mkfifo", daemonDir+"/fifo.pid")
	if err := os.Link(secretPath, daemonDir+"/hard.pid"); err != nil {
		t.Fatal(err)
	}

	for name, want := range map[string]string{"ok.pid": "1234", "spaced.pid": "42", "bare.pid": "7", "nul.pid": "99"} {
		got, _, err := ReadPidfile(daemonDir + "/" + name)
		if err != nil || string(got) != want {
			t.Errorf("%s: %q, %v; want %q", name, got, err, want)
		}
	}

	tests := []struct {
		name string
		path string
		is   error
		want string
	}{
		{"missing: the daemon is stopped", daemonDir + "/none.pid", fs.ErrNotExist, "no such file"},
		{"missing folder", b + "/none/app.pid", fs.ErrNotExist, "no such file"},
		{"symbolic link", daemonDir + "/link.pid", fs.ErrPermission, "pidfile " + daemonDir + "/link.pid is a symbolic link"},
		{"FIFO: refused, not waited on", daemonDir + "/fifo.pid", fs.ErrPermission, "is a FIFO (named pipe), not a regular file"},
		{"/dev/zero: refused, not read", "/dev/zero", fs.ErrPermission, "pidfile /dev/zero is a character device, not a regular file"},
		{"hard link to another file", daemonDir + "/hard.pid", fs.ErrPermission, "has 2 hard links"},
		{"empty", daemonDir + "/empty.pid", ErrNoPID, "holds no PID: it is empty"},
		{"text", daemonDir + "/text.pid", ErrNoPID, "holds no PID: its first line is not a number"},
		{"too long to be a PID", daemonDir + "/long.pid", ErrNoPID, "not a number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _, err := ReadPidfile(tt.path)
			if got != nil || !errors.Is(err, tt.is) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %q, %v; want an error matching %v that says %q", got, err, tt.is, tt.want)
			}
			if err != nil && strings.Contains(err.Error(), "secret") {
				t.Errorf("the error shows what root read: %v", err)
			}
		})
	}

	t.Run("content root read for someone else is never shown", func(t *testing.T) {
		// nobody moves root's secret (same file system) to the pidfile's
		// name: one link, regular; its text must not reach a message.
		other := mkfile(t, b+"/other-secret", secret, 0o600, 0)
		moved := daemonDir + "/moved.pid"
		if err := os.Rename(other, moved); err != nil {
			t.Fatal(err)
		}
		_, _, err := ReadPidfile(moved)
		if !errors.Is(err, ErrNoPID) || strings.Contains(err.Error(), "secret") || strings.Contains(err.Error(), "root:") {
			t.Errorf("got %v", err)
		}
	})
}

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

func TestReadPidfileLinks(t *testing.T) {
	t.Run("the account's link on the way into root's folder", func(t *testing.T) {
		b, daemonDir, _ := attackable(t)
		dir := mkdir(t, b+"/rootonly", 0o700, 0)
		mkfile(t, dir+"/app.pid", "424242\n", 0o600, 0)
		asNobody(t, "ln", "-s", dir, daemonDir+"/run")
		for _, path := range []string{daemonDir + "/run/app.pid", daemonDir + "/run/none.pid", daemonDir + "/run/sub/app.pid"} {
			got, _, err := ReadPidfile(path)
			e := refused(t, err, "pidfile "+path+": symbolic link "+daemonDir+"/run is owned by nobody (uid 65534), not by root (mode 0777)",
				"its owner nobody could point it at any folder and so have cortex-check, running as root, read a file they may not read",
				"fix: set pidfile to a path without this link, or make "+daemonDir+"/run a real folder")
			if got != nil || strings.Contains(err.Error(), "424242") {
				t.Errorf("%s: got %q, %v: root read the file for nobody", path, got, err)
			}
			if e.Path != daemonDir+"/run" {
				t.Errorf("refusal names %s, want the link", e.Path)
			}
		}
	})

	t.Run("the account's link into its own folder is not followed either", func(t *testing.T) {
		_, daemonDir, _ := attackable(t)
		mkdir(t, daemonDir+"/real", 0o755, nobody)
		mkfile(t, daemonDir+"/real/app.pid", "1234\n", 0o644, nobody)
		asNobody(t, "ln", "-s", "real", daemonDir+"/run")
		_, _, err := ReadPidfile(daemonDir + "/run/app.pid")
		refused(t, err, "symbolic link "+daemonDir+"/run is owned by nobody")
	})

	t.Run("root's link in the account's folder", func(t *testing.T) {
		b, daemonDir, _ := attackable(t)
		dir := mkdir(t, b+"/rootonly", 0o700, 0)
		mkfile(t, dir+"/app.pid", "424242\n", 0o600, 0)
		mklink(t, dir, daemonDir+"/run", 0)
		_, _, err := ReadPidfile(daemonDir + "/run/app.pid")
		refused(t, err, "symbolic link "+daemonDir+"/run is in a folder owned by nobody (uid 65534), not by root", "nobody could put another link in its place")
	})

	t.Run("root's link in a folder others may write", func(t *testing.T) {
		b := base(t)
		gw := mkdir(t, b+"/gw", 0o775, 0)
		mkdir(t, b+"/real", 0o755, nobody)
		mkfile(t, b+"/real/app.pid", "1234\n", 0o644, nobody)
		mklink(t, b+"/real", gw+"/run", 0)
		_, _, err := ReadPidfile(gw + "/run/app.pid")
		refused(t, err, "symbolic link "+gw+"/run is in a folder writable by group root", "whoever can write that folder could put another link in its place")
	})

	t.Run("root's links on the way are followed, the account's folders are not judged", func(t *testing.T) {
		// /var/run -> /run style, into a folder the daemon owns and may
		// make writable to others: its pidfile is the daemon's to write.
		b := base(t)
		mkdir(t, b+"/real/app", 0o777, nobody)
		mkfile(t, b+"/real/app/app.pid", "1234\n", 0o644, nobody)
		mklink(t, "real", b+"/run", 0)
		mklink(t, b+"/run/app", b+"/abs", 0)
		for _, path := range []string{b + "/run/app/app.pid", b + "/abs/app.pid", b + "/real/app/../app/app.pid"} {
			if got, _, err := ReadPidfile(path); err != nil || string(got) != "1234" {
				t.Errorf("%s: %q, %v", path, got, err)
			}
		}
	})

	t.Run("a path relative to the working folder, or a folder", func(t *testing.T) {
		_, daemonDir, _ := attackable(t)
		mkfile(t, daemonDir+"/ok.pid", "1234\n", 0o644, nobody)
		t.Chdir(daemonDir)
		if got, _, err := ReadPidfile("ok.pid"); err != nil || string(got) != "1234" {
			t.Errorf("ok.pid: %q, %v", got, err)
		}
		for _, path := range []string{".", "..", daemonDir + "/", "/"} {
			_, _, err := ReadPidfile(path)
			refused(t, err, "is a folder, not a regular file", "fix: set pidfile to where the daemon writes its PID")
		}
	})

	t.Run("a device: the fix is the config, not rm", func(t *testing.T) {
		_, _, err := ReadPidfile("/dev/zero")
		refused(t, err, "fix: set pidfile to where the daemon writes its PID")
		if strings.Contains(err.Error(), "rm /dev/zero") {
			t.Errorf("says to remove the device: %v", err)
		}
	})
}

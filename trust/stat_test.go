package trust

import (
	"errors"
	"io/fs"
	"os"
	"strings"
	"testing"
	"time"
)

// Stat is a heartbeat's look: the account that owns a daemon's folder may
// write its heartbeat there, but no link of its making is followed, and
// a refusal says nothing of what the link points at.
func TestStat(t *testing.T) {
	b, daemonDir, secretPath := attackable(t)
	rootOnly := mkdir(t, b+"/rootonly", 0o700, 0)
	idRSA := mkfile(t, rootOnly+"/id_rsa", "key", 0o600, 0)
	old := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, p := range []string{secretPath, idRSA} {
		if err := os.Chtimes(p, old, old); err != nil {
			t.Fatal(err)
		}
	}
	beat := mkfile(t, daemonDir+"/app.beat", "", 0o644, nobody)
	written := time.Date(2026, 11, 26, 3, 12, 9, 0, time.UTC)
	if err := os.Chtimes(beat, written, written); err != nil {
		t.Fatal(err)
	}
	mkdir(t, daemonDir+"/sub", 0o755, nobody)
	asNobody(t, "ln", "-s", idRSA, daemonDir+"/key.beat")
	asNobody(t, "ln", "-s", rootOnly, daemonDir+"/keys")
	asNobody(t, "ln", "-s", rootOnly+"/none", daemonDir+"/dangling.beat")
	mklink(t, idRSA, daemonDir+"/roots.beat", 0) // root's link, in the account's folder
	rootDir := mkdir(t, b+"/rootdir", 0o755, 0)
	mklink(t, beat, rootDir+"/via-root.beat", 0) // root's link in root's folder, to the account's file

	tests := []struct {
		name  string
		path  string
		mtime time.Time // the file's, when found
		dir   bool
		is    error  // nil: found
		want  string // in the error
	}{
		{"the daemon's own file in its own folder", beat, written, false, nil, ""},
		{"root's link in root's folder", rootDir + "/via-root.beat", written, false, nil, ""},
		{"a folder", daemonDir, time.Time{}, true, nil, ""},
		{"missing", daemonDir + "/none.beat", time.Time{}, false, fs.ErrNotExist, "no such file"},
		{"missing folder", daemonDir + "/none/app.beat", time.Time{}, false, fs.ErrNotExist, "no such file"},
		{"the account's link at the name", daemonDir + "/key.beat", time.Time{}, false, fs.ErrPermission,
			"symbolic link " + daemonDir + "/key.beat is owned by nobody (uid 65534), not by root (mode 0777): its owner nobody could point it at any folder and so have cortex-check, running as root, tell them whether a file they may not see exists and when it changed; fix: set heartbeat to a path without this link (the file the daemon itself touches)"},
		{"the account's dangling link", daemonDir + "/dangling.beat", time.Time{}, false, fs.ErrPermission, "symbolic link " + daemonDir + "/dangling.beat is owned by nobody"},
		{"the account's link on the way", daemonDir + "/keys/id_rsa", time.Time{}, false, fs.ErrPermission,
			"symbolic link " + daemonDir + "/keys is owned by nobody (uid 65534), not by root (mode 0777): its owner nobody could point it at any folder and so have cortex-check, running as root, tell them whether a file they may not see exists and when it changed; fix: set heartbeat to a path without this link, or make " + daemonDir + "/keys a real folder"},
		{"the account's link on the way, to nothing", daemonDir + "/keys/none", time.Time{}, false, fs.ErrPermission, "symbolic link " + daemonDir + "/keys is owned by nobody"},
		{"root's link in the account's folder", daemonDir + "/roots.beat", time.Time{}, false, fs.ErrPermission,
			"symbolic link " + daemonDir + "/roots.beat is in a folder owned by nobody (uid 65534), not by root"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fi, err := Stat(tt.path)
			if tt.is == nil {
				if err != nil {
					t.Fatal(err)
				}
				if fi.IsDir() != tt.dir || !tt.dir && !fi.ModTime().Equal(tt.mtime) {
					t.Errorf("IsDir %v, mtime %v; want %v, %v", fi.IsDir(), fi.ModTime(), tt.dir, tt.mtime)
				}
				return
			}
			if fi != nil || !errors.Is(err, tt.is) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, %v; want an error matching %v that says %q", fi, err, tt.is, tt.want)
			}
			// Nothing of the target: not its name, nor its time.
			for _, leak := range []string{"id_rsa", rootOnly, "2020"} {
				if tt.path != daemonDir+"/keys/id_rsa" && strings.Contains(err.Error(), leak) {
					t.Errorf("the refusal shows %q: %v", leak, err)
				}
			}
		})
	}
}

func TestFileKind(t *testing.T) {
	tests := []struct {
		mode fs.FileMode
		want string
	}{
		{0o644, "a regular file"},
		{fs.ModeDir | 0o755, "a folder"},
		{fs.ModeSymlink | 0o777, "a symbolic link"},
		{fs.ModeNamedPipe, "a FIFO (named pipe)"},
		{fs.ModeSocket, "a socket"},
		{fs.ModeDevice | fs.ModeCharDevice, "a character device"},
		{fs.ModeDevice, "a block device"},
		{fs.ModeIrregular, "not a regular file"},
	}
	for _, tt := range tests {
		if got := FileKind(tt.mode); got != tt.want {
			t.Errorf("FileKind(%v) = %q, want %q", tt.mode, got, tt.want)
		}
	}
}

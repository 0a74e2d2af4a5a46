package trust

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

const secret = "root:$6$secret:19000:0:99999:7:::\n"

// attackable makes a test tree the second user can reach: b (root, 0755)
// holds a root-only secret, and a daemon folder owned by nobody (its log,
// pid or state folder) where nobody plants things.
func attackable(t *testing.T) (b, daemonDir, secretPath string) {
	b = base(t)
	reachable(t, b)
	daemonDir = mkdir(t, b+"/daemon", 0o755, nobody)
	secretPath = mkfile(t, b+"/secret", secret, 0o600, 0)
	return b, daemonDir, secretPath
}

func TestOpenAppend(t *testing.T) {
	nobodyOwner := Owner{UID: nobody, GID: nobody}

	t.Run("creates the folder root-owned and the log owned by the daemon", func(t *testing.T) {
		b := base(t)
		path := b + "/var/log/app/app.log"
		f, err := OpenAppend(path, nobodyOwner)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if _, err := f.WriteString("started\n"); err != nil {
			t.Fatal(err)
		}
		statIs(t, b+"/var/log/app", fs.ModeDir|0o755, 0, 0)
		statIs(t, path, LogMode, nobody, nobody)
		unchanged(t, path, "started\n")
	})

	t.Run("appends to an existing log and tails from the descriptor", func(t *testing.T) {
		b := base(t)
		path := mkfile(t, b+"/app.log", "old line\n", 0o644, 0)
		f, err := OpenAppend(path, Caller())
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		offset, _ := f.Seek(0, 2)
		f.WriteString("new 1\nnew 2\n")
		// The name now points elsewhere: the tail still reads what the
		// pass opened.
		os.Rename(path, b+"/moved.log")
		mkfile(t, path, "someone else's file\n", 0o644, 0)
		tail, err := TailFrom(f, offset, 100)
		if err != nil || tail != "new 1\nnew 2\n" {
			t.Errorf("tail = %q, %v", tail, err)
		}
		statIs(t, b+"/moved.log", 0o644, 0, 0) // an existing log keeps its mode and owner
	})

	t.Run("symbolic link planted at the log", func(t *testing.T) {
		_, daemonDir, secretPath := attackable(t)
		asNobody(t, "ln", "-s", secretPath, daemonDir+"/app.log")
		_, err := OpenAppend(daemonDir+"/app.log", nobodyOwner)
		refused(t, err, "log "+daemonDir+"/app.log is a symbolic link", "fix: rm "+daemonDir+"/app.log")
		unchanged(t, secretPath, secret)
		statIs(t, secretPath, 0o600, 0, 0)
	})

	t.Run("dangling symbolic link planted at the log", func(t *testing.T) {
		b, daemonDir, _ := attackable(t)
		asNobody(t, "ln", "-s", b+"/created-by-root", daemonDir+"/app.log")
		_, err := OpenAppend(daemonDir+"/app.log", nobodyOwner)
		refused(t, err, "is a symbolic link")
		if _, err := os.Lstat(b + "/created-by-root"); err == nil {
			t.Error("root created the link's target")
		}
	})

	t.Run("hard link planted at the log", func(t *testing.T) {
		// protected_hardlinks stops nobody linking root's file; root plays
		// a system without it.
		_, daemonDir, secretPath := attackable(t)
		if err := os.Link(secretPath, daemonDir+"/app.log"); err != nil {
			t.Fatal(err)
		}
		_, err := OpenAppend(daemonDir+"/app.log", nobodyOwner)
		refused(t, err, "log "+daemonDir+"/app.log has 2 hard links")
		unchanged(t, secretPath, secret)
	})

	t.Run("FIFO planted at the log", func(t *testing.T) {
		_, daemonDir, _ := attackable(t)
		asNobody(t, "mkfifo", daemonDir+"/app.log")
		_, err := OpenAppend(daemonDir+"/app.log", nobodyOwner)
		refused(t, err, "is a FIFO (named pipe), not a regular file")
	})

	t.Run("log folder writable by group", func(t *testing.T) {
		b := base(t)
		dir := mkdir(t, b+"/log", 0o775, 0)
		_, err := OpenAppend(dir+"/app.log", Caller())
		refused(t, err, dir+" is writable by group root", "could swap the files cortex-check writes there as root", "fix: chmod g-w "+dir)
		if _, err := os.Lstat(dir + "/app.log"); err == nil {
			t.Error("the log was created anyway")
		}
	})

	t.Run("log folder of another user", func(t *testing.T) {
		_, daemonDir, _ := attackable(t)
		_, err := OpenAppend(daemonDir+"/app.log", Caller()) // the restart log: root's
		refused(t, err, daemonDir+" is owned by nobody (uid 65534), not by root")
	})

	t.Run("shared sticky folder", func(t *testing.T) {
		b := base(t)
		dir := mkdir(t, b+"/shared", 0o777|fs.ModeSticky, 0)
		_, err := OpenAppend(dir+"/app.log", Caller())
		refused(t, err, "a shared folder", "could put a file or link there before cortex-check creates its own", "use a folder that only root can write")
	})

	t.Run("link on the way to the folder", func(t *testing.T) {
		b := base(t)
		gw := mkdir(t, b+"/gw", 0o775, 0)
		mklink(t, gw, b+"/log", 0)
		_, err := OpenAppend(b+"/log/app.log", Caller())
		refused(t, err, gw+" is writable by group")
	})
}

func TestTailFrom(t *testing.T) {
	b := base(t)
	f, err := OpenAppend(b+"/t.log", Caller())
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	f.WriteString("before\n")
	offset := int64(len("before\n"))
	f.WriteString("one\ntwo\nthree\n")
	tests := []struct {
		offset int64
		max    int
		want   string
	}{
		{offset, 100, "one\ntwo\nthree\n"},
		{offset, 10, "three\n"}, // cut inside "two": starts at the next line
		{offset, 3, "ee\n"},     // no whole line fits: the bytes
		{0, 1000, "before\none\ntwo\nthree\n"},
		{offset, 0, ""},
		{1 << 20, 100, "before\none\ntwo\nthree\n"}, // truncated since: all of it is new
	}
	for _, tt := range tests {
		if got, err := TailFrom(f, tt.offset, tt.max); err != nil || got != tt.want {
			t.Errorf("TailFrom(%d, %d) = %q, %v; want %q", tt.offset, tt.max, got, err, tt.want)
		}
	}
}

func TestWriteFileAtomic(t *testing.T) {
	t.Run("creates folder and file with exactly perm", func(t *testing.T) {
		b := base(t)
		path := b + "/state/status.json"
		if err := WriteFileAtomic(path, []byte("{}"), 0o644, 0); err != nil {
			t.Fatal(err)
		}
		unchanged(t, path, "{}")
		statIs(t, path, 0o644, 0, 0)
		onlyEntry(t, b+"/state", "status.json")
	})

	t.Run("replaces a symbolic link, never writes through it", func(t *testing.T) {
		b := base(t)
		secretPath := mkfile(t, b+"/secret", secret, 0o600, 0)
		dir := mkdir(t, b+"/state", 0o755, 0)
		mklink(t, secretPath, dir+"/status.json", nobody)
		if err := WriteFileAtomic(dir+"/status.json", []byte("{}"), 0o644, 0); err != nil {
			t.Fatal(err)
		}
		unchanged(t, secretPath, secret)
		statIs(t, dir+"/status.json", 0o644, 0, 0)
		unchanged(t, dir+"/status.json", "{}")
	})

	t.Run("replaces a hard link, never writes through it", func(t *testing.T) {
		b := base(t)
		secretPath := mkfile(t, b+"/secret", secret, 0o600, 0)
		dir := mkdir(t, b+"/state", 0o755, 0)
		if err := os.Link(secretPath, dir+"/status.json"); err != nil {
			t.Fatal(err)
		}
		if err := WriteFileAtomic(dir+"/status.json", []byte("{}"), 0o644, 0); err != nil {
			t.Fatal(err)
		}
		unchanged(t, secretPath, secret)
		unchanged(t, dir+"/status.json", "{}")
	})

	t.Run("status folder of another user", func(t *testing.T) {
		_, daemonDir, _ := attackable(t)
		err := WriteFileAtomic(daemonDir+"/status.json", []byte("{}"), 0o644, 0)
		refused(t, err, "write "+daemonDir+"/status.json: its folder: "+daemonDir+" is owned by nobody")
		onlyEntry(t, daemonDir)
		// A pass running as that user may write there.
		if err := WriteFileAtomic(daemonDir+"/status.json", []byte("{}"), 0o644, nobody); err != nil {
			t.Error(err)
		}
	})

	t.Run("a folder at the name: old state kept, no temporary file left", func(t *testing.T) {
		b := base(t)
		dir := mkdir(t, b+"/state", 0o755, 0)
		mkdir(t, dir+"/status.json", 0o755, 0)
		err := WriteFileAtomic(dir+"/status.json", []byte("{}"), 0o644, 0)
		if err == nil || !strings.HasPrefix(err.Error(), "write "+dir+"/status.json: ") {
			t.Errorf("got %v", err)
		}
		onlyEntry(t, dir, "status.json")
	})
}

func TestOpenLock(t *testing.T) {
	t.Run("creates 0600, opens again", func(t *testing.T) {
		b := base(t)
		for range 2 {
			f, err := OpenLock(b+"/run/status.json.lock", 0)
			if err != nil {
				t.Fatal(err)
			}
			f.Close()
		}
		statIs(t, b+"/run/status.json.lock", 0o600, 0, 0)
	})

	t.Run("pre-created by another user", func(t *testing.T) {
		b := base(t)
		lock := mkfile(t, b+"/status.json.lock", "", 0o600, nobody)
		_, err := OpenLock(lock, 0)
		refused(t, err, "lock "+lock+" is owned by nobody (uid 65534), not by root (mode 0600): another user created it", "fix: rm "+lock+", or set lock_file")
	})

	t.Run("open to others", func(t *testing.T) {
		b := base(t)
		lock := mkfile(t, b+"/status.json.lock", "", 0o644, 0)
		_, err := OpenLock(lock, 0)
		refused(t, err, "lock "+lock+" is open to group or others", "fix: chmod 0600 "+lock)
	})

	t.Run("symbolic link planted at the lock", func(t *testing.T) {
		_, daemonDir, secretPath := attackable(t)
		asNobody(t, "ln", "-s", secretPath, daemonDir+"/x.lock")
		_, err := OpenLock(daemonDir+"/x.lock", nobody)
		refused(t, err, "lock "+daemonDir+"/x.lock is a symbolic link")
		unchanged(t, secretPath, secret)
	})

	t.Run("hard link planted at the lock", func(t *testing.T) {
		_, daemonDir, secretPath := attackable(t)
		if err := os.Link(secretPath, daemonDir+"/x.lock"); err != nil {
			t.Fatal(err)
		}
		_, err := OpenLock(daemonDir+"/x.lock", nobody)
		refused(t, err, "has 2 hard links")
	})

	t.Run("FIFO planted at the lock", func(t *testing.T) {
		_, daemonDir, _ := attackable(t)
		asNobody(t, "mkfifo", "-m", "0600", daemonDir+"/x.lock")
		_, err := OpenLock(daemonDir+"/x.lock", nobody)
		refused(t, err, "is a FIFO")
	})

	t.Run("lock folder of another user", func(t *testing.T) {
		_, daemonDir, _ := attackable(t)
		_, err := OpenLock(daemonDir+"/x.lock", 0)
		refused(t, err, daemonDir+" is owned by nobody")
	})
}

// statIs asserts path's mode (type and permissions) and owner.
func statIs(t *testing.T, path string, mode fs.FileMode, uid, gid int) {
	t.Helper()
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	if fi.Mode() != mode || int(st.Uid) != uid || int(st.Gid) != gid {
		t.Errorf("%s: mode %v owner %d:%d, want %v %d:%d", path, fi.Mode(), st.Uid, st.Gid, mode, uid, gid)
	}
}

// onlyEntry asserts dir holds exactly names: no temporary file left behind.
func onlyEntry(t *testing.T, dir string, names ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if strings.Join(got, " ") != strings.Join(names, " ") {
		t.Errorf("%s holds %q, want %q", dir, got, names)
	}
}

// reachable lets the second user into dir: the test's temp folders are
// 0700.
func reachable(t *testing.T, dir string) {
	t.Helper()
	for _, d := range []string{filepath.Dir(dir), dir} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

// asNobody runs a command as uid and gid 65534 with no other groups: the
// second user planting something.
func asNobody(t *testing.T, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody, Groups: []uint32{}}}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("as uid %d: %s %s: %v\n%s", nobody, name, strings.Join(args, " "), err, out)
	}
}

func unchanged(t *testing.T, path, want string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != want {
		t.Errorf("%s was changed: holds %q, want %q", path, b, want)
	}
}

// rootOnly makes a folder only root may enter, holding a root-only file at
// name: what a daemon's account must not reach through root.
func rootOnly(t *testing.T, b, name string) (dir, file string) {
	t.Helper()
	dir = mkdir(t, b+"/rootonly", 0o700, 0)
	file = mkfile(t, dir+"/"+name, secret, 0o600, 0)
	return dir, file
}

func TestWriteLinkRule(t *testing.T) {
	nobodyOwner := Owner{UID: nobody, GID: nobody}

	t.Run("the owner's link on the way into root's folder", func(t *testing.T) {
		// The daemon's account owns its logs folder's parent and swaps the
		// folder for a link into a folder only root may write.
		b, daemonDir, _ := attackable(t)
		dir, file := rootOnly(t, b, "app.log")
		asNobody(t, "ln", "-s", dir, daemonDir+"/logs")
		link := daemonDir + "/logs"
		for _, path := range []string{
			link + "/app.log",     // root's existing file: never opened
			link + "/other.log",   // never created owned by the account
			link + "/sub/app.log", // no folder created past the link
		} {
			_, err := OpenAppend(path, nobodyOwner)
			e := refused(t, err, "its folder: symbolic link "+link+" is owned by nobody (uid 65534), not by root (mode 0777)",
				"its owner nobody could point it at any folder and so have cortex-check, running as root, create or write files where they may not",
				"fix: use a path without this link, or make "+link+" a real folder")
			if e.Path != link || e.Kind != "symbolic link" {
				t.Errorf("%s: refusal names %s %s, want the link", path, e.Kind, e.Path)
			}
		}
		unchanged(t, file, secret)
		statIs(t, file, 0o600, 0, 0)
		onlyEntry(t, dir, "app.log")
	})

	t.Run("the owner's link is not followed even into the owner's folder", func(t *testing.T) {
		_, daemonDir, _ := attackable(t)
		mkdir(t, daemonDir+"/real", 0o755, nobody)
		asNobody(t, "ln", "-s", "real", daemonDir+"/logs")
		_, err := OpenAppend(daemonDir+"/logs/app.log", nobodyOwner)
		refused(t, err, "symbolic link "+daemonDir+"/logs is owned by nobody")
		onlyEntry(t, daemonDir+"/real")
	})

	t.Run("root's link in the owner's folder", func(t *testing.T) {
		// The account cannot change root's link, but it can rename it, or
		// another of root's, to the name on the path.
		b, daemonDir, _ := attackable(t)
		dir, file := rootOnly(t, b, "app.log")
		mklink(t, dir, daemonDir+"/logs", 0)
		_, err := OpenAppend(daemonDir+"/logs/app.log", nobodyOwner)
		refused(t, err, "symbolic link "+daemonDir+"/logs is in a folder owned by nobody (uid 65534), not by root (owner root, mode 0777)",
			"nobody could put another link in its place")
		unchanged(t, file, secret)
		onlyEntry(t, dir, "app.log")
	})

	t.Run("root's link in root's folder to the owner's folder: the log is created", func(t *testing.T) {
		// /var/run -> /run style: root's links on the way are followed.
		b := base(t)
		app := mkdir(t, b+"/real/app", 0o755, nobody)
		mklink(t, "real", b+"/run", 0)
		f, err := OpenAppend(b+"/run/app/app.log", nobodyOwner)
		if err != nil {
			t.Fatal(err)
		}
		f.Close()
		statIs(t, app+"/app.log", LogMode, nobody, nobody)
	})

	t.Run("the owner's real folder: the log is created owned by the owner", func(t *testing.T) {
		b := base(t)
		dir := mkdir(t, b+"/var/log/app", 0o755, nobody)
		f, err := OpenAppend(dir+"/app.log", nobodyOwner)
		if err != nil {
			t.Fatal(err)
		}
		f.Close()
		statIs(t, dir+"/app.log", LogMode, nobody, nobody)
	})

	t.Run("state and lock files: the uid's link on the way", func(t *testing.T) {
		b, daemonDir, _ := attackable(t)
		dir, file := rootOnly(t, b, "status.json")
		asNobody(t, "ln", "-s", dir, daemonDir+"/state")
		err := WriteFileAtomic(daemonDir+"/state/status.json", []byte("{}"), 0o644, nobody)
		refused(t, err, "symbolic link "+daemonDir+"/state is owned by nobody")
		_, err = OpenLock(daemonDir+"/state/x.lock", nobody)
		refused(t, err, "symbolic link "+daemonDir+"/state is owned by nobody")
		unchanged(t, file, secret)
		onlyEntry(t, dir, "status.json")
	})
}

package trust

import (
	"io/fs"
	"os"
	"strings"
	"testing"
)

// Writable is the writers' rule without the writing: for every layout it
// says what the writer then does, and creates nothing before it.
func TestWritable(t *testing.T) {
	type layout func(t *testing.T, b, daemonDir, secretPath string) (path string)
	at := func(p string) layout {
		return func(t *testing.T, b, daemonDir, secretPath string) string {
			return strings.NewReplacer("$B", b, "$D", daemonDir).Replace(p)
		}
	}
	tests := []struct {
		name   string
		layout layout
		how    Write
		uid    int    // trusted besides root
		want   string // "" writable; else in the refusal
	}{
		{"new file in root's folder", at("$B/new"), Replace, 0, ""},
		{"missing folders are made by the writer", at("$B/var/lib/cortex/status.json"), Replace, 0, ""},
		{"missing folders, append", at("$B/var/log/cortex/cron.log"), Append, 0, ""},
		{"missing folder in a shared sticky folder: the writer makes it", func(t *testing.T, b, _, _ string) string {
			return mkdir(t, b+"/tmp", 0o777|fs.ModeSticky, 0) + "/cortex/status.json"
		}, Replace, 0, ""},
		{"the account's folder, for root's file", at("$D/cortex.prom"), Replace, 0,
			"textfile $D/cortex.prom: its folder: $D is owned by nobody (uid 65534), not by root (mode 0755): its owner nobody could swap the files cortex-check writes there as root for files or links of their choosing; fix: use a folder only root can write, or chown root $D (where a package owns it, only dpkg-statoverride --update --add root nogroup 0755 $D makes that last)"},
		{"the account's folder, missing below it", at("$D/sub/cortex.prom"), Replace, 0, "its folder: $D is owned by nobody"},
		{"the account's folder, for its own log", at("$D/app.log"), Append, nobody, ""},
		{"group-writable folder", func(t *testing.T, b, _, _ string) string {
			return mkdir(t, b+"/gw", 0o775|fs.ModeSetgid, 0) + "/x.log"
		}, Append, 0, "$B/gw is writable by group root (owner root, mode 2775): anyone in group root could swap the files cortex-check writes there as root for files or links of their choosing; fix: chmod g-w $B/gw (where a package owns it, only dpkg-statoverride --update --add root root 2755 $B/gw makes that last)"},
		{"shared sticky folder itself", func(t *testing.T, b, _, _ string) string {
			return mkdir(t, b+"/shared", 0o777|fs.ModeSticky, 0) + "/x.log"
		}, Append, 0, "a shared folder"},
		{"the account's link on the way", func(t *testing.T, b, daemonDir, _ string) string {
			asNobody(t, "ln", "-s", b, daemonDir+"/up")
			return daemonDir + "/up/x.log"
		}, Append, nobody, "symbolic link $D/up is owned by nobody"},
		{"the account's link at the name, replaced", func(t *testing.T, _, daemonDir, secretPath string) string {
			asNobody(t, "ln", "-s", secretPath, daemonDir+"/status.json")
			return daemonDir + "/status.json"
		}, Replace, nobody, ""},
		{"the account's link at the name, appended", func(t *testing.T, _, daemonDir, secretPath string) string {
			asNobody(t, "ln", "-s", secretPath, daemonDir+"/app.log")
			return daemonDir + "/app.log"
		}, Append, nobody, "textfile $D/app.log is a symbolic link (owner nobody, mode 0777): cortex-check, running as root, does not follow links where it writes: whoever made it could point it at any file; fix: rm $D/app.log"},
		{"hard link at the name", func(t *testing.T, _, daemonDir, secretPath string) string {
			if err := os.Link(secretPath, daemonDir+"/hard.log"); err != nil {
				t.Fatal(err)
			}
			return daemonDir + "/hard.log"
		}, Append, nobody, "has 2 hard links"},
		{"FIFO at the name", func(t *testing.T, _, daemonDir, _ string) string {
			asNobody(t, "mkfifo", daemonDir+"/fifo.log")
			return daemonDir + "/fifo.log"
		}, Append, nobody, "is a FIFO (named pipe), not a regular file"},
		{"a folder at the name", func(t *testing.T, b, _, _ string) string {
			return mkdir(t, b+"/status.json", 0o755, 0)
		}, Replace, 0, "is a folder"},
		{"lock of another user", func(t *testing.T, b, _, _ string) string {
			return mkfile(t, b+"/cortex.lock", "", 0o600, nobody)
		}, Lock, 0, "lock $B/cortex.lock is owned by nobody (uid 65534), not by root"},
		{"lock open to others", func(t *testing.T, b, _, _ string) string {
			return mkfile(t, b+"/cortex.lock", "", 0o644, 0)
		}, Lock, 0, "is open to group or others"},
		{"root's lock", func(t *testing.T, b, _, _ string) string {
			return mkfile(t, b+"/cortex.lock", "", 0o600, 0)
		}, Lock, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, daemonDir, secretPath := attackable(t)
			path := tt.layout(t, b, daemonDir, secretPath)
			before := tree(t, b)
			err := Writable("textfile", path, tt.how, tt.uid)
			if after := tree(t, b); after != before {
				t.Errorf("Writable changed the tree:\n%s\nwas\n%s", after, before)
			}
			want := strings.NewReplacer("$B", b, "$D", daemonDir).Replace(tt.want)
			if want == "" && err != nil {
				t.Fatalf("refused: %v", err)
			}
			if want != "" && (err == nil || !strings.Contains(err.Error(), want)) {
				t.Fatalf("got %v\nwant it to say %q", err, want)
			}
			// The writer agrees.
			var werr error
			switch tt.how {
			case Replace:
				werr = WriteFileAtomic(path, []byte("x\n"), 0o644, tt.uid)
			case Append:
				var f *os.File
				if f, werr = OpenAppend(path, Owner{UID: tt.uid, GID: tt.uid}); werr == nil {
					f.Close()
				}
			case Lock:
				var f *os.File
				if f, werr = OpenLock(path, tt.uid); werr == nil {
					f.Close()
				}
			}
			if (werr == nil) != (err == nil) {
				t.Errorf("Writable says %v, the writer %v", err, werr)
			}
			unchanged(t, secretPath, secret)
		})
	}
}

// tree lists every name under dir with its mode and owner.
func tree(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	err := fs.WalkDir(os.DirFS(dir), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		b.WriteString(p + " " + fi.Mode().String() + "\n")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

package trust

import (
	"errors"
	"io/fs"
	"os"
	"strings"
	"testing"
)

// nobody plays the second user: a daemon's account, or whoever got write
// access to a daemon's folder.
const nobody = 65534

// elf stands in for a compiled program: no #! line.
const elf = "\x7fELF\x02\x01\x01\x00"

func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: these tests chown files to uid 65534 to play a second user, and judge what root may do")
	}
}

// base is a fresh root-owned folder; its ancestors are the test's root-owned
// temp folder and /tmp (root, sticky), which the rule accepts.
func base(t *testing.T) string {
	t.Helper()
	needRoot(t)
	return t.TempDir()
}

// mkdir makes (or takes) a folder with exactly mode and owner uid:uid.
func mkdir(t *testing.T, path string, mode fs.FileMode, uid int) string {
	t.Helper()
	if err := os.MkdirAll(path, 0o700); err != nil {
		t.Fatal(err)
	}
	own(t, path, mode, uid)
	return path
}

// mkfile writes a file with exactly mode and owner uid:uid.
func mkfile(t *testing.T, path, content string, mode fs.FileMode, uid int) string {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	own(t, path, mode, uid)
	return path
}

// mklink makes a symbolic link owned by uid.
func mklink(t *testing.T, dest, path string, uid int) string {
	t.Helper()
	if err := os.Symlink(dest, path); err != nil {
		t.Fatal(err)
	}
	if err := os.Lchown(path, uid, uid); err != nil {
		t.Fatal(err)
	}
	return path
}

func own(t *testing.T, path string, mode fs.FileMode, uid int) {
	t.Helper()
	if err := os.Chown(path, uid, uid); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil { // after chown, which clears setuid bits
		t.Fatal(err)
	}
}

// refused asserts err is an *Error that matches fs.ErrPermission and whose
// message holds every one of want.
func refused(t *testing.T, err error, want ...string) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("want a refusal (*trust.Error), got %v", err)
	}
	if !errors.Is(err, fs.ErrPermission) {
		t.Errorf("%v does not match fs.ErrPermission", err)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q\n  does not say %q", err, w)
		}
	}
	if strings.Contains(err.Error(), "\n") {
		t.Errorf("error spans lines: %q", err)
	}
	return e
}

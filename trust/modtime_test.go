package trust

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// ModTime follows a link only where the caller alone controls it; a link
// planted by another user is refused, not followed.
func TestModTime(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	when := time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC)
	if err := os.Chtimes(file, when, when); err != nil {
		t.Fatal(err)
	}
	if got, err := ModTime(file); err != nil || !got.Equal(when) {
		t.Errorf("ModTime = %v, %v; want %v", got, err, when)
	}
	link := filepath.Join(dir, "current.conf")
	if err := os.Symlink("nginx.conf", link); err != nil {
		t.Fatal(err)
	}
	if got, err := ModTime(link); err != nil || !got.Equal(when) {
		t.Errorf("through the caller's own link: %v, %v; want %v", got, err, when)
	}
	if _, err := ModTime(filepath.Join(dir, "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing: %v", err)
	}
	if os.Geteuid() != 0 {
		return
	}
	// A link of nobody's: never followed.
	if err := os.Lchown(link, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	if _, err := ModTime(link); err == nil || !errors.Is(err, fs.ErrPermission) {
		t.Errorf("a link owned by nobody was followed: %v", err)
	}
}

package restart

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLock(t *testing.T) {
	dir := trustedDir(t)
	path := filepath.Join(dir, "cortex.lock")
	unlock, err := Lock(context.Background(), path, 0)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("the lock file: %v, %v; want mode 0600", fi, err)
	}

	// Held: a second pass waits up to its wait, then says who to look for.
	if _, err := Lock(context.Background(), path, 0); !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "see ps for cortex-check") {
		t.Errorf("a held lock: %v, want ErrLocked", err)
	}
	// Interrupted while waiting.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Lock(ctx, path, 1<<40); err == nil || !strings.Contains(err.Error(), "interrupted while waiting for the lock") {
		t.Errorf("an interrupted wait: %v", err)
	}

	unlock()
	again, err := Lock(context.Background(), path, 0)
	if err != nil {
		t.Errorf("a released lock: %v", err)
	} else {
		again()
	}
}

func TestLockRefusals(t *testing.T) {
	dir := trustedDir(t)
	open := writeFile(t, filepath.Join(dir, "open.lock"), "", 0o666)
	plain := writeFile(t, filepath.Join(dir, "plain"), "", 0o644)
	if err := os.Symlink(open, filepath.Join(dir, "link.lock")); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, path, err string }{
		{"its folder is a file", filepath.Join(plain, "cortex.lock"), "(set lock_file to a writable place)"},
		{"others may open it", open, open},
		{"a link at its name", filepath.Join(dir, "link.lock"), "link.lock"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			unlock, err := Lock(context.Background(), tt.path, 0)
			if err == nil {
				unlock()
				t.Fatalf("locked %s", tt.path)
			}
			if !strings.Contains(err.Error(), tt.err) || strings.Contains(err.Error(), "lock "+tt.path+": open ") {
				t.Errorf("err %v, want %q, the path said once", err, tt.err)
			}
		})
	}
}

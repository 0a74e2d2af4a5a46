package restart

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"

	"github.com/cortex/cortex-check/human"
	"github.com/cortex/cortex-check/trust"
)

// ErrLocked says another pass holds the lock.
var ErrLocked = errors.New("another cortex-check pass holds the lock")

// Lock takes an exclusive flock on path, waiting up to wait, so that two
// passes with one config never start a daemon twice. The kernel drops the
// lock when the process dies, so a crashed pass leaves no stale lock. The
// file is created 0600 and never removed: removing it would let two passes
// lock two different files.
func Lock(ctx context.Context, path string, wait time.Duration) (unlock func(), err error) {
	// Opened without following a link, only as a regular file of ours
	// with one link and mode 0600: a lock another user created or can open
	// would let them hold it and stop every pass.
	f, err := trust.OpenLock(path, os.Geteuid())
	if err != nil {
		var te *trust.Error
		if errors.As(err, &te) {
			return nil, err
		}
		return nil, fmt.Errorf("lock %s: %w (set lock_file to a writable place)", path, trust.Bare(err))
	}
	deadline := time.Now().Add(wait)
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() { f.Close() }, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		if time.Now().After(deadline) {
			f.Close()
			return nil, fmt.Errorf("%w %s (waited %s): a slow pass or a hung start program; see ps for cortex-check", ErrLocked, path, human.Duration(wait))
		}
		select {
		case <-time.After(20 * time.Millisecond):
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("interrupted while waiting for the lock %s", path)
		}
	}
}

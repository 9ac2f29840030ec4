//go:build unix

package procwatch

import (
	"context"
	"errors"
	"syscall"
	"time"
)

// pollKill is the last resort: it asks every interval whether pid exists
// with kill(pid, 0), which checks without sending anything. ESRCH means
// the process is gone; EPERM means it lives under another user.
func pollKill(ctx context.Context, pid int, every time.Duration) error {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

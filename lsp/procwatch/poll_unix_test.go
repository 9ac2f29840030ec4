//go:build unix

package procwatch

import (
	"context"
	"time"
)

// fallbacks are the waits that TestWait tries besides Wait: the kill(pid,
// 0) fallback, asking every 10ms.
func fallbacks() []waiter {
	return []waiter{{name: "pollKill", wait: func(ctx context.Context, pid int) error {
		return pollKill(ctx, pid, 10*time.Millisecond)
	}}}
}

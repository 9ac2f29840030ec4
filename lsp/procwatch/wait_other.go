//go:build unix && !linux && !darwin && !dragonfly && !freebsd && !netbsd && !openbsd

package procwatch

import "context"

// wait asks every second: these systems give no way to sleep until a
// process that is not a child exits.
func wait(ctx context.Context, pid int) error { return pollKill(ctx, pid, pollEvery) }

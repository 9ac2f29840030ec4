// Package procwatch tells when a process that need not be a child of this
// one has exited: the editor that launched a language server, whose id
// comes as --clientProcessId or as initialize's processId.
//
// Where the system can say so, the wait sleeps until the exit, without
// waking in between: a pidfd on Linux (5.3 and later), kqueue's EVFILT_PROC
// on macOS and the BSDs, the process handle on Windows. Elsewhere, and where
// those are refused, it asks once a second with kill(pid, 0).
package procwatch

import (
	"context"
	"fmt"
	"time"
)

// Wait blocks until process pid has exited, and then returns nil, or until
// ctx ends, and then returns ctx's error. Any other error says that the
// process cannot be watched.
//
// A process that has exited but that its parent has not yet reaped (a
// zombie) counts as exited, except in the kill(pid, 0) fallback, where it
// counts as alive until it is reaped.
func Wait(ctx context.Context, pid int) error {
	if pid <= 0 {
		return fmt.Errorf("procwatch: %d is not a process id", pid)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return wait(ctx, pid)
}

// pollEvery is how often the fallback, which asks whether the process
// still exists, asks.
const pollEvery = time.Second

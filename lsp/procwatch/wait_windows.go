package procwatch

import (
	"context"
	"errors"
	"fmt"

	"golang.org/x/sys/windows"
)

// wait opens the process with SYNCHRONIZE access and waits for its handle
// to be signalled, which happens when it exits, or for an event that the
// end of ctx sets. The handle refers to this one process, so a later
// process that reuses the id cannot be taken for it.
func wait(ctx context.Context, pid int) error {
	h, err := windows.OpenProcess(windows.SYNCHRONIZE, false, uint32(pid))
	if errors.Is(err, windows.ERROR_INVALID_PARAMETER) {
		return nil // no process has this id: it has exited
	}
	if err != nil {
		return fmt.Errorf("procwatch: opening process %d: %w", pid, err)
	}
	defer windows.CloseHandle(h)
	ended, err := windows.CreateEvent(nil, 1, 0, nil)
	if err != nil {
		return fmt.Errorf("procwatch: %w", err)
	}
	defer windows.CloseHandle(ended)
	set := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		windows.SetEvent(ended)
		close(set)
	})
	defer func() {
		if !stop() {
			<-set // the event is not closed under SetEvent
		}
	}()
	r, err := windows.WaitForMultipleObjects([]windows.Handle{h, ended}, false, windows.INFINITE)
	switch {
	case err != nil:
		return fmt.Errorf("procwatch: waiting for process %d: %w", pid, err)
	case r == windows.WAIT_OBJECT_0:
		return nil
	default:
		return ctx.Err()
	}
}

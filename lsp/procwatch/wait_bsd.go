//go:build darwin || dragonfly || freebsd || netbsd || openbsd

package procwatch

import (
	"context"
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// wait waits in kevent for the process's NOTE_EXIT, and for a byte on a
// pipe that the end of ctx writes. The blocked kevent holds one thread and
// nothing wakes it before one of the two.
func wait(ctx context.Context, pid int) error {
	kq, err := unix.Kqueue()
	if err != nil {
		return pollKill(ctx, pid, pollEvery)
	}
	defer unix.Close(kq)
	var p [2]int
	if err := unix.Pipe(p[:]); err != nil {
		return pollKill(ctx, pid, pollEvery)
	}
	defer unix.Close(p[0])
	defer unix.Close(p[1])
	changes := make([]unix.Kevent_t, 2)
	unix.SetKevent(&changes[0], pid, unix.EVFILT_PROC, unix.EV_ADD|unix.EV_ONESHOT)
	changes[0].Fflags = unix.NOTE_EXIT
	unix.SetKevent(&changes[1], p[0], unix.EVFILT_READ, unix.EV_ADD)
	if _, err := unix.Kevent(kq, changes, nil, nil); errors.Is(err, unix.ESRCH) {
		return nil // already gone
	} else if err != nil {
		return pollKill(ctx, pid, pollEvery)
	}
	woken := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		unix.Write(p[1], []byte{0})
		close(woken)
	})
	defer func() {
		if !stop() {
			<-woken // the pipe is not closed under the write
		}
	}()
	events := make([]unix.Kevent_t, 1)
	for {
		n, err := unix.Kevent(kq, nil, events, nil)
		switch {
		case errors.Is(err, unix.EINTR):
			continue
		case err != nil:
			return fmt.Errorf("procwatch: waiting for process %d: %w", pid, err)
		case n == 1 && int(events[0].Filter) == unix.EVFILT_PROC:
			return nil
		case n == 1:
			return ctx.Err()
		}
	}
}

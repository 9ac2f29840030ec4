package procwatch

import (
	"context"
	"errors"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// wait waits on a pidfd, which becomes readable when the process exits.
// The pidfd goes to the runtime's poller (epoll), like a socket: the wait
// costs no thread and no wake-up. A pidfd also refers to this one process,
// so a later process that reuses the id cannot be taken for it.
func wait(ctx context.Context, pid int) error {
	fd, err := unix.PidfdOpen(pid, unix.PIDFD_NONBLOCK)
	if errors.Is(err, unix.EINVAL) { // PIDFD_NONBLOCK came with Linux 5.10
		if fd, err = unix.PidfdOpen(pid, 0); err == nil {
			if err = unix.SetNonblock(fd, true); err != nil {
				unix.Close(fd)
			}
		}
	}
	switch {
	case errors.Is(err, unix.ESRCH):
		return nil
	case err != nil: // ENOSYS before Linux 5.3; EPERM under some seccomp filters
		return pollKill(ctx, pid, pollEvery)
	}
	f := os.NewFile(uintptr(fd), "pidfd")
	defer f.Close()
	rc, err := f.SyscallConn()
	if err != nil {
		return pollKill(ctx, pid, pollEvery)
	}
	// The end of ctx ends the wait through a read deadline in the past.
	stop := context.AfterFunc(ctx, func() { f.SetReadDeadline(time.Unix(1, 0)) })
	defer stop()
	exited := false
	err = rc.Read(func(fd uintptr) bool {
		// Asked first, and again each time the poller says readable.
		fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		n, _ := unix.Poll(fds, 0)
		exited = n > 0
		return exited
	})
	switch {
	case exited:
		return nil
	case ctx.Err() != nil:
		return ctx.Err()
	}
	// The poller refused the pidfd (err says why): ask instead.
	return pollKill(ctx, pid, pollEvery)
}

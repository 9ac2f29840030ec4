//go:build unix

package conn

import (
	"os"
	"syscall"
)

// pollableStdin returns a duplicate of stdin that Go's poller reads, so that
// closing it wakes a pending Read, and a function that puts stdin back in
// blocking mode; nil when stdin is not a pipe or a socket. Terminals are
// left alone: a terminal left non-blocking by a crash would break the shell
// that owns it.
func pollableStdin() (*os.File, func()) {
	var st syscall.Stat_t
	if err := syscall.Fstat(0, &st); err != nil {
		return nil, nil
	}
	if mode := st.Mode & syscall.S_IFMT; mode != syscall.S_IFIFO && mode != syscall.S_IFSOCK {
		return nil, nil
	}
	syscall.ForkLock.RLock() // no child may inherit the duplicate
	fd, err := syscall.Dup(0)
	if err == nil {
		syscall.CloseOnExec(fd)
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return nil, nil
	}
	// The flag belongs to the open file, which fd 0 shares: stdin becomes
	// non-blocking too until restore.
	if err := syscall.SetNonblock(fd, true); err != nil {
		syscall.Close(fd)
		return nil, nil
	}
	// os.NewFile sees a non-blocking descriptor and gives it to the poller.
	return os.NewFile(uintptr(fd), "/dev/stdin"), func() { _ = syscall.SetNonblock(0, false) }
}

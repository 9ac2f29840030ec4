//go:build unix

package conn_test

import (
	"errors"
	"syscall"
)

// stdioWakes says whether closing Stdio wakes a pending read of a pipe.
const stdioWakes = true

// stdinProbe keeps a duplicate of stdin, which shares its mode, and returns
// a check that fails unless stdin is in blocking mode (Stdio's Close closes
// stdin itself).
func stdinProbe() func() error {
	fd, err := syscall.Dup(0)
	if err != nil {
		return func() error { return err }
	}
	return func() error {
		defer syscall.Close(fd)
		flags, _, errno := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_GETFL, 0)
		if errno != 0 {
			return errno
		}
		if flags&syscall.O_NONBLOCK != 0 {
			return errors.New("stdin is still non-blocking after Close")
		}
		return nil
	}
}

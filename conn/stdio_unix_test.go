//go:build unix

package conn_test

import (
	"errors"
	"os"
	"runtime"
	"syscall"
	"testing"
)

// stdinKinds are the kinds of stdin on which closing Stdio wakes a pending
// read on this platform.
func stdinKinds() []string {
	if runtime.GOOS == "linux" {
		return []string{"pipe", "socket"}
	}
	return []string{"socket"}
}

// blockingStdin returns the child's end and the parent's end of a pipe or a
// socket pair in blocking mode, as editors give their servers (os.Pipe's
// ends would be non-blocking, which Go's poller reads, and which no editor
// hands over).
func blockingStdin(t *testing.T, kind string) (child, parent *os.File) {
	t.Helper()
	var fds [2]int
	var err error
	switch kind {
	case "pipe":
		err = syscall.Pipe(fds[:]) // fds[0], the read end, for the child
	case "socket":
		var sp [2]int
		sp, err = syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
		fds = sp
	}
	if err != nil {
		t.Fatal(err)
	}
	syscall.CloseOnExec(fds[0])
	syscall.CloseOnExec(fds[1])
	return os.NewFile(uintptr(fds[0]), "child-stdin"), os.NewFile(uintptr(fds[1]), "parent-stdin")
}

// stdinBlocking fails unless stdin is in blocking mode.
func stdinBlocking() error {
	flags, _, errno := syscall.Syscall(syscall.SYS_FCNTL, 0, syscall.F_GETFL, 0)
	if errno != 0 {
		return errno
	}
	if flags&syscall.O_NONBLOCK != 0 {
		return errors.New("the test gave the child a non-blocking stdin, unlike an editor")
	}
	return nil
}

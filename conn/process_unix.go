//go:build unix

package conn

import (
	"os"
	"syscall"
)

// terminate asks the process to end: SIGTERM.
func terminate(p *os.Process) error { return p.Signal(syscall.SIGTERM) }

// exitCode returns a reaped process's exit status: for one ended by signal
// N, 128+N, as shells report it.
func exitCode(s *os.ProcessState) int {
	if ws, ok := s.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return s.ExitCode()
}

//go:build windows

package conn

import (
	"errors"
	"os"
)

// terminate cannot ask a process to end on Windows, which has no SIGTERM:
// Stop goes on to kill it.
func terminate(*os.Process) error { return errors.ErrUnsupported }

// exitCode returns a reaped process's exit status.
func exitCode(s *os.ProcessState) int { return s.ExitCode() }

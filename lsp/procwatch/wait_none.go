//go:build !unix && !windows

package procwatch

import (
	"context"
	"errors"
)

// wait fails: these systems (js, wasip1, plan9) have no other processes
// to watch, or no way to ask after one.
func wait(ctx context.Context, pid int) error {
	return errors.New("procwatch: cannot watch processes on this system")
}

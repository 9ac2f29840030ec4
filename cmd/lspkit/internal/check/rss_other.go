//go:build !linux

package check

import "errors"

// errNoRSS says that peak RSS is measured only on Linux.
var errNoRSS = errors.New("peak RSS is measured only on Linux")

// peakRSS is measured only on Linux (/proc/PID/status).
func peakRSS(int) (int64, error) { return 0, errNoRSS }

//go:build !unix

package conn

import "os"

// pollableStdin returns nil: on this platform a pending read of stdin is not
// woken by closing it (see Stdio).
func pollableStdin() (*os.File, func()) { return nil, nil }

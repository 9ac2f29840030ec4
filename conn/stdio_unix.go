//go:build unix

package conn

import (
	"os"
	"runtime"
	"syscall"
)

// wakeStdin makes a read of stdin that is waiting for input return: a socket
// has its reading side shut down (the read returns end of file); a pipe on
// Linux receives one byte, written through /proc/self/fd/0, which opens a
// new writing end of the same pipe.
func wakeStdin() {
	var st syscall.Stat_t
	if err := syscall.Fstat(0, &st); err != nil {
		return
	}
	switch st.Mode & syscall.S_IFMT {
	case syscall.S_IFSOCK:
		_ = syscall.Shutdown(0, syscall.SHUT_RD)
	case syscall.S_IFIFO:
		if runtime.GOOS != "linux" {
			return
		}
		// Non-blocking: a full pipe means the read is not waiting anyway.
		w, err := os.OpenFile("/proc/self/fd/0", os.O_WRONLY|syscall.O_NONBLOCK, 0)
		if err != nil {
			return
		}
		_, _ = w.Write([]byte{'\n'})
		_ = w.Close()
	}
}

//go:build !unix

package conn

// wakeStdin does nothing: on this platform a read of stdin that waits for
// input is not woken (see Stdio).
func wakeStdin() {}

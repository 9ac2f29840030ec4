//go:build !unix

package conn_test

// stdioWakes says whether closing Stdio wakes a pending read of a pipe.
const stdioWakes = false

func stdinProbe() func() error { return func() error { return nil } }

//go:build !unix

package conn_test

import (
	"os"
	"testing"
)

// stdinKinds are the kinds of stdin on which closing Stdio wakes a pending
// read on this platform: none.
func stdinKinds() []string { return nil }

func blockingStdin(t *testing.T, kind string) (child, parent *os.File) {
	t.Skip("closing stdin wakes no read here")
	return nil, nil
}

func stdinBlocking() error { return nil }

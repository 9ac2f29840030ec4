package main

import (
	"os"
	"testing"
)

// TestMain lets the test binary serve as the floor or the sourcegraph
// server, as lspbench itself does: the tests re-execute it with serveEnv
// set.
func TestMain(m *testing.M) {
	if mode := os.Getenv(serveEnv); mode != "" {
		os.Exit(serveMode(mode))
	}
	os.Exit(m.Run())
}

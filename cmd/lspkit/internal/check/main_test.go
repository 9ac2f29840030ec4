package check

// The tests run the checks against real processes: lspkit's samples (the
// lspkit binary, built once), testdata/brokensrv with each of its defects,
// and, when testdata/npm/node_modules is installed (.ci/run does it),
// third-party language servers.

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// buildDir holds the binaries the tests build; TestMain removes it.
var buildDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "lspkit-check-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	buildDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	if code == 0 {
		// Processes are reaped and pipes closed before Run returns; give
		// the last goroutines a moment to see it.
		time.Sleep(100 * time.Millisecond)
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// binary is a program built for the tests, once, on first use.
type binary struct {
	once sync.Once
	path string
	err  error
}

var lspkitBin, brokenBin binary

func (b *binary) get(t testing.TB, name, pkg string) string {
	t.Helper()
	b.once.Do(func() {
		if _, err := exec.LookPath("go"); err != nil {
			b.err = fmt.Errorf("no go command to build %s with: %w", pkg, err)
			return
		}
		if runtime.GOOS == "windows" {
			name += ".exe"
		}
		b.path = filepath.Join(buildDir, name)
		out, err := exec.Command("go", "build", "-o", b.path, pkg).CombinedOutput()
		if err != nil {
			b.err = fmt.Errorf("go build %s: %v\n%s", pkg, err, out)
		}
	})
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.path
}

// lspkitBinary is cmd/lspkit, built once.
func lspkitBinary(t testing.TB) string {
	return lspkitBin.get(t, "lspkit", "github.com/lspkit/lspkit/cmd/lspkit")
}

// brokenBinary is testdata/brokensrv, built once. It is Unix-only (it
// watches its parent with kill(2)).
func brokenBinary(t testing.TB) string {
	if runtime.GOOS == "windows" {
		t.Skip("testdata/brokensrv is a Unix program")
	}
	return brokenBin.get(t, "brokensrv", "./testdata/brokensrv")
}

package main

// The tests of package main run the commands as real processes: the lspkit
// binary, built once from this package, and small servers built from
// testdata. lspkitBinary and execLspkit are for every test of the package.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// buildDir holds the binaries the tests build; TestMain removes it.
var buildDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "lspkit-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	buildDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// binary is a program built for the tests, once, on first use.
type binary struct {
	once sync.Once
	path string
	err  error
}

var (
	lspkitBin  binary
	fakeLSPBin binary
)

// lspkitBinary returns the path of the lspkit binary built from this
// package, building it on first use.
func lspkitBinary(t testing.TB) string {
	return lspkitBin.get(t, "lspkit", ".")
}

// fakeLSPBinary returns the path of testdata/fakelsp, built on first use.
func fakeLSPBinary(t testing.TB) string {
	return fakeLSPBin.get(t, "fakelsp", "./testdata/fakelsp")
}

// get builds pkg as name, once, and returns its path.
func (b *binary) get(t testing.TB, name, pkg string) string {
	t.Helper()
	b.once.Do(func() {
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

// execResult is how a command run by execLspkit ended.
type execResult struct {
	stdout, stderr string
	code           int           // exit status
	elapsed        time.Duration // how long it ran
}

// execLspkit runs lspkit with args and stdin, within 30s, and returns what
// it wrote and its exit status.
func execLspkit(t *testing.T, stdin string, args ...string) execResult {
	t.Helper()
	bin := lspkitBinary(t) // built first: a cold build must not eat the run's time
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	res := execResult{stdout: stdout.String(), stderr: stderr.String(), elapsed: time.Since(start)}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		res.code = ee.ExitCode()
	case err != nil:
		t.Fatalf("lspkit %s: %v", strings.Join(args, " "), err)
	}
	if ctx.Err() != nil {
		t.Fatalf("lspkit %s: still running after 30s; stderr:\n%s", strings.Join(args, " "), res.stderr)
	}
	return res
}

// arithServer is the server command line the tests use most: after "--".
func arithServer(t testing.TB, framing string) []string {
	return []string{lspkitBinary(t), "serve", "arith", "--framing", framing}
}

// cmdline joins command-line pieces: strings and string slices.
func cmdline(parts ...any) []string {
	var out []string
	for _, p := range parts {
		switch p := p.(type) {
		case string:
			out = append(out, p)
		case []string:
			out = append(out, p...)
		default:
			panic(fmt.Sprintf("cmdline: %T", p))
		}
	}
	return out
}

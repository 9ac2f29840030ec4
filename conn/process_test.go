package conn_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/lspkit/lspkit/conn"
	"github.com/lspkit/lspkit/framing"
	"go.uber.org/goleak"
)

// The tests of Process run this test binary again as the child, in the mode
// that childEnv names; init runs the child before any test machinery.
const childEnv = "CONN_PROCESS_TEST_CHILD"

func init() {
	if mode := os.Getenv(childEnv); mode != "" {
		os.Exit(runChild(mode))
	}
}

// childStdio is the child's stdin and stdout as one stream.
type childStdio struct {
	io.Reader
	io.Writer
}

func (childStdio) Close() error { return os.Stdin.Close() }

// runChild is a child process: a line-framed JSON-RPC server with an
// "echo" method, which behaves at its end as mode says. It returns the exit
// status.
func runChild(mode string) int {
	switch mode {
	case "early": // exits at once, with a word on stderr
		fmt.Fprintln(os.Stderr, "child: giving up early")
		return 3
	case "stderr-flood": // writes 1 MiB to stderr, then serves
		chunk := bytes.Repeat([]byte("0123456789abcdef"), 1<<10)
		for range 64 {
			os.Stderr.Write(chunk)
		}
	case "garbage": // writes what is not JSON-RPC before serving
		os.Stdout.WriteString("this is not JSON\n{\"half\":\n\x00\xff\n[1,2\n")
	case "ignore-term":
		signal.Ignore(syscall.SIGTERM)
	}
	mux := conn.NewMux()
	mux.Handle("echo", conn.Typed(func(_ context.Context, p []string) ([]string, error) { return p, nil }))
	err := conn.Serve(context.Background(), childStdio{os.Stdin, os.Stdout}, mux, conn.WithFramer(framing.Line()))
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 1
	}
	switch mode {
	case "ignore-stdin", "ignore-term": // go on as if stdin were still open
		time.Sleep(time.Minute)
	}
	return 0
}

// startChild starts the child in mode.
func startChild(t *testing.T, mode string, opts ...conn.ProcessOption) *conn.Process {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe)
	// GORACE: a binary built with -race sleeps a second before it exits,
	// unless told not to.
	cmd.Env = append(os.Environ(), childEnv+"="+mode, "GORACE=atexit_sleep_ms=0")
	p, err := conn.StartProcess(cmd, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Release)
	return p
}

// signalled returns the exit status of a process ended by sig, as Exit
// reports it.
func signalled(sig syscall.Signal) int { return 128 + int(sig) }

func TestProcess(t *testing.T) {
	short := 150 * time.Millisecond
	// On Windows there is no SIGTERM: Stop kills once stdin's grace has
	// passed, and the killed process's status is 1.
	termStep, termCode, killCode := conn.StopTerm, signalled(syscall.SIGTERM), signalled(syscall.SIGKILL)
	if runtime.GOOS == "windows" {
		termStep, termCode, killCode = conn.StopKill, 1, 1
	}
	for _, tc := range []struct {
		mode     string
		call     bool // a call succeeds before Stop
		wantStep conn.StopStep
		wantCode int
		grace    time.Duration // after closing stdin and after SIGTERM
		minTime  time.Duration // Stop takes at least this long
		stderr   string        // the captured stderr holds this
	}{
		{mode: "serve", call: true, wantStep: conn.StopNone, wantCode: 0, grace: 5 * time.Second},
		{mode: "early", call: false, wantStep: conn.StopNone, wantCode: 3, grace: 5 * time.Second, stderr: "child: giving up early"},
		{mode: "garbage", call: true, wantStep: conn.StopNone, wantCode: 0, grace: 5 * time.Second},
		{mode: "ignore-stdin", call: true, wantStep: termStep, wantCode: termCode, grace: short, minTime: short},
		{mode: "ignore-term", call: true, wantStep: conn.StopKill, wantCode: killCode, grace: short, minTime: 2 * short},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
			p := startChild(t, tc.mode, conn.WithStopTimeouts(tc.grace, tc.grace, 5*time.Second))
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			var logs syncBuffer
			c := p.Connect(ctx, nil, conn.WithFramer(framing.Line()), conn.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
			var got []string
			err := c.Call(ctx, "echo", []string{"a", "b"}, &got)
			switch {
			case tc.call && (err != nil || strings.Join(got, ",") != "a,b"):
				t.Fatalf("echo: %v %q, want [a b]", err, got)
			case !tc.call && !errors.Is(err, conn.ErrClosed):
				t.Fatalf("echo to a process that has exited: %v, want ErrClosed", err)
			}
			start := time.Now()
			exit, err := p.Stop(ctx)
			took := time.Since(start)
			if err != nil {
				t.Fatal(err)
			}
			if exit.Step != tc.wantStep || exit.Code != tc.wantCode {
				t.Errorf("Stop: %v (step %v), want status %d, step %v", exit, exit.Step, tc.wantCode, tc.wantStep)
			}
			if took < tc.minTime || took > tc.minTime+5*time.Second {
				t.Errorf("Stop took %v, want from %v to %v", took, tc.minTime, tc.minTime+5*time.Second)
			}
			if !strings.Contains(string(p.Stderr()), tc.stderr) {
				t.Errorf("stderr %q, want it to hold %q", p.Stderr(), tc.stderr)
			}
			if tc.mode == "garbage" && strings.Count(logs.String(), "parse error") != 4 {
				t.Errorf("the garbage's four lines were not each logged as a parse error:\n%s", logs.String())
			}
			select {
			case <-c.Done():
			default:
				t.Error("the connection still runs after Stop")
			}
			if again, err := p.Stop(ctx); again != exit || err != nil {
				t.Errorf("Stop again: %v %v, want %v", again, err, exit)
			}
			t.Logf("%s: %v in %v", tc.mode, exit, took.Round(time.Millisecond))
		})
	}
}

// A context that has ended skips the graces: the process is killed at once.
func TestProcessStopContextEnded(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	p := startChild(t, "ignore-term") // DefaultStdinGrace and DefaultTermGrace: 10 s in all
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	start := time.Now()
	exit, err := p.Stop(ctx)
	if err != nil || exit.Step != conn.StopKill {
		t.Fatalf("Stop: %v %v, want it killed", exit, err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("Stop took %v with its context ended, want no grace", took)
	}
}

// Without Connect, a Process is the stream to relay: what is written to it
// reaches the child's stdin and its replies are read from it.
func TestProcessAsStream(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	var stderr bytes.Buffer
	p := startChild(t, "serve", conn.WithStderr(&stderr))
	if _, err := io.WriteString(p, `{"jsonrpc":"2.0","id":7,"method":"echo","params":["x"]}`+"\n"); err != nil {
		t.Fatal(err)
	}
	p.Close() // closes stdin only: the reply can still be read
	out, err := io.ReadAll(p)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"jsonrpc":"2.0","id":7,"result":["x"]}` + "\n"; string(out) != want {
		t.Errorf("read %q, want %q", out, want)
	}
	exit, err := p.Wait(t.Context())
	if err != nil || exit.Code != 0 || exit.Step != conn.StopNone {
		t.Errorf("Wait: %v %v, want exit status 0", exit, err)
	}
	if p.Stderr() != nil {
		t.Errorf("Stderr() = %q with WithStderr, want nil", p.Stderr())
	}
	p.Release()
}

// A captured stderr keeps only its end: memory does not grow with what the
// child writes.
func TestProcessStderrBound(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	const limit = 4 << 10
	p := startChild(t, "stderr-flood", conn.WithStderrLimit(limit))
	exit, err := p.Stop(t.Context())
	if err != nil || exit.Code != 0 {
		t.Fatalf("Stop: %v %v", exit, err)
	}
	got := p.Stderr()
	if len(got) != limit || !bytes.HasSuffix(got, []byte("0123456789abcdef")) {
		t.Errorf("captured %d bytes ending %q, want the last %d of 1 MiB", len(got), got[max(len(got)-16, 0):], limit)
	}
}

func TestStartProcessErrors(t *testing.T) {
	t.Parallel()
	if _, err := conn.StartProcess(exec.Command("/nonexistent/lspkit-test-server")); err == nil {
		t.Error("starting a missing program succeeded")
	}
	cmd := exec.Command("true")
	cmd.Stdout = io.Discard
	if _, err := conn.StartProcess(cmd); err == nil || !strings.Contains(err.Error(), "Stdout must be unset") {
		t.Errorf("a command with its own Stdout: %v, want refused", err)
	}
}

// syncBuffer is a bytes.Buffer for writers on several goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

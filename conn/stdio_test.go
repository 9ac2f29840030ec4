package conn_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/lspkit/lspkit/conn"
)

// The tests of Stdio run this test binary again as a child whose stdin and
// stdout the parent holds: stdioChildEnv names what the child does.
const stdioChildEnv = "LSPKIT_CONN_STDIO_CHILD"

// TestStdioChild is the child's side; it does nothing in an ordinary run.
func TestStdioChild(t *testing.T) {
	role := os.Getenv(stdioChildEnv)
	if role == "" {
		t.Skip("run by TestStdio* as a child process")
	}
	if err := stdioChild(role); err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		os.Exit(3)
	}
}

func stdioChild(role string) error {
	switch role {
	case "close-wakes-read":
		if err := stdinBlocking(); err != nil {
			return err
		}
		s := conn.Stdio()
		read := make(chan error, 1)
		go func() {
			_, err := s.Read(make([]byte, 10))
			read <- err
		}()
		time.Sleep(50 * time.Millisecond) // let the read block
		if err := s.Close(); err != nil {
			return fmt.Errorf("close: %w", err)
		}
		select {
		case err := <-read:
			if !errors.Is(err, os.ErrClosed) {
				return fmt.Errorf("pending read returned %v, want an error wrapping os.ErrClosed", err)
			}
		case <-time.After(10 * time.Second):
			return errors.New("closing did not wake the pending read")
		}
		if _, err := s.Read(make([]byte, 10)); !errors.Is(err, os.ErrClosed) {
			return fmt.Errorf("read after close returned %v, want an error wrapping os.ErrClosed", err)
		}
		return nil
	case "serve":
		// Serve until the peer asks to stop: "stop" cancels the context,
		// and Serve returns although the peer keeps its side open.
		ctx, cancel := context.WithCancel(context.Background())
		mux := conn.NewMux()
		mux.Handle("subtract", conn.Typed(func(_ context.Context, p [2]float64) (float64, error) { return p[0] - p[1], nil }))
		mux.Handle("stop", conn.TypedNotification(func(context.Context, any) error { cancel(); return nil }))
		return conn.Serve(ctx, conn.Stdio(), mux, conn.WithLogger(quietLog))
	}
	return fmt.Errorf("unknown role %q", role)
}

// startStdioChild starts the child with stdin of the given kind ("pipe" or
// "socket"), in blocking mode, and a pipe for stdout.
func startStdioChild(t *testing.T, role, stdinKind string) (cmd *exec.Cmd, stdin io.WriteCloser, stdout io.ReadCloser) {
	t.Helper()
	cmd = exec.Command(os.Args[0], "-test.run=^TestStdioChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), stdioChildEnv+"="+role)
	cmd.Stderr = os.Stderr
	childEnd, parentEnd := blockingStdin(t, stdinKind)
	cmd.Stdin, stdin = childEnd, parentEnd
	var err error
	if stdout, err = cmd.StdoutPipe(); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	childEnd.Close()
	t.Cleanup(func() { stdin.Close(); cmd.Process.Kill(); cmd.Wait() })
	return cmd, stdin, stdout
}

// waitChild waits for the child to exit 0 while the parent still holds
// its stdin open: only Close can have ended the child's read.
func waitChild(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("child: %v", err)
		}
	case <-time.After(wait):
		cmd.Process.Kill()
		<-done
		t.Fatal("the child did not exit")
	}
}

// TestStdioCloseWakesRead checks that closing the stream wakes a Read that
// waits for input, for each kind of stdin where the platform allows it.
func TestStdioCloseWakesRead(t *testing.T) {
	t.Parallel()
	if len(stdinKinds()) == 0 {
		t.Skip("on this platform closing stdin does not wake a pending read")
	}
	for _, kind := range stdinKinds() {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			cmd, _, stdout := startStdioChild(t, "close-wakes-read", kind)
			go io.Copy(io.Discard, stdout)
			waitChild(t, cmd)
		})
	}
}

// TestStdioServe serves a call over a real process's stdin and stdout, then
// ends the server by its context while the client keeps its side open.
func TestStdioServe(t *testing.T) {
	t.Parallel()
	if len(stdinKinds()) == 0 {
		t.Skip("on this platform closing stdin does not wake a pending read")
	}
	for _, kind := range stdinKinds() {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			cmd, stdin, stdout := startStdioChild(t, "serve", kind)
			c := conn.New(testCtx(t), stdioPair{stdout, stdin}, nil, conn.WithLogger(quietLog))
			defer c.Close()
			var diff float64
			if err := c.Call(testCtx(t), "subtract", []float64{42, 23}, &diff); err != nil || diff != 19 {
				t.Fatalf("subtract: %v, %v", diff, err)
			}
			if err := c.Notify(testCtx(t), "stop", nil); err != nil {
				t.Fatal(err)
			}
			waitChild(t, cmd)
		})
	}
}

// stdioPair is the parent's side of the child's stdin and stdout.
type stdioPair struct {
	io.ReadCloser
	io.WriteCloser
}

func (p stdioPair) Close() error { return errors.Join(p.WriteCloser.Close(), p.ReadCloser.Close()) }

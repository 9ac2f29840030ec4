package main

// This file starts and ends the server subprocess that the debugging
// commands (call, inspect, replay) talk to or relay, and holds the flag
// helpers they share.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/lspkit/lspkit/framing"
	"github.com/spf13/cobra"
)

// serverProcess is a running server subprocess. We hold our ends of its stdin and
// stdout; its stderr goes wherever startServer was told (ours, as a rule).
//
// As an io.ReadWriteCloser it is the stream to give package conn: Read reads
// its stdout, Write writes its stdin, and Close closes only its stdin, so
// that the server sees the end of its input while what it still writes
// (the last replies) can be read until it exits.
type serverProcess struct {
	cmd    *exec.Cmd
	stdin  *os.File // our end of the server's stdin
	stdout *os.File // our end of the server's stdout

	closeStdinOnce sync.Once
	exited         chan struct{} // closed once the process has exited and been reaped
	state          *os.ProcessState
}

// waitDelay bounds how long reaping the server waits, after it has exited,
// for its stderr to be copied (when stderr is not a file, a grandchild may
// keep it open).
const waitDelay = time.Second

// startServer starts argv, with its stderr going to stderr.
//
// The pipes are made with os.Pipe rather than exec's StdinPipe and
// StdoutPipe: exec closes those in Wait, which races with reads still under
// way, while ours stay open until we close them.
func startServer(argv []string, stderr io.Writer) (*serverProcess, error) {
	inR, inW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		inR.Close()
		inW.Close()
		return nil, err
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = inR, outW, stderr
	cmd.WaitDelay = waitDelay
	err = cmd.Start()
	// The child has its own copies of its ends. Ours must go, or the server
	// would never see the end of its input, nor we the end of its output.
	inR.Close()
	outW.Close()
	if err != nil {
		inW.Close()
		outR.Close()
		return nil, fmt.Errorf("starting the server: %w", err)
	}
	s := &serverProcess{cmd: cmd, stdin: inW, stdout: outR, exited: make(chan struct{})}
	go s.reap()
	return s, nil
}

// reap waits for the process to exit and records how it did.
func (s *serverProcess) reap() {
	_ = s.cmd.Wait() // the state says all we need; a non-zero exit is not an error here
	s.state = s.cmd.ProcessState
	close(s.exited)
}

// Read reads the server's stdout.
func (s *serverProcess) Read(p []byte) (int, error) { return s.stdout.Read(p) }

// Write writes to the server's stdin.
func (s *serverProcess) Write(p []byte) (int, error) { return s.stdin.Write(p) }

// Close closes the server's stdin (only): see the type's comment.
func (s *serverProcess) Close() error {
	s.closeStdin()
	return nil
}

// closeStdin closes the server's stdin, once.
func (s *serverProcess) closeStdin() {
	s.closeStdinOnce.Do(func() { s.stdin.Close() })
}

// wait waits until the server exits, or until ctx ends and then kills it.
// It returns the exit status (128+N for a process killed by signal N, as
// shells say) and whether we killed it.
func (s *serverProcess) wait(ctx context.Context) (status int, killed bool) {
	select {
	case <-s.exited: // if ctx has ended too, the exit still counts
		return s.status(), false
	default:
	}
	select {
	case <-s.exited:
	case <-ctx.Done():
		killed = true
		s.kill()
	}
	return s.status(), killed
}

// kill kills the server and waits until it has been reaped.
func (s *serverProcess) kill() {
	select {
	case <-s.exited:
		return
	default:
	}
	_ = s.cmd.Process.Kill() // it may have exited meanwhile; reaping tells
	<-s.exited
}

// status returns the exit status of a server that has exited.
func (s *serverProcess) status() int {
	<-s.exited
	if ws, ok := s.state.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return s.state.ExitCode()
}

// signal sends sig to the server, unless it has exited.
func (s *serverProcess) signal(sig os.Signal) {
	select {
	case <-s.exited:
	default:
		_ = s.cmd.Process.Signal(sig) // it may have exited meanwhile
	}
}

// release kills the server if it still runs and closes our ends of its
// pipes. Every command defers it, so that no path leaves a process behind.
func (s *serverProcess) release() {
	s.kill()
	s.closeStdin()
	s.stdout.Close()
}

// serverArgs checks that the server's command line comes after "--", with
// exactly nBefore arguments before it, and returns it. Requiring "--" keeps
// the server's own flags (--framing, say) from being taken for ours.
func serverArgs(cmd *cobra.Command, args []string, nBefore int) ([]string, error) {
	dash := cmd.ArgsLenAtDash()
	if dash < 0 || len(args) == dash {
		return nil, errors.New("give the server's command line after --, e.g. `-- lspkit serve arith`")
	}
	if dash != nBefore {
		return nil, fmt.Errorf("expected %d argument(s) before --, got %d: %s",
			nBefore, dash, strings.Join(args[:dash], " "))
	}
	return args[dash:], nil
}

// framerByName returns the framing a --framing flag names.
func framerByName(name string) (framing.Framer, error) {
	switch name {
	case "header":
		return framing.Header(), nil
	case "line":
		return framing.Line(), nil
	}
	return nil, fmt.Errorf("--framing must be header or line, not %q", name)
}

// framingUsage is the help text of every --framing flag here.
const framingUsage = "message framing: header (Content-Length, as LSP) or line (newline-delimited JSON)"

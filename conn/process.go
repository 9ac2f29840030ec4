package conn

// The subprocess client: a server started as a child process, spoken to on
// its stdin and stdout, and ended the way the MCP and LSP specifications
// describe (close its input, wait, SIGTERM, wait, SIGKILL).

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"time"
)

// The defaults of a Process.
const (
	// DefaultStdinGrace bounds the wait for a process to exit once its stdin
	// is closed, before Stop asks it to terminate.
	DefaultStdinGrace = 5 * time.Second
	// DefaultTermGrace bounds the wait after SIGTERM, before Stop kills.
	DefaultTermGrace = 5 * time.Second
	// DefaultKillGrace bounds the wait after SIGKILL for the process to be
	// reaped, and for its stderr to be copied.
	DefaultKillGrace = 2 * time.Second
	// DefaultStderrLimit is how much of a process's stderr is kept when it is
	// captured: the last 64 KiB.
	DefaultStderrLimit = 64 << 10
)

// ErrProcessStuck is wrapped by the error of a Stop whose process could not
// be reaped even after it was killed.
var ErrProcessStuck = errors.New("conn: the process did not exit after it was killed")

// ProcessOption configures a Process; pass options to StartProcess.
type ProcessOption func(*processConfig)

type processConfig struct {
	stderr      io.Writer // nil: captured
	stderrLimit int
	stdinGrace  time.Duration
	termGrace   time.Duration
	killGrace   time.Duration
}

// WithStderr sends the process's stderr to w: os.Stderr passes it through,
// io.Discard drops it. Without it, stderr goes to the command's Stderr if
// that is set, and is otherwise captured: Process.Stderr returns its end.
func WithStderr(w io.Writer) ProcessOption { return func(c *processConfig) { c.stderr = w } }

// WithStderrLimit bounds how much of a captured stderr is kept: the last n
// bytes (DefaultStderrLimit by default), so that memory does not grow with
// what the process writes.
func WithStderrLimit(n int) ProcessOption {
	return func(c *processConfig) { c.stderrLimit = max(n, 0) }
}

// WithStopTimeouts sets how long Stop waits at each step: after closing
// stdin, after SIGTERM, and after SIGKILL. A step of 0 or less keeps its
// default. On Windows, which has no SIGTERM, Stop kills the process as soon
// as the wait after closing stdin has passed.
func WithStopTimeouts(stdin, term, kill time.Duration) ProcessOption {
	return func(c *processConfig) {
		for _, p := range []struct {
			d   time.Duration
			dst *time.Duration
		}{{stdin, &c.stdinGrace}, {term, &c.termGrace}, {kill, &c.killGrace}} {
			if p.d > 0 {
				*p.dst = p.d
			}
		}
	}
}

// Process is a child process that speaks on its stdin and stdout: a language
// server or a tool plugin, started by StartProcess.
//
// As an io.ReadWriteCloser it is the process's side of the conversation:
// Read reads its stdout, Write writes its stdin, and Close closes only its
// stdin, so that the process sees the end of its input while what it still
// writes (its last replies) can be read until it exits. Connect starts a
// Conn over it; a relay can use it as it is.
//
// Every Process must end with Stop or Release, which reap it and close the
// pipes; its methods are safe for concurrent use.
type Process struct {
	cmd    *exec.Cmd
	cfg    processConfig
	stdin  *os.File // our end of the process's stdin
	stdout *os.File // our end of the process's stdout
	tail   *tailBuffer

	closeStdinOnce  sync.Once
	closeStdoutOnce sync.Once
	exited          chan struct{} // closed once the process has been reaped
	state           *os.ProcessState

	mu   sync.Mutex
	conn *Conn // from Connect

	stopOnce sync.Once
	stopExit Exit
	stopErr  error
}

// StartProcess starts cmd with pipes for its stdin and stdout, which must
// be unset. Its stderr goes where WithStderr says, or to cmd.Stderr if set;
// otherwise it is captured. The process runs until it exits or Stop or
// Release ends it: it is not tied to a context (exec.CommandContext's
// context, if any, still kills it).
func StartProcess(cmd *exec.Cmd, opts ...ProcessOption) (*Process, error) {
	if cmd.Stdin != nil || cmd.Stdout != nil {
		return nil, errors.New("conn: StartProcess: the command's Stdin and Stdout must be unset: the process speaks on them")
	}
	cfg := processConfig{stderrLimit: DefaultStderrLimit, stdinGrace: DefaultStdinGrace,
		termGrace: DefaultTermGrace, killGrace: DefaultKillGrace}
	for _, o := range opts {
		o(&cfg)
	}
	// os.Pipe rather than exec's StdinPipe and StdoutPipe: exec closes those
	// in Wait, which races with reads still under way; ours stay open until
	// we close them.
	inR, inW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("conn: StartProcess: %w", err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		inR.Close()
		inW.Close()
		return nil, fmt.Errorf("conn: StartProcess: %w", err)
	}
	p := &Process{cmd: cmd, cfg: cfg, stdin: inW, stdout: outR, exited: make(chan struct{})}
	cmd.Stdin, cmd.Stdout = inR, outW
	switch {
	case cfg.stderr != nil:
		cmd.Stderr = cfg.stderr
	case cmd.Stderr == nil:
		p.tail = &tailBuffer{limit: cfg.stderrLimit}
		cmd.Stderr = p.tail
	}
	if cmd.WaitDelay == 0 {
		// A grandchild that inherited stderr may keep it open after the
		// process has exited: bound the wait for the copy of it.
		cmd.WaitDelay = cfg.killGrace
	}
	err = cmd.Start()
	// The child has its own copies of its ends. Ours must go, or it would
	// never see the end of its input, nor we the end of its output.
	inR.Close()
	outW.Close()
	if err != nil {
		inW.Close()
		outR.Close()
		return nil, fmt.Errorf("conn: starting %s: %w", cmd.Path, err)
	}
	go func() {
		_ = cmd.Wait() // the state says all we need; a non-zero exit is not an error here
		p.state = cmd.ProcessState
		close(p.exited)
	}()
	return p, nil
}

// Connect starts a connection over the process's stdin and stdout, with
// handler h (nil: we serve no methods) and options opts, as New does: give
// the framing (WithFramer) and cancellation protocol the process speaks.
// Stop closes the connection first. Connect is for once per process.
func (p *Process) Connect(ctx context.Context, h Handler, opts ...Option) *Conn {
	c := New(ctx, p, h, opts...)
	p.mu.Lock()
	p.conn = c
	p.mu.Unlock()
	return c
}

// Read reads the process's stdout.
func (p *Process) Read(b []byte) (int, error) { return p.stdout.Read(b) }

// Write writes to the process's stdin.
func (p *Process) Write(b []byte) (int, error) { return p.stdin.Write(b) }

// Close closes the process's stdin (only): see the type's comment.
func (p *Process) Close() error {
	p.CloseStdin()
	return nil
}

// CloseStdin closes the process's stdin, once: a well-behaved server exits.
func (p *Process) CloseStdin() {
	p.closeStdinOnce.Do(func() { p.stdin.Close() })
}

// closeStdout closes our end of the process's stdout, once, which ends a
// read of it.
func (p *Process) closeStdout() {
	p.closeStdoutOnce.Do(func() { p.stdout.Close() })
}

// Pid returns the process id.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Exited returns a channel that is closed once the process has exited and
// been reaped.
func (p *Process) Exited() <-chan struct{} { return p.exited }

// Wait waits until the process has exited, or ctx ends, and returns how it
// exited. It does not end the process: Stop does.
func (p *Process) Wait(ctx context.Context) (Exit, error) {
	select {
	case <-p.exited:
		return p.exit(StopNone), nil
	case <-ctx.Done():
		return Exit{}, context.Cause(ctx)
	}
}

// Signal sends sig to the process, unless it has exited. On Windows only
// os.Kill can be sent.
func (p *Process) Signal(sig os.Signal) error {
	select {
	case <-p.exited:
		return os.ErrProcessDone
	default:
		return p.cmd.Process.Signal(sig)
	}
}

// Stderr returns the end of what the process has written to its stderr so
// far, if it is captured (see WithStderr), at most the limit: nil otherwise.
func (p *Process) Stderr() []byte {
	if p.tail == nil {
		return nil
	}
	return p.tail.bytes()
}

// StopStep is how far Stop had to go before the process exited.
type StopStep int

// The steps of Stop, in order.
const (
	// StopNone: the process exited by itself, or on closing its stdin.
	StopNone StopStep = iota
	// StopTerm: it exited after SIGTERM.
	StopTerm
	// StopKill: it was killed.
	StopKill
)

// String names the step.
func (s StopStep) String() string {
	switch s {
	case StopNone:
		return "exited"
	case StopTerm:
		return "terminated"
	case StopKill:
		return "killed"
	}
	return fmt.Sprintf("StopStep(%d)", int(s))
}

// Exit is how a process ended.
type Exit struct {
	// Code is the exit status; for a process ended by signal N, 128+N, as
	// shells report it.
	Code int
	// Step is how far Stop had to go: StopNone if the process exited of its
	// own accord.
	Step StopStep
	// State is the process's state, as os/exec reports it.
	State *os.ProcessState
}

// String describes the exit: "exit status 0", "exit status 143
// (terminated)".
func (e Exit) String() string {
	if e.Step == StopNone {
		return fmt.Sprintf("exit status %d", e.Code)
	}
	return fmt.Sprintf("exit status %d (%s)", e.Code, e.Step)
}

// exit returns the Exit of a reaped process.
func (p *Process) exit(step StopStep) Exit {
	<-p.exited
	return Exit{Code: exitCode(p.state), Step: step, State: p.state}
}

// Stop ends the process the established way, and returns how it exited:
// it closes the connection (Connect), which writes what is queued, then
// closes the process's stdin and waits for it to exit; if it does not
// within the first grace (WithStopTimeouts), sends SIGTERM and waits again;
// if it still runs, kills it. When ctx ends, Stop skips to the kill. Our
// ends of the pipes are closed once the process has exited.
//
// A process that has already exited is only reaped. Stop returns an error,
// wrapping ErrProcessStuck, only if the process could not be reaped after
// it was killed. Calls after the first return what the first returned.
func (p *Process) Stop(ctx context.Context) (Exit, error) {
	p.stopOnce.Do(func() { p.stopExit, p.stopErr = p.stop(ctx) })
	return p.stopExit, p.stopErr
}

func (p *Process) stop(ctx context.Context) (Exit, error) {
	defer p.closeStdout()
	p.mu.Lock()
	c := p.conn
	p.mu.Unlock()
	if c != nil {
		c.Close()
	}
	p.CloseStdin()
	if p.await(ctx, p.cfg.stdinGrace) {
		return p.exit(StopNone), nil
	}
	if terminate(p.cmd.Process) == nil && p.await(ctx, p.cfg.termGrace) {
		return p.exit(StopTerm), nil
	}
	if p.kill(p.cfg.killGrace) {
		return p.exit(StopKill), nil
	}
	return Exit{Step: StopKill}, fmt.Errorf("conn: process %d, %v after SIGKILL: %w", p.Pid(), p.cfg.killGrace, ErrProcessStuck)
}

// await waits up to d for the process to exit, and reports whether it
// did; when ctx has ended it does not wait.
func (p *Process) await(ctx context.Context, d time.Duration) bool {
	select {
	case <-p.exited:
		return true
	default:
	}
	if ctx.Err() != nil {
		return false
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-p.exited:
		return true
	case <-ctx.Done():
	case <-t.C:
	}
	select { // exited and the timer may fire together
	case <-p.exited:
		return true
	default:
		return false
	}
}

// kill kills the process and waits up to d for it to be reaped.
func (p *Process) kill(d time.Duration) bool {
	select {
	case <-p.exited:
		return true
	default:
	}
	_ = p.cmd.Process.Kill() // it may have exited meanwhile; reaping tells
	return p.await(context.Background(), d)
}

// Release kills the process if it still runs, waits for it to be reaped
// (at most the kill grace) and closes our ends of its pipes. It is the
// end for a process that must not linger (on an error path, say); Stop is
// the gentle one. Release after Stop, or twice, does no harm.
func (p *Process) Release() {
	p.kill(p.cfg.killGrace)
	p.CloseStdin()
	p.closeStdout()
}

// tailBuffer is an io.Writer that keeps the last limit bytes written.
type tailBuffer struct {
	mu    sync.Mutex
	limit int
	buf   []byte
}

// Write keeps the end of b and what came before it, up to the limit. The
// buffer is allocated once, at the limit, and never grows.
func (t *tailBuffer) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.buf == nil {
		t.buf = make([]byte, 0, t.limit)
	}
	if len(b) >= t.limit {
		t.buf = append(t.buf[:0], b[len(b)-t.limit:]...)
		return len(b), nil
	}
	if over := len(t.buf) + len(b) - t.limit; over > 0 {
		t.buf = t.buf[:copy(t.buf, t.buf[over:])]
	}
	t.buf = append(t.buf, b...)
	return len(b), nil
}

// bytes returns a copy of what is kept.
func (t *tailBuffer) bytes() []byte {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]byte(nil), t.buf...)
}

package check

// This file starts and ends server processes. It is the checker's own small
// helper: every check starts fresh processes and must be sure to end them.

import (
	"fmt"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// process is one running server: our ends of its stdin and stdout, and the
// tail of what it wrote to stderr.
type process struct {
	cmd    *exec.Cmd
	stdin  *os.File
	stdout *os.File
	stderr *tailBuffer

	closeOnce sync.Once
	exited    chan struct{} // closed once the process has exited and been reaped
	state     *os.ProcessState
}

// startProcess starts argv in dir. The pipes are made with os.Pipe, not
// exec's StdinPipe/StdoutPipe, which Wait closes while reads may be under way.
func startProcess(argv []string, dir string) (*process, error) {
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
	p := &process{stdin: inW, stdout: outR, stderr: &tailBuffer{max: 8 << 10}, exited: make(chan struct{})}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Stdin, cmd.Stdout, cmd.Stderr = inR, outW, p.stderr
	cmd.WaitDelay = time.Second
	err = cmd.Start()
	inR.Close() // the child holds its own copies
	outW.Close()
	if err != nil {
		inW.Close()
		outR.Close()
		return nil, fmt.Errorf("starting the server: %w", err)
	}
	p.cmd = cmd
	go func() {
		_ = cmd.Wait() // the state says how it ended
		p.state = cmd.ProcessState
		close(p.exited)
	}()
	return p, nil
}

// pid is the process's id.
func (p *process) pid() int { return p.cmd.Process.Pid }

// closeStdin closes the server's stdin, once: it sees the end of its input.
func (p *process) closeStdin() { p.closeOnce.Do(func() { p.stdin.Close() }) }

// waitExit waits up to d for the process to exit, and returns its exit
// status (128+N when killed by signal N) and whether it exited.
func (p *process) waitExit(d time.Duration) (int, bool) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-p.exited:
		return p.status(), true
	case <-t.C:
		return 0, false
	}
}

// hasExited reports whether the process has exited.
func (p *process) hasExited() bool {
	select {
	case <-p.exited:
		return true
	default:
		return false
	}
}

// status is the exit status of a process that has exited.
func (p *process) status() int {
	<-p.exited
	if ws, ok := p.state.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return p.state.ExitCode()
}

// release kills the process if it still runs, waits until it is reaped and
// closes our ends of its pipes.
func (p *process) release() {
	if !p.hasExited() {
		_ = p.cmd.Process.Kill() // it may have exited meanwhile; reaping tells
	}
	<-p.exited
	p.closeStdin()
	p.stdout.Close()
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if over := len(b.buf) - b.max; over > 0 {
		b.buf = append(b.buf[:0], b.buf[over:]...)
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}

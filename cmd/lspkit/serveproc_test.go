package main

// serveProc drives `lspkit serve` as a subprocess over its stdin and stdout
// with raw bytes, for the black-box tests of serve_test.go. The binary is
// the one main_test.go builds once per test binary (lspkitBinary).

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/lspkit/lspkit/framing"
)

// serveWait bounds every wait of the serve tests; nothing correct comes
// close to it.
const serveWait = 10 * time.Second

// serveBinary returns the lspkit binary, or skips the test when there is no
// go command to build it with.
func serveBinary(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command to build lspkit with:", err)
	}
	return lspkitBinary(t)
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader at once.
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

// spFrame is one frame read from the process's stdout, or the error that
// made stdout something other than a clean stream of JSON frames.
type spFrame struct {
	body []byte
	err  error
}

// serveProc is one running `lspkit serve arith` process.
type serveProc struct {
	t       *testing.T
	framing string // "header" or "line"
	cmd     *exec.Cmd
	stdin   io.WriteCloser
	stderr  *syncBuffer
	frames  chan spFrame // from stdout, in order; closed at its end
	exit    *procExit
}

// procExit is how the process ended.
type procExit struct {
	done chan struct{} // closed once the process has exited
	err  error         // cmd.Wait's error, once done is closed
}

// startServeProc starts `lspkit serve arith` with the given framing ("header"
// or "line") and extra arguments. The process is killed, if it still runs,
// when the test ends; a failed test shows its stderr.
func startServeProc(t *testing.T, framingName string, args ...string) *serveProc {
	t.Helper()
	var fr framing.Framer
	switch framingName {
	case "header":
		fr = framing.Header()
	case "line":
		fr = framing.Line()
	default:
		t.Fatalf("startServeProc: unknown framing %q", framingName)
	}
	argv := append([]string{"serve", "arith", "--framing", framingName}, args...)
	p := &serveProc{
		t:       t,
		framing: framingName,
		cmd:     exec.Command(serveBinary(t), argv...),
		stderr:  &syncBuffer{},
		frames:  make(chan spFrame, 4096),
		exit:    &procExit{done: make(chan struct{})},
	}
	p.cmd.Stderr = p.stderr
	var err error
	if p.stdin, err = p.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		defer close(p.frames)
		r := fr.NewReader(stdout)
		for {
			body, err := r.ReadMessage()
			switch {
			case errors.Is(err, io.EOF):
				return
			case err != nil:
				p.frames <- spFrame{err: fmt.Errorf("stdout is not a clean stream of %s frames: %w", framingName, err)}
				return
			case !utf8.Valid(body):
				p.frames <- spFrame{body: body, err: fmt.Errorf("frame is not valid UTF-8: %q", body)}
			case !json.Valid(body):
				p.frames <- spFrame{body: body, err: fmt.Errorf("frame is not valid JSON: %q", body)}
			default:
				p.frames <- spFrame{body: body}
			}
		}
	}()
	go func() {
		// Wait closes stdout: only once everything on it has been read.
		<-readerDone
		p.exit.err = p.cmd.Wait()
		close(p.exit.done)
	}()
	t.Cleanup(func() {
		p.stdin.Close()
		go func() {
			for range p.frames { // what the test did not read
			}
		}()
		select {
		case <-p.exit.done:
		case <-time.After(serveWait):
			p.cmd.Process.Kill()
			t.Errorf("lspkit %s: still running %v after its stdin closed; killed", strings.Join(argv, " "), serveWait)
			<-p.exit.done
		}
		if t.Failed() {
			t.Logf("stderr of lspkit %s:\n%s", strings.Join(argv, " "), p.stderr)
		}
	})
	return p
}

// sendRaw writes b to the process's stdin as it is.
func (p *serveProc) sendRaw(b []byte) {
	p.t.Helper()
	if _, err := p.stdin.Write(b); err != nil {
		p.t.Fatalf("writing to stdin: %v", err)
	}
}

// frame returns body framed as the process expects: with a Content-Length
// header, or as one line (raw newlines, which JSON allows between tokens,
// turned into spaces).
func (p *serveProc) frame(body string) []byte {
	if p.framing == "line" {
		return []byte(strings.ReplaceAll(body, "\n", " ") + "\n")
	}
	return []byte("Content-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body)
}

// send writes one framed message.
func (p *serveProc) send(body string) {
	p.t.Helper()
	p.sendRaw(p.frame(body))
}

// read returns the next frame from stdout, waiting at most serveWait.
func (p *serveProc) read() []byte {
	p.t.Helper()
	select {
	case f, ok := <-p.frames:
		if !ok {
			p.t.Fatalf("stdout ended; wanted a reply")
		}
		if f.err != nil {
			p.t.Fatal(f.err)
		}
		return f.body
	case <-time.After(serveWait):
		p.t.Fatalf("no reply within %v", serveWait)
	}
	return nil
}

// readReply returns the next frame decoded as a JSON value.
func (p *serveProc) readReply() any {
	p.t.Helper()
	body := p.read()
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		p.t.Fatalf("reply %q: %v", body, err)
	}
	return v
}

// closeStdin closes the process's stdin: the end of its input.
func (p *serveProc) closeStdin() {
	p.t.Helper()
	if err := p.stdin.Close(); err != nil {
		p.t.Fatalf("closing stdin: %v", err)
	}
}

// end closes stdin, checks that nothing more is written to stdout, and
// returns the exit status of the process.
func (p *serveProc) end() int {
	p.t.Helper()
	p.closeStdin()
	for _, f := range p.rest() {
		p.t.Errorf("unexpected output after the last reply: %q (%v)", f.body, f.err)
	}
	return p.wait()
}

// rest returns every frame still to come on stdout, up to its end (the
// process ends it once its stdin is closed and its replies are written).
func (p *serveProc) rest() []spFrame {
	p.t.Helper()
	var out []spFrame
	timeout := time.After(serveWait)
	for {
		select {
		case f, ok := <-p.frames:
			if !ok {
				return out
			}
			out = append(out, f)
		case <-timeout:
			p.t.Fatalf("stdout still open %v after stdin was closed", serveWait)
		}
	}
}

// in returns p for use by test t (a subtest), so that its failures are t's.
func (p *serveProc) in(t *testing.T) *serveProc {
	q := *p
	q.t = t
	return &q
}

// wait waits for the process to exit and returns its exit status.
func (p *serveProc) wait() int {
	p.t.Helper()
	select {
	case <-p.exit.done:
	case <-time.After(serveWait):
		p.t.Fatalf("the process did not exit within %v", serveWait)
	}
	var ee *exec.ExitError
	switch {
	case p.exit.err == nil:
		return 0
	case errors.As(p.exit.err, &ee):
		return ee.ExitCode()
	}
	p.t.Fatalf("wait: %v", p.exit.err)
	return -1
}

// peakRSS returns the process's peak resident set size in bytes, from
// VmHWM in /proc/<pid>/status; it skips the test where /proc has no such
// line.
func (p *serveProc) peakRSS() int64 {
	p.t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		p.t.Skipf("no /proc status to read the peak RSS from: %v", err)
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			f := strings.Fields(v)
			if len(f) != 2 || f[1] != "kB" {
				p.t.Fatalf("unexpected VmHWM line %q", line)
			}
			kb, err := strconv.ParseInt(f[0], 10, 64)
			if err != nil {
				p.t.Fatalf("VmHWM line %q: %v", line, err)
			}
			return kb << 10
		}
	}
	p.t.Skip("no VmHWM in /proc/<pid>/status")
	return 0
}

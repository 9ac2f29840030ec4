package lsp_test

// These tests run lsp/internal/testserver (built by TestMain) as a real
// process on stdin and stdout, as an editor does.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lspkit/lspkit/conn"
	"github.com/lspkit/lspkit/lsp/protocol"
)

// serverProcess is the test server running as a process, with a conn
// client on its stdin and stdout.
type serverProcess struct {
	cmd    *exec.Cmd
	client *conn.Conn
	stdin  io.WriteCloser
	stdout io.Reader    // the rest of stdout, once the client has stopped reading
	out    lockedBuffer // everything read from stdout
	errOut lockedBuffer // stderr
}

func startServerProcess(t *testing.T, args ...string) *serverProcess {
	t.Helper()
	p := &serverProcess{cmd: exec.Command(testServerBin, args...)}
	p.cmd.Stderr = &p.errOut
	var err error
	if p.stdin, err = p.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if p.stdout, err = p.cmd.StdoutPipe(); err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			p.cmd.Process.Kill()
			p.cmd.Wait()
		}
	})
	tee := io.TeeReader(p.stdout, &p.out)
	p.client = conn.New(context.Background(), readWriteCloser{tee, p.stdin}, nil)
	return p
}

type readWriteCloser struct {
	io.Reader
	io.WriteCloser
}

// exitCode waits for the process to exit and returns its exit code.
func (p *serverProcess) exitCode(t *testing.T) int {
	t.Helper()
	select {
	case <-p.client.Done(): // the server closed its stdout
	case <-time.After(10 * time.Second):
		t.Fatalf("the server did not exit; stderr:\n%s", p.errOut.String())
	}
	io.Copy(&p.out, p.stdout) // what the client did not read
	err := p.cmd.Wait()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatal(err)
	}
	return p.cmd.ProcessState.ExitCode()
}

// checkFrames fails the test unless data is nothing but well-formed
// base-protocol frames, each holding one JSON-RPC message.
func checkFrames(t *testing.T, data []byte) (n int) {
	t.Helper()
	r := bufio.NewReader(bytes.NewReader(data))
	for {
		length := -1
		for {
			line, err := r.ReadString('\n')
			if err == io.EOF && line == "" && length < 0 {
				return n
			}
			if err != nil || !strings.HasSuffix(line, "\r\n") {
				t.Fatalf("after %d frames, not a header line: %q", n, line)
			}
			line = strings.TrimSuffix(line, "\r\n")
			if line == "" {
				break
			}
			name, value, ok := strings.Cut(line, ": ")
			switch {
			case ok && strings.EqualFold(name, "Content-Length"):
				if length, err = strconv.Atoi(value); err != nil {
					t.Fatalf("bad header %q", line)
				}
			case ok && strings.EqualFold(name, "Content-Type"):
			default:
				t.Fatalf("after %d frames, not a header: %q", n, line)
			}
		}
		body := make([]byte, length)
		if _, err := io.ReadFull(r, body); err != nil || length < 0 {
			t.Fatalf("frame %d: short body (%d bytes wanted): %v", n, length, err)
		}
		var msg struct {
			JSONRPC string `json:"jsonrpc"`
		}
		if err := json.Unmarshal(body, &msg); err != nil || msg.JSONRPC != "2.0" {
			t.Fatalf("frame %d is not a JSON-RPC message: %q", n, body)
		}
		n++
	}
}

func TestServerProcess(t *testing.T) {
	initialize := func(ctx context.Context, t *testing.T, p *serverProcess) {
		t.Helper()
		var res protocol.InitializeResult
		if err := p.client.Call(ctx, "initialize", map[string]any{"processId": nil, "rootUri": nil, "capabilities": map[string]any{}}, &res); err != nil {
			t.Fatalf("initialize: %v", err)
		}
		if res.ServerInfo == nil || res.ServerInfo.Name != "testserver" {
			t.Fatalf("serverInfo %+v", res.ServerInfo)
		}
		p.client.Notify(ctx, "initialized", struct{}{})
	}
	tests := []struct {
		name     string
		session  func(ctx context.Context, t *testing.T, p *serverProcess)
		wantCode int
	}{{
		name: "shutdown and exit",
		session: func(ctx context.Context, t *testing.T, p *serverProcess) {
			initialize(ctx, t, p)
			p.client.Notify(ctx, "textDocument/didOpen", &protocol.DidOpenTextDocumentParams{TextDocument: protocol.TextDocumentItem{
				URI: uri, LanguageID: "plaintext", Version: 1, Text: "first\nsecond",
			}})
			var h protocol.Hover
			if err := p.client.Call(ctx, "textDocument/hover", hoverAt(uri, 1, 0), &h); err != nil || textOf(t, &h) != "second" {
				t.Errorf("hover: %v, %v", textOf(t, &h), err)
			}
			// Bad input: the server answers on stdout and logs on stderr.
			// (The client is idle: nothing else is being written.)
			io.WriteString(p.stdin, "Content-Length: 5\r\n\r\n{oops")
			if err := p.client.Call(ctx, "shutdown", nil, nil); err != nil {
				t.Fatal(err)
			}
			p.client.Notify(ctx, "exit", nil)
		},
		wantCode: 0,
	}, {
		name: "exit without shutdown",
		session: func(ctx context.Context, t *testing.T, p *serverProcess) {
			initialize(ctx, t, p)
			p.client.Notify(ctx, "exit", nil)
		},
		wantCode: 1,
	}, {
		name: "exit before initialize",
		session: func(ctx context.Context, t *testing.T, p *serverProcess) {
			p.client.Notify(ctx, "exit", nil)
		},
		wantCode: 1,
	}, {
		name: "end of stdin",
		session: func(ctx context.Context, t *testing.T, p *serverProcess) {
			initialize(ctx, t, p)
			p.stdin.Close()
		},
		wantCode: 1,
	}, {
		name: "end of stdin after shutdown",
		session: func(ctx context.Context, t *testing.T, p *serverProcess) {
			initialize(ctx, t, p)
			if err := p.client.Call(ctx, "shutdown", nil, nil); err != nil {
				t.Fatal(err)
			}
			p.stdin.Close()
		},
		wantCode: 0,
	}, {
		name: "end of stdin before initialize",
		session: func(ctx context.Context, t *testing.T, p *serverProcess) {
			p.stdin.Close()
		},
		wantCode: 1,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := testContext(t)
			p := startServerProcess(t)
			tt.session(ctx, t, p)
			if got := p.exitCode(t); got != tt.wantCode {
				t.Errorf("exit code %d, want %d; stderr:\n%s", got, tt.wantCode, p.errOut.String())
			}
			checkFrames(t, p.out.Bytes())
			if !strings.Contains(p.errOut.String(), "testserver: serving") {
				t.Errorf("stderr has not the server's log:\n%s", p.errOut.String())
			}
		})
	}
}

// The server exits when the client's process dies (-clientProcessId, so
// lsp.WithClientProcessID), promptly; until then, the watch does not wake
// the idle server.
func TestServerProcessClientDies(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	client := startSleep(t)
	p := startServerProcess(t, "-clientProcessId", fmt.Sprint(client.Process.Pid))
	// It serves while the client's process lives.
	var res protocol.InitializeResult
	if err := p.client.Call(ctx, "initialize", map[string]any{"processId": nil, "capabilities": map[string]any{}}, &res); err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS == "linux" {
		time.Sleep(time.Second) // the runtime settles after start-up
		before := contextSwitches(t, p.cmd.Process.Pid)
		time.Sleep(idleWindow)
		if n := contextSwitches(t, p.cmd.Process.Pid) - before; n > maxIdleSwitches {
			t.Errorf("the idle server was switched in %d times in %v, want at most %d", n, idleWindow, maxIdleSwitches)
		} else {
			t.Logf("the idle server was switched in %d times in %v", n, idleWindow)
		}
	}
	kill(t, client)
	killed := time.Now()
	if got := p.exitCode(t); got != 1 {
		t.Errorf("exit code %d, want 1", got)
	}
	if d := time.Since(killed); d > time.Second {
		t.Errorf("the server exited %v after the client's process", d)
	} else {
		t.Logf("the server exited %v after the client's process", d)
	}
	if !strings.Contains(p.errOut.String(), "client process died") {
		t.Errorf("stderr does not say why:\n%s", p.errOut.String())
	}
	checkFrames(t, p.out.Bytes())
}

// idleWindow is how long TestServerProcessClientDies watches the idle
// server, and maxIdleSwitches how often its threads may run meanwhile
// (the runtime's own rare work, such as returning memory to the system
// after start-up, more of it on a loaded machine): a watch that polled even
// twice a second would run them at least six times.
const (
	idleWindow      = 3 * time.Second
	maxIdleSwitches = 4
)

// contextSwitches returns how many times the threads of process pid have
// been switched in so far (Linux: the voluntary and involuntary context
// switches of every task in /proc/PID/task).
func contextSwitches(t *testing.T, pid int) int {
	t.Helper()
	tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/status", pid))
	if err != nil || len(tasks) == 0 {
		t.Fatalf("no tasks of process %d: %v", pid, err)
	}
	n := 0
	for _, task := range tasks {
		data, err := os.ReadFile(task)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(data), "\n") {
			if name, value, ok := strings.Cut(line, ":"); ok && strings.HasSuffix(name, "ctxt_switches") {
				v, err := strconv.Atoi(strings.TrimSpace(value))
				if err != nil {
					t.Fatalf("%s: %q", task, line)
				}
				n += v
			}
		}
	}
	return n
}

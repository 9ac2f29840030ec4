package lsp_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/lspkit/lspkit/conn"
	"github.com/lspkit/lspkit/lsp"
	"github.com/lspkit/lspkit/lsp/lsptest"
	"github.com/lspkit/lspkit/lsp/protocol"
)

const uri = protocol.DocumentURI("file:///a.txt")

// newEchoServer returns a server that keeps documents, answers hover with
// the line under the cursor, and has a custom request "echo" and a custom
// notification "note", which it counts.
func newEchoServer(opts ...lsp.Option) (*lsp.Server, *atomic.Int64) {
	srv := lsp.NewServer("echo", "1", opts...)
	docs := srv.Documents()
	srv.OnHover(func(_ context.Context, p *protocol.HoverParams) (*protocol.Hover, error) {
		snap, ok := docs.Get(p.TextDocument.URI)
		if !ok {
			return nil, nil
		}
		return hoverText(snap.LineText(int(p.Position.Line))), nil
	})
	srv.Handle("echo", conn.Typed(func(_ context.Context, p []string) ([]string, error) { return p, nil }))
	notes := new(atomic.Int64)
	srv.Handle("note", conn.TypedNotification(func(context.Context, json.RawMessage) error { notes.Add(1); return nil }))
	return srv, notes
}

func TestBeforeInitialize(t *testing.T) {
	ctx := testContext(t)
	srv, notes := newEchoServer()
	c := lsptest.New(t, srv)

	// Requests are answered -32002, whatever they are.
	for _, method := range []string{"textDocument/hover", "echo", "shutdown", "$/unknown", "workspace/unknown"} {
		err := c.Conn().Call(ctx, method, map[string]any{}, nil)
		if codeOf(err) != lsp.CodeServerNotInitialized {
			t.Errorf("%s before initialize: %v, want code -32002", method, err)
		}
	}
	// Notifications are dropped: the document is not opened, the custom
	// notification not handled.
	if err := c.Open(ctx, uri, "plaintext", "early"); err != nil {
		t.Fatal(err)
	}
	if err := c.Conn().Notify(ctx, "note", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Initialize(ctx, nil); err != nil {
		t.Fatal(err)
	}
	// Initialize ran after the notifications (it runs alone, in order).
	if h, err := c.Hover(ctx, hoverAt(uri, 0, 0)); err != nil || h != nil {
		t.Errorf("hover on a document opened before initialize: %v, %v; want null", h, err)
	}
	if n := notes.Load(); n != 0 {
		t.Errorf("a notification before initialize was handled %d times", n)
	}
	// Now everything works.
	var echo []string
	if err := c.Conn().Call(ctx, "echo", []string{"a", "b"}, &echo); err != nil || strings.Join(echo, ",") != "a,b" {
		t.Errorf("echo after initialize: %v, %v", echo, err)
	}
	if err := c.Shutdown(ctx); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
}

func TestSecondInitialize(t *testing.T) {
	ctx := testContext(t)
	srv, _ := newEchoServer()
	c, _ := start(t, srv, "")
	_, err := c.Initialize(ctx, nil)
	if codeOf(err) != conn.CodeInvalidRequest {
		t.Errorf("second initialize: %v, want code -32600", err)
	}
	var echo []string
	if err := c.Conn().Call(ctx, "echo", []string{"still"}, &echo); err != nil {
		t.Errorf("echo after a second initialize: %v", err)
	}
	if err := c.Shutdown(ctx); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
}

func TestFailedInitializeMayBeRetried(t *testing.T) {
	ctx := testContext(t)
	srv, _ := newEchoServer()
	attempts := 0
	srv.OnInitialize(func(context.Context, *protocol.InitializeParams) error {
		attempts++ // initialize runs alone: no lock needed
		if attempts == 1 {
			return conn.NewError(lsp.CodeRequestFailed, "not yet")
		}
		return nil
	})
	c := lsptest.New(t, srv)
	if _, err := c.Initialize(ctx, nil); codeOf(err) != lsp.CodeRequestFailed {
		t.Fatalf("first initialize: %v, want the OnInitialize error", err)
	}
	if err := c.Conn().Call(ctx, "echo", nil, nil); codeOf(err) != lsp.CodeServerNotInitialized {
		t.Errorf("echo after a failed initialize: %v, want -32002", err)
	}
	if _, err := c.Initialize(ctx, nil); err != nil {
		t.Fatalf("second initialize: %v", err)
	}
	if err := c.Shutdown(ctx); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
}

func TestAfterShutdown(t *testing.T) {
	ctx := testContext(t)
	srv, notes := newEchoServer()
	docs := srv.Documents()
	c, _ := start(t, srv, "")
	c.Open(ctx, uri, "plaintext", "before")
	if err := c.Conn().Call(ctx, "shutdown", nil, nil); err != nil {
		t.Fatal(err)
	}
	for _, method := range []string{"textDocument/hover", "echo", "shutdown", "initialize", "$/unknown"} {
		err := c.Conn().Call(ctx, method, map[string]any{}, nil)
		if codeOf(err) != conn.CodeInvalidRequest {
			t.Errorf("%s after shutdown: %v, want code -32600", method, err)
		}
	}
	// Notifications but exit are dropped.
	c.Replace(ctx, uri, "after")
	c.Conn().Notify(ctx, "note", nil)
	c.Conn().Notify(ctx, "exit", nil)
	if err := c.Wait(ctx); err != nil {
		t.Errorf("Serve after shutdown and exit: %v, want nil", err)
	}
	if snap, _ := docs.Get(uri); snap.Text() != "before" {
		t.Errorf("didChange after shutdown was applied: %q", snap.Text())
	}
	if n := notes.Load(); n != 0 {
		t.Errorf("a notification after shutdown was handled %d times", n)
	}
}

// A handler's call to the client that is answered after shutdown still
// gets its answer.
func TestReplyToServerCallAfterShutdown(t *testing.T) {
	ctx := testContext(t)
	srv := lsp.NewServer("t", "1")
	srv.OnHover(func(ctx context.Context, p *protocol.HoverParams) (*protocol.Hover, error) {
		conn.Release(ctx) // let shutdown run while we wait for the client
		values, err := srv.Client().Configuration(ctx, &protocol.ConfigurationParams{Items: []protocol.ConfigurationItem{{Section: "x"}}})
		if err != nil {
			return nil, err
		}
		return hoverText(string(values[0])), nil
	})
	c, _ := start(t, srv, "")
	asked, answer := make(chan struct{}), make(chan struct{})
	c.Handle("workspace/configuration", conn.HandlerFunc(func(context.Context, *conn.Request) (any, error) {
		close(asked)
		<-answer
		return []string{"late"}, nil
	}))

	hovered := make(chan *protocol.Hover, 1)
	go func() {
		h, err := c.Hover(ctx, hoverAt(uri, 0, 0))
		if err != nil {
			t.Errorf("hover: %v", err)
		}
		hovered <- h
	}()
	wait(t, asked, "workspace/configuration")
	if err := c.Conn().Call(ctx, "shutdown", nil, nil); err != nil {
		t.Fatal(err)
	}
	if err := c.Conn().Call(ctx, "echo", nil, nil); codeOf(err) != conn.CodeInvalidRequest {
		t.Fatalf("a request after shutdown: %v, want -32600", err)
	}
	close(answer) // the reply to the server's call arrives after shutdown
	if got := textOf(t, wait(t, hovered, "hover")); got != `"late"` {
		t.Errorf("hover = %q, want the configuration sent after shutdown", got)
	}
	c.Conn().Notify(ctx, "exit", nil)
	if err := c.Wait(ctx); err != nil {
		t.Errorf("Serve: %v", err)
	}
}

func TestEndOfSession(t *testing.T) {
	tests := []struct {
		name     string
		end      func(ctx context.Context, c *lsptest.Client)
		wantCode int // lsp.ExitCode of Serve's result
	}{{
		name: "shutdown and exit",
		end: func(ctx context.Context, c *lsptest.Client) {
			c.Conn().Call(ctx, "shutdown", nil, nil)
			c.Conn().Notify(ctx, "exit", nil)
		},
		wantCode: 0,
	}, {
		name:     "exit without shutdown",
		end:      func(ctx context.Context, c *lsptest.Client) { c.Conn().Notify(ctx, "exit", nil) },
		wantCode: 1,
	}, {
		name:     "the client closes the stream",
		end:      func(_ context.Context, c *lsptest.Client) { c.Conn().Close() },
		wantCode: 1,
	}, {
		name: "the client closes the stream after shutdown",
		end: func(ctx context.Context, c *lsptest.Client) {
			c.Conn().Call(ctx, "shutdown", nil, nil)
			c.Conn().Close()
		},
		wantCode: 0,
	}}
	for _, tt := range tests {
		for _, initialized := range []bool{true, false} {
			if !initialized && tt.wantCode == 0 {
				continue // shutdown before initialize is refused
			}
			t.Run(fmt.Sprintf("%s/initialized=%v", tt.name, initialized), func(t *testing.T) {
				ctx := testContext(t)
				srv, _ := newEchoServer()
				c := lsptest.New(t, srv)
				if initialized {
					if _, err := c.Initialize(ctx, nil); err != nil {
						t.Fatal(err)
					}
				}
				tt.end(ctx, c)
				err := c.Wait(ctx) // returns once Serve has
				if got := lsp.ExitCode(err); got != tt.wantCode {
					t.Errorf("Serve returned %v: exit code %d, want %d", err, got, tt.wantCode)
				}
				var exit *lsp.ExitError
				if tt.wantCode == 1 && (!errors.As(err, &exit) || exit.Code != 1) {
					t.Errorf("Serve returned %#v, want an *ExitError with code 1", err)
				}
				if tt.wantCode == 0 && err != nil {
					t.Errorf("Serve returned %v, want nil", err)
				}
			})
		}
	}
}

func TestExitCode(t *testing.T) {
	tests := []struct {
		err  error
		want int
	}{
		{nil, 0},
		{&lsp.ExitError{Code: 1, Reason: "exit without shutdown"}, 1},
		{fmt.Errorf("wrapped: %w", &lsp.ExitError{Code: 3}), 3},
		{io.ErrUnexpectedEOF, 1},
	}
	for _, tt := range tests {
		if got := lsp.ExitCode(tt.err); got != tt.want {
			t.Errorf("ExitCode(%v) = %d, want %d", tt.err, got, tt.want)
		}
	}
}

// An unhandled $/ request gets -32601; an unhandled $/ notification is
// ignored, and so answered with nothing at all.
func TestDollarMethods(t *testing.T) {
	ctx := testContext(t)
	trace := newWireWatch()
	srv := lsp.NewServer("t", "1", lsp.WithWireTrace(trace))
	srv.Handle("$/custom", conn.Typed(func(context.Context, json.RawMessage) (string, error) { return "handled", nil }))
	c, _ := start(t, srv, "")

	if err := c.Conn().Call(ctx, "$/unknown", nil, nil); codeOf(err) != conn.CodeMethodNotFound {
		t.Errorf("$/unknown request: %v, want -32601", err)
	}
	if err := c.Conn().Notify(ctx, "$/unknown", map[string]int{"x": 1}); err != nil {
		t.Fatal(err)
	}
	var got string
	if err := c.Conn().Call(ctx, "$/custom", nil, &got); err != nil || got != "handled" {
		t.Errorf("$/custom: %q, %v", got, err)
	}
	if err := c.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	// What the server wrote: one reply for each request, nothing else.
	var replies []string
	for _, line := range trace.all(t) {
		if line.Dir == "out" {
			var msg struct {
				ID     any    `json:"id"`
				Method string `json:"method"`
			}
			json.Unmarshal(line.Msg, &msg)
			if msg.ID == nil || msg.Method != "" {
				t.Errorf("the server sent %s", line.Msg)
			}
			replies = append(replies, string(line.Msg))
		}
	}
	if len(replies) != 4 { // initialize, $/unknown, $/custom, shutdown
		t.Errorf("the server sent %d replies, want 4:\n%s", len(replies), strings.Join(replies, "\n"))
	}
}

// lockedBuffer is a buffer that one goroutine writes while another reads.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.Clone(b.buf.Bytes())
}

func (b *lockedBuffer) String() string { return string(b.Bytes()) }

// startSleep starts a process that the test can kill, standing for the
// client's process.
func startSleep(t *testing.T) *exec.Cmd {
	t.Helper()
	if _, err := exec.LookPath("sleep"); err != nil {
		t.Skip("no sleep command")
	}
	cmd := exec.Command("sleep", "60")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return cmd
}

// kill kills the process and reaps it: a zombie still has its pid.
func kill(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
}

func TestClientProcessDies(t *testing.T) {
	self := int32(os.Getpid())
	tests := []struct {
		name       string
		option     bool  // pass the dying process with WithClientProcessID
		processID  int32 // processId of initialize: -1 the dying process, 0 none
		initialize bool
	}{
		{name: "processId of initialize", processID: -1, initialize: true},
		{name: "WithClientProcessID", option: true, initialize: true},
		{name: "WithClientProcessID before initialize", option: true},
		{name: "WithClientProcessID wins over processId", option: true, processID: self, initialize: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := testContext(t)
			client := startSleep(t)
			pid := client.Process.Pid
			var opts []lsp.Option
			if tt.option {
				opts = append(opts, lsp.WithClientProcessID(pid))
			}
			srv, _ := newEchoServer(opts...)
			c := lsptest.New(t, srv)
			if tt.initialize {
				params := &protocol.InitializeParams{Capabilities: lsptest.DefaultCapabilities()}
				switch tt.processID {
				case -1:
					params.ProcessID = ptr(int32(pid))
				case 0:
				default:
					params.ProcessID = ptr(tt.processID)
				}
				if _, err := c.Initialize(ctx, params); err != nil {
					t.Fatal(err)
				}
				// The server serves while the process lives.
				if err := c.Conn().Call(ctx, "echo", nil, nil); err != nil {
					t.Fatalf("echo while the client process lives: %v", err)
				}
			}
			kill(t, client)
			err := c.Wait(ctx)
			var exit *lsp.ExitError
			if !errors.As(err, &exit) || exit.Code != 1 || !strings.Contains(exit.Reason, fmt.Sprint(pid)) {
				t.Errorf("Serve returned %v, want an *ExitError with code 1 naming process %d", err, pid)
			}
		})
	}
}

// The first message may arrive before Serve has finished setting up:
// its handler still finds the Client, and a processId to watch.
func TestFirstMessageFindsServeReady(t *testing.T) {
	body := fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"processId":%d,"capabilities":{}}}`, os.Getpid())
	frame := fmt.Sprintf("Content-Length: %d\r\n\r\n%s", len(body), body)
	for range 100 {
		srv := lsp.NewServer("t", "1")
		var client *lsp.Client
		srv.OnInitialize(func(context.Context, *protocol.InitializeParams) error {
			client = srv.Client()
			return nil
		})
		var out lockedBuffer
		// The initialize is there to read the moment Serve starts.
		srv.Serve(testContext(t), readWriter{strings.NewReader(frame), &out})
		if client == nil {
			t.Fatal("OnInitialize found no Client")
		}
		if !strings.Contains(out.String(), `"serverInfo"`) {
			t.Fatalf("initialize not answered: %q", out.String())
		}
	}
}

type readWriter struct {
	io.Reader
	io.Writer
}

func (readWriter) Close() error { return nil }

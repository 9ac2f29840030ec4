package lsptest_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"reflect"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/lspkit/lspkit/conn"
	"github.com/lspkit/lspkit/lsp"
	"github.com/lspkit/lspkit/lsp/lsptest"
	"github.com/lspkit/lspkit/lsp/protocol"
)

func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.Exit(code)
}

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestInitialize(t *testing.T) {
	caps := lsptest.DefaultCapabilities()
	custom := protocol.ClientCapabilities{Window: &protocol.WindowClientCapabilities{WorkDoneProgress: true}}
	tests := []struct {
		name   string
		params *protocol.InitializeParams
		want   protocol.ClientCapabilities
	}{
		{"default", nil, caps},
		{"chosen", &protocol.InitializeParams{Capabilities: custom}, custom},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := testContext(t)
			srv := lsp.NewServer("s", "2")
			initialized := make(chan struct{})
			srv.OnInitialized(func(context.Context, *protocol.InitializedParams) error { close(initialized); return nil })
			c := lsptest.New(t, srv)
			res, err := c.Initialize(ctx, tt.params)
			if err != nil {
				t.Fatal(err)
			}
			if res.ServerInfo == nil || res.ServerInfo.Name != "s" || res.ServerInfo.Version != "2" {
				t.Errorf("InitializeResult.ServerInfo = %+v", res.ServerInfo)
			}
			got := srv.InitializeParams().Capabilities
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("the server got capabilities %+v, want %+v", got, tt.want)
			}
			select {
			case <-initialized: // Initialize sends initialized too
			case <-ctx.Done():
				t.Fatal("no initialized notification")
			}
		})
	}
}

// A document server that records the didOpen, didChange and didClose it
// gets, as JSON.
func TestDocuments(t *testing.T) {
	ctx := testContext(t)
	srv := lsp.NewServer("s", "1")
	docs := srv.Documents()
	got := make(chan string, 10)
	record := func(method string) func(context.Context, json.RawMessage) error {
		return func(_ context.Context, p json.RawMessage) error { got <- method + " " + string(p); return nil }
	}
	srv.OnDidOpen(func(ctx context.Context, p *protocol.DidOpenTextDocumentParams) error {
		return record("open")(ctx, mustJSON(p))
	})
	srv.OnDidChange(func(ctx context.Context, p *protocol.DidChangeTextDocumentParams) error {
		return record("change")(ctx, mustJSON(p))
	})
	srv.OnDidClose(func(ctx context.Context, p *protocol.DidCloseTextDocumentParams) error {
		return record("close")(ctx, mustJSON(p))
	})
	c := lsptest.New(t, srv)
	c.Initialize(ctx, nil)

	const u = "file:///a.txt"
	steps := []struct {
		do   func() error
		want string
		text string
	}{{
		do:   func() error { return c.Open(ctx, u, "plaintext", "one") },
		want: `open {"textDocument":{"uri":"file:///a.txt","languageId":"plaintext","version":1,"text":"one"}}`,
		text: "one",
	}, {
		do: func() error {
			return c.Edit(ctx, u, protocol.Range{Start: protocol.Position{Character: 1}, End: protocol.Position{Character: 3}}, "NE")
		},
		want: `change {"textDocument":{"uri":"file:///a.txt","version":2},"contentChanges":[{"range":{"start":{"line":0,"character":1},"end":{"line":0,"character":3}},"text":"NE"}]}`,
		text: "oNE",
	}, {
		do:   func() error { return c.Replace(ctx, u, "two") },
		want: `change {"textDocument":{"uri":"file:///a.txt","version":3},"contentChanges":[{"text":"two"}]}`,
		text: "two",
	}, {
		do: func() error {
			return c.Change(ctx, u,
				protocol.TextDocumentContentChangeEvent{Value: protocol.TextDocumentContentChangeWholeDocument{Text: "ab"}},
				protocol.TextDocumentContentChangeEvent{Value: protocol.TextDocumentContentChangePartial{Range: protocol.Range{Start: protocol.Position{Character: 2}, End: protocol.Position{Character: 2}}, Text: "c"}},
			)
		},
		want: `change {"textDocument":{"uri":"file:///a.txt","version":4},"contentChanges":[{"text":"ab"},{"range":{"start":{"line":0,"character":2},"end":{"line":0,"character":2}},"text":"c"}]}`,
		text: "abc",
	}, {
		do:   func() error { return c.CloseDocument(ctx, u) },
		want: `close {"textDocument":{"uri":"file:///a.txt"}}`,
	}}
	for _, st := range steps {
		if err := st.do(); err != nil {
			t.Fatal(err)
		}
		if g := <-got; g != st.want {
			t.Errorf("the server got\n%s\nwant\n%s", g, st.want)
		}
		snap, ok := docs.Get(u)
		if ok != (st.text != "") || ok && snap.Text() != st.text {
			t.Errorf("after %s: the document is %v", st.want, snap)
		}
	}
}

func mustJSON(v any) json.RawMessage {
	data, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return data
}

// Diagnostics waits for the diagnostics of its own document, leaving the
// others for their callers; Notification takes notifications of a method
// in the order they came.
func TestDiagnosticsAndNotifications(t *testing.T) {
	ctx := testContext(t)
	srv := lsp.NewServer("s", "1")
	srv.Handle("publish", conn.Typed(func(ctx context.Context, uris []protocol.DocumentURI) (any, error) {
		for i, u := range uris {
			srv.Client().PublishDiagnostics(ctx, &protocol.PublishDiagnosticsParams{URI: u, Version: ptr(int32(i)), Diagnostics: []protocol.Diagnostic{}})
			srv.Client().LogMessage(ctx, &protocol.LogMessageParams{Type: protocol.MessageTypeLog, Message: string(u)})
		}
		return nil, nil
	}))
	c := lsptest.New(t, srv)
	c.Initialize(ctx, nil)

	// Waiting before the diagnostics come.
	diags := make(chan *protocol.PublishDiagnosticsParams, 1)
	go func() {
		d, err := c.Diagnostics(ctx, "file:///b")
		if err != nil {
			t.Error(err)
		}
		diags <- d
	}()
	if err := c.Conn().Call(ctx, "publish", []string{"file:///a", "file:///b", "file:///a"}, nil); err != nil {
		t.Fatal(err)
	}
	if d := <-diags; d.URI != "file:///b" || *d.Version != 1 {
		t.Errorf("Diagnostics(b) = %+v", d)
	}
	for _, want := range []int32{0, 2} {
		if d, err := c.Diagnostics(ctx, "file:///a"); err != nil || d.URI != "file:///a" || *d.Version != want {
			t.Errorf("Diagnostics(a) = %+v, %v; want version %d", d, err, want)
		}
	}
	for _, want := range []string{"file:///a", "file:///b", "file:///a"} {
		raw, err := c.Notification(ctx, "window/logMessage")
		var m protocol.LogMessageParams
		json.Unmarshal(raw, &m)
		if err != nil || m.Message != want {
			t.Errorf("Notification(logMessage) = %s, %v; want %s", raw, err, want)
		}
	}
	// Nothing more comes: waiting ends with the context.
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if _, err := c.Diagnostics(short, "file:///b"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Diagnostics with none to come: %v, want DeadlineExceeded", err)
	}
}

func ptr[T any](v T) *T { return &v }

// The client answers the server's requests: as a quiet editor by default,
// and as Handle says.
func TestHandle(t *testing.T) {
	ctx := testContext(t)
	srv := lsp.NewServer("s", "1")
	c := lsptest.New(t, srv)
	c.Initialize(ctx, nil)
	client := srv.Client()

	cfg, err := client.Configuration(ctx, &protocol.ConfigurationParams{Items: []protocol.ConfigurationItem{{Section: "a"}, {Section: "b"}}})
	if err != nil || len(cfg) != 2 || string(cfg[0]) != "null" || string(cfg[1]) != "null" {
		t.Errorf("default configuration: %s, %v; want [null, null]", cfg, err)
	}
	if err := client.WorkDoneProgressCreate(ctx, &protocol.WorkDoneProgressCreateParams{Token: protocol.NewProgressTokenInt32(1)}); err != nil {
		t.Errorf("default workDoneProgress/create: %v", err)
	}
	if err := client.RegisterCapability(ctx, &protocol.RegistrationParams{}); err != nil {
		t.Errorf("default registerCapability: %v", err)
	}
	if err := client.UnregisterCapability(ctx, &protocol.UnregistrationParams{}); err != nil {
		t.Errorf("default unregisterCapability: %v", err)
	}
	if _, err := client.ShowDocument(ctx, &protocol.ShowDocumentParams{URI: "file:///x"}); !errors.Is(err, conn.NewError(conn.CodeMethodNotFound, "")) {
		t.Errorf("showDocument without a handler: %v, want -32601", err)
	}

	var mu sync.Mutex
	var asked []string
	c.Handle("workspace/configuration", conn.Typed(func(_ context.Context, p *protocol.ConfigurationParams) ([]any, error) {
		mu.Lock()
		defer mu.Unlock()
		asked = append(asked, p.Items[0].Section)
		return []any{map[string]int{"precision": 3}}, nil
	}))
	c.Handle("window/showDocument", conn.Typed(func(context.Context, *protocol.ShowDocumentParams) (protocol.ShowDocumentResult, error) {
		return protocol.ShowDocumentResult{Success: true}, nil
	}))
	cfg, err = client.Configuration(ctx, &protocol.ConfigurationParams{Items: []protocol.ConfigurationItem{{Section: "calc"}}})
	if err != nil || len(cfg) != 1 || string(cfg[0]) != `{"precision":3}` || len(asked) != 1 || asked[0] != "calc" {
		t.Errorf("configuration: %s, %v (asked %v)", cfg, err, asked)
	}
	if res, err := client.ShowDocument(ctx, &protocol.ShowDocumentParams{URI: "file:///x"}); err != nil || !res.Success {
		t.Errorf("showDocument: %+v, %v", res, err)
	}
}

// Shutdown sends shutdown and exit and returns Serve's result; Wait
// returns it for a session that ended otherwise.
func TestShutdownAndWait(t *testing.T) {
	ctx := testContext(t)

	c := lsptest.New(t, lsp.NewServer("s", "1"))
	c.Initialize(ctx, nil)
	if err := c.Shutdown(ctx); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	if err := c.Wait(ctx); err != nil {
		t.Errorf("Wait after Shutdown: %v", err)
	}

	srv := lsp.NewServer("s", "1")
	srv.OnShutdown(func(context.Context) error { return conn.NewError(lsp.CodeRequestFailed, "busy") })
	c = lsptest.New(t, srv)
	c.Initialize(ctx, nil)
	if err := c.Shutdown(ctx); !errors.Is(err, conn.NewError(lsp.CodeRequestFailed, "")) {
		t.Errorf("Shutdown when shutdown fails: %v, want its error", err)
	}

	c = lsptest.New(t, lsp.NewServer("s", "1"))
	c.Initialize(ctx, nil)
	c.Conn().Notify(ctx, "exit", nil)
	var exit *lsp.ExitError
	if err := c.Wait(ctx); !errors.As(err, &exit) || exit.Code != 1 {
		t.Errorf("Wait after exit without shutdown: %v, want an *ExitError with code 1", err)
	}
}

// When a test ends, New's cleanup stops the server: its handlers are
// cancelled and Serve has returned before the next test starts.
func TestNewStopsTheServer(t *testing.T) {
	handlerDone := make(chan struct{})
	t.Run("session", func(t *testing.T) {
		ctx := testContext(t)
		srv := lsp.NewServer("s", "1")
		started := make(chan struct{})
		srv.OnHover(func(ctx context.Context, _ *protocol.HoverParams) (*protocol.Hover, error) {
			defer close(handlerDone)
			close(started)
			<-ctx.Done()
			return nil, ctx.Err()
		})
		c := lsptest.New(t, srv)
		c.Initialize(ctx, nil)
		go c.Hover(ctx, &protocol.HoverParams{})
		<-started
	})
	select {
	case <-handlerDone:
	default:
		t.Error("a handler of the server still runs after its test")
	}
}

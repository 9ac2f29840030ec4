// Package lsptest runs a language server built with package lsp against an
// in-memory client, for the server's own tests: start it, initialize with
// the client capabilities of your choice (or those of a real editor, see
// Profiles), open and edit documents, make typed requests, await
// diagnostics and other notifications, and answer the server's requests to
// the client.
//
//	c := lsptest.New(t, srv, lsptest.WithConfiguration(map[string]any{"calc": settings}))
//	c.Initialize(ctx, nil)
//	c.Open(ctx, "file:///a.calc", "calc", "let x = 1\nx +")
//	diags, _ := c.Diagnostics(ctx, "file:///a.calc")
//	hover, _ := c.Hover(ctx, &protocol.HoverParams{...})
//	c.WaitIdle(ctx)                         // the server has nothing left to do
//	logs := c.Messages("window/logMessage") // everything it sent, recorded
//	c.Shutdown(ctx)                         // shutdown, exit, and Serve's result
//
// How the client answers the server's requests is set by options to New
// (WithHandler, WithConfiguration, WithShowMessageRequest, …), so that it
// holds from the first message on: a server that asks for its settings in
// initialized gets them. The client records every message the server sends
// (Messages, Progress), and WaitIdle waits until the server has nothing
// left to do, so a test needs no channels inside the server.
package lsptest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/lspkit/lspkit/conn"
	"github.com/lspkit/lspkit/lsp"
	"github.com/lspkit/lspkit/lsp/protocol"
)

// Client is an in-memory LSP client connected to one server. Its typed
// request methods (Hover, Completion, Definition, …) are generated, one for
// every request a client sends.
type Client struct {
	conn    *conn.Conn
	srv     *lsp.Server
	served  chan error // Serve's result, once
	profile *Profile   // the editor Initialize plays, if any

	mu       sync.Mutex
	handlers map[string]conn.Handler      // how to answer the server's requests
	notes    map[string][]json.RawMessage // received notifications not yet taken, by method
	arrived  chan struct{}                // closed and replaced when one arrives
	version  map[protocol.DocumentURI]int32
	log      []Message // everything the server sent, in order
	idle     activity  // what is still going on between the two (idle.go)
}

// New starts srv on an in-memory connection and returns its client,
// configured by opts. The connection closes, and the server stops, when the
// test ends: cleanup waits for the server's Serve to return, so that no
// goroutine of the server outlives the test.
func New(t testing.TB, srv *lsp.Server, opts ...Option) *Client {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	c := Start(ctx, srv, opts...)
	t.Cleanup(func() {
		cancel() // closes both ends; Serve's handlers are cancelled
		wait, stop := context.WithTimeout(context.Background(), 30*time.Second)
		defer stop()
		c.Wait(wait)
	})
	return c
}

// Start is New without a testing.TB: close the Client's Conn when done.
func Start(ctx context.Context, srv *lsp.Server, opts ...Option) *Client {
	o := options{handlers: make(map[string]conn.Handler)}
	for _, opt := range opts {
		opt(&o)
	}
	serverSide, clientSide := pipe()
	c := &Client{
		srv:      srv,
		profile:  o.profile,
		handlers: make(map[string]conn.Handler),
		served:   make(chan error, 1),
		notes:    make(map[string][]json.RawMessage),
		arrived:  make(chan struct{}),
		version:  make(map[protocol.DocumentURI]int32),
		idle:     newActivity(),
	}
	c.answerByDefault()
	for method, h := range o.handlers {
		c.handlers[method] = h
	}
	// The server's connection reports to the client what it reads, writes
	// and runs, for WaitIdle: conn's hooks and middleware, nothing private.
	go func() {
		c.served <- srv.Serve(ctx, serverSide, conn.WithHook(c.serverHook), conn.WithMiddleware(c.serverRuns))
	}()
	c.conn = conn.New(ctx, clientSide, conn.HandlerFunc(c.receive), conn.WithHook(c.clientHook))
	return c
}

// Conn returns the client's connection, for raw calls and notifications.
func (c *Client) Conn() *conn.Conn { return c.conn }

// Initialize sends initialize with params and then initialized, and returns
// the server's answer. With nil params it declares DefaultCapabilities.
// With a profile (WithProfile), params without clientInfo and capabilities
// (nil, or only a workspace) get the profile's, sent exactly as recorded.
func (c *Client) Initialize(ctx context.Context, params *protocol.InitializeParams) (*protocol.InitializeResult, error) {
	var send any = params
	switch {
	case c.profile != nil && (params == nil || params.ClientInfo == nil && reflect.ValueOf(params.Capabilities).IsZero()):
		send = c.profile.initializeParams(params)
	case params == nil:
		send = &protocol.InitializeParams{Capabilities: DefaultCapabilities()}
	}
	var res protocol.InitializeResult
	if err := c.conn.Call(ctx, "initialize", send, &res); err != nil {
		return nil, err
	}
	return &res, c.conn.Notify(ctx, "initialized", struct{}{})
}

// DefaultCapabilities are the client capabilities Initialize declares by
// default: workspace/configuration, workspace/applyEdit, workspace folders,
// work-done progress, window/showDocument, hover, completion, and
// diagnostics both published and pulled, with UTF-16 positions only. No
// feature declares dynamicRegistration, and no refresh request is
// supported.
func DefaultCapabilities() protocol.ClientCapabilities {
	var caps protocol.ClientCapabilities
	_ = json.Unmarshal([]byte(`{
		"workspace": {"configuration": true, "applyEdit": true, "workspaceFolders": true},
		"window": {"workDoneProgress": true, "showDocument": {"support": true}},
		"textDocument": {"diagnostic": {}, "publishDiagnostics": {}, "hover": {}, "completion": {}},
		"general": {"positionEncodings": ["utf-16"]}
	}`), &caps)
	return caps
}

// Open sends didOpen for a document of version 1.
func (c *Client) Open(ctx context.Context, uri protocol.DocumentURI, languageID, text string) error {
	c.mu.Lock()
	c.version[uri] = 1
	c.mu.Unlock()
	return c.conn.Notify(ctx, "textDocument/didOpen", &protocol.DidOpenTextDocumentParams{
		TextDocument: protocol.TextDocumentItem{URI: uri, LanguageID: protocol.LanguageKind(languageID), Version: 1, Text: text},
	})
}

// Edit sends didChange with one incremental change: r replaced by text.
func (c *Client) Edit(ctx context.Context, uri protocol.DocumentURI, r protocol.Range, text string) error {
	return c.Change(ctx, uri, protocol.TextDocumentContentChangeEvent{
		Value: protocol.TextDocumentContentChangePartial{Range: r, Text: text},
	})
}

// Replace sends didChange with the whole new text.
func (c *Client) Replace(ctx context.Context, uri protocol.DocumentURI, text string) error {
	return c.Change(ctx, uri, protocol.TextDocumentContentChangeEvent{
		Value: protocol.TextDocumentContentChangeWholeDocument{Text: text},
	})
}

// Change sends didChange with the given changes, applied in order, and the
// document's next version.
func (c *Client) Change(ctx context.Context, uri protocol.DocumentURI, changes ...protocol.TextDocumentContentChangeEvent) error {
	c.mu.Lock()
	c.version[uri]++
	v := c.version[uri]
	c.mu.Unlock()
	return c.conn.Notify(ctx, "textDocument/didChange", &protocol.DidChangeTextDocumentParams{
		TextDocument:   protocol.VersionedTextDocumentIdentifier{URI: uri, Version: v},
		ContentChanges: changes,
	})
}

// CloseDocument sends didClose.
func (c *Client) CloseDocument(ctx context.Context, uri protocol.DocumentURI) error {
	return c.conn.Notify(ctx, "textDocument/didClose", &protocol.DidCloseTextDocumentParams{
		TextDocument: protocol.TextDocumentIdentifier{URI: uri},
	})
}

// Shutdown sends shutdown and exit, and returns what the server's Serve
// returned (nil for a clean end).
func (c *Client) Shutdown(ctx context.Context) error {
	if err := c.conn.Call(ctx, "shutdown", nil, nil); err != nil {
		return err
	}
	if err := c.conn.Notify(ctx, "exit", nil); err != nil {
		return err
	}
	return c.Wait(ctx)
}

// Wait waits for the server's Serve to return, and returns its result.
func (c *Client) Wait(ctx context.Context) error {
	select {
	case err := <-c.served:
		c.served <- err
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Handle sets how the client answers a request the server sends it
// (workspace/configuration, window/showMessageRequest, …), replacing the
// default answer, from now on. A request the server sends before Handle is
// called, such as one from its initialized handler, gets the answer set
// before: set answers that must hold from the start with options to New
// (WithHandler and the like).
func (c *Client) Handle(method string, h conn.Handler) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.handlers[method] = h
}

// Notification waits for the next notification of method that has not been
// taken yet, and returns its params.
func (c *Client) Notification(ctx context.Context, method string) (json.RawMessage, error) {
	return c.take(ctx, method, func(json.RawMessage) bool { return true })
}

// Diagnostics waits for the next textDocument/publishDiagnostics for uri
// that has not been taken yet. Diagnostics for other documents stay for
// their own callers.
func (c *Client) Diagnostics(ctx context.Context, uri protocol.DocumentURI) (*protocol.PublishDiagnosticsParams, error) {
	var p protocol.PublishDiagnosticsParams
	_, err := c.take(ctx, "textDocument/publishDiagnostics", func(raw json.RawMessage) bool {
		var probe struct {
			URI protocol.DocumentURI `json:"uri"`
		}
		return json.Unmarshal(raw, &probe) == nil && probe.URI == uri && json.Unmarshal(raw, &p) == nil
	})
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// take removes and returns the first notification of method that match
// accepts, waiting for one if needed.
func (c *Client) take(ctx context.Context, method string, match func(json.RawMessage) bool) (json.RawMessage, error) {
	for {
		c.mu.Lock()
		for i, raw := range c.notes[method] {
			if match(raw) {
				c.notes[method] = append(c.notes[method][:i:i], c.notes[method][i+1:]...)
				c.mu.Unlock()
				return raw, nil
			}
		}
		wait := c.arrived
		c.mu.Unlock()
		select {
		case <-wait:
		case <-ctx.Done():
			return nil, fmt.Errorf("lsptest: waiting for %s: %w", method, ctx.Err())
		case <-c.conn.Done():
			return nil, fmt.Errorf("lsptest: waiting for %s: %w", method, conn.ErrClosed)
		}
	}
}

// receive answers the server's requests with the handlers set, keeps
// notifications for Notification and Diagnostics, and answers requests
// nothing handles with -32601.
func (c *Client) receive(ctx context.Context, req *conn.Request) (any, error) {
	if !req.IsNotification() {
		c.mu.Lock()
		h := c.handlers[req.Method]
		c.mu.Unlock()
		if h == nil {
			return nil, conn.NewError(conn.CodeMethodNotFound, "lsptest: no handler for "+req.Method)
		}
		return h.ServeRPC(ctx, req)
	}
	c.mu.Lock()
	c.notes[req.Method] = append(c.notes[req.Method], req.Params)
	close(c.arrived)
	c.arrived = make(chan struct{})
	c.idle.noteTaken()
	c.mu.Unlock()
	return nil, nil
}

// answerByDefault answers the server's common requests as a quiet editor
// would: no configuration, progress and registrations accepted.
func (c *Client) answerByDefault() {
	null := conn.HandlerFunc(func(context.Context, *conn.Request) (any, error) { return nil, nil })
	c.handlers["window/workDoneProgress/create"] = null
	c.handlers["client/registerCapability"] = null
	c.handlers["client/unregisterCapability"] = null
	c.handlers["workspace/configuration"] = conn.HandlerFunc(func(_ context.Context, req *conn.Request) (any, error) {
		var p protocol.ConfigurationParams
		if err := json.Unmarshal(req.Params, &p); err != nil {
			return nil, err
		}
		return make([]any, len(p.Items)), nil
	})
}

// pipe returns the two ends of an in-memory, full-duplex stream.
func pipe() (a, b io.ReadWriteCloser) {
	ar, bw := io.Pipe()
	br, aw := io.Pipe()
	return &end{ar, aw}, &end{br, bw}
}

type end struct {
	*io.PipeReader
	*io.PipeWriter
}

func (e *end) Close() error {
	return errors.Join(e.PipeReader.Close(), e.PipeWriter.Close())
}

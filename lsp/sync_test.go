package lsp_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lspkit/lspkit/conn"
	"github.com/lspkit/lspkit/lsp"
	"github.com/lspkit/lspkit/lsp/document"
	"github.com/lspkit/lspkit/lsp/lsptest"
	"github.com/lspkit/lspkit/lsp/protocol"
)

// textServer keeps documents and answers hover with the whole text.
func textServer(opts ...lsp.Option) (*lsp.Server, *document.Store) {
	srv := lsp.NewServer("text", "1", opts...)
	docs := srv.Documents()
	srv.OnHover(func(_ context.Context, p *protocol.HoverParams) (*protocol.Hover, error) {
		snap, ok := docs.Get(p.TextDocument.URI)
		if !ok {
			return nil, nil
		}
		return hoverText(snap.Text()), nil
	})
	return srv, docs
}

// A request sees every change received before it, without the client
// waiting for anything in between.
func TestRequestSeesEarlierChanges(t *testing.T) {
	ctx := testContext(t)
	srv, _ := textServer()
	c, _ := start(t, srv, "")
	c.Open(ctx, uri, "plaintext", "v1")
	for i := 2; i <= 50; i++ {
		want := fmt.Sprintf("v%d", i)
		if i%2 == 0 {
			c.Replace(ctx, uri, want)
		} else {
			c.Edit(ctx, uri, protocol.Range{Start: protocol.Position{Character: 1}, End: protocol.Position{Character: 3}}, want[1:])
		}
		h, err := c.Hover(ctx, hoverAt(uri, 0, 0))
		if err != nil {
			t.Fatal(err)
		}
		if got := textOf(t, h); got != want {
			t.Fatalf("hover after change %d saw %q", i, got)
		}
	}
}

// Read-only requests run concurrently: two hovers that each wait for the
// other to have started both finish.
func TestRequestsRunConcurrently(t *testing.T) {
	ctx := testContext(t)
	srv := lsp.NewServer("t", "1")
	var arrived sync.WaitGroup
	arrived.Add(2)
	both := make(chan struct{})
	go func() { arrived.Wait(); close(both) }()
	srv.OnHover(func(context.Context, *protocol.HoverParams) (*protocol.Hover, error) {
		arrived.Done()
		select {
		case <-both:
			return hoverText("met"), nil
		case <-time.After(5 * time.Second):
			return nil, errors.New("the other hover did not start meanwhile")
		}
	})
	c, _ := start(t, srv, "")
	type result struct {
		h   *protocol.Hover
		err error
	}
	results := make(chan result, 2)
	for range 2 {
		go func() {
			h, err := c.Hover(ctx, hoverAt(uri, 0, 0))
			results <- result{h, err}
		}()
	}
	for range 2 {
		r := wait(t, results, "a hover")
		if r.err != nil || textOf(t, r.h) != "met" {
			t.Fatalf("hover: %v, %v (the two did not run at once)", r.h, r.err)
		}
	}
}

// A handler registered with lsp.Exclusive runs alone: after every request
// before it has finished, and before any after it starts.
func TestExclusiveRunsAlone(t *testing.T) {
	ctx := testContext(t)
	trace := newWireWatch()
	srv := lsp.NewServer("t", "1", lsp.WithWireTrace(trace))
	var running atomic.Int32
	started := map[string]chan struct{}{"A": make(chan struct{}), "B": make(chan struct{}), "E": make(chan struct{})}
	release := map[string]chan struct{}{"A": make(chan struct{}), "B": make(chan struct{}), "E": make(chan struct{})}
	var alone atomic.Bool
	var once sync.Map
	open := func(name string) {
		o, _ := once.LoadOrStore(name, new(sync.Once))
		o.(*sync.Once).Do(func() { close(release[name]) })
	}
	run := func(name string) {
		n := running.Add(1)
		defer running.Add(-1)
		if name == "E" {
			alone.Store(n == 1)
		}
		close(started[name])
		<-release[name]
		if name == "E" && running.Load() != 1 {
			alone.Store(false)
		}
	}
	srv.OnHover(func(_ context.Context, p *protocol.HoverParams) (*protocol.Hover, error) {
		run(string(p.TextDocument.URI))
		return nil, nil
	})
	srv.OnExecuteCommand(func(_ context.Context, p *protocol.ExecuteCommandParams) (protocol.LSPAny, error) {
		run(p.Command)
		return nil, nil
	}, lsp.Exclusive)
	c, _ := start(t, srv, "")
	t.Cleanup(func() { open("A"); open("B"); open("E") }) // if the test fails early: before the server stops

	done := make(chan string, 3)
	send := func(name string) {
		go func() {
			var err error
			if name == "E" {
				_, err = c.ExecuteCommand(ctx, &protocol.ExecuteCommandParams{Command: name})
			} else {
				_, err = c.Hover(ctx, hoverAt(protocol.DocumentURI(name), 0, 0))
			}
			if err != nil {
				t.Errorf("%s: %v", name, err)
			}
			done <- name
		}()
		// Wait until the server has read it: what is sent next comes after.
		if name == "E" {
			trace.await(t, "in", `{"method": "workspace/executeCommand"}`)
		} else {
			trace.await(t, "in", fmt.Sprintf(`{"method": "textDocument/hover", "params": {"textDocument": {"uri": %q}}}`, name))
		}
	}
	// notYet checks that a handler has not started; a wrong order would
	// start it at once, so a short wait is enough to see it.
	notYet := func(name, why string) {
		t.Helper()
		select {
		case <-started[name]:
			t.Fatalf("%s started %s", name, why)
		case <-time.After(50 * time.Millisecond):
		}
	}

	send("A")
	wait(t, started["A"], "A to start")
	send("E")
	notYet("E", "while A, received before it, was running")
	send("B")
	notYet("B", "while E, received before it, was waiting")
	open("A")
	wait(t, started["E"], "E to start once A finished")
	notYet("B", "while E was running")
	open("E")
	wait(t, started["B"], "B to start once E finished")
	open("B")
	for range 3 {
		wait(t, done, "the replies")
	}
	if !alone.Load() {
		t.Error("another handler ran beside the exclusive one")
	}
}

// didOpen, didChange (full, incremental, several in one notification) and
// didClose reach the store before the author's handlers, which see the
// new snapshot.
func TestDocumentSync(t *testing.T) {
	ctx := testContext(t)
	srv, docs := textServer()
	type seen struct {
		method  string
		text    string
		version int32
		open    bool
	}
	saw := make(chan seen, 10)
	look := func(method string, u protocol.DocumentURI) {
		snap, ok := docs.Get(u)
		s := seen{method: method, open: ok}
		if ok {
			s.text, s.version = snap.Text(), snap.Version()
		}
		saw <- s
	}
	srv.OnDidOpen(func(_ context.Context, p *protocol.DidOpenTextDocumentParams) error {
		look("open", p.TextDocument.URI)
		return nil
	})
	srv.OnDidChange(func(_ context.Context, p *protocol.DidChangeTextDocumentParams) error {
		look("change", p.TextDocument.URI)
		return nil
	})
	srv.OnDidClose(func(_ context.Context, p *protocol.DidCloseTextDocumentParams) error {
		look("close", p.TextDocument.URI)
		return nil
	})
	c, _ := start(t, srv, "")

	partial := func(l1, c1, l2, c2 uint32, text string) protocol.TextDocumentContentChangeEvent {
		return protocol.TextDocumentContentChangeEvent{Value: protocol.TextDocumentContentChangePartial{
			Range: protocol.Range{Start: protocol.Position{Line: l1, Character: c1}, End: protocol.Position{Line: l2, Character: c2}},
			Text:  text,
		}}
	}
	whole := func(text string) protocol.TextDocumentContentChangeEvent {
		return protocol.TextDocumentContentChangeEvent{Value: protocol.TextDocumentContentChangeWholeDocument{Text: text}}
	}
	steps := []struct {
		name   string
		do     func() error
		want   seen
		hoverd string // what hover sees after; "" for a closed document
	}{{
		name: "open",
		do:   func() error { return c.Open(ctx, uri, "plaintext", "hello\nworld") },
		want: seen{"open", "hello\nworld", 1, true},
	}, {
		name: "incremental",
		do: func() error {
			return c.Edit(ctx, uri, protocol.Range{Start: protocol.Position{Line: 1, Character: 0}, End: protocol.Position{Line: 1, Character: 5}}, "there")
		},
		want: seen{"change", "hello\nthere", 2, true},
	}, {
		name: "full",
		do:   func() error { return c.Replace(ctx, uri, "abc") },
		want: seen{"change", "abc", 3, true},
	}, {
		name: "several changes in order",
		do: func() error {
			return c.Change(ctx, uri,
				partial(0, 0, 0, 0, "X"), // Xabc
				partial(0, 1, 0, 2, "Y"), // XYbc: the range counts in the text the first made
				partial(0, 4, 0, 4, "\nZ"),
				whole("123"),
				partial(0, 3, 0, 3, "4"),
				partial(0, 0, 0, 1, ""),
			)
		},
		want: seen{"change", "234", 4, true},
	}, {
		name: "close",
		do:   func() error { return c.CloseDocument(ctx, uri) },
		want: seen{method: "close"},
	}}
	for _, st := range steps {
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if got := wait(t, saw, st.name); got != st.want {
			t.Fatalf("%s: the author's handler saw %+v, want %+v", st.name, got, st.want)
		}
		h, err := c.Hover(ctx, hoverAt(uri, 0, 0))
		if err != nil || textOf(t, h) != st.want.text {
			t.Fatalf("%s: hover saw %v, %v; want %q", st.name, h, err, st.want.text)
		}
	}
}

// Positions count in the encoding agreed in initialize, also for
// characters outside the Basic Multilingual Plane.
func TestPositionsInNegotiatedEncoding(t *testing.T) {
	// "a𝑥b" / "𝑥𝑥c": 𝑥 is 2 UTF-16 units, 4 UTF-8 bytes, 1 code point.
	tests := []struct {
		offered    string
		enc        document.Encoding
		bChar      uint32 // the position of b on line 0
		cStart     uint32 // the position of c on line 1
		hoverOnTwo uint32 // the second 𝑥 of line 1
	}{
		{`["utf-16"]`, document.UTF16, 3, 4, 2},
		{`["utf-8"]`, document.UTF8, 5, 8, 4},
		{`["utf-32"]`, document.UTF32, 2, 2, 1},
	}
	for _, tt := range tests {
		t.Run(tt.enc.String(), func(t *testing.T) {
			ctx := testContext(t)
			srv := lsp.NewServer("t", "1")
			docs := srv.Documents()
			// Hover answers with the character at the position and where
			// it is, converted back.
			srv.OnHover(func(_ context.Context, p *protocol.HoverParams) (*protocol.Hover, error) {
				snap, _ := docs.Get(p.TextDocument.URI)
				off := snap.Offset(p.Position, srv.Encoding())
				r := []rune(snap.Text()[off:])[0]
				back := snap.Position(off, srv.Encoding())
				return hoverText(fmt.Sprintf("%c@%d:%d", r, back.Line, back.Character)), nil
			})
			c, _ := start(t, srv, `{"general": {"positionEncodings": `+tt.offered+`}}`)
			if srv.Encoding() != tt.enc {
				t.Fatalf("encoding %v, want %v", srv.Encoding(), tt.enc)
			}
			c.Open(ctx, uri, "plaintext", "a𝑥b\n𝑥𝑥c")
			c.Change(ctx, uri,
				partialAt(0, tt.bChar, 0, tt.bChar, "Z"),
				partialAt(1, tt.cStart, 1, tt.cStart+1, "C"),
			)
			h, err := c.Hover(ctx, hoverAt(uri, 1, tt.hoverOnTwo))
			if err != nil {
				t.Fatal(err)
			}
			if got, want := textOf(t, h), fmt.Sprintf("𝑥@1:%d", tt.hoverOnTwo); got != want {
				t.Errorf("hover: %q, want %q", got, want)
			}
			if snap, _ := docs.Get(uri); snap.Text() != "a𝑥Zb\n𝑥𝑥C" {
				t.Errorf("text %q, want %q", snap.Text(), "a𝑥Zb\n𝑥𝑥C")
			}
		})
	}
}

func partialAt(l1, c1, l2, c2 uint32, text string) protocol.TextDocumentContentChangeEvent {
	return protocol.TextDocumentContentChangeEvent{Value: protocol.TextDocumentContentChangePartial{
		Range: protocol.Range{Start: protocol.Position{Line: l1, Character: c1}, End: protocol.Position{Line: l2, Character: c2}},
		Text:  text,
	}}
}

// ContentModified answers -32801 to a request whose document changed after
// it took its snapshot (possible only once it has released its place), and
// nil otherwise.
func TestContentModified(t *testing.T) {
	tests := []struct {
		name     string
		meantime func(ctx context.Context, c *lsptest.Client) error // while the hover waits
		wantCode int64
	}{
		{"no change", nil, 0},
		{"changed", func(ctx context.Context, c *lsptest.Client) error {
			return c.Replace(ctx, uri, "v2")
		}, lsp.CodeContentModified},
		{"closed", func(ctx context.Context, c *lsptest.Client) error {
			return c.CloseDocument(ctx, uri)
		}, lsp.CodeContentModified},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := testContext(t)
			srv := lsp.NewServer("t", "1")
			docs := srv.Documents()
			released, proceed := make(chan struct{}), make(chan struct{})
			applied := make(chan struct{}, 1)
			srv.OnHover(func(ctx context.Context, p *protocol.HoverParams) (*protocol.Hover, error) {
				snap, _ := docs.Get(p.TextDocument.URI)
				conn.Release(ctx) // the slow part: later messages may run
				close(released)
				<-proceed
				if err := srv.ContentModified(p.TextDocument.URI, snap.Version()); err != nil {
					return nil, err
				}
				return hoverText(snap.Text()), nil
			})
			srv.OnDidChange(func(context.Context, *protocol.DidChangeTextDocumentParams) error { applied <- struct{}{}; return nil })
			srv.OnDidClose(func(context.Context, *protocol.DidCloseTextDocumentParams) error { applied <- struct{}{}; return nil })
			c, _ := start(t, srv, "")
			c.Open(ctx, uri, "plaintext", "v1")

			reply := make(chan error, 1)
			go func() {
				_, err := c.Hover(ctx, hoverAt(uri, 0, 0))
				reply <- err
			}()
			wait(t, released, "the hover to release its place")
			if tt.meantime != nil {
				if err := tt.meantime(ctx, c); err != nil {
					t.Fatal(err)
				}
				wait(t, applied, "the change to apply")
			}
			close(proceed)
			err := wait(t, reply, "the hover's reply")
			if codeOf(err) != tt.wantCode || (tt.wantCode == 0 && err != nil) {
				t.Errorf("hover: %v, want code %d", err, tt.wantCode)
			}
		})
	}
}

// $/cancelRequest ends the handler's context, and the reply is -32800.
func TestCancelRequest(t *testing.T) {
	ctx := testContext(t)
	trace := newWireWatch()
	srv := lsp.NewServer("t", "1", lsp.WithWireTrace(trace))
	started, ended := make(chan struct{}), make(chan error, 1)
	srv.OnHover(func(ctx context.Context, _ *protocol.HoverParams) (*protocol.Hover, error) {
		close(started)
		select {
		case <-ctx.Done():
			ended <- ctx.Err()
			return nil, ctx.Err()
		case <-time.After(10 * time.Second):
			ended <- nil
			return hoverText("not cancelled"), nil
		}
	})
	c, _ := start(t, srv, "")
	hoverCtx, cancel := context.WithCancel(ctx)
	go c.Hover(hoverCtx, hoverAt(uri, 0, 0))
	wait(t, started, "the hover to start")
	cancel() // the client's conn sends $/cancelRequest
	if err := wait(t, ended, "the handler to end"); err == nil {
		t.Fatal("the handler's context did not end")
	}
	req := trace.await(t, "in", `{"method": "textDocument/hover"}`)
	id := decode[struct {
		ID int `json:"id"`
	}](t, string(req.Msg)).ID
	trace.await(t, "in", fmt.Sprintf(`{"method": "$/cancelRequest", "params": {"id": %d}}`, id))
	trace.await(t, "out", fmt.Sprintf(`{"id": %d, "error": {"code": %d}}`, id, lsp.CodeRequestCancelled))
}

// Typed registration: the generated On… methods and Handle with conn.Typed
// hand handlers their params decoded and send their results encoded.
func TestTypedHandlers(t *testing.T) {
	ctx := testContext(t)
	srv := lsp.NewServer("t", "1")
	srv.OnDefinition(func(_ context.Context, p *protocol.DefinitionParams) (*protocol.DefinitionResult, error) {
		loc := protocol.Location{URI: p.TextDocument.URI, Range: protocol.Range{Start: p.Position, End: p.Position}}
		return ptr(protocol.NewDefinitionResultDefinition(protocol.NewDefinitionLocation(loc))), nil
	})
	srv.OnCompletion(func(_ context.Context, p *protocol.CompletionParams) (*protocol.CompletionResult, error) {
		label := fmt.Sprintf("item@%d", p.Position.Character)
		return ptr(protocol.NewCompletionResultCompletionList(protocol.CompletionList{IsIncomplete: true, Items: []protocol.CompletionItem{{Label: label}}})), nil
	})
	srv.OnWorkspaceSymbol(func(_ context.Context, p *protocol.WorkspaceSymbolParams) (*protocol.WorkspaceSymbolResult, error) {
		return nil, nil // null
	})
	saved := make(chan *protocol.DidSaveTextDocumentParams, 1)
	srv.OnDidSave(func(_ context.Context, p *protocol.DidSaveTextDocumentParams) error { saved <- p; return nil })
	type pair struct {
		A int    `json:"a"`
		B string `json:"b"`
	}
	srv.Handle("custom/swap", conn.Typed(func(_ context.Context, p pair) (pair, error) {
		return pair{A: len(p.B), B: fmt.Sprint(p.A)}, nil
	}))
	pinged := make(chan pair, 1)
	srv.Handle("custom/ping", conn.TypedNotification(func(_ context.Context, p *pair) error { pinged <- *p; return nil }))
	c, _ := start(t, srv, "")

	def, err := c.Definition(ctx, &protocol.DefinitionParams{TextDocument: protocol.TextDocumentIdentifier{URI: uri}, Position: protocol.Position{Line: 2, Character: 3}})
	if err != nil {
		t.Fatal(err)
	}
	if got := toJSON(t, def); !sameJSON(t, got, `{"uri": "file:///a.txt", "range": {"start": {"line": 2, "character": 3}, "end": {"line": 2, "character": 3}}}`) {
		t.Errorf("definition %s", got)
	}
	comp, err := c.Completion(ctx, &protocol.CompletionParams{Position: protocol.Position{Character: 9}})
	if err != nil {
		t.Fatal(err)
	}
	if list, ok := comp.AsCompletionList(); !ok || !list.IsIncomplete || list.Items[0].Label != "item@9" {
		t.Errorf("completion %s", toJSON(t, comp))
	}
	if syms, err := c.WorkspaceSymbol(ctx, &protocol.WorkspaceSymbolParams{Query: "x"}); err != nil || syms != nil {
		t.Errorf("workspace symbol: %v, %v; want null", syms, err)
	}
	c.Conn().Notify(ctx, "textDocument/didSave", &protocol.DidSaveTextDocumentParams{TextDocument: protocol.TextDocumentIdentifier{URI: uri}, Text: "saved"})
	if p := wait(t, saved, "didSave"); p.TextDocument.URI != uri || p.Text != "saved" {
		t.Errorf("didSave params %+v", p)
	}

	var swapped pair
	if err := c.Conn().Call(ctx, "custom/swap", pair{A: 7, B: "abc"}, &swapped); err != nil || swapped != (pair{3, "7"}) {
		t.Errorf("custom/swap by name: %+v, %v", swapped, err)
	}
	if err := c.Conn().Call(ctx, "custom/swap", []any{1, "xy"}, &swapped); err != nil || swapped != (pair{2, "1"}) {
		t.Errorf("custom/swap by position: %+v, %v", swapped, err)
	}
	if err := c.Conn().Call(ctx, "custom/swap", map[string]any{"a": "not a number"}, nil); codeOf(err) != conn.CodeInvalidParams {
		t.Errorf("custom/swap with bad params: %v, want -32602", err)
	}
	c.Conn().Notify(ctx, "custom/ping", pair{A: 1, B: "b"})
	if p := wait(t, pinged, "custom/ping"); p != (pair{1, "b"}) {
		t.Errorf("custom/ping params %+v", p)
	}
}

func TestRegisteringTwicePanics(t *testing.T) {
	tests := map[string]func(s *lsp.Server){
		"On… twice": func(s *lsp.Server) { s.OnHover(noHover); s.OnHover(noHover) },
		"Handle after On…": func(s *lsp.Server) {
			s.OnHover(noHover)
			s.Handle("textDocument/hover", conn.HandlerFunc(func(context.Context, *conn.Request) (any, error) { return nil, nil }))
		},
	}
	for name, register := range tests {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			register(lsp.NewServer("t", "1"))
		}()
	}
}

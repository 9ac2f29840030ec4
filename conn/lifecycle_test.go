package conn_test

import (
	"context"
	"errors"
	"io"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lspkit/lspkit/conn"
)

// TestCloseFailsPendingCalls checks that Close ends the calls in flight with
// an error wrapping ErrClosed, and that calls, notifications and batches
// after Close fail the same way.
func TestCloseFailsPendingCalls(t *testing.T) {
	t.Parallel()
	c, p := serve(t, nil, framers[0])
	const n = 5
	errc := make(chan error, n)
	for range n {
		go func() { errc <- c.Call(context.Background(), "never/answered", nil, nil) }()
	}
	for range n {
		p.reply() // each request is out
	}
	c.Close()
	for range n {
		if err := recv(t, errc, "a pending call to fail"); !errors.Is(err, conn.ErrClosed) {
			t.Errorf("pending Call: %v, want ErrClosed", err)
		}
	}
	closed(t, c.Done(), "Done")
	ctx := testCtx(t)
	if err := c.Call(ctx, "x", nil, nil); !errors.Is(err, conn.ErrClosed) {
		t.Errorf("Call after Close: %v, want ErrClosed", err)
	}
	if err := c.Notify(ctx, "x", nil); !errors.Is(err, conn.ErrClosed) {
		t.Errorf("Notify after Close: %v, want ErrClosed", err)
	}
	if err := c.Batch(ctx, []*conn.BatchCall{{Method: "x"}}); !errors.Is(err, conn.ErrClosed) {
		t.Errorf("Batch after Close: %v, want ErrClosed", err)
	}
	if err := c.Err(); err != nil {
		t.Errorf("Err() after Close = %v, want nil", err)
	}
	if err := c.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := p.ended(); !errors.Is(err, io.EOF) {
		t.Errorf("the peer's read ended with %v, want EOF", err)
	}
}

// TestCloseCancelsHandlers checks that Close cancels running handlers and
// waits for them to return, and that queued requests never run.
func TestCloseCancelsHandlers(t *testing.T) {
	t.Parallel()
	var (
		started  = make(chan struct{}, 10)
		returned atomic.Int64
		ran      atomic.Int64
	)
	m := conn.NewMux()
	m.HandleFunc("block", func(ctx context.Context, _ *conn.Request) (any, error) {
		ran.Add(1)
		started <- struct{}{}
		<-ctx.Done()
		time.Sleep(20 * time.Millisecond) // a handler that takes its time to wind down
		returned.Add(1)
		return nil, ctx.Err()
	})
	c, p := serve(t, m, framers[0], conn.WithMaxConcurrency(2))
	for id := range 4 {
		p.send(encodeMsg("block", true, id))
	}
	recv(t, started, "a handler to start")
	recv(t, started, "a handler to start")
	c.Close()
	if got := returned.Load(); got != 2 {
		t.Errorf("Close returned with %d of 2 handlers returned", got)
	}
	if got := ran.Load(); got != 2 {
		t.Errorf("%d handlers ran, want 2: queued requests must not run after Close", got)
	}
}

// TestCloseTimeout checks that Close waits for a handler that ignores its
// context only as long as WithCloseTimeout says.
func TestCloseTimeout(t *testing.T) {
	t.Parallel()
	started, release := make(chan struct{}), make(chan struct{})
	defer close(release)
	m := conn.NewMux()
	m.HandleFunc("stubborn", func(context.Context, *conn.Request) (any, error) {
		close(started)
		<-release
		return nil, nil
	})
	c, p := serve(t, m, framers[0], conn.WithCloseTimeout(50*time.Millisecond))
	p.send(encodeMsg("stubborn", true, 1))
	recv(t, started, "the handler to start")
	closedc := make(chan struct{})
	go func() { c.Close(); close(closedc) }()
	closed(t, closedc, "Close to return after its timeout")
	closed(t, c.Done(), "Done")
}

// TestPeerEOFDrains checks that when the peer closes its side, queued and
// running requests still run and their replies are written before the
// stream closes; calls pending then fail at once; Err is nil.
func TestPeerEOFDrains(t *testing.T) {
	t.Parallel()
	s := newHoldServer()
	c, p := serve(t, s, framers[0], conn.WithMaxConcurrency(1))
	// A call of ours that the peer never answers: it must fail when the
	// peer's side ends, which also tells us the Conn has seen the end.
	callErr := make(chan error, 1)
	go func() { callErr <- c.Call(context.Background(), "unanswered", nil, nil) }()
	if m := p.reply(); m.Method != "unanswered" {
		t.Fatalf("peer got %+v", m)
	}
	const n = 4
	for id := 1; id <= n; id++ {
		p.send(encodeMsg("hold", true, id))
	}
	if id := recv(t, s.started, "the first request to start"); id != 1 {
		t.Fatalf("request %d started first", id)
	}
	p.end.CloseWrite()
	err := recv(t, callErr, "the pending call to fail")
	if !errors.Is(err, conn.ErrClosed) || !errors.Is(err, io.EOF) {
		t.Errorf("pending Call: %v, want ErrClosed wrapping io.EOF", err)
	}
	if err := c.Call(testCtx(t), "x", nil, nil); !errors.Is(err, conn.ErrClosed) {
		t.Errorf("Call while draining: %v, want ErrClosed", err)
	}
	// Requests 2..n were queued when the end came; all still run.
	for id := 1; id <= n; id++ {
		s.let(id)
	}
	for id, r := range p.replies(n) {
		wantResult(t, r, id, id)
	}
	if err := p.ended(); !errors.Is(err, io.EOF) {
		t.Errorf("the peer's read ended with %v, want EOF", err)
	}
	closed(t, c.Done(), "Done")
	if err := c.Err(); err != nil {
		t.Errorf("Err() = %v after a clean end", err)
	}
}

// TestDrainTimeout checks that a handler that does not finish after the
// peer's end is cancelled after WithDrainTimeout.
func TestDrainTimeout(t *testing.T) {
	t.Parallel()
	cancelled := make(chan struct{})
	m := conn.NewMux()
	started := make(chan struct{})
	m.HandleFunc("block", func(ctx context.Context, _ *conn.Request) (any, error) {
		close(started)
		<-ctx.Done()
		close(cancelled)
		return nil, ctx.Err()
	})
	c, p := serve(t, m, framers[0], conn.WithDrainTimeout(50*time.Millisecond))
	p.send(encodeMsg("block", true, 1))
	recv(t, started, "the handler to start")
	p.end.CloseWrite()
	closed(t, cancelled, "the handler to be cancelled after the drain timeout")
	closed(t, c.Done(), "Done")
}

// TestStreamEnds checks how the end of the stream sets Err, and what Serve
// returns: nil for a clean end, the error for a peer that vanished in the
// middle of a message.
func TestStreamEnds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		fr      framer
		partial string // written before the peer closes its side
		want    error  // nil: a clean end
	}{
		{"clean, header", framers[0], "", nil},
		{"clean, line", framers[1], "", nil},
		{"clean after blank lines, line", framers[1], "\n\n", nil},
		{"inside a header", framers[0], "Content-Len", io.ErrUnexpectedEOF},
		{"inside a body", framers[0], "Content-Length: 100\r\n\r\n{\"jsonrpc\"", io.ErrUnexpectedEOF},
		{"inside a line", framers[1], `{"jsonrpc":"2.0"`, io.ErrUnexpectedEOF},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a, b := duplexPair()
			p := newPeer(t, b, tc.fr)
			t.Cleanup(p.close)
			served := make(chan error, 1)
			go func() {
				served <- conn.Serve(context.Background(), a, nil, conn.WithFramer(tc.fr.make()), conn.WithLogger(quietLog))
			}()
			if tc.partial != "" {
				p.sendRaw([]byte(tc.partial))
			}
			p.end.CloseWrite()
			err := recv(t, served, "Serve to return")
			if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("Serve: %v, want %v", err, tc.want)
			}
		})
	}
}

// TestErrAfterBrokenStream checks Err and Done on a Conn whose peer vanished
// mid-message.
func TestErrAfterBrokenStream(t *testing.T) {
	t.Parallel()
	c, p := serve(t, nil, framers[0])
	if err := c.Err(); err != nil {
		t.Errorf("Err() = %v while running", err)
	}
	p.sendRaw([]byte("Content-Length: 10\r\n\r\n{"))
	p.end.CloseWrite()
	closed(t, c.Done(), "Done")
	if err := c.Err(); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("Err() = %v, want io.ErrUnexpectedEOF", err)
	}
}

// TestContextEndsConn checks that the Conn closes when the context passed to
// New ends, cleanly, and that handlers' contexts descend from it.
func TestContextEndsConn(t *testing.T) {
	t.Parallel()
	type key struct{}
	ctx, cancel := context.WithCancel(context.WithValue(context.Background(), key{}, "parent"))
	defer cancel()
	a, b := duplexPair()
	p := newPeer(t, b, framers[0])
	t.Cleanup(p.close)
	m := conn.NewMux()
	m.HandleFunc("value", func(ctx context.Context, _ *conn.Request) (any, error) { return ctx.Value(key{}), nil })
	c := conn.New(ctx, a, m, conn.WithLogger(quietLog))
	p.send(encodeMsg("value", true, 1))
	wantResult(t, p.reply(), "1", `"parent"`)
	cancel()
	closed(t, c.Done(), "Done after the context ended")
	if err := c.Err(); err != nil {
		t.Errorf("Err() = %v, want nil", err)
	}
	if err := p.ended(); !errors.Is(err, io.EOF) {
		t.Errorf("the peer's read ended with %v, want EOF", err)
	}

	// Serve returns nil too.
	ctx2, cancel2 := context.WithCancel(context.Background())
	a2, b2 := duplexPair()
	defer b2.Close()
	served := make(chan error, 1)
	go func() { served <- conn.Serve(ctx2, a2, nil, conn.WithLogger(quietLog)) }()
	cancel2()
	if err := recv(t, served, "Serve to return"); err != nil {
		t.Errorf("Serve: %v, want nil", err)
	}
}

// TestWriteErrorEndsConn checks that a stream that can no longer be written
// ends the connection with an error.
func TestWriteErrorEndsConn(t *testing.T) {
	t.Parallel()
	a, b := duplexPair()
	c := startConn(t, a, nil)
	b.r.Close() // the peer stops reading for good: our writes fail
	defer b.Close()
	err := c.Notify(testCtx(t), "x", nil)
	if err != nil {
		t.Fatalf("Notify: %v (it only queues)", err)
	}
	closed(t, c.Done(), "Done after a write error")
	if err := c.Err(); err == nil || !errors.Is(err, io.ErrClosedPipe) {
		t.Errorf("Err() = %v, want a write error", err)
	}
}

// TestFromContext checks FromContext and Release outside a handler.
func TestFromContext(t *testing.T) {
	t.Parallel()
	if c := conn.FromContext(context.Background()); c != nil {
		t.Errorf("FromContext(Background) = %v", c)
	}
	conn.Release(context.Background()) // does nothing, does not panic
	var got *conn.Conn
	m := conn.NewMux()
	m.HandleFunc("who", func(ctx context.Context, _ *conn.Request) (any, error) {
		type key struct{}
		got = conn.FromContext(context.WithValue(ctx, key{}, 1)) // derived contexts too
		conn.Release(ctx)
		conn.Release(ctx) // twice is harmless
		return nil, nil
	})
	c, p := serve(t, m, framers[0])
	p.send(encodeMsg("who", true, 1))
	p.reply()
	if got != c {
		t.Errorf("FromContext in a handler = %p, want %p", got, c)
	}
}

// TestContextAlreadyDone checks New with a context that has already ended:
// the connection ends at once, cleanly (this once raced with New itself).
func TestContextAlreadyDone(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for range 50 {
		a, b := duplexPair()
		c := conn.New(ctx, a, nil, conn.WithLogger(quietLog))
		closed(t, c.Done(), "Done")
		if err := c.Err(); err != nil {
			t.Errorf("Err() = %v", err)
		}
		b.Close()
	}
}

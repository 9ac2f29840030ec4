package conn_test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/lspkit/lspkit/conn"
)

// cancelServer serves "block": a request that reports its start, then
// waits for its context to end and reports why; with late, it then returns
// a result anyway. "count" tells how many "block" handlers ever started.
type cancelServer struct {
	started chan string
	ended   chan error
	gate    chan struct{}
}

func newCancelServer() (*cancelServer, *conn.Mux) {
	s := &cancelServer{started: make(chan string, 10), ended: make(chan error, 10), gate: make(chan struct{})}
	m := conn.NewMux()
	m.HandleFunc("block", func(ctx context.Context, req *conn.Request) (any, error) {
		s.started <- req.ID.String()
		select {
		case <-ctx.Done():
		case <-s.gate:
			return "not cancelled", nil
		}
		s.ended <- ctx.Err()
		return nil, ctx.Err()
	})
	m.HandleFunc("late", func(ctx context.Context, req *conn.Request) (any, error) {
		s.started <- req.ID.String()
		<-ctx.Done()
		s.ended <- ctx.Err()
		return "late result", nil
	})
	m.HandleFunc("fails", func(ctx context.Context, req *conn.Request) (any, error) {
		s.started <- req.ID.String()
		<-ctx.Done()
		return nil, conn.NewError(-32000, "some other error")
	})
	return s, m
}

func cancelMsg(method, id string) string {
	return `{"jsonrpc":"2.0","method":"` + method + `","params":{"id":` + id + `}}`
}

// TestCancelRunning checks $/cancelRequest for a running handler: its
// context ends with context.Canceled and the reply is -32800, whatever
// error it returns; a result it still returns is sent.
func TestCancelRunning(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, method, id string
		cancelID         string // how the cancellation spells the id
		code             int64  // 0: a result
	}{
		{"number id", "block", "7", "7", conn.CodeRequestCancelled},
		{"string id", "block", `"abc"`, `"abc"`, conn.CodeRequestCancelled},
		{"string id spelt otherwise", "block", `"abc"`, `"\u0061bc"`, conn.CodeRequestCancelled},
		{"handler returns another error", "fails", "8", "8", conn.CodeRequestCancelled},
		{"handler returns a result", "late", "9", "9", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, m := newCancelServer()
			_, p := serve(t, m, framers[0])
			p.send(`{"jsonrpc":"2.0","method":"` + tc.method + `","id":` + tc.id + `}`)
			recv(t, s.started, "the handler to start")
			p.send(cancelMsg("$/cancelRequest", tc.cancelID))
			r := p.reply()
			if tc.code == 0 {
				wantResult(t, r, tc.id, `"late result"`)
			} else {
				wantError(t, r, tc.id, tc.code)
			}
			if tc.method != "fails" {
				if err := recv(t, s.ended, "the handler to end"); !errors.Is(err, context.Canceled) {
					t.Errorf("handler's ctx.Err() = %v, want context.Canceled", err)
				}
			}
		})
	}
}

// TestCancelQueued checks that a cancelled request still queued never runs
// and is answered -32800 at once, while the one before it still runs.
func TestCancelQueued(t *testing.T) {
	t.Parallel()
	s, m := newCancelServer()
	_, p := serve(t, m, framers[0], conn.WithMaxConcurrency(1))
	p.send(`{"jsonrpc":"2.0","method":"block","id":1}`)
	recv(t, s.started, "the first request to start")
	p.send(`{"jsonrpc":"2.0","method":"block","id":2}`)
	p.send(`{"jsonrpc":"2.0","method":"block","id":3}`)
	p.send(cancelMsg("$/cancelRequest", "2"))
	wantError(t, p.reply(), "2", conn.CodeRequestCancelled) // while 1 still blocks
	close(s.gate)
	for id, r := range p.replies(2) {
		wantResult(t, r, id, `"not cancelled"`)
	}
	for _, want := range []string{"3"} {
		if got := recv(t, s.started, "the third request to start"); got != want {
			t.Errorf("request %s started, want %s", got, want)
		}
	}
	never(t, s.started, "the cancelled request ran")
}

// TestCancelIgnored checks the cancellations that must do nothing: unknown
// ids, a finished request, a malformed one; and that a cancellation sent as
// a request is answered.
func TestCancelIgnored(t *testing.T) {
	t.Parallel()
	s, m := newCancelServer()
	_, p := serve(t, m, framers[0])
	close(s.gate)
	p.send(`{"jsonrpc":"2.0","method":"block","id":1}`)
	wantResult(t, p.reply(), "1", `"not cancelled"`)
	for _, params := range []string{`{"id":1}`, `{"id":99}`, `{"id":"1"}`, `{}`, `[1]`, `{"id":{}}`} {
		p.send(`{"jsonrpc":"2.0","method":"$/cancelRequest","params":` + params + `}`)
	}
	p.expectNothing()
	p.send(`{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":5},"id":"c"}`)
	wantResult(t, p.reply(), `"c"`, "null")
}

// TestCancelMethodOption checks WithCancellation: a renamed method cancels,
// and with "" the cancellation is an ordinary (here unknown) notification.
func TestCancelMethodOption(t *testing.T) {
	t.Parallel()
	t.Run("renamed", func(t *testing.T) {
		t.Parallel()
		s, m := newCancelServer()
		_, p := serve(t, m, framers[0], cancelMethod("cancel"))
		p.send(`{"jsonrpc":"2.0","method":"block","id":1}`)
		recv(t, s.started, "the handler to start")
		p.send(cancelMsg("$/cancelRequest", "1")) // now an unknown notification
		p.send(cancelMsg("cancel", "1"))
		wantError(t, p.reply(), "1", conn.CodeRequestCancelled)
	})
	t.Run("off", func(t *testing.T) {
		t.Parallel()
		s, m := newCancelServer()
		seen := make(chan string, 10)
		m.HandleFallback(conn.WithMode(conn.HandlerFunc(func(_ context.Context, req *conn.Request) (any, error) {
			seen <- req.Method + " " + string(req.Params)
			return nil, nil
		}), conn.Concurrent))
		_, p := serve(t, m, framers[0], cancelMethod(""))
		p.send(`{"jsonrpc":"2.0","method":"block","id":1}`)
		recv(t, s.started, "the handler to start")
		p.send(cancelMsg("$/cancelRequest", "1"))
		if got := recv(t, seen, "the cancellation to reach the handler"); got != `$/cancelRequest {"id":1}` {
			t.Errorf("the fallback saw %q", got)
		}
		never(t, s.ended, "the request was cancelled")
		close(s.gate)
		wantResult(t, p.reply(), "1", `"not cancelled"`)
	})
}

// TestCallContextEnds checks the client side: when a Call's context ends,
// Call returns at once with an error wrapping ctx.Err(), the peer is told
// with $/cancelRequest, and the late reply is dropped without harm.
func TestCallContextEnds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		ctx    func() (context.Context, context.CancelFunc)
		want   error
		method string // the cancel method; "" turns it off
	}{
		{"canceled", func() (context.Context, context.CancelFunc) { return context.WithCancel(context.Background()) }, context.Canceled, "$/cancelRequest"},
		{"deadline", func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 3*grace)
		}, context.DeadlineExceeded, "$/cancelRequest"},
		{"renamed", func() (context.Context, context.CancelFunc) { return context.WithCancel(context.Background()) }, context.Canceled, "myCancel"},
		{"off", func() (context.Context, context.CancelFunc) { return context.WithCancel(context.Background()) }, context.Canceled, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, p := serve(t, nil, framers[0], cancelMethod(tc.method))
			ctx, cancel := tc.ctx()
			defer cancel()
			errc := make(chan error, 1)
			go func() { errc <- c.Call(ctx, "slow", []int{1}, nil) }()
			req := p.reply()
			if req.Method != "slow" || string(req.ID) != "1" {
				t.Fatalf("peer got %+v, want the call with id 1", req)
			}
			never(t, errc, "Call returned before its context ended")
			if tc.want == context.Canceled {
				cancel()
			} // else the deadline ends it
			err := recv(t, errc, "Call to return")
			if !errors.Is(err, tc.want) {
				t.Errorf("Call: %v, want an error wrapping %v", err, tc.want)
			}
			if tc.method != "" {
				m := p.reply()
				if m.Method != tc.method || m.ID != nil || !sameJSON(m.Params, []byte(`{"id":1}`)) {
					t.Errorf("peer got %+v, want the notification %s {\"id\":1}", m, tc.method)
				}
			}
			// The late reply is dropped; the next call gets its own.
			p.send(`{"jsonrpc":"2.0","id":1,"result":"late"}`)
			go func() {
				var s string
				err := c.Call(testCtx(t), "next", nil, &s)
				if err == nil && s != "mine" {
					err = errors.New("got " + s)
				}
				errc <- err
			}()
			req = p.reply() // with cancellation off, nothing came between
			if req.Method != "next" || string(req.ID) != "2" {
				t.Fatalf("peer got %+v, want the call with id 2", req)
			}
			p.send(`{"jsonrpc":"2.0","id":2,"result":"mine"}`)
			if err := recv(t, errc, "the second Call"); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestCallContextAlreadyDone checks a Call whose context has ended before
// it starts: it fails with ctx.Err().
func TestCallContextAlreadyDone(t *testing.T) {
	t.Parallel()
	c, _ := serve(t, nil, framers[0])
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := c.Call(ctx, "x", nil, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("Call: %v, want context.Canceled", err)
	}
}

// TestCallWhilePeerDoesNotRead checks that Call returns when its context
// ends even though the peer reads nothing, so that the request itself cannot
// be written: a Call must never hang on a stuck stream.
func TestCallWhilePeerDoesNotRead(t *testing.T) {
	t.Parallel()
	a, b := duplexPair()
	defer b.Close() // only now can the write that is stuck end
	c := startConn(t, a, nil, conn.WithCloseTimeout(100*time.Millisecond))
	for i := range 3 {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		errc := make(chan error, 1)
		go func() { errc <- c.Call(ctx, "m"+strconv.Itoa(i), nil, nil) }()
		if err := recv(t, errc, "Call to return after its deadline"); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Call %d: %v, want context.DeadlineExceeded", i, err)
		}
		cancel()
	}
	errc := make(chan error, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	go func() { errc <- c.Notify(ctx, "n", nil) }()
	recv(t, errc, "Notify to return")
}

// cancelMethod is LSP's cancellation under another method name, or none
// for "".
func cancelMethod(method string) conn.Option {
	if method == "" {
		return conn.WithCancellation(conn.Cancellation{})
	}
	cn := conn.LSPCancellation()
	cn.Method = method
	return conn.WithCancellation(cn)
}

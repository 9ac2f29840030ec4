package conn_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lspkit/lspkit/conn"
)

// TestServerCallsClient has a server whose handler, while it runs, calls and
// notifies the client through conn.FromContext, at high concurrency: every
// call gets its own answer and nothing deadlocks.
func TestServerCallsClient(t *testing.T) {
	t.Parallel()
	const n = 200
	server := conn.NewMux()
	server.Handle("ask", conn.Typed(func(ctx context.Context, p [1]int) (int, error) {
		peer := conn.FromContext(ctx)
		if peer == nil {
			return 0, errors.New("no connection in the context")
		}
		if err := peer.Notify(ctx, "progress", []int{p[0]}); err != nil {
			return 0, err
		}
		var doubled int
		if err := peer.Call(ctx, "double", []int{p[0]}, &doubled); err != nil {
			return 0, err
		}
		return doubled + 1, nil
	}))
	progress := make(chan int, n)
	client := conn.NewMux()
	client.Handle("double", conn.Typed(func(_ context.Context, p [1]int) (int, error) { return 2 * p[0], nil }))
	client.Handle("progress", conn.TypedNotification(func(_ context.Context, p [1]int) error {
		progress <- p[0]
		return nil
	}))
	_, c := connPair(t, server, client)
	ctx := testCtx(t)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			var got int
			if err := c.Call(ctx, "ask", []int{i}, &got); err != nil {
				t.Errorf("ask %d: %v", i, err)
			} else if got != 2*i+1 {
				t.Errorf("ask %d = %d, want %d", i, got, 2*i+1)
			}
		})
	}
	wg.Wait()
	seen := make(map[int]bool)
	for range n {
		seen[recv(t, progress, "a progress notification")] = true
	}
	if len(seen) != n {
		t.Errorf("%d distinct progress notifications, want %d", len(seen), n)
	}
}

// TestCallbacksPastTheQueueLimit has more requests than the server may run
// and queue, and each handler calls the client back: the replies to those
// calls must still be read, as the queue may grow past its limit while a
// call of ours awaits its reply — up to eight times the limit: here 2
// running and up to 31 queued, with room left to read the replies.
func TestCallbacksPastTheQueueLimit(t *testing.T) {
	t.Parallel()
	const n = 33
	server := conn.NewMux()
	server.Handle("ask", conn.Typed(func(ctx context.Context, p [1]int) (int, error) {
		var got int
		err := conn.FromContext(ctx).Call(ctx, "double", []int{p[0]}, &got)
		return got, err
	}))
	client := conn.NewMux()
	client.Handle("double", conn.Typed(func(_ context.Context, p [1]int) (int, error) { return 2 * p[0], nil }))
	ea, eb := duplexPair()
	startConn(t, ea, server, conn.WithMaxConcurrency(2), conn.WithQueueLimit(4))
	c := startConn(t, eb, client)
	ctx := testCtx(t)
	var wg sync.WaitGroup
	var failed atomic.Int64
	for i := range n {
		wg.Go(func() {
			var got int
			if err := c.Call(ctx, "ask", []int{i}, &got); err != nil || got != 2*i {
				failed.Add(1)
			}
		})
	}
	wg.Wait()
	if f := failed.Load(); f > 0 {
		t.Errorf("%d of %d calls failed or hung (callbacks blocked behind a full queue)", f, n)
	}
}

// echoMux serves "echo", returning its params as they came.
func echoMux() *conn.Mux {
	m := conn.NewMux()
	m.HandleFunc("echo", func(_ context.Context, req *conn.Request) (any, error) { return req.Params, nil })
	return m
}

// TestManyCallsBothWays makes 10,000 concurrent calls in each direction at
// once over one connection; each call checks its own result.
func TestManyCallsBothWays(t *testing.T) {
	t.Parallel()
	n := 10000
	if testing.Short() {
		n = 2000
	}
	a, b := connPair(t, echoMux(), echoMux())
	ctx := testCtx(t)
	start := time.Now()
	var wg sync.WaitGroup
	var failed atomic.Int64
	for i := range n {
		for side, c := range []*conn.Conn{a, b} {
			wg.Go(func() {
				want := fmt.Sprintf("%d-%d", side, i)
				var got []string
				if err := c.Call(ctx, "echo", []string{want}, &got); err != nil || len(got) != 1 || got[0] != want {
					if failed.Add(1) <= 5 {
						t.Errorf("call %s: got %q, %v", want, got, err)
					}
				}
			})
		}
	}
	wg.Wait()
	if f := failed.Load(); f > 0 {
		t.Errorf("%d of %d calls failed", f, 2*n)
	}
	t.Logf("%d calls in %v", 2*n, time.Since(start))
}

// TestCallbacksQueueStaysBounded is the other side of that exception: while
// a handler that keeps its place (KeepPlace) awaits a reply the peer never
// sends, the queue grows to eight times its limit and no further, so a peer
// that floods us meanwhile cannot make memory grow without bound.
func TestCallbacksQueueStaysBounded(t *testing.T) {
	t.Parallel()
	const limit = 2
	m := conn.NewMux()
	asked := make(chan struct{}, 1)
	m.HandleFunc("ask", func(ctx context.Context, _ *conn.Request) (any, error) {
		asked <- struct{}{}
		return nil, conn.FromContext(ctx).Call(conn.KeepPlace(ctx), "never", nil, nil) // the peer never answers
	})
	_, p := serve(t, m, framers[0], conn.WithMaxConcurrency(1), conn.WithQueueLimit(limit))
	w := &countingWriter{w: p.end}
	sent := make(chan error, 1)
	go func() {
		msgs := []string{encodeMsg("ask", true, 1)}
		for i := 2; i <= 100; i++ {
			msgs = append(msgs, encodeMsg("tick", false, i)) // wait behind ask
		}
		for _, m := range msgs {
			if _, err := w.Write(framers[0].frame([]byte(m))); err != nil {
				sent <- err
				return
			}
		}
		sent <- nil
	}()
	recv(t, asked, "ask to start")
	waitCount(t, w.done.Load, int64(1+8*limit), "messages read")
	never(t, sent, "the peer wrote its whole flood")
}

// TestCallFromHandlerGivesUpItsPlace checks that a handler waiting for its
// peer's reply does not hold up what follows: an exclusive notification
// handler that asks the peer something (as an LSP server asks the user in
// initialized) lets later requests run and be answered meanwhile, while
// what it did before the call stays visible to them. With KeepPlace, they
// wait for it.
func TestCallFromHandlerGivesUpItsPlace(t *testing.T) {
	t.Parallel()
	for _, keep := range []bool{false, true} {
		t.Run(fmt.Sprintf("keep=%v", keep), func(t *testing.T) {
			t.Parallel()
			var before, answered atomic.Bool
			m := conn.NewMux()
			m.Handle("initialized", conn.HandlerFunc(func(ctx context.Context, _ *conn.Request) (any, error) {
				before.Store(true)
				if keep {
					ctx = conn.KeepPlace(ctx)
				}
				err := conn.FromContext(ctx).Call(ctx, "window/showMessageRequest", nil, nil)
				answered.Store(true)
				return nil, err
			}))
			m.HandleFunc("hover", func(context.Context, *conn.Request) (any, error) {
				return []bool{before.Load(), answered.Load()}, nil
			})
			_, p := serve(t, m, framers[0])
			p.send(`{"jsonrpc":"2.0","method":"initialized"}`)
			p.send(`{"jsonrpc":"2.0","method":"hover","id":1}`)
			ask := p.reply()
			if ask.Method != "window/showMessageRequest" {
				t.Fatalf("got %+v, want the question", ask)
			}
			answer := `{"jsonrpc":"2.0","id":` + string(ask.ID) + `,"result":null}`
			if keep {
				time.Sleep(grace) // hover must wait for the answer
				p.send(answer)
				wantResult(t, p.reply(), "1", "[true,true]")
				return
			}
			wantResult(t, p.reply(), "1", "[true,false]")
			p.send(answer)
		})
	}
}

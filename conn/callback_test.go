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
// calls must still be read (the package doc: "the read path never waits for
// a handler, so a reply to such a call always gets through").
func TestCallbacksPastTheQueueLimit(t *testing.T) {
	t.Parallel()
	const n = 40
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

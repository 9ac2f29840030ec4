package conn_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lspkit/lspkit/conn"
)

// allocated returns the bytes allocated so far by the whole process.
func allocated() uint64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.TotalAlloc
}

// TestBatchBound checks that a batch over the element bound is answered
// with one -32600 error and that nothing of it is kept: a 256 KiB batch of
// 131,072 elements once made a 14.8 MB reply and 211 MB of memory. The
// bytes allocated while it is handled are measured.
func TestBatchBound(t *testing.T) {
	// Not parallel: it measures the process's allocations.
	tests := []struct {
		name  string
		limit int
		elems int
	}{
		{"default bound, 131072 elements", 0, 131072},
		{"bound 10, 11 elements", 10, 11},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var opts []conn.Option
			if tc.limit > 0 {
				opts = append(opts, conn.WithMaxBatch(tc.limit))
			}
			_, p := serve(t, nil, framers[0], append(opts, conn.WithLogger(quietLog))...)
			batch := "[" + strings.Repeat("1,", tc.elems-1) + "1]"
			p.sync() // the connection is up
			before := allocated()
			p.send(batch)
			m := wantError(t, p.reply(), "null", conn.CodeInvalidRequest)
			used := allocated() - before
			if !strings.Contains(m.Message, "at most") {
				t.Errorf("error message %q does not give the bound", m.Message)
			}
			// The batch itself is read into memory (the framing's bound);
			// what it leads to must be small beside it.
			if limit := uint64(3*len(batch) + 256<<10); used > limit {
				t.Errorf("handling a %d-byte batch allocated %d bytes, more than %d", len(batch), used, limit)
			}
			p.expectNothing()
		})
	}
	t.Run("at the bound", func(t *testing.T) {
		_, p := serve(t, nil, framers[0], conn.WithMaxBatch(3), conn.WithLogger(quietLog))
		p.send(`[1,2,3]`)
		var replies []json.RawMessage
		if err := json.Unmarshal(p.next(), &replies); err != nil || len(replies) != 3 {
			t.Fatalf("a batch at the bound: %d replies (%v), want 3 errors", len(replies), err)
		}
	})
}

// TestReleasedHandlersBounded checks that handlers that gave up their place
// still count against WithMaxRunning: 5,000 pipelined requests to a handler
// that calls Release and then waits never run more than the bound at once
// (50,000 such requests once ran all at once, in 364 MiB). Reading stops at
// the bound, as for a full queue, and memory stays flat.
func TestReleasedHandlersBounded(t *testing.T) {
	const bound, queue, n = 50, 20, 5000
	var running, most atomic.Int64
	gate := make(chan struct{})
	m := conn.NewMux()
	m.HandleFunc("slow", func(ctx context.Context, _ *conn.Request) (any, error) {
		conn.Release(ctx)
		r := running.Add(1)
		for {
			old := most.Load()
			if r <= old || most.CompareAndSwap(old, r) {
				break
			}
		}
		defer running.Add(-1)
		select {
		case <-gate:
		case <-ctx.Done():
		}
		return "ok", nil
	})
	_, p := serve(t, m, framers[0], conn.WithMaxRunning(bound), conn.WithMaxConcurrency(10), conn.WithQueueLimit(queue))
	w := &countingWriter{w: p.end}
	sent := make(chan error, 1)
	before := allocated()
	go func() {
		for i := 1; i <= n; i++ {
			if _, err := w.Write(framers[0].frame([]byte(encodeMsg("slow", true, i)))); err != nil {
				sent <- err
				return
			}
		}
		sent <- nil
	}()
	waitCount(t, running.Load, bound, "handlers running")
	// The bound's handlers and the queue.
	waitCount(t, w.done.Load, bound+queue, "messages read")
	never(t, sent, "the peer wrote all its requests")
	if used := allocated() - before; used > 4<<20 {
		t.Errorf("%d requests waiting allocated %d bytes", n, used)
	}
	close(gate)
	if err := recv(t, sent, "the peer to write everything"); err != nil {
		t.Fatal(err)
	}
	got := p.replies(n)
	if len(got) != n {
		t.Errorf("%d replies, want %d", len(got), n)
	}
	if most.Load() > bound {
		t.Errorf("%d handlers ran at once, more than the bound %d", most.Load(), bound)
	}
}

// TestDuplicateInFlightID checks that a request whose id is that of a
// request still in flight is refused with -32600, as x/tools' jsonrpc2 and
// the MCP Go SDK do, and that the first is answered as usual; once answered,
// the id may be used again.
func TestDuplicateInFlightID(t *testing.T) {
	t.Parallel()
	s, m := newCancelServer()
	_, p := serve(t, m, framers[0], conn.WithLogger(quietLog))
	p.send(`{"jsonrpc":"2.0","method":"block","id":7}`)
	recv(t, s.started, "the first request to start")
	p.send(`{"jsonrpc":"2.0","method":"block","id":7}`)
	e := wantError(t, p.reply(), "7", conn.CodeInvalidRequest)
	if !strings.Contains(e.Message, "in flight") {
		t.Errorf("message %q does not say why", e.Message)
	}
	// Another spelling of the same string id is the same id.
	p.send(`{"jsonrpc":"2.0","method":"block","id":"a"}`)
	recv(t, s.started, "the request a to start")
	p.send(`{"jsonrpc":"2.0","method":"block","id":"\u0061"}`)
	wantError(t, p.reply(), `"\u0061"`, conn.CodeInvalidRequest)
	close(s.gate)
	got := p.replies(2)
	wantResult(t, got["7"], "7", `"not cancelled"`)
	wantResult(t, got[`"a"`], `"a"`, `"not cancelled"`)
	p.send(`{"jsonrpc":"2.0","method":"block","id":7}`)
	recv(t, s.started, "the id to be used again")
	wantResult(t, p.reply(), "7", `"not cancelled"`)
}

// TestMCPCancellation checks MCP's cancellation: notifications/cancelled
// {"requestId","reason"} ends the handler's context with the reason as its
// cause (a -32800 *conn.Error), and a cancelled request, running or queued,
// gets no reply at all, even when its handler returns a result anyway.
func TestMCPCancellation(t *testing.T) {
	t.Parallel()
	causes := make(chan error, 2)
	started := make(chan struct{}, 2)
	m := conn.NewMux()
	m.Handle("tools/call", conn.WithMode(conn.HandlerFunc(func(ctx context.Context, _ *conn.Request) (any, error) {
		started <- struct{}{}
		<-ctx.Done()
		causes <- context.Cause(ctx)
		return "a result, too late", nil
	}), conn.Exclusive)) // so that the second waits in the queue
	_, p := serve(t, m, framers[1], conn.WithCancellation(conn.MCPCancellation()))
	p.send(`{"jsonrpc":"2.0","method":"tools/call","id":1}`)
	recv(t, started, "the call to start")
	p.send(`{"jsonrpc":"2.0","method":"tools/call","id":"q"}`)
	p.send(`{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"q","reason":"queued"}}`)
	p.send(`{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":1,"reason":"the user pressed stop"}}`)
	cause := recv(t, causes, "the handler to see its context end")
	var e *conn.Error
	if !errors.As(cause, &e) || e.Code != conn.CodeRequestCancelled || !strings.Contains(e.Message, "the user pressed stop") {
		t.Errorf("context.Cause = %v, want a -32800 *conn.Error with the reason", cause)
	}
	p.expectNothing() // neither request is answered, and the queued one never ran
	select {
	case <-started:
		t.Error("the cancelled queued request ran")
	default:
	}
	// A cancellation without a requestId is logged and dropped; the
	// connection lives on.
	p.send(`{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"id":1}}`)
	p.expectNothing()
}

// TestCallCancelledMCP checks the other direction: when our call's context
// ends, the peer is sent notifications/cancelled with the requestId and the
// reason.
func TestCallCancelledMCP(t *testing.T) {
	t.Parallel()
	c, p := serve(t, nil, framers[1], conn.WithCancellation(conn.MCPCancellation()))
	ctx, cancel := context.WithCancelCause(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- c.Call(ctx, "tools/call", nil, nil) }()
	req := p.reply()
	cancel(errors.New("the user gave up"))
	if err := recv(t, errc, "Call to return"); !errors.Is(err, context.Canceled) {
		t.Errorf("Call: %v, want context.Canceled", err)
	}
	n := p.reply()
	var params struct {
		RequestID json.RawMessage `json:"requestId"`
		Reason    string          `json:"reason"`
	}
	if err := json.Unmarshal(n.Params, &params); err != nil || n.Method != "notifications/cancelled" ||
		!bytes.Equal(params.RequestID, req.ID) || params.Reason != "the user gave up" {
		t.Errorf("peer got %s %s, want notifications/cancelled for %s with the reason", n.Method, n.Params, req.ID)
	}
}

// TestCutShortIsCancelled checks that a request whose handler is ended by
// Close, or by the drain timeout after the peer closed its side, is
// answered -32800, not -32603 "context canceled".
func TestCutShortIsCancelled(t *testing.T) {
	t.Parallel()
	for _, how := range []string{"Close", "drain timeout"} {
		t.Run(how, func(t *testing.T) {
			t.Parallel()
			s, m := newCancelServer()
			c, p := serve(t, m, framers[0], conn.WithDrainTimeout(grace))
			p.send(`{"jsonrpc":"2.0","method":"block","id":1}`)
			recv(t, s.started, "the request to start")
			if how == "Close" {
				go c.Close()
			} else {
				p.end.CloseWrite()
			}
			e := wantError(t, p.reply(), "1", conn.CodeRequestCancelled)
			if !strings.Contains(e.Message, "closed") {
				t.Errorf("message %q does not say why", e.Message)
			}
		})
	}
}

// TestPreempt checks WithPreempt: the method is handled on the read path,
// while an exclusive handler runs and ahead of what waits in the queue; a
// request's reply goes at once; FromContext gives the connection.
func TestPreempt(t *testing.T) {
	t.Parallel()
	s, m := newCancelServer()
	m.Handle("excl", conn.WithMode(m, conn.Exclusive))
	var got atomic.Value
	pre := conn.HandlerFunc(func(ctx context.Context, req *conn.Request) (any, error) {
		if conn.FromContext(ctx) == nil {
			return nil, errors.New("no connection in the context")
		}
		got.Store(string(req.Params))
		return "pong", nil
	})
	_, p := serve(t, m, framers[0], conn.WithPreempt("ping", pre), conn.WithPreempt("progress/cancel", pre))
	p.send(`{"jsonrpc":"2.0","method":"block","id":1}`)
	recv(t, s.started, "block to start")
	p.send(`{"jsonrpc":"2.0","method":"tick"}`) // exclusive: waits for block
	p.send(`{"jsonrpc":"2.0","method":"progress/cancel","params":{"token":3}}`)
	p.send(`{"jsonrpc":"2.0","method":"ping","id":2}`)
	wantResult(t, p.reply(), "2", `"pong"`)
	if v, _ := got.Load().(string); v != "" {
		t.Errorf("the preempted request saw params %q", v)
	}
	close(s.gate)
	wantResult(t, p.reply(), "1", `"not cancelled"`)
}

// BenchmarkCancelManyRunning measures a cancellation while many requests
// run: the request is found by its id in a map, so the cost does not grow
// with the number running (it once walked a list of them).
func BenchmarkCancelManyRunning(b *testing.B) {
	for _, running := range []int{10, 10000} {
		b.Run(strconv.Itoa(running), func(b *testing.B) {
			gate := make(chan struct{})
			started := make(chan struct{}, running+b.N)
			m := conn.NewMux()
			m.HandleFunc("wait", func(ctx context.Context, _ *conn.Request) (any, error) {
				conn.Release(ctx)
				started <- struct{}{}
				select {
				case <-gate:
				case <-ctx.Done():
				}
				return nil, nil
			})
			_, p := serve(b, m, framers[0], conn.WithMaxRunning(running+b.N+1), conn.WithQueueLimit(running+b.N+1),
				conn.WithMaxConcurrency(running+b.N+1), conn.WithLogger(quietLog))
			var msgs bytes.Buffer
			for i := range running + b.N {
				msgs.Write(framers[0].frame([]byte(encodeMsg("wait", true, i+1))))
			}
			p.sendRaw(msgs.Bytes())
			for range running + b.N {
				<-started
			}
			msgs.Reset()
			for i := range b.N {
				msgs.Write(framers[0].frame([]byte(cancelMsg("$/cancelRequest", strconv.Itoa(i+1)))))
			}
			b.ResetTimer()
			p.sendRaw(msgs.Bytes())
			p.replies(b.N)
			b.StopTimer()
			close(gate)
			p.replies(running)
			time.Sleep(time.Millisecond)
		})
	}
}

package conn_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/lspkit/lspkit/conn"
)

// TestMiddlewareOrder checks that the first middleware is the outermost,
// across several WithMiddleware options, and that middleware sees the
// request and the result, and may answer itself.
func TestMiddlewareOrder(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var trace []string
	record := func(s string) {
		mu.Lock()
		trace = append(trace, s)
		mu.Unlock()
	}
	named := func(name string) conn.Middleware {
		return func(next conn.Handler) conn.Handler {
			return conn.HandlerFunc(func(ctx context.Context, req *conn.Request) (any, error) {
				record(name + " before " + req.Method)
				res, err := next.ServeRPC(ctx, req)
				record(fmt.Sprintf("%s after %v", name, res))
				return res, err
			})
		}
	}
	guard := func(next conn.Handler) conn.Handler {
		return conn.HandlerFunc(func(ctx context.Context, req *conn.Request) (any, error) {
			if req.Method == "forbidden" {
				return nil, conn.NewError(-32099, "not allowed")
			}
			return next.ServeRPC(ctx, req)
		})
	}
	m := conn.NewMux()
	m.HandleFunc("work", func(context.Context, *conn.Request) (any, error) {
		record("handler")
		return "done", nil
	})
	m.HandleFunc("forbidden", func(context.Context, *conn.Request) (any, error) {
		record("forbidden handler ran")
		return nil, nil
	})
	_, p := serve(t, m, framers[0], conn.WithMiddleware(named("a"), named("b")), conn.WithMiddleware(named("c"), guard))
	p.send(`{"jsonrpc":"2.0","method":"work","id":1}`)
	wantResult(t, p.reply(), "1", `"done"`)
	want := []string{"a before work", "b before work", "c before work", "handler", "c after done", "b after done", "a after done"}
	mu.Lock()
	got := slices.Clone(trace)
	trace = nil
	mu.Unlock()
	if !slices.Equal(got, want) {
		t.Errorf("trace\n%q\nwant\n%q", got, want)
	}
	p.send(`{"jsonrpc":"2.0","method":"forbidden","id":2}`)
	wantError(t, p.reply(), "2", -32099)
	mu.Lock()
	defer mu.Unlock()
	if slices.Contains(trace, "forbidden handler ran") {
		t.Error("the guard did not stop the handler")
	}
}

// TestMiddlewareKeepsModes checks that wrapping the handler in middleware
// does not hide the modes its Mux was registered with.
func TestMiddlewareKeepsModes(t *testing.T) {
	t.Parallel()
	gate := make(chan struct{})
	defer close(gate)
	started := make(chan string, 2)
	m := conn.NewMux()
	m.HandleFunc("slow", func(ctx context.Context, req *conn.Request) (any, error) {
		started <- "slow"
		select {
		case <-gate:
		case <-ctx.Done():
		}
		return nil, nil
	})
	m.Handle("progress", conn.WithMode(conn.HandlerFunc(func(context.Context, *conn.Request) (any, error) {
		started <- "progress"
		return nil, nil
	}), conn.Concurrent))
	passThrough := func(next conn.Handler) conn.Handler {
		return conn.HandlerFunc(func(ctx context.Context, req *conn.Request) (any, error) { return next.ServeRPC(ctx, req) })
	}
	_, p := serve(t, m, framers[0], conn.WithMiddleware(passThrough))
	p.send(`{"jsonrpc":"2.0","method":"slow","id":1}`)
	recv(t, started, "slow to start")
	p.send(`{"jsonrpc":"2.0","method":"progress"}`)
	if got := recv(t, started, "the concurrent notification to start beside the request"); got != "progress" {
		t.Errorf("started %q", got)
	}
}

// hookEvent is one message a hook saw.
type hookEvent struct {
	dir conn.Direction
	msg string
}

// recorder is a hook that records what it sees.
type recorder struct {
	mu     sync.Mutex
	events []hookEvent
}

func (r *recorder) hook(dir conn.Direction, msg []byte) {
	r.mu.Lock()
	r.events = append(r.events, hookEvent{dir, string(msg)}) // a copy: hooks must not keep msg
	r.mu.Unlock()
}

func (r *recorder) take() []hookEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	e := r.events
	r.events = nil
	return e
}

// TestHooks checks that hooks see every message in and out, with its
// direction, on both sides: calls, replies, notifications, batches, bad
// input and the errors it gets, and cancellations.
func TestHooks(t *testing.T) {
	t.Parallel()
	var server, server2, client recorder
	a, b := duplexPair()
	m := echoMux()
	m.HandleFunc("note", func(context.Context, *conn.Request) (any, error) { return nil, nil })
	startConn(t, a, m, conn.WithHook(server.hook), conn.WithHook(server2.hook))
	c := startConn(t, b, nil, conn.WithHook(client.hook))
	ctx := testCtx(t)
	if err := c.Call(ctx, "echo", []int{1}, nil); err != nil {
		t.Fatal(err)
	}
	if err := c.Notify(ctx, "note", map[string]int{"a": 1}); err != nil {
		t.Fatal(err)
	}
	if err := c.Batch(ctx, []*conn.BatchCall{{Method: "echo", Params: []int{2}}, {Method: "note", Notify: true}}); err != nil {
		t.Fatal(err)
	}
	if err := c.Call(ctx, "echo", []int{3}, nil); err != nil { // after the notifications: all seen by now
		t.Fatal(err)
	}
	type summary struct {
		dir  conn.Direction
		kind string
	}
	kinds := func(events []hookEvent) []summary {
		var out []summary
		for _, e := range events {
			if !json.Valid([]byte(e.msg)) {
				t.Errorf("hook saw invalid JSON %q", e.msg)
			}
			var probe struct {
				ID     json.RawMessage
				Method string
			}
			kind := "batch"
			if json.Unmarshal([]byte(e.msg), &probe) == nil {
				switch {
				case probe.Method != "" && probe.ID != nil:
					kind = "request " + probe.Method
				case probe.Method != "":
					kind = "notification " + probe.Method
				default:
					kind = "reply " + string(probe.ID)
				}
			}
			out = append(out, summary{e.dir, kind})
		}
		return out
	}
	wantClient := []summary{
		{conn.Out, "request echo"}, {conn.In, "reply 1"},
		{conn.Out, "notification note"},
		{conn.Out, "batch"}, {conn.In, "batch"},
		{conn.Out, "request echo"}, {conn.In, "reply 3"},
	}
	wantServer := []summary{
		{conn.In, "request echo"}, {conn.Out, "reply 1"},
		{conn.In, "notification note"},
		{conn.In, "batch"}, {conn.Out, "batch"},
		{conn.In, "request echo"}, {conn.Out, "reply 3"},
	}
	if got := kinds(client.take()); !slices.Equal(got, wantClient) {
		t.Errorf("client hook saw %v\nwant %v", got, wantClient)
	}
	got := kinds(server.take())
	if !slices.Equal(got, wantServer) {
		t.Errorf("server hook saw %v\nwant %v", got, wantServer)
	}
	if got2 := kinds(server2.take()); !slices.Equal(got2, got) {
		t.Errorf("the second hook saw %v, the first %v", got2, got)
	}
	if conn.In.String() != "in" || conn.Out.String() != "out" {
		t.Errorf("Direction strings %q %q", conn.In, conn.Out)
	}
}

// TestHooksSeeBadInputAndCancel checks that hooks see what the read path
// answers by itself, and the cancellations a Call sends.
func TestHooksSeeBadInputAndCancel(t *testing.T) {
	t.Parallel()
	var rec recorder
	c, p := serve(t, nil, framers[0], conn.WithHook(rec.hook))
	p.send(`not json`)
	p.reply()
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- c.Call(ctx, "x", nil, nil) }()
	p.reply()
	cancel()
	<-errc
	if m := p.reply(); m.Method != "$/cancelRequest" {
		t.Fatalf("peer got %+v", m)
	}
	want := []hookEvent{
		{conn.In, `not json`},
		{conn.Out, `{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}}`},
		{conn.Out, `{"jsonrpc":"2.0","id":1,"method":"x"}`},
		{conn.Out, `{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":1}}`},
	}
	if got := rec.take(); !slices.Equal(got, want) {
		t.Errorf("hook saw\n%v\nwant\n%v", got, want)
	}
}

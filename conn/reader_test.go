package conn_test

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"time"

	"github.com/lspkit/lspkit/conn"
)

// These tests cover the reader that runs a lone handler itself and reads on
// only after it (see read, in dispatch.go): whatever needs a message read
// while that handler runs must get it, by freeing the reader at once or by
// the watchdog.

// noWatchdog turns the watchdog off (one look an hour), to show that what
// must free the reader does so by itself.
var noWatchdog = conn.WithWatchPeriod(time.Hour)

// TestReaderFreedForHandler checks each way a lone handler can depend on a
// message that arrives after it: the message is read and the handler ends.
func TestReaderFreedForHandler(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// handle is the lone request's handler; started is closed when it
		// runs. It must end only once the later message has been read.
		handle func(ctx context.Context, started chan struct{}, unblock chan struct{}) (any, error)
		// then is what the peer sends once the handler has started: a
		// cancellation of id 1, or a request "unblock".
		then string
		opts []conn.Option
		want int64 // the error code of the reply to id 1; 0 for the result true
	}{
		{
			name: "waits on ctx.Done for a cancellation",
			handle: func(ctx context.Context, started, _ chan struct{}) (any, error) {
				close(started)
				<-ctx.Done()
				return nil, ctx.Err()
			},
			then: cancelMsg("$/cancelRequest", "1"),
			opts: []conn.Option{noWatchdog},
			want: conn.CodeRequestCancelled,
		},
		{
			name: "polls ctx.Err for a cancellation",
			handle: func(ctx context.Context, started, _ chan struct{}) (any, error) {
				close(started)
				for ctx.Err() == nil {
					runtime.Gosched()
				}
				return nil, ctx.Err()
			},
			then: cancelMsg("$/cancelRequest", "1"),
			opts: []conn.Option{noWatchdog},
			want: conn.CodeRequestCancelled,
		},
		{
			name: "a derived context is cancelled",
			handle: func(ctx context.Context, started, _ chan struct{}) (any, error) {
				ctx, cancel := context.WithTimeout(ctx, time.Hour)
				defer cancel()
				close(started)
				<-ctx.Done()
				return nil, ctx.Err()
			},
			then: cancelMsg("$/cancelRequest", "1"),
			opts: []conn.Option{noWatchdog},
			want: conn.CodeRequestCancelled,
		},
		{
			name: "Release lets the next request start",
			handle: func(ctx context.Context, started, unblock chan struct{}) (any, error) {
				conn.Release(ctx)
				close(started)
				<-unblock
				return true, nil
			},
			then: `{"jsonrpc":"2.0","method":"unblock","id":2}`,
			opts: []conn.Option{noWatchdog},
		},
		{
			name: "blocks on a channel only: the watchdog",
			handle: func(_ context.Context, started, unblock chan struct{}) (any, error) {
				close(started)
				<-unblock
				return true, nil
			},
			then: `{"jsonrpc":"2.0","method":"unblock","id":2}`,
		},
		{
			name: "spins without asking: the watchdog",
			handle: func(_ context.Context, started, unblock chan struct{}) (any, error) {
				close(started)
				for {
					select {
					case <-unblock:
						return true, nil
					default:
						runtime.Gosched()
					}
				}
			},
			then: `{"jsonrpc":"2.0","method":"unblock","id":2}`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			started, unblock := make(chan struct{}), make(chan struct{})
			m := conn.NewMux()
			m.HandleFunc("lone", func(ctx context.Context, _ *conn.Request) (any, error) {
				return tc.handle(ctx, started, unblock)
			})
			m.HandleFunc("unblock", func(context.Context, *conn.Request) (any, error) {
				close(unblock)
				return "unblocked", nil
			})
			_, p := serve(t, m, framers[0], tc.opts...)
			p.send(`{"jsonrpc":"2.0","method":"lone","id":1}`)
			closed(t, started, "the lone handler to start")
			p.send(tc.then)
			n := 1
			if tc.want == 0 {
				n = 2
			}
			rs := p.replies(n)
			if tc.want == 0 {
				wantResult(t, rs["2"], "2", `"unblocked"`)
				wantResult(t, rs["1"], "1", `true`)
			} else {
				wantError(t, rs["1"], "1", tc.want)
			}
		})
	}
}

// TestReaderFreedForCall checks that a lone handler that waits for a call
// of its own — made with a context other than the handler's, on another
// goroutine — gets the reply, with no watchdog to help.
func TestReaderFreedForCall(t *testing.T) {
	t.Parallel()
	m := conn.NewMux()
	m.HandleFunc("ask", func(ctx context.Context, _ *conn.Request) (any, error) {
		c := conn.FromContext(ctx)
		answer := make(chan string, 1)
		go func() {
			var s string
			if err := c.Call(context.Background(), "question", nil, &s); err != nil {
				s = err.Error()
			}
			answer <- s
		}()
		return <-answer, nil
	})
	_, p := serve(t, m, framers[0], noWatchdog)
	p.send(`{"jsonrpc":"2.0","method":"ask","id":1}`)
	q := p.reply()
	if q.Method != "question" {
		t.Fatalf("got %+v, want the call question", q)
	}
	p.send(`{"jsonrpc":"2.0","id":` + string(q.ID) + `,"result":"42"}`)
	wantResult(t, p.reply(), "1", `"42"`)
}

// TestHandlerContext checks what a handler sees of its context, made only
// when first asked for: values and deadline from the connection's context,
// no error while it runs, the cause of the connection's end, and that a
// context kept after the handler returned is done.
func TestHandlerContext(t *testing.T) {
	t.Parallel()
	type key struct{}
	deadline := time.Now().Add(time.Hour)
	parent, cancelParent := context.WithDeadline(context.WithValue(context.Background(), key{}, "v"), deadline)
	defer cancelParent()
	parent, stop := context.WithCancelCause(parent)
	defer stop(nil)

	kept := make(chan context.Context, 1)
	seen := make(chan error, 1)
	m := conn.NewMux()
	m.HandleFunc("look", func(ctx context.Context, _ *conn.Request) (any, error) {
		kept <- ctx
		d, ok := ctx.Deadline()
		return map[string]any{"value": ctx.Value(key{}), "deadline": ok && d.Equal(deadline), "err": ctx.Err() == nil}, nil
	})
	started := make(chan struct{})
	m.HandleFunc("wait", func(ctx context.Context, _ *conn.Request) (any, error) {
		close(started)
		<-ctx.Done()
		seen <- context.Cause(ctx)
		return nil, ctx.Err()
	})
	a, b := duplexPair()
	p := newPeer(t, b, framers[0])
	t.Cleanup(p.close)
	c := conn.New(parent, a, m, conn.WithLogger(quietLog))

	p.send(encodeMsg("look", true, 1))
	wantResult(t, p.reply(), "1", `{"deadline":true,"err":true,"value":"v"}`)
	after := recv(t, kept, "the handler's context")
	closed(t, after.Done(), "Done of a context kept after its handler returned")
	if !errors.Is(after.Err(), context.Canceled) {
		t.Errorf("Err of a kept context = %v, want context.Canceled", after.Err())
	}

	p.send(encodeMsg("wait", true, 2))
	closed(t, started, "the handler to start")
	why := errors.New("shutting down")
	stop(why)
	if got := recv(t, seen, "the handler's cause"); !errors.Is(got, why) {
		t.Errorf("context.Cause = %v, want %v", got, why)
	}
	closed(t, c.Done(), "the connection to end")
}

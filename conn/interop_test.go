package conn_test

// Interoperability with github.com/sourcegraph/jsonrpc2, the JSON-RPC
// library most Go users have today: each side talks to the other over real
// OS pipes with Content-Length framing, as an editor and a server would.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"reflect"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/lspkit/lspkit/conn"
	"github.com/lspkit/lspkit/samples/arith"
	"github.com/sourcegraph/jsonrpc2"
	"go.uber.org/goleak"
)

// interopWait bounds every wait of these tests; none of them should get
// anywhere near it.
const interopWait = 10 * time.Second

// interopPipe is one end of a duplex link made of two os.Pipe: it reads what
// the other end writes and writes what the other end reads.
type interopPipe struct {
	r, w *os.File
	once sync.Once
	err  error
}

func (p *interopPipe) Read(b []byte) (int, error)  { return p.r.Read(b) }
func (p *interopPipe) Write(b []byte) (int, error) { return p.w.Write(b) }

// Close closes both files; closing the read side unblocks a pending Read.
func (p *interopPipe) Close() error {
	p.once.Do(func() { p.err = errors.Join(p.r.Close(), p.w.Close()) })
	return p.err
}

// interopPipes returns the two ends of a duplex link over OS pipes.
func interopPipes(t *testing.T) (a, b *interopPipe) {
	t.Helper()
	ar, bw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	br, aw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	a, b = &interopPipe{r: ar, w: aw}, &interopPipe{r: br, w: bw}
	t.Cleanup(func() { a.Close(); b.Close() })
	return a, b
}

// interopLogs collects the logs of both libraries; a failed test prints them.
type interopLogs struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *interopLogs) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

// Printf makes a interopLogs a jsonrpc2.Logger.
func (s *interopLogs) Printf(format string, v ...any) {
	fmt.Fprintf(s, "sourcegraph: "+format, v...)
}

func (s *interopLogs) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

// interop is the common frame of one test: logs shown on failure, and no
// goroutine left behind at the end (checked after every other cleanup).
type interop struct {
	t    *testing.T
	ctx  context.Context
	logs *interopLogs
}

func newInterop(t *testing.T) *interop {
	logs := &interopLogs{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("logs:\n%s", logs)
		}
	})
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ignore) })
	ctx, cancel := context.WithTimeout(context.Background(), 2*interopWait)
	t.Cleanup(cancel)
	return &interop{t: t, ctx: ctx, logs: logs}
}

// lspkit starts an lspkit connection on rwc; the test closes it at the end.
func (e *interop) lspkit(rwc *interopPipe, h conn.Handler, opts ...conn.Option) *conn.Conn {
	logger := slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c := conn.New(e.ctx, rwc, h, append([]conn.Option{conn.WithLogger(logger)}, opts...)...)
	e.t.Cleanup(func() { c.Close() })
	return c
}

// sourcegraph starts a sourcegraph/jsonrpc2 connection on rwc with
// Content-Length framing; the test closes it at the end.
func (e *interop) sourcegraph(rwc *interopPipe, h jsonrpc2.Handler) *jsonrpc2.Conn {
	stream := jsonrpc2.NewBufferedStream(rwc, jsonrpc2.VSCodeObjectCodec{})
	c := jsonrpc2.NewConn(e.ctx, stream, h, jsonrpc2.SetLogger(e.logs))
	e.t.Cleanup(func() {
		c.Close()
		<-c.DisconnectNotify()
	})
	return c
}

// interopWaitDone waits for ch to close, at most interopWait.
func interopWaitDone(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(interopWait):
		t.Fatalf("timed out waiting for %s", what)
	}
}

// sgRefuseAll is a sourcegraph handler for a side that serves nothing.
var sgRefuseAll = jsonrpc2.HandlerWithError(func(_ context.Context, _ *jsonrpc2.Conn, req *jsonrpc2.Request) (any, error) {
	return nil, &jsonrpc2.Error{Code: jsonrpc2.CodeMethodNotFound, Message: "no methods here: " + req.Method}
})

// interopJSONEqual reports whether two JSON texts mean the same.
func interopJSONEqual(t *testing.T, got, want []byte) bool {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Errorf("invalid JSON %q: %v", got, err)
		return false
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatalf("invalid JSON %q in the test: %v", want, err)
	}
	return reflect.DeepEqual(g, w)
}

// interopForEach runs f(i) for i in [0, n) on n goroutines and waits for them.
func interopForEach(n int, f func(i int)) {
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { f(i) })
	}
	wg.Wait()
}

// sgError returns the *jsonrpc2.Error in err, failing the test if there is
// none.
func sgError(t *testing.T, err error) *jsonrpc2.Error {
	t.Helper()
	var je *jsonrpc2.Error
	if !errors.As(err, &je) {
		t.Fatalf("got error %v (%T), want a *jsonrpc2.Error", err, err)
	}
	return je
}

// TestInteropSourcegraphClient: a sourcegraph/jsonrpc2 client calls the
// arith plugin served by lspkit.
func TestInteropSourcegraphClient(t *testing.T) {
	e := newInterop(t)
	a, b := interopPipes(t)
	srv := e.lspkit(a, arith.New())
	cli := e.sourcegraph(b, sgRefuseAll)
	ctx := e.ctx

	calls := []struct {
		name   string
		method string
		params any
		want   string // the result as JSON
	}{
		{"subtract by position", "subtract", []int{42, 23}, `19`},
		{"subtract by position reversed", "subtract", []int{23, 42}, `-19`},
		{"subtract by name", "subtract", map[string]int{"subtrahend": 23, "minuend": 42}, `19`},
		{"divide by name", "divide", map[string]float64{"a": 7, "b": 2}, `3.5`},
		{"sum", "sum", []float64{1, 2, 4}, `7`},
		{"get_data without params", "get_data", nil, `["hello", 5]`},
		{"echo", "echo", map[string]any{"s": "h\u00e9llo \u2028 \U0001F600", "n": []any{1.5, nil, true}}, `{"s":"h\u00e9llo \u2028 \ud83d\ude00","n":[1.5,null,true]}`},
	}
	for _, tc := range calls {
		t.Run(tc.name, func(t *testing.T) {
			var got json.RawMessage
			if err := cli.Call(ctx, tc.method, tc.params, &got); err != nil {
				t.Fatalf("%s: %v", tc.method, err)
			}
			if !interopJSONEqual(t, got, []byte(tc.want)) {
				t.Errorf("%s(%v) = %s, want %s", tc.method, tc.params, got, tc.want)
			}
		})
	}

	t.Run("string ids", func(t *testing.T) {
		var got float64
		if err := cli.Call(ctx, "subtract", []int{5, 3}, &got, jsonrpc2.StringID()); err != nil {
			t.Fatal(err)
		}
		if got != 2 {
			t.Errorf("subtract = %v, want 2", got)
		}
		if err := cli.Call(ctx, "subtract", []int{5, 3}, &got, jsonrpc2.PickID(jsonrpc2.ID{Str: "ünïcode id", IsString: true})); err != nil {
			t.Fatal(err)
		}
	})

	errorCases := []struct {
		name   string
		method string
		params any
		code   int64
		data   string // expected data as JSON, or "" for none checked
	}{
		{"divide by zero", "divide", []float64{1, 0}, arith.CodeDivisionByZero, `{"dividend":1}`},
		{"unknown method", "no_such_method", []int{1}, jsonrpc2.CodeMethodNotFound, ""},
		{"params of the wrong type", "subtract", []string{"a", "b"}, jsonrpc2.CodeInvalidParams, ""},
		{"params neither object nor array", "subtract", "x", jsonrpc2.CodeInvalidRequest, ""},
		{"fail passes the error through", "fail", map[string]any{"code": 1234, "message": "as asked", "data": []int{1, 2}}, 1234, `[1,2]`},
	}
	for _, tc := range errorCases {
		t.Run(tc.name, func(t *testing.T) {
			var got json.RawMessage
			err := cli.Call(ctx, tc.method, tc.params, &got)
			if err == nil {
				t.Fatalf("%s: got result %s, want error %d", tc.method, got, tc.code)
			}
			je := sgError(t, err)
			if je.Code != tc.code || je.Message == "" {
				t.Errorf("%s: got error %d %q, want code %d and a message", tc.method, je.Code, je.Message, tc.code)
			}
			if tc.data != "" {
				if je.Data == nil {
					t.Fatalf("%s: error without data, want %s", tc.method, tc.data)
				}
				if !interopJSONEqual(t, *je.Data, []byte(tc.data)) {
					t.Errorf("%s: error data %s, want %s", tc.method, *je.Data, tc.data)
				}
			}
		})
	}

	t.Run("notifications", func(t *testing.T) {
		var before, after float64
		if err := cli.Call(ctx, "get_total", nil, &before); err != nil {
			t.Fatal(err)
		}
		for _, nums := range [][]float64{{1, 2, 3}, {10}, {0.5, 0.25}} {
			if err := cli.Notify(ctx, "notify_sum", nums); err != nil {
				t.Fatal(err)
			}
		}
		for range 5 {
			if err := cli.Notify(ctx, "tick", nil); err != nil {
				t.Fatal(err)
			}
		}
		// Notifications of unknown methods are ignored, not answered.
		if err := cli.Notify(ctx, "no_such_notification", []int{1}); err != nil {
			t.Fatal(err)
		}
		if err := cli.Call(ctx, "get_total", nil, &after); err != nil {
			t.Fatal(err)
		}
		if after-before != 16.75 {
			t.Errorf("get_total went from %v to %v, want +16.75", before, after)
		}
		var ticks int64
		if err := cli.Call(ctx, "count", nil, &ticks); err != nil {
			t.Fatal(err)
		}
		if ticks != 5 {
			t.Errorf("count = %d, want 5", ticks)
		}
	})

	t.Run("cancelled by the client", func(t *testing.T) {
		// sourcegraph/jsonrpc2 does not cancel by itself; a client sends
		// $/cancelRequest by hand, as LSP clients do.
		id := jsonrpc2.ID{Num: 1 << 40}
		w, err := cli.DispatchCall(ctx, "sleep", map[string]int{"ms": 60_000}, jsonrpc2.PickID(id))
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		if err := cli.Notify(ctx, "$/cancelRequest", map[string]any{"id": id}); err != nil {
			t.Fatal(err)
		}
		wctx, cancel := context.WithTimeout(ctx, interopWait)
		defer cancel()
		err = w.Wait(wctx, nil)
		if je := sgError(t, err); je.Code != conn.CodeRequestCancelled {
			t.Errorf("cancelled sleep: got error %d %q, want %d", je.Code, je.Message, conn.CodeRequestCancelled)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("the cancelled sleep was answered after %v", d)
		}
	})

	t.Run("concurrent", func(t *testing.T) {
		const n = 500
		interopForEach(n, func(i int) {
			var opts []jsonrpc2.CallOption
			if i%3 == 0 {
				opts = append(opts, jsonrpc2.StringID())
			}
			var got json.RawMessage
			var method, want string
			var params any
			switch i % 4 {
			case 0:
				method, params, want = "subtract", []int{i, 3}, strconv.Itoa(i-3)
			case 1:
				method, params, want = "subtract", map[string]int{"minuend": 3, "subtrahend": i}, strconv.Itoa(3-i)
			case 2:
				method, params, want = "sum", []int{i, i, i}, strconv.Itoa(3*i)
			case 3:
				method, params = "echo", map[string]any{"i": i, "s": strconv.Itoa(i)}
				want = fmt.Sprintf(`{"i":%d,"s":"%d"}`, i, i)
			}
			if err := cli.Call(ctx, method, params, &got, opts...); err != nil {
				t.Errorf("call %d %s: %v", i, method, err)
				return
			}
			if !interopJSONEqual(t, got, []byte(want)) {
				t.Errorf("call %d: %s(%v) = %s, want %s", i, method, params, got, want)
			}
		})
	})

	// The client hangs up: the server ends cleanly.
	if err := cli.Close(); err != nil {
		t.Errorf("closing the sourcegraph client: %v", err)
	}
	interopWaitDone(t, srv.Done(), "the lspkit server to end after the client closed")
	if err := srv.Err(); err != nil {
		t.Errorf("server ended with %v, want a clean end", err)
	}
}

// sgServer is a sourcegraph/jsonrpc2 server with a few methods, handled one
// at a time in the order received (HandlerWithError without AsyncHandler).
type sgServer struct {
	mu    sync.Mutex
	notes []string
}

func (s *sgServer) handle(_ context.Context, _ *jsonrpc2.Conn, req *jsonrpc2.Request) (any, error) {
	params := func(v any) error {
		if req.Params == nil {
			return &jsonrpc2.Error{Code: jsonrpc2.CodeInvalidParams, Message: "params required"}
		}
		if err := json.Unmarshal(*req.Params, v); err != nil {
			return &jsonrpc2.Error{Code: jsonrpc2.CodeInvalidParams, Message: err.Error()}
		}
		return nil
	}
	switch req.Method {
	case "add":
		var nums []float64
		if err := params(&nums); err != nil {
			return nil, err
		}
		var t float64
		for _, n := range nums {
			t += n
		}
		return t, nil
	case "greet":
		var p struct{ Name string }
		if err := params(&p); err != nil {
			return nil, err
		}
		return "hello, " + p.Name, nil
	case "note":
		var note string
		if err := params(&[]any{&note}); err != nil {
			return nil, err
		}
		s.mu.Lock()
		s.notes = append(s.notes, note)
		s.mu.Unlock()
		return nil, nil
	case "notes":
		s.mu.Lock()
		defer s.mu.Unlock()
		return append([]string{}, s.notes...), nil
	case "fail":
		data := json.RawMessage(`{"why":"asked","n":[1,2]}`)
		return nil, &jsonrpc2.Error{Code: -32042, Message: "it failed", Data: &data}
	case "plainfail":
		return nil, errors.New("boom")
	case "nothing":
		return nil, nil
	case "whoami":
		return req.ID, nil
	}
	return nil, &jsonrpc2.Error{Code: jsonrpc2.CodeMethodNotFound, Message: "method not found: " + req.Method}
}

// TestInteropSourcegraphServer: an lspkit client calls a sourcegraph/jsonrpc2
// server.
func TestInteropSourcegraphServer(t *testing.T) {
	e := newInterop(t)
	a, b := interopPipes(t)
	s := &sgServer{}
	srv := e.sourcegraph(a, jsonrpc2.HandlerWithError(s.handle))
	cli := e.lspkit(b, nil)
	ctx := e.ctx

	calls := []struct {
		name   string
		method string
		params any
		want   string
	}{
		{"by position", "add", []float64{1, 2, 3.5}, `6.5`},
		{"by name", "greet", map[string]string{"Name": "Ada"}, `"hello, Ada"`},
		{"null result", "nothing", nil, `null`},
	}
	for _, tc := range calls {
		t.Run(tc.name, func(t *testing.T) {
			var got json.RawMessage
			if err := cli.Call(ctx, tc.method, tc.params, &got); err != nil {
				t.Fatalf("%s: %v", tc.method, err)
			}
			if !interopJSONEqual(t, got, []byte(tc.want)) {
				t.Errorf("%s(%v) = %s, want %s", tc.method, tc.params, got, tc.want)
			}
		})
	}

	errorCases := []struct {
		name    string
		method  string
		code    int64
		message string // "" for any non-empty message
		data    string // "" for no data
	}{
		{"error with data", "fail", -32042, "it failed", `{"why":"asked","n":[1,2]}`},
		{"plain Go error", "plainfail", 0, "boom", ""},
		{"unknown method", "no_such_method", jsonrpc2.CodeMethodNotFound, "", ""},
		{"invalid params", "add", jsonrpc2.CodeInvalidParams, "", ""},
	}
	for _, tc := range errorCases {
		t.Run(tc.name, func(t *testing.T) {
			var params any
			if tc.method == "add" {
				params = map[string]string{"not": "numbers"}
			}
			err := cli.Call(ctx, tc.method, params, nil)
			var ce *conn.Error
			if !errors.As(err, &ce) {
				t.Fatalf("%s: got %v (%T), want an error wrapping *conn.Error", tc.method, err, err)
			}
			if ce.Code != tc.code || ce.Message == "" || tc.message != "" && ce.Message != tc.message {
				t.Errorf("%s: got error %d %q, want %d %q", tc.method, ce.Code, ce.Message, tc.code, tc.message)
			}
			if !errors.Is(err, conn.NewError(tc.code, "")) {
				t.Errorf("%s: errors.Is does not match code %d in %v", tc.method, tc.code, err)
			}
			switch {
			case tc.data == "" && len(ce.Data) != 0:
				t.Errorf("%s: unexpected data %s", tc.method, ce.Data)
			case tc.data != "" && !interopJSONEqual(t, ce.Data, []byte(tc.data)):
				t.Errorf("%s: data %s, want %s", tc.method, ce.Data, tc.data)
			}
		})
	}

	t.Run("notifications in order", func(t *testing.T) {
		want := []string{"a", "b", "c", "d", "é"}
		for _, n := range want {
			if err := cli.Notify(ctx, "note", []string{n}); err != nil {
				t.Fatal(err)
			}
		}
		var got []string
		if err := cli.Call(ctx, "notes", nil, &got); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("the server saw notes %q, want %q", got, want)
		}
	})

	t.Run("concurrent", func(t *testing.T) {
		const n = 500
		interopForEach(n, func(i int) {
			var got float64
			if err := cli.Call(ctx, "add", []int{i, i, 1}, &got); err != nil {
				t.Errorf("call %d: %v", i, err)
				return
			}
			if got != float64(2*i+1) {
				t.Errorf("add(%d, %d, 1) = %v", i, i, got)
			}
		})
	})

	// We hang up: the sourcegraph side sees the end of its input.
	if err := cli.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	interopWaitDone(t, srv.DisconnectNotify(), "the sourcegraph server to disconnect")
	if err := cli.Call(ctx, "add", []int{1}, nil); !errors.Is(err, conn.ErrClosed) {
		t.Errorf("Call after Close: got %v, want ErrClosed", err)
	}
}

// interopCollector records notifications numbered 0..n-1 and tells when all have
// come, each exactly once.
type interopCollector struct {
	name string
	n    int
	mu   sync.Mutex
	seen map[int]int
	dup  []int
	all  chan struct{}
}

func newInteropCollector(name string, n int) *interopCollector {
	return &interopCollector{name: name, n: n, seen: make(map[int]int), all: make(chan struct{})}
}

func (c *interopCollector) add(i float64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k := int(i)
	c.seen[k]++
	if c.seen[k] > 1 || k < 0 || k >= c.n || float64(k) != i {
		c.dup = append(c.dup, k)
		return
	}
	if len(c.seen) == c.n {
		close(c.all)
	}
}

func (c *interopCollector) check(t *testing.T) {
	t.Helper()
	select {
	case <-c.all:
	case <-time.After(interopWait):
		c.mu.Lock()
		defer c.mu.Unlock()
		t.Errorf("%s: got %d of %d notifications", c.name, len(c.seen), c.n)
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.dup) > 0 {
		t.Errorf("%s: duplicate or unexpected notifications %v", c.name, c.dup)
	}
}

// TestInteropBothWays: each side calls and notifies the other while
// handling the other's calls. The lspkit side's handlers reach the peer
// through conn.FromContext; the sourcegraph side handles asynchronously, as
// it must to make calls from handlers.
func TestInteropBothWays(t *testing.T) {
	// At most 6n = 900 requests and notifications reach the lspkit side,
	// under its default queue limit of 1024: beyond it, the known deadlock
	// of TestInteropHandlerCallWithFullQueue hangs this test.
	const n = 150
	e := newInterop(t)
	a, b := interopPipes(t)
	ctx := e.ctx

	lNotes, lPongs := newInteropCollector("notes at lspkit", n), newInteropCollector("pongs at lspkit", n)
	sNotes, sPongs := newInteropCollector("notes at sourcegraph", n), newInteropCollector("pongs at sourcegraph", n)

	mux := conn.NewMux()
	mux.Handle("L.square", conn.Typed(func(_ context.Context, x float64) (float64, error) { return x * x, nil }))
	mux.Handle("L.viaS", conn.Typed(func(ctx context.Context, x float64) (float64, error) {
		var d float64
		if err := conn.FromContext(ctx).Call(ctx, "S.double", []float64{x}, &d); err != nil {
			return 0, err
		}
		return d + 1, nil
	}))
	mux.Handle("L.note", conn.TypedNotification(func(_ context.Context, x float64) error { lNotes.add(x); return nil }))
	mux.Handle("L.pong", conn.TypedNotification(func(_ context.Context, x float64) error { lPongs.add(x); return nil }))
	mux.Handle("L.ping", conn.TypedNotification(func(ctx context.Context, x float64) error {
		return conn.FromContext(ctx).Notify(ctx, "S.pong", []float64{x})
	}))
	l := e.lspkit(a, mux)

	sHandler := func(ctx context.Context, c *jsonrpc2.Conn, req *jsonrpc2.Request) (any, error) {
		var p []float64
		if req.Params == nil || json.Unmarshal(*req.Params, &p) != nil || len(p) != 1 {
			return nil, &jsonrpc2.Error{Code: jsonrpc2.CodeInvalidParams, Message: "want [x]"}
		}
		x := p[0]
		switch req.Method {
		case "S.double":
			return 2 * x, nil
		case "S.viaL":
			var sq float64
			if err := c.Call(ctx, "L.square", []float64{x}, &sq); err != nil {
				return nil, err
			}
			return sq + 1, nil
		case "S.note":
			sNotes.add(x)
			return nil, nil
		case "S.pong":
			sPongs.add(x)
			return nil, nil
		case "S.ping":
			return nil, c.Notify(ctx, "L.pong", []float64{x})
		}
		return nil, &jsonrpc2.Error{Code: jsonrpc2.CodeMethodNotFound, Message: req.Method}
	}
	s := e.sourcegraph(b, jsonrpc2.AsyncHandler(jsonrpc2.HandlerWithError(sHandler)))

	// Every kind of traffic at once, from both sides.
	type job struct {
		name string
		do   func(i int) (got float64, want float64, err error)
	}
	call := func(f func(ctx context.Context, method string, params, result any) error, method string, want func(x float64) float64) func(int) (float64, float64, error) {
		return func(i int) (float64, float64, error) {
			var got float64
			err := f(ctx, method, []float64{float64(i)}, &got)
			return got, want(float64(i)), err
		}
	}
	sgCall := func(ctx context.Context, method string, params, result any) error {
		return s.Call(ctx, method, params, result)
	}
	notify := func(f func(ctx context.Context, method string, params any) error, method string) func(int) (float64, float64, error) {
		return func(i int) (float64, float64, error) {
			return 0, 0, f(ctx, method, []float64{float64(i)})
		}
	}
	sgNotify := func(ctx context.Context, method string, params any) error { return s.Notify(ctx, method, params) }
	jobs := []job{
		{"lspkit calls S.double", call(l.Call, "S.double", func(x float64) float64 { return 2 * x })},
		{"lspkit calls S.viaL", call(l.Call, "S.viaL", func(x float64) float64 { return x*x + 1 })},
		{"sourcegraph calls L.square", call(sgCall, "L.square", func(x float64) float64 { return x * x })},
		{"sourcegraph calls L.viaS", call(sgCall, "L.viaS", func(x float64) float64 { return 2*x + 1 })},
		{"lspkit notifies S.note", notify(l.Notify, "S.note")},
		{"lspkit notifies S.ping", notify(l.Notify, "S.ping")},
		{"sourcegraph notifies L.note", notify(sgNotify, "L.note")},
		{"sourcegraph notifies L.ping", notify(sgNotify, "L.ping")},
	}
	interopForEach(n*len(jobs), func(k int) {
		j, i := jobs[k%len(jobs)], k/len(jobs)
		got, want, err := j.do(i)
		if err != nil {
			t.Errorf("%s(%d): %v", j.name, i, err)
		} else if got != want {
			t.Errorf("%s(%d) = %v, want %v", j.name, i, got, want)
		}
	})
	for _, c := range []*interopCollector{lNotes, lPongs, sNotes, sPongs} {
		c.check(t)
	}

	if err := s.Close(); err != nil {
		t.Errorf("closing the sourcegraph side: %v", err)
	}
	interopWaitDone(t, l.Done(), "the lspkit side to end after its peer closed")
	if err := l.Err(); err != nil {
		t.Errorf("lspkit side ended with %v, want a clean end", err)
	}
}

// TestInteropCancel: when the context of an lspkit call ends, Call returns
// at once and the sourcegraph server is sent $/cancelRequest naming the
// call's id; the late reply is dropped and the connection goes on.
func TestInteropCancel(t *testing.T) {
	e := newInterop(t)
	a, b := interopPipes(t)
	ctx := e.ctx

	started := make(chan jsonrpc2.ID, 10)
	cancels := make(chan json.RawMessage, 10)
	release := make(chan struct{})
	var releaseOnce sync.Once
	t.Cleanup(func() { releaseOnce.Do(func() { close(release) }) })
	handler := func(ctx context.Context, _ *jsonrpc2.Conn, req *jsonrpc2.Request) (any, error) {
		switch req.Method {
		case "block":
			started <- req.ID
			select {
			case <-release:
			case <-ctx.Done():
			}
			return "late", nil
		case "$/cancelRequest":
			var p struct{ ID json.RawMessage }
			if req.Params != nil {
				_ = json.Unmarshal(*req.Params, &p)
			}
			cancels <- p.ID
			return nil, nil
		case "ping":
			return "pong", nil
		}
		return nil, &jsonrpc2.Error{Code: jsonrpc2.CodeMethodNotFound, Message: req.Method}
	}
	srv := e.sourcegraph(a, jsonrpc2.AsyncHandler(jsonrpc2.HandlerWithError(handler)))
	cli := e.lspkit(b, nil)

	cases := []struct {
		name    string
		ctx     func() (context.Context, context.CancelFunc)
		trigger func(cancel context.CancelFunc) // run once the server handles the call
		want    error
	}{
		{
			name: "deadline",
			ctx:  func() (context.Context, context.CancelFunc) { return context.WithTimeout(ctx, 150*time.Millisecond) },
			want: context.DeadlineExceeded,
		},
		{
			name:    "cancel",
			ctx:     func() (context.Context, context.CancelFunc) { return context.WithCancel(ctx) },
			trigger: func(cancel context.CancelFunc) { cancel() },
			want:    context.Canceled,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cctx, cancel := tc.ctx()
			defer cancel()
			if tc.trigger != nil {
				go func() {
					select {
					case id := <-started:
						started <- id // for the test below
						tc.trigger(cancel)
					case <-time.After(interopWait):
					}
				}()
			}
			start := time.Now()
			err := cli.Call(cctx, "block", nil, nil)
			elapsed := time.Since(start)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Call: got %v, want an error wrapping %v", err, tc.want)
			}
			if elapsed > time.Second+150*time.Millisecond {
				t.Errorf("Call returned %v after it was started, want promptly", elapsed)
			}
			var id jsonrpc2.ID
			select {
			case id = <-started:
			case <-time.After(interopWait):
				t.Fatal("the server never received the call")
			}
			select {
			case raw := <-cancels:
				if string(raw) != id.String() {
					t.Errorf("$/cancelRequest named id %s, want %s", raw, id)
				}
			case <-time.After(interopWait):
				t.Fatalf("the server never received $/cancelRequest for id %s", id)
			}
		})
	}

	// The blocked handlers now reply; lspkit drops the late replies and the
	// connection goes on.
	releaseOnce.Do(func() { close(release) })
	for range 3 {
		var got string
		if err := cli.Call(ctx, "ping", nil, &got); err != nil || got != "pong" {
			t.Fatalf("ping after the cancellations: %q, %v", got, err)
		}
	}
	if err := cli.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	interopWaitDone(t, srv.DisconnectNotify(), "the sourcegraph server to disconnect")
}

// TestInteropHandlerCallWithFullQueue: a handler that calls its peer must
// get the reply even when the peer, meanwhile, sends more messages than the
// queue holds. The queue fills with notifications that wait (as they must)
// for the running handler; the reply comes after them on the stream, and is
// read because a full queue keeps reading while a call of ours is pending
// (up to eight times its limit; see the conn package doc).
func TestInteropHandlerCallWithFullQueue(t *testing.T) {
	const queueLimit = 4
	e := newInterop(t)
	a, b := interopPipes(t)
	ctx := e.ctx

	askStarted, proceed := make(chan struct{}), make(chan struct{})
	mux := conn.NewMux()
	mux.Handle("ask", conn.Typed(func(ctx context.Context, _ json.RawMessage) (float64, error) {
		close(askStarted)
		select {
		case <-proceed:
		case <-ctx.Done():
			return 0, ctx.Err()
		}
		var v float64
		err := conn.FromContext(ctx).Call(ctx, "answer", nil, &v)
		return v, err
	}))
	mux.Handle("note", conn.TypedNotification(func(context.Context, json.RawMessage) error { return nil }))
	l := e.lspkit(a, mux, conn.WithQueueLimit(queueLimit))
	s := e.sourcegraph(b, jsonrpc2.AsyncHandler(jsonrpc2.HandlerWithError(
		func(_ context.Context, _ *jsonrpc2.Conn, req *jsonrpc2.Request) (any, error) {
			if req.Method == "answer" {
				return 42, nil
			}
			return nil, &jsonrpc2.Error{Code: jsonrpc2.CodeMethodNotFound, Message: req.Method}
		})))

	type result struct {
		v   float64
		err error
	}
	done := make(chan result, 1)
	go func() {
		var r result
		r.err = s.Call(ctx, "ask", nil, &r.v)
		done <- r
	}()
	interopWaitDone(t, askStarted, "ask to start")
	// More notifications than the queue holds; they wait behind ask.
	for i := range 2 * queueLimit {
		if err := s.Notify(ctx, "note", []int{i}); err != nil {
			t.Fatal(err)
		}
	}
	close(proceed) // ask now calls back; the reply comes after the notes
	select {
	case r := <-done:
		if r.err != nil || r.v != 42 {
			t.Errorf("ask = %v, %v; want 42", r.v, r.err)
		}
	case <-time.After(5 * time.Second):
		t.Errorf("deadlock: the handler's call never got its reply")
		l.Close() // cancels ask; then the sourcegraph call fails
		s.Close()
		<-done
	}
}

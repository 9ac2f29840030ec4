package wsrpc_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/lspkit/lspkit/conn"
	"github.com/lspkit/lspkit/conn/wsrpc"
	"github.com/lspkit/lspkit/samples/arith"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// wait bounds every wait of these tests; none should come near it.
const wait = 10 * time.Second

var quiet = slog.New(slog.DiscardHandler)

// server serves h on a loopback listener (httptest listens on 127.0.0.1)
// and returns its ws:// URL. The server, and the handler's connections,
// stop with the test.
func server(t *testing.T, h *wsrpc.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(func() {
		h.Close()
		srv.Close()
	})
	return "ws" + strings.TrimPrefix(srv.URL, "http")
}

func dial(t *testing.T, url string, h conn.Handler, opts ...wsrpc.Option) *conn.Conn {
	t.Helper()
	// Dial's context bounds the connection too: the test's cleanup ends it.
	c, err := wsrpc.Dial(context.Background(), url, h, append([]wsrpc.Option{wsrpc.WithLogger(quiet), wsrpc.WithConnOptions(conn.WithLogger(quiet))}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func waitFor(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(wait):
		t.Fatalf("timed out waiting for %s", what)
	}
}

// TestBothWays has a client and a server call and notify each other over
// one WebSocket: the server's handler calls the client back while it
// handles, and pushes to it afterwards.
func TestBothWays(t *testing.T) {
	pushed := make(chan string, 10)
	serverMux := func() conn.Handler {
		m := arith.New()
		m.HandleFunc("greet", func(ctx context.Context, req *conn.Request) (any, error) {
			client := conn.FromContext(ctx)
			var name string
			if err := client.Call(ctx, "client.name", nil, &name); err != nil {
				return nil, err
			}
			if err := client.Notify(ctx, "client.log", []string{"greeting " + name}); err != nil {
				return nil, err
			}
			// A push after the reply, from outside any handler.
			go func() {
				time.Sleep(10 * time.Millisecond)
				client.Notify(context.Background(), "client.log", []string{"later"})
			}()
			if r := wsrpc.Request(ctx); r == nil || r.Header.Get("X-Test") != "yes" {
				return nil, errors.New("the handler does not see the HTTP request")
			}
			return "hello, " + name, nil
		})
		return m
	}
	url := server(t, wsrpc.NewHandler(serverMux, wsrpc.WithLogger(quiet), wsrpc.WithConnOptions(conn.WithLogger(quiet))))

	clientMux := conn.NewMux()
	clientMux.Handle("client.name", conn.Typed(func(context.Context, json.RawMessage) (string, error) { return "ada", nil }))
	clientMux.Handle("client.log", conn.TypedNotification(func(_ context.Context, p []string) error {
		pushed <- p[0]
		return nil
	}))
	c := dial(t, url, clientMux, wsrpc.WithHeader(http.Header{"X-Test": {"yes"}}))

	ctx := context.Background()
	var got string
	if err := c.Call(ctx, "greet", nil, &got); err != nil || got != "hello, ada" {
		t.Fatalf("greet: %q, %v", got, err)
	}
	for _, want := range []string{"greeting ada", "later"} {
		select {
		case p := <-pushed:
			if p != want {
				t.Errorf("push %q, want %q", p, want)
			}
		case <-time.After(wait):
			t.Fatalf("no push %q", want)
		}
	}

	// Many calls at once, notifications and a batch, over the one socket.
	var wg sync.WaitGroup
	var failed atomic.Int32
	for i := range 50 {
		wg.Go(func() {
			var sum float64
			if err := c.Call(ctx, "sum", []int{i, i}, &sum); err != nil || sum != float64(2*i) {
				failed.Add(1)
			}
		})
	}
	wg.Wait()
	if n := failed.Load(); n > 0 {
		t.Errorf("%d of 50 calls failed", n)
	}
	if err := c.Notify(ctx, "notify_sum", []int{5, 6}); err != nil {
		t.Fatal(err)
	}
	var total, prod float64
	calls := []*conn.BatchCall{
		{Method: "get_total", Result: &total},
		{Method: "multiply", Params: []int{6, 7}, Result: &prod},
		{Method: "nope"},
	}
	if err := c.Batch(ctx, calls); err != nil {
		t.Fatal(err)
	}
	if total != 11 || prod != 42 || !errors.Is(calls[2].Err, conn.NewError(conn.CodeMethodNotFound, "")) {
		t.Errorf("batch: %v %v %v", total, prod, calls[2].Err)
	}
}

// TestCleanClose checks the close handshake both ways: a client's Close
// ends the server's connection cleanly, and the server's (Handler.Close)
// sends the client a close frame with status 1000.
func TestCleanClose(t *testing.T) {
	ended := make(chan error, 1)
	h := wsrpc.NewHandler(func() conn.Handler { return arith.New() }, wsrpc.WithLogger(quiet))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r)
		ended <- nil
	}))
	defer srv.Close()
	defer h.Close()
	url := "ws" + strings.TrimPrefix(srv.URL, "http")

	// Our client closes: the server's connection ends.
	c := dial(t, url, nil)
	if err := c.Call(context.Background(), "sum", []int{1}, nil); err != nil {
		t.Fatal(err)
	}
	c.Close()
	if c.Err() != nil {
		t.Errorf("client: %v", c.Err())
	}
	select {
	case <-ended:
	case <-time.After(wait):
		t.Fatal("the server's connection did not end")
	}

	// The server closes: a raw WebSocket client sees status 1000.
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	raw, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.CloseNow()
	if err := raw.Write(ctx, websocket.MessageText, []byte(`{"jsonrpc":"2.0","id":1,"method":"sum","params":[2,3]}`)); err != nil {
		t.Fatal(err)
	}
	typ, msg, err := raw.Read(ctx)
	if err != nil || typ != websocket.MessageText || string(msg) != `{"jsonrpc":"2.0","id":1,"result":5}` {
		t.Fatalf("reply: %v %s %v", typ, msg, err)
	}
	go h.Close()
	_, _, err = raw.Read(ctx)
	if websocket.CloseStatus(err) != websocket.StatusNormalClosure {
		t.Errorf("after Handler.Close: %v, want a normal closure", err)
	}
	<-ended

	// A closed Handler refuses new connections.
	if _, err := wsrpc.Dial(ctx, url, nil); err == nil || !strings.Contains(err.Error(), "503") {
		t.Errorf("dial after Close: %v", err)
	}
}

// TestKeepalive checks that pings keep an idle connection alive, and that
// a peer that stops answering them is dropped.
func TestKeepalive(t *testing.T) {
	ended := make(chan struct{})
	h := wsrpc.NewHandler(func() conn.Handler { return arith.New() }, wsrpc.WithPingInterval(30*time.Millisecond), wsrpc.WithLogger(quiet))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r)
		ended <- struct{}{}
	}))
	defer srv.Close()
	defer h.Close()
	url := "ws" + strings.TrimPrefix(srv.URL, "http")

	// Idle for many intervals, pinging both ways: still alive.
	c := dial(t, url, nil, wsrpc.WithPingInterval(30*time.Millisecond))
	time.Sleep(300 * time.Millisecond)
	if err := c.Call(context.Background(), "sum", []int{1}, nil); err != nil {
		t.Fatalf("after idling: %v", err)
	}
	c.Close()
	waitFor(t, ended, "the server's connection to end")

	// A client that never reads never answers a ping: the server drops it.
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	raw, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.CloseNow()
	start := time.Now()
	waitFor(t, ended, "the server to drop a client that does not answer pings")
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("dropped after %v", d)
	}
}

// TestTooLarge checks that a message over the limit is answered with an
// error and skipped, and that the connection goes on.
func TestTooLarge(t *testing.T) {
	url := server(t, wsrpc.NewHandler(func() conn.Handler { return arith.New() },
		wsrpc.WithMaxMessageSize(200), wsrpc.WithLogger(quiet), wsrpc.WithConnOptions(conn.WithLogger(quiet))))
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	raw, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.CloseNow()
	big := `{"jsonrpc":"2.0","id":1,"method":"echo","params":["` + strings.Repeat("x", 100_000) + `"]}`
	if err := raw.Write(ctx, websocket.MessageText, []byte(big)); err != nil {
		t.Fatal(err)
	}
	_, msg, err := raw.Read(ctx)
	var r struct {
		Error *conn.Error `json:"error"`
	}
	if err != nil || json.Unmarshal(msg, &r) != nil || r.Error == nil || r.Error.Code != conn.CodeInvalidRequest {
		t.Fatalf("too large: %s %v", msg, err)
	}
	if err := raw.Write(ctx, websocket.MessageText, []byte(`{"jsonrpc":"2.0","id":2,"method":"sum","params":[1,2]}`)); err != nil {
		t.Fatal(err)
	}
	if _, msg, err := raw.Read(ctx); err != nil || string(msg) != `{"jsonrpc":"2.0","id":2,"result":3}` {
		t.Errorf("after: %s %v", msg, err)
	}
	raw.Close(websocket.StatusNormalClosure, "")
}

// TestNotWebSocket checks that a plain HTTP request is refused.
func TestNotWebSocket(t *testing.T) {
	url := server(t, wsrpc.NewHandler(func() conn.Handler { return arith.New() }, wsrpc.WithLogger(quiet)))
	resp, err := http.Get("http" + strings.TrimPrefix(url, "ws"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 4 {
		t.Errorf("status %d", resp.StatusCode)
	}
}

// TestDialContext checks that the context given to Dial bounds the
// connection.
func TestDialContext(t *testing.T) {
	url := server(t, wsrpc.NewHandler(func() conn.Handler { return arith.New() }, wsrpc.WithLogger(quiet)))
	ctx, cancel := context.WithCancel(context.Background())
	c, err := wsrpc.Dial(ctx, url, nil, wsrpc.WithLogger(quiet))
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	select {
	case <-c.Done():
	case <-time.After(wait):
		t.Fatal("the connection outlived its context")
	}
	if _, err := wsrpc.Dial(context.Background(), "ws://127.0.0.1:1/", nil); err == nil {
		t.Error("dialing a closed port: no error")
	}
}

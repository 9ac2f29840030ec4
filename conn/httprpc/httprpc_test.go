package httprpc_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lspkit/lspkit/conn"
	"github.com/lspkit/lspkit/conn/httprpc"
	"github.com/lspkit/lspkit/samples/arith"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// wait bounds every wait of these tests; none should come near it.
const wait = 10 * time.Second

// newHandler is httprpc.NewHandler with the connections' logs silenced:
// these tests send bad input on purpose.
func newHandler(h conn.Handler, opts ...httprpc.Option) *httprpc.Handler {
	quiet := httprpc.WithConnOptions(conn.WithLogger(slog.New(slog.DiscardHandler)))
	return httprpc.NewHandler(h, append([]httprpc.Option{quiet}, opts...)...)
}

// serve starts a loopback HTTP server (httptest listens on 127.0.0.1) for h
// and returns its URL; it stops with the test.
func serve(t *testing.T, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

type reply struct {
	status int
	header http.Header
	body   []byte
}

// post sends body with the given Content-Type ("-" for none).
func post(t *testing.T, url, contentType, body string, header ...string) reply {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "-" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return reply{resp.StatusCode, resp.Header, b}
}

// normalize makes a reply comparable by meaning: error messages (free text,
// but required) become "", error data goes, and a batch is sorted.
func normalize(t *testing.T, v any) any {
	t.Helper()
	switch v := v.(type) {
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = normalize(t, e)
		}
		slices.SortFunc(out, func(a, b any) int {
			ja, _ := json.Marshal(a)
			jb, _ := json.Marshal(b)
			return bytes.Compare(ja, jb)
		})
		return out
	case map[string]any:
		if e, ok := v["error"].(map[string]any); ok {
			if m, _ := e["message"].(string); m == "" {
				t.Errorf("error without a message: %v", e)
			}
			v["error"] = map[string]any{"code": e["code"], "message": ""}
		}
		return v
	}
	return v
}

func sameJSON(t *testing.T, got []byte, want any) bool {
	t.Helper()
	var g any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Errorf("reply is not JSON: %v: %s", err, got)
		return false
	}
	w := want
	if b, ok := want.([]byte); ok {
		if err := json.Unmarshal(b, &w); err != nil {
			t.Fatal(err)
		}
	}
	return reflect.DeepEqual(normalize(t, g), normalize(t, w))
}

// TestSpecExamples sends every example of the JSON-RPC 2.0 specification
// over HTTP to arith.
func TestSpecExamples(t *testing.T) {
	raw, err := os.ReadFile("../../testdata/jsonrpc/jsonrpc-spec-examples.json")
	if err != nil {
		t.Fatal(err)
	}
	var spec struct {
		Cases []struct {
			Name   string          `json:"name"`
			Send   string          `json:"send"`
			Expect json.RawMessage `json:"expect"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(raw, &spec); err != nil {
		t.Fatal(err)
	}
	if len(spec.Cases) == 0 {
		t.Fatal("no cases")
	}
	url := serve(t, newHandler(arith.New()))
	for _, c := range spec.Cases {
		t.Run(c.Name, func(t *testing.T) {
			r := post(t, url, "application/json", c.Send)
			if string(c.Expect) == "null" {
				if r.status != http.StatusNoContent || len(r.body) != 0 {
					t.Errorf("got %d %q, want 204 and no body", r.status, r.body)
				}
				return
			}
			if r.status != http.StatusOK {
				t.Errorf("status %d, want 200", r.status)
			}
			if ct := r.header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
			if !sameJSON(t, r.body, []byte(c.Expect)) {
				t.Errorf("got  %s\nwant %s", r.body, c.Expect)
			}
		})
	}
}

// errorCode returns the code of a single error reply, or 0.
func errorCode(t *testing.T, body []byte) int64 {
	t.Helper()
	var r struct {
		Error *conn.Error `json:"error"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		t.Fatalf("reply is not a JSON object: %v: %s", err, body)
	}
	if r.Error == nil {
		return 0
	}
	return r.Error.Code
}

func TestMethodNotAllowed(t *testing.T) {
	url := serve(t, newHandler(arith.New()))
	for _, m := range []string{http.MethodGet, http.MethodPut, http.MethodDelete} {
		req, _ := http.NewRequest(m, url, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "POST" {
			t.Errorf("%s: %d, Allow %q; want 405, POST", m, resp.StatusCode, resp.Header.Get("Allow"))
		}
		if code := errorCode(t, body); code != conn.CodeInvalidRequest {
			t.Errorf("%s: error code %d", m, code)
		}
	}
}

func TestContentType(t *testing.T) {
	url := serve(t, newHandler(arith.New()))
	const call = `{"jsonrpc":"2.0","id":1,"method":"sum","params":[1,2]}`
	for _, c := range []struct {
		ct   string
		want int
	}{
		{"application/json", 200},
		{"application/json; charset=utf-8", 200},
		{"Application/JSON;charset=UTF-8", 200},
		{"application/json-rpc", 200},
		{"-", 200}, // no Content-Type: taken as JSON
		{"application/json; charset=iso-8859-1", 415},
		{"text/plain", 415},
		{"application/x-www-form-urlencoded", 415},
		{"application/xml", 415},
		{"garbage;;", 415},
	} {
		r := post(t, url, c.ct, call)
		if r.status != c.want {
			t.Errorf("Content-Type %q: %d, want %d (%s)", c.ct, r.status, c.want, r.body)
		}
		if c.want == 415 && errorCode(t, r.body) != conn.CodeInvalidRequest {
			t.Errorf("Content-Type %q: body %s", c.ct, r.body)
		}
	}
}

func TestTooLarge(t *testing.T) {
	url := serve(t, newHandler(arith.New(), httprpc.WithMaxBodySize(100)))
	fits := `{"jsonrpc":"2.0","id":1,"method":"echo","params":["` + strings.Repeat("x", 100-54) + `"]}`
	if len(fits) != 100 {
		t.Fatalf("fits is %d bytes", len(fits))
	}
	if r := post(t, url, "application/json", fits); r.status != 200 {
		t.Errorf("100 bytes: %d %s", r.status, r.body)
	}
	big := `{"jsonrpc":"2.0","id":1,"method":"echo","params":["` + strings.Repeat("x", 1000) + `"]}`
	r := post(t, url, "application/json", big)
	if r.status != http.StatusRequestEntityTooLarge {
		t.Errorf("over the limit: %d, want 413", r.status)
	}
	if errorCode(t, r.body) != conn.CodeInvalidRequest {
		t.Errorf("body %s", r.body)
	}
}

func TestStatusMapping(t *testing.T) {
	cases := []struct {
		name, send string
		code       int64 // of the error reply; 0 for a result
		mapped     int   // the status with mapping on
	}{
		{"result", `{"jsonrpc":"2.0","id":1,"method":"subtract","params":[42,23]}`, 0, 200},
		{"parse error", `{"jsonrpc":"2.0",`, conn.CodeParseError, 400},
		{"invalid request", `{"jsonrpc":"2.0","id":1,"method":1}`, conn.CodeInvalidRequest, 400},
		{"method not found", `{"jsonrpc":"2.0","id":1,"method":"nope"}`, conn.CodeMethodNotFound, 404},
		{"invalid params", `{"jsonrpc":"2.0","id":1,"method":"subtract","params":["a","b"]}`, conn.CodeInvalidParams, 400},
		{"internal error", `{"jsonrpc":"2.0","id":1,"method":"fail","params":{"code":-32603,"message":"boom"}}`, conn.CodeInternalError, 500},
		{"server error", `{"jsonrpc":"2.0","id":1,"method":"divide","params":[1,0]}`, arith.CodeDivisionByZero, 500},
		{"server error -32099", `{"jsonrpc":"2.0","id":1,"method":"fail","params":{"code":-32099,"message":"x"}}`, -32099, 500},
		{"application error", `{"jsonrpc":"2.0","id":1,"method":"fail","params":{"code":7,"message":"x"}}`, 7, 500},
		{"batch with errors", `[{"jsonrpc":"2.0","id":1,"method":"nope"},{"jsonrpc":"2.0","id":2,"method":"sum","params":[1]}]`, -1, 200},
		{"empty batch", `[]`, conn.CodeInvalidRequest, 400},
	}
	for _, mapping := range []bool{false, true} {
		var opts []httprpc.Option
		if mapping {
			opts = append(opts, httprpc.WithStatusMapping(nil))
		}
		url := serve(t, newHandler(arith.New(), opts...))
		for _, c := range cases {
			r := post(t, url, "application/json", c.send)
			want := 200
			if mapping {
				want = c.mapped
			}
			if r.status != want {
				t.Errorf("mapping %v, %s: status %d, want %d (%s)", mapping, c.name, r.status, want, r.body)
			}
			if c.code >= 0 || c.code < -1 {
				if got := errorCode(t, r.body); got != c.code {
					t.Errorf("mapping %v, %s: code %d, want %d", mapping, c.name, got, c.code)
				}
			}
		}
		if r := post(t, url, "application/json", `{"jsonrpc":"2.0","method":"tick"}`); r.status != 204 {
			t.Errorf("mapping %v, notification: %d", mapping, r.status)
		}
	}
	if got := httprpc.StatusForCode(httprpc.CodeUnauthorized); got != 401 {
		t.Errorf("unauthorized: %d", got)
	}
	if got := httprpc.StatusForCode(httprpc.CodeRateLimited); got != 429 {
		t.Errorf("rate limited: %d", got)
	}
	custom := serve(t, newHandler(arith.New(), httprpc.WithStatusMapping(func(int64) int { return 418 })))
	if r := post(t, custom, "application/json", `{"jsonrpc":"2.0","id":1,"method":"nope"}`); r.status != 418 {
		t.Errorf("custom mapping: %d", r.status)
	}
}

// TestClientGoneEndsHandler checks that a handler's context ends when its
// HTTP client goes away.
func TestClientGoneEndsHandler(t *testing.T) {
	started, ended := make(chan struct{}), make(chan error, 1)
	mux := conn.NewMux()
	mux.HandleFunc("block", func(ctx context.Context, _ *conn.Request) (any, error) {
		close(started)
		select {
		case <-ctx.Done():
			ended <- ctx.Err()
		case <-time.After(wait):
			ended <- errors.New("the handler's context did not end")
		}
		return nil, ctx.Err()
	})
	url := serve(t, newHandler(mux))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- httprpc.NewClient(url).Call(ctx, "block", nil, nil)
	}()
	<-started
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("call: %v", err)
	}
	if err := <-ended; !errors.Is(err, context.Canceled) {
		t.Error(err)
	}
}

func TestTimeout(t *testing.T) {
	url := serve(t, newHandler(arith.New(), httprpc.WithTimeout(50*time.Millisecond)))
	start := time.Now()
	r := post(t, url, "application/json", `{"jsonrpc":"2.0","id":1,"method":"sleep","params":{"ms":5000}}`)
	if time.Since(start) > 3*time.Second || r.status != 200 || errorCode(t, r.body) == 0 {
		t.Errorf("after %v: %d %s", time.Since(start), r.status, r.body)
	}
}

// TestHandlerSees checks what a handler gets over HTTP: the request, and
// notifications it sends are dropped without disturbing its reply.
func TestHandlerSees(t *testing.T) {
	mux := conn.NewMux()
	mux.HandleFunc("whoami", func(ctx context.Context, _ *conn.Request) (any, error) {
		if err := conn.FromContext(ctx).Notify(ctx, "progress", []int{50}); err != nil {
			return nil, err
		}
		if err := conn.FromContext(ctx).Call(ctx, "back", nil, nil); !errors.Is(err, conn.ErrClosed) {
			return nil, fmt.Errorf("calling back over HTTP: %v", err)
		}
		r := httprpc.Request(ctx)
		if r == nil {
			return nil, errors.New("no request")
		}
		return r.Header.Get("X-User"), nil
	})
	url := serve(t, newHandler(mux))
	r := post(t, url, "application/json", `{"jsonrpc":"2.0","id":1,"method":"whoami"}`, "X-User", "ada")
	if !sameJSON(t, r.body, []byte(`{"jsonrpc":"2.0","id":1,"result":"ada"}`)) {
		t.Errorf("got %d %s", r.status, r.body)
	}
}

func TestClient(t *testing.T) {
	for _, mapping := range []bool{false, true} {
		var opts []httprpc.Option
		if mapping {
			opts = append(opts, httprpc.WithStatusMapping(nil))
		}
		c := httprpc.NewClient(serve(t, newHandler(arith.New(), opts...)) + "/")
		ctx := context.Background()

		var diff float64
		if err := c.Call(ctx, "subtract", []int{42, 23}, &diff); err != nil || diff != 19 {
			t.Errorf("subtract: %v, %v", diff, err)
		}
		var raw json.RawMessage
		if err := c.Call(ctx, "get_data", nil, &raw); err != nil || string(raw) != `["hello",5]` {
			t.Errorf("get_data: %s, %v", raw, err)
		}
		err := c.Call(ctx, "divide", map[string]int{"a": 1, "b": 0}, nil)
		if e, ok := errors.AsType[*conn.Error](err); !ok || e.Code != arith.CodeDivisionByZero {
			t.Errorf("divide by zero: %v", err)
		}
		if err := c.Call(ctx, "nope", nil, nil); !errors.Is(err, conn.NewError(conn.CodeMethodNotFound, "")) {
			t.Errorf("unknown method: %v", err)
		}
		if err := c.Call(ctx, "sum", 3, nil); err == nil {
			t.Error("params 3: no error")
		}

		if err := c.Notify(ctx, "notify_sum", []int{1, 2, 3}); err != nil {
			t.Error(err)
		}
		var total float64
		if err := c.Call(ctx, "get_total", nil, &total); err != nil || total != 6 {
			t.Errorf("get_total: %v, %v", total, err)
		}

		var sum, prod float64
		calls := []*conn.BatchCall{
			{Method: "sum", Params: []int{1, 2, 4}, Result: &sum},
			{Method: "notify_sum", Params: []int{10}, Notify: true},
			{Method: "multiply", Params: []int{6, 7}, Result: &prod},
			{Method: "nope"},
		}
		if err := c.Batch(ctx, calls); err != nil {
			t.Fatal(err)
		}
		if sum != 7 || prod != 42 || calls[0].Err != nil || calls[2].Err != nil || calls[1].Err != nil {
			t.Errorf("batch: %v %v %v %v %v", sum, prod, calls[0].Err, calls[1].Err, calls[2].Err)
		}
		if !errors.Is(calls[3].Err, conn.NewError(conn.CodeMethodNotFound, "")) {
			t.Errorf("batch, unknown method: %v", calls[3].Err)
		}
		if err := c.Batch(ctx, []*conn.BatchCall{{Method: "tick", Notify: true}, {Method: "tick", Notify: true}}); err != nil {
			t.Error(err)
		}
		var ticks int
		if err := c.Call(ctx, "count", nil, &ticks); err != nil || ticks != 2 {
			t.Errorf("count: %v, %v", ticks, err)
		}
		if err := c.Batch(ctx, nil); err == nil {
			t.Error("empty batch: no error")
		}
	}

	// A URL that serves no JSON-RPC.
	url := serve(t, http.NotFoundHandler())
	err := httprpc.NewClient(url).Call(context.Background(), "sum", nil, nil)
	if he, ok := errors.AsType[*httprpc.HTTPError](err); !ok || he.StatusCode != 404 {
		t.Errorf("not found: %v", err)
	}
}

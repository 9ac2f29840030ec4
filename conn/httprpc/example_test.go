package httprpc_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/lspkit/lspkit/conn"
	"github.com/lspkit/lspkit/conn/httprpc"
	"github.com/lspkit/lspkit/conn/wsrpc"
	"github.com/lspkit/lspkit/samples/arith"
	"golang.org/x/time/rate"
)

// Serve a Mux over HTTP, and post to it as any HTTP client would.
func ExampleHandler() {
	mux := http.NewServeMux()
	mux.Handle("/rpc", httprpc.NewHandler(arith.New()))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	for _, body := range []string{
		`{"jsonrpc":"2.0","id":1,"method":"subtract","params":[42,23]}`,
		`{"jsonrpc":"2.0","method":"notify_hello","params":[7]}`,
	} {
		resp, err := http.Post(srv.URL+"/rpc", "application/json", strings.NewReader(body))
		if err != nil {
			fmt.Println(err)
			return
		}
		reply, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Println(resp.StatusCode, string(reply))
	}
	// Output:
	// 200 {"jsonrpc":"2.0","id":1,"result":19}
	// 204
}

// Call a server over HTTP from Go, with conn.Conn's signatures.
func ExampleClient() {
	srv := httptest.NewServer(httprpc.NewHandler(arith.New()))
	defer srv.Close()

	c := httprpc.NewClient(srv.URL)
	ctx := context.Background()
	var diff float64
	if err := c.Call(ctx, "subtract", []int{42, 23}, &diff); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(diff)

	err := c.Call(ctx, "divide", []int{1, 0}, nil)
	fmt.Println(err)

	var sum, product float64
	calls := []*conn.BatchCall{
		{Method: "sum", Params: []int{1, 2, 4}, Result: &sum},
		{Method: "multiply", Params: []int{6, 7}, Result: &product},
	}
	if err := c.Batch(ctx, calls); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(sum, product)
	// Output:
	// 19
	// httprpc: call "divide": division by zero (code -32000)
	// 7 42
}

// Require a bearer token; with status mapping, a refusal is a 401 too.
func ExampleRequireBearer() {
	h := httprpc.NewHandler(arith.New(),
		httprpc.WithGuards(httprpc.RequireBearer("s3cret")),
		httprpc.WithStatusMapping(nil))
	srv := httptest.NewServer(h)
	defer srv.Close()

	resp, err := http.Post(srv.URL, "application/json", strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"sum","params":[1,2]}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(resp.StatusCode, string(body))

	c := httprpc.NewClient(srv.URL, httprpc.WithHeader(http.Header{"Authorization": {"Bearer s3cret"}}))
	var sum float64
	err = c.Call(context.Background(), "sum", []int{1, 2}, &sum)
	fmt.Println(sum, err)
	// Output:
	// 401 {"jsonrpc":"2.0","error":{"code":-32001,"message":"unauthorized"},"id":null}
	// 3 <nil>
}

// Limit each client address to 5 requests a second, with bursts of 1.
func ExampleRateLimit() {
	h := httprpc.NewHandler(arith.New(),
		httprpc.WithGuards(httprpc.RateLimit(rate.Every(200*time.Millisecond), 1, httprpc.RemoteAddr)))
	srv := httptest.NewServer(h)
	defer srv.Close()

	c := httprpc.NewClient(srv.URL)
	ctx := context.Background()
	fmt.Println(c.Call(ctx, "sum", []int{1}, nil))
	fmt.Println(c.Call(ctx, "sum", []int{1}, nil))
	// Output:
	// <nil>
	// httprpc: call "sum": rate limited (code -32029)
}

// Guard any HTTP handler, such as a WebSocket endpoint: the guard checks
// the handshake.
func ExampleGuard_Wrap() {
	ws := wsrpc.NewHandler(func() conn.Handler { return arith.New() })
	defer ws.Close()
	srv := httptest.NewServer(httprpc.RequireBearer("s3cret").Wrap(ws))
	defer srv.Close()
	url := "ws" + strings.TrimPrefix(srv.URL, "http")
	ctx := context.Background()

	_, err := wsrpc.Dial(ctx, url, nil)
	fmt.Println("without a token:", strings.Contains(err.Error(), "401 Unauthorized"))

	c, err := wsrpc.Dial(ctx, url, nil, wsrpc.WithHeader(http.Header{"Authorization": {"Bearer s3cret"}}))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	var diff float64
	err = c.Call(ctx, "subtract", []int{42, 23}, &diff)
	fmt.Println("with the token:", diff, err)
	// Output:
	// without a token: true
	// with the token: 19 <nil>
}

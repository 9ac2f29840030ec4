package wsrpc_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/lspkit/lspkit/conn"
	"github.com/lspkit/lspkit/conn/wsrpc"
	"github.com/lspkit/lspkit/samples/arith"
)

// Serve arith over WebSocket and call it.
func ExampleNewHandler() {
	h := wsrpc.NewHandler(func() conn.Handler { return arith.New() })
	defer h.Close() // http.Server.Shutdown does not close WebSockets
	mux := http.NewServeMux()
	mux.Handle("/ws", h)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	ctx := context.Background()
	c, err := wsrpc.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/ws", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	var diff float64
	err = c.Call(ctx, "subtract", []int{42, 23}, &diff)
	fmt.Println(diff, err)
	// Output: 19 <nil>
}

// A server handler calls the client back while it handles a call, over the
// same WebSocket.
func ExampleDial() {
	server := func() conn.Handler {
		m := conn.NewMux()
		m.HandleFunc("whoami", func(ctx context.Context, _ *conn.Request) (any, error) {
			var name string
			if err := conn.FromContext(ctx).Call(ctx, "name", nil, &name); err != nil {
				return nil, err
			}
			return "you are " + name, nil
		})
		return m
	}
	h := wsrpc.NewHandler(server)
	defer h.Close()
	srv := httptest.NewServer(h)
	defer srv.Close()

	client := conn.NewMux()
	client.HandleFunc("name", func(context.Context, *conn.Request) (any, error) { return "ada", nil })
	ctx := context.Background()
	c, err := wsrpc.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http"), client)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	var answer string
	err = c.Call(ctx, "whoami", nil, &answer)
	fmt.Println(answer, err)
	// Output: you are ada <nil>
}

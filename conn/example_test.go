package conn_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"

	"github.com/lspkit/lspkit/conn"
)

// SubtractParams are the params of "subtract", by name or by position.
type SubtractParams struct {
	Minuend    float64 `json:"minuend"`
	Subtrahend float64 `json:"subtrahend"`
}

// A server with a typed handler: params by position or by name decode into
// one struct.
func ExampleTyped() {
	mux := conn.NewMux()
	mux.Handle("subtract", conn.Typed(func(_ context.Context, p SubtractParams) (float64, error) {
		return p.Minuend - p.Subtrahend, nil
	}))

	ctx := context.Background()
	serverSide, clientSide := net.Pipe()
	server := conn.New(ctx, serverSide, mux)
	defer server.Close()
	client := conn.New(ctx, clientSide, nil)
	defer client.Close()

	var diff float64
	_ = client.Call(ctx, "subtract", []float64{42, 23}, &diff)
	fmt.Println(diff)
	_ = client.Call(ctx, "subtract", SubtractParams{Minuend: 23, Subtrahend: 42}, &diff)
	fmt.Println(diff)
	err := client.Call(ctx, "subtract", []any{"x", 1}, &diff)
	var rpcErr *conn.Error
	if errors.As(err, &rpcErr) {
		fmt.Println("error", rpcErr.Code)
	}
	// Output:
	// 19
	// -19
	// error -32602
}

// A Mux routes requests and notifications by method; a handler's *Error
// reaches the caller as it is.
func ExampleMux() {
	var mu sync.Mutex
	var total float64
	mux := conn.NewMux()
	mux.Handle("add", conn.TypedNotification(func(_ context.Context, nums []float64) error {
		mu.Lock()
		defer mu.Unlock()
		for _, n := range nums {
			total += n
		}
		return nil
	}))
	mux.Handle("total", conn.Typed(func(context.Context, struct{}) (float64, error) {
		mu.Lock()
		defer mu.Unlock()
		return total, nil
	}))
	mux.HandleFunc("divide", func(_ context.Context, req *conn.Request) (any, error) {
		return nil, conn.NewError(-32000, "division by zero").WithData(map[string]string{"params": string(req.Params)})
	})

	ctx := context.Background()
	serverSide, clientSide := net.Pipe()
	server := conn.New(ctx, serverSide, mux)
	defer server.Close()
	client := conn.New(ctx, clientSide, nil)
	defer client.Close()

	// Notifications run in order, before any request sent after them.
	_ = client.Notify(ctx, "add", []float64{1, 2})
	_ = client.Notify(ctx, "add", []float64{3})
	var sum float64
	_ = client.Call(ctx, "total", nil, &sum)
	fmt.Println("total:", sum)

	var rpcErr *conn.Error
	if err := client.Call(ctx, "divide", []int{1, 0}, nil); errors.As(err, &rpcErr) {
		fmt.Println(rpcErr.Code, rpcErr.Message, string(rpcErr.Data))
	}
	if err := client.Call(ctx, "multiply", nil, nil); errors.As(err, &rpcErr) {
		fmt.Println(rpcErr.Code, rpcErr.Message)
	}
	fmt.Println(mux.Methods())
	// Output:
	// total: 6
	// -32000 division by zero {"params":"[1,0]"}
	// -32601 Method not found: "multiply"
	// [add divide total]
}

// A client calls a server over a pipe; with a context that ends, the call
// returns at once and the server is told to cancel.
func ExampleConn_Call() {
	mux := conn.NewMux()
	mux.Handle("greet", conn.Typed(func(_ context.Context, name string) (string, error) {
		return "hello, " + name, nil
	}))
	mux.HandleFunc("wait", func(ctx context.Context, _ *conn.Request) (any, error) {
		<-ctx.Done() // ends when the client cancels
		return nil, ctx.Err()
	})

	ctx := context.Background()
	serverSide, clientSide := net.Pipe()
	server := conn.New(ctx, serverSide, mux)
	defer server.Close()
	client := conn.New(ctx, clientSide, nil)
	defer client.Close()

	var greeting string
	if err := client.Call(ctx, "greet", []string{"world"}, &greeting); err != nil {
		fmt.Println(err)
	}
	fmt.Println(greeting)

	short, cancel := context.WithCancel(ctx)
	cancel()
	err := client.Call(short, "wait", nil, nil)
	fmt.Println(errors.Is(err, context.Canceled))

	client.Close()
	err = client.Call(ctx, "greet", []string{"again"}, &greeting)
	fmt.Println(errors.Is(err, conn.ErrClosed))
	// Output:
	// hello, world
	// true
	// true
}

// A handler calls its peer back while it runs: here the server asks the
// client for a setting, as a language server asks the editor with
// workspace/configuration.
func ExampleFromContext() {
	server := conn.NewMux()
	server.Handle("format", conn.Typed(func(ctx context.Context, text [1]string) (string, error) {
		var indent string
		if err := conn.FromContext(ctx).Call(ctx, "configuration", []string{"indent"}, &indent); err != nil {
			return "", err
		}
		return indent + text[0], nil
	}))
	client := conn.NewMux()
	client.Handle("configuration", conn.Typed(func(_ context.Context, key [1]string) (string, error) {
		return map[string]string{"indent": "\t"}[key[0]], nil
	}))

	ctx := context.Background()
	serverSide, clientSide := net.Pipe()
	s := conn.New(ctx, serverSide, server)
	defer s.Close()
	c := conn.New(ctx, clientSide, client)
	defer c.Close()

	var formatted string
	if err := c.Call(ctx, "format", []string{"x := 1"}, &formatted); err != nil {
		fmt.Println(err)
	}
	fmt.Printf("%q\n", formatted)
	// Output:
	// "\tx := 1"
}

// A notification runs alone, so requests after it see its effect. Once it
// has read what it needs, Release lets them start while it goes on.
func ExampleRelease() {
	var (
		mu       sync.Mutex
		version  int
		indexing = make(chan struct{})
		indexed  = make(chan struct{})
	)
	mux := conn.NewMux()
	mux.Handle("didChange", conn.TypedNotification(func(ctx context.Context, v [1]int) error {
		mu.Lock()
		version = v[0]
		mu.Unlock()
		conn.Release(ctx) // what follows may start now
		<-indexing        // slow work that needs no more order
		close(indexed)
		return nil
	}))
	mux.Handle("version", conn.Typed(func(context.Context, struct{}) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return version, nil
	}))

	ctx := context.Background()
	serverSide, clientSide := net.Pipe()
	server := conn.New(ctx, serverSide, mux)
	defer server.Close()
	client := conn.New(ctx, clientSide, nil)
	defer client.Close()

	_ = client.Notify(ctx, "didChange", []int{2})
	var v int
	_ = client.Call(ctx, "version", nil, &v) // answered while didChange still runs
	fmt.Println("version", v, "while indexing")
	close(indexing)
	<-indexed
	fmt.Println("indexed")
	// Output:
	// version 2 while indexing
	// indexed
}

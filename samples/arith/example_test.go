package arith_test

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/lspkit/lspkit/conn"
	"github.com/lspkit/lspkit/samples/arith"
)

// The plugin served on one end of a pipe, and a client calling it from the
// other, as an editor or a tool would over stdio.
func Example() {
	ctx := context.Background()
	serverEnd, clientEnd := pipe()
	go conn.Serve(ctx, serverEnd, arith.New())
	client := conn.New(ctx, clientEnd, nil)
	defer client.Close()

	var diff float64
	client.Call(ctx, "subtract", []int{42, 23}, &diff)
	fmt.Println("subtract:", diff)

	client.Notify(ctx, "notify_sum", []int{1, 2, 4})
	var total float64
	client.Call(ctx, "get_total", nil, &total) // sees the notification before it
	fmt.Println("total:", total)

	err := client.Call(ctx, "divide", []int{1, 0}, nil)
	var rpcErr *conn.Error
	if errors.As(err, &rpcErr) {
		fmt.Println("divide:", rpcErr.Code, rpcErr.Message, string(rpcErr.Data))
	}
	// Output:
	// subtract: 19
	// total: 7
	// divide: -32000 division by zero {"dividend":1}
}

// pipe returns the two ends of an in-memory, full-duplex stream.
func pipe() (io.ReadWriteCloser, io.ReadWriteCloser) {
	ar, bw := io.Pipe()
	br, aw := io.Pipe()
	return end{ar, aw}, end{br, bw}
}

type end struct {
	*io.PipeReader
	*io.PipeWriter
}

func (e end) Close() error { return errors.Join(e.PipeReader.Close(), e.PipeWriter.Close()) }

package conn_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"os"

	"github.com/lspkit/lspkit/conn"
)

// A server on the process's stdin and stdout, as an editor or an agent
// starts it.
func ExampleStdio() {
	mux := conn.NewMux()
	mux.Handle("subtract", conn.Typed(func(_ context.Context, p [2]float64) (float64, error) { return p[0] - p[1], nil }))
	if err := conn.Serve(context.Background(), conn.Stdio(), mux); err != nil {
		log.Print(err) // to stderr: stdout carries the frames
		os.Exit(1)
	}
}

// Fields are required unless they are pointers, omitempty or tagged
// conn:"optional": a missing one is an error that names it.
func ExampleTyped_required() {
	type subtractParams struct {
		Minuend    float64 `json:"minuend"`
		Subtrahend float64 `json:"subtrahend"`
		Round      *bool   `json:"round"`                // optional: a pointer
		Unit       string  `json:"unit" conn:"optional"` // optional: tagged
	}
	h := conn.Typed(func(_ context.Context, p subtractParams) (float64, error) {
		return p.Minuend - p.Subtrahend, nil
	}, conn.DisallowUnknownFields())
	for _, params := range []string{`{"minuend":42,"subtrahend":23}`, `[42,23,true]`, `{"minuend":42}`, `[42]`, `{"minuend":42,"subtrahend":23,"x":0}`} {
		res, err := h.ServeRPC(context.Background(), &conn.Request{ID: conn.Int64ID(1), Method: "subtract", Params: json.RawMessage(params)})
		if e, ok := err.(*conn.Error); ok {
			fmt.Printf("%s: %d %s\n", params, e.Code, e.Data)
			continue
		}
		fmt.Printf("%s: %v\n", params, res)
	}
	// Output:
	// {"minuend":42,"subtrahend":23}: 19
	// [42,23,true]: 19
	// {"minuend":42}: -32602 {"error":"missing required field \"subtrahend\"","field":"subtrahend"}
	// [42]: -32602 {"error":"missing required param 1 (\"subtrahend\"): got 1 params","field":"subtrahend","position":1}
	// {"minuend":42,"subtrahend":23,"x":0}: -32602 {"error":"unknown field \"x\"","field":"x"}
}

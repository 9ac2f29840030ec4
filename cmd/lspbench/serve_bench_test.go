package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"testing"

	"github.com/lspkit/lspkit/conn"
	"github.com/lspkit/lspkit/samples/arith"
)

// BenchmarkServe measures what a server itself spends on a stream of
// messages, with no client and no pipe in the way: each op serves a
// prepared input (1,000 ticks and a count, or 1,000 small echo requests) from
// memory until it ends, and the replies go to a counting writer. It is the
// server's CPU per message, the part of the subprocess figures that lspkit
// controls, measured without their noise (lspkit against the floor):
//
//	go test -run '^$' -bench Serve -benchmem ./cmd/lspbench
func BenchmarkServe(b *testing.B) {
	inputs := []struct {
		name  string
		input []byte
		reply int // bytes of replies expected, checked
	}{
		{"ticks", frames(1000, func(int) string { return `{"jsonrpc":"2.0","method":"tick"}` }, `{"jsonrpc":"2.0","id":1,"method":"count"}`), 0},
		{"echo", frames(1000, func(i int) string {
			return `{"jsonrpc":"2.0","id":` + strconv.Itoa(i) + `,"method":"echo","params":{"text":"hello"}}`
		}, ""), 0},
	}
	servers := []struct {
		name  string
		serve func(io.Reader, io.Writer) error
	}{
		{"floor", serveFloor},
		{"lspkit", serveArithFrom},
		// Not sourcegraph/jsonrpc2: it stops at the end of its input
		// without answering what it has read, so its figure would not
		// count the same work.
	}
	for _, in := range inputs {
		for _, s := range servers {
			b.Run(in.name+"/"+s.name, func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(len(in.input)))
				for b.Loop() {
					var out countingWriter
					if err := s.serve(bytes.NewReader(in.input), &out); err != nil {
						b.Fatal(err)
					}
					if out.n == 0 {
						b.Fatal("no reply")
					}
				}
			})
		}
	}
}

// serveArithFrom is `lspkit serve arith` over in and out.
func serveArithFrom(in io.Reader, out io.Writer) error {
	logger := slog.New(slog.DiscardHandler)
	return conn.Serve(context.Background(), stdioRWC{in, out}, arith.New(), conn.WithLogger(logger))
}

// frames frames n bodies made by body, then last (if not empty).
func frames(n int, body func(i int) string, last string) []byte {
	var buf bytes.Buffer
	for i := range n {
		b := body(i)
		fmt.Fprintf(&buf, "Content-Length: %d\r\n\r\n%s", len(b), b)
	}
	if last != "" {
		fmt.Fprintf(&buf, "Content-Length: %d\r\n\r\n%s", len(last), last)
	}
	return buf.Bytes()
}

// countingWriter counts the bytes written to it.
type countingWriter struct{ n int }

func (w *countingWriter) Write(p []byte) (int, error) { w.n += len(p); return len(p), nil }

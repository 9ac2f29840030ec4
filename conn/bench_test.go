package conn_test

// Benchmarks of whole round trips in one process: a client Conn calls a
// server Conn (the arith sample's echo) over an in-memory pipe, and the same
// with github.com/sourcegraph/jsonrpc2 on both sides over the same pipe, for
// comparison. Allocations are counted for the whole process, so allocs/op
// and B/op are both sides of one round trip together.
//
//	go test -run '^$' -bench . -benchmem -count 6 ./conn/ | tee bench.txt
//	benchstat -col /lib bench.txt   # lspkit and sourcegraph side by side
//
// Issue 7's targets: at most 10 allocations and 1 KiB per small round trip,
// at least 5x faster than sourcegraph/jsonrpc2 per round trip and 10x with
// 1 MiB of params.

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/sourcegraph/jsonrpc2"

	"github.com/lspkit/lspkit/conn"
	"github.com/lspkit/lspkit/samples/arith"
)

// benchPipe is one direction of an in-memory byte stream, buffered like a
// Linux pipe: a Read waits until there are bytes, a Write waits while
// benchPipeSize bytes are unread. Its buffer is reused, so it allocates
// nothing in steady state.
type benchPipe struct {
	mu     sync.Mutex
	ready  sync.Cond // signalled when bytes are written, or read
	buf    []byte
	off    int // buf[off:] is unread
	closed bool
}

const benchPipeSize = 64 << 10

func newBenchPipe() *benchPipe {
	p := &benchPipe{buf: make([]byte, 0, benchPipeSize)}
	p.ready.L = &p.mu
	return p
}

func (p *benchPipe) Read(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for p.off == len(p.buf) && !p.closed {
		p.ready.Wait()
	}
	if p.off == len(p.buf) {
		return 0, io.EOF
	}
	n := copy(b, p.buf[p.off:])
	p.off += n
	if p.off == len(p.buf) {
		p.buf, p.off = p.buf[:0], 0
	}
	p.ready.Broadcast() // a writer may wait for room
	return n, nil
}

func (p *benchPipe) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for n < len(b) {
		for len(p.buf) == benchPipeSize && !p.closed {
			p.ready.Wait()
		}
		if p.closed {
			return n, io.ErrClosedPipe
		}
		if p.off > 0 { // move the unread bytes to the front, to make room
			p.buf = p.buf[:copy(p.buf, p.buf[p.off:])]
			p.off = 0
		}
		k := copy(p.buf[len(p.buf):benchPipeSize], b[n:])
		p.buf = p.buf[:len(p.buf)+k]
		n += k
		p.ready.Broadcast()
	}
	return n, nil
}

func (p *benchPipe) close() {
	p.mu.Lock()
	p.closed = true
	p.ready.Broadcast()
	p.mu.Unlock()
}

// benchEnd is one end of a duplex stream of two benchPipes.
type benchEnd struct {
	r, w *benchPipe
}

func (e benchEnd) Read(b []byte) (int, error)  { return e.r.Read(b) }
func (e benchEnd) Write(b []byte) (int, error) { return e.w.Write(b) }
func (e benchEnd) Close() error {
	e.r.close()
	e.w.close()
	return nil
}

func benchEnds() (client, server benchEnd) {
	a, b := newBenchPipe(), newBenchPipe()
	return benchEnd{r: a, w: b}, benchEnd{r: b, w: a}
}

// benchCaller is one side's client API, so that every benchmark runs the
// same code for both libraries.
type benchCaller interface {
	call(ctx context.Context, method string, params any, result any) error
	notify(ctx context.Context, method string) error
	close()
}

// lspkitPair starts an arith server and a client over a benchPipe.
func lspkitPair(b *testing.B) benchCaller {
	ce, se := benchEnds()
	ctx := context.Background()
	srv := conn.New(ctx, se, arith.New(), conn.WithLogger(quietLog))
	cli := conn.New(ctx, ce, nil, conn.WithLogger(quietLog))
	return lspkitCaller{cli, srv}
}

type lspkitCaller struct{ cli, srv *conn.Conn }

func (l lspkitCaller) call(ctx context.Context, method string, params, result any) error {
	return l.cli.Call(ctx, method, params, result)
}
func (l lspkitCaller) notify(ctx context.Context, method string) error {
	return l.cli.Notify(ctx, method, nil)
}
func (l lspkitCaller) close() {
	l.cli.Close()
	l.srv.Close()
}

// sourcegraphPair starts a sourcegraph/jsonrpc2 server with the same
// methods, written the idiomatic way (HandlerWithError; requests on
// goroutines of their own as AsyncHandler does; notifications in order, so
// that count sees every tick), and a sourcegraph client.
func sourcegraphPair(b *testing.B) benchCaller {
	ce, se := benchEnds()
	ctx := context.Background()
	quiet := jsonrpc2.SetLogger(log.New(io.Discard, "", 0))
	h := &sgBenchHandler{}
	h.inner = jsonrpc2.HandlerWithError(h.handle)
	srv := jsonrpc2.NewConn(ctx, jsonrpc2.NewBufferedStream(se, jsonrpc2.VSCodeObjectCodec{}), h, quiet)
	cli := jsonrpc2.NewConn(ctx, jsonrpc2.NewBufferedStream(ce, jsonrpc2.VSCodeObjectCodec{}), nil, quiet)
	return sgCaller{cli, srv}
}

type sgBenchHandler struct {
	inner jsonrpc2.Handler
	ticks atomic.Int64
}

func (h *sgBenchHandler) Handle(ctx context.Context, c *jsonrpc2.Conn, req *jsonrpc2.Request) {
	if req.Notif {
		h.inner.Handle(ctx, c, req)
		return
	}
	go h.inner.Handle(ctx, c, req)
}

func (h *sgBenchHandler) handle(_ context.Context, _ *jsonrpc2.Conn, req *jsonrpc2.Request) (any, error) {
	switch req.Method {
	case "echo":
		return req.Params, nil
	case "tick":
		h.ticks.Add(1)
		return nil, nil
	case "count":
		return h.ticks.Load(), nil
	}
	return nil, &jsonrpc2.Error{Code: jsonrpc2.CodeMethodNotFound, Message: "no such method"}
}

type sgCaller struct{ cli, srv *jsonrpc2.Conn }

func (s sgCaller) call(ctx context.Context, method string, params, result any) error {
	return s.cli.Call(ctx, method, params, result)
}
func (s sgCaller) notify(ctx context.Context, method string) error {
	return s.cli.Notify(ctx, method, nil)
}
func (s sgCaller) close() {
	s.cli.Close()
	s.srv.Close()
	<-s.srv.DisconnectNotify()
}

var benchLibs = []struct {
	name  string
	start func(*testing.B) benchCaller
}{
	{"lspkit", lspkitPair},
	{"sourcegraph", sourcegraphPair},
}

// benchSmall are the params of the small echo: an LSP text document
// position, with its keys sorted so that sourcegraph, which decodes params
// into a map and encodes them again, echoes them byte for byte.
var benchSmall = json.RawMessage(`{"position":{"character":4,"line":12},"textDocument":{"uri":"file:///a.go"}}`)

// benchBig returns params of n bytes: an array of one ASCII string.
func benchBig(n int) json.RawMessage {
	b := make([]byte, 0, n)
	b = append(b, `["`...)
	for len(b) < n-2 {
		b = append(b, 'a'+byte(len(b)%26))
	}
	return append(b, `"]`...)
}

// BenchmarkRoundTrip is one echo call at a time, waiting for each reply.
func BenchmarkRoundTrip(b *testing.B) {
	for _, size := range []struct {
		name   string
		params json.RawMessage
	}{{"small", benchSmall}, {"1MiB", benchBig(1 << 20)}} {
		for _, lib := range benchLibs {
			b.Run("lib="+lib.name+"/size="+size.name, func(b *testing.B) {
				c := lib.start(b)
				defer c.close()
				ctx := context.Background()
				var params any = size.params // boxed once, as a caller's value would be
				var got json.RawMessage
				b.SetBytes(int64(len(size.params)))
				b.ReportAllocs()
				for b.Loop() {
					if err := c.call(ctx, "echo", params, &got); err != nil {
						b.Fatal(err)
					}
				}
				if !bytes.Equal(got, size.params) {
					b.Fatalf("echo returned %.100q", got)
				}
			})
		}
	}
}

// BenchmarkRoundTripParallel is many echo calls in flight at once: 16
// goroutines per CPU, each calling and waiting.
func BenchmarkRoundTripParallel(b *testing.B) {
	for _, lib := range benchLibs {
		b.Run("lib="+lib.name+"/size=small", func(b *testing.B) {
			c := lib.start(b)
			defer c.close()
			ctx := context.Background()
			b.SetParallelism(16)
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				var params any = benchSmall
				var got json.RawMessage
				calls := 0
				for pb.Next() {
					if err := c.call(ctx, "echo", params, &got); err != nil {
						b.Error(err)
						return
					}
					calls++
				}
				if calls > 0 && !bytes.Equal(got, benchSmall) {
					b.Errorf("echo returned %.100q", got)
				}
			})
		})
	}
}

// BenchmarkNotify is tick notifications; the time includes the server
// handling every one of them, as the count call at the end waits for that.
func BenchmarkNotify(b *testing.B) {
	for _, lib := range benchLibs {
		b.Run("lib="+lib.name, func(b *testing.B) {
			c := lib.start(b)
			defer c.close()
			ctx := context.Background()
			var before int64
			if err := c.call(ctx, "count", nil, &before); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			n := b.N // not b.Loop: the count call below must be timed too
			for range n {
				if err := c.notify(ctx, "tick"); err != nil {
					b.Fatal(err)
				}
			}
			var after int64
			if err := c.call(ctx, "count", nil, &after); err != nil {
				b.Fatal(err)
			}
			if after-before != int64(n) {
				b.Fatalf("count went from %d to %d after %d ticks", before, after, n)
			}
		})
	}
}

package main

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sourcegraph/jsonrpc2"
)

// serveSourcegraph serves echo, tick, count and sleep with
// github.com/sourcegraph/jsonrpc2 v0.2.3 the idiomatic way: a
// HandlerWithError, requests on goroutines of their own as AsyncHandler
// does, notifications in order on the read loop (so that count sees every
// tick before it), and $/cancelRequest by hand, since the library has no
// cancellation: each request's context is registered by id, and the
// notification cancels it.
func serveSourcegraph(in io.Reader, out io.Writer) error {
	s := &sgServer{running: make(map[jsonrpc2.ID]context.CancelFunc)}
	s.h = jsonrpc2.HandlerWithError(s.handle)
	stream := jsonrpc2.NewBufferedStream(stdioRWC{in, out}, jsonrpc2.VSCodeObjectCodec{})
	c := jsonrpc2.NewConn(context.Background(), stream, s)
	<-c.DisconnectNotify()
	return nil
}

type sgServer struct {
	h     jsonrpc2.Handler
	ticks atomic.Int64

	mu      sync.Mutex
	running map[jsonrpc2.ID]context.CancelFunc
}

// Handle runs notifications in order and requests concurrently, each with a
// context that $/cancelRequest can cancel.
func (s *sgServer) Handle(ctx context.Context, c *jsonrpc2.Conn, req *jsonrpc2.Request) {
	if req.Notif {
		s.h.Handle(ctx, c, req)
		return
	}
	ctx, cancel := context.WithCancel(ctx)
	s.mu.Lock()
	s.running[req.ID] = cancel
	s.mu.Unlock()
	go func() {
		defer func() {
			s.mu.Lock()
			delete(s.running, req.ID)
			s.mu.Unlock()
			cancel()
		}()
		s.h.Handle(ctx, c, req)
	}()
}

func (s *sgServer) handle(ctx context.Context, _ *jsonrpc2.Conn, req *jsonrpc2.Request) (any, error) {
	switch req.Method {
	case "echo":
		if req.Params == nil {
			return nil, nil
		}
		return req.Params, nil
	case "tick":
		s.ticks.Add(1)
		return nil, nil
	case "count":
		return s.ticks.Load(), nil
	case "sleep":
		var p struct {
			MS int64 `json:"ms"`
		}
		if req.Params != nil {
			if err := json.Unmarshal(*req.Params, &p); err != nil {
				return nil, &jsonrpc2.Error{Code: jsonrpc2.CodeInvalidParams, Message: err.Error()}
			}
		}
		t := time.NewTimer(time.Duration(p.MS) * time.Millisecond)
		defer t.Stop()
		select {
		case <-t.C:
			return nil, nil
		case <-ctx.Done():
			return nil, &jsonrpc2.Error{Code: -32800, Message: "Request cancelled"}
		}
	case "$/cancelRequest":
		var p struct {
			ID jsonrpc2.ID `json:"id"`
		}
		if req.Params != nil && json.Unmarshal(*req.Params, &p) == nil {
			s.mu.Lock()
			cancel := s.running[p.ID]
			s.mu.Unlock()
			if cancel != nil {
				cancel()
			}
		}
		return nil, nil
	}
	return nil, &jsonrpc2.Error{Code: jsonrpc2.CodeMethodNotFound, Message: "method not found: " + req.Method}
}

// stdioRWC is stdin and stdout as one stream.
type stdioRWC struct {
	io.Reader
	io.Writer
}

func (s stdioRWC) Close() error {
	if f, ok := s.Reader.(*os.File); ok {
		f.Close()
	}
	if f, ok := s.Writer.(*os.File); ok {
		return f.Close()
	}
	return nil
}

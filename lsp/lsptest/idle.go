package lsptest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/lspkit/lspkit/conn"
)

// This file is WaitIdle: knowing, from outside the server, that it has
// nothing left to do. The server's connection is given a hook, which sees
// every message it reads and writes, and a middleware, which sees every
// handler that runs; both are conn's exported API, and Serve takes them as
// options. From those the client keeps count of the work in flight between
// the two sides (activity), and WaitIdle waits until the count is zero and
// stays so through a round trip that flushes both directions.

// idleMethod is what WaitIdle sends the server to flush what the client
// sent before, first as a notification, then as a request. No server
// handles it: the notification is ignored, the request answered -32601
// (or -32002 before initialize, -32600 after shutdown), which is all it
// needs. By conn's ordering rules the notification starts only once every
// handler before it has finished or released its place (entering the
// middleware that counts it), and the request only once the notification
// has finished; so the request's reply proves that everything the client
// sent before is done or counted as running.
const idleMethod = "$/lsptest/idle"

// cancelMethod is LSP's cancellation notification, which conn handles on
// the read path, without a handler. The server sends one with an id that
// names nothing to flush what it sent before (the client's conn ignores
// it); and those the server sends to cancel its own calls never reach the
// client's handler, so they are not counted as notifications to take.
const cancelMethod = "$/cancelRequest"

// markerPrefix starts the string id of the server's flush marker.
const markerPrefix = "lsptest/idle/"

// activity counts what is going on between the client and the server. It
// is guarded by the Client's mu. The server is idle when every count is
// zero: no handler runs, no request of the client awaits its reply, no
// request of the server awaits the client's, and every notification the
// server sent has reached the client's handler.
type activity struct {
	running  int             // server handlers running (the middleware)
	requests map[string]int  // client→server requests read, not yet answered, by id
	calls    map[string]int  // server→client requests written, answer not yet read, by id
	notes    int             // server→client notifications written, not yet through receive
	markers  map[string]bool // ids of WaitIdle's own requests, read, not yet answered
	gen      uint64          // counts every change but the flush markers'
	marked   uint64          // the last server marker the client has read
	sent     uint64          // the last server marker sent
	changed  chan struct{}   // closed and replaced on every change
}

func newActivity() activity {
	return activity{
		requests: make(map[string]int),
		calls:    make(map[string]int),
		markers:  make(map[string]bool),
		changed:  make(chan struct{}),
	}
}

// busy reports what is still going on, or "" when nothing is.
func (a *activity) busy() string {
	var parts []string
	if a.running > 0 {
		parts = append(parts, fmt.Sprintf("%d server handlers running", a.running))
	}
	if n := count(a.requests); n > 0 {
		parts = append(parts, fmt.Sprintf("%d requests of the client unanswered", n))
	}
	if n := count(a.calls); n > 0 {
		parts = append(parts, fmt.Sprintf("%d requests of the server unanswered", n))
	}
	if a.notes > 0 {
		parts = append(parts, fmt.Sprintf("%d notifications of the server not yet taken in", a.notes))
	}
	return strings.Join(parts, ", ")
}

// decr takes one from m[k], deleting it at zero: the maps hold only what
// is in flight.
func decr(m map[string]int, k string) {
	switch m[k] {
	case 0:
	case 1:
		delete(m, k)
	default:
		m[k]--
	}
}

func count(m map[string]int) (n int) {
	for _, v := range m {
		n += v
	}
	return n
}

// bump records a change; marker changes wake waiters without counting.
func (a *activity) bump(counts bool) {
	if counts {
		a.gen++
	}
	close(a.changed)
	a.changed = make(chan struct{})
}

func (a *activity) noteTaken() {
	a.notes--
	a.bump(true)
}

// envelope is what the hooks read of a message.
type envelope struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method"`
	Params json.RawMessage `json:"params"`
}

// envelopes decodes a message or a batch; what does not decode is skipped,
// as conn answers it at once without a handler.
func envelopes(msg []byte) []envelope {
	msg = bytes.TrimSpace(msg)
	if len(msg) > 0 && msg[0] == '[' {
		var batch []envelope
		if json.Unmarshal(msg, &batch) != nil {
			return nil
		}
		return batch
	}
	var e envelope
	if json.Unmarshal(msg, &e) != nil {
		return nil
	}
	return []envelope{e}
}

func (e *envelope) isRequest() bool      { return e.Method != "" && e.ID != nil }
func (e *envelope) isNotification() bool { return e.Method != "" && e.ID == nil }
func (e *envelope) isResponse() bool     { return e.Method == "" && e.ID != nil && string(e.ID) != "null" }

// key is an id as a map key: its JSON text, compacted.
func key(id json.RawMessage) string {
	var b bytes.Buffer
	if json.Compact(&b, id) != nil {
		return string(id)
	}
	return b.String()
}

// serverHook sees every message the server reads and writes.
func (c *Client) serverHook(dir conn.Direction, msg []byte) {
	envs := envelopes(msg)
	c.mu.Lock()
	defer c.mu.Unlock()
	a := &c.idle
	for i := range envs {
		e := &envs[i]
		counts := true
		switch {
		case dir == conn.In && e.Method == idleMethod:
			counts = false
			if e.isRequest() {
				k := key(e.ID)
				a.requests[k]++
				a.markers[k] = true
			}
		case dir == conn.In && e.isRequest():
			a.requests[key(e.ID)]++
		case dir == conn.In && e.isResponse():
			decr(a.calls, key(e.ID))
		case dir == conn.Out && e.isRequest():
			a.calls[key(e.ID)]++
		case dir == conn.Out && e.isNotification():
			if e.Method == cancelMethod {
				counts = false // handled on the client's read path
				break
			}
			a.notes++
		case dir == conn.Out && e.isResponse():
			k := key(e.ID)
			decr(a.requests, k)
			if a.markers[k] {
				delete(a.markers, k)
				counts = false
			}
		}
		a.bump(counts)
	}
}

// serverRuns is the middleware that counts the server's running handlers.
func (c *Client) serverRuns(next conn.Handler) conn.Handler {
	return conn.HandlerFunc(func(ctx context.Context, req *conn.Request) (any, error) {
		if req.Method == idleMethod {
			return next.ServeRPC(ctx, req) // WaitIdle's own: not the server's work
		}
		c.mu.Lock()
		c.idle.running++
		c.idle.bump(true)
		c.mu.Unlock()
		defer func() {
			c.mu.Lock()
			c.idle.running--
			c.idle.bump(true)
			c.mu.Unlock()
		}()
		return next.ServeRPC(ctx, req)
	})
}

// clientHook sees every message the client reads and writes: it records
// what the server sent, and notices the server's flush markers.
func (c *Client) clientHook(dir conn.Direction, msg []byte) {
	if dir != conn.In {
		return
	}
	for _, e := range envelopes(msg) {
		if e.Method == cancelMethod {
			var p struct {
				ID string `json:"id"`
			}
			var n uint64
			if json.Unmarshal(e.Params, &p) == nil && strings.HasPrefix(p.ID, markerPrefix) {
				if _, err := fmt.Sscan(strings.TrimPrefix(p.ID, markerPrefix), &n); err == nil {
					c.mu.Lock()
					c.idle.marked = max(c.idle.marked, n)
					c.idle.bump(false)
					c.mu.Unlock()
					continue
				}
			}
		}
		if e.Method != "" {
			c.record(e)
		}
	}
}

// WaitIdle waits until the server has nothing left to do: no handler of
// its runs, nothing the client sent is still queued or unanswered, no
// request of the server awaits the client's answer, and every notification
// the server sent has been received (so Messages, Notification and
// Diagnostics have it). It returns an error if ctx ends first, saying what
// was still going on, or if the connection has ended.
//
// It sees what goes through the connection: work the server does on
// goroutines of its own, outside any handler, is not seen. To flush both
// directions it sends the server a notification and a request,
// $/lsptest/idle, which servers ignore and answer -32601, and has the server's connection send the client a
// $/cancelRequest with an id that names no request, which connections
// ignore; both show in a wire trace.
func (c *Client) WaitIdle(ctx context.Context) error {
	for {
		c.mu.Lock()
		start := c.idle.gen
		c.mu.Unlock()
		if err := c.flush(ctx); err != nil {
			return c.idleErr(err)
		}
		c.mu.Lock()
		busy, gen, changed := c.idle.busy(), c.idle.gen, c.idle.changed
		c.mu.Unlock()
		if busy == "" && gen == start {
			return nil
		}
		if busy == "" {
			continue // something happened meanwhile: look again
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return c.idleErr(ctx.Err())
		case <-c.conn.Done():
			return c.idleErr(conn.ErrClosed)
		}
	}
}

// idleErr is WaitIdle's error: err, with what was still going on.
func (c *Client) idleErr(err error) error {
	c.mu.Lock()
	busy := c.idle.busy()
	c.mu.Unlock()
	if busy == "" {
		return fmt.Errorf("lsptest: waiting for the server to be idle: %w", err)
	}
	return fmt.Errorf("lsptest: waiting for the server to be idle (%s): %w", busy, err)
}

// flush returns once everything either side sent before it has been read
// by the other: the client's idle request has been answered, and the
// server's marker has reached the client.
func (c *Client) flush(ctx context.Context) error {
	if err := c.conn.Notify(ctx, idleMethod, nil); err != nil {
		return err
	}
	err := c.conn.Call(ctx, idleMethod, nil, nil)
	var rpcErr *conn.Error
	if err != nil && !errors.As(err, &rpcErr) {
		return err
	}
	client := c.srv.Client() // set: the server answered
	c.mu.Lock()
	c.idle.sent++
	n := c.idle.sent
	c.mu.Unlock()
	if err := client.Conn().Notify(ctx, cancelMethod, map[string]string{"id": fmt.Sprint(markerPrefix, n)}); err != nil {
		return err
	}
	for {
		c.mu.Lock()
		marked, changed := c.idle.marked, c.idle.changed
		c.mu.Unlock()
		if marked >= n {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		case <-c.conn.Done():
			return conn.ErrClosed
		}
	}
}

package conn

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// This file is our side of calls: Call, Notify and Batch send; deliver
// matches replies to the calls that wait for them; and when a call's
// context ends first, the peer is told (see Cancellation).

// response is what a waiting call receives: a result or an error.
type response struct {
	result json.RawMessage
	err    error
}

// Call sends a request and waits for its reply. The result is decoded into
// result (a pointer, or nil to discard it; a *json.RawMessage receives the
// raw bytes). An error reply comes back as an error wrapping an *Error.
//
// Called from a handler, Call first gives up the handler's place in the
// order (see Release), unless ctx comes from KeepPlace: a handler that
// waits for its peer never holds up the messages after it.
//
// If ctx ends first, Call returns at once with an error wrapping ctx.Err(),
// tells the peer as the connection's Cancellation says ($/cancelRequest by
// default), and the late reply is dropped. Once the connection has ended,
// the error wraps ErrClosed.
func (c *Conn) Call(ctx context.Context, method string, params, result any) error {
	p, err := encodeParams(params)
	if err != nil {
		return fmt.Errorf("conn: call %q: %w", method, err)
	}
	chans, ids := [1]chan response{make(chan response, 1)}, [1]int64{}
	if err := c.register(ctx, chans[:], ids[:]); err != nil {
		return fmt.Errorf("conn: call %q: %w", method, err)
	}
	c.sendCall(ctx, appendRequest(nil, Int64ID(ids[0]), method, p))
	select {
	case r := <-chans[0]:
		if r.err == nil {
			r.err = decodeResult(r.result, result)
		}
		if r.err != nil {
			return fmt.Errorf("conn: call %q: %w", method, r.err)
		}
		return nil
	case <-ctx.Done():
		c.abandon(ids[0], context.Cause(ctx))
		return fmt.Errorf("conn: call %q: %w", method, ctx.Err())
	}
}

// Notify sends a notification. It returns once the notification is queued
// for writing, which keeps notifications from one goroutine in order; it
// waits only while the outbox is over its limit.
func (c *Conn) Notify(ctx context.Context, method string, params any) error {
	p, err := encodeParams(params)
	if err == nil {
		c.mu.Lock()
		err = c.admitLocked(ctx, false)
		c.mu.Unlock()
	}
	if err != nil {
		return fmt.Errorf("conn: notify %q: %w", method, err)
	}
	c.send(appendRequest(nil, ID{}, method, p), false)
	return nil
}

// BatchCall is one call of a Batch.
type BatchCall struct {
	Method string // the method to call
	Params any    // its params: nil, or a value that encodes to an object or array
	Notify bool   // send as a notification: no reply; Result and Err stay unset
	Result any    // where to decode the result (a pointer), or nil
	Err    error  // after Batch returns, the call's error, if it had one
}

// Batch sends calls as one JSON-RPC batch and waits for every reply. Each
// call's outcome is in its Err and Result; Batch itself returns an error
// only if the batch could not be sent or ctx ended first (then the calls
// not yet answered are cancelled, as with Call).
func (c *Conn) Batch(ctx context.Context, calls []*BatchCall) error {
	if len(calls) == 0 {
		return errors.New("conn: empty batch")
	}
	params := make([][]byte, len(calls))
	chans := make([]chan response, len(calls))
	for i, bc := range calls {
		p, err := encodeParams(bc.Params)
		if err != nil {
			return fmt.Errorf("conn: batch call %d (%q): %w", i, bc.Method, err)
		}
		params[i] = p
		if !bc.Notify {
			chans[i] = make(chan response, 1)
		}
	}
	ids := make([]int64, len(calls))
	if err := c.register(ctx, chans, ids); err != nil {
		return fmt.Errorf("conn: batch: %w", err)
	}
	msg := []byte{'['}
	for i, bc := range calls {
		if i > 0 {
			msg = append(msg, ',')
		}
		var id ID
		if chans[i] != nil {
			id = Int64ID(ids[i])
		}
		msg = appendRequest(msg, id, bc.Method, params[i])
	}
	c.sendCall(ctx, append(msg, ']'))
	for i, bc := range calls {
		if chans[i] == nil {
			continue
		}
		select {
		case r := <-chans[i]:
			bc.Err = r.err
			if r.err == nil {
				bc.Err = decodeResult(r.result, bc.Result)
			}
		case <-ctx.Done():
			for j := i; j < len(calls); j++ {
				if chans[j] != nil {
					c.abandon(ids[j], context.Cause(ctx))
				}
			}
			return fmt.Errorf("conn: batch: %w", ctx.Err())
		}
	}
	return nil
}

// register gives each non-nil channel the next id, in ids, and registers
// it to receive that id's reply, once the outbox has room. It fails once
// the connection can no longer send or receive replies.
func (c *Conn) register(ctx context.Context, chans []chan response, ids []int64) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.admitLocked(ctx, true); err != nil {
		return err
	}
	for i, ch := range chans {
		if ch != nil {
			c.s.nextID++
			ids[i] = c.s.nextID
			c.s.calls[ids[i]] = ch
		}
	}
	c.changedLocked()        // a reader stopped by a full queue may read on (roomLocked)
	c.handOffReadingLocked() // the replies must be read
	return nil
}

// sendCall sends a call's message; called from a handler, it then gives up
// the handler's place in the order while the caller waits, unless ctx comes
// from KeepPlace.
func (c *Conn) sendCall(ctx context.Context, msg []byte) {
	// Not written inline: a write stuck on a peer that does not read would
	// keep the caller from its context.
	c.send(msg, false)
	if in := inboundOf(ctx); in != nil && in.conn == c && ctx.Value(keepPlaceKey{}) == nil {
		Release(ctx)
	}
}

// admitLocked waits while the outbox is over its limit, and fails once the
// connection can no longer send (or, for calls, receive replies).
func (c *Conn) admitLocked(ctx context.Context, call bool) error {
	for {
		switch {
		case c.s.phase >= closing, call && c.s.phase == draining:
			return closedError(c.s.err)
		case c.s.outBytes <= c.cfg.outboxLimit:
			return nil
		}
		if !c.waitLocked(ctx.Done(), nil) {
			return ctx.Err()
		}
	}
}

// abandon forgets a call whose context ended and tells the peer.
func (c *Conn) abandon(id int64, cause error) {
	c.mu.Lock()
	_, waiting := c.s.calls[id]
	delete(c.s.calls, id)
	c.mu.Unlock()
	if waiting {
		c.cancelCall(id, cause)
	}
}

// deliver hands a reply to the call waiting for it. Replies to unknown ids
// (a cancelled call's late reply, or a confused peer) are logged and
// dropped.
func (c *Conn) deliver(env *envelope) {
	n, err := strconv.ParseInt(string(env.id), 10, 64)
	c.mu.Lock()
	ch, ok := c.s.calls[n]
	if ok && err == nil {
		delete(c.s.calls, n)
	}
	c.mu.Unlock()
	if !ok || err != nil {
		c.cfg.logger.Debug("conn: dropped a reply to an unknown id", "id", string(env.id))
		return
	}
	if env.err == nil {
		ch <- response{result: env.result}
		return
	}
	e := new(Error)
	if kindOf(env.err) != kindObject || json.Unmarshal(env.err, e) != nil {
		e = &Error{Code: CodeInternalError, Message: "malformed error object: " + string(env.err)}
	}
	ch <- response{err: e}
}

// decodeResult decodes a result into v, which may be nil.
func decodeResult(raw json.RawMessage, v any) error {
	switch v := v.(type) {
	case nil:
		return nil
	case *json.RawMessage:
		*v = raw
		return nil
	}
	return json.Unmarshal(raw, v)
}

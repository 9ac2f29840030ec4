package conn

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
)

// This file is our side of calls: Call, Notify and Batch send; deliver
// matches replies to the calls that wait for them; and when a call's
// context ends first, the peer is told with $/cancelRequest.

// response is what a waiting call receives: a result or an error.
type response struct {
	result json.RawMessage
	err    error
}

// respChans recycles the channels on which a Call waits for its reply (one
// allocation less per call). A channel goes back only once its one reply has
// been received: whoever sends a reply first takes the channel out of
// pending, so no one else can send on it then. A call abandoned on its
// context does not give its channel back, as a late reply may still come.
var respChans = sync.Pool{New: func() any { return make(chan response, 1) }}

// Call sends a request and waits for its reply. The result is decoded into
// result (a pointer, or nil to discard it; a *json.RawMessage receives the
// raw bytes). An error reply comes back as an error wrapping an *Error.
//
// If ctx ends first, Call returns at once with an error wrapping ctx.Err(),
// tells the peer with $/cancelRequest (unless cancellation messages are
// off; see WithCancelMethod), and the late reply is dropped. Once the
// connection has ended, the error wraps ErrClosed.
func (c *Conn) Call(ctx context.Context, method string, params, result any) error {
	p, err := encodeParams(params)
	if err != nil {
		return fmt.Errorf("conn: call %q: %w", method, err)
	}
	// Nothing here escapes, so a call allocates no more than its channel,
	// which is recycled.
	chans := [1]chan response{respChans.Get().(chan response)}
	var ids [1]int64
	err = c.sendCalls(ctx, chans[:], ids[:], func(dst []byte) []byte {
		var text [20]byte
		return appendRequest(dst, ID{string(strconv.AppendInt(text[:0], ids[0], 10))}, method, p)
	})
	if err != nil {
		respChans.Put(chans[0]) // never registered
		return fmt.Errorf("conn: call %q: %w", method, err)
	}
	select {
	case r := <-chans[0]:
		respChans.Put(chans[0]) // its one reply is in: no one else can send on it
		if r.err != nil {
			return fmt.Errorf("conn: call %q: %w", method, r.err)
		}
		if err := decodeResult(r.result, result); err != nil {
			return fmt.Errorf("conn: call %q: decoding the result: %w", method, err)
		}
		return nil
	case <-ctx.Done():
		c.abandon(ids[0])
		return fmt.Errorf("conn: call %q: %w", method, ctx.Err())
	}
}

// Notify sends a notification. It returns once the notification is queued
// for writing, which keeps notifications from one goroutine in order; it
// waits only while the outbox is over its limit.
func (c *Conn) Notify(ctx context.Context, method string, params any) error {
	p, err := encodeParams(params)
	if err != nil {
		return fmt.Errorf("conn: notify %q: %w", method, err)
	}
	b := getBuf()
	*b = appendRequest(*b, ID{}, method, p)
	c.mu.Lock()
	if err := c.admitLocked(ctx, false); err != nil {
		c.mu.Unlock()
		putBuf(b)
		return fmt.Errorf("conn: notify %q: %w", method, err)
	}
	write := c.enqueueLocked(b)
	c.mu.Unlock()
	if write {
		c.handOff(flushJob) // not inline: a write stuck on a peer that does not read must not hold us
	}
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
	err := c.sendCalls(ctx, chans, ids, func(dst []byte) []byte {
		dst = append(dst, '[')
		for i, bc := range calls {
			if i > 0 {
				dst = append(dst, ',')
			}
			var id ID
			if chans[i] != nil {
				id = ID{strconv.FormatInt(ids[i], 10)}
			}
			dst = appendRequest(dst, id, bc.Method, params[i])
		}
		return append(dst, ']')
	})
	if err != nil {
		return fmt.Errorf("conn: batch: %w", err)
	}
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
					c.abandon(ids[j])
				}
			}
			return fmt.Errorf("conn: batch: %w", ctx.Err())
		}
	}
	return nil
}

// sendCalls gives each non-nil channel the next id, registers it to receive
// that id's reply, and queues the message that encode builds with those ids
// (ids[i] is 0 where chans[i] is nil: a notification). It sets the ids in
// ids, which has one element per channel, before it calls encode, which
// reads them there. (Were ids an argument of encode, it would escape.)
func (c *Conn) sendCalls(ctx context.Context, chans []chan response, ids []int64, encode func(dst []byte) []byte) error {
	c.mu.Lock()
	if err := c.admitLocked(ctx, true); err != nil {
		c.mu.Unlock()
		return err
	}
	wasIdle := len(c.pending) == 0
	calls := false
	for i, ch := range chans {
		if ch != nil {
			calls = true
			c.nextID++
			ids[i] = c.nextID
			c.pending[c.nextID] = ch
		}
	}
	if wasIdle && len(c.pending) > 0 {
		c.broadcastLocked() // a reader stopped by a full queue reads on (waitForRoom)
	}
	b := getBuf()
	*b = encode(*b)
	write := c.enqueueLocked(b)
	c.mu.Unlock()
	if calls {
		c.freeReader() // the replies must be read
	}
	if write {
		// Not inline: the caller waits for its reply or its context, and a
		// write stuck on a peer that does not read would keep it from both.
		c.handOff(flushJob)
	}
	return nil
}

// admitLocked waits while the outbox is over its limit, and fails once the
// connection can no longer send (or, for calls, receive replies).
func (c *Conn) admitLocked(ctx context.Context, call bool) error {
	for {
		switch {
		case c.state >= closing, call && c.state == draining:
			return closedError(c.err)
		case c.outBytes <= c.cfg.outboxLimit:
			return nil
		}
		ch := c.waitChanLocked()
		c.mu.Unlock()
		select {
		case <-ch:
			c.mu.Lock()
		case <-ctx.Done():
			c.mu.Lock()
			return ctx.Err()
		}
	}
}

// abandon forgets a call whose context ended and tells the peer.
func (c *Conn) abandon(id int64) {
	c.mu.Lock()
	_, waiting := c.pending[id]
	delete(c.pending, id)
	c.mu.Unlock()
	if !waiting || c.cfg.cancelMethod == "" {
		return
	}
	b := getBuf()
	*b = appendRequest(*b, ID{}, c.cfg.cancelMethod, strconv.AppendInt([]byte(`{"id":`), id, 10))
	*b = append(*b, '}')
	c.send(b, false)
}

// deliver hands a reply to the call waiting for it. Replies to unknown ids
// (a cancelled call's late reply, or a confused peer) are logged and
// dropped.
func (c *Conn) deliver(env *envelope) {
	n, err := strconv.ParseInt(string(env.id), 10, 64) // no copy: the string does not escape
	c.mu.Lock()
	ch, ok := c.pending[n]
	if ok && err == nil {
		delete(c.pending, n)
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

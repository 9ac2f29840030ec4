package conn

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"unicode/utf8"
)

// This file is dispatch: what happens to a message once it is read. A reply
// goes to the call that waits for it (call.go); a preempted method, such as
// a cancellation, is handled on the read path (cancel.go); a request or a
// notification waits in the queue until the ordering rules let it start
// (see the package doc), then runs on a goroutine of its own, and its reply
// joins the outbox (write.go).
//
//	readLoop (conn.go)
//	  └─ receive ─┬─ receiveBatch (batch.go) ─┐
//	              └───────────────────────────┴─ deliver (call.go)
//	                                          ├─ preempt (cancel.go)
//	                                          └─ accept → queue → startableLocked
//	                                                                └─ go run → handle → finish → send

// inbound is one received request or notification, from arrival to reply.
// It is also its handler's context: the connection's, or for a request a
// context of its own that a cancellation ends, with the message itself as
// the value that FromContext, Release and Call look for.
type inbound struct {
	context.Context
	cancel context.CancelCauseFunc // ends the request's context; nil for a notification

	conn      *Conn
	req       Request
	key       string      // req.ID.key() for a request: its key in state.inflight
	batch     *batchReply // the batch it came in, if it is a request in one
	exclusive bool        // its mode, resolved on arrival: Exclusive, or else Concurrent

	// Guarded by conn.mu.
	started, released, finished bool
	peerCancelled               bool // the peer cancelled it
}

type inboundKey struct{}

// detached is the connection's context without its Done: the parent of
// requests' contexts, so that making one does not register it with the
// connection's context (a lock and a map entry shared by every request,
// a fifth of a small request's cost). The connection ends them itself when
// it ends (endRequestsLocked).
type detached struct{ context.Context }

func (detached) Done() <-chan struct{} { return nil }
func (detached) Err() error            { return nil }

// endRequestsLocked ends the contexts of every request in flight.
func (c *Conn) endRequestsLocked(cause error) {
	for _, in := range c.s.inflight {
		in.end(cause)
	}
}

// Value returns the message itself for inboundKey, and otherwise what the
// context it descends from holds.
func (in *inbound) Value(key any) any {
	if key == (inboundKey{}) {
		return in
	}
	return in.Context.Value(key)
}

// end ends the request's context with cause.
func (in *inbound) end(cause error) {
	if in.cancel != nil {
		in.cancel(cause)
	}
}

// FromContext returns the connection whose handler ctx belongs to, or nil.
// A handler uses it to call or notify its peer.
func FromContext(ctx context.Context) *Conn {
	switch v := ctx.Value(inboundKey{}).(type) {
	case *inbound:
		return v.conn
	case *Conn: // a preempted message (see WithPreempt)
		return v
	}
	return nil
}

// inboundOf returns the message whose handler ctx belongs to, or nil.
func inboundOf(ctx context.Context) *inbound {
	in, _ := ctx.Value(inboundKey{}).(*inbound)
	return in
}

// Release gives up the running handler's place in the order: messages after
// it may start as if it had finished, while it goes on. A handler that has
// read all it needs from the state that earlier messages set calls Release
// before slow work. A handler that calls its peer releases its place as it
// starts waiting for the reply, unless its context comes from KeepPlace.
// Release does nothing outside a handler, or when called again.
func Release(ctx context.Context) {
	in := inboundOf(ctx)
	if in == nil {
		return
	}
	c := in.conn
	c.mu.Lock()
	if in.released || in.finished {
		c.mu.Unlock()
		return
	}
	c.releaseLocked(in)
	c.handOffReadingLocked() // what comes after must be read to start
	var buf [4]*inbound
	start := c.startableLocked(buf[:0])
	c.mu.Unlock()
	c.spawn(start)
}

type keepPlaceKey struct{}

// KeepPlace returns a context for calls that keep the handler's place in
// the order while they wait for the peer's reply: nothing after the handler
// starts meanwhile, as a handler that must apply the answer before the next
// message needs. Without it, a call from a handler releases its place (see
// Release), so that a question to the peer never holds up the connection.
func KeepPlace(ctx context.Context) context.Context {
	return context.WithValue(ctx, keepPlaceKey{}, true)
}

// receive handles one message read: a single message or a batch. It
// returns the message for the read path to run itself, if accept left one
// (see runInline).
func (c *Conn) receive(body []byte) (inline *inbound) {
	c.hook(In, body)
	if !utf8.Valid(body) {
		// Invalid bytes can only sit inside strings of valid JSON; replacing
		// them keeps everything we echo valid UTF-8.
		body = bytes.ToValidUTF8(body, []byte("\uFFFD"))
	}
	if i := skipSpace(body, 0); i < len(body) && body[i] == '[' {
		c.receiveBatch(body)
		return nil
	}
	env, err := parseEnvelope(body)
	if err != nil {
		c.cfg.logger.Warn("conn: parse error", "err", err)
		c.sendError(ID{}, errParse, nil)
		return nil
	}
	switch kind, req, bad := env.classify(c.methods); kind {
	case msgInvalid:
		c.cfg.logger.Warn("conn: invalid message", "err", bad.Message)
		c.sendError(req.ID, bad, nil)
	case msgResponse:
		c.deliver(&env)
	default:
		return c.accept(req, nil, true)
	}
	return nil
}

// accept queues a received request or notification, unless it is preempted
// (see cancel.go), and starts what may start. A request whose id is that of
// one still in flight is refused with -32600. With mayInline, a message
// that starts when nothing else runs is returned for the read path to run
// itself (see runInline).
func (c *Conn) accept(req Request, batch *batchReply, mayInline bool) (inline *inbound) {
	if c.preempt(req, batch) {
		return nil
	}
	in := &inbound{conn: c, req: req}
	in.exclusive = c.modeOf(&in.req) == Exclusive
	if req.ID.IsValid() {
		in.key, in.batch = req.ID.key(), batch
	}
	c.mu.Lock()
	if c.s.phase != open {
		c.mu.Unlock()
		return nil
	}
	if in.key != "" {
		if _, dup := c.s.inflight[in.key]; dup {
			c.mu.Unlock()
			c.cfg.logger.Warn("conn: duplicate request id", "id", req.ID.String())
			c.sendError(req.ID, invalidRequest("a request with this id is still in flight"), batch)
			return nil
		}
		c.s.inflight[in.key] = in
	}
	in.Context = c.ctx
	if in.key != "" {
		in.Context, in.cancel = context.WithCancelCause(c.detached)
	}
	c.s.queue.push(in)
	var buf [4]*inbound
	start := c.startableLocked(buf[:0])
	if mayInline && len(start) == 1 && c.s.running == 1 && len(c.s.calls) == 0 {
		c.startInlineLocked()
		c.mu.Unlock()
		return start[0]
	}
	c.mu.Unlock()
	c.spawn(start)
	return nil
}

// modeOf resolves a message's mode: the handler's choice, or the default
// (notifications exclusive, requests concurrent).
func (c *Conn) modeOf(req *Request) Mode {
	m := Default
	if c.order != nil {
		m = c.order.Mode(req)
	}
	if m == Default {
		if req.IsNotification() {
			return Exclusive
		}
		return Concurrent
	}
	return m
}

// startableLocked applies the ordering rules: it takes from the head of the
// queue every message that may start now, marks them started and appends
// them to out. A message never overtakes one before it. A message the peer
// cancelled before it started is dropped here.
func (c *Conn) startableLocked(out []*inbound) []*inbound {
	n := len(out)
	for c.s.queue.len() > 0 && c.s.phase <= draining && !c.s.exclusive {
		in := c.s.queue.peek()
		if !in.peerCancelled {
			if in.exclusive && c.s.ordered > 0 || c.s.ordered >= c.cfg.maxConcurrency || c.s.running >= c.cfg.maxRunning {
				break
			}
			in.started = true
			c.s.ordered++
			c.s.running++
			c.s.exclusive = in.exclusive
			out = append(out, in)
		}
		c.s.queue.pop()
	}
	if len(out) > n {
		c.changedLocked() // room in the queue
	}
	return out
}

// releaseLocked frees a handler's place in the order.
func (c *Conn) releaseLocked(in *inbound) {
	in.released = true
	c.s.ordered--
	if in.exclusive {
		c.s.exclusive = false
	}
}

// dropQueueLocked forgets the messages that have not started; they never run.
func (c *Conn) dropQueueLocked() {
	for _, in := range c.s.queue.all() {
		delete(c.s.inflight, in.key)
		in.end(ErrClosed)
	}
	c.s.queue.clear()
}

// spawn runs each message on a goroutine of its own.
func (c *Conn) spawn(start []*inbound) {
	for _, in := range start {
		go c.run(in)
	}
}

// run handles a message, then the next that may start, if any, on the same
// goroutine.
func (c *Conn) run(in *inbound) {
	for in != nil {
		next, write := c.handle(in)
		if write {
			// This goroutine writes, unless another message is to run on it.
			if next == nil {
				c.flush()
			} else {
				go c.flush()
			}
		}
		in = next
	}
}

// handle calls the handler of one message and queues its reply, and
// returns the next message that may start, for the caller to run, and
// whether the caller must write the outbox (see finish).
func (c *Conn) handle(in *inbound) (next *inbound, write bool) {
	var reply []byte
	result, err := c.invoke(in)
	if in.req.IsNotification() {
		if err != nil {
			c.cfg.logger.Warn("conn: notification handler failed", "method", in.req.Method, "err", err)
		}
	} else {
		reply = c.encodeReply(in, result, err)
	}
	return c.finish(in, reply)
}

// invoke calls the handler, turning a panic into -32603 and a logged stack.
func (c *Conn) invoke(in *inbound) (result any, err error) {
	defer func() {
		if p := recover(); p != nil {
			c.cfg.logger.Error("conn: handler panicked", "method", in.req.Method, "panic", p, "stack", string(debug.Stack()))
			result, err = nil, &Error{Code: CodeInternalError, Message: fmt.Sprintf("handler panicked: %v", p)}
		}
	}()
	return c.handler.ServeRPC(in, &in.req)
}

// encodeReply encodes the reply to a request. A handler whose context ended
// (the peer cancelled the request, or the connection is closing) and that
// failed is answered -32800, with the reason. Encoding runs the handler's
// code too (a result's MarshalJSON), so a panic there is recovered as in
// invoke.
func (c *Conn) encodeReply(in *inbound, result any, err error) (reply []byte) {
	defer func() {
		if p := recover(); p != nil {
			c.cfg.logger.Error("conn: encoding the reply panicked", "method", in.req.Method, "panic", p, "stack", string(debug.Stack()))
			reply = appendError(nil, in.req.ID, &Error{Code: CodeInternalError, Message: fmt.Sprintf("encoding the reply panicked: %v", p)})
		}
	}()
	if err == nil {
		data, encErr := encodeValue(result)
		if encErr == nil {
			return appendResult(nil, in.req.ID, data)
		}
		c.cfg.logger.Error("conn: cannot encode result", "method", in.req.Method, "err", encErr)
		err = &Error{Code: CodeInternalError, Message: "cannot encode result: " + encErr.Error()}
	}
	e := toError(err)
	if in.Err() != nil {
		e = cancelledError(context.Cause(in))
	}
	return appendError(nil, in.req.ID, e)
}

// cancelledError returns the -32800 error for a request cut short by cause.
func cancelledError(cause error) *Error {
	var e *Error
	if errors.As(cause, &e) && e.Code == CodeRequestCancelled {
		return e
	}
	return &Error{Code: CodeRequestCancelled, Message: "Request cancelled: " + cause.Error()}
}

// finish does the bookkeeping of a finished handler, queues its reply (if
// any) and returns the next message for this goroutine to run, if one may
// start, and whether the caller has become the writer of the outbox; any
// others that may start get goroutines of their own. A request
// that the peer cancelled under a Silent cancellation gets no reply.
func (c *Conn) finish(in *inbound, reply []byte) (next *inbound, write bool) {
	c.mu.Lock()
	if !in.released {
		c.releaseLocked(in)
	}
	in.finished = true
	c.s.running--
	if in.key != "" && c.s.inflight[in.key] == in {
		delete(c.s.inflight, in.key)
	}
	if in.peerCancelled && c.cfg.cancellation.Silent {
		reply = nil
	}
	if in.batch != nil {
		reply = in.batch.add(reply)
	}
	// The reply joins the outbox before the handler counts as finished: a
	// draining connection must not end with a reply on its way.
	write = reply != nil && c.enqueueLocked(reply)
	var buf [4]*inbound
	start := c.startableLocked(buf[:0])
	c.changedLocked() // a handler finished: the drain and Close wait for that
	c.mu.Unlock()
	in.end(nil)
	if len(start) == 0 {
		return nil, write
	}
	c.spawn(start[1:])
	return start[0], write
}

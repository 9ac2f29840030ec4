package conn

import (
	"context"
	"fmt"
	"runtime/debug"
	"sync/atomic"
)

// This file is the dispatch queue: where received requests and
// notifications wait, the ordering rules that decide when each starts (see
// the package doc), and where handlers run and their replies are made.

// inbound is one received request or notification, from arrival to reply.
// While its handler runs it is also the handler's context, which carries
// the connection and the message (see FromContext and Release).
type inbound struct {
	context.Context // the handler's context; set when it starts
	cancel          context.CancelCauseFunc
	conn            *Conn
	req             Request
	mode            Mode // Concurrent or Exclusive, resolved on arrival
	key             string
	batch           *batchReply // the batch it came in, if it is a request in one

	peerCancelled atomic.Bool // the peer sent a cancellation for it

	// Guarded by conn.mu.
	started, cancelled, released, finished bool
	prev, next                             *inbound // in conn.running while it runs
}

// detached is the parent of every handler's context: the connection's
// context (its values and deadline) without its Done channel. So
// context.WithCancelCause does not register each handler's context with the
// connection's (an insert and a delete in a map, under a lock that every
// handler shares: a quarter of the cost of a notification); the connection
// cancels its running handlers itself when it ends (cancelRunningLocked).
type detached struct{ context.Context }

func (detached) Done() <-chan struct{} { return nil }
func (detached) Err() error            { return nil }

// cancelRunningLocked cancels the contexts of the running handlers, with
// the cause of the connection's context if it has ended (New's context
// ended: context.Cause tells why, as if the handlers' contexts descended
// from it).
func (c *Conn) cancelRunningLocked() {
	cause := context.Cause(c.ctx)
	for in := c.running; in != nil; in = in.next {
		in.cancel(cause)
	}
}

type inboundKey struct{}

// Value returns the message itself for the package's key, so that
// FromContext and Release find it, and defers to the parent otherwise.
func (in *inbound) Value(key any) any {
	if key == (inboundKey{}) {
		return in
	}
	return in.Context.Value(key)
}

// FromContext returns the connection whose handler ctx belongs to, or nil.
// A handler uses it to call or notify its peer.
func FromContext(ctx context.Context) *Conn {
	if in, ok := ctx.Value(inboundKey{}).(*inbound); ok {
		return in.conn
	}
	return nil
}

// Release gives up the running handler's place in the order: messages after
// it may start as if it had finished, while it goes on. A handler that has
// read all it needs from the state that earlier messages set calls Release
// before slow work. It does nothing outside a handler, or when called again.
func Release(ctx context.Context) {
	in, ok := ctx.Value(inboundKey{}).(*inbound)
	if !ok {
		return
	}
	c := in.conn
	var buf [4]*inbound
	c.mu.Lock()
	if in.released || in.finished {
		c.mu.Unlock()
		return
	}
	c.releaseLocked(in)
	start := c.startableLocked(buf[:0])
	c.mu.Unlock()
	c.spawn(start)
}

// accept queues a received request or notification; $/cancelRequest is
// handled here, on the read path, ahead of the queue. The reader starts what
// it has queued with startQueued.
func (c *Conn) accept(req Request, batch *batchReply) {
	if c.cfg.cancelMethod != "" && req.Method == c.cfg.cancelMethod {
		c.cancelByPeer(req.Params)
		if req.ID.IsValid() {
			b := getBuf()
			*b = appendResult(*b, req.ID, []byte("null"))
			c.replyTo(batch, b, false)
		}
		return
	}
	in := &inbound{conn: c, req: req}
	in.mode = c.modeOf(&in.req) // not &req: that would move req to the heap too
	if req.ID.IsValid() {
		in.batch = batch
	}
	c.mu.Lock()
	if c.state != open {
		c.mu.Unlock()
		return
	}
	if req.ID.IsValid() {
		key := req.ID.key()
		if _, dup := c.inflight[key]; !dup {
			in.key = key
			c.inflight[key] = in
		}
	}
	c.queue = append(c.queue, in)
	c.mu.Unlock()
}

// startQueued starts what may start of the queue: it hands all but the
// first to other workers and returns the first (or nil), for the reader to
// run itself (see readEnded).
func (c *Conn) startQueued() *inbound {
	var buf [8]*inbound
	c.mu.Lock()
	start := c.startableLocked(buf[:0])
	c.mu.Unlock()
	if len(start) == 0 {
		return nil
	}
	c.spawn(start[1:])
	return start[0]
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
// them to out. A message never overtakes one before it.
func (c *Conn) startableLocked(out []*inbound) []*inbound {
	popped := false
	for len(c.queue) > 0 && c.state <= draining && !c.exclusive {
		in := c.queue[0]
		if !in.cancelled {
			if in.mode == Exclusive && c.ordered > 0 || c.ordered >= c.cfg.maxConcurrent {
				break
			}
			in.started = true
			in.Context, in.cancel = context.WithCancelCause(c.handlerParent)
			in.next = c.running // see cancelRunningLocked
			if in.next != nil {
				in.next.prev = in
			}
			c.running = in
			c.ordered++
			c.active++
			c.exclusive = in.mode == Exclusive
			out = append(out, in)
		}
		c.queue[0] = nil
		c.queue = c.queue[1:]
		popped = true
	}
	if popped {
		c.broadcastLocked()
	}
	return out
}

// releaseLocked frees a handler's place in the order.
func (c *Conn) releaseLocked(in *inbound) {
	in.released = true
	c.ordered--
	if in.mode == Exclusive {
		c.exclusive = false
	}
}

// dropQueueLocked forgets the messages that have not started; they never run.
func (c *Conn) dropQueueLocked() {
	for _, in := range c.queue {
		if in.key != "" && c.inflight[in.key] == in {
			delete(c.inflight, in.key)
		}
	}
	clear(c.queue)
	c.queue = c.queue[:0]
}

// spawn runs each message on a worker of its own.
func (c *Conn) spawn(start []*inbound) {
	for _, in := range start {
		c.handOff(in)
	}
}

// The connection's goroutines are workers. A worker does a job — read
// messages (readJob), write the outbox (flushJob) or run a message — and
// then, rather than exit, waits for the next job, until the connection ends
// (at most maxIdle workers wait; more exit). So a stream of messages reuses
// a few goroutines, and the stacks they have grown, where a goroutine per
// message would start small and grow its stack (copying it) every time:
// that was a quarter of the CPU time of a small request.
var (
	readJob  = new(inbound) // take over reading
	flushJob = new(inbound) // write the outbox
)

// maxIdle bounds the workers that wait for a job: as many as requests run
// at once by default, so that a steady load of concurrent requests starts no
// goroutines. Each holds only its stack (a few KiB) while it waits.
const maxIdle = DefaultMaxConcurrency

// handOff gives a job to a waiting worker, or to a new one.
func (c *Conn) handOff(job *inbound) {
	select {
	case c.idle <- job:
	default:
		go c.worker(job)
	}
}

// worker does job, then the jobs handed to it, until maxIdle workers wait
// already or the connection has ended.
func (c *Conn) worker(job *inbound) {
	for {
		switch job {
		case readJob:
			in, err := c.readAll()
			if in == nil {
				c.readEnded(err)
				return
			}
			// A message may start: this goroutine runs it itself, on the
			// thread that has just woken up with it, and another reads on
			// (see readEnded).
			c.handOff(readJob)
			c.run(in)
		case flushJob:
			c.flush()
		default:
			c.run(job)
		}
		var ok bool
		if job, ok = c.nextJob(); !ok {
			return
		}
	}
}

// nextJob waits for a job while the connection lives, unless maxIdle
// workers wait already.
func (c *Conn) nextJob() (*inbound, bool) {
	if c.idlers.Add(1) > maxIdle {
		c.idlers.Add(-1)
		return nil, false
	}
	defer c.idlers.Add(-1)
	select {
	case job := <-c.idle:
		return job, true
	case <-c.ctx.Done():
		return nil, false
	}
}

// run handles a message, then keeps the goroutine for the next message that
// may start, which saves a goroutine per message in a stream of them.
func (c *Conn) run(in *inbound) {
	for in != nil {
		reply := c.handle(in)
		if reply != nil && in.batch != nil {
			in.batch.add(c, reply) // never writes on this goroutine
			reply = nil
		}
		// The reply is queued by finish, before the handler counts as done
		// (a draining connection must not close with a reply on its way),
		// and written after it, so that a handler stuck in a write never
		// holds its place in the order.
		next, write := c.finish(in, reply)
		if write {
			if next == nil {
				c.flush()
			} else {
				c.handOff(flushJob)
			}
		}
		in = next
	}
}

// handle calls the handler and encodes the reply (nil for a notification).
func (c *Conn) handle(in *inbound) *[]byte {
	result, err := c.invoke(in)
	in.cancel(nil)
	if in.req.IsNotification() {
		if err != nil {
			c.cfg.logger.Warn("conn: notification handler failed", "method", in.req.Method, "err", err)
		}
		return nil
	}
	return c.encodeReply(in, result, err)
}

// encodeReply encodes the reply to a request. Encoding runs the handler's
// code too (a result's MarshalJSON, an error's Error method), so a panic
// there is recovered as in invoke: it must not end the process.
func (c *Conn) encodeReply(in *inbound, result any, err error) (buf *[]byte) {
	buf = getBuf()
	defer func() {
		if p := recover(); p != nil {
			c.cfg.logger.Error("conn: encoding the reply panicked", "method", in.req.Method, "panic", p, "stack", string(debug.Stack()))
			e := &Error{Code: CodeInternalError, Message: fmt.Sprintf("encoding the reply panicked: %v", p)}
			*buf = appendError((*buf)[:0], in.req.ID, e)
		}
	}()
	if err == nil {
		var data []byte
		if data, err = encodeValue(result); err == nil {
			*buf = appendResult(*buf, in.req.ID, data)
			return buf
		}
		c.cfg.logger.Error("conn: cannot encode result", "method", in.req.Method, "err", err)
		err = &Error{Code: CodeInternalError, Message: "cannot encode result: " + err.Error()}
	}
	e := toError(err)
	if in.peerCancelled.Load() {
		e = errCancelled
	}
	*buf = appendError(*buf, in.req.ID, e)
	return buf
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

// finish does the bookkeeping of a finished handler, queues its reply (if
// not nil) and returns the next message for this goroutine to run, if one
// may start, and whether the caller must write the outbox; any others that
// may start get goroutines of their own.
func (c *Conn) finish(in *inbound, reply *[]byte) (*inbound, bool) {
	var buf [4]*inbound
	c.mu.Lock()
	if in.key != "" && c.inflight[in.key] == in {
		delete(c.inflight, in.key)
	}
	if !in.released {
		c.releaseLocked(in)
	}
	in.finished = true
	if in.prev != nil {
		in.prev.next = in.next
	} else {
		c.running = in.next
	}
	if in.next != nil {
		in.next.prev = in.prev
	}
	in.prev, in.next = nil, nil
	write := false
	if reply != nil {
		if c.state == closed {
			putBuf(reply)
		} else {
			write = c.enqueueLocked(reply)
		}
	}
	c.active--
	start := c.startableLocked(buf[:0])
	if c.active == 0 {
		c.broadcastLocked()
	}
	c.mu.Unlock()
	if len(start) == 0 {
		return nil, write
	}
	c.spawn(start[1:])
	return start[0], write
}

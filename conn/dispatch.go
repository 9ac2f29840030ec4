package conn

import (
	"context"
	"fmt"
	"runtime/debug"
	"sync/atomic"
	"time"
)

// This file is the dispatch queue: where received requests and
// notifications wait, the ordering rules that decide when each starts (see
// the package doc), and where handlers run and their replies are made.

// inbound is one received request or notification, from arrival to reply.
// While its handler runs it is also the handler's context, which carries
// the connection and the message (see FromContext and Release). Every
// message takes one (see newInbound), so its fields are laid out to fit
// 128 bytes.
type inbound struct {
	conn  *Conn
	req   Request
	batch *batchReply // the batch it came in, if it is a request in one

	// The handler's context proper, a context.WithCancelCause of the
	// connection's, is made only when the handler first asks for it (see
	// context): most handlers never do, and making and cancelling it was a
	// fifth of the cost of a notification. ended records, until then, that
	// it must start cancelled, with cause.
	hctx  atomic.Pointer[handlerContext]
	cause error // guarded by conn.mu
	ended atomic.Bool

	peerCancelled atomic.Bool // the peer sent a cancellation for it
	exclusive     bool        // its mode, resolved on arrival: Exclusive, or else Concurrent

	// Guarded by conn.mu.
	started, cancelled, released, finished bool
	prev, next                             *inbound // in conn.running while it runs
}

// handlerContext is a handler's context and what cancels it.
type handlerContext struct {
	context.Context
	cancel context.CancelCauseFunc
}

// detached is the parent of every handler's context: the connection's
// context (its values and deadline) without its Done channel. So
// context.WithCancelCause does not register each handler's context with the
// connection's (an insert and a delete in a map, under a lock that every
// handler shares); the connection cancels its running handlers itself when
// it ends (cancelRunningLocked).
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
		in.endLocked(cause)
	}
}

// endLocked cancels the handler's context, or records that it must start
// cancelled if it has not been made yet. The first cause stays.
func (in *inbound) endLocked(cause error) {
	if in.ended.Load() {
		return
	}
	in.cause = cause
	in.ended.Store(true)
	if hc := in.hctx.Load(); hc != nil {
		hc.cancel(cause)
	}
}

// context returns the handler's context proper, made on first use.
func (in *inbound) context() context.Context {
	if hc := in.hctx.Load(); hc != nil {
		return hc
	}
	c := in.conn
	c.mu.Lock()
	defer c.mu.Unlock()
	if hc := in.hctx.Load(); hc != nil {
		return hc
	}
	ctx, cancel := context.WithCancelCause(c.handlerParent)
	if in.ended.Load() {
		cancel(in.cause)
	}
	hc := &handlerContext{ctx, cancel}
	in.hctx.Store(hc)
	return hc
}

// Deadline returns the connection context's deadline, if it has one.
func (in *inbound) Deadline() (time.Time, bool) { return in.conn.ctx.Deadline() }

// Done returns the handler's Done channel. A handler that asks for it may
// wait for a cancellation, which must be read: so the reader, if it is
// holding on to reading while it runs this or another handler, passes
// reading on (see read).
func (in *inbound) Done() <-chan struct{} {
	in.conn.freeReader()
	return in.context().Done()
}

// Err returns the handler context's error; like Done, it frees the reader,
// for a handler that polls for a cancellation.
func (in *inbound) Err() error {
	in.conn.freeReader()
	if hc := in.hctx.Load(); hc != nil {
		return hc.Err()
	}
	if !in.ended.Load() {
		return nil
	}
	return in.context().Err()
}

type inboundKey struct{}

// Value returns the message itself for the package's key, so that
// FromContext and Release find it, and defers to the context proper
// otherwise.
func (in *inbound) Value(key any) any {
	if key == (inboundKey{}) {
		return in
	}
	return in.context().Value(key)
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
	c.freeReader() // what comes after must be read to start
	c.spawn(start)
}

// accept queues a received request or notification; $/cancelRequest is
// handled here, on the read path, ahead of the queue. The reader starts what
// it has queued with startQueued. size is the length of the message (or
// batch) it came in.
func (c *Conn) accept(req Request, batch *batchReply, size int) {
	if c.cfg.cancelMethod != "" && req.Method == c.cfg.cancelMethod {
		c.cancelByPeer(req.Params)
		if req.ID.IsValid() {
			b := getBuf()
			*b = appendResult(*b, req.ID, []byte("null"))
			c.replyTo(batch, b, false)
		}
		return
	}
	in := c.newInbound(size)
	in.conn, in.req = c, req
	in.exclusive = c.modeOf(&in.req) == Exclusive // not &req: that would move req to the heap too
	if req.ID.IsValid() {
		in.batch = batch
	}
	c.mu.Lock()
	if c.state != open {
		c.mu.Unlock()
		return
	}
	c.queue = append(c.queue, in)
	c.room, c.roomSeen = c.roomLocked(), true
	c.mu.Unlock()
}

// Records of small messages come from slabs of slabSize, allocated at once:
// an allocation of its own was an eighth of the cost of a small
// notification, most of it in touching new memory. A slab lives while any
// of its records is referenced (a handler still running, a context or a
// *Request kept), and with it what its other records refer to, their
// params above all; so only messages of at most maxSlabMessage bytes take
// their record from a slab, which bounds what one record kept can hold on
// to at about a quarter of a megabyte.
const (
	slabSize       = 64
	maxSlabMessage = 4 << 10
)

// newInbound returns a zero record for a message of size bytes. Only the
// read path calls it.
func (c *Conn) newInbound(size int) *inbound {
	if size > maxSlabMessage {
		return new(inbound)
	}
	if len(c.slab) == 0 {
		c.slab = make([]inbound, slabSize)
	}
	in := &c.slab[0]
	c.slab = c.slab[1:]
	return in
}

// startQueued starts what may start of the queue: it hands all but the
// first to other workers and returns the first (or nil), for the reader to
// run itself. With mayHold, it also decides whether the reader holds on to
// reading while it runs that message (see read): only when it is the only
// handler running and no call of ours awaits a reply, since reading then
// waits until the handler ends, needs the reader, or the watchdog frees it.
func (c *Conn) startQueued(mayHold bool) (in *inbound, hold bool) {
	var buf [8]*inbound
	c.mu.Lock()
	start := c.startableLocked(buf[:0])
	if len(start) == 0 {
		c.mu.Unlock()
		return nil, false
	}
	if mayHold && c.active == 1 && len(c.pending) == 0 {
		hold = true
		c.holdLocked()
	}
	c.mu.Unlock()
	c.spawn(start[1:])
	return start[0], hold
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
			if in.exclusive && c.ordered > 0 || c.ordered >= c.cfg.maxConcurrent {
				break
			}
			in.started = true
			in.next = c.running // see cancelRunningLocked
			if in.next != nil {
				in.next.prev = in
			}
			c.running = in
			c.ordered++
			c.active++
			c.exclusive = in.exclusive
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
	if in.exclusive {
		c.exclusive = false
	}
}

// dropQueueLocked forgets the messages that have not started; they never run.
func (c *Conn) dropQueueLocked() {
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
			if !c.read() {
				return // the stream has ended
			}
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

// read reads and runs messages. It returns false when the stream has ended,
// and true when reading has passed to another worker, so that this one is
// free for other jobs.
//
// A message that may start is run by the reader itself, on the thread that
// has just woken up with it: waking another thread for it costs more than
// the rest of a small round trip. If that message is the only one running,
// the reader holds on to reading while it runs, and reads on after it, as a
// loop that reads, handles and writes would: a lone request, or a stream of
// notifications, then costs no hand-off at all. Reading passes to another
// worker the moment it is needed — the handler asks for its context's Done
// or Err (it waits for a cancellation), calls the peer, or calls Release —
// or, for a handler that blocks on anything else, when the watchdog sees it
// hold reading for a whole watchPeriod. Otherwise (other handlers are
// running) reading passes to another worker at once.
func (c *Conn) read() bool {
	for {
		in, hold, err := c.readAll()
		if in == nil {
			c.readEnded(err)
			return false
		}
		if !hold {
			c.handOff(readJob)
			c.run(in)
			return true
		}
		c.run(in)
		if !c.held.CompareAndSwap(true, false) {
			return true // freed meanwhile: another worker reads
		}
	}
}

// holdLocked records that the reader holds on to reading while it runs a
// handler, and makes sure the watchdog looks.
func (c *Conn) holdLocked() {
	c.holds++
	c.held.Store(true)
	if !c.watching && c.state < closed {
		c.watching = true
		c.watchdog.Reset(c.cfg.watchPeriod)
	}
}

// freeReader passes reading to another worker if the reader holds on to it
// while it runs a handler. Whatever needs messages read while handlers run
// calls it: a handler that waits for cancellation, a call that awaits its
// reply, Release.
func (c *Conn) freeReader() {
	if c.held.Load() && c.held.CompareAndSwap(true, false) {
		c.handOff(readJob)
	}
}

// watchPeriod is how often the watchdog looks while the reader holds on to
// reading: a handler that blocks without asking for its context (a lock, a
// channel, a long computation) delays reading by one to two periods.
const watchPeriod = 10 * time.Millisecond

// watch is the watchdog: it frees the reader when the same hold has lasted
// from one look to the next, and looks again while the reader holds. It
// runs at most once a period, and only while messages arrive, so that a
// lone round trip does not pay for a timer of its own.
func (c *Conn) watch() {
	c.mu.Lock()
	c.watching = false
	held := c.held.Load()
	stuck := held && c.holds == c.seenHolds
	if held && !stuck && c.state < closed {
		c.seenHolds = c.holds
		c.watching = true
		c.watchdog.Reset(c.cfg.watchPeriod)
	}
	c.mu.Unlock()
	if stuck {
		c.freeReader()
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
			*buf = appendError((*buf)[:frameRoom], in.req.ID, e)
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
	if !in.released {
		c.releaseLocked(in)
	}
	in.endLocked(nil)
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

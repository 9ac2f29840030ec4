package conn

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/lspkit/lspkit/framing"
)

// Conn is one JSON-RPC 2.0 connection. Either side may call, notify and
// handle; a Conn is the same whether it serves or is a client. Its methods
// are safe for concurrent use.
type Conn struct {
	cfg     config
	handler Handler // the handler wrapped in its middleware
	order   Ordered // the handler's own ordering, if it has one
	stream  Stream

	ctx      context.Context // ends when the connection ends; handlers' contexts descend from it
	detached context.Context // ctx without its Done, the parent of requests' contexts (see detached)
	cancel   context.CancelCauseFunc
	done     chan struct{} // closed once the connection has ended

	closeStreamOnce sync.Once
	teardownOnce    sync.Once

	// methods interns method names (see methodName); only the read path
	// uses it.
	methods map[string]string
	// writer is the stream's writer, and batch its scratch list of
	// messages; only the goroutine that writes uses batch (see flush).
	writer framing.Writer
	batch  [][]byte
	// watchdog hands reading on if the read path runs a handler itself for
	// long, and bufferedReader tells the read path whether more input is
	// buffered (see inline.go).
	watchdog       *time.Timer
	bufferedReader framing.BufferedReader

	mu sync.Mutex
	s  state // guarded by mu; changed only by the methods whose names end in Locked
}

// state is all that changes while a connection lives. Invariants, which
// hold whenever mu is not held:
//
//   - phase only moves forward: open, then draining (the peer ended its
//     side) or closing (Close, or New's context ended), then closed.
//   - queue holds received messages that have not started, in arrival
//     order. It grows past cfg.queueLimit only while a call of ours awaits
//     its reply (up to overflowFactor times; see roomLocked) or by the
//     elements of one batch, itself bounded by cfg.maxBatch.
//   - inflight holds every received request that is queued or running
//     and not yet answered, by its id's key: one per id.
//   - ordered counts started handlers that still hold their place in the
//     order (not finished, not released); ordered <= cfg.maxConcurrency.
//     exclusive is set while an Exclusive one holds it, and then
//     ordered == 1.
//   - running counts started handlers not yet finished, released or not;
//     running <= cfg.maxRunning.
//   - calls maps the id of each call of ours that awaits its reply to the
//     channel that receives it.
//   - readerBusy is set only while the read path runs a handler itself;
//     whoever clears it (the read path when the handler returns, or
//     handOffReadingLocked) makes sure exactly one goroutine reads on.
//   - outbox holds encoded messages not yet written, outBytes their size;
//     writing is set while one goroutine writes them, in order.
type state struct {
	phase phase
	err   error // why the connection ended; nil for a clean end

	queue     fifo[*inbound]
	inflight  map[string]*inbound
	ordered   int
	exclusive bool
	running   int

	calls  map[int64]chan response
	nextID int64

	outbox   fifo[[]byte]
	outBytes int
	writing  bool

	// readerBusy is set while the read path runs a handler itself;
	// inlineRuns counts those runs, inlineSeen is the count at the
	// watchdog's last look, and watching is set while it is armed (see
	// inline.go).
	readerBusy             bool
	inlineRuns, inlineSeen uint64
	watching               bool

	stopWatch func() bool // stops watching New's context

	// changed is closed, and replaced, when the state changes in a way that
	// someone waits for (room in the queue or the outbox, a handler
	// finished, the phase), if waiting says someone does; see waitLocked.
	changed chan struct{}
	waiting bool
}

type phase int

const (
	open phase = iota
	draining
	closing
	closed
)

// Stream carries whole messages: a byte stream with its framing (New makes
// one), or a transport whose messages are its own, such as WebSocket.
// ReadMessage is called from one goroutine; WriteMessage from one at a time;
// Close must make a blocked ReadMessage return.
type Stream interface {
	framing.Reader
	framing.Writer
	io.Closer
}

// New starts a connection over rwc, framed as WithFramer says (Content-Length
// headers by default), and returns it. It reads messages from rwc and
// dispatches them to h (a nil h answers every request with -32601) until the
// peer closes its side, ctx ends, or Close is called. Handlers' contexts
// descend from ctx.
func New(ctx context.Context, rwc io.ReadWriteCloser, h Handler, opts ...Option) *Conn {
	cfg := newConfig(opts)
	s := framedStream{cfg.framer.NewReader(rwc), cfg.framer.NewWriter(rwc), rwc}
	return newConn(ctx, s, h, cfg)
}

// NewStream starts a connection over a stream of whole messages; otherwise
// it is New. WithFramer does not apply.
func NewStream(ctx context.Context, s Stream, h Handler, opts ...Option) *Conn {
	return newConn(ctx, s, h, newConfig(opts))
}

// framedStream is a byte stream with its framing.
type framedStream struct {
	framing.Reader
	framing.Writer
	io.Closer
}

func newConn(ctx context.Context, s Stream, h Handler, cfg config) *Conn {
	if h == nil {
		h = NewMux()
	}
	c := &Conn{cfg: cfg, stream: s, done: make(chan struct{}), methods: make(map[string]string), writer: s}
	if fs, ok := s.(framedStream); ok {
		c.writer = fs.Writer // a BatchWriter, if the framing's writer is one
		c.bufferedReader, _ = fs.Reader.(framing.BufferedReader)
	}
	c.order, _ = h.(Ordered)
	for i := len(cfg.middleware) - 1; i >= 0; i-- {
		h = cfg.middleware[i](h)
	}
	c.handler = h
	c.watchdog = time.AfterFunc(time.Hour, c.watch)
	c.watchdog.Stop()
	c.s.inflight = make(map[string]*inbound)
	c.s.calls = make(map[int64]chan response)
	c.s.changed = make(chan struct{})
	c.ctx, c.cancel = context.WithCancelCause(ctx)
	c.detached = detached{c.ctx}
	c.mu.Lock() // a context already done runs its AfterFunc at once
	c.s.stopWatch = context.AfterFunc(ctx, func() { c.teardown(context.Cause(ctx)) })
	c.mu.Unlock()
	go c.readLoop()
	return c
}

// Serve runs a connection over rwc with handler h until it ends, and
// returns nil if it ended cleanly (the peer closed its side, or ctx ended)
// or the error that broke it.
func Serve(ctx context.Context, rwc io.ReadWriteCloser, h Handler, opts ...Option) error {
	c := New(ctx, rwc, h, opts...)
	<-c.Done()
	return c.Err()
}

// Done returns a channel that is closed when the connection has ended.
func (c *Conn) Done() <-chan struct{} { return c.done }

// Err returns why the connection ended: nil while it runs and after a clean
// end, otherwise the read or write error that broke it.
func (c *Conn) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.s.err
}

// Close ends the connection: it stops reading, cancels running handlers and
// waits for them (at most the close timeout), writes what is queued (their
// replies: -32800 for a request cut short), fails pending calls with an
// error wrapping ErrClosed, and closes the stream. Requests still queued
// never run. Close returns once the connection has ended; it is safe to
// call more than once.
//
// Because Close waits for handlers, a handler that wants to end its own
// connection calls it in a new goroutine.
func (c *Conn) Close() error {
	c.teardown(errClosedByUs)
	return nil
}

// errClosedByUs is the cause of handlers' contexts when Close ends them.
var errClosedByUs = fmt.Errorf("%w by Close", ErrClosed)

// readLoop is the read path: it reads each message, answers bad input, and
// hands each message to receive (message.go), which delivers replies,
// handles preempted methods such as cancellation, and queues the rest. It
// never waits for a handler, only for room in the queue and the outbox
// (waitForRoom), so that cancellations and replies to our own calls always
// get through while handlers run. When the stream ends, it lets what was
// received finish (at most the drain timeout) and ends the connection.
func (c *Conn) readLoop() {
	for c.waitForRoom() {
		body, err := c.stream.ReadMessage()
		if err == nil {
			if in := c.receive(body); in != nil && !c.runInline(in) {
				return // another goroutine reads now
			}
			continue
		}
		if fe := (*framing.Error)(nil); errors.As(err, &fe) {
			c.refuse(fe)
			continue
		}
		c.readEnded(err)
		return
	}
}

// readEnded ends the connection after its read side ended with err.
func (c *Conn) readEnded(err error) {
	c.mu.Lock()
	peer := c.s.phase == open
	if peer {
		c.s.phase = draining
		if !errors.Is(err, io.EOF) && c.s.err == nil {
			c.s.err = err
		}
		c.failCallsLocked(err) // no reply can come any more
		c.changedLocked()
	}
	c.mu.Unlock()
	if peer {
		c.waitUntil(c.cfg.drainTimeout, func() bool { return c.s.running == 0 && c.s.queue.len() == 0 })
		c.teardown(errDrainTimeout)
	}
}

// errDrainTimeout is the cause of handlers' contexts when the peer has
// ended its side and they ran past the drain timeout.
var errDrainTimeout = fmt.Errorf("%w: the peer ended its side and the drain timeout passed", ErrClosed)

// refuse answers a message that the framing layer skipped.
func (c *Conn) refuse(fe *framing.Error) {
	c.cfg.logger.Warn("conn: message refused", "err", fe)
	e := &Error{Code: CodeParseError, Message: "Parse error: " + fe.Error()}
	if fe.Kind == framing.TooLarge {
		e = invalidRequest(fe.Error()).WithData(map[string]int64{"size": fe.Size, "limit": fe.Limit})
	}
	c.sendError(ID{}, e, nil)
}

// teardown ends the connection once: it cancels handlers with cause, waits
// for them, writes what is queued and closes the stream. Later callers wait
// for the first.
func (c *Conn) teardown(cause error) {
	c.teardownOnce.Do(func() {
		c.mu.Lock()
		if c.s.phase < closing {
			c.s.phase = closing
		}
		c.dropQueueLocked()
		c.changedLocked()
		c.s.stopWatch()
		c.cancel(cause)
		c.endRequestsLocked(context.Cause(c.ctx))
		c.mu.Unlock()
		c.waitUntil(c.cfg.closeTimeout, func() bool { return c.s.running == 0 })
		c.waitUntil(c.cfg.closeTimeout, func() bool { return !c.s.writing && c.s.outbox.len() == 0 })
		c.closeStream()
		c.mu.Lock()
		c.s.phase = closed
		c.watchdog.Stop()
		c.failCallsLocked(nil)
		c.changedLocked()
		c.mu.Unlock()
		close(c.done)
	})
	<-c.done
}

// closeStream closes the stream once; this is what unblocks a read.
func (c *Conn) closeStream() {
	c.closeStreamOnce.Do(func() {
		if err := c.stream.Close(); err != nil {
			c.cfg.logger.Debug("conn: closing the stream", "err", err)
		}
	})
}

// failCallsLocked fails every call still awaiting a reply.
func (c *Conn) failCallsLocked(cause error) {
	err := closedError(cause)
	for id, ch := range c.s.calls {
		ch <- response{err: err}
		delete(c.s.calls, id)
	}
}

// closedError returns ErrClosed, wrapped with the cause if there is one.
func closedError(cause error) error {
	if cause == nil || errors.Is(cause, ErrClosed) {
		return ErrClosed
	}
	return fmt.Errorf("%w: %w", ErrClosed, cause)
}

// overflowFactor is how far past its limit the queue may grow while a call
// of ours awaits its reply: the reply may be the next message, and the
// handlers that would make room may be the very ones waiting for it. A
// peer that never answers still cannot make memory grow without bound by
// flooding us meanwhile.
const overflowFactor = 8

// waitForRoom waits until the queue, the running handlers and the outbox
// leave room for what the next message may bring. It reports false once
// the connection is no longer open.
func (c *Conn) waitForRoom() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for c.s.phase == open && !c.roomLocked() {
		c.waitLocked(nil, nil)
	}
	return c.s.phase == open
}

// roomLocked reports whether another message may be read (see waitForRoom).
func (c *Conn) roomLocked() bool {
	limit := c.cfg.queueLimit
	if len(c.s.calls) > 0 {
		limit *= overflowFactor
	}
	return c.s.queue.len() < limit && c.s.outBytes <= c.cfg.outboxLimit
}

// waitUntil waits, at most d, until cond (called with mu held) holds.
func (c *Conn) waitUntil(d time.Duration, cond func() bool) {
	timer := time.NewTimer(d)
	defer timer.Stop()
	c.mu.Lock()
	defer c.mu.Unlock()
	for !cond() {
		if !c.waitLocked(nil, timer.C) {
			return
		}
	}
}

// waitLocked releases mu until the state changes (true), or done is closed
// or timeout fires (false). Either may be nil.
func (c *Conn) waitLocked(done <-chan struct{}, timeout <-chan time.Time) bool {
	ch := c.s.changed
	c.s.waiting = true
	c.mu.Unlock()
	defer c.mu.Lock()
	select {
	case <-ch:
		return true
	case <-done:
		return false
	case <-timeout:
		return false
	}
}

// changedLocked wakes everyone waiting for the state to change.
func (c *Conn) changedLocked() {
	if c.s.waiting {
		close(c.s.changed)
		c.s.changed = make(chan struct{})
		c.s.waiting = false
	}
}

// fifo is a first-in, first-out queue that keeps its memory when it empties.
type fifo[T any] struct {
	items []T
	head  int // items[head:] are queued
}

func (q *fifo[T]) len() int { return len(q.items) - q.head }
func (q *fifo[T]) push(v T) {
	if len(q.items) == cap(q.items) && q.head >= len(q.items)/2 {
		// Reuse the room that popped items left at the front.
		n := copy(q.items, q.items[q.head:])
		clear(q.items[n:])
		q.items, q.head = q.items[:n], 0
	}
	q.items = append(q.items, v)
}
func (q *fifo[T]) peek() T  { return q.items[q.head] }
func (q *fifo[T]) all() []T { return q.items[q.head:] }
func (q *fifo[T]) pop() T {
	var zero T
	v := q.items[q.head]
	q.items[q.head] = zero
	q.head++
	if q.head == len(q.items) {
		q.items, q.head = q.items[:0], 0
	}
	return v
}

// clear empties the queue.
func (q *fifo[T]) clear() {
	clear(q.items)
	q.items, q.head = q.items[:0], 0
}

// hook shows a message to the hooks.
func (c *Conn) hook(dir Direction, msg []byte) {
	for _, h := range c.cfg.hooks {
		h(dir, msg)
	}
}

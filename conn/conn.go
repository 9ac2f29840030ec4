package conn

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/lspkit/lspkit/framing"
)

// Conn is one JSON-RPC 2.0 connection. Either side may call, notify and
// handle; a Conn is the same whether it serves or is a client. Its methods
// are safe for concurrent use.
type Conn struct {
	cfg     config
	handler Handler // the handler with its middleware
	order   Ordered // the handler's own ordering, if it has one
	stream  Stream

	ctx           context.Context // ends with the connection
	cancel        context.CancelFunc
	handlerParent context.Context // detached{ctx}, made once: the parent of handlers' contexts
	done          chan struct{}   // closed once the connection has ended

	// buffered tells whether another whole message waits in the read
	// buffer (nil if the stream cannot tell); the reader takes in up to
	// maxBurst such messages before it starts any (see readAll).
	buffered framing.BufferedReader
	// batchWriter writes several messages in one write (nil if the stream
	// cannot); batch is the writer's scratch list of them. inPlaceWriter
	// writes a message from its frame (nil if the stream cannot). See
	// writeFrames.
	batchWriter   framing.BatchWriter
	batch         [][]byte
	inPlaceWriter framing.InPlaceWriter

	// methods interns method names; the read path owns it, and readBuf:
	// the buffer of the last message read, when nothing refers to it any
	// more, for reuseReader to read the next message into (see receive).
	methods     methodNames
	reuseReader framing.ReuseReader
	readBuf     []byte
	// slab holds the records not yet used of the last slab (see
	// newInbound); the read path owns it, and room: what hasRoom answered
	// when accept queued the message last read, if roomSeen.
	slab           []inbound
	room, roomSeen bool

	// idle hands a job to a worker that waits for one; idlers counts them
	// (see worker, in dispatch.go).
	idle   chan *inbound
	idlers atomic.Int32

	// held is set while the reader holds on to reading as it runs a handler
	// itself; whoever clears it starts another reader (see read, in
	// dispatch.go). The watchdog frees a reader held too long.
	held     atomic.Bool
	watchdog *time.Timer

	closeStreamOnce sync.Once
	teardownOnce    sync.Once

	mu sync.Mutex
	// Everything below is guarded by mu. Invariants:
	//   - queue holds received messages that have not started, in arrival
	//     order. Its length passes queueLimit only by the elements of one
	//     batch, which arrive in one message already in memory, or while a
	//     call of ours awaits its reply (see waitForRoom).
	//   - ordered counts started handlers that still hold their place in the
	//     order: not finished, not released. ordered <= cfg.maxConcurrent.
	//   - exclusive is set while an Exclusive handler holds its place; then
	//     ordered == 1 and nothing else starts.
	//   - active counts handler goroutines not yet finished, released or not.
	//   - pending maps the id of each call we made and still await to its
	//     waiter.
	//   - outbox holds encoded messages not yet written, outBytes their size;
	//     writing is set while one goroutine writes them, in order.
	//   - state only moves forward: open, then draining (the peer's side has
	//     ended) or closing (Close, or teardown), then closed.
	//   - stopAfter stops the watch on New's context. It is nil until New
	//     sets it: a context that is already done may start teardown first.
	queue     []*inbound
	running   *inbound // the handlers started and not finished, linked
	ordered   int
	exclusive bool
	active    int
	pending   map[int64]chan response
	nextID    int64
	outbox    []*[]byte
	spare     []*[]byte
	outBytes  int
	writing   bool
	state     state
	err       error         // why the connection ended; nil for a clean end
	wake      chan struct{} // closed and replaced to wake everyone waiting
	waiting   bool          // someone waits on wake
	stopAfter func() bool
	// The reader's holds, counted, and the count the watchdog saw when it
	// last looked; watching is set while it is due to look again.
	holds, seenHolds uint64
	watching         bool
}

type state int

const (
	open state = iota
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
	c := &Conn{
		cfg:     cfg,
		stream:  s,
		done:    make(chan struct{}),
		pending: make(map[int64]chan response),
		wake:    make(chan struct{}),
	}
	c.idle = make(chan *inbound)
	if fs, ok := s.(framedStream); ok {
		c.buffered, _ = fs.Reader.(framing.BufferedReader)
		c.reuseReader, _ = fs.Reader.(framing.ReuseReader)
		c.batchWriter, _ = fs.Writer.(framing.BatchWriter)
		c.inPlaceWriter, _ = fs.Writer.(framing.InPlaceWriter)
	}
	c.order, _ = h.(Ordered)
	for i := len(cfg.middleware) - 1; i >= 0; i-- {
		h = cfg.middleware[i](h)
	}
	c.handler = h
	c.ctx, c.cancel = context.WithCancel(ctx)
	c.handlerParent = detached{c.ctx}
	c.mu.Lock()
	c.watching = true // its first look finds nothing held, and it rests
	c.watchdog = time.AfterFunc(c.cfg.watchPeriod, c.watch)
	c.mu.Unlock()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	c.mu.Lock()
	c.stopAfter = stop
	c.mu.Unlock()
	go c.worker(readJob)
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
	return c.err
}

// Close ends the connection: it stops reading, cancels running handlers and
// waits for them (at most the close timeout), writes what is queued, fails
// pending calls with an error wrapping ErrClosed, and closes the stream.
// Requests still queued never run. Close returns once the connection has
// ended; it is safe to call more than once.
//
// Because Close waits for handlers, a handler that wants to end its own
// connection calls it in a new goroutine.
func (c *Conn) Close() error {
	c.mu.Lock()
	if c.state < closing {
		c.state = closing
		c.dropQueueLocked()
		c.broadcastLocked()
	}
	c.mu.Unlock()
	c.teardown()
	return nil
}

// One worker at a time reads (readJob): it reads and dispatches messages
// until the stream ends, and then readEnded lets what was received finish
// (bounded) and ends the connection. The reader runs a message that may
// start itself, and reading either goes on in another worker at once or
// waits until that handler is done (see read, in dispatch.go).
func (c *Conn) readEnded(err error) {
	if c.peerEnded(err) {
		c.waitIdle(c.cfg.drainTimeout, true)
	}
	c.teardown()
}

// maxBurst bounds the messages that the reader takes in before it starts
// any (see readAll), and so how long the first of them may wait: reading a
// small message takes well under a microsecond, so at most about 0.1 ms.
// Each burst costs a wake-up of another thread, tens of microseconds on a
// virtual machine whose other CPU is idle: 256 rather than 32 made 50,000
// notifications 40% faster, and 256 requests in flight 40% more.
const maxBurst = 256

// readAll is the read path. It never waits for a handler, only for room in
// the queue and the outbox, so that cancellations and replies to our own
// calls always get through while handlers run. It returns when the stream
// ends, or with a message that has started, for the caller to run while
// another worker reads on (see readEnded).
//
// Messages are queued as they are read, and started once no other whole
// message waits in the read buffer (or maxBurst of them have been read): a
// burst of messages (a flood of notifications, pipelined requests) then
// costs one hand-off between goroutines, not one per message.
func (c *Conn) readAll() (in *inbound, hold bool, err error) {
	for c.waitForRoom() {
		// A burst: read on before starting while another whole message
		// waits in the read buffer and there is room. (hasRoom checks what
		// waitForRoom does, without waiting: it must not wait for handlers
		// that have not been started.)
		for burst := 1; ; burst++ {
			c.roomSeen = false
			body, err := c.readMessage()
			switch {
			case err == nil:
				if !c.receive(body) {
					c.keepReadBuf(body)
				}
			case isFramingError(err):
				c.refuse(err)
			default:
				if in, _ := c.startQueued(false); in != nil { // what the burst had read
					c.handOff(in)
				}
				return nil, false, err
			}
			if burst == maxBurst || c.buffered == nil || !c.buffered.MessageBuffered() || !c.roomAfterRead() {
				break
			}
		}
		if in, hold := c.startQueued(true); in != nil {
			return in, hold, nil
		}
	}
	return nil, false, nil
}

// readMessage reads the next message, into readBuf if there is one.
func (c *Conn) readMessage() ([]byte, error) {
	if c.reuseReader == nil {
		return c.stream.ReadMessage()
	}
	buf := c.readBuf
	c.readBuf = nil
	return c.reuseReader.ReadMessageInto(buf)
}

// maxReadBuf bounds readBuf: a small message's buffer is worth keeping, a
// large one is not worth pinning.
const maxReadBuf = 4 << 10

// keepReadBuf keeps body, which nothing refers to any more, for the next read.
func (c *Conn) keepReadBuf(body []byte) {
	if cap(body) <= maxReadBuf {
		c.readBuf = body[:0]
	}
}

// receive handles one message: a single message or a batch. It reports
// whether anything still refers to body once it returns: the params given
// to a handler, a result delivered to a caller, a batch. A message that
// leaves nothing behind (a notification or request without params, an
// invalid message) lends its buffer to the next read, so that a stream of
// them reads without allocating.
func (c *Conn) receive(body []byte) (kept bool) {
	c.hook(In, body)
	if !isASCII(body) && !utf8.Valid(body) {
		// Invalid bytes can only sit inside strings of valid JSON; replacing
		// them here keeps everything we echo valid UTF-8.
		body = bytes.ToValidUTF8(body, []byte("\uFFFD"))
	}
	if i := skipSpace(body, 0); i < len(body) && body[i] == '[' {
		c.receiveBatch(body)
		return true
	}
	var env envelope
	if err := env.parse(body); err != nil {
		c.cfg.logger.Warn("conn: parse error", "err", err)
		c.sendError(ID{}, errParse, nil)
		return false
	}
	var req Request
	switch kind, bad := env.classify(&req, &c.methods); kind {
	case msgInvalid:
		c.cfg.logger.Warn("conn: invalid message", "err", bad.Message)
		c.sendError(req.ID, bad, nil)
		return false
	case msgResponse:
		c.deliver(&env)
		return true
	default:
		c.accept(req, nil, len(body))
		return req.Params != nil // the ID and the method are strings of their own
	}
}

// isFramingError reports whether err is the framing layer's: a message it
// skipped, after which the stream goes on.
func isFramingError(err error) bool {
	var fe *framing.Error
	return errors.As(err, &fe)
}

// refuse answers a message that the framing layer skipped.
func (c *Conn) refuse(err error) {
	var fe *framing.Error
	errors.As(err, &fe)
	c.cfg.logger.Warn("conn: message refused", "err", fe)
	var e *Error
	switch fe.Kind {
	case framing.TooLarge:
		e = invalidRequest(fe.Error()).WithData(map[string]int64{"size": fe.Size, "limit": fe.Limit})
	default:
		e = &Error{Code: CodeParseError, Message: "Parse error: " + fe.Error()}
	}
	c.sendError(ID{}, e, nil)
}

// peerEnded records that the read side has ended. It reports whether the
// connection was open, that is, whether the peer ended it rather than Close.
func (c *Conn) peerEnded(err error) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state != open {
		return false
	}
	c.state = draining
	if err != nil && !errors.Is(err, io.EOF) && c.err == nil {
		c.err = err
	}
	c.failPendingLocked(err)
	c.broadcastLocked()
	return true
}

// teardown ends the connection once; later callers wait for the first.
func (c *Conn) teardown() {
	c.teardownOnce.Do(func() {
		c.mu.Lock()
		if c.state < closing {
			c.state = closing
		}
		c.cancelRunningLocked() // none starts after: the state is closing
		c.mu.Unlock()
		c.cancel()
		c.waitIdle(c.cfg.closeTimeout, false)
		c.waitFlushed(c.cfg.closeTimeout)
		c.closeStream()
		c.mu.Lock()
		if c.stopAfter != nil {
			c.stopAfter()
		}
		c.state = closed
		c.watchdog.Stop()
		c.dropQueueLocked()
		c.failPendingLocked(nil)
		c.broadcastLocked()
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

// breakOnWriteError ends a connection whose stream can no longer be written.
func (c *Conn) breakOnWriteError(err error) {
	c.mu.Lock()
	if c.state <= draining && c.err == nil {
		c.err = fmt.Errorf("conn: write: %w", err)
	}
	c.mu.Unlock()
	c.closeStream()
}

// failPendingLocked fails every call still awaiting a reply.
func (c *Conn) failPendingLocked(cause error) {
	err := closedError(cause)
	for id, ch := range c.pending {
		ch <- response{err: err}
		delete(c.pending, id)
	}
}

// closedError returns ErrClosed, wrapped with the cause if there is one.
func closedError(cause error) error {
	if cause == nil {
		return ErrClosed
	}
	return fmt.Errorf("%w: %w", ErrClosed, cause)
}

// waitForRoom waits until the queue and the outbox have room for what the
// next message may bring. It reports false once the connection is closing.
//
// A full queue does not stop reading while a call of ours awaits its reply:
// the reply may be the next message, and the handlers that would make room
// may be the very ones waiting for it (FromContext(ctx).Call), which would
// deadlock. The queue may then grow to overflowFactor times its limit, and
// no further: a peer that never answers cannot make memory grow without
// bound by flooding us meanwhile.
func (c *Conn) waitForRoom() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for c.state == open && !c.roomLocked() {
		ch := c.waitChanLocked()
		c.mu.Unlock()
		<-ch
		c.mu.Lock()
	}
	return c.state == open
}

// roomLocked reports whether the queue and the outbox have room (see
// waitForRoom).
func (c *Conn) roomLocked() bool {
	limit := c.cfg.queueLimit
	if len(c.pending) > 0 {
		limit *= overflowFactor
	}
	return len(c.queue) < limit && c.outBytes <= c.cfg.outboxLimit
}

// overflowFactor is how far past its limit the queue may grow while a call
// of ours awaits its reply (see waitForRoom).
const overflowFactor = 8

// roomAfterRead is hasRoom after a message has been read: accept, which
// takes the lock anyway, has found the answer for the message it queued.
func (c *Conn) roomAfterRead() bool {
	if c.roomSeen {
		c.roomSeen = false
		return c.room
	}
	return c.hasRoom()
}

// hasRoom reports, without waiting, what waitForRoom would: whether the
// connection is open with room in the queue and the outbox.
func (c *Conn) hasRoom() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state == open && c.roomLocked()
}

// waitIdle waits, at most d, until no handler runs (and, with queue, none
// waits to start).
func (c *Conn) waitIdle(d time.Duration, queue bool) {
	c.waitUntil(d, func() bool { return c.active == 0 && (!queue || len(c.queue) == 0) })
}

// waitFlushed waits, at most d, until everything queued has been written.
func (c *Conn) waitFlushed(d time.Duration) {
	c.waitUntil(d, func() bool { return !c.writing && len(c.outbox) == 0 })
}

// waitUntil waits, at most d, until cond (called with mu held) holds.
func (c *Conn) waitUntil(d time.Duration, cond func() bool) {
	timer := time.NewTimer(d)
	defer timer.Stop()
	c.mu.Lock()
	defer c.mu.Unlock()
	for !cond() {
		ch := c.waitChanLocked()
		c.mu.Unlock()
		select {
		case <-ch:
		case <-timer.C:
			c.mu.Lock()
			return
		}
		c.mu.Lock()
	}
}

// waitChanLocked returns a channel that closes at the next broadcast.
func (c *Conn) waitChanLocked() chan struct{} {
	c.waiting = true
	return c.wake
}

// broadcastLocked wakes everyone waiting for the state to change.
func (c *Conn) broadcastLocked() {
	if c.waiting {
		close(c.wake)
		c.wake = make(chan struct{})
		c.waiting = false
	}
}

// hook shows a message to the hooks.
func (c *Conn) hook(dir Direction, msg []byte) {
	for _, h := range c.cfg.hooks {
		h(dir, msg)
	}
}

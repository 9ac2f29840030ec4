package conn

import (
	"log/slog"
	"time"

	"github.com/lspkit/lspkit/framing"
)

// Option configures a connection; pass options to New or Serve.
type Option func(*config)

type config struct {
	framer         framing.Framer
	logger         *slog.Logger
	maxConcurrency int
	maxRunning     int
	queueLimit     int
	maxBatch       int
	outboxLimit    int
	cancellation   Cancellation
	preempt        map[string]Handler
	middleware     []Middleware
	hooks          []Hook
	closeTimeout   time.Duration
	drainTimeout   time.Duration
}

// The defaults. They suit a language server or a tool plugin talking to one
// editor; a busy service may raise them.
const (
	DefaultMaxConcurrency = 64
	DefaultMaxRunning     = 1024
	DefaultQueueLimit     = 1024
	DefaultMaxBatch       = 1024
	DefaultOutboxLimit    = 32 << 20
	DefaultCloseTimeout   = 5 * time.Second
	DefaultDrainTimeout   = 10 * time.Second
)

func newConfig(opts []Option) config {
	c := config{
		framer:         framing.Header(),
		maxConcurrency: DefaultMaxConcurrency,
		maxRunning:     DefaultMaxRunning,
		queueLimit:     DefaultQueueLimit,
		maxBatch:       DefaultMaxBatch,
		outboxLimit:    DefaultOutboxLimit,
		cancellation:   LSPCancellation(),
		closeTimeout:   DefaultCloseTimeout,
		drainTimeout:   DefaultDrainTimeout,
	}
	for _, o := range opts {
		o(&c)
	}
	if c.logger == nil {
		c.logger = slog.Default()
	}
	c.maxRunning = max(c.maxRunning, c.maxConcurrency)
	return c
}

// WithFramer sets how messages are framed on the stream: framing.Header()
// (Content-Length headers, the default, as LSP uses) or framing.Line()
// (newline-delimited JSON).
func WithFramer(f framing.Framer) Option { return func(c *config) { c.framer = f } }

// WithLogger sets where the connection logs: bad input, dropped responses,
// handler panics. The default is slog.Default(), which writes to stderr —
// never stdout, which carries the frames.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// WithMaxConcurrency bounds how many requests run at once while they hold
// their place in the order (see the package doc). n < 1 means 1.
func WithMaxConcurrency(n int) Option {
	return func(c *config) { c.maxConcurrency = max(n, 1) }
}

// WithMaxRunning bounds how many handlers run at once, counting those that
// gave up their place in the order (Release, or a call to the peer). At the
// bound nothing more starts, the queue fills and reading stops, as for a
// full queue. It is at least the WithMaxConcurrency bound.
func WithMaxRunning(n int) Option { return func(c *config) { c.maxRunning = max(n, 1) } }

// WithMaxBatch bounds the elements of a batch received. A larger batch is
// answered with one -32600 error, and nothing of it is kept. n < 1 means 1.
func WithMaxBatch(n int) Option { return func(c *config) { c.maxBatch = max(n, 1) } }

// WithQueueLimit bounds how many received messages may wait to start. When
// the queue is full the connection stops reading until a message starts, so
// memory does not grow with what the peer sends; while a call of ours
// awaits its reply, the queue may grow to eight times n (see the package
// doc). n < 1 means 1.
func WithQueueLimit(n int) Option { return func(c *config) { c.queueLimit = max(n, 1) } }

// WithOutboxLimit bounds the bytes of outgoing messages waiting to be
// written. Over it, the connection stops reading and Call and Notify wait,
// so a peer that sends but never reads cannot make memory grow.
func WithOutboxLimit(bytes int) Option {
	return func(c *config) { c.outboxLimit = max(bytes, 1) }
}

// WithCancellation sets how cancellation travels on the wire, both ways
// (see Cancellation). The default is LSPCancellation(); the zero
// Cancellation turns cancellation messages off, for peers that do not
// speak them.
func WithCancellation(cn Cancellation) Option { return func(c *config) { c.cancellation = cn } }

// WithPreempt makes h handle method on the read path, ahead of the queue,
// as soon as the message is read: it overtakes every message that waits,
// and runs while other handlers run, whatever their mode. A request's reply
// is sent at once. h must be quick and must not wait for the peer, since
// nothing is read while it runs; FromContext(ctx) gives the connection.
// Cancellation is handled this way (see WithCancellation); another use is
// a notification that cancels work of the application's own, such as LSP's
// window/workDoneProgress/cancel.
func WithPreempt(method string, h Handler) Option {
	return func(c *config) {
		if c.preempt == nil {
			c.preempt = make(map[string]Handler)
		}
		c.preempt[method] = h
	}
}

// WithMiddleware wraps the handler; the first middleware is the outermost.
func WithMiddleware(mw ...Middleware) Option {
	return func(c *config) { c.middleware = append(c.middleware, mw...) }
}

// WithHook adds a hook that sees every message read and written.
func WithHook(h Hook) Option { return func(c *config) { c.hooks = append(c.hooks, h) } }

// WithCloseTimeout bounds how long Close waits for running handlers after
// cancelling them.
func WithCloseTimeout(d time.Duration) Option { return func(c *config) { c.closeTimeout = d } }

// WithDrainTimeout bounds how long the connection, once the peer has closed
// its side, lets queued and running handlers finish and their replies go out
// before it cancels them.
func WithDrainTimeout(d time.Duration) Option { return func(c *config) { c.drainTimeout = d } }

// Hook observes one message as raw JSON, in or out. It runs on the
// connection's own goroutines, so it must be quick, and it must neither keep
// nor change msg.
type Hook func(dir Direction, msg []byte)

// Direction says whether a message was read or written.
type Direction int

// The directions a message can go.
const (
	In  Direction = iota // read from the peer
	Out                  // written to the peer
)

// String returns "in" or "out".
func (d Direction) String() string {
	if d == In {
		return "in"
	}
	return "out"
}

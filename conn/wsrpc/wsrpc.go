// Package wsrpc carries package conn's JSON-RPC 2.0 connections over
// WebSocket: the same handlers, with calls, notifications and pushes both
// ways, as over stdio or a socket.
//
// Each JSON-RPC message or batch is one WebSocket text message, both ways
// (binary messages are read as JSON too). There is no other framing. The
// server side is an http.Handler that upgrades each request and serves it
// with a conn.Handler of its own; the client side is Dial. Both return or
// serve a plain *conn.Conn, so either side calls, notifies and handles:
// a server handler reaches the client with conn.FromContext(ctx) while it
// handles, or any time later through the connection.
//
//	h := wsrpc.NewHandler(func() conn.Handler { return arith.New() })
//	defer h.Close()
//	http.Handle("/ws", h)
//
//	c, err := wsrpc.Dial(ctx, "ws://127.0.0.1:7001/ws", nil)
//	err = c.Call(ctx, "subtract", []int{42, 23}, &diff)
//
// Both ends ping the other every 30 seconds by default (WithPingInterval):
// a peer that does not answer within the interval is taken as gone and the
// connection ends with an error. Closing a connection sends a close frame
// with status 1000 (normal closure), and a peer's normal close (1000 or
// 1001) ends the connection cleanly: replies to what was received still go
// out, as with any stream (see conn's Lifecycle).
//
// A message over the size limit (WithMaxMessageSize) is skipped and
// answered with an error, as the framing layer does on a byte stream, and
// the connection goes on. It is never held in memory: a Handler refuses it
// as soon as the header of its first frame says how large it is, and
// otherwise (a message in fragments, or on the Dial side) as soon as the
// limit is passed; the rest is read through and dropped as it streams.
//
// # Why github.com/coder/websocket
//
// It is context-first (every blocking call takes a context, which suits
// conn), has no dependencies, is actively maintained (the successor of
// nhooyr.io/websocket), handles ping/pong and the close handshake
// concurrently with a reader, and is safe for one reader beside concurrent
// writers. github.com/gorilla/websocket works too but is not context-aware,
// needs a mutex around writes and hand-written ping and close plumbing.
package wsrpc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/lspkit/lspkit/conn"
	"github.com/lspkit/lspkit/framing"
)

// The defaults.
const (
	// DefaultPingInterval is how often each side pings the other.
	DefaultPingInterval = 30 * time.Second
	// DefaultMaxMessageSize is the largest message read, as for a framed
	// stream.
	DefaultMaxMessageSize = framing.DefaultMaxMessageSize
)

// Option configures a Handler or Dial.
type Option func(*config)

type config struct {
	connOpts       []conn.Option
	pingInterval   time.Duration
	maxMessage     int64
	header         http.Header
	httpClient     *http.Client
	originPatterns []string
	logger         *slog.Logger
}

func newConfig(opts []Option) config {
	c := config{pingInterval: DefaultPingInterval, maxMessage: DefaultMaxMessageSize, logger: slog.Default()}
	for _, o := range opts {
		o(&c)
	}
	return c
}

// WithConnOptions passes options to every connection: conn.WithLogger,
// conn.WithMiddleware, limits and timeouts (conn.WithFramer does not
// apply).
func WithConnOptions(opts ...conn.Option) Option {
	return func(c *config) { c.connOpts = append(c.connOpts, opts...) }
}

// WithLogger sets where the transport logs (failed upgrades, pings that
// got no answer); pass conn.WithLogger in WithConnOptions for the
// connections' own logs. The default is slog.Default().
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// WithPingInterval sets how often to ping the peer; a ping not answered
// within the interval ends the connection. d <= 0 turns pings off (TCP
// keepalive still runs). The pong is read by the connection's read loop,
// so a connection that has stopped reading for backpressure (see conn's
// Backpressure) for a whole interval is taken as gone too.
func WithPingInterval(d time.Duration) Option { return func(c *config) { c.pingInterval = d } }

// WithMaxMessageSize sets the largest message read, in bytes; a larger one
// is skipped and answered with an error. n <= 0 keeps the default.
func WithMaxMessageSize(n int64) Option {
	return func(c *config) {
		if n > 0 {
			c.maxMessage = n
		}
	}
}

// WithHeader adds headers to Dial's handshake request, such as
// Authorization.
func WithHeader(h http.Header) Option {
	return func(c *config) {
		if c.header == nil {
			c.header = make(http.Header)
		}
		for k, vs := range h {
			for _, v := range vs {
				c.header.Add(k, v)
			}
		}
	}
}

// WithHTTPClient sets the client Dial makes its handshake with.
func WithHTTPClient(hc *http.Client) Option { return func(c *config) { c.httpClient = hc } }

// WithOriginPatterns lets browsers on these other origins connect to a
// Handler (host patterns as path.Match takes them, e.g. "*.example.com").
// By default only same-origin browser requests are accepted; requests
// without an Origin header (non-browser clients) always are.
func WithOriginPatterns(patterns ...string) Option {
	return func(c *config) { c.originPatterns = append(c.originPatterns, patterns...) }
}

// Dial opens a WebSocket connection to url (ws:// or wss://) and starts a
// JSON-RPC connection over it with handler h (nil serves no methods), as
// conn.NewStream does: ctx bounds the handshake and then the connection,
// which closes when ctx ends.
func Dial(ctx context.Context, url string, h conn.Handler, opts ...Option) (*conn.Conn, error) {
	cfg := newConfig(opts)
	ws, resp, err := websocket.Dial(ctx, url, &websocket.DialOptions{
		HTTPClient: cfg.httpClient,
		HTTPHeader: cfg.header,
	})
	if err != nil {
		if resp != nil {
			return nil, fmt.Errorf("wsrpc: dial %s: %s: %w", url, resp.Status, err)
		}
		return nil, fmt.Errorf("wsrpc: dial %s: %w", url, err)
	}
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	return conn.NewStream(ctx, newStream(ws, &cfg, nil), h, cfg.connOpts...), nil
}

// Handler is an http.Handler that upgrades each request to a WebSocket and
// serves it with a handler of its own until either side closes.
//
// http.Server.Shutdown does not close upgraded connections; call Close (for
// instance with Server.RegisterOnShutdown) to close them.
type Handler struct {
	newHandler func() conn.Handler
	cfg        config

	mu     sync.Mutex
	conns  map[*conn.Conn]struct{}
	closed bool
}

// NewHandler returns a Handler that serves each WebSocket with a handler
// from newHandler.
func NewHandler(newHandler func() conn.Handler, opts ...Option) *Handler {
	return &Handler{newHandler: newHandler, cfg: newConfig(opts), conns: make(map[*conn.Conn]struct{})}
}

// ServeHTTP upgrades the request and serves the connection until it ends.
// A request that is not a WebSocket handshake gets an HTTP error (426
// Upgrade Required, or 403 for a refused origin), and once Close has been
// called every request gets 503.
//
// Handlers' contexts carry the values of the request's context (not its
// cancellation: the connection outlives the request), and Request returns
// the request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	closed := h.closed
	h.mu.Unlock()
	if closed {
		http.Error(w, "wsrpc: shutting down", http.StatusServiceUnavailable)
		return
	}
	sw := &sniffingWriter{ResponseWriter: w}
	ws, err := websocket.Accept(sw, r, &websocket.AcceptOptions{OriginPatterns: h.cfg.originPatterns})
	if err != nil {
		h.cfg.logger.Debug("wsrpc: upgrade refused", "remote", r.RemoteAddr, "err", err) // Accept has answered
		return
	}
	ctx := context.WithValue(context.WithoutCancel(r.Context()), requestKey{}, r)
	c := conn.NewStream(ctx, newStream(ws, &h.cfg, sw.sniffer), h.newHandler(), h.cfg.connOpts...)
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		c.Close()
		return
	}
	h.conns[c] = struct{}{}
	h.mu.Unlock()
	<-c.Done()
	h.mu.Lock()
	delete(h.conns, c)
	h.mu.Unlock()
	if err := c.Err(); err != nil {
		h.cfg.logger.Info("wsrpc: connection broke", "remote", r.RemoteAddr, "err", err)
	}
}

// Close closes every connection the handler serves (each sends a close
// frame) and waits for them to end; later requests get 503. It returns
// nil.
func (h *Handler) Close() error {
	h.mu.Lock()
	h.closed = true
	conns := make([]*conn.Conn, 0, len(h.conns))
	for c := range h.conns {
		conns = append(conns, c)
	}
	h.mu.Unlock()
	var wg sync.WaitGroup
	for _, c := range conns {
		wg.Go(func() { c.Close() })
	}
	wg.Wait()
	return nil
}

type requestKey struct{}

// Request returns the HTTP request that opened the WebSocket whose handler
// ctx belongs to, or nil. A handler reads headers or the remote address
// from it.
func Request(ctx context.Context) *http.Request {
	r, _ := ctx.Value(requestKey{}).(*http.Request)
	return r
}

// stream adapts a WebSocket to conn.Stream: one message per JSON-RPC
// message.
type stream struct {
	ws     *websocket.Conn
	max    int64
	logger *slog.Logger

	done      chan struct{} // closed by Close; stops the pinger
	closeOnce sync.Once
	pingers   sync.WaitGroup

	mu      sync.Mutex
	pingErr error // why the pinger gave up on the peer

	sniffer *frameSniffer // the frame headers, on the server side
	refused io.Reader     // a refused message still to be read through
}

func newStream(ws *websocket.Conn, cfg *config, sniffer *frameSniffer) *stream {
	// ReadMessage enforces the limit and skips what is over it: the
	// library's own limit would close the connection (status 1009) on the
	// first message over it.
	ws.SetReadLimit(-1)
	s := &stream{ws: ws, max: cfg.maxMessage, logger: cfg.logger, done: make(chan struct{}), sniffer: sniffer}
	if cfg.pingInterval > 0 {
		s.pingers.Go(func() { s.ping(cfg.pingInterval) })
	}
	return s
}

// ReadMessage reads one WebSocket message. A message over the limit is
// refused with a framing.Error, which conn answers, without being held:
// on the server side as soon as its first frame's header says so, and
// otherwise (a fragmented message) as soon as the limit is passed; the
// rest of it is read through and dropped, a chunk at a time, by the next
// ReadMessage. A normal close by the peer is io.EOF.
func (s *stream) ReadMessage() ([]byte, error) {
	if s.refused != nil {
		_, err := io.Copy(io.Discard, s.refused)
		s.refused = nil
		if err != nil {
			return nil, s.readError(err)
		}
	}
	_, r, err := s.ws.Reader(context.Background())
	if err != nil {
		return nil, s.readError(err)
	}
	var first int64 = -1 // the first frame's payload length, where known
	if s.sniffer != nil {
		if n, ok := s.sniffer.next(); ok {
			first = n
		}
	}
	if first > s.max {
		s.refused = r
		return nil, &framing.Error{Kind: framing.TooLarge, Size: first, Limit: s.max}
	}
	// Read as the bytes come, keeping no more than the limit and one byte:
	// the buffer starts at the first frame's size, when known, and doubles
	// as the message grows, up to that bound.
	size := int64(512)
	if first >= 0 {
		size = min(first+1, maxPrealloc)
	}
	buf := make([]byte, 0, min(size, s.max+1))
	for {
		if len(buf) == cap(buf) {
			grown := make([]byte, len(buf), min(2*int64(cap(buf)), s.max+1))
			copy(grown, buf)
			buf = grown
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if int64(len(buf)) > s.max {
			s.refused = r
			return nil, &framing.Error{Kind: framing.TooLarge, Size: int64(len(buf)), Limit: s.max}
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, s.readError(err)
		}
	}
}

// maxPrealloc is as much of a message as is allocated at once from its
// first frame's header; a larger one grows as its bytes come, so that a
// header alone costs little.
const maxPrealloc = 2 << 20

// readError turns the end of a WebSocket into the end of a stream.
func (s *stream) readError(err error) error {
	s.mu.Lock()
	pingErr := s.pingErr
	s.mu.Unlock()
	switch {
	case pingErr != nil:
		return pingErr
	case websocket.CloseStatus(err) == websocket.StatusNormalClosure,
		websocket.CloseStatus(err) == websocket.StatusGoingAway,
		errors.Is(err, net.ErrClosed):
		return io.EOF
	}
	return err
}

// WriteMessage writes body as one text message.
func (s *stream) WriteMessage(body []byte) error {
	return s.ws.Write(context.Background(), websocket.MessageText, body)
}

// Close sends a close frame with status 1000 and waits (a few seconds at
// most) for the peer's, which ends a blocked ReadMessage.
func (s *stream) Close() error {
	var err error
	s.closeOnce.Do(func() {
		close(s.done)
		err = s.ws.Close(websocket.StatusNormalClosure, "")
		s.pingers.Wait()
	})
	return err
}

// ping pings the peer every interval until the stream closes; a ping not
// answered within the interval ends the WebSocket.
func (s *stream) ping(interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-s.done:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), interval)
		err := s.ws.Ping(ctx)
		cancel()
		if err == nil {
			continue
		}
		select {
		case <-s.done: // we are closing: not the peer's fault
			return
		default:
		}
		if errors.Is(err, net.ErrClosed) { // the reader saw the end; it reports it
			return
		}
		s.logger.Warn("wsrpc: peer did not answer a ping", "err", err)
		s.mu.Lock()
		s.pingErr = fmt.Errorf("wsrpc: keepalive: %w", err)
		s.mu.Unlock()
		s.ws.CloseNow()
		return
	}
}

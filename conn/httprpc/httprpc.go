// Package httprpc serves package conn's handlers over HTTP — the same Mux
// as over stdio, a socket or a WebSocket — and calls them from Go.
//
// # The server
//
// A Handler is an http.Handler. Each POST carries one JSON-RPC message or
// batch in its body and gets the reply in its response:
//
//	http.Handle("/rpc", httprpc.NewHandler(arith.New()))
//
// It answers:
//
//   - 200 with the reply (Content-Type application/json): the response
//     object, or the array of a batch's responses. Error replies are 200
//     too, as JSON-RPC over HTTP usually does, unless WithStatusMapping is
//     on (see StatusForCode).
//   - 204 with no body for a notification, or a batch of notifications only.
//   - 405 (with Allow: POST) for any other HTTP method.
//   - 415 for a Content-Type other than application/json (parameters such
//     as charset=utf-8 are fine; application/json-rpc and
//     application/jsonrequest, from the old JSON-RPC over HTTP drafts, are
//     accepted too). A request with no Content-Type is taken as JSON:
//     minimal clients omit it, and a body that is not JSON is answered with
//     -32700 anyway.
//   - 413 for a body over the size limit (WithMaxBodySize, 10 MiB by
//     default).
//
// The bodies of 405, 413 and 415 are JSON-RPC error objects with id null,
// so a client that only reads JSON learns what went wrong.
//
// Each request is served by a connection of its own (conn.NewStream over a
// stream that yields the body once, then ends) sharing the one handler, so
// everything conn does holds: params decoding, ordering within a batch,
// errors, recovered panics, middleware. Handlers' contexts descend from the
// request's, so they end when the client goes away, and Request returns the
// *http.Request. A handler cannot call the client back over HTTP (Call
// fails with conn.ErrClosed); notifications it sends are dropped. Use
// package wsrpc for pushes.
//
// # Guards
//
// A Guard checks a request before its body is read: RequireBearer checks a
// bearer token, RateLimit limits requests per client. A refused request is
// answered with a JSON-RPC error (-32001 unauthorized, -32029 rate limited)
// and, with status mapping, 401 or 429. Guards serve a Handler through
// WithGuards, or any http.Handler — a wsrpc handshake, say — through
// Guard.Wrap.
//
// # The client
//
// Client calls a server over HTTP from Go, with the method signatures of
// conn.Conn: Call, Notify and Batch. An error reply comes back as an error
// wrapping a *conn.Error, whatever the HTTP status.
package httprpc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"mime"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/lspkit/lspkit/conn"
)

// DefaultMaxBodySize is the largest request body a Handler reads unless
// WithMaxBodySize says otherwise (10 MiB).
const DefaultMaxBodySize = 10 << 20

// Error codes of the guards. Both lie in the range JSON-RPC leaves to
// servers (-32000 to -32099).
const (
	CodeUnauthorized = -32001 // RequireBearer: missing or wrong credentials
	CodeRateLimited  = -32029 // RateLimit: too many requests
)

// Option configures a Handler.
type Option func(*config)

type config struct {
	connOpts []conn.Option
	maxBody  int64
	status   func(code int64) int
	guards   []Guard
	timeout  time.Duration
	logger   *slog.Logger
}

// WithConnOptions passes options to the connection of every request:
// conn.WithMiddleware, conn.WithLogger, limits (conn.WithFramer does not
// apply).
func WithConnOptions(opts ...conn.Option) Option {
	return func(c *config) { c.connOpts = append(c.connOpts, opts...) }
}

// WithMaxBodySize sets the largest request body, in bytes; a larger one is
// answered 413. n <= 0 keeps the default.
func WithMaxBodySize(n int64) Option {
	return func(c *config) {
		if n > 0 {
			c.maxBody = n
		}
	}
}

// WithStatusMapping turns on HTTP statuses for error replies, for clients
// that look at the status rather than the body: a single error reply (not
// a batch, whose replies are mixed, which stays 200) gets status f(code).
// A nil f means StatusForCode. Off by default: error replies are 200.
func WithStatusMapping(f func(code int64) int) Option {
	if f == nil {
		f = StatusForCode
	}
	return func(c *config) { c.status = f }
}

// WithGuards adds guards, checked in order before the body is read; the
// first to refuse answers the request.
func WithGuards(g ...Guard) Option {
	return func(c *config) { c.guards = append(c.guards, g...) }
}

// WithTimeout bounds how long the handlers of one request run: then they
// are cancelled, and their replies (errors, if they heed the
// cancellation) are sent. By default only the client bounds it, by going
// away.
func WithTimeout(d time.Duration) Option { return func(c *config) { c.timeout = d } }

// WithLogger sets where the Handler logs what it drops. Pass
// conn.WithLogger in WithConnOptions for the connections' own logs. The
// default is slog.Default().
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// StatusForCode is the HTTP status of an error reply with the given code,
// when status mapping is on: 400 for -32700 (parse error), -32600 (invalid
// request) and -32602 (invalid params); 404 for -32601 (method not found);
// 401 for CodeUnauthorized; 429 for CodeRateLimited; 500 for -32603
// (internal error), the other server errors (-32000 to -32099), and any
// other code.
func StatusForCode(code int64) int {
	switch code {
	case conn.CodeParseError, conn.CodeInvalidRequest, conn.CodeInvalidParams:
		return http.StatusBadRequest
	case conn.CodeMethodNotFound:
		return http.StatusNotFound
	case CodeUnauthorized:
		return http.StatusUnauthorized
	case CodeRateLimited:
		return http.StatusTooManyRequests
	}
	return http.StatusInternalServerError
}

// Handler serves JSON-RPC over HTTP POST with one conn.Handler; see the
// package doc for the statuses. It is safe for concurrent use.
type Handler struct {
	h        conn.Handler
	cfg      config
	connOpts []conn.Option
}

// NewHandler returns a Handler that serves h. h serves every request, so
// it must be safe for concurrent use, as a conn.Mux is; state it keeps is
// shared by all clients.
func NewHandler(h conn.Handler, opts ...Option) *Handler {
	cfg := config{maxBody: DefaultMaxBodySize, logger: slog.Default()}
	for _, o := range opts {
		o(&cfg)
	}
	drain := time.Duration(math.MaxInt64)
	if cfg.timeout > 0 {
		drain = cfg.timeout
	}
	// The body is all there is: its end starts the drain, which lasts as long
	// as the handlers (or the timeout). Cancellation messages make no sense
	// within one exchange.
	connOpts := append([]conn.Option{conn.WithDrainTimeout(drain), conn.WithCancellation(conn.Cancellation{})}, cfg.connOpts...)
	return &Handler{h: h, cfg: cfg, connOpts: connOpts}
}

type requestKey struct{}

// Request returns the HTTP request whose handler ctx belongs to, or nil. A
// handler reads headers or the remote address from it.
func Request(ctx context.Context) *http.Request {
	r, _ := ctx.Value(requestKey{}).(*http.Request)
	return r
}

// ServeHTTP answers one POST.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeError(w, http.StatusMethodNotAllowed, conn.Errorf(conn.CodeInvalidRequest, "Invalid Request: HTTP method %s not allowed; use POST", r.Method))
		return
	}
	if ct := r.Header.Get("Content-Type"); !isJSON(ct) {
		writeError(w, http.StatusUnsupportedMediaType, conn.Errorf(conn.CodeInvalidRequest, "Invalid Request: Content-Type %q is not application/json", ct))
		return
	}
	for _, g := range h.cfg.guards {
		if e := g(w, r); e != nil {
			writeError(w, h.statusOf(e.Code), e)
			return
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.cfg.maxBody))
	if err != nil {
		if mbe, ok := errors.AsType[*http.MaxBytesError](err); ok {
			writeError(w, http.StatusRequestEntityTooLarge, conn.Errorf(conn.CodeInvalidRequest, "Invalid Request: body over %d bytes", mbe.Limit).WithData(map[string]int64{"limit": mbe.Limit}))
			return
		}
		h.cfg.logger.Debug("httprpc: reading the body", "remote", r.RemoteAddr, "err", err)
		writeError(w, http.StatusBadRequest, conn.Errorf(conn.CodeParseError, "Parse error: reading the body: %v", err))
		return
	}

	s := &exchange{body: body, logger: h.cfg.logger}
	ctx := context.WithValue(r.Context(), requestKey{}, r)
	c := conn.NewStream(ctx, s, h.h, h.connOpts...)
	<-c.Done()
	if r.Context().Err() != nil {
		return // the client has gone; no one reads an answer
	}
	reply := s.result()
	switch {
	case reply != nil:
		status := http.StatusOK
		if h.cfg.status != nil {
			status = replyStatus(reply, h.cfg.status)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		w.Write(reply)
	case hasRequest(body):
		// A handler outlived every timeout and never answered.
		writeError(w, http.StatusInternalServerError, conn.NewError(conn.CodeInternalError, "no reply"))
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}

// statusOf is the status of an error the Handler makes itself.
func (h *Handler) statusOf(code int64) int {
	if h.cfg.status == nil {
		return http.StatusOK
	}
	return h.cfg.status(code)
}

// isJSON reports whether a Content-Type names JSON (or is absent).
func isJSON(ct string) bool {
	if strings.TrimSpace(ct) == "" {
		return true
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") && !strings.EqualFold(cs, "utf8") {
		return false
	}
	switch mt {
	case "application/json", "application/json-rpc", "application/jsonrequest":
		return true
	}
	return false
}

// writeError answers with a JSON-RPC error object, id null.
func writeError(w http.ResponseWriter, status int, e *conn.Error) {
	body, err := json.Marshal(struct {
		JSONRPC string      `json:"jsonrpc"`
		Error   *conn.Error `json:"error"`
		ID      *int        `json:"id"`
	}{"2.0", e, nil})
	if err != nil { // cannot happen: an Error always encodes
		http.Error(w, e.Error(), status)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(body)
}

// replyStatus is the status of a reply under a mapping: a single error
// reply's mapped status, otherwise 200.
func replyStatus(reply []byte, f func(int64) int) int {
	if i := bytes.IndexFunc(reply, notSpace); i < 0 || reply[i] != '{' {
		return http.StatusOK // a batch
	}
	var r struct {
		Error *struct {
			Code int64 `json:"code"`
		} `json:"error"`
	}
	if json.Unmarshal(reply, &r) != nil || r.Error == nil {
		return http.StatusOK
	}
	return f(r.Error.Code)
}

func notSpace(r rune) bool { return r != ' ' && r != '\t' && r != '\r' && r != '\n' }

// hasRequest reports whether body holds a request (a message with an id),
// that is, whether it deserves a reply.
func hasRequest(body []byte) bool {
	type msg struct {
		ID json.RawMessage `json:"id"`
	}
	var one msg
	if json.Unmarshal(body, &one) == nil {
		return one.ID != nil
	}
	var many []msg
	if json.Unmarshal(body, &many) == nil {
		for _, m := range many {
			if m.ID != nil {
				return true
			}
		}
	}
	return false
}

// exchange is the conn.Stream of one HTTP request: it yields the body once
// and then io.EOF, which makes the connection answer what it received and
// end; it keeps the reply that it is given.
type exchange struct {
	body   []byte
	read   bool // ReadMessage is called from one goroutine only
	logger *slog.Logger

	mu    sync.Mutex
	reply []byte
}

func (s *exchange) ReadMessage() ([]byte, error) {
	if s.read {
		return nil, io.EOF
	}
	s.read = true
	return s.body, nil
}

// WriteMessage keeps the reply. A message of the server's own (a
// notification a handler sent) has no one to go to over HTTP and is
// dropped.
func (s *exchange) WriteMessage(msg []byte) error {
	if isServerMessage(msg) {
		s.logger.Debug("httprpc: dropped a message a handler sent: HTTP has no way to the client", "msg", truncate(msg))
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.reply != nil {
		s.logger.Warn("httprpc: dropped a second reply", "msg", truncate(msg))
		return nil
	}
	s.reply = bytes.Clone(msg)
	return nil
}

func (s *exchange) Close() error { return nil }

func (s *exchange) result() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reply
}

// isServerMessage reports whether msg is a request or notification rather
// than a reply (a batch is always a reply: conn sends no batch of its own
// once the peer's side has ended).
func isServerMessage(msg []byte) bool {
	if i := bytes.IndexFunc(msg, notSpace); i < 0 || msg[i] != '{' || !bytes.Contains(msg, []byte(`"method"`)) {
		return false
	}
	var m struct {
		Method json.RawMessage `json:"method"`
	}
	return json.Unmarshal(msg, &m) == nil && m.Method != nil
}

func truncate(b []byte) string {
	const n = 200
	if len(b) > n {
		return fmt.Sprintf("%s... (%d bytes)", b[:n], len(b))
	}
	return string(b)
}

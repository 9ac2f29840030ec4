package mcp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"

	"github.com/lspkit/lspkit/conn"
	"github.com/lspkit/lspkit/framing"
)

// The protocol revisions this server speaks, newest first.
const (
	Version20251125 = "2025-11-25" // the newest, and the answer to a revision we do not know
	Version20250618 = "2025-06-18" // removed JSON-RPC batches
	Version20250326 = "2025-03-26" // the one revision with JSON-RPC batches
)

// Versions returns the protocol revisions the server speaks, newest first.
func Versions() []string { return []string{Version20251125, Version20250618, Version20250326} }

// negotiate returns the revision to speak with a client that asked for
// requested: the same if we speak it, else our newest, as the
// specification's version negotiation says.
func negotiate(requested string) string {
	if slices.Contains(Versions(), requested) {
		return requested
	}
	return Version20251125
}

// Implementation names a client or a server, as initialize exchanges them.
type Implementation struct {
	Name    string `json:"name"`
	Title   string `json:"title,omitempty"`
	Version string `json:"version"`
}

// Server is an MCP server: its identity and its tools. One Server serves
// any number of sessions (Serve), each with its own state.
type Server struct {
	info         Implementation
	instructions string
	logger       *slog.Logger

	mu    sync.Mutex
	tools []*tool // in the order they were added, as tools/list lists them
}

// Option configures a Server.
type Option func(*Server)

// WithLogger sets where the server logs (its own logs, not those sent to the
// client). The default is slog.Default(), which writes to stderr.
func WithLogger(l *slog.Logger) Option { return func(s *Server) { s.logger = l } }

// WithInstructions sets the instructions that initialize returns: how to use
// the server, for the model.
func WithInstructions(text string) Option { return func(s *Server) { s.instructions = text } }

// NewServer returns a server without tools; add them with AddTool.
func NewServer(info Implementation, opts ...Option) *Server {
	s := &Server{info: info, logger: slog.Default()}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Serve runs one session over rwc, newline-delimited JSON-RPC as MCP's
// stdio transport says, until the client closes its side (nil) or ctx ends
// (nil), or the stream breaks (that error). opts are passed on to the
// connection; Serve adds MCP's cancellation and its logger.
func (s *Server) Serve(ctx context.Context, rwc io.ReadWriteCloser, opts ...conn.Option) error {
	ss := s.newSession()
	fr := framing.Line()
	st := &stream{r: fr.NewReader(rwc), w: fr.NewWriter(rwc), c: rwc, sess: ss}
	opts = append([]conn.Option{
		conn.WithLogger(s.logger),
		conn.WithCancellation(conn.MCPCancellation()),
	}, opts...)
	c := conn.NewStream(ctx, st, ss, opts...)
	<-c.Done()
	if err := c.Err(); errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("mcp: the client's input ended inside a message (a line without its newline): %w", err)
	} else if err != nil {
		return fmt.Errorf("mcp: %w", err)
	}
	return nil
}

// session is one client's session: where it stands in the lifecycle, the
// revision agreed on, the log level it asked for.
type session struct {
	srv *Server
	mux *conn.Mux

	mu          sync.Mutex
	initialized bool   // initialize has been answered: the session is open
	version     string // the negotiated revision, once initialized
	client      Implementation
	logLevel    Level // the lowest level sent to the client; levelOff until logging/setLevel
}

// newSession returns a session with its routes.
func (s *Server) newSession() *session {
	ss := &session{srv: s, mux: conn.NewMux(), logLevel: levelOff}
	ss.mux.Handle("initialize", conn.Typed(ss.initialize))
	ss.mux.Handle("notifications/initialized", conn.TypedNotification(ss.initializedNote))
	ss.mux.Handle("ping", conn.Typed(func(context.Context, json.RawMessage) (struct{}, error) { return struct{}{}, nil }))
	ss.mux.Handle("logging/setLevel", conn.Typed(ss.setLevel))
	ss.mux.Handle("tools/list", conn.Typed(ss.listTools))
	ss.mux.Handle("tools/call", conn.Typed(ss.callTool))
	return ss
}

// ServeRPC refuses every request but initialize and ping until the session
// is open, then routes.
func (ss *session) ServeRPC(ctx context.Context, req *conn.Request) (any, error) {
	if !req.IsNotification() && req.Method != "initialize" && req.Method != "ping" && !ss.open() {
		return nil, conn.Errorf(conn.CodeInvalidRequest, "the session is not initialized: %q before initialize", req.Method).
			WithData(map[string]string{"method": req.Method, "expected": "initialize"})
	}
	return ss.mux.ServeRPC(ctx, req)
}

// Mode orders messages as the routes were registered.
func (ss *session) Mode(req *conn.Request) conn.Mode { return ss.mux.Mode(req) }

// open reports whether initialize has been answered.
func (ss *session) open() bool {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return ss.initialized
}

// batchesAllowed reports whether the negotiated revision has JSON-RPC
// batches. Before initialize none is agreed, and initialize must not come
// in a batch.
func (ss *session) batchesAllowed() bool {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return ss.version == Version20250326
}

// initializeParams are the params of initialize that the server reads.
type initializeParams struct {
	ProtocolVersion string          `json:"protocolVersion"`
	Capabilities    json.RawMessage `json:"capabilities"`
	ClientInfo      Implementation  `json:"clientInfo"`
}

// Validate refuses an initialize without the revision it asks for.
func (p *initializeParams) Validate() error {
	if p.ProtocolVersion == "" {
		return fmt.Errorf("protocolVersion is required")
	}
	return nil
}

// initializeResult is the result of initialize.
type initializeResult struct {
	ProtocolVersion string         `json:"protocolVersion"`
	Capabilities    map[string]any `json:"capabilities"`
	ServerInfo      Implementation `json:"serverInfo"`
	Instructions    string         `json:"instructions,omitempty"`
}

// initialize agrees on a revision and announces the capabilities: logging
// always, tools when there are some.
func (ss *session) initialize(ctx context.Context, p initializeParams) (*initializeResult, error) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.initialized {
		return nil, conn.NewError(conn.CodeInvalidRequest, "the session is already initialized")
	}
	ss.initialized = true
	ss.version = negotiate(p.ProtocolVersion)
	ss.client = p.ClientInfo
	caps := map[string]any{"logging": struct{}{}}
	if len(ss.srv.toolList()) > 0 {
		caps["tools"] = map[string]bool{"listChanged": false}
	}
	ss.srv.logger.Info("mcp: initialize", "client", p.ClientInfo.Name, "clientVersion", p.ClientInfo.Version,
		"requested", p.ProtocolVersion, "agreed", ss.version)
	return &initializeResult{
		ProtocolVersion: ss.version,
		Capabilities:    caps,
		ServerInfo:      ss.srv.info,
		Instructions:    ss.srv.instructions,
	}, nil
}

// initializedNote is the client's word that the session is ready. The
// server sends no requests, so it has nothing to wait for it; requests are
// served from the initialize reply on, as the official Go SDK does. One
// before initialize is logged and ignored.
func (ss *session) initializedNote(ctx context.Context, _ json.RawMessage) error {
	if !ss.open() {
		ss.srv.logger.Warn("mcp: notifications/initialized before initialize: ignored")
	}
	return nil
}

package lsp

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"

	"github.com/lspkit/lspkit/conn"
	"github.com/lspkit/lspkit/lsp/document"
	"github.com/lspkit/lspkit/lsp/protocol"
)

// Server is a language server. Register handlers with its On… methods (one
// for each message a client sends in LSP 3.18) and Handle (custom
// methods), then Serve one client. The capabilities the server announces
// are derived from what is registered; SetCapabilities adds options the
// registrations cannot imply.
//
// A Server serves one connection, once.
type Server struct {
	name, version string
	opts          options
	life          *lifecycle

	mu            sync.Mutex
	routes        map[string]conn.Handler
	caps          protocol.ServerCapabilities
	onInitialize  func(context.Context, *protocol.InitializeParams) error
	onInitialized func(context.Context, *protocol.InitializedParams) error
	onShutdown    func(context.Context) error
	docs          *document.Store
	workspace     *Workspace   // nil unless Workspace was called
	legend        *legendIndex // the semantic tokens legend, indexed when first needed
	semantic      semanticCache

	// Set once initialize has been answered (or while it runs, for the
	// framework's own use); read-only after that.
	session session
	client  *Client
	tracer  *tracer
	works   *progressRegistry

	serveCtx context.Context // ends when Serve returns
	died     chan int        // receives the pid of a watched process that died
	watching bool
}

// session is what the client told us in initialize.
type session struct {
	params     *protocol.InitializeParams
	clientCaps map[string]any // the client capabilities, as JSON, to check by path
	encoding   document.Encoding
	result     json.RawMessage // the InitializeResult sent
}

// HandlerOption changes how a handler is ordered against other messages.
type HandlerOption func(conn.Handler) conn.Handler

// Exclusive runs the handler alone: it waits for every message before it
// and holds back every message after it, like a notification. Use it for a
// request that changes state.
func Exclusive(h conn.Handler) conn.Handler { return conn.WithMode(h, conn.Exclusive) }

// Concurrent lets a notification handler run beside requests, for
// notifications that change no state that requests read.
func Concurrent(h conn.Handler) conn.Handler { return conn.WithMode(h, conn.Concurrent) }

// NewServer returns a server that introduces itself to clients as name and
// version (serverInfo).
func NewServer(name, version string, opts ...Option) *Server {
	s := &Server{
		name:    name,
		version: version,
		opts:    newOptions(opts),
		life:    newLifecycle(),
		routes:  make(map[string]conn.Handler),
		works:   newProgressRegistry(),
		died:    make(chan int, 1),
	}
	s.tracer = newTracer(s)
	return s
}

// Handle registers a handler for a method of the server's own, or for an
// LSP method by name. Use conn.Typed and conn.TypedNotification for typed
// params. It panics if the method is already registered.
func (s *Server) Handle(method string, h conn.Handler, opts ...HandlerOption) {
	s.register(method, h, opts)
}

// register records a route; the Mux is built when Serve starts.
func (s *Server) register(method string, h conn.Handler, opts []HandlerOption) {
	for _, o := range opts {
		h = o(h)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.routes[method]; dup {
		panic(fmt.Sprintf("lsp: %q registered twice", method))
	}
	s.routes[method] = h
}

// OnInitialize registers a function that runs when the client's initialize
// request arrives, before it is answered: read the client's settings and
// workspace folders there. An error it returns answers initialize.
func (s *Server) OnInitialize(f func(ctx context.Context, params *protocol.InitializeParams) error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onInitialize = f
}

// OnInitialized registers the handler of the initialized notification,
// which the client sends once it has the server's answer: the first moment
// the server may make requests of the client.
func (s *Server) OnInitialized(f func(ctx context.Context, params *protocol.InitializedParams) error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onInitialized = f
}

// OnShutdown registers a function that runs on the shutdown request.
func (s *Server) OnShutdown(f func(ctx context.Context) error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onShutdown = f
}

// SetCapabilities sets capabilities explicitly: options that registrations
// cannot imply (trigger characters, a semantic tokens legend, the commands
// of executeCommand). Whatever it leaves unset is derived from the
// registered handlers.
func (s *Server) SetCapabilities(caps protocol.ServerCapabilities) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.caps = caps
	s.legend = nil // indexed again when next needed
}

// Documents turns on document synchronisation: the server keeps every open
// document in the returned store, applying didOpen, didChange (full or
// incremental) and didClose before any On… handler of those notifications
// runs, and announces incremental sync.
func (s *Server) Documents() *document.Store {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.docs == nil {
		s.docs = new(document.Store)
	}
	return s.docs
}

// Client returns the client of the connection being served, to call and
// notify it; nil before Serve.
func (s *Server) Client() *Client {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.client
}

// InitializeParams returns what the client sent in initialize, or nil
// before.
func (s *Server) InitializeParams() *protocol.InitializeParams {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.session.params
}

// Encoding returns the position encoding agreed with the client (UTF-16
// until initialize).
func (s *Server) Encoding() document.Encoding {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.session.encoding
}

// Serve serves one client over rwc until the client sends exit, closes the
// connection, or its process dies (see the processId of initialize), or ctx
// ends. It returns nil when shutdown came first (then exit, the end of the
// stream or the client's death), and otherwise an error: an *ExitError
// when the session ended before shutdown (its Code, 1, is the exit code the
// specification asks for; see ExitCode), a *RegistrationError (joined, one
// for each) when what is registered cannot be announced — before any
// message is read, with rwc closed — or what broke the connection.
func (s *Server) Serve(ctx context.Context, rwc io.ReadWriteCloser, opts ...conn.Option) error {
	if err := s.checkRegistrations(); err != nil {
		rwc.Close()
		return err
	}
	serveCtx, stop := context.WithCancel(ctx)
	defer stop()
	s.mu.Lock()
	s.serveCtx = serveCtx // before the first message: initialize may watch a process
	s.mu.Unlock()
	// The connection reads as soon as it exists, but handlers (OnInitialize
	// first) may use Client: they wait until it is set.
	ready := make(chan struct{})
	whenReady := func(next conn.Handler) conn.Handler {
		return conn.HandlerFunc(func(ctx context.Context, req *conn.Request) (any, error) {
			<-ready
			return next.ServeRPC(ctx, req)
		})
	}
	mux := s.mux()
	base := []conn.Option{
		conn.WithLogger(s.opts.logger),
		conn.WithMiddleware(whenReady, s.life.middleware),
		// The cancellation of work in progress must reach it whatever runs,
		// an exclusive handler that started it included.
		conn.WithPreempt("window/workDoneProgress/cancel", conn.TypedNotification(s.works.cancel)),
	}
	if s.opts.wireTrace != nil {
		base = append(base, conn.WithHook(wireTraceHook(s.opts.wireTrace)))
	}
	c := conn.New(ctx, rwc, mux, append(base, opts...)...)
	s.mu.Lock()
	s.client = &Client{s: s, conn: c}
	s.mu.Unlock()
	close(ready)
	if s.opts.clientPID != 0 {
		s.watchPID(s.opts.clientPID)
	}
	select {
	case <-s.life.exit:
		c.Close()
		if s.life.shutdownSeen() {
			return nil
		}
		return &ExitError{Code: 1, Reason: "exit without shutdown"}
	case pid := <-s.died:
		c.Close()
		if s.life.shutdownSeen() {
			return nil
		}
		return &ExitError{Code: 1, Reason: fmt.Sprintf("the client process %d died", pid)}
	case <-c.Done():
		if err := c.Err(); err != nil {
			return fmt.Errorf("lsp: connection broken: %w", err)
		}
		if s.life.shutdownSeen() {
			return nil
		}
		return &ExitError{Code: 1, Reason: "the client closed the connection without shutdown and exit"}
	}
}

// mux builds the Mux: the framework's own handlers, then the registered
// ones (document sync wrapped around the author's handlers).
func (s *Server) mux() *conn.Mux {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := conn.NewMux()
	m.Handle("initialize", conn.WithMode(conn.HandlerFunc(s.initialize), conn.Exclusive))
	onInitialized, onShutdown := s.onInitialized, s.onShutdown
	m.Handle("initialized", conn.TypedNotification(func(ctx context.Context, p *protocol.InitializedParams) error {
		if onInitialized != nil {
			return onInitialized(ctx, p)
		}
		return nil
	}))
	m.Handle("shutdown", conn.WithMode(conn.Typed(func(ctx context.Context, _ json.RawMessage) (any, error) {
		if onShutdown != nil {
			return nil, onShutdown(ctx)
		}
		return nil, nil
	}), conn.Exclusive))
	m.Handle("exit", conn.TypedNotification(func(context.Context, json.RawMessage) error { return nil }))
	m.Handle("$/setTrace", conn.TypedNotification(s.tracer.setTrace))
	for _, method := range s.syncMethods() {
		if _, ok := s.routes[method]; !ok {
			s.routes[method] = nil
		}
	}
	if s.workspace != nil {
		const method = "workspace/didChangeWorkspaceFolders"
		s.routes[method] = s.workspace.handler(s.routes[method])
	}
	for method, h := range s.routes {
		if s.docs != nil && slices.Contains(s.syncMethods(), method) {
			h = s.syncHandler(method, h)
		}
		m.Handle(method, h)
	}
	return m
}

// initialize answers the initialize request: it records the client's
// capabilities, agrees on a position encoding, runs OnInitialize, and
// answers with the derived capabilities and serverInfo.
func (s *Server) initialize(ctx context.Context, req *conn.Request) (any, error) {
	var p protocol.InitializeParams
	var raw struct {
		Capabilities map[string]any `json:"capabilities"`
		Trace        string         `json:"trace"`
	}
	if err := json.Unmarshal(req.Params, &p); err != nil {
		return nil, conn.NewError(conn.CodeInvalidParams, "invalid initialize params: "+err.Error())
	}
	_ = json.Unmarshal(req.Params, &raw)
	enc := negotiateEncoding(raw.Capabilities, s.opts.encodings)
	s.mu.Lock()
	s.session = session{params: &p, clientCaps: raw.Capabilities, encoding: enc}
	onInit, ws := s.onInitialize, s.workspace
	s.mu.Unlock()
	if ws != nil {
		ws.init(&p) // before OnInitialize, which may read it
	}
	s.tracer.set(protocol.TraceValue(raw.Trace))
	if p.ProcessID != nil && s.opts.clientPID == 0 {
		s.watchPID(int(*p.ProcessID))
	}
	if onInit != nil {
		if err := onInit(ctx, &p); err != nil {
			return nil, err
		}
	}
	caps, err := s.capabilities(enc)
	if err != nil {
		return nil, err
	}
	result := map[string]any{"capabilities": caps}
	if s.name != "" {
		info := map[string]string{"name": s.name}
		if s.version != "" {
			info["version"] = s.version
		}
		result["serverInfo"] = info
	}
	data, err := json.Marshal(result)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.session.result = data
	s.mu.Unlock()
	return json.RawMessage(data), nil
}

// negotiateEncoding picks the first of the server's preferred encodings that
// the client offers in general.positionEncodings; UTF-16 when it offers
// none, as the specification says.
func negotiateEncoding(clientCaps map[string]any, preferred []document.Encoding) document.Encoding {
	offered, _ := lookup(clientCaps, "general.positionEncodings").([]any)
	for _, want := range preferred {
		for _, o := range offered {
			if name, _ := o.(string); name == want.String() {
				return want
			}
		}
	}
	return document.UTF16
}

// Option configures a Server.
type Option func(*options)

type options struct {
	logger    *slog.Logger
	encodings []document.Encoding
	wireTrace io.Writer
	clientPID int
}

func newOptions(opts []Option) options {
	o := options{
		logger:    slog.Default(),
		encodings: []document.Encoding{document.UTF8, document.UTF32, document.UTF16},
	}
	for _, f := range opts {
		f(&o)
	}
	return o
}

// WithLogger sets where the server and its connection log (stderr by
// default, through slog.Default; never stdout).
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.logger = l } }

// WithPositionEncodings sets the position encodings the server prefers, in
// order; the first the client offers is used, and UTF-16 when it offers
// none. The default prefers UTF-8 (no conversion for Go strings), then
// UTF-32, then UTF-16.
func WithPositionEncodings(encs ...document.Encoding) Option {
	return func(o *options) { o.encodings = encs }
}

// WithWireTrace writes every message in and out to w, one JSON line each
// with its direction and time: a trace for debugging a session.
func WithWireTrace(w io.Writer) Option { return func(o *options) { o.wireTrace = w } }

// WithClientProcessID makes the server exit when process pid dies, as the
// --clientProcessId flag that editors pass asks; it takes precedence over
// the processId of initialize.
func WithClientProcessID(pid int) Option { return func(o *options) { o.clientPID = pid } }

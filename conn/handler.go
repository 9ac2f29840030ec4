package conn

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
)

// Handler answers requests and notifications, as http.Handler answers HTTP
// requests.
//
// For a request, ServeRPC returns the result (any value that encodes to
// JSON; a json.RawMessage is sent as it is) or an error: an *Error is sent
// as it is, any other error as -32603 with its text. For a notification the
// result is ignored and an error is only logged.
//
// ServeRPC owns req and its Params. Its context ends when the peer cancels
// the request or the connection closes; FromContext(ctx) returns the
// connection, to call or notify the peer while the handler runs.
type Handler interface {
	ServeRPC(ctx context.Context, req *Request) (result any, err error)
}

// HandlerFunc adapts a function to a Handler.
type HandlerFunc func(ctx context.Context, req *Request) (any, error)

// ServeRPC calls f(ctx, req).
func (f HandlerFunc) ServeRPC(ctx context.Context, req *Request) (any, error) { return f(ctx, req) }

// Middleware wraps a Handler to add behaviour around it: logging, metrics,
// authentication, lifecycle rules.
type Middleware func(Handler) Handler

// Mode says how a message is ordered against the others (see the package
// doc).
type Mode int

const (
	// Default orders a notification exclusively and a request concurrently.
	Default Mode = iota
	// Concurrent lets the message run beside other concurrent ones, once
	// every exclusive message received before it has finished.
	Concurrent
	// Exclusive makes the message wait for every handler before it to finish
	// (or release its place), and holds back everything after it until it
	// finishes.
	Exclusive
)

// String returns the mode's name.
func (m Mode) String() string {
	switch m {
	case Concurrent:
		return "concurrent"
	case Exclusive:
		return "exclusive"
	}
	return "default"
}

// Ordered is implemented by handlers that choose the mode of each message
// before it is queued. Mux implements it from the modes its routes were
// registered with.
type Ordered interface {
	Mode(req *Request) Mode
}

// WithMode returns a handler that runs h in mode m.
func WithMode(h Handler, m Mode) Handler { return modal{h, m} }

type modal struct {
	Handler
	mode Mode
}

func (h modal) Mode(*Request) Mode { return h.mode }

// Mux routes messages to handlers by method name, as http.ServeMux routes by
// path. An unknown request is answered with -32601 (Method not found); an
// unknown notification is ignored, as JSON-RPC requires. A Mux is safe for
// concurrent use; routes may be added while it serves.
type Mux struct {
	mu    sync.Mutex // serializes changes
	table atomic.Pointer[muxTable]
	// last is the route found last. A message is looked up twice (Mode,
	// then ServeRPC), and traffic comes in runs of one method (a flood of
	// notifications, a client's burst of one request): the second lookup,
	// and most of the first, then need no map. A route never changes or
	// goes away once added, so last is never stale.
	last atomic.Pointer[muxRoute]
}

// muxTable is a Mux's routes. It is never changed once published: a change
// publishes a copy. So the lookup of every message reads it with no lock,
// where a read lock shared by every goroutine that handles messages costs
// more than the lookup itself.
type muxTable struct {
	routes   map[string]*muxRoute
	fallback Handler
}

// muxRoute is one registered method and its handler.
type muxRoute struct {
	method string
	h      Handler
}

var noRoutes muxTable

// NewMux returns an empty Mux.
func NewMux() *Mux { return &Mux{} }

// routes returns the current table.
func (m *Mux) routes() *muxTable {
	if t := m.table.Load(); t != nil {
		return t
	}
	return &noRoutes // a zero Mux
}

// Handle registers h for method. It panics if method is empty or already
// registered, as http.ServeMux does: both are programming errors.
func (m *Mux) Handle(method string, h Handler) {
	if method == "" || h == nil {
		panic("conn: Mux.Handle needs a method name and a handler")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	t := m.routes()
	if _, dup := t.routes[method]; dup {
		panic(fmt.Sprintf("conn: method %q registered twice", method))
	}
	routes := maps.Clone(t.routes)
	if routes == nil {
		routes = make(map[string]*muxRoute)
	}
	routes[method] = &muxRoute{method, h}
	m.table.Store(&muxTable{routes: routes, fallback: t.fallback})
}

// HandleFunc registers f for method.
func (m *Mux) HandleFunc(method string, f func(ctx context.Context, req *Request) (any, error)) {
	m.Handle(method, HandlerFunc(f))
}

// HandleFallback sets the handler for methods no route names. Without one,
// such requests get -32601 and such notifications are ignored.
func (m *Mux) HandleFallback(h Handler) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.table.Store(&muxTable{routes: m.routes().routes, fallback: h})
}

// Handler returns the handler registered for method, if any.
func (m *Mux) Handler(method string) (Handler, bool) {
	if r, ok := m.routes().routes[method]; ok {
		return r.h, true
	}
	return nil, false
}

// Methods returns the registered method names, sorted.
func (m *Mux) Methods() []string {
	routes := m.routes().routes
	names := make([]string, 0, len(routes))
	for name := range routes {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// ServeRPC dispatches req to the handler registered for its method.
func (m *Mux) ServeRPC(ctx context.Context, req *Request) (any, error) {
	h := m.lookup(req.Method)
	if h == nil {
		if req.IsNotification() {
			return nil, nil
		}
		return nil, methodNotFound(req.Method)
	}
	return h.ServeRPC(ctx, req)
}

// Mode returns the mode of the handler that req goes to.
func (m *Mux) Mode(req *Request) Mode {
	if o, ok := m.lookup(req.Method).(Ordered); ok {
		return o.Mode(req)
	}
	return Default
}

// lookup returns the handler for method: its route's, or else the
// fallback (nil if there is none).
func (m *Mux) lookup(method string) Handler {
	if r := m.last.Load(); r != nil && r.method == method {
		return r.h
	}
	t := m.routes()
	if r, ok := t.routes[method]; ok {
		m.last.Store(r)
		return r.h
	}
	return t.fallback
}

package conn

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
)

// Mux routes messages to handlers by method name, as http.ServeMux routes by
// path. An unknown request is answered with -32601 (Method not found); an
// unknown notification is ignored, as JSON-RPC requires. A Mux is safe for
// concurrent use; routes may be added while it serves.
type Mux struct {
	mu    sync.Mutex // serializes changes
	table atomic.Pointer[muxTable]
}

// muxTable is a Mux's routes. It is never changed once published: a change
// publishes a copy, so that looking up a route, which every message does,
// takes no lock. Routes are added at start-up, and rarely after.
type muxTable struct {
	routes   map[string]Handler
	fallback Handler
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
		routes = make(map[string]Handler)
	}
	routes[method] = h
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
	if h, ok := m.routes().routes[method]; ok {
		return h, true
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
	t := m.routes()
	if h, ok := t.routes[method]; ok {
		return h
	}
	return t.fallback
}

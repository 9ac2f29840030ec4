package conn

import (
	"context"
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

package lsp

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/lspkit/lspkit/conn"
)

// Client is the client side of the connection as the server sees it: one
// typed method for every message a server sends in LSP 3.18 (generated in
// client_gen.go), and Call and Notify for anything else.
//
// Every method checks what the specification allows before it sends: until
// initialize is answered, only window/showMessage, window/logMessage,
// telemetry/event, window/showMessageRequest and $/progress may go out; a
// request that needs a client capability the client did not declare fails
// at once. Either way the method returns an error rather than hang.
//
// A request to the client made from a handler gives up the handler's place
// in the order while it waits for the answer (see conn.Release): a question
// to the user (ShowMessageRequest in OnInitialized, say) never holds up the
// messages after it, and what the handler did before the request is visible
// to them. A handler whose later messages must wait until it has applied
// the answer (settings read before any document is handled) passes
// conn.KeepPlace(ctx) instead.
type Client struct {
	s       *Server
	conn    *conn.Conn
	watches atomic.Int64 // numbers WatchFiles's registrations
}

// Errors the Client's methods wrap.
var (
	// ErrUnsupported reports a request the client did not declare support
	// for in its capabilities.
	ErrUnsupported = errors.New("lsp: the client does not support this request")
	// ErrNotInitialized reports a message the server may not send before
	// initialize is answered.
	ErrNotInitialized = errors.New("lsp: not allowed before initialize is answered")
)

// allowedEarly are the messages a server may send while initialize is
// under way ("Initialize Request" in the specification).
var allowedEarly = map[string]bool{
	"window/showMessage":        true,
	"window/logMessage":         true,
	"telemetry/event":           true,
	"window/showMessageRequest": true,
	"$/progress":                true,
}

// Conn returns the underlying connection.
func (c *Client) Conn() *conn.Conn { return c.conn }

// Call sends any request and decodes its result into result (a pointer, or
// nil), after the same checks as the typed methods.
func (c *Client) Call(ctx context.Context, method string, params, result any) error {
	return c.call(ctx, method, params, result)
}

// Notify sends any notification, after the same checks as the typed
// methods.
func (c *Client) Notify(ctx context.Context, method string, params any) error {
	return c.notify(ctx, method, params)
}

// Supports reports whether the client declared the capability at path
// (property names joined by dots, e.g. "workspace.configuration"): true,
// or an options object.
func (c *Client) Supports(path string) bool {
	c.s.mu.Lock()
	caps := c.s.session.clientCaps
	c.s.mu.Unlock()
	switch v := lookup(caps, path).(type) {
	case bool:
		return v
	case map[string]any:
		return true
	}
	return false
}

func (c *Client) call(ctx context.Context, method string, params, result any) error {
	if err := c.check(method, true); err != nil {
		return err
	}
	if method == "client/registerCapability" {
		if err := c.checkRegistrations(params); err != nil {
			return err
		}
	}
	return c.conn.Call(ctx, method, params, result)
}

func (c *Client) notify(ctx context.Context, method string, params any) error {
	if err := c.check(method, false); err != nil {
		return err
	}
	return c.conn.Notify(ctx, method, params)
}

// check applies the rules of the specification to an outgoing message.
func (c *Client) check(method string, request bool) error {
	if c.s.life.get() < running && !allowedEarly[method] {
		return fmt.Errorf("%w: %s", ErrNotInitialized, method)
	}
	if !request {
		return nil
	}
	if path := requestCapabilities[method]; path != "" && !c.Supports(path) {
		return fmt.Errorf("%w: %s needs the client capability %s", ErrUnsupported, method, path)
	}
	return nil
}

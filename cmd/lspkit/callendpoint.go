package main

// The endpoints `lspkit call` reaches: a stdio child, a TCP or Unix socket
// (framed as --framing says), a WebSocket (one message per WebSocket
// message) and HTTP (one POST per message). Each moves raw messages, so
// that the session sees every reply exactly as the server sent it.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/lspkit/lspkit/conn"
	"github.com/lspkit/lspkit/framing"
)

// callIncoming is a message from the server, or a problem with how one came.
type callIncoming struct {
	body     []byte
	problems []string // how it came: HTTP status and Content-Type, a bad frame
	status   int      // the HTTP status, over HTTP
}

// endpoint is a server that `lspkit call` talks to.
type endpoint interface {
	// send sends one message or batch. wantReply says whether it holds a
	// request. Over HTTP, send makes the exchange: the reply is what recv
	// returns next, and problems are what is wrong with the answer to a
	// message that wants none.
	send(ctx context.Context, msg []byte, wantReply bool) (problems []string, err error)
	// recv returns the next message from the server: a reply or a message
	// of its own.
	recv(ctx context.Context) (callIncoming, error)
	// close ends the exchange: for a child, it closes its stdin, waits
	// for it to exit and checks how; late returns what the server sent
	// meanwhile.
	close(ctx context.Context) (late []callIncoming, err error)
	// describe names the server in messages.
	describe() string
}

// errNoReply is a stream that ended while a reply was due.
var errNoReply = errors.New("the connection ended before the reply")

// target is what `lspkit call` reaches: a command line, or a URL.
type target struct {
	argv []string // a stdio child
	url  *url.URL // http, https, ws, wss, tcp or unix
}

// parseTarget reads the server's command line or URL.
func parseTarget(args []string) target {
	if len(args) == 1 {
		if u, err := url.Parse(args[0]); err == nil {
			switch u.Scheme {
			case "http", "https", "ws", "wss", "tcp", "unix":
				return target{url: u}
			}
		}
	}
	return target{argv: args}
}

// kind is the target's scheme, or "stdio".
func (t target) kind() string {
	if t.url == nil {
		return "stdio"
	}
	return t.url.Scheme
}

// streamEndpoint is a stream of messages read by a goroutine of its own:
// a child's stdio, a socket or a WebSocket.
type streamEndpoint struct {
	name    string
	write   func(ctx context.Context, msg []byte) error
	closeFn func(ctx context.Context) error // ends our side
	in      chan callIncoming               // closed at the end of input
	endErr  error                           // why the input ended, once in is closed
	srv     *conn.Process                   // the child, for stdio
	drains  bool                            // close reads to the end of input (a child's stdout ends when it exits)
}

// startReading reads messages with read until it fails.
func (e *streamEndpoint) startReading(read func() ([]byte, error)) {
	e.in = make(chan callIncoming, 64)
	go func() {
		defer close(e.in)
		for {
			body, err := read()
			var fe *framing.Error
			switch {
			case errors.As(err, &fe):
				e.in <- callIncoming{problems: []string{fmt.Sprintf("the server sent a bad frame: %v", err)}}
				continue
			case errors.Is(err, io.EOF):
				return
			case err != nil:
				e.endErr = err
				return
			}
			e.in <- callIncoming{body: body}
		}
	}()
}

func (e *streamEndpoint) describe() string { return e.name }

func (e *streamEndpoint) send(ctx context.Context, msg []byte, _ bool) ([]string, error) {
	if err := e.write(ctx, msg); err != nil {
		return nil, fmt.Errorf("sending to %s: %w", e.name, err)
	}
	return nil, nil
}

func (e *streamEndpoint) recv(ctx context.Context) (callIncoming, error) {
	select {
	case m, ok := <-e.in:
		if !ok {
			if e.endErr != nil {
				return callIncoming{}, fmt.Errorf("%w: %w", errNoReply, e.endErr)
			}
			return callIncoming{}, errNoReply
		}
		return m, nil
	case <-ctx.Done():
		return callIncoming{}, context.Cause(ctx)
	}
}

func (e *streamEndpoint) close(ctx context.Context) ([]callIncoming, error) {
	err := e.closeFn(ctx)
	var late []callIncoming
	if !e.drains {
		for {
			select {
			case m, ok := <-e.in:
				if !ok {
					return late, err
				}
				late = append(late, m)
			default:
				return late, err
			}
		}
	}
	for {
		select {
		case m, ok := <-e.in:
			if !ok {
				return late, errors.Join(err, e.waitChild(ctx))
			}
			late = append(late, m)
		case <-ctx.Done():
			return late, errors.Join(err, e.waitChild(ctx))
		}
	}
}

// waitChild ends the child the established way (its stdin is closed
// already; then SIGTERM, then SIGKILL, at once to SIGKILL when ctx ends),
// and checks that it exited by itself, with status 0.
func (e *streamEndpoint) waitChild(ctx context.Context) error {
	exit, err := e.srv.Stop(ctx)
	switch {
	case err != nil:
		return err
	case exit.Step != conn.StopNone && ctx.Err() != nil:
		return fmt.Errorf("the server did not exit once its input was closed (%v): %w", exit, context.Cause(ctx))
	case exit.Step != conn.StopNone:
		return fmt.Errorf("the server did not exit once its input was closed: %v", exit)
	case exit.Code != 0:
		return fmt.Errorf("the server exited with status %d", exit.Code)
	}
	return nil
}

// dialEndpoint reaches the target.
func dialEndpoint(ctx context.Context, t target, fr framing.Framer, header http.Header, stderr io.Writer) (endpoint, error) {
	switch t.kind() {
	case "stdio":
		srv, err := startServer(t.argv, stderr)
		if err != nil {
			return nil, err
		}
		e := &streamEndpoint{name: "the server", srv: srv, drains: true}
		w := fr.NewWriter(srv)
		e.write = func(_ context.Context, msg []byte) error { return w.WriteMessage(msg) }
		e.closeFn = func(context.Context) error { srv.Close(); return nil }
		e.startReading(fr.NewReader(srv).ReadMessage)
		return e, nil
	case "tcp", "unix":
		network, addr := t.url.Scheme, t.url.Host
		if network == "unix" {
			addr = t.url.Path
		}
		if addr == "" {
			return nil, fmt.Errorf("%s: no address (want tcp://host:port or unix:///path)", t.url)
		}
		var d net.Dialer
		nc, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, fmt.Errorf("connecting: %w", err)
		}
		e := &streamEndpoint{name: t.url.String()}
		w := fr.NewWriter(nc)
		e.write = func(_ context.Context, msg []byte) error { return w.WriteMessage(msg) }
		e.closeFn = func(context.Context) error { return nc.Close() }
		e.startReading(fr.NewReader(nc).ReadMessage)
		return e, nil
	case "ws", "wss":
		ws, resp, err := websocket.Dial(ctx, t.url.String(), &websocket.DialOptions{HTTPHeader: header})
		if err != nil {
			if resp != nil {
				return nil, fmt.Errorf("WebSocket handshake with %s: HTTP %s: %w", t.url, resp.Status, err)
			}
			return nil, fmt.Errorf("WebSocket handshake with %s: %w", t.url, err)
		}
		ws.SetReadLimit(framing.DefaultMaxMessageSize)
		e := &streamEndpoint{name: t.url.String()}
		e.write = func(ctx context.Context, msg []byte) error { return ws.Write(ctx, websocket.MessageText, msg) }
		e.closeFn = func(context.Context) error {
			// A close frame, and at most a moment for the server's.
			done := make(chan struct{})
			go func() { ws.Close(websocket.StatusNormalClosure, ""); close(done) }()
			select {
			case <-done:
			case <-time.After(time.Second):
				ws.CloseNow()
			}
			return nil
		}
		e.startReading(func() ([]byte, error) {
			_, b, err := ws.Read(context.Background())
			switch s := websocket.CloseStatus(err); {
			case err == nil:
				return b, nil
			case s == websocket.StatusNormalClosure || s == websocket.StatusGoingAway || errors.Is(err, net.ErrClosed):
				return nil, io.EOF
			}
			return nil, err
		})
		return e, nil
	default: // http, https
		return &httpEndpoint{url: t.url.String(), header: header, client: &http.Client{}}, nil
	}
}

// httpEndpoint posts each message and keeps the reply for recv.
type httpEndpoint struct {
	url    string
	header http.Header
	client *http.Client

	mu      sync.Mutex
	pending []callIncoming
}

func (e *httpEndpoint) describe() string { return e.url }

// maxHTTPReply bounds the reply read, as conn bounds a message.
const maxHTTPReply = framing.DefaultMaxMessageSize

func (e *httpEndpoint) send(ctx context.Context, msg []byte, wantReply bool) ([]string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.url, bytes.NewReader(msg))
	if err != nil {
		return nil, err
	}
	for k, vs := range e.header {
		req.Header[k] = vs
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := e.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("POST %s: %w", e.url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxHTTPReply+1))
	if err != nil {
		return nil, fmt.Errorf("POST %s: reading the response: %w", e.url, err)
	}
	if len(body) > maxHTTPReply {
		return nil, fmt.Errorf("POST %s: the response is over %d bytes", e.url, maxHTTPReply)
	}
	problems, fatal := checkHTTP(resp.StatusCode, resp.Header.Get("Content-Type"), body, wantReply)
	if fatal != nil {
		return nil, fmt.Errorf("POST %s: %w", e.url, fatal)
	}
	if !wantReply {
		return problems, nil
	}
	e.mu.Lock()
	e.pending = append(e.pending, callIncoming{body: body, problems: problems, status: resp.StatusCode})
	e.mu.Unlock()
	return nil, nil
}

func (e *httpEndpoint) recv(context.Context) (callIncoming, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.pending) == 0 {
		return callIncoming{}, errNoReply
	}
	m := e.pending[0]
	e.pending = e.pending[1:]
	return m, nil
}

func (e *httpEndpoint) close(context.Context) ([]callIncoming, error) {
	e.client.CloseIdleConnections()
	return nil, nil
}

// parseHeaders reads -H 'Name: value' flags.
func parseHeaders(hs []string) (http.Header, error) {
	h := make(http.Header)
	for _, s := range hs {
		name, value, ok := strings.Cut(s, ":")
		name = strings.TrimSpace(name)
		if !ok || name == "" || strings.ContainsAny(name, " \t") {
			return nil, fmt.Errorf("-H %q: want 'Name: value'", s)
		}
		h.Add(name, strings.TrimSpace(value))
	}
	return h, nil
}

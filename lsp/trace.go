package lsp

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/lspkit/lspkit/conn"
	"github.com/lspkit/lspkit/lsp/protocol"
)

// This file is tracing: the trace level the client sets ($/setTrace, or
// trace in initialize) and $/logTrace that honours it; a slog handler that
// forwards logs to the client's window/logMessage; and a wire trace of
// every message to a file.

// tracer keeps the client's trace level.
type tracer struct {
	s     *Server
	mu    sync.Mutex
	level protocol.TraceValue
}

func newTracer(s *Server) *tracer { return &tracer{s: s, level: protocol.TraceValueOff} }

func (t *tracer) set(v protocol.TraceValue) {
	if v == "" {
		v = protocol.TraceValueOff
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.level = v
}

func (t *tracer) get() protocol.TraceValue {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.level
}

func (t *tracer) setTrace(_ context.Context, p *protocol.SetTraceParams) error {
	t.set(p.Value)
	return nil
}

// TraceLevel returns the trace level the client set: off, messages or
// verbose.
func (s *Server) TraceLevel() protocol.TraceValue { return s.tracer.get() }

// LogTrace sends $/logTrace as the client's trace level allows: nothing
// when it is off, the message when it is messages, and verbose too when it
// is verbose.
func (s *Server) LogTrace(ctx context.Context, message, verbose string) error {
	p := &protocol.LogTraceParams{Message: message}
	switch s.tracer.get() {
	case protocol.TraceValueMessages:
	case protocol.TraceValueVerbose:
		p.Verbose = verbose
	default:
		return nil
	}
	if c := s.Client(); c != nil {
		return c.LogTrace(ctx, p)
	}
	return nil
}

// LogHandler returns a slog.Handler that forwards records at or above level
// to the client as window/logMessage, for logs the user should see in the
// editor's output panel. Combine it with a handler to stderr for the
// server's own log; do not make it the connection's logger, which logs
// failures to send.
func (s *Server) LogHandler(level slog.Leveler) slog.Handler {
	return &logHandler{s: s, level: level}
}

type logHandler struct {
	s      *Server
	level  slog.Leveler
	attrs  []slog.Attr // from WithAttrs, their keys qualified by the groups then open
	groups string      // the open groups, each followed by a dot
}

func (h *logHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= h.level.Level() }

func (h *logHandler) Handle(ctx context.Context, r slog.Record) error {
	c := h.s.Client()
	if c == nil {
		return nil
	}
	msg := r.Message
	for _, a := range h.attrs {
		msg += " " + a.Key + "=" + a.Value.String()
	}
	r.Attrs(func(a slog.Attr) bool {
		msg += " " + h.groups + a.Key + "=" + a.Value.String()
		return true
	})
	typ := protocol.MessageTypeLog
	switch {
	case r.Level >= slog.LevelError:
		typ = protocol.MessageTypeError
	case r.Level >= slog.LevelWarn:
		typ = protocol.MessageTypeWarning
	case r.Level >= slog.LevelInfo:
		typ = protocol.MessageTypeInfo
	}
	return c.LogMessage(context.WithoutCancel(ctx), &protocol.LogMessageParams{Type: typ, Message: msg})
}

func (h *logHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	c := *h
	c.attrs = append([]slog.Attr(nil), h.attrs...)
	for _, a := range attrs {
		a.Key = h.groups + a.Key
		c.attrs = append(c.attrs, a)
	}
	return &c
}

func (h *logHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h // as slog.Handler asks
	}
	c := *h
	c.groups += name + "."
	return &c
}

// wireTraceHook writes every message to w as a JSON line:
// {"time": …, "dir": "in"|"out", "msg": …}; a message that is not JSON
// is written as a string.
func wireTraceHook(w io.Writer) conn.Hook {
	var mu sync.Mutex
	return func(dir conn.Direction, msg []byte) {
		raw := json.RawMessage(msg)
		if !json.Valid(msg) {
			raw, _ = json.Marshal(string(msg))
		}
		line, err := json.Marshal(struct {
			Time time.Time       `json:"time"`
			Dir  string          `json:"dir"`
			Msg  json.RawMessage `json:"msg"`
		}{time.Now(), dir.String(), raw})
		if err != nil {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		w.Write(append(line, '\n'))
	}
}

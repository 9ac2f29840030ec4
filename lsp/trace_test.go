package lsp_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/lspkit/lspkit/conn"
	"github.com/lspkit/lspkit/lsp"
	"github.com/lspkit/lspkit/lsp/lsptest"
	"github.com/lspkit/lspkit/lsp/protocol"
)

// LogTrace honours the trace level of initialize and of $/setTrace.
func TestLogTrace(t *testing.T) {
	tests := []struct {
		initial  protocol.TraceValue // trace of initialize
		setTrace protocol.TraceValue // then $/setTrace, if not ""
		want     string              // the $/logTrace params, "" for none
	}{
		{initial: "", want: ""},
		{initial: protocol.TraceValueOff, want: ""},
		{initial: protocol.TraceValueMessages, want: `{"message": "msg"}`},
		{initial: protocol.TraceValueVerbose, want: `{"message": "msg", "verbose": "details"}`},
		{initial: protocol.TraceValueOff, setTrace: protocol.TraceValueVerbose, want: `{"message": "msg", "verbose": "details"}`},
		{initial: protocol.TraceValueVerbose, setTrace: protocol.TraceValueMessages, want: `{"message": "msg"}`},
		{initial: protocol.TraceValueMessages, setTrace: protocol.TraceValueOff, want: ""},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s,%s", tt.initial, tt.setTrace), func(t *testing.T) {
			ctx := testContext(t)
			srv := lsp.NewServer("t", "1")
			srv.Handle("log", conn.Typed(func(ctx context.Context, _ json.RawMessage) (protocol.TraceValue, error) {
				if err := srv.LogTrace(ctx, "msg", "details"); err != nil {
					return "", err
				}
				// A sentinel: once it has arrived, so has any $/logTrace.
				return srv.TraceLevel(), srv.Client().ShowMessage(ctx, &protocol.ShowMessageParams{Type: protocol.MessageTypeLog, Message: "sentinel"})
			}))
			c := lsptest.New(t, srv)
			if _, err := c.Initialize(ctx, &protocol.InitializeParams{Trace: tt.initial, Capabilities: lsptest.DefaultCapabilities()}); err != nil {
				t.Fatal(err)
			}
			if tt.setTrace != "" {
				c.Conn().Notify(ctx, "$/setTrace", &protocol.SetTraceParams{Value: tt.setTrace})
			}
			var level protocol.TraceValue
			if err := c.Conn().Call(ctx, "log", nil, &level); err != nil {
				t.Fatal(err)
			}
			wantLevel := tt.setTrace
			if wantLevel == "" {
				wantLevel = tt.initial
			}
			if wantLevel == "" {
				wantLevel = protocol.TraceValueOff
			}
			if level != wantLevel {
				t.Errorf("TraceLevel() = %q, want %q", level, wantLevel)
			}
			next[any](t, c, "window/showMessage")
			if tt.want != "" {
				if got := toJSON(t, next[any](t, c, "$/logTrace")); !sameJSON(t, got, tt.want) {
					t.Errorf("$/logTrace %s, want %s", got, tt.want)
				}
			}
			noneQueued(t, c, "$/logTrace")
		})
	}
}

// LogHandler forwards slog records at or above its level to
// window/logMessage, with the message type of the record's level.
func TestLogHandler(t *testing.T) {
	ctx := testContext(t)
	srv := lsp.NewServer("t", "1")
	c, _ := start(t, srv, "")
	debug := slog.New(srv.LogHandler(slog.LevelDebug))
	warn := slog.New(srv.LogHandler(slog.LevelWarn))

	tests := []struct {
		log      func()
		wantType protocol.MessageType // 0: nothing sent
		wantMsg  string
	}{
		{func() { debug.Debug("d") }, protocol.MessageTypeLog, "d"},
		{func() { debug.Info("i") }, protocol.MessageTypeInfo, "i"},
		{func() { debug.Warn("w") }, protocol.MessageTypeWarning, "w"},
		{func() { debug.Error("e") }, protocol.MessageTypeError, "e"},
		{func() { debug.Log(ctx, slog.LevelError+4, "worse") }, protocol.MessageTypeError, "worse"},
		{func() { debug.Log(ctx, slog.LevelDebug-4, "below debug") }, 0, ""},
		{func() { warn.Info("filtered") }, 0, ""},
		{func() { warn.Warn("kept", "n", 1) }, protocol.MessageTypeWarning, "kept n=1"},
		{func() { debug.With("a", 1).WithGroup("g").Info("grouped", "b", 2) }, protocol.MessageTypeInfo, "grouped a=1 g.b=2"},
		{func() { debug.WithGroup("g").With("a", 1).WithGroup("h").Info("nested", "b", 2) }, protocol.MessageTypeInfo, "nested g.a=1 g.h.b=2"},
		{func() { debug.WithGroup("").Info("no group", "b", 2) }, protocol.MessageTypeInfo, "no group b=2"},
	}
	for _, tt := range tests {
		tt.log()
		if tt.wantType == 0 {
			continue
		}
		got := next[protocol.LogMessageParams](t, c, "window/logMessage")
		if got.Type != tt.wantType || got.Message != tt.wantMsg {
			t.Errorf("logMessage %d %q, want %d %q", got.Type, got.Message, tt.wantType, tt.wantMsg)
		}
	}
	// Nothing more: the filtered records sent nothing.
	debug.Info("sentinel")
	if got := next[protocol.LogMessageParams](t, c, "window/logMessage"); got.Message != "sentinel" {
		t.Errorf("logMessage %q, want the sentinel", got.Message)
	}
}

// WithWireTrace writes one JSON line for every message in and out.
func TestWireTrace(t *testing.T) {
	ctx := testContext(t)
	trace := newWireWatch()
	srv := lsp.NewServer("t", "1", lsp.WithWireTrace(trace))
	srv.OnHover(func(ctx context.Context, _ *protocol.HoverParams) (*protocol.Hover, error) {
		if _, err := srv.Client().Configuration(ctx, &protocol.ConfigurationParams{Items: []protocol.ConfigurationItem{{Section: "x"}}}); err != nil {
			return nil, err
		}
		return nil, srv.Client().ShowMessage(ctx, &protocol.ShowMessageParams{Type: protocol.MessageTypeInfo, Message: "hi"})
	})
	c, _ := start(t, srv, "")
	if _, err := c.Hover(ctx, hoverAt(uri, 0, 0)); err != nil {
		t.Fatal(err)
	}
	if err := c.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}

	// Each message, named by its method or as the reply to one.
	var got []string
	ids := map[string]string{} // id of a request → its method, per direction
	for _, l := range trace.all(t) {
		var m struct {
			ID     json.RawMessage `json:"id"`
			Method string          `json:"method"`
		}
		if err := json.Unmarshal(l.Msg, &m); err != nil {
			t.Fatalf("trace message %s: %v", l.Msg, err)
		}
		switch {
		case m.Method != "":
			ids[l.Dir+string(m.ID)] = m.Method
			got = append(got, l.Dir+" "+m.Method)
		default:
			other := map[string]string{"in": "out", "out": "in"}[l.Dir]
			got = append(got, l.Dir+" reply to "+ids[other+string(m.ID)])
		}
	}
	want := []string{
		"in initialize", "out reply to initialize", "in initialized",
		"in textDocument/hover", "out workspace/configuration", "in reply to workspace/configuration",
		"out window/showMessage", "out reply to textDocument/hover",
		"in shutdown", "out reply to shutdown", "in exit",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("wire trace:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// A message that is not JSON is in the wire trace too, as a string.
func TestWireTraceOfBadInput(t *testing.T) {
	trace := newWireWatch()
	srv := lsp.NewServer("t", "1", lsp.WithWireTrace(trace), lsp.WithLogger(slog.New(slog.DiscardHandler)))
	var out lockedBuffer
	srv.Serve(testContext(t), readWriter{strings.NewReader("Content-Length: 5\r\n\r\n{oops"), &out})
	lines := trace.all(t)
	if len(lines) != 2 {
		t.Fatalf("%d trace lines, want 2: %v", len(lines), lines)
	}
	if lines[0].Dir != "in" || !sameJSON(t, string(lines[0].Msg), `"{oops"`) {
		t.Errorf("trace of the bad message: %s %s", lines[0].Dir, lines[0].Msg)
	}
	if lines[1].Dir != "out" || !matches(decode[any](t, string(lines[1].Msg)), decode[any](t, `{"error": {"code": -32700}}`)) {
		t.Errorf("trace of the reply: %s %s", lines[1].Dir, lines[1].Msg)
	}
}

package lsp_test

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"sync"
	"testing"

	"github.com/lspkit/lspkit/conn"
	"github.com/lspkit/lspkit/lsp"
	"github.com/lspkit/lspkit/lsp/lsptest"
	"github.com/lspkit/lspkit/lsp/protocol"
)

// clientCall is one message the server sends the client through
// lsp.Client's typed methods.
type clientCall struct {
	method string
	call   func(ctx context.Context, c *lsp.Client) (any, error) // sends it; the result for a request
	params string                                                // the params that must arrive, as JSON
	answer string                                                // a request: what the client answers, as JSON
	want   any                                                   // a request: what call must return
	early  bool                                                  // allowed before initialize is answered
	needs  string                                                // a request: the client capability it needs
}

func nothing(err error) (any, error) { return nil, err }

// clientCalls has every message of lsp.Client (one for each server→client
// message of the protocol but $/cancelRequest, which conn sends).
var clientCalls = []clientCall{{
	method: "textDocument/publishDiagnostics",
	call: func(ctx context.Context, c *lsp.Client) (any, error) {
		return nothing(c.PublishDiagnostics(ctx, &protocol.PublishDiagnosticsParams{URI: uri, Version: ptr(int32(3)), Diagnostics: []protocol.Diagnostic{{
			Range:   protocol.Range{Start: protocol.Position{Line: 1, Character: 2}, End: protocol.Position{Line: 1, Character: 5}},
			Message: protocol.NewDiagnosticMessageString("bad"),
		}}}))
	},
	params: `{"uri": "file:///a.txt", "version": 3, "diagnostics": [{"range": {"start": {"line": 1, "character": 2}, "end": {"line": 1, "character": 5}}, "message": "bad"}]}`,
}, {
	method: "window/showMessage",
	call: func(ctx context.Context, c *lsp.Client) (any, error) {
		return nothing(c.ShowMessage(ctx, &protocol.ShowMessageParams{Type: protocol.MessageTypeWarning, Message: "careful"}))
	},
	params: `{"type": 2, "message": "careful"}`,
	early:  true,
}, {
	method: "window/logMessage",
	call: func(ctx context.Context, c *lsp.Client) (any, error) {
		return nothing(c.LogMessage(ctx, &protocol.LogMessageParams{Type: protocol.MessageTypeLog, Message: "hello"}))
	},
	params: `{"type": 4, "message": "hello"}`,
	early:  true,
}, {
	method: "telemetry/event",
	call: func(ctx context.Context, c *lsp.Client) (any, error) {
		return nothing(c.TelemetryEvent(ctx, protocol.LSPAny(`{"event": "x", "n": 1}`)))
	},
	params: `{"event": "x", "n": 1}`,
	early:  true,
}, {
	method: "$/progress",
	call: func(ctx context.Context, c *lsp.Client) (any, error) {
		return nothing(c.Progress(ctx, &protocol.ProgressParams{Token: protocol.NewProgressTokenInt32(7), Value: protocol.LSPAny(`{"kind": "end"}`)}))
	},
	params: `{"token": 7, "value": {"kind": "end"}}`,
	early:  true,
}, {
	method: "$/logTrace",
	call: func(ctx context.Context, c *lsp.Client) (any, error) {
		return nothing(c.LogTrace(ctx, &protocol.LogTraceParams{Message: "m", Verbose: "v"}))
	},
	params: `{"message": "m", "verbose": "v"}`,
}, {
	method: "window/showMessageRequest",
	call: func(ctx context.Context, c *lsp.Client) (any, error) {
		return c.ShowMessageRequest(ctx, &protocol.ShowMessageRequestParams{Type: protocol.MessageTypeInfo, Message: "sure?", Actions: []protocol.MessageActionItem{{Title: "Yes"}, {Title: "No"}}})
	},
	params: `{"type": 3, "message": "sure?", "actions": [{"title": "Yes"}, {"title": "No"}]}`,
	answer: `{"title": "Yes"}`,
	want:   &protocol.MessageActionItem{Title: "Yes"},
	early:  true,
}, {
	method: "window/showDocument",
	call: func(ctx context.Context, c *lsp.Client) (any, error) {
		return c.ShowDocument(ctx, &protocol.ShowDocumentParams{URI: "https://example.com", External: true})
	},
	params: `{"uri": "https://example.com", "external": true}`,
	answer: `{"success": true}`,
	want:   protocol.ShowDocumentResult{Success: true},
	needs:  "window.showDocument.support",
}, {
	method: "window/workDoneProgress/create",
	call: func(ctx context.Context, c *lsp.Client) (any, error) {
		return nothing(c.WorkDoneProgressCreate(ctx, &protocol.WorkDoneProgressCreateParams{Token: protocol.NewProgressTokenString("t1")}))
	},
	params: `{"token": "t1"}`,
	answer: `null`,
	needs:  "window.workDoneProgress",
}, {
	method: "workspace/configuration",
	call: func(ctx context.Context, c *lsp.Client) (any, error) {
		return c.Configuration(ctx, &protocol.ConfigurationParams{Items: []protocol.ConfigurationItem{{Section: "a"}, {ScopeURI: "file:///w", Section: "b"}}})
	},
	params: `{"items": [{"section": "a"}, {"scopeUri": "file:///w", "section": "b"}]}`,
	answer: `[1, {"x": true}]`,
	want:   []protocol.LSPAny{protocol.LSPAny(`1`), protocol.LSPAny(`{"x":true}`)},
	needs:  "workspace.configuration",
}, {
	method: "workspace/applyEdit",
	call: func(ctx context.Context, c *lsp.Client) (any, error) {
		return c.ApplyEdit(ctx, &protocol.ApplyWorkspaceEditParams{Label: "fix", Edit: protocol.WorkspaceEdit{
			Changes: map[protocol.DocumentURI][]protocol.TextEdit{uri: {{NewText: "x"}}},
		}})
	},
	params: `{"label": "fix", "edit": {"changes": {"file:///a.txt": [{"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}, "newText": "x"}]}}}`,
	answer: `{"applied": false, "failureReason": "read-only"}`,
	want:   protocol.ApplyWorkspaceEditResult{Applied: false, FailureReason: "read-only"},
	needs:  "workspace.applyEdit",
}, {
	method: "client/registerCapability",
	call: func(ctx context.Context, c *lsp.Client) (any, error) {
		return nothing(c.RegisterCapability(ctx, &protocol.RegistrationParams{Registrations: []protocol.Registration{{ID: "1", Method: "workspace/didChangeWatchedFiles"}}}))
	},
	params: `{"registrations": [{"id": "1", "method": "workspace/didChangeWatchedFiles"}]}`,
	answer: `null`,
	needs:  "workspace.didChangeWatchedFiles.dynamicRegistration", // that of the feature registered
}, {
	method: "client/unregisterCapability",
	call: func(ctx context.Context, c *lsp.Client) (any, error) {
		return nothing(c.UnregisterCapability(ctx, &protocol.UnregistrationParams{Unregisterations: []protocol.Unregistration{{ID: "1", Method: "workspace/didChangeWatchedFiles"}}}))
	},
	params: `{"unregisterations": [{"id": "1", "method": "workspace/didChangeWatchedFiles"}]}`,
	answer: `null`,
}, {
	method: "workspace/workspaceFolders",
	call:   func(ctx context.Context, c *lsp.Client) (any, error) { return c.WorkspaceFolders(ctx) },
	answer: `[{"uri": "file:///w", "name": "w"}]`,
	want:   []protocol.WorkspaceFolder{{URI: "file:///w", Name: "w"}},
	needs:  "workspace.workspaceFolders",
}, {
	method: "workspace/codeLens/refresh",
	call:   func(ctx context.Context, c *lsp.Client) (any, error) { return nothing(c.CodeLensRefresh(ctx)) },
	answer: `null`,
	needs:  "workspace.codeLens.refreshSupport",
}, {
	method: "workspace/diagnostic/refresh",
	call:   func(ctx context.Context, c *lsp.Client) (any, error) { return nothing(c.DiagnosticRefresh(ctx)) },
	answer: `null`,
	needs:  "workspace.diagnostics.refreshSupport",
}, {
	method: "workspace/foldingRange/refresh",
	call:   func(ctx context.Context, c *lsp.Client) (any, error) { return nothing(c.FoldingRangeRefresh(ctx)) },
	answer: `null`,
	needs:  "workspace.foldingRange.refreshSupport",
}, {
	method: "workspace/inlayHint/refresh",
	call:   func(ctx context.Context, c *lsp.Client) (any, error) { return nothing(c.InlayHintRefresh(ctx)) },
	answer: `null`,
	needs:  "workspace.inlayHint.refreshSupport",
}, {
	method: "workspace/inlineValue/refresh",
	call:   func(ctx context.Context, c *lsp.Client) (any, error) { return nothing(c.InlineValueRefresh(ctx)) },
	answer: `null`,
	needs:  "workspace.inlineValue.refreshSupport",
}, {
	method: "workspace/semanticTokens/refresh",
	call:   func(ctx context.Context, c *lsp.Client) (any, error) { return nothing(c.SemanticTokensRefresh(ctx)) },
	answer: `null`,
	needs:  "workspace.semanticTokens.refreshSupport",
}, {
	method: "workspace/textDocumentContent/refresh",
	call: func(ctx context.Context, c *lsp.Client) (any, error) {
		return nothing(c.TextDocumentContentRefresh(ctx, &protocol.TextDocumentContentRefreshParams{URI: "virtual:///x"}))
	},
	params: `{"uri": "virtual:///x"}`,
	answer: `null`,
}}

// allClientCapabilities declares every capability a server→client
// request needs.
const allClientCapabilities = `{
	"workspace": {
		"configuration": true, "applyEdit": true, "workspaceFolders": true,
		"codeLens": {"refreshSupport": true}, "diagnostics": {"refreshSupport": true},
		"foldingRange": {"refreshSupport": true}, "inlayHint": {"refreshSupport": true},
		"inlineValue": {"refreshSupport": true}, "semanticTokens": {"refreshSupport": true},
		"didChangeWatchedFiles": {"dynamicRegistration": true}
	},
	"window": {"workDoneProgress": true, "showDocument": {"support": true}, "showMessage": {}}
}`

// noClientCapabilities declares each of them absent or false.
const noClientCapabilities = `{
	"workspace": {
		"configuration": false, "applyEdit": false, "workspaceFolders": false,
		"codeLens": {}, "diagnostics": {"refreshSupport": false},
		"foldingRange": {}, "inlayHint": {"refreshSupport": false},
		"inlineValue": {}, "semanticTokens": {"refreshSupport": false},
		"didChangeWatchedFiles": {"dynamicRegistration": false}
	},
	"window": {"workDoneProgress": false, "showDocument": {"support": false}}
}`

func TestClientCallsCoverTheProtocol(t *testing.T) {
	covered := map[string]bool{}
	for _, cc := range clientCalls {
		covered[cc.method] = true
		info, ok := protocol.Methods[cc.method]
		if !ok || info.Direction == protocol.ClientToServer || info.Notification != (cc.answer == "") {
			t.Errorf("%s: not a server→client %s", cc.method, map[bool]string{true: "notification", false: "request"}[cc.answer == ""])
		}
	}
	for method, info := range protocol.Methods {
		if info.Direction != protocol.ClientToServer && method != "$/cancelRequest" && !covered[method] {
			t.Errorf("no test sends %s", method)
		}
	}
}

// recordAt makes the lsptest client answer every request of clientCalls
// with its answer, and returns the params each request arrived with.
func recordAt(t *testing.T, handle func(string, conn.Handler)) *sync.Map {
	var got sync.Map
	for _, cc := range clientCalls {
		if cc.answer == "" {
			continue
		}
		handle(cc.method, conn.HandlerFunc(func(_ context.Context, req *conn.Request) (any, error) {
			got.Store(cc.method, string(req.Params))
			return json.RawMessage(cc.answer), nil
		}))
	}
	return &got
}

// sameJSON reports whether two JSON texts hold the same value ("" and
// "null" are both no value).
func sameJSON(t *testing.T, a, b string) bool {
	t.Helper()
	if a == "" {
		a = "null"
	}
	if b == "" {
		b = "null"
	}
	return reflect.DeepEqual(decode[any](t, a), decode[any](t, b))
}

func TestClientCalls(t *testing.T) {
	ctx := testContext(t)
	srv := lsp.NewServer("t", "1")
	c, _ := start(t, srv, allClientCapabilities)
	got := recordAt(t, c.Handle)
	for _, cc := range clientCalls {
		t.Run(cc.method, func(t *testing.T) {
			res, err := cc.call(ctx, srv.Client())
			if err != nil {
				t.Fatalf("%s: %v", cc.method, err)
			}
			var params string
			if cc.answer == "" {
				params = toJSON(t, next[any](t, c, cc.method))
			} else {
				p, _ := got.Load(cc.method)
				params, _ = p.(string)
				if reflect.TypeOf(res) != reflect.TypeOf(cc.want) || !sameJSON(t, toJSON(t, res), toJSON(t, cc.want)) {
					t.Errorf("result %#v, want %#v", res, cc.want)
				}
			}
			if !sameJSON(t, params, cc.params) {
				t.Errorf("the client got params %s, want %s", params, cc.params)
			}
		})
	}
}

func TestClientRequestsNeedCapabilities(t *testing.T) {
	for _, caps := range []string{`{}`, noClientCapabilities} {
		ctx := testContext(t)
		srv := lsp.NewServer("t", "1")
		c, _ := start(t, srv, caps)
		got := recordAt(t, c.Handle)
		for _, cc := range clientCalls {
			if cc.answer == "" {
				continue
			}
			_, err := cc.call(ctx, srv.Client())
			_, sent := got.Load(cc.method)
			switch {
			case cc.needs != "" && (!errors.Is(err, lsp.ErrUnsupported) || sent):
				t.Errorf("client capabilities %s: %s returned %v (sent: %v), want ErrUnsupported and nothing sent", caps, cc.method, err, sent)
			case cc.needs == "" && err != nil:
				t.Errorf("client capabilities %s: %s (needs no capability): %v", caps, cc.method, err)
			}
			if cc.needs != "" && srv.Client().Supports(cc.needs) {
				t.Errorf("client capabilities %s: Supports(%q) = true", caps, cc.needs)
			}
		}
	}
}

// Until initialize is answered, the server may send only window/showMessage,
// window/logMessage, telemetry/event, window/showMessageRequest and
// $/progress; everything else fails with ErrNotInitialized, unsent.
func TestClientBeforeInitializeAnswered(t *testing.T) {
	ctx := testContext(t)
	srv := lsp.NewServer("t", "1")
	errs := map[string]error{}
	srv.OnInitialize(func(ctx context.Context, _ *protocol.InitializeParams) error {
		for _, cc := range clientCalls {
			_, errs[cc.method] = cc.call(ctx, srv.Client())
		}
		errs["custom/request"] = srv.Client().Call(ctx, "custom/request", nil, nil)
		errs["custom/notification"] = srv.Client().Notify(ctx, "custom/notification", nil)
		return nil
	})
	c := lsptest.New(t, srv)
	got := recordAt(t, c.Handle)
	params := &protocol.InitializeParams{Capabilities: decode[protocol.ClientCapabilities](t, allClientCapabilities)}
	if _, err := c.Initialize(ctx, params); err != nil {
		t.Fatal(err)
	}

	for _, cc := range clientCalls {
		err := errs[cc.method]
		_, sent := got.Load(cc.method)
		switch {
		case cc.early && err != nil:
			t.Errorf("%s during initialize: %v, want it sent", cc.method, err)
		case cc.early && cc.answer == "":
			next[any](t, c, cc.method) // it arrived
		case cc.early && !sent:
			t.Errorf("%s during initialize: the client got nothing", cc.method)
		case !cc.early && !errors.Is(err, lsp.ErrNotInitialized):
			t.Errorf("%s during initialize: %v, want ErrNotInitialized", cc.method, err)
		case !cc.early && sent:
			t.Errorf("%s during initialize: refused, but sent all the same", cc.method)
		}
	}
	for _, method := range []string{"custom/request", "custom/notification"} {
		if !errors.Is(errs[method], lsp.ErrNotInitialized) {
			t.Errorf("%s during initialize: %v, want ErrNotInitialized", method, errs[method])
		}
	}
	// Nothing refused was sent: once a notification sent after initialize
	// has arrived, none of them is on its way.
	srv.Client().ShowMessage(ctx, &protocol.ShowMessageParams{Type: protocol.MessageTypeInfo, Message: "after"})
	if m := next[protocol.ShowMessageParams](t, c, "window/showMessage"); m.Message != "after" {
		t.Fatalf("showMessage %q, want the one sent after initialize", m.Message)
	}
	for _, method := range []string{"textDocument/publishDiagnostics", "$/logTrace", "custom/notification"} {
		noneQueued(t, c, method)
	}
}

// Before initialize, the same holds.
func TestClientBeforeInitialize(t *testing.T) {
	ctx := testContext(t)
	srv := lsp.NewServer("t", "1")
	c := lsptest.New(t, srv)
	recordAt(t, c.Handle)
	// Once a message has been answered, Serve has set up the Client.
	if err := c.Conn().Call(ctx, "echo", nil, nil); codeOf(err) != lsp.CodeServerNotInitialized {
		t.Fatalf("a request before initialize: %v", err)
	}
	for _, cc := range clientCalls {
		_, err := cc.call(ctx, srv.Client())
		if got := errors.Is(err, lsp.ErrNotInitialized); got == cc.early || cc.early && err != nil {
			t.Errorf("%s before initialize: %v", cc.method, err)
		}
	}
}

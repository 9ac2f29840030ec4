package lsp_test

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/lspkit/lspkit/lsp"
	"github.com/lspkit/lspkit/lsp/document"
	"github.com/lspkit/lspkit/lsp/lsptest"
	"github.com/lspkit/lspkit/lsp/protocol"
)

// initializeRaw serves srv, initializes it with the client capabilities
// given as JSON, and returns the InitializeResult as plain JSON values.
func initializeRaw(t *testing.T, srv *lsp.Server, caps string) map[string]any {
	t.Helper()
	ctx := testContext(t)
	c := lsptest.New(t, srv)
	var res map[string]any
	params := map[string]any{"processId": nil, "rootUri": nil, "capabilities": json.RawMessage(caps)}
	if err := c.Conn().Call(ctx, "initialize", params, &res); err != nil {
		t.Fatalf("initialize: %v", err)
	}
	if err := c.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	return res
}

// at returns the JSON value at a dotted path, and whether there is one.
func at(v any, path string) (any, bool) {
	for _, p := range strings.Split(path, ".") {
		obj, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = obj[p]; !ok {
			return nil, false
		}
	}
	return v, true
}

// Nothing to do for a handler that is only registered.
func noHover(context.Context, *protocol.HoverParams) (*protocol.Hover, error) { return nil, nil }

func TestCapabilitiesFromRegistrations(t *testing.T) {
	tests := []struct {
		name     string
		register func(s *lsp.Server)
		want     map[string]string // path → JSON value
		absent   []string
	}{{
		name:     "nothing",
		register: func(*lsp.Server) {},
		want:     map[string]string{"positionEncoding": `"utf-16"`},
		absent:   []string{"hoverProvider", "textDocumentSync", "completionProvider"},
	}, {
		name:     "hover",
		register: func(s *lsp.Server) { s.OnHover(noHover) },
		want:     map[string]string{"hoverProvider": `true`},
		absent:   []string{"definitionProvider", "textDocumentSync"},
	}, {
		name: "completion resolve",
		register: func(s *lsp.Server) {
			s.OnCompletion(func(context.Context, *protocol.CompletionParams) (*protocol.CompletionResult, error) { return nil, nil })
			s.OnCompletionItemResolve(func(_ context.Context, p *protocol.CompletionItem) (protocol.CompletionItem, error) { return *p, nil })
		},
		want: map[string]string{"completionProvider": `{"resolveProvider": true}`},
	}, {
		name: "completion resolve alone",
		register: func(s *lsp.Server) {
			s.OnCompletionItemResolve(func(_ context.Context, p *protocol.CompletionItem) (protocol.CompletionItem, error) { return *p, nil })
		},
		want: map[string]string{"completionProvider.resolveProvider": `true`},
	}, {
		name: "semantic tokens full delta",
		register: func(s *lsp.Server) {
			s.SetCapabilities(withLegend("keyword"))
			s.OnSemanticTokensFull(func(context.Context, *protocol.SemanticTokensParams) (*protocol.SemanticTokens, error) {
				return nil, nil
			})
			s.OnSemanticTokensFullDelta(func(context.Context, *protocol.SemanticTokensDeltaParams) (*protocol.SemanticTokensFullDeltaResult, error) {
				return nil, nil
			})
		},
		want:   map[string]string{"semanticTokensProvider.full": `{"delta": true}`, "semanticTokensProvider.legend": `{"tokenTypes": ["keyword"], "tokenModifiers": []}`},
		absent: []string{"semanticTokensProvider.range"},
	}, {
		name: "semantic tokens delta and range",
		register: func(s *lsp.Server) {
			s.SetCapabilities(withLegend("keyword"))
			s.OnSemanticTokensFullDelta(func(context.Context, *protocol.SemanticTokensDeltaParams) (*protocol.SemanticTokensFullDeltaResult, error) {
				return nil, nil
			})
			s.OnSemanticTokensRange(func(context.Context, *protocol.SemanticTokensRangeParams) (*protocol.SemanticTokens, error) {
				return nil, nil
			})
		},
		want: map[string]string{"semanticTokensProvider.full.delta": `true`, "semanticTokensProvider.range": `true`},
	}, {
		name:     "documents",
		register: func(s *lsp.Server) { s.Documents() },
		want:     map[string]string{"textDocumentSync": `{"openClose": true, "change": 2}`},
	}, {
		name: "documents and the author's sync handlers",
		register: func(s *lsp.Server) {
			s.Documents()
			s.OnDidChange(func(context.Context, *protocol.DidChangeTextDocumentParams) error { return nil })
			s.OnDidSave(func(context.Context, *protocol.DidSaveTextDocumentParams) error { return nil })
			s.OnWillSave(func(context.Context, *protocol.WillSaveTextDocumentParams) error { return nil })
		},
		want: map[string]string{"textDocumentSync": `{"openClose": true, "change": 2, "save": {"includeText": false}, "willSave": true}`},
	}, {
		name: "didChange without documents: full sync",
		register: func(s *lsp.Server) {
			s.OnDidChange(func(context.Context, *protocol.DidChangeTextDocumentParams) error { return nil })
		},
		want: map[string]string{"textDocumentSync": `{"openClose": true, "change": 1}`},
	}, {
		name: "pull diagnostics",
		register: func(s *lsp.Server) {
			s.OnDiagnostic(func(context.Context, *protocol.DocumentDiagnosticParams) (protocol.DocumentDiagnosticReport, error) {
				return protocol.DocumentDiagnosticReport{}, nil
			})
		},
		want: map[string]string{"diagnosticProvider": `{"interFileDependencies": false, "workspaceDiagnostics": false}`},
	}, {
		name: "workspace diagnostics",
		register: func(s *lsp.Server) {
			s.OnDiagnostic(func(context.Context, *protocol.DocumentDiagnosticParams) (protocol.DocumentDiagnosticReport, error) {
				return protocol.DocumentDiagnosticReport{}, nil
			})
			s.OnWorkspaceDiagnostic(func(context.Context, *protocol.WorkspaceDiagnosticParams) (protocol.WorkspaceDiagnosticReport, error) {
				return protocol.WorkspaceDiagnosticReport{}, nil
			})
		},
		want: map[string]string{"diagnosticProvider": `{"interFileDependencies": false, "workspaceDiagnostics": true}`},
	}, {
		name: "code action resolve",
		register: func(s *lsp.Server) {
			s.OnCodeAction(func(context.Context, *protocol.CodeActionParams) ([]protocol.CommandOrCodeAction, error) {
				return nil, nil
			})
			s.OnCodeActionResolve(func(_ context.Context, a *protocol.CodeAction) (protocol.CodeAction, error) { return *a, nil })
		},
		want: map[string]string{"codeActionProvider": `{"resolveProvider": true}`},
	}, {
		name: "execute command",
		register: func(s *lsp.Server) {
			s.OnExecuteCommand(func(context.Context, *protocol.ExecuteCommandParams) (protocol.LSPAny, error) { return nil, nil })
		},
		want: map[string]string{"executeCommandProvider": `{"commands": []}`},
	}, {
		name: "workspace folders",
		register: func(s *lsp.Server) {
			s.OnDidChangeWorkspaceFolders(func(context.Context, *protocol.DidChangeWorkspaceFoldersParams) error { return nil })
		},
		want: map[string]string{"workspace.workspaceFolders": `{"supported": true, "changeNotifications": true}`},
	}, {
		name: "set capabilities win",
		register: func(s *lsp.Server) {
			s.SetCapabilities(protocol.ServerCapabilities{
				HoverProvider:          ptr(protocol.NewServerCapabilitiesHoverProviderHoverOptions(protocol.HoverOptions{WorkDoneProgress: true})),
				CompletionProvider:     &protocol.CompletionOptions{TriggerCharacters: []string{"."}},
				ExecuteCommandProvider: &protocol.ExecuteCommandOptions{Commands: []string{"calc.run"}},
				SemanticTokensProvider: ptr(protocol.NewServerCapabilitiesSemanticTokensProviderSemanticTokensOptions(protocol.SemanticTokensOptions{
					Legend: protocol.SemanticTokensLegend{TokenTypes: []string{"keyword"}, TokenModifiers: []string{}},
				})),
				TextDocumentSync: ptr(protocol.NewServerCapabilitiesTextDocumentSyncTextDocumentSyncKind(protocol.TextDocumentSyncKindFull)),
			})
			s.Documents()
			s.OnHover(noHover)
			s.OnCompletion(func(context.Context, *protocol.CompletionParams) (*protocol.CompletionResult, error) { return nil, nil })
			s.OnCompletionItemResolve(func(_ context.Context, p *protocol.CompletionItem) (protocol.CompletionItem, error) { return *p, nil })
			s.OnExecuteCommand(func(context.Context, *protocol.ExecuteCommandParams) (protocol.LSPAny, error) { return nil, nil })
			s.OnSemanticTokensFullDelta(func(context.Context, *protocol.SemanticTokensDeltaParams) (*protocol.SemanticTokensFullDeltaResult, error) {
				return nil, nil
			})
		},
		want: map[string]string{
			"hoverProvider":                     `{"workDoneProgress": true}`,
			"completionProvider":                `{"triggerCharacters": ["."], "resolveProvider": true}`,
			"executeCommandProvider":            `{"commands": ["calc.run"]}`,
			"semanticTokensProvider.legend":     `{"tokenTypes": ["keyword"], "tokenModifiers": []}`,
			"semanticTokensProvider.full.delta": `true`,
			"textDocumentSync":                  `{"openClose": true, "change": 1}`, // the author chose full sync
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Handlers are kept in a map: several runs see several orders.
			for range 4 {
				srv := lsp.NewServer("t", "1")
				tt.register(srv)
				res := initializeRaw(t, srv, `{}`)
				caps := res["capabilities"]
				for path, want := range tt.want {
					got, ok := at(caps, path)
					if !ok {
						t.Fatalf("%s is not announced; capabilities: %s", path, toJSON(t, caps))
					}
					if !reflect.DeepEqual(got, decode[any](t, want)) {
						t.Fatalf("%s = %s, want %s", path, toJSON(t, got), want)
					}
				}
				for _, path := range tt.absent {
					if got, ok := at(caps, path); ok {
						t.Fatalf("%s = %s, want it absent", path, toJSON(t, got))
					}
				}
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

func TestServerInfo(t *testing.T) {
	tests := []struct {
		name, version string
		want          string // serverInfo as JSON; "" for none
	}{
		{"calc", "1.2.3", `{"name": "calc", "version": "1.2.3"}`},
		{"calc", "", `{"name": "calc"}`},
		{"", "", ``},
	}
	for _, tt := range tests {
		res := initializeRaw(t, lsp.NewServer(tt.name, tt.version), `{}`)
		got, ok := res["serverInfo"]
		switch {
		case tt.want == "" && ok:
			t.Errorf("NewServer(%q, %q): serverInfo %s, want none", tt.name, tt.version, toJSON(t, got))
		case tt.want != "" && !reflect.DeepEqual(got, decode[any](t, tt.want)):
			t.Errorf("NewServer(%q, %q): serverInfo %s, want %s", tt.name, tt.version, toJSON(t, got), tt.want)
		}
	}
}

func TestPositionEncodingNegotiation(t *testing.T) {
	tests := []struct {
		offered string // general.positionEncodings as JSON; "" for none
		server  []document.Encoding
		want    document.Encoding
	}{
		{offered: "", want: document.UTF16},
		{offered: `[]`, want: document.UTF16},
		{offered: `["utf-16"]`, want: document.UTF16},
		{offered: `["utf-8"]`, want: document.UTF8},
		{offered: `["utf-32"]`, want: document.UTF32},
		{offered: `["utf-16", "utf-32"]`, want: document.UTF32},
		{offered: `["utf-32", "utf-16", "utf-8"]`, want: document.UTF8}, // the server's order decides
		{offered: `["latin-1"]`, want: document.UTF16},
		{offered: `["utf-8", "utf-32"]`, server: []document.Encoding{document.UTF32, document.UTF8}, want: document.UTF32},
		{offered: `["utf-8"]`, server: []document.Encoding{document.UTF32}, want: document.UTF16},
		{offered: `["utf-8", "utf-16"]`, server: []document.Encoding{document.UTF16, document.UTF8}, want: document.UTF16},
		{offered: `["utf-8"]`, server: []document.Encoding{}, want: document.UTF16},
	}
	for _, tt := range tests {
		var opts []lsp.Option
		if tt.server != nil {
			opts = append(opts, lsp.WithPositionEncodings(tt.server...))
		}
		srv := lsp.NewServer("t", "1", opts...)
		if got := srv.Encoding(); got != document.UTF16 {
			t.Errorf("before initialize: Encoding() = %v, want utf-16", got)
		}
		caps := `{}`
		if tt.offered != "" {
			caps = `{"general": {"positionEncodings": ` + tt.offered + `}}`
		}
		res := initializeRaw(t, srv, caps)
		got, _ := at(res, "capabilities.positionEncoding")
		if got != tt.want.String() || srv.Encoding() != tt.want {
			t.Errorf("client offers %s, server prefers %v: announced %v, Encoding() %v; want %v", tt.offered, tt.server, got, srv.Encoding(), tt.want)
		}
	}
}

// withLegend returns capabilities with a semantic tokens legend of types.
func withLegend(types ...string) protocol.ServerCapabilities {
	return protocol.ServerCapabilities{
		SemanticTokensProvider: new(protocol.NewServerCapabilitiesSemanticTokensProviderSemanticTokensOptions(protocol.SemanticTokensOptions{
			Legend: protocol.SemanticTokensLegend{TokenTypes: types, TokenModifiers: []string{}},
		})),
	}
}

package lsp_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/lspkit/lspkit/conn"
	"github.com/lspkit/lspkit/lsp"
	"github.com/lspkit/lspkit/lsp/protocol"
)

// TestDynamicRegistration checks that client/registerCapability goes out
// only for features whose client capability declares dynamicRegistration.
func TestDynamicRegistration(t *testing.T) {
	const caps = `{"textDocument": {"hover": {"dynamicRegistration": true}, "completion": {"dynamicRegistration": false},
		"semanticTokens": {"dynamicRegistration": true, "requests": {}, "tokenTypes": [], "tokenModifiers": [], "formats": []}},
		"workspace": {"didChangeWatchedFiles": {}}}`
	tests := []struct {
		methods []string
		ok      bool
	}{
		{[]string{"textDocument/hover"}, true},
		{[]string{"textDocument/completion"}, false},         // declared false
		{[]string{"textDocument/definition"}, false},         // not declared
		{[]string{"workspace/didChangeWatchedFiles"}, false}, // the capability without dynamicRegistration
		{[]string{"textDocument/semanticTokens"}, true},      // a registration method
		{[]string{"textDocument/hover", "textDocument/completion"}, false},
		{[]string{"my/custom"}, true}, // unknown to the protocol: not checked
	}
	for _, tc := range tests {
		var got []string
		srv := lsp.NewServer("t", "1")
		c, _ := start(t, srv, caps)
		c.Handle("client/registerCapability", conn.HandlerFunc(func(_ context.Context, req *conn.Request) (any, error) {
			var p protocol.RegistrationParams
			json.Unmarshal(req.Params, &p)
			for _, r := range p.Registrations {
				got = append(got, r.Method)
			}
			return nil, nil
		}))
		var regs []protocol.Registration
		for _, m := range tc.methods {
			regs = append(regs, protocol.Registration{ID: m, Method: m})
		}
		err := srv.Client().RegisterCapability(testContext(t), &protocol.RegistrationParams{Registrations: regs})
		switch {
		case tc.ok && (err != nil || len(got) != len(tc.methods)):
			t.Errorf("%v: %v, the client got %v", tc.methods, err, got)
		case !tc.ok && (!errors.Is(err, lsp.ErrUnsupported) || len(got) != 0):
			t.Errorf("%v: %v, the client got %v; want ErrUnsupported and nothing sent", tc.methods, err, got)
		}
	}
}

// TestWatchFiles checks the helper: the registration the client receives,
// and its refusals.
func TestWatchFiles(t *testing.T) {
	const dynamic = `{"workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}}}`
	watcher := protocol.FileSystemWatcher{GlobPattern: protocol.NewGlobPatternPattern("**/*.calc")}
	handler := func(s *lsp.Server) {
		s.OnDidChangeWatchedFiles(func(context.Context, *protocol.DidChangeWatchedFilesParams) error { return nil })
	}
	tests := []struct {
		name    string
		setup   func(*lsp.Server)
		caps    string
		wantErr error // nil: registered
	}{
		{"registered", handler, dynamic, nil},
		{"no dynamic registration", handler, `{"workspace": {"didChangeWatchedFiles": {}}}`, lsp.ErrUnsupported},
		{"no handler", func(*lsp.Server) {}, dynamic, errors.New("no OnDidChangeWatchedFiles handler")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := lsp.NewServer("t", "1")
			tc.setup(srv)
			c, _ := start(t, srv, tc.caps)
			got := make(chan protocol.RegistrationParams, 1)
			c.Handle("client/registerCapability", conn.HandlerFunc(func(_ context.Context, req *conn.Request) (any, error) {
				var p protocol.RegistrationParams
				json.Unmarshal(req.Params, &p)
				got <- p
				return nil, nil
			}))
			id, err := srv.Client().WatchFiles(testContext(t), watcher)
			if tc.wantErr != nil {
				if err == nil || !errors.Is(err, tc.wantErr) && !strings.Contains(err.Error(), tc.wantErr.Error()) {
					t.Fatalf("WatchFiles: %q, %v; want %v", id, err, tc.wantErr)
				}
				if len(got) != 0 {
					t.Error("a registration was sent")
				}
				return
			}
			if err != nil || id == "" {
				t.Fatalf("WatchFiles: %q, %v", id, err)
			}
			p := <-got
			if len(p.Registrations) != 1 || p.Registrations[0].ID != id || p.Registrations[0].Method != "workspace/didChangeWatchedFiles" {
				t.Fatalf("registration %+v, want one of workspace/didChangeWatchedFiles with id %q", p, id)
			}
			if !sameJSON(t, string(p.Registrations[0].RegisterOptions), `{"watchers": [{"globPattern": "**/*.calc"}]}`) {
				t.Errorf("options %s", p.Registrations[0].RegisterOptions)
			}
			if id2, _ := srv.Client().WatchFiles(testContext(t), watcher); id2 == id {
				t.Errorf("a second registration has the same id %q", id)
			}
		})
	}
}

// TestDynamicCapabilityPaths checks where dynamicRegistration is looked
// for: on the feature's own object.
func TestDynamicCapabilityPaths(t *testing.T) {
	for method, want := range map[string]string{
		"textDocument/hover":              "textDocument.hover",
		"textDocument/semanticTokens":     "textDocument.semanticTokens",
		"workspace/willCreateFiles":       "workspace.fileOperations",
		"textDocument/didOpen":            "textDocument.synchronization",
		"workspace/didChangeWatchedFiles": "workspace.didChangeWatchedFiles",
		"my/custom":                       "",
	} {
		if got := lsp.DynamicCapability(method); got != want {
			t.Errorf("%s: %q, want %q", method, got, want)
		}
	}
}

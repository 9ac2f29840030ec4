package lsptest_test

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/lspkit/lspkit/conn"
	"github.com/lspkit/lspkit/lsp"
	"github.com/lspkit/lspkit/lsp/lsptest"
	"github.com/lspkit/lspkit/lsp/protocol"
)

// A test plays the editor: it initializes the server with the client
// capabilities of its choice, answers the server's requests, opens a
// document and awaits its diagnostics. (In a test, New(t, srv) stops the
// server when the test ends; Start is for where there is no t.)
func ExampleClient() {
	srv := lsp.NewServer("lint", "1.0")
	docs := srv.Documents()
	srv.OnDidOpen(func(ctx context.Context, p *protocol.DidOpenTextDocumentParams) error {
		// Ask the editor for the settings, then lint.
		cfg, err := srv.Client().Configuration(ctx, &protocol.ConfigurationParams{Items: []protocol.ConfigurationItem{{Section: "lint.maxLength"}}})
		if err != nil {
			return err
		}
		var maxLength int
		json.Unmarshal(cfg[0], &maxLength)
		snap, _ := docs.Get(p.TextDocument.URI)
		diags := []protocol.Diagnostic{}
		if len(snap.Text()) > maxLength {
			diags = append(diags, protocol.Diagnostic{
				Range:   snap.Range(maxLength, len(snap.Text()), srv.Encoding()),
				Message: protocol.NewDiagnosticMessageString(fmt.Sprintf("longer than %d characters", maxLength)),
			})
		}
		return srv.Client().PublishDiagnostics(ctx, &protocol.PublishDiagnosticsParams{URI: p.TextDocument.URI, Diagnostics: diags})
	})

	ctx := context.Background()
	client := lsptest.Start(ctx, srv)
	caps := protocol.ClientCapabilities{Workspace: &protocol.WorkspaceClientCapabilities{Configuration: true}}
	if _, err := client.Initialize(ctx, &protocol.InitializeParams{Capabilities: caps}); err != nil {
		fmt.Println(err)
		return
	}
	client.Handle("workspace/configuration", conn.Typed(func(context.Context, *protocol.ConfigurationParams) ([]int, error) {
		return []int{3}, nil
	}))
	client.Open(ctx, "file:///long.txt", "plaintext", "four")
	d, _ := client.Diagnostics(ctx, "file:///long.txt")
	for _, diag := range d.Diagnostics {
		msg, _ := diag.Message.AsString()
		fmt.Printf("%d-%d: %s\n", diag.Range.Start.Character, diag.Range.End.Character, msg)
	}
	fmt.Println("serve:", client.Shutdown(ctx))
	// Output:
	// 3-4: longer than 3 characters
	// serve: <nil>
}

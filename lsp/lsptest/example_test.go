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
	// How the editor answers is set before it starts: it holds from the
	// first message on.
	client := lsptest.Start(ctx, srv, lsptest.WithHandler("workspace/configuration",
		conn.Typed(func(context.Context, *protocol.ConfigurationParams) ([]int, error) {
			return []int{3}, nil
		})))
	caps := protocol.ClientCapabilities{Workspace: &protocol.WorkspaceClientCapabilities{Configuration: true}}
	if _, err := client.Initialize(ctx, &protocol.InitializeParams{Capabilities: caps}); err != nil {
		fmt.Println(err)
		return
	}
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

// A server that reads its settings when the client says it is initialized
// gets those WithConfiguration sets: the answer holds from the first
// message. WaitIdle then waits until the server has nothing left to do,
// and Messages has everything it sent.
func ExampleWithConfiguration() {
	srv := lsp.NewServer("lint", "1.0")
	srv.OnInitialized(func(ctx context.Context, _ *protocol.InitializedParams) error {
		cfg, err := srv.Client().Configuration(ctx, &protocol.ConfigurationParams{Items: []protocol.ConfigurationItem{{Section: "lint.maxLength"}}})
		if err != nil {
			return err
		}
		return srv.Client().LogMessage(ctx, &protocol.LogMessageParams{Type: protocol.MessageTypeInfo, Message: "maxLength " + string(cfg[0])})
	})

	ctx := context.Background()
	client := lsptest.Start(ctx, srv, lsptest.WithConfiguration(map[string]any{
		"lint": map[string]any{"maxLength": 80},
	}))
	client.Initialize(ctx, nil)
	client.WaitIdle(ctx)
	for _, m := range client.Messages() {
		fmt.Println(m.Method, string(m.Params))
	}
	client.Shutdown(ctx)
	// Output:
	// workspace/configuration {"items":[{"section":"lint.maxLength"}]}
	// window/logMessage {"type":3,"message":"maxLength 80"}
}

// Progress has the server's $/progress notifications decoded: work-done
// begin, report and end, and partial results.
func ExampleClient_Progress() {
	srv := lsp.NewServer("indexer", "1.0")
	srv.OnInitialized(func(ctx context.Context, _ *protocol.InitializedParams) error {
		work := srv.WorkDone(ctx, nil, "Indexing") // asks the client for a token
		work.Report("3/4 files", 75)
		work.End("4 files")
		return nil
	})

	ctx := context.Background()
	client := lsptest.Start(ctx, srv)
	client.Initialize(ctx, nil) // DefaultCapabilities declare work-done progress
	client.WaitIdle(ctx)
	for _, p := range client.Progress() {
		switch p.Kind {
		case "begin":
			fmt.Println("begin:", p.Begin.Title)
		case "report":
			fmt.Println("report:", p.Report.Message, *p.Report.Percentage)
		case "end":
			fmt.Println("end:", p.End.Message)
		}
	}
	client.Shutdown(ctx)
	// Output:
	// begin: Indexing
	// report: 3/4 files 75
	// end: 4 files
}

// Profiles are the clientInfo and capabilities real editors send; a test
// runs against each, and the server sees what that editor would send.
func ExampleWithProfile() {
	for _, p := range lsptest.Profiles() {
		srv := lsp.NewServer("s", "1.0")
		ctx := context.Background()
		client := lsptest.Start(ctx, srv, lsptest.WithProfile(p))
		client.Initialize(ctx, nil)
		got := srv.InitializeParams()
		fmt.Printf("%s: %s, position encoding %s\n", p.Name, got.ClientInfo.Name, srv.Encoding())
		client.Shutdown(ctx)
	}
	// Output:
	// eglot: Emacs (eglot), position encoding utf-8
	// helix: helix, position encoding utf-8
	// neovim: Neovim, position encoding utf-16
	// vscode: Visual Studio Code, position encoding utf-16
}

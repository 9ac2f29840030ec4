package lsp_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/lspkit/lspkit/lsp"
	"github.com/lspkit/lspkit/lsp/lsptest"
	"github.com/lspkit/lspkit/lsp/protocol"
)

// Documents keeps the open documents in step with the client; by the time
// the author's didOpen and didChange handlers run, the store has the new
// text. This server flags every TODO, its range in the agreed encoding (by
// default UTF-16, where 𝑥 counts 2).
func ExampleServer_Documents() {
	srv := lsp.NewServer("todo", "1.0")
	docs := srv.Documents()
	publish := func(ctx context.Context, uri protocol.DocumentURI) error {
		snap, ok := docs.Get(uri)
		if !ok {
			return nil
		}
		diags := []protocol.Diagnostic{}
		for off := 0; ; off += len("TODO") {
			i := strings.Index(snap.Text()[off:], "TODO")
			if i < 0 {
				break
			}
			off += i
			diags = append(diags, protocol.Diagnostic{
				Range:   snap.Range(off, off+len("TODO"), srv.Encoding()),
				Message: protocol.NewDiagnosticMessageString("something to do"),
			})
		}
		return srv.Client().PublishDiagnostics(ctx, &protocol.PublishDiagnosticsParams{URI: uri, Diagnostics: diags})
	}
	srv.OnDidOpen(func(ctx context.Context, p *protocol.DidOpenTextDocumentParams) error {
		return publish(ctx, p.TextDocument.URI)
	})
	srv.OnDidChange(func(ctx context.Context, p *protocol.DidChangeTextDocumentParams) error {
		return publish(ctx, p.TextDocument.URI)
	})

	ctx := context.Background()
	client := lsptest.Start(ctx, srv)
	client.Initialize(ctx, nil)
	show := func() {
		d, _ := client.Diagnostics(ctx, "file:///a.txt")
		fmt.Print(len(d.Diagnostics), " TODO")
		for _, diag := range d.Diagnostics {
			fmt.Printf(" %d:%d-%d:%d", diag.Range.Start.Line, diag.Range.Start.Character, diag.Range.End.Line, diag.Range.End.Character)
		}
		fmt.Println()
	}
	client.Open(ctx, "file:///a.txt", "plaintext", "let 𝑥 = 1 // TODO\nTODO: more")
	show()
	// Replace "TODO" on line 0 (from character 14: 𝑥 counts 2) with "done".
	client.Edit(ctx, "file:///a.txt", protocol.Range{
		Start: protocol.Position{Line: 0, Character: 14},
		End:   protocol.Position{Line: 0, Character: 18},
	}, "done")
	show()
	snap, _ := docs.Get("file:///a.txt")
	fmt.Printf("v%d %q\n", snap.Version(), snap.Text())
	fmt.Println("serve:", client.Shutdown(ctx))
	// Output:
	// 2 TODO 0:14-0:18 1:0-1:4
	// 1 TODO 1:0-1:4
	// v2 "let 𝑥 = 1 // done\nTODO: more"
	// serve: <nil>
}

// WorkDone reports progress with the token the client gave in the request,
// or, as here, with one it asks the client to create; the client sees
// begin, reports and end as $/progress.
func ExampleServer_WorkDone() {
	srv := lsp.NewServer("indexer", "1.0")
	srv.OnExecuteCommand(func(ctx context.Context, p *protocol.ExecuteCommandParams) (protocol.LSPAny, error) {
		work := srv.WorkDone(ctx, p.WorkDoneToken, "Indexing")
		defer work.End("indexed 2 files")
		for i, file := range []string{"a.go", "b.go"} {
			if work.Context().Err() != nil {
				return nil, work.Context().Err() // the client cancelled
			}
			work.Report(file, 50*i)
		}
		return nil, nil
	})

	ctx := context.Background()
	client := lsptest.Start(ctx, srv)
	client.Initialize(ctx, nil) // lsptest's default capabilities include window.workDoneProgress
	client.ExecuteCommand(ctx, &protocol.ExecuteCommandParams{Command: "index"})
	for range 4 {
		raw, _ := client.Notification(ctx, "$/progress")
		var p struct {
			Token string `json:"token"`
			Value struct {
				Kind       string `json:"kind"`
				Title      string `json:"title"`
				Message    string `json:"message"`
				Percentage *int   `json:"percentage"`
			} `json:"value"`
		}
		json.Unmarshal(raw, &p)
		v := p.Value
		fmt.Print(v.Kind, " ", v.Title, v.Message)
		if v.Percentage != nil {
			fmt.Print(" ", *v.Percentage, "%")
		}
		fmt.Println()
	}
	client.Shutdown(ctx)
	// Output:
	// begin Indexing
	// report a.go 0%
	// report b.go 50%
	// end indexed 2 files
}

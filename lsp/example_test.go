package lsp_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/lspkit/lspkit/lsp"
	"github.com/lspkit/lspkit/lsp/lsptest"
	"github.com/lspkit/lspkit/lsp/protocol"
)

// A language server in a few lines: it keeps documents, answers hover with
// the word under the cursor, and is driven here by lsptest's in-memory
// client as an editor would drive it.
func ExampleServer() {
	srv := lsp.NewServer("words", "1.0")
	docs := srv.Documents()
	srv.OnHover(func(ctx context.Context, p *protocol.HoverParams) (*protocol.Hover, error) {
		snap, ok := docs.Get(p.TextDocument.URI)
		if !ok {
			return nil, nil
		}
		line := snap.LineText(int(p.Position.Line))
		off := snap.Offset(p.Position, srv.Encoding()) - snap.Offset(protocol.Position{Line: p.Position.Line}, srv.Encoding())
		start := strings.LastIndex(line[:off], " ") + 1
		end := off + strings.IndexByte(line[off:]+" ", ' ')
		return &protocol.Hover{Contents: protocol.NewHoverContentsMarkupContent(protocol.MarkupContent{
			Kind: protocol.MarkupKindPlainText, Value: "word: " + line[start:end],
		})}, nil
	})

	ctx := context.Background()
	client := lsptest.Start(ctx, srv)
	res, _ := client.Initialize(ctx, nil)
	fmt.Println("server:", res.ServerInfo.Name, "hover:", res.Capabilities.HoverProvider != nil)
	client.Open(ctx, "file:///a.txt", "plaintext", "hello brave world")
	h, _ := client.Hover(ctx, &protocol.HoverParams{
		TextDocument: protocol.TextDocumentIdentifier{URI: "file:///a.txt"},
		Position:     protocol.Position{Line: 0, Character: 8},
	})
	mc, _ := h.Contents.AsMarkupContent()
	fmt.Println(mc.Value)
	fmt.Println("serve:", client.Shutdown(ctx))
	// Output:
	// server: words hover: true
	// word: brave
	// serve: <nil>
}

package calc

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/lspkit/lspkit/lsp/lsptest"
	"github.com/lspkit/lspkit/lsp/protocol"
)

// BenchmarkEditThenHover10k is the server's work for one keystroke in a
// 10,000-line file, through a real (in-memory) connection: an incremental
// didChange, the analysis and diagnostics it triggers, then a hover at the
// end of the file.
func BenchmarkEditThenHover10k(b *testing.B) {
	var text strings.Builder
	text.WriteString("let x0 = 1\n")
	const lines = 10000
	for i := 1; i < lines; i++ {
		fmt.Fprintf(&text, "let x%d = x%d * 1.0001 + %d\n", i, i-1, i%13)
	}
	ctx := context.Background()
	c := lsptest.New(b, New())
	if _, err := c.Initialize(ctx, &protocol.InitializeParams{Capabilities: lsptest.DefaultCapabilities()}); err != nil {
		b.Fatal(err)
	}
	uri := protocol.DocumentURI("file:///bench/big.calc")
	if err := c.Open(ctx, uri, LanguageID, text.String()); err != nil {
		b.Fatal(err)
	}
	at := protocol.Position{Line: lines / 2, Character: 0}
	hover := &protocol.HoverParams{
		TextDocument: protocol.TextDocumentIdentifier{URI: uri},
		Position:     protocol.Position{Line: lines - 1, Character: 5},
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := c.Edit(ctx, uri, protocol.Range{Start: at, End: at}, " "); err != nil {
			b.Fatal(err)
		}
		h, err := c.Hover(ctx, hover)
		if err != nil || h == nil {
			b.Fatalf("hover: %v, %v", h, err)
		}
		// The pulled diagnostics of the edited file, as the client asks
		// after each change.
		if _, err := c.Diagnostic(ctx, &protocol.DocumentDiagnosticParams{TextDocument: hover.TextDocument}); err != nil {
			b.Fatal(err)
		}
	}
}

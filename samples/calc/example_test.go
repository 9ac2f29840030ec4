package calc_test

import (
	"context"
	"fmt"

	"github.com/lspkit/lspkit/lsp/lsptest"
	"github.com/lspkit/lspkit/lsp/protocol"
	"github.com/lspkit/lspkit/samples/calc"
)

// The calc server driven by lsptest's in-memory client: open a document,
// receive its diagnostics, hover over a name.
func ExampleNew() {
	ctx := context.Background()
	client := lsptest.Start(ctx, calc.New())
	client.Initialize(ctx, &protocol.InitializeParams{}) // a client that pulls nothing: diagnostics are pushed
	uri := protocol.DocumentURI("file:///tmp/example.calc")
	client.Open(ctx, uri, calc.LanguageID, "let x = 6 * 7\nx / y\n")

	diags, _ := client.Diagnostics(ctx, uri)
	for _, d := range diags.Diagnostics {
		msg, _ := d.Message.AsString()
		fmt.Printf("line %d: %s\n", d.Range.Start.Line+1, msg)
	}
	hover, _ := client.Hover(ctx, &protocol.HoverParams{
		TextDocument: protocol.TextDocumentIdentifier{URI: uri},
		Position:     protocol.Position{Line: 1, Character: 0},
	})
	mc, _ := hover.Contents.AsMarkupContent()
	fmt.Println(mc.Value[:len("```calc\nx = 42")])
	fmt.Println("serve:", client.Shutdown(ctx))
	// Output:
	// line 2: undefined name 'y'
	// ```calc
	// x = 42
	// serve: <nil>
}

package document_test

import (
	"fmt"

	"github.com/lspkit/lspkit/lsp/document"
	"github.com/lspkit/lspkit/lsp/protocol"
)

func Example() {
	var docs document.Store
	docs.Open(&protocol.DidOpenTextDocumentParams{TextDocument: protocol.TextDocumentItem{
		URI: "file:///a.txt", LanguageID: "plaintext", Version: 1,
		Text: "let 𝑥 = 1\nprint(𝑥)\n",
	}})

	// A handler holds on to the snapshot of version 1 ...
	v1, _ := docs.Get("file:///a.txt")

	// ... while the client renames 𝑥 (2 UTF-16 code units) to y on both lines.
	rename := func(line, char uint32) protocol.TextDocumentContentChangeEvent {
		return protocol.TextDocumentContentChangeEvent{Value: protocol.TextDocumentContentChangePartial{
			Range: protocol.Range{Start: protocol.Position{Line: line, Character: char}, End: protocol.Position{Line: line, Character: char + 2}},
			Text:  "y",
		}}
	}
	v2, err := docs.Change(&protocol.DidChangeTextDocumentParams{
		TextDocument:   protocol.VersionedTextDocumentIdentifier{URI: "file:///a.txt", Version: 2},
		ContentChanges: []protocol.TextDocumentContentChangeEvent{rename(0, 4), rename(1, 6)},
	}, document.UTF16)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("v%d: %q\n", v1.Version(), v1.Text())
	fmt.Printf("v%d: %q\n", v2.Version(), v2.Text())

	// The same place in each encoding: the ")" after 𝑥 on line 1.
	off := len("let 𝑥 = 1\nprint(𝑥")
	for _, enc := range []document.Encoding{document.UTF16, document.UTF8, document.UTF32} {
		pos := v1.Position(off, enc)
		fmt.Printf("%s: %d:%d -> %d\n", enc, pos.Line, pos.Character, v1.Offset(pos, enc))
	}
	// Output:
	// v1: "let 𝑥 = 1\nprint(𝑥)\n"
	// v2: "let y = 1\nprint(y)\n"
	// utf-16: 1:8 -> 23
	// utf-8: 1:10 -> 23
	// utf-32: 1:7 -> 23
}

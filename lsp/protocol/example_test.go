package protocol_test

import (
	"encoding/json"
	"fmt"
	"log"

	"github.com/lspkit/lspkit/lsp/protocol"
)

// A server decodes the params of initialize and answers a hover request.
func Example() {
	var params protocol.InitializeParams
	err := json.Unmarshal([]byte(`{
		"processId": 4242,
		"rootUri": null,
		"capabilities": {
			"textDocument": {"hover": {"contentFormat": ["markdown", "plaintext"]}}
		},
		"initializationOptions": {"maxResults": 12345678901234567890},
		"workspaceFolders": [{"uri": "file:///src/app", "name": "app"}]
	}`), &params)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("process:", *params.ProcessID)
	fmt.Println("hover formats:", params.Capabilities.TextDocument.Hover.ContentFormat)
	fmt.Println("options:", string(params.InitializationOptions))
	if folders := params.WorkspaceFolders.Value; folders != nil {
		fmt.Println("folder:", (*folders)[0].URI)
	}

	hover := &protocol.Hover{
		Contents: protocol.NewHoverContentsMarkupContent(protocol.MarkupContent{
			Kind:  protocol.MarkupKindMarkdown,
			Value: "```go\nfunc main()\n```",
		}),
		Range: &protocol.Range{
			Start: protocol.Position{Line: 3, Character: 5},
			End:   protocol.Position{Line: 3, Character: 9},
		},
	}
	out, err := json.Marshal(hover)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(out))
	// Output:
	// process: 4242
	// hover formats: [markdown plaintext]
	// options: {"maxResults": 12345678901234567890}
	// folder: file:///src/app
	// {"contents":{"kind":"markdown","value":"```go\nfunc main()\n```"},"range":{"start":{"line":3,"character":5},"end":{"line":3,"character":9}}}
}

// A client reads the text document sync capability of a server, which is
// either a TextDocumentSyncKind or TextDocumentSyncOptions.
func Example_orType() {
	for _, caps := range []string{
		`{"textDocumentSync": 2}`,
		`{"textDocumentSync": {"openClose": true, "change": 1}}`,
		`{}`,
	} {
		var sc protocol.ServerCapabilities
		if err := json.Unmarshal([]byte(caps), &sc); err != nil {
			log.Fatal(err)
		}
		if sc.TextDocumentSync == nil {
			fmt.Println("no sync")
			continue
		}
		switch v := sc.TextDocumentSync.Value.(type) {
		case protocol.TextDocumentSyncKind:
			fmt.Println("kind", v, v == protocol.TextDocumentSyncKindIncremental)
		case protocol.TextDocumentSyncOptions:
			fmt.Println("options", v.OpenClose, *v.Change == protocol.TextDocumentSyncKindFull)
		}
	}

	var sc protocol.ServerCapabilities
	err := json.Unmarshal([]byte(`{"textDocumentSync": "full"}`), &sc)
	fmt.Println(err)
	// Output:
	// kind 2 true
	// options true true
	// no sync
	// json: cannot unmarshal string into Go struct field ServerCapabilities.textDocumentSync of type protocol.ServerCapabilitiesTextDocumentSync
}

// An optional "T | null" property is absent, null or a value.
func ExampleNullable() {
	for _, help := range []protocol.SignatureHelp{
		{Signatures: []protocol.SignatureInformation{}},
		{Signatures: []protocol.SignatureInformation{}, ActiveParameter: protocol.Nullable[uint32]{Null: true}},
		{Signatures: []protocol.SignatureInformation{}, ActiveParameter: protocol.Nullable[uint32]{Value: new(uint32(0))}},
	} {
		out, _ := json.Marshal(help)
		fmt.Println(string(out))
	}
	// Output:
	// {"signatures":[]}
	// {"signatures":[],"activeParameter":null}
	// {"signatures":[],"activeParameter":0}
}

// Methods tells how to decode any message.
func ExampleMethods() {
	info := protocol.Methods[protocol.MethodTextDocumentDefinition]
	fmt.Println(info.Direction, info.Params, info.Result, info.PartialResult)

	result := info.NewResult().(**protocol.DefinitionResult)
	if err := json.Unmarshal([]byte(`[{"uri": "file:///a.go", "range": {"start": {"line": 1, "character": 0}, "end": {"line": 1, "character": 4}}}]`), result); err != nil {
		log.Fatal(err)
	}
	def, _ := (*result).AsDefinition()
	locations, _ := def.AsLocations()
	fmt.Println(locations[0].URI)

	fmt.Println(protocol.Methods[protocol.MethodCancelRequest].Direction)
	// Output:
	// clientToServer DefinitionParams *DefinitionResult DefinitionPartialResult
	// file:///a.go
	// both
}

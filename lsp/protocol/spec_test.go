package protocol

import (
	"encoding/json"
	"reflect"
	"testing"
)

// specExamples are JSON examples from the LSP 3.17 specification
// (source gives the file and line). TypeScript object literals of the
// specification are written as JSON, and // comments are removed.
var specExamples = []struct {
	source string
	new    func() any
	json   string
	want   string                    // the JSON written back, if not json (see the case)
	check  func(t *testing.T, v any) // optional checks of the decoded value
}{
	{
		source: "types/partialResults.md:7",
		new:    func() any { return new(ReferenceParams) },
		json: `{
			"textDocument": {"uri": "file:///folder/file.ts"},
			"position": {"line": 9, "character": 5},
			"context": {"includeDeclaration": true},
			"workDoneToken": "1d546990-40a3-4b77-b134-46622995f6ae",
			"partialResultToken": "5f6f349e-4f81-4a3b-afff-ee04bff96804"
		}`,
		check: func(t *testing.T, v any) {
			p := v.(*ReferenceParams)
			if tok, ok := p.PartialResultToken.AsString(); !ok || tok != "5f6f349e-4f81-4a3b-afff-ee04bff96804" {
				t.Errorf("partialResultToken = %#v", p.PartialResultToken)
			}
			if p.Position.Line != 9 || p.TextDocument.URI != "file:///folder/file.ts" || !p.Context.IncludeDeclaration {
				t.Errorf("params = %+v", p)
			}
		},
	},
	{
		source: "types/workDoneProgress.md:119",
		new:    func() any { return new(ReferenceParams) },
		json: `{
			"textDocument": {"uri": "file:///folder/file.ts"},
			"position": {"line": 9, "character": 5},
			"context": {"includeDeclaration": true},
			"workDoneToken": "1d546990-40a3-4b77-b134-46622995f6ae"
		}`,
	},
	{
		source: "types/workDoneProgress.md:152",
		new:    func() any { return new(ProgressParams) },
		json: `{
			"token": "1d546990-40a3-4b77-b134-46622995f6ae",
			"value": {
				"kind": "begin",
				"title": "Finding references for A#foo",
				"cancellable": false,
				"message": "Processing file X.ts",
				"percentage": 0
			}
		}`,
		check: func(t *testing.T, v any) {
			var begin WorkDoneProgressBegin
			if err := json.Unmarshal(v.(*ProgressParams).Value, &begin); err != nil {
				t.Fatal(err)
			}
			if begin.Kind != "begin" || begin.Percentage == nil || *begin.Percentage != 0 || begin.Cancellable {
				t.Errorf("begin = %+v", begin)
			}
		},
	},
	{
		// The value of the previous example. An optional boolean is not
		// written when false (see the package documentation); the
		// percentage 0 is kept.
		source: "types/workDoneProgress.md:155",
		new:    func() any { return new(WorkDoneProgressBegin) },
		json: `{
			"kind": "begin",
			"title": "Finding references for A#foo",
			"cancellable": false,
			"message": "Processing file X.ts",
			"percentage": 0
		}`,
		want: `{
			"kind": "begin",
			"title": "Finding references for A#foo",
			"message": "Processing file X.ts",
			"percentage": 0
		}`,
	},
	{
		source: "types/workDoneProgress.md:172",
		new:    func() any { return new(ServerCapabilities) },
		json:   `{"referencesProvider": {"workDoneProgress": true}}`,
		check: func(t *testing.T, v any) {
			if o, ok := v.(*ServerCapabilities).ReferencesProvider.AsReferenceOptions(); !ok || !o.WorkDoneProgress {
				t.Errorf("referencesProvider = %#v", v.(*ServerCapabilities).ReferencesProvider)
			}
		},
	},
	{
		source: "types/workDoneProgress.md:174",
		new:    func() any { return new(ServerCapabilitiesReferencesProvider) },
		json:   `{"workDoneProgress": true}`,
	},
	{
		source: "types/workDoneProgress.md:174",
		new:    func() any { return new(WorkDoneProgressOptions) },
		json:   `{"workDoneProgress": true}`,
	},
	{
		source: "types/partialResults.md:9",
		new:    func() any { return new(TextDocumentIdentifier) },
		json:   `{"uri": "file:///folder/file.ts"}`,
	},
	{
		source: "types/partialResults.md:12",
		new:    func() any { return new(Position) },
		json:   `{"line": 9, "character": 5}`,
	},
	{
		source: "types/partialResults.md:16",
		new:    func() any { return new(ReferenceContext) },
		json:   `{"includeDeclaration": true}`,
	},
	{
		source: "types/partialResults.md:20",
		new:    func() any { return new(ProgressToken) },
		json:   `"1d546990-40a3-4b77-b134-46622995f6ae"`,
	},
	{
		source: "types/range.md:4",
		new:    func() any { return new(Range) },
		json:   `{"start": {"line": 5, "character": 23}, "end": {"line": 6, "character": 0}}`,
	},
	{
		source: "types/documentFilter.md:5",
		new:    func() any { return new(DocumentFilter) },
		json:   `{"language": "typescript", "scheme": "file"}`,
		check: func(t *testing.T, v any) {
			f, _ := v.(*DocumentFilter).AsTextDocumentFilter()
			if l, ok := f.AsTextDocumentFilterLanguage(); !ok || l.Language != "typescript" || l.Scheme != "file" {
				t.Errorf("filter = %#v", f)
			}
		},
	},
	{
		source: "types/documentFilter.md:6",
		new:    func() any { return new(TextDocumentFilter) },
		json:   `{"language": "json", "pattern": "**/package.json"}`,
	},
	{
		source: "types/documentFilter.md:6",
		new:    func() any { return new(TextDocumentFilterLanguage) },
		json:   `{"language": "json", "pattern": "**/package.json"}`,
	},
	{
		source: "types/documentFilter.md:5",
		new:    func() any { return new(DocumentSelector) },
		json:   `[{"language": "typescript", "scheme": "file"}, {"language": "json", "pattern": "**/package.json"}]`,
	},
	{
		source: "notebookDocument/notebook.md:237",
		new:    func() any { return new(DocumentSelector) },
		json:   `[{"language": "python"}]`,
	},
	{
		// The specification's example lacks the colon after pattern.
		source: "notebookDocument/notebook.md:202",
		new:    func() any { return new(NotebookCellTextDocumentFilter) },
		json: `{
			"notebook": {"scheme": "file", "pattern": "**/books1/**", "notebookType": "jupyter-notebook"},
			"language": "python"
		}`,
		check: func(t *testing.T, v any) {
			nb, _ := v.(*NotebookCellTextDocumentFilter).Notebook.AsNotebookDocumentFilter()
			// All three properties are present: the first variant that
			// declares them all.
			f, ok := nb.AsNotebookDocumentFilterNotebookType()
			if !ok || f.Pattern == nil {
				t.Fatalf("notebook = %#v", nb)
			}
			if p, _ := f.Pattern.AsPattern(); p != "**/books1/**" {
				t.Errorf("pattern = %#v", f.Pattern)
			}
		},
	},
	{
		source: "notebookDocument/notebook.md:237",
		new:    func() any { return new(DocumentFilter) },
		json:   `{"notebook": {"scheme": "file", "notebookType": "jupyter-notebook"}, "language": "python"}`,
		check: func(t *testing.T, v any) {
			if _, ok := v.(*DocumentFilter).AsNotebookCellTextDocumentFilter(); !ok {
				t.Errorf("filter = %#v", v)
			}
		},
	},
	{
		source: "notebookDocument/notebook.md:241",
		new:    func() any { return new(ServerCapabilities) },
		json: `{
			"notebookDocumentSync": {
				"notebookSelector": [{
					"notebook": {"scheme": "file", "notebookType": "jupyter-notebook"},
					"cells": [{"language": "python"}]
				}]
			}
		}`,
	},
	{
		source: "notebookDocument/notebook.md:242",
		new:    func() any { return new(NotebookDocumentSyncOptions) },
		json: `{
			"notebookSelector": [{
				"notebook": {"scheme": "file", "notebookType": "jupyter-notebook"},
				"cells": [{"language": "python"}]
			}]
		}`,
	},
	{
		source: "workspace/didChangeWorkspaceFolders.md:6",
		new:    func() any { return new(Registration) },
		json:   `{"id": "28c6150c-bd7b-11e7-abc4-cec278b6b50a", "method": "workspace/didChangeWorkspaceFolders"}`,
	},
	{
		source: "language/codeAction.md:441",
		new:    func() any { return new(CodeAction) },
		json:   `{"title": "Do Foo"}`,
	},
	{
		source: "language/codeAction.md:441",
		new:    func() any { return new(CommandOrCodeAction) },
		json:   `{"title": "Do Foo"}`,
		check: func(t *testing.T, v any) {
			if _, ok := v.(*CommandOrCodeAction).AsCodeAction(); !ok {
				t.Errorf("got %T, want CodeAction", v.(*CommandOrCodeAction).Value)
			}
		},
	},
	{
		source: "language/codeAction.md:435",
		new:    func() any { return new(ClientCodeActionResolveOptions) },
		json:   `{"properties": ["edit"]}`,
	},
	{
		source: "language/inlayHint.md:266",
		new:    func() any { return new(ClientInlayHintResolveOptions) },
		json:   `{"properties": ["label.location"]}`,
	},
	{
		source: "language/semanticTokens.md:125",
		new:    func() any { return new(SemanticTokensLegend) },
		json:   `{"tokenTypes": ["property", "type", "class"], "tokenModifiers": ["private", "static"]}`,
	},
	{
		source: "language/semanticTokens.md:150",
		new:    func() any { return new(SemanticTokens) },
		json:   `{"data": [2,5,3,0,3, 0,5,4,1,0, 3,2,7,2,0]}`,
	},
	{
		source: "language/semanticTokens.md:172",
		new:    func() any { return new(SemanticTokensEdit) },
		json:   `{"start": 0, "deleteCount": 1, "data": [3]}`,
	},
	{
		source: "language/semanticTokens.md:172",
		new:    func() any { return new(SemanticTokensFullDeltaResult) },
		json:   `{"edits": [{"start": 0, "deleteCount": 1, "data": [3]}]}`,
		check: func(t *testing.T, v any) {
			if d, ok := v.(*SemanticTokensFullDeltaResult).AsSemanticTokensDelta(); !ok || d.Edits[0].DeleteCount != 1 {
				t.Errorf("got %#v", v)
			}
		},
	},
	{
		source: "language/completion.md:316",
		new:    func() any { return new(CompletionList) },
		json:   `{"isIncomplete": false, "items": []}`,
	},
	{
		source: "language/completion.md:316",
		new:    func() any { return new(CompletionResult) },
		json:   `{"isIncomplete": false, "items": []}`,
	},
	{
		source: "language/rename.md:42",
		new:    func() any { return new(PrepareRenameResult) },
		json:   `{"defaultBehavior": true}`,
		check: func(t *testing.T, v any) {
			if b, ok := v.(*PrepareRenameResult).AsPrepareRenameDefaultBehavior(); !ok || !b.DefaultBehavior {
				t.Errorf("got %#v", v)
			}
		},
	},
	{
		source: "language/pullDiagnostics.md:287",
		new:    func() any { return new(DiagnosticServerCancellationData) },
		json:   `{"retriggerRequest": true}`,
	},
	{
		source: "types/markupContent.md:40",
		new:    func() any { return new(MarkupContent) },
		json:   "{\"kind\": \"markdown\", \"value\": \"# Header\\nSome text\\n```typescript\\nsomeCode();\\n```\"}",
	},
	{
		source: "types/markupContent.md:40",
		new:    func() any { return new(Hover) },
		json:   "{\"contents\": {\"kind\": \"markdown\", \"value\": \"# Header\\nSome text\\n```typescript\\nsomeCode();\\n```\"}}",
	},
	{
		// e.g. "refactor.extract.function", a kind the enumeration lacks.
		source: "language/codeAction.md:174",
		new:    func() any { return new(CodeActionContext) },
		json:   `{"diagnostics": [], "only": ["refactor.extract.function"]}`,
	},
}

func TestSpecExamples(t *testing.T) {
	types := map[reflect.Type]bool{}
	for _, ex := range specExamples {
		v := ex.new()
		types[reflect.TypeOf(v).Elem()] = true
		name := ex.source + " " + reflect.TypeOf(v).Elem().Name()
		if err := json.Unmarshal([]byte(ex.json), v); err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		out, err := json.Marshal(v)
		if err != nil {
			t.Errorf("%s: marshal: %v", name, err)
			continue
		}
		want := ex.json
		if ex.want != "" {
			want = ex.want
		}
		assertSameJSON(t, name, want, string(out))
		if ex.check != nil {
			ex.check(t, v)
		}
	}
	if len(types) < 25 {
		t.Errorf("examples cover %d types, want at least 25", len(types))
	}
}

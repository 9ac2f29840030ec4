package protocol

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// roundTrip decodes in into a new T, checks it, and checks that it is
// written back as want (by meaning).
func roundTrip[T any](t *testing.T, in, want string, check func(*T)) {
	t.Helper()
	v := new(T)
	if err := json.Unmarshal([]byte(in), v); err != nil {
		t.Errorf("%T from %s: %v", v, in, err)
		return
	}
	if check != nil {
		check(v)
	}
	out, err := json.Marshal(v)
	if err != nil {
		t.Errorf("%T from %s: marshal: %v", v, in, err)
		return
	}
	assertSameJSON(t, reflect.TypeFor[T]().Name(), want, string(out))
}

func TestUnknownEnumValues(t *testing.T) {
	for _, tc := range []struct{ name, json string }{
		{"uinteger enum", `{"name": "x", "kind": 99, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 1}}, "selectionRange": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 1}}}`},
		{"uinteger enum in array", `{"valueSet": [1, 26, 27, 4000000000]}`},
		{"string enum", `{"kind": "asciidoc", "value": "= Title"}`},
		{"string enum with custom values", `{"diagnostics": [], "only": ["refactor.extract.function", "x-custom"]}`},
		{"integer enum", `{"code": -31999, "message": "x"}`},
	} {
		switch tc.name {
		case "uinteger enum":
			roundTrip(t, tc.json, tc.json, func(s *DocumentSymbol) {
				if s.Kind != 99 {
					t.Errorf("kind = %d", s.Kind)
				}
			})
		case "uinteger enum in array":
			roundTrip(t, tc.json, tc.json, func(c *ClientSymbolKindOptions) {
				if c.ValueSet[3] != 4000000000 {
					t.Errorf("valueSet = %v", c.ValueSet)
				}
			})
		case "string enum":
			roundTrip(t, tc.json, tc.json, func(m *MarkupContent) {
				if m.Kind != "asciidoc" {
					t.Errorf("kind = %q", m.Kind)
				}
			})
		case "string enum with custom values":
			roundTrip[CodeActionContext](t, tc.json, tc.json, nil)
		case "integer enum":
			// Not a protocol structure: an error response's code.
			var e struct {
				Code    ErrorCodes `json:"code"`
				Message string     `json:"message"`
			}
			if err := json.Unmarshal([]byte(tc.json), &e); err != nil || e.Code != -31999 {
				t.Errorf("ErrorCodes: %v, %d", err, e.Code)
			}
		}
	}
	// An enumeration as an or-type variant.
	roundTrip(t, `{"textDocumentSync": 7}`, `{"textDocumentSync": 7}`, func(c *ServerCapabilities) {
		if k, ok := c.TextDocumentSync.AsTextDocumentSyncKind(); !ok || k != 7 {
			t.Errorf("textDocumentSync = %#v", c.TextDocumentSync)
		}
	})
}

func TestOptionalZeroVersusAbsent(t *testing.T) {
	// Required number: 0 is written.
	roundTrip[VersionedTextDocumentIdentifier](t, `{"uri": "file:///a", "version": 0}`, `{"uri": "file:///a", "version": 0}`, nil)
	if out, _ := json.Marshal(VersionedTextDocumentIdentifier{URI: "file:///a"}); string(out) != `{"uri":"file:///a","version":0}` {
		t.Errorf("zero VersionedTextDocumentIdentifier = %s", out)
	}

	// Required "integer | null": null and 0 are distinct, and nil is written as null.
	roundTrip(t, `{"uri": "file:///a", "version": null}`, `{"uri": "file:///a", "version": null}`, func(v *OptionalVersionedTextDocumentIdentifier) {
		if v.Version != nil {
			t.Errorf("version = %d, want nil", *v.Version)
		}
	})
	roundTrip(t, `{"uri": "file:///a", "version": 0}`, `{"uri": "file:///a", "version": 0}`, func(v *OptionalVersionedTextDocumentIdentifier) {
		if v.Version == nil || *v.Version != 0 {
			t.Errorf("version = %v, want 0", v.Version)
		}
	})
	if out, _ := json.Marshal(OptionalVersionedTextDocumentIdentifier{URI: "file:///a"}); string(out) != `{"uri":"file:///a","version":null}` {
		t.Errorf("zero OptionalVersionedTextDocumentIdentifier = %s", out)
	}

	// Optional numbers and enumerations: 0 is kept, absent stays absent.
	roundTrip(t, `{"change": 0}`, `{"change": 0}`, func(o *TextDocumentSyncOptions) {
		if o.Change == nil || *o.Change != TextDocumentSyncKindNone {
			t.Errorf("change = %v", o.Change)
		}
	})
	roundTrip(t, `{}`, `{}`, func(o *TextDocumentSyncOptions) {
		if o.Change != nil {
			t.Errorf("change = %v, want nil", *o.Change)
		}
	})
	roundTrip[WorkDoneProgressReport](t, `{"kind": "report", "percentage": 0}`, `{"kind": "report", "percentage": 0}`, nil)

	// Optional arrays: [] is kept, absent stays absent.
	roundTrip[CompletionOptions](t, `{"triggerCharacters": []}`, `{"triggerCharacters": []}`, nil)
	roundTrip[CompletionOptions](t, `{}`, `{}`, nil)

	// Optional booleans and strings: false and "" are absent (documented),
	// except where the specification gives false its own meaning.
	roundTrip[TextDocumentSyncOptions](t, `{"openClose": false}`, `{}`, nil)
	roundTrip[SemanticTokensClientCapabilities](t,
		`{"requests": {}, "tokenTypes": [], "tokenModifiers": [], "formats": [], "augmentsSyntaxTokens": false}`,
		`{"requests": {}, "tokenTypes": [], "tokenModifiers": [], "formats": [], "augmentsSyntaxTokens": false}`, nil)

	// Optional "T | null": absent, null and a value are distinct.
	for _, tc := range []struct {
		json  string
		check func(Nullable[uint32]) bool
	}{
		{`{"signatures": []}`, func(n Nullable[uint32]) bool { return n.IsZero() }},
		{`{"signatures": [], "activeParameter": null}`, func(n Nullable[uint32]) bool { return n.Null && n.Value == nil }},
		{`{"signatures": [], "activeParameter": 0}`, func(n Nullable[uint32]) bool { return n.Value != nil && *n.Value == 0 }},
	} {
		roundTrip(t, tc.json, tc.json, func(h *SignatureHelp) {
			if !tc.check(h.ActiveParameter) {
				t.Errorf("%s: activeParameter = %+v", tc.json, h.ActiveParameter)
			}
		})
	}
	roundTrip[InitializeParams](t,
		`{"processId": null, "rootUri": null, "capabilities": {}, "workspaceFolders": null}`,
		`{"processId": null, "rootUri": null, "capabilities": {}, "workspaceFolders": null}`, nil)
	roundTrip[InitializeParams](t,
		`{"processId": 0, "rootUri": "file:///r", "capabilities": {}, "workspaceFolders": []}`,
		`{"processId": 0, "rootUri": "file:///r", "capabilities": {}, "workspaceFolders": []}`, nil)
	roundTrip[InitializeParams](t, `{"processId": 1, "rootUri": null, "capabilities": {}}`, `{"processId": 1, "rootUri": null, "capabilities": {}}`, nil)
}

func TestLSPAny(t *testing.T) {
	// Null stays null, numbers keep every digit, absent stays absent.
	for _, data := range []string{`null`, `12345678901234567890`, `0.1000000000000000055511151231257827`, `{"a": [1.0, "x", null, {}]}`, `"x"`, `false`} {
		in := `{"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 1}}, "message": "m", "data": ` + data + `}`
		roundTrip[Diagnostic](t, in, in, func(d *Diagnostic) {
			if string(d.Data) != data {
				t.Errorf("data %s read as %s", data, d.Data)
			}
		})
		d := Diagnostic{Message: NewDiagnosticMessageString("m"), Data: LSPAny(data)}
		if out, err := json.Marshal(d); err != nil || !strings.Contains(string(out), `"data":`+strings.ReplaceAll(data, " ", "")) {
			t.Errorf("data %s written as %s (%v)", data, out, err)
		}
	}
	roundTrip[Diagnostic](t, `{"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 1}}, "message": "m"}`,
		`{"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 1}}, "message": "m"}`, nil)
	// Required LSPAny: nil is written as null.
	if out, _ := json.Marshal(DidChangeConfigurationParams{}); string(out) != `{"settings":null}` {
		t.Errorf("DidChangeConfigurationParams{} = %s", out)
	}
	roundTrip[ExecuteCommandParams](t, `{"command": "c", "arguments": [null, 1, "two", [3]]}`, `{"command": "c", "arguments": [null, 1, "two", [3]]}`, nil)
}

// TestOrTypeDiscrimination checks the cases where variants differ only in
// properties, literal values or nested types.
func TestOrTypeDiscrimination(t *testing.T) {
	rng := `{"start": {"line": 1, "character": 2}, "end": {"line": 1, "character": 3}}`
	loc := `{"uri": "file:///a", "range": ` + rng + `}`
	for _, tc := range []struct {
		name string
		new  func() orType
		json string
		want any // a value of the expected variant type
	}{
		{"text edit", func() orType { return new(TextDocumentEditEdit) }, `{"range": ` + rng + `, "newText": "x"}`, TextEdit{}},
		{"annotated text edit", func() orType { return new(TextDocumentEditEdit) }, `{"range": ` + rng + `, "newText": "x", "annotationId": "a"}`, AnnotatedTextEdit{}},
		{"snippet text edit", func() orType { return new(TextDocumentEditEdit) }, `{"range": ` + rng + `, "snippet": {"kind": "snippet", "value": "$0"}}`, SnippetTextEdit{}},
		{"partial change", func() orType { return new(TextDocumentContentChangeEvent) }, `{"range": ` + rng + `, "text": "x"}`, TextDocumentContentChangePartial{}},
		{"whole change", func() orType { return new(TextDocumentContentChangeEvent) }, `{"text": "x"}`, TextDocumentContentChangeWholeDocument{}},
		{"location", func() orType { return new(WorkspaceSymbolLocation) }, loc, Location{}},
		{"location URI only", func() orType { return new(WorkspaceSymbolLocation) }, `{"uri": "file:///a"}`, LocationURIOnly{}},
		{"command", func() orType { return new(CommandOrCodeAction) }, `{"title": "t", "command": "c"}`, Command{}},
		{"code action with command", func() orType { return new(CommandOrCodeAction) }, `{"title": "t", "command": {"title": "t", "command": "c"}}`, CodeAction{}},
		{"create file", func() orType { return new(DocumentChange) }, `{"kind": "create", "uri": "file:///a"}`, CreateFile{}},
		{"delete file", func() orType { return new(DocumentChange) }, `{"kind": "delete", "uri": "file:///a"}`, DeleteFile{}},
		{"rename file", func() orType { return new(DocumentChange) }, `{"kind": "rename", "oldUri": "file:///a", "newUri": "file:///b"}`, RenameFile{}},
		{"text document edit", func() orType { return new(DocumentChange) }, `{"textDocument": {"uri": "file:///a", "version": null}, "edits": []}`, TextDocumentEdit{}},
		{"full report", func() orType { return new(DocumentDiagnosticReport) }, `{"kind": "full", "items": []}`, RelatedFullDocumentDiagnosticReport{}},
		{"unchanged report", func() orType { return new(DocumentDiagnosticReport) }, `{"kind": "unchanged", "resultId": "r"}`, RelatedUnchangedDocumentDiagnosticReport{}},
		{"symbol information", func() orType { return new(WorkspaceSymbolResult) }, `[{"name": "n", "kind": 1, "location": ` + loc + `}]`, []SymbolInformation{}},
		{"workspace symbol (nested location)", func() orType { return new(WorkspaceSymbolResult) }, `[{"name": "n", "kind": 1, "location": {"uri": "file:///a"}}]`, []WorkspaceSymbol{}},
		{"empty array: first variant", func() orType { return new(WorkspaceSymbolResult) }, `[]`, []SymbolInformation{}},
		{"definition links", func() orType { return new(DefinitionResult) }, `[{"targetUri": "file:///a", "targetRange": ` + rng + `, "targetSelectionRange": ` + rng + `}]`, []DefinitionLink{}},
		{"definition", func() orType { return new(DefinitionResult) }, `[` + loc + `]`, Definition{}},
		{"integer token", func() orType { return new(ProgressToken) }, `-1`, int32(0)},
		{"string token", func() orType { return new(ProgressToken) }, `"t"`, ""},
		{"tuple label", func() orType { return new(ParameterInformationLabel) }, `[1, 4]`, [2]uint32{}},
		{"range", func() orType { return new(PrepareRenameResult) }, rng, Range{}},
		{"placeholder", func() orType { return new(PrepareRenameResult) }, `{"range": ` + rng + `, "placeholder": "p"}`, PrepareRenamePlaceholder{}},
	} {
		x := tc.new()
		if err := json.Unmarshal([]byte(tc.json), x); err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		got := reflect.ValueOf(x).Elem().Field(0).Interface()
		if reflect.TypeOf(got) != reflect.TypeOf(tc.want) {
			t.Errorf("%s: got %T, want %T", tc.name, got, tc.want)
		}
	}

	for _, tc := range []struct {
		name string
		new  func() orType
		json string
	}{
		{"wrong kind", func() orType { return new(HoverContents) }, `42`},
		{"null", func() orType { return new(HoverContents) }, `null`},
		{"missing required property", func() orType { return new(CompletionItemDocumentation) }, `{"kind": "markdown"}`},
		{"wrong literal", func() orType { return new(DocumentChange) }, `{"kind": "move", "uri": "file:///a"}`},
		{"wrong nested type", func() orType { return new(CompletionItemTextEdit) }, `{"range": {"start": 1, "end": 2}, "newText": "x"}`},
		{"negative uinteger", func() orType { return new(ServerCapabilitiesTextDocumentSync) }, `-1`},
		{"integer out of range", func() orType { return new(ProgressToken) }, `2147483648`},
		{"fraction for integer", func() orType { return new(ProgressToken) }, `1.5`},
		{"tuple too long", func() orType { return new(ParameterInformationLabel) }, `[1, 2, 3]`},
		{"bad array element", func() orType { return new(DefinitionResult) }, `[{"uri": "file:///a"}]`},
	} {
		x := tc.new()
		err := json.Unmarshal([]byte(tc.json), x)
		var typeErr *json.UnmarshalTypeError
		if err == nil {
			t.Errorf("%s: %s accepted as %#v", tc.name, tc.json, x)
		} else if !errorsAs(err, &typeErr) {
			t.Errorf("%s: error %v is not a *json.UnmarshalTypeError", tc.name, err)
		}
	}

	// The error names the property.
	err := json.Unmarshal([]byte(`{"contents": 42}`), new(Hover))
	if err == nil || !strings.Contains(err.Error(), "Hover.contents") {
		t.Errorf("error %v does not name Hover.contents", err)
	}
}

func errorsAs(err error, target **json.UnmarshalTypeError) bool {
	e, ok := err.(*json.UnmarshalTypeError)
	*target = e
	return ok
}

func TestOrTypeMarshal(t *testing.T) {
	for _, tc := range []struct {
		name string
		v    any
		want string // JSON, or the start of the error
	}{
		{"constructor", NewProgressTokenInt32(1), `1`},
		{"variant that is an or-type", NewHoverContentsMarkedString(NewMarkedStringString("x")), `"x"`},
		{"untyped constant", ProgressToken{Value: 1}, "error: protocol: protocol.ProgressToken cannot hold a int"},
		{"pointer", ProgressToken{Value: new("x")}, "error: protocol: protocol.ProgressToken cannot hold a *string"},
		{"empty", HoverContents{}, "error: protocol: protocol.HoverContents holds no value"},
		{"nil pointer is null", (*DefinitionResult)(nil), `null`},
	} {
		out, err := json.Marshal(tc.v)
		got := string(out)
		if err != nil {
			got = "error: " + err.Error()
		}
		if !strings.Contains(got, strings.TrimPrefix(tc.want, "error: ")) || strings.HasPrefix(tc.want, "error: ") != (err != nil) {
			t.Errorf("%s: got %s, want %s", tc.name, got, tc.want)
		}
	}
}

func TestLiteralProperties(t *testing.T) {
	for _, tc := range []struct {
		v    any
		want string
	}{
		{CreateFile{URI: "file:///a"}, `{"kind":"create","uri":"file:///a"}`},
		{DeleteFile{Kind: "wrong", URI: "file:///a"}, `{"kind":"delete","uri":"file:///a"}`},
		{WorkDoneProgressEnd{}, `{"kind":"end"}`},
		{RelatedUnchangedDocumentDiagnosticReport{ResultID: "r"}, `{"kind":"unchanged","resultId":"r"}`},
		{NewDocumentChangeRenameFile(RenameFile{OldURI: "file:///a", NewURI: "file:///b"}), `{"kind":"rename","oldUri":"file:///a","newUri":"file:///b"}`},
	} {
		out, err := json.Marshal(tc.v)
		if err != nil || string(out) != tc.want {
			t.Errorf("%T: got %s, %v; want %s", tc.v, out, err, tc.want)
		}
	}
}

func TestMethods(t *testing.T) {
	hover := Methods[MethodTextDocumentHover]
	want := MethodInfo{
		Method:              "textDocument/hover",
		Direction:           ClientToServer,
		Params:              "HoverParams",
		Result:              "*Hover",
		RegistrationOptions: "HoverRegistrationOptions",
		ClientCapability:    "textDocument.hover",
		ServerCapability:    "hoverProvider",
	}
	hover.NewParams, hover.NewResult = nil, nil
	if !reflect.DeepEqual(hover, want) {
		t.Errorf("Methods[hover] = %+v\nwant %+v", hover, want)
	}
	for method, dir := range map[string]string{
		MethodCancelRequest:                  "both",
		MethodProgress:                       "both",
		MethodInitialize:                     "clientToServer",
		MethodWorkspaceApplyEdit:             "serverToClient",
		MethodTextDocumentPublishDiagnostics: "serverToClient",
	} {
		if got := Methods[method].Direction; got.String() != dir {
			t.Errorf("%s: direction %s, want %s", method, got, dir)
		}
	}
	if MethodCancelRequest != "$/cancelRequest" || MethodProgress != "$/progress" || !Methods[MethodExit].Notification || Methods[MethodShutdown].Notification {
		t.Error("bad method constants or kinds")
	}
	if got := Methods[MethodTextDocumentSemanticTokensFullDelta].RegistrationMethod; got != MethodTextDocumentSemanticTokens {
		t.Errorf("semantic tokens registration method = %q", got)
	}

	// The type names match the types NewParams and NewResult allocate.
	goType := func(f func() any) string {
		s := reflect.TypeOf(f()).Elem().String()
		return strings.NewReplacer("protocol.", "", "json.RawMessage", "LSPAny").Replace(s)
	}
	for method, info := range Methods {
		if info.Method != method {
			t.Errorf("%s: Method = %s", method, info.Method)
		}
		if (info.Params == "") != (info.NewParams == nil) || info.NewParams != nil && goType(info.NewParams) != info.Params {
			t.Errorf("%s: Params %q does not match NewParams", method, info.Params)
		}
		if (info.Result == "") != (info.NewResult == nil) || info.NewResult != nil && goType(info.NewResult) != info.Result {
			t.Errorf("%s: Result %q does not match NewResult", method, info.Result)
		}
		if info.Notification && (info.Result != "" || info.PartialResult != "") {
			t.Errorf("%s: notification with a result", method)
		}
	}
	if len(Methods) < 90 {
		t.Errorf("only %d methods", len(Methods))
	}
}

// TestNullableResult decodes a result that may be null, as a client would.
func TestNullableResult(t *testing.T) {
	info := Methods[MethodTextDocumentHover]
	for _, data := range []string{`null`, `{"contents": "plain"}`} {
		result := info.NewResult()
		if err := json.Unmarshal([]byte(data), result); err != nil {
			t.Fatal(err)
		}
		hover := *result.(**Hover)
		if (hover == nil) != (data == "null") {
			t.Errorf("%s: hover = %v", data, hover)
		}
		out, _ := json.Marshal(hover)
		assertSameJSON(t, "hover result", data, string(out))
	}
}

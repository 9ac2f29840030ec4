package metamodel

import (
	"strings"
	"testing"
)

const modelPath = "../../../testdata/lsp-metamodel/metaModel-3.18.json"

func TestLoad(t *testing.T) {
	m, err := Load(modelPath)
	if err != nil {
		t.Fatal(err)
	}
	if m.MetaData.Version != "3.18.0" {
		t.Errorf("version = %q", m.MetaData.Version)
	}
	for name, n := range map[string]int{
		"requests":      len(m.Requests),
		"notifications": len(m.Notifications),
		"structures":    len(m.Structures),
		"enumerations":  len(m.Enumerations),
		"typeAliases":   len(m.TypeAliases),
	} {
		if n < 20 {
			t.Errorf("only %d %s", n, name)
		}
	}
	if m.Structure("Hover") == nil || m.Enumeration("SymbolKind") == nil || m.TypeAlias("Definition") == nil {
		t.Error("lookups failed")
	}

	var hover *Request
	for _, r := range m.Requests {
		if r.Method == "textDocument/hover" {
			hover = r
		}
	}
	if hover == nil {
		t.Fatal("no textDocument/hover")
	}
	if got := hover.Result.String(); got != "Hover | null" {
		t.Errorf("hover result = %s", got)
	}
	if rt, nullable := hover.Result.WithoutNull(); !nullable || rt.Kind != Reference || rt.Name != "Hover" {
		t.Errorf("WithoutNull(%s) = %s, %v", hover.Result, rt, nullable)
	}
	if hover.MessageDirection != ClientToServer || hover.Params.Name != "HoverParams" {
		t.Errorf("hover = %+v", hover)
	}

	kinds := m.Enumeration("SymbolKind")
	if v, ok := kinds.Values[0].Value.(int64); !ok || v != 1 {
		t.Errorf("SymbolKind.File = %#v", kinds.Values[0].Value)
	}
	if v, ok := m.Enumeration("MarkupKind").Values[0].Value.(string); !ok || v != "plaintext" {
		t.Errorf("MarkupKind.PlainText = %#v", v)
	}
}

func TestProperties(t *testing.T) {
	m, err := Load(modelPath)
	if err != nil {
		t.Fatal(err)
	}
	names := func(s string) string {
		var out []string
		for _, p := range m.Properties(m.Structure(s)) {
			out = append(out, p.Name+":"+p.Type.String())
		}
		return strings.Join(out, " ")
	}
	// Extends first, then own properties, then mixins.
	if got, want := names("HoverParams"), "textDocument:TextDocumentIdentifier position:Position workDoneToken:ProgressToken"; got != want {
		t.Errorf("HoverParams properties:\n got %s\nwant %s", got, want)
	}
	if got, want := names("DocumentColorParams"), "textDocument:TextDocumentIdentifier workDoneToken:ProgressToken partialResultToken:ProgressToken"; got != want {
		t.Errorf("DocumentColorParams properties:\n got %s\nwant %s", got, want)
	}
	// A redeclared property replaces the inherited one in place.
	if got, want := names("CreateFile"), `kind:"create" annotationId:ChangeAnnotationIdentifier uri:DocumentUri options:CreateFileOptions`; got != want {
		t.Errorf("CreateFile properties:\n got %s\nwant %s", got, want)
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ name, json, want string }{
		{"unknown property", `{"metaData":{"version":"1"},"requests":[],"notifications":[],"structures":[],"enumerations":[],"typeAliases":[],"extra":1}`, "unknown field"},
		{"unknown kind", `{"metaData":{"version":"1"},"requests":[],"notifications":[],"structures":[],"enumerations":[],"typeAliases":[{"name":"A","type":{"kind":"union","items":[]}}]}`, "unknown type kind"},
		{"unknown reference", `{"metaData":{"version":"1"},"requests":[],"notifications":[],"structures":[],"enumerations":[],"typeAliases":[{"name":"A","type":{"kind":"reference","name":"B"}}]}`, `unknown type "B"`},
		{"unknown type property", `{"metaData":{"version":"1"},"requests":[],"notifications":[],"structures":[],"enumerations":[],"typeAliases":[{"name":"A","type":{"kind":"base","name":"string","optional":true}}]}`, "unknown field"},
	} {
		_, err := Parse([]byte(tc.json))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}
}

func TestPositionalParams(t *testing.T) {
	m, err := Parse([]byte(`{"metaData":{"version":"1"},"requests":[],"structures":[],"enumerations":[],"typeAliases":[],
		"notifications":[{"method":"x","messageDirection":"both","params":[{"kind":"base","name":"string"},{"kind":"base","name":"integer"}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Notifications[0].Params.String(); got != "[string, integer]" {
		t.Errorf("params = %s", got)
	}
}

func TestTypeString(t *testing.T) {
	m, err := Load(modelPath)
	if err != nil {
		t.Fatal(err)
	}
	find := func(s, p string) *Type {
		for _, q := range m.Structure(s).Properties {
			if q.Name == p {
				return q.Type
			}
		}
		t.Fatalf("no %s.%s", s, p)
		return nil
	}
	for _, tc := range []struct {
		t    *Type
		want string
	}{
		{find("WorkspaceEdit", "documentChanges"), "(TextDocumentEdit | CreateFile | RenameFile | DeleteFile)[]"},
		{find("WorkspaceEdit", "changes"), "{ [key: DocumentUri]: TextEdit[] }"},
		{find("ParameterInformation", "label"), "string | [uinteger, uinteger]"},
		{find("SemanticTokensOptions", "range"), "boolean | { }"},
		{find("CreateFile", "kind"), `"create"`},
	} {
		if got := tc.t.String(); got != tc.want {
			t.Errorf("got %s, want %s", got, tc.want)
		}
	}
}

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/lspkit/lspkit/lsp/internal/metamodel"
)

const (
	modelPath   = "../../../../testdata/lsp-metamodel/metaModel-3.18.json"
	protocolDir = "../../../protocol"
)

// TestGeneratedFilesUpToDate regenerates package protocol into a
// temporary directory and compares it with the committed files.
func TestGeneratedFilesUpToDate(t *testing.T) {
	model, err := metamodel.Load(modelPath)
	if err != nil {
		t.Fatal(err)
	}
	files, err := generate(model)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := write(dir, files); err != nil {
		t.Fatal(err)
	}
	for name := range files {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(got, []byte(header)) {
			t.Errorf("%s does not start with %q", name, header)
		}
		committed, err := os.ReadFile(filepath.Join(protocolDir, name))
		if err != nil {
			t.Errorf("%v; run go generate ./lsp/protocol/...", err)
			continue
		}
		if !bytes.Equal(got, committed) {
			t.Errorf("lsp/protocol/%s is out of date; run go generate ./lsp/protocol/...", name)
		}
	}
	// No generated file is left over from an earlier run.
	old, _ := filepath.Glob(filepath.Join(protocolDir, "*.go"))
	for _, path := range old {
		data, _ := os.ReadFile(path)
		if bytes.HasPrefix(data, []byte(header)) && files[filepath.Base(path)] == nil {
			t.Errorf("lsp/protocol/%s is generated but no longer produced", filepath.Base(path))
		}
	}
}

func TestGoName(t *testing.T) {
	for in, want := range map[string]string{
		"uri":                            "URI",
		"processId":                      "ProcessID",
		"resultId":                       "ResultID",
		"DocumentUri":                    "DocumentURI",
		"LocationUriOnly":                "LocationURIOnly",
		"LSPAny":                         "LSPAny",
		"textDocument":                   "TextDocument",
		"asIs":                           "AsIs",
		"UTF8":                           "UTF8",
		"CPP":                            "CPP",
		"LLMGenerated":                   "LLMGenerated",
		"_InitializeParams":              "InitializeParamsBase",
		"textDocument/hover":             "TextDocumentHover",
		"$/cancelRequest":                "CancelRequest",
		"window/workDoneProgress/create": "WindowWorkDoneProgressCreate",
	} {
		if got := goName(in); got != want {
			t.Errorf("goName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestVariantName(t *testing.T) {
	for in, want := range map[string]string{
		"bool":            "Bool",
		"int32":           "Int32",
		"MarkupContent":   "MarkupContent",
		"[]MarkedString":  "MarkedStrings",
		"[2]uint32":       "Tuple",
		"map[string]bool": "Map",
	} {
		if got := variantName(in); got != want {
			t.Errorf("variantName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestComment(t *testing.T) {
	g := newGenerator(&metamodel.Model{})
	g.goNames["Hover"] = "Hover"
	for _, tc := range []struct {
		doc  metamodel.Doc
		want string
	}{
		{metamodel.Doc{}, "// fallback\n"},
		{metamodel.Doc{Documentation: "See {@link Hover} and {@link Location.range the range}.\n@since 3.16.0"},
			"// See [Hover] and the range.\n//\n// @since 3.16.0\n"},
		{metamodel.Doc{Documentation: "@since 3.18.0", Proposed: true},
			"// fallback\n//\n// @since 3.18.0\n//\n// @proposed\n"},
		{metamodel.Doc{Documentation: "Old.\n\n@deprecated use X", Deprecated: "use X"},
			"// Old.\n//\n// Deprecated: use X\n"},
		{metamodel.Doc{Documentation: "Example:\n```ts\nlet x = 1;\n```\nDone."},
			"// Example:\n//\n// \tlet x = 1;\n//\n// Done.\n"},
	} {
		if got := g.comment(tc.doc, "fallback"); got != tc.want {
			t.Errorf("comment(%+v) =\n%s\nwant\n%s", tc.doc, got, tc.want)
		}
	}
}

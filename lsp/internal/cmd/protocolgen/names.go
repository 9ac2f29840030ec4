package main

import (
	"strings"
	"unicode"
)

// typeNames holds the special cases of naming: Go names for types whose
// derived name would be wrong or unwieldy. Keys are model type names or
// sites (see site), e.g. "WorkspaceEdit.documentChanges[]" for the
// elements of that property. Two sites may share a name if their types
// are the same. Everything else follows the rules in lsp/protocol/doc.go.
var typeNames = map[string]string{
	// A leading underscore marks a base structure; Go would not export it.
	"_InitializeParams": "InitializeParamsBase",

	// The elements of documentChanges are "document changes" in the spec.
	"WorkspaceEdit.documentChanges[]": "DocumentChange",

	// One or-type for the same elements of a result and its partial result.
	"textDocument/codeAction.result[]":        "CommandOrCodeAction",
	"textDocument/codeAction.partialResult[]": "CommandOrCodeAction",

	// One or-type for the three identical relatedDocuments maps.
	"RelatedFullDocumentDiagnosticReport.relatedDocuments{}":      "FullOrUnchangedDocumentDiagnosticReport",
	"RelatedUnchangedDocumentDiagnosticReport.relatedDocuments{}": "FullOrUnchangedDocumentDiagnosticReport",
	"DocumentDiagnosticReportPartialResult.relatedDocuments{}":    "FullOrUnchangedDocumentDiagnosticReport",

	// The empty literal of `range?: boolean | {}`, named to match
	// SemanticTokensFullDelta of the neighbouring `full` property.
	"SemanticTokensOptions.range|literal":              "SemanticTokensRangeOptions",
	"ClientSemanticTokensRequestOptions.range|literal": "SemanticTokensRangeOptions",

	// The derived SemanticTokensDeltaPartialResult is taken by a structure;
	// name both after the method, textDocument/semanticTokens/full/delta.
	"textDocument/semanticTokens/full/delta.result":        "SemanticTokensFullDeltaResult",
	"textDocument/semanticTokens/full/delta.partialResult": "SemanticTokensFullDeltaPartialResult",
}

// falseIsNotAbsent lists the optional boolean properties for which false
// and absent mean different things, so that they are *bool rather than
// bool (see field).
var falseIsNotAbsent = map[string]bool{
	// "If the value is `undefined` then the client behavior is not specified."
	"SemanticTokensClientCapabilities.augmentsSyntaxTokens": true,
}

// LSPAny, the type of any JSON value, is not an or-type but the JSON
// exactly as sent (see doc.go).
const (
	lspAnyName = "LSPAny"
	lspAnyType = "json.RawMessage"
)

// initialisms are words spelled in capitals in Go names, per Go style.
var initialisms = map[string]string{
	"id": "ID", "ids": "IDs", "json": "JSON", "lsp": "LSP", "uri": "URI", "url": "URL",
}

// goName turns a model name (a type, property, enumeration entry or method
// path segment) into an exported Go name: words capitalised, initialisms
// in capitals, anything but letters and digits dropped.
// "processId" → "ProcessID", "DocumentUri" → "DocumentURI".
func goName(name string) string {
	if n, ok := typeNames[name]; ok {
		return n
	}
	var b strings.Builder
	for _, w := range words(name) {
		if up, ok := initialisms[strings.ToLower(w)]; ok {
			b.WriteString(up)
		} else {
			b.WriteString(strings.ToUpper(w[:1]) + w[1:])
		}
	}
	return b.String()
}

// words splits a camelCase or PascalCase name into words, keeping runs of
// capitals together: "LSPAny" → "LSP", "Any"; "textDocument" → "text",
// "Document"; "UTF8" → "UTF8".
func words(name string) []string {
	var out []string
	r := []rune(name)
	start := -1
	for i, c := range r {
		if !unicode.IsLetter(c) && !unicode.IsDigit(c) {
			if start >= 0 {
				out = append(out, string(r[start:i]))
			}
			start = -1
			continue
		}
		boundary := i > 0 && unicode.IsUpper(c) &&
			(unicode.IsLower(r[i-1]) || unicode.IsDigit(r[i-1]) ||
				unicode.IsUpper(r[i-1]) && i+1 < len(r) && unicode.IsLower(r[i+1]))
		if start >= 0 && boundary {
			out = append(out, string(r[start:i]))
			start = i
		}
		if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		out = append(out, string(r[start:]))
	}
	return out
}

// methodConst is the name of the constant for a method:
// "textDocument/hover" → "MethodTextDocumentHover",
// "$/cancelRequest" → "MethodCancelRequest".
func methodConst(method string) string {
	return "Method" + goName(method)
}

// singular names one element of a collection named name: the name
// without its plural s, or with "Item" appended if it has none.
func singular(name string) string {
	if strings.HasSuffix(name, "s") && !strings.HasSuffix(name, "ss") {
		return strings.TrimSuffix(name, "s")
	}
	return name + "Item"
}

// variantName names a variant of an or-type after its Go type, for the
// New<OrType><Variant> constructor and the As<Variant> accessor:
// "MarkupContent", "String", "Bool", "[]Location" → "Locations".
func variantName(goType string) string {
	switch {
	case strings.HasPrefix(goType, "[]"):
		return variantName(goType[2:]) + "s"
	case strings.HasPrefix(goType, "["):
		return "Tuple"
	case strings.HasPrefix(goType, "map["):
		return "Map"
	case strings.HasPrefix(goType, "*"):
		return variantName(goType[1:])
	}
	return strings.ToUpper(goType[:1]) + goType[1:]
}

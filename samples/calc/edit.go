package calc

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/lspkit/lspkit/lsp/document"
	"github.com/lspkit/lspkit/lsp/protocol"
	"github.com/lspkit/lspkit/samples/calc/lang"
)

// Editing help: completion, signature help, formatting and quick fixes.

// completion offers the names visible at the cursor (lets above it and in
// the files imported above it), the built-ins (with snippet placeholders
// when the client takes snippets) and, at the start of a line, the
// keywords.
func (s *server) completion(_ context.Context, p *protocol.CompletionParams) (*protocol.CompletionResult, error) {
	fa, err := s.ws.analyze(p.TextDocument.URI)
	if err != nil {
		return nil, nil
	}
	line := int(p.Position.Line)
	items := []protocol.CompletionItem{}
	seen := map[string]bool{}
	addName := func(d *lang.Def, from string) {
		if seen[d.Name] {
			return
		}
		seen[d.Name] = true
		detail := "= " + s.valueText(d)
		if from != "" {
			detail += " (" + from + ")"
		}
		items = append(items, protocol.CompletionItem{Label: d.Name, Kind: ptr(protocol.CompletionItemKindVariable), Detail: detail})
	}
	for _, d := range fa.Defs {
		if d.Stmt.Line < line {
			addName(d, "")
		}
	}
	for _, imp := range fa.Imports {
		if imp.File == "" || imp.Stmt.Line >= line {
			continue
		}
		if other, err := s.ws.analyze(protocol.DocumentURI(imp.File)); err == nil {
			for _, d := range other.Defs {
				addName(d, imp.Stmt.Path)
			}
		}
	}
	snippets := s.lsp.Client().Supports("textDocument.completion.completionItem.snippetSupport")
	for _, name := range sortedBuiltins() {
		item := protocol.CompletionItem{Label: name, Kind: ptr(protocol.CompletionItemKindFunction), Detail: signature(name)}
		if snippets {
			item.InsertText = snippet(name)
			item.InsertTextFormat = ptr(protocol.InsertTextFormatSnippet)
		} else {
			item.InsertText = name + "("
		}
		items = append(items, item)
	}
	if atLineStart(fa, p.Position, s) {
		for _, k := range lang.Keywords {
			items = append(items, protocol.CompletionItem{Label: k, Kind: ptr(protocol.CompletionItemKindKeyword)})
		}
	}
	return ptr(protocol.NewCompletionResultCompletionItems(items)), nil
}

// atLineStart reports whether only a partial word precedes the cursor on its
// line, where a keyword may go.
func atLineStart(fa *fileAnalysis, pos protocol.Position, s *server) bool {
	enc := s.lsp.Encoding()
	start := fa.snap.Offset(protocol.Position{Line: pos.Line}, enc)
	before := strings.TrimLeft(fa.snap.Text()[start:fa.snap.Offset(pos, enc)], " \t")
	return !strings.ContainsAny(before, " \t=()+-*/%^,\"#")
}

func sortedBuiltins() []string {
	names := make([]string, 0, len(lang.Builtins))
	for n := range lang.Builtins {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// signature is a built-in's signature, e.g. "max(a, b)".
func signature(name string) string {
	return name + "(" + strings.Join(lang.Builtins[name], ", ") + ")"
}

// snippet is a built-in call with a placeholder per parameter.
func snippet(name string) string {
	var ps []string
	for i, p := range lang.Builtins[name] {
		ps = append(ps, fmt.Sprintf("${%d:%s}", i+1, p))
	}
	return name + "(" + strings.Join(ps, ", ") + ")$0"
}

// signatureHelp shows the signature of the built-in whose call the cursor
// is in, with the current parameter. It reads the text before the cursor,
// not the syntax tree, because a call being typed does not parse yet.
func (s *server) signatureHelp(_ context.Context, p *protocol.SignatureHelpParams) (*protocol.SignatureHelp, error) {
	fa, err := s.ws.analyze(p.TextDocument.URI)
	if err != nil {
		return nil, nil
	}
	enc := s.lsp.Encoding()
	lineStart := fa.snap.Offset(protocol.Position{Line: p.Position.Line}, enc)
	before := fa.snap.Text()[lineStart:fa.snap.Offset(p.Position, enc)]
	name, param, ok := openCall(before)
	if !ok {
		return nil, nil
	}
	var params []protocol.ParameterInformation
	for _, pn := range lang.Builtins[name] {
		params = append(params, protocol.ParameterInformation{Label: protocol.NewParameterInformationLabelString(pn)})
	}
	active := uint32(min(param, len(params)-1))
	return &protocol.SignatureHelp{
		Signatures:      []protocol.SignatureInformation{{Label: signature(name), Parameters: params}},
		ActiveSignature: ptr(uint32(0)),
		ActiveParameter: protocol.Nullable[uint32]{Value: &active},
	}, nil
}

// openCall finds the innermost unclosed call of a built-in in text, and how
// many commas precede the cursor in it.
func openCall(text string) (name string, param int, ok bool) {
	depth, commas := 0, 0
	for i := len(text) - 1; i >= 0; i-- {
		switch text[i] {
		case ')':
			depth++
		case ',':
			if depth == 0 {
				commas++
			}
		case '(':
			if depth > 0 {
				depth--
				continue
			}
			j := i
			for j > 0 && text[j-1] >= 'a' && text[j-1] <= 'z' {
				j--
			}
			if _, known := lang.Builtins[text[j:i]]; known {
				return text[j:i], commas, true
			}
			commas = 0
		}
	}
	return "", 0, false
}

// formatting rewrites the document in canonical form.
func (s *server) formatting(_ context.Context, p *protocol.DocumentFormattingParams) ([]protocol.TextEdit, error) {
	fa, err := s.ws.analyze(p.TextDocument.URI)
	if err != nil {
		return nil, nil
	}
	formatted := lang.Format(fa.File)
	if formatted == fa.File.Text {
		return []protocol.TextEdit{}, nil
	}
	whole := fa.snap.Range(0, len(fa.File.Text), s.lsp.Encoding())
	return []protocol.TextEdit{{Range: whole, NewText: formatted}}, nil
}

// rangeFormatting rewrites the lines the range touches, one edit a line.
func (s *server) rangeFormatting(_ context.Context, p *protocol.DocumentRangeFormattingParams) ([]protocol.TextEdit, error) {
	fa, err := s.ws.analyze(p.TextDocument.URI)
	if err != nil {
		return nil, nil
	}
	edits := []protocol.TextEdit{}
	for _, st := range fa.File.Stmts {
		if st.Line < int(p.Range.Start.Line) || st.Line > int(p.Range.End.Line) {
			continue
		}
		old := fa.File.Text[st.At.Start:st.At.End]
		if text := lang.FormatStmt(fa.File.Text, st); text != old {
			edits = append(edits, protocol.TextEdit{Range: fa.snap.Range(st.At.Start, st.At.End, s.lsp.Encoding()), NewText: text})
		}
	}
	return edits, nil
}

// codeAction offers quick fixes for the problems in the range: define an
// undefined name (above the line that uses it), remove an unused let.
func (s *server) codeAction(_ context.Context, p *protocol.CodeActionParams) ([]protocol.CommandOrCodeAction, error) {
	fa, err := s.ws.analyze(p.TextDocument.URI)
	if err != nil {
		return nil, nil
	}
	enc := s.lsp.Encoding()
	start, end, err := fa.snap.OffsetRange(p.Range, enc)
	if err != nil {
		return nil, nil
	}
	usedElsewhere := s.usedElsewhere(p.TextDocument.URI)
	actions := []protocol.CommandOrCodeAction{}
	for _, d := range fa.Diagnostics {
		if d.Name == "" || d.At.End < start || d.At.Start > end || d.Unused && usedElsewhere[d.Name] {
			continue
		}
		line := fa.snap.Position(d.At.Start, enc).Line
		var title string
		var edit protocol.TextEdit
		if d.Unused {
			title = fmt.Sprintf("Remove unused '%s'", d.Name)
			edit = protocol.TextEdit{Range: protocol.Range{Start: protocol.Position{Line: line}, End: lineAfter(fa, line, enc)}}
		} else {
			title = fmt.Sprintf("Define '%s'", d.Name)
			edit = protocol.TextEdit{Range: protocol.Range{Start: protocol.Position{Line: line}, End: protocol.Position{Line: line}}, NewText: "let " + d.Name + " = 0\n"}
		}
		actions = append(actions, protocol.NewCommandOrCodeActionCodeAction(protocol.CodeAction{
			Title:       title,
			Kind:        protocol.CodeActionKindQuickFix,
			Diagnostics: []protocol.Diagnostic{s.toDiagnostic(fa, d)},
			IsPreferred: true,
			Edit:        &protocol.WorkspaceEdit{Changes: map[protocol.DocumentURI][]protocol.TextEdit{p.TextDocument.URI: {edit}}},
		}))
	}
	return actions, nil
}

// lineAfter is the start of the line after line, or the end of the text.
func lineAfter(fa *fileAnalysis, line uint32, enc document.Encoding) protocol.Position {
	if int(line)+1 < fa.snap.Lines() {
		return protocol.Position{Line: line + 1}
	}
	return fa.snap.Position(len(fa.snap.Text()), enc)
}

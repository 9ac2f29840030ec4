package calc

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/lspkit/lspkit/conn"
	"github.com/lspkit/lspkit/lsp"
	"github.com/lspkit/lspkit/lsp/protocol"
	"github.com/lspkit/lspkit/samples/calc/lang"
)

// Navigation: hover, definition, references, highlights, rename, and
// document and workspace symbols. All start from the name under the
// cursor: a use, or the name of a let.

// target is the name at a position and the definition it means.
type target struct {
	fa      *fileAnalysis
	name    string
	at      lang.Span // the name under the cursor
	def     *lang.Def // nil for an undefined name
	defFile protocol.DocumentURI
}

// targetAt finds the name at pos in uri.
func (s *server) targetAt(uri protocol.DocumentURI, pos protocol.Position) (*target, error) {
	fa, err := s.ws.analyze(uri)
	if err != nil {
		return nil, err
	}
	off := fa.snap.Offset(pos, s.lsp.Encoding())
	for _, u := range fa.Uses {
		if u.At.Contains(off) {
			return &target{fa: fa, name: u.Name, at: u.At, def: u.Def, defFile: s.defFile(fa, u)}, nil
		}
	}
	for _, d := range fa.Defs {
		if d.Stmt.NameAt.Contains(off) {
			return &target{fa: fa, name: d.Name, at: d.Stmt.NameAt, def: d, defFile: uri}, nil
		}
	}
	return nil, nil
}

// defFile returns the file that defines what a use means.
func (s *server) defFile(fa *fileAnalysis, u lang.Use) protocol.DocumentURI {
	if u.File == "" {
		return fa.uri
	}
	for _, imp := range fa.Imports {
		if imp.Stmt.Path == u.File {
			return protocol.DocumentURI(imp.File)
		}
	}
	return fa.uri
}

// hover shows a name's value, with the precision setting, and the line
// that defines it.
func (s *server) hover(_ context.Context, p *protocol.HoverParams) (*protocol.Hover, error) {
	t, err := s.targetAt(p.TextDocument.URI, p.Position)
	if err != nil || t == nil || t.def == nil {
		return nil, nil
	}
	value := "?"
	if t.def.OK {
		value = lang.FormatValue(t.def.Value, s.getPrecision())
	}
	line := lang.FormatStmt(t.defText(s), t.def.Stmt)
	where := ""
	if t.defFile != t.fa.uri {
		where = fmt.Sprintf("\n\nfrom `%s`", shortName(t.defFile))
	}
	md := fmt.Sprintf("```calc\n%s = %s\n```\n---\n```calc\n%s\n```%s", t.name, value, line, where)
	r := t.fa.snap.Range(t.at.Start, t.at.End, s.lsp.Encoding())
	return &protocol.Hover{
		Contents: protocol.NewHoverContentsMarkupContent(protocol.MarkupContent{Kind: protocol.MarkupKindMarkdown, Value: md}),
		Range:    &r,
	}, nil
}

// defText returns the text of the file that defines the target.
func (t *target) defText(s *server) string {
	fa, err := s.ws.analyze(t.defFile)
	if err != nil {
		return t.fa.File.Text
	}
	return fa.File.Text
}

// definition goes to the let that defines a name.
func (s *server) definition(_ context.Context, p *protocol.DefinitionParams) (*protocol.DefinitionResult, error) {
	t, err := s.targetAt(p.TextDocument.URI, p.Position)
	if err != nil || t == nil || t.def == nil {
		return nil, nil
	}
	loc, ok := s.location(t.defFile, t.def.Stmt.NameAt)
	if !ok {
		return nil, nil
	}
	return ptr(protocol.NewDefinitionResultDefinition(protocol.NewDefinitionLocation(loc))), nil
}

// location converts a span of a file to an LSP location.
func (s *server) location(uri protocol.DocumentURI, at lang.Span) (protocol.Location, bool) {
	fa, err := s.ws.analyze(uri)
	if err != nil {
		return protocol.Location{}, false
	}
	return protocol.Location{URI: uri, Range: fa.snap.Range(at.Start, at.End, s.lsp.Encoding())}, true
}

// occurrence is one place a definition's name stands.
type occurrence struct {
	uri   protocol.DocumentURI
	at    lang.Span
	isDef bool
}

// occurrences returns every place in the workspace that names def: its let
// and every use, in every file that sees it.
func (s *server) occurrences(def *lang.Def, defFile protocol.DocumentURI) []occurrence {
	out := []occurrence{{uri: defFile, at: def.Stmt.NameAt, isDef: true}}
	for _, uri := range s.ws.files() {
		fa, err := s.ws.analyze(uri)
		if err != nil {
			continue
		}
		for _, u := range fa.Uses {
			if u.Def == def {
				out = append(out, occurrence{uri: uri, at: u.At})
			}
		}
	}
	return out
}

// references lists the uses of a name, and its let if asked.
func (s *server) references(_ context.Context, p *protocol.ReferenceParams) ([]protocol.Location, error) {
	t, err := s.targetAt(p.TextDocument.URI, p.Position)
	if err != nil || t == nil || t.def == nil {
		return nil, nil
	}
	locs := []protocol.Location{}
	for _, o := range s.occurrences(t.def, t.defFile) {
		if o.isDef && !p.Context.IncludeDeclaration {
			continue
		}
		if loc, ok := s.location(o.uri, o.at); ok {
			locs = append(locs, loc)
		}
	}
	return locs, nil
}

// documentHighlight marks a name's let (a write) and its uses (reads) in
// the file.
func (s *server) documentHighlight(_ context.Context, p *protocol.DocumentHighlightParams) ([]protocol.DocumentHighlight, error) {
	t, err := s.targetAt(p.TextDocument.URI, p.Position)
	if err != nil || t == nil || t.def == nil {
		return nil, nil
	}
	out := []protocol.DocumentHighlight{}
	for _, o := range s.occurrences(t.def, t.defFile) {
		if o.uri != p.TextDocument.URI {
			continue
		}
		kind := protocol.DocumentHighlightKindRead
		if o.isDef {
			kind = protocol.DocumentHighlightKindWrite
		}
		out = append(out, protocol.DocumentHighlight{Range: t.fa.snap.Range(o.at.Start, o.at.End, s.lsp.Encoding()), Kind: &kind})
	}
	return out, nil
}

// prepareRename says whether the name at the cursor can be renamed, and
// where it is.
func (s *server) prepareRename(_ context.Context, p *protocol.PrepareRenameParams) (*protocol.PrepareRenameResult, error) {
	t, err := s.targetAt(p.TextDocument.URI, p.Position)
	if err != nil || t == nil {
		return nil, nil
	}
	if t.def == nil {
		return nil, conn.NewError(conn.CodeInvalidParams, fmt.Sprintf("'%s' is not defined, so it cannot be renamed", t.name))
	}
	r := t.fa.snap.Range(t.at.Start, t.at.End, s.lsp.Encoding())
	return ptr(protocol.NewPrepareRenameResultPrepareRenamePlaceholder(protocol.PrepareRenamePlaceholder{Range: r, Placeholder: t.name})), nil
}

// rename renames a name at its let and every use, across files.
func (s *server) rename(_ context.Context, p *protocol.RenameParams) (*protocol.WorkspaceEdit, error) {
	if err := validName(p.NewName); err != nil {
		return nil, conn.NewError(conn.CodeInvalidParams, err.Error())
	}
	t, err := s.targetAt(p.TextDocument.URI, p.Position)
	if err != nil || t == nil || t.def == nil {
		// The request is well-formed; it fails (LSP's RequestFailed), its params are not invalid.
		return nil, conn.NewError(lsp.CodeRequestFailed, "no defined name at this position")
	}
	changes := map[protocol.DocumentURI][]protocol.TextEdit{}
	for _, o := range s.occurrences(t.def, t.defFile) {
		if loc, ok := s.location(o.uri, o.at); ok {
			changes[o.uri] = append(changes[o.uri], protocol.TextEdit{Range: loc.Range, NewText: p.NewName})
		}
	}
	return &protocol.WorkspaceEdit{Changes: changes}, nil
}

// validName checks a new name against the language's rules.
func validName(name string) error {
	if name == "" {
		return errors.New("a name cannot be empty")
	}
	for i, r := range name {
		if r == utf8.RuneError || i == 0 && !(r == '_' || unicode.IsLetter(r)) || !(r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)) {
			return fmt.Errorf("%q is not a valid name: a letter or '_', then letters, digits or '_'", name)
		}
	}
	for _, k := range lang.Keywords {
		if name == k {
			return fmt.Errorf("%q is a keyword", name)
		}
	}
	return nil
}

// documentSymbol lists the file's lets, each with its value.
func (s *server) documentSymbol(_ context.Context, p *protocol.DocumentSymbolParams) (*protocol.DocumentSymbolResult, error) {
	fa, err := s.ws.analyze(p.TextDocument.URI)
	if err != nil {
		return nil, nil
	}
	syms := []protocol.DocumentSymbol{}
	enc := s.lsp.Encoding()
	for _, d := range fa.Defs {
		syms = append(syms, protocol.DocumentSymbol{
			Name:           d.Name,
			Detail:         s.valueText(d),
			Kind:           protocol.SymbolKindVariable,
			Range:          fa.snap.Range(d.Stmt.At.Start, d.Stmt.At.End, enc),
			SelectionRange: fa.snap.Range(d.Stmt.NameAt.Start, d.Stmt.NameAt.End, enc),
		})
	}
	return ptr(protocol.NewDocumentSymbolResultDocumentSymbols(syms)), nil
}

// workspaceSymbol finds lets across the workspace whose names contain the
// query (case-insensitively).
func (s *server) workspaceSymbol(_ context.Context, p *protocol.WorkspaceSymbolParams) (*protocol.WorkspaceSymbolResult, error) {
	q := strings.ToLower(p.Query)
	out := []protocol.SymbolInformation{}
	for _, uri := range s.ws.files() {
		fa, err := s.ws.analyze(uri)
		if err != nil {
			continue
		}
		for _, d := range fa.Defs {
			if strings.Contains(strings.ToLower(d.Name), q) {
				loc, _ := s.location(uri, d.Stmt.NameAt)
				out = append(out, protocol.SymbolInformation{Name: d.Name, Kind: protocol.SymbolKindVariable, Location: loc, ContainerName: shortName(uri)})
			}
		}
	}
	return ptr(protocol.NewWorkspaceSymbolResultSymbolInformations(out)), nil
}

// valueText shows a definition's value with the precision setting.
func (s *server) valueText(d *lang.Def) string {
	if !d.OK {
		return "?"
	}
	return lang.FormatValue(d.Value, s.getPrecision())
}

// shortName is a file's base name, for display.
func shortName(uri protocol.DocumentURI) string {
	str := string(uri)
	return str[strings.LastIndexByte(str, '/')+1:]
}

package calc

import (
	"context"
	"slices"

	"github.com/lspkit/lspkit/lsp/protocol"
	"github.com/lspkit/lspkit/samples/calc/lang"
)

// Decorations: semantic tokens, inlay hints and folding ranges.

// tokenTypes is the semantic tokens legend, in the order of lang's token
// kinds.
var tokenTypes = []string{"keyword", "variable", "function", "number", "string", "operator", "comment"}

func (s *server) semanticTokensFull(_ context.Context, p *protocol.SemanticTokensParams) (*protocol.SemanticTokens, error) {
	return s.semanticTokens(p.TextDocument.URI, nil)
}

func (s *server) semanticTokensRange(_ context.Context, p *protocol.SemanticTokensRangeParams) (*protocol.SemanticTokens, error) {
	return s.semanticTokens(p.TextDocument.URI, &p.Range)
}

// semanticTokens encodes the file's tokens (in r, if given) as LSP's
// relative five-number groups: line delta, start delta, length, type,
// modifiers.
func (s *server) semanticTokens(uri protocol.DocumentURI, r *protocol.Range) (*protocol.SemanticTokens, error) {
	fa, err := s.ws.analyze(uri)
	if err != nil {
		return nil, nil
	}
	enc := s.lsp.Encoding()
	toks := slices.Clone(fa.File.Tokens)
	slices.SortFunc(toks, func(a, b lang.Token) int { return a.At.Start - b.At.Start })
	lo, hi := 0, len(fa.File.Text)
	if r != nil {
		lo, hi, _ = fa.snap.OffsetRange(*r, enc)
	}
	data := []uint32{}
	var prevLine, prevChar uint32
	for _, t := range toks {
		// A range's end is exclusive: a token starting there is not in it.
		if t.At.End <= lo && t.At.Start != t.At.End || t.At.Start >= hi || t.At.Start == t.At.End {
			continue
		}
		start, end := fa.snap.Position(t.At.Start, enc), fa.snap.Position(t.At.End, enc)
		if start.Line != prevLine {
			prevChar = 0
		}
		data = append(data, start.Line-prevLine, start.Character-prevChar, end.Character-start.Character, uint32(t.Kind), 0)
		prevLine, prevChar = start.Line, start.Character
	}
	return &protocol.SemanticTokens{Data: data}, nil
}

// inlayHint shows "= VALUE" after each let whose value is known.
func (s *server) inlayHint(_ context.Context, p *protocol.InlayHintParams) ([]protocol.InlayHint, error) {
	fa, err := s.ws.analyze(p.TextDocument.URI)
	if err != nil {
		return nil, nil
	}
	out := []protocol.InlayHint{}
	for _, d := range fa.Defs {
		if !d.OK || d.Stmt.Line < int(p.Range.Start.Line) || d.Stmt.Line > int(p.Range.End.Line) {
			continue
		}
		out = append(out, protocol.InlayHint{
			Position:    fa.snap.Position(d.Stmt.Expr.Span().End, s.lsp.Encoding()),
			Label:       protocol.NewInlayHintLabelString("= " + lang.FormatValue(d.Value, s.getPrecision())),
			PaddingLeft: true,
		})
	}
	return out, nil
}

// foldingRange folds blocks of two or more comment lines.
func (s *server) foldingRange(_ context.Context, p *protocol.FoldingRangeParams) ([]protocol.FoldingRange, error) {
	fa, err := s.ws.analyze(p.TextDocument.URI)
	if err != nil {
		return nil, nil
	}
	out := []protocol.FoldingRange{}
	start := -1
	flush := func(end int) {
		if start >= 0 && end > start {
			out = append(out, protocol.FoldingRange{StartLine: uint32(start), EndLine: uint32(end), Kind: protocol.FoldingRangeKindComment})
		}
		start = -1
	}
	for _, st := range fa.File.Stmts {
		comment := st.Kind == lang.EmptyStmt && st.Comment != ""
		switch {
		case comment && start < 0:
			start = st.Line
		case !comment:
			flush(st.Line - 1)
		}
	}
	flush(len(fa.File.Stmts) - 1)
	return out, nil
}

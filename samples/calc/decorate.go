package calc

import (
	"context"
	"github.com/lspkit/lspkit/lsp"

	"github.com/lspkit/lspkit/lsp/protocol"
	"github.com/lspkit/lspkit/samples/calc/lang"
)

// Decorations: semantic tokens, inlay hints and folding ranges.

// tokenTypes is the semantic tokens legend, in the order of lang's token
// kinds.
var tokenTypes = []string{"keyword", "variable", "function", "number", "string", "operator", "comment"}

func (s *server) semanticTokensFull(_ context.Context, p *protocol.SemanticTokensParams) (*protocol.SemanticTokens, error) {
	b := s.semanticTokens(p.TextDocument.URI, nil)
	if b == nil {
		return nil, nil
	}
	return b.Full(), nil
}

func (s *server) semanticTokensRange(_ context.Context, p *protocol.SemanticTokensRangeParams) (*protocol.SemanticTokens, error) {
	b := s.semanticTokens(p.TextDocument.URI, &p.Range)
	if b == nil {
		return nil, nil
	}
	return b.Range(), nil
}

// semanticTokens collects the file's tokens (in r, if given) in lsp's
// builder, which encodes them as the protocol wants; nil if the file
// cannot be read.
func (s *server) semanticTokens(uri protocol.DocumentURI, r *protocol.Range) *lsp.SemanticTokens {
	fa, err := s.ws.analyze(uri)
	if err != nil {
		return nil
	}
	enc := s.lsp.Encoding()
	lo, hi := 0, len(fa.File.Text)
	if r != nil {
		lo, hi, _ = fa.snap.OffsetRange(*r, enc)
	}
	b := s.lsp.SemanticTokens(uri)
	for _, t := range fa.File.Tokens {
		// A range's end is exclusive: a token starting there is not in it.
		if t.At.End <= lo && t.At.Start != t.At.End || t.At.Start >= hi || t.At.Start == t.At.End {
			continue
		}
		start, end := fa.snap.Position(t.At.Start, enc), fa.snap.Position(t.At.End, enc)
		_ = b.Add(start, end.Character-start.Character, tokenTypes[t.Kind]) // every kind is in the legend
	}
	return b
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

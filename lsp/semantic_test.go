package lsp_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/lspkit/lspkit/lsp"
	"github.com/lspkit/lspkit/lsp/lsptest"
	"github.com/lspkit/lspkit/lsp/protocol"
)

func pos(line, char uint32) protocol.Position { return protocol.Position{Line: line, Character: char} }

// legendCaps returns capabilities with a legend of types and modifiers.
func legendCaps(types, mods []string) protocol.ServerCapabilities {
	return protocol.ServerCapabilities{
		SemanticTokensProvider: new(protocol.NewServerCapabilitiesSemanticTokensProviderSemanticTokensOptions(protocol.SemanticTokensOptions{
			Legend: protocol.SemanticTokensLegend{TokenTypes: types, TokenModifiers: mods},
		})),
	}
}

// TestSemanticTokensEncoding checks the relative encoding: tokens added in
// any order come out sorted, with line and start deltas, types and
// modifier bits from the legend.
func TestSemanticTokensEncoding(t *testing.T) {
	t.Parallel()
	type tok struct {
		line, char, length uint32
		typ                string
		mods               []string
	}
	tests := []struct {
		name string
		toks []tok
		want []uint32
	}{
		{"none", nil, []uint32{}},
		{"one", []tok{{2, 5, 3, "variable", nil}}, []uint32{2, 5, 3, 1, 0}},
		{"same line", []tok{{0, 0, 3, "keyword", nil}, {0, 4, 1, "variable", []string{"declaration"}}},
			[]uint32{0, 0, 3, 0, 0, 0, 4, 1, 1, 1}},
		{"next lines start from 0", []tok{{1, 4, 1, "number", nil}, {3, 2, 2, "number", []string{"readonly", "declaration"}}},
			[]uint32{1, 4, 1, 2, 0, 2, 2, 2, 2, 3}},
		{"any order", []tok{{3, 2, 2, "number", nil}, {0, 4, 1, "variable", nil}, {0, 0, 3, "keyword", nil}, {1, 4, 1, "number", nil}},
			[]uint32{0, 0, 3, 0, 0, 0, 4, 1, 1, 0, 1, 4, 1, 2, 0, 2, 2, 2, 2, 0}},
	}
	srv := lsp.NewServer("t", "1")
	srv.SetCapabilities(legendCaps([]string{"keyword", "variable", "number"}, []string{"declaration", "readonly"}))
	for _, tc := range tests {
		b := srv.SemanticTokens("file:///a")
		for _, tk := range tc.toks {
			if err := b.Add(pos(tk.line, tk.char), tk.length, tk.typ, tk.mods...); err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
		}
		if got := b.Range().Data; !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
	b := srv.SemanticTokens("file:///a")
	if err := b.Add(pos(0, 0), 1, "function"); err == nil {
		t.Error("a type not in the legend: no error")
	}
	if err := b.Add(pos(0, 0), 1, "keyword", "static"); err == nil {
		t.Error("a modifier not in the legend: no error")
	}
	if got := b.Range().Data; len(got) != 0 {
		t.Errorf("refused tokens were added: %v", got)
	}
}

// TestSemanticTokensDelta checks Full and Delta: the edits from the last
// result, everything again for an unknown or outdated result id, and no
// edit when nothing changed.
func TestSemanticTokensDelta(t *testing.T) {
	t.Parallel()
	srv := lsp.NewServer("t", "1")
	srv.SetCapabilities(legendCaps([]string{"a", "b"}, nil))
	build := func(uri protocol.DocumentURI, lines ...uint32) *lsp.SemanticTokens {
		b := srv.SemanticTokens(uri)
		for _, l := range lines {
			b.Add(pos(l, 0), 1, "a")
		}
		return b
	}
	first := build("file:///a", 0, 1, 2).Full()
	if first.ResultID == "" {
		t.Fatal("Full gave no result id")
	}
	// Line 1's token moves to line 5: the middle changes.
	d := build("file:///a", 0, 5, 6).Delta(first.ResultID)
	delta, ok := d.Value.(protocol.SemanticTokensDelta)
	if !ok {
		t.Fatalf("delta from the last result: %T, want SemanticTokensDelta", d.Value)
	}
	old := first.Data
	for _, e := range delta.Edits {
		old = slices.Concat(old[:e.Start], e.Data, old[e.Start+e.DeleteCount:])
	}
	if want := build("file:///b", 0, 5, 6).Range().Data; !slices.Equal(old, want) {
		t.Errorf("edits %+v give %v, want %v", delta.Edits, old, want)
	}
	// The same tokens again: no edit.
	same := build("file:///a", 0, 5, 6).Delta(delta.ResultID)
	if e := same.Value.(protocol.SemanticTokensDelta).Edits; len(e) != 0 {
		t.Errorf("unchanged tokens: edits %+v", e)
	}
	// An outdated id, and another document's: all the tokens.
	for _, id := range []string{first.ResultID, "nope"} {
		if full, ok := build("file:///a", 7).Delta(id).Value.(protocol.SemanticTokens); !ok || !slices.Equal(full.Data, []uint32{7, 0, 1, 0, 0}) || full.ResultID == "" {
			t.Errorf("delta from %q: %+v, want all the tokens with a result id", id, full)
		}
	}
}

// TestSemanticEditsApply checks, on random token lists, that the edits
// always turn the old data into the new.
func TestSemanticEditsApply(t *testing.T) {
	t.Parallel()
	srv := lsp.NewServer("t", "1")
	srv.SetCapabilities(legendCaps([]string{"a", "b", "c"}, nil))
	r := rand.New(rand.NewPCG(1, 2))
	random := func() *lsp.SemanticTokens {
		b := srv.SemanticTokens("file:///r")
		for range r.IntN(8) {
			b.Add(pos(uint32(r.IntN(5)), uint32(r.IntN(5))), uint32(1+r.IntN(3)), []string{"a", "b", "c"}[r.IntN(3)])
		}
		return b
	}
	prev := random().Full()
	for range 500 {
		b := random()
		want := slices.Clone(b.Range().Data)
		res := b.Delta(prev.ResultID)
		delta := res.Value.(protocol.SemanticTokensDelta)
		got := prev.Data
		for _, e := range delta.Edits {
			got = slices.Concat(got[:e.Start], e.Data, got[e.Start+e.DeleteCount:])
		}
		if !slices.Equal(got, want) {
			t.Fatalf("%v with edits %+v gives %v, want %v", prev.Data, delta.Edits, got, want)
		}
		prev = &protocol.SemanticTokens{ResultID: delta.ResultID, Data: want}
	}
}

// TestRegistrationErrors checks that Serve refuses, before reading
// anything, handlers whose capability lacks its options.
func TestRegistrationErrors(t *testing.T) {
	t.Parallel()
	full := func(s *lsp.Server) {
		s.OnSemanticTokensFull(func(context.Context, *protocol.SemanticTokensParams) (*protocol.SemanticTokens, error) {
			return nil, nil
		})
	}
	content := func(s *lsp.Server) {
		s.OnWorkspaceTextDocumentContent(func(context.Context, *protocol.TextDocumentContentParams) (protocol.TextDocumentContentResult, error) {
			return protocol.TextDocumentContentResult{}, nil
		})
	}
	schemes := protocol.ServerCapabilities{Workspace: &protocol.WorkspaceOptions{TextDocumentContent: new(
		protocol.NewWorkspaceOptionsTextDocumentContentTextDocumentContentOptions(protocol.TextDocumentContentOptions{Schemes: []string{"mem"}}))}}
	tests := []struct {
		name    string
		setup   func(s *lsp.Server)
		methods []string // the methods the errors name; none: Serve runs
	}{
		{"full without a legend", full, []string{"textDocument/semanticTokens/full"}},
		{"range without a legend", func(s *lsp.Server) {
			s.OnSemanticTokensRange(func(context.Context, *protocol.SemanticTokensRangeParams) (*protocol.SemanticTokens, error) {
				return nil, nil
			})
		}, []string{"textDocument/semanticTokens/range"}},
		{"an empty legend", func(s *lsp.Server) { full(s); s.SetCapabilities(legendCaps([]string{}, []string{})) }, []string{"textDocument/semanticTokens/full"}},
		{"a legend set after", func(s *lsp.Server) { full(s); s.SetCapabilities(legendCaps([]string{"k"}, nil)) }, nil},
		{"a legend set before", func(s *lsp.Server) { s.SetCapabilities(legendCaps([]string{"k"}, nil)); full(s) }, nil},
		{"content without schemes", content, []string{"workspace/textDocumentContent"}},
		{"content with schemes", func(s *lsp.Server) { content(s); s.SetCapabilities(schemes) }, nil},
		{"both missing", func(s *lsp.Server) { content(s); full(s) }, []string{"textDocument/semanticTokens/full", "workspace/textDocumentContent"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := lsp.NewServer("t", "1")
			tc.setup(srv)
			if tc.methods == nil {
				c := lsptest.New(t, srv)
				if _, err := c.Initialize(context.Background(), nil); err != nil {
					t.Fatalf("initialize: %v", err)
				}
				return
			}
			client, server := pipePair()
			defer client.Close()
			err := srv.Serve(context.Background(), server)
			var got []string
			for _, e := range unjoin(err) {
				var re *lsp.RegistrationError
				if !errors.As(e, &re) {
					t.Fatalf("Serve: %v, not a *RegistrationError", e)
				}
				got = append(got, re.Method)
			}
			if !slices.Equal(got, tc.methods) {
				t.Errorf("Serve: %v; errors name %v, want %v", err, got, tc.methods)
			}
			if _, err := client.Read(make([]byte, 1)); err == nil {
				t.Error("Serve left the stream open")
			}
		})
	}
}

func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	if err == nil {
		return nil
	}
	return []error{err}
}

// pipePair is a client's and a server's end of an in-memory stream.
func pipePair() (client, server io.ReadWriteCloser) {
	cr, sw := io.Pipe()
	sr, cw := io.Pipe()
	return pipeEnd{cr, cw}, pipeEnd{sr, sw}
}

type pipeEnd struct {
	*io.PipeReader
	*io.PipeWriter
}

func (p pipeEnd) Close() error { p.PipeReader.Close(); return p.PipeWriter.Close() }

// A server answers semantic tokens with a builder: the legend is the one
// it announces, tokens go in in any order, and a delta request gets edits.
func ExampleServer_SemanticTokens() {
	srv := lsp.NewServer("tokens", "1.0")
	srv.SetCapabilities(protocol.ServerCapabilities{
		SemanticTokensProvider: new(protocol.NewServerCapabilitiesSemanticTokensProviderSemanticTokensOptions(protocol.SemanticTokensOptions{
			Legend: protocol.SemanticTokensLegend{TokenTypes: []string{"keyword", "variable"}, TokenModifiers: []string{"declaration"}},
		})),
	})
	docs := srv.Documents()
	tokens := func(uri protocol.DocumentURI) *lsp.SemanticTokens {
		b := srv.SemanticTokens(uri)
		snap, _ := docs.Get(uri)
		for line := range snap.Lines() {
			if text := snap.LineText(line); len(text) > 4 && text[:4] == "let " {
				b.Add(pos(uint32(line), 4), 1, "variable", "declaration") // added before the keyword:
				b.Add(pos(uint32(line), 0), 3, "keyword")                 // the builder sorts them
			}
		}
		return b
	}
	srv.OnSemanticTokensFull(func(_ context.Context, p *protocol.SemanticTokensParams) (*protocol.SemanticTokens, error) {
		return tokens(p.TextDocument.URI).Full(), nil
	})
	srv.OnSemanticTokensFullDelta(func(_ context.Context, p *protocol.SemanticTokensDeltaParams) (*protocol.SemanticTokensFullDeltaResult, error) {
		return new(tokens(p.TextDocument.URI).Delta(p.PreviousResultID)), nil
	})

	ctx := context.Background()
	c := lsptest.Start(ctx, srv)
	c.Initialize(ctx, nil)
	doc := protocol.TextDocumentIdentifier{URI: "file:///a.txt"}
	c.Open(ctx, doc.URI, "plaintext", "let x = 1\n")
	full, _ := c.SemanticTokensFull(ctx, &protocol.SemanticTokensParams{TextDocument: doc})
	fmt.Println("full:", full.Data)
	c.Replace(ctx, doc.URI, "let x = 1\nlet y = x\n")
	delta, _ := c.SemanticTokensFullDelta(ctx, &protocol.SemanticTokensDeltaParams{TextDocument: doc, PreviousResultID: full.ResultID})
	for _, e := range delta.Value.(protocol.SemanticTokensDelta).Edits {
		fmt.Println("edit:", e.Start, e.DeleteCount, e.Data)
	}
	fmt.Println(c.Shutdown(ctx))
	// Output:
	// full: [0 0 3 0 0 0 4 1 1 1]
	// edit: 10 0 [1 0 3 0 0 0 4 1 1 1]
	// <nil>
}

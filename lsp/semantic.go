package lsp

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"sync"

	"github.com/lspkit/lspkit/lsp/protocol"
)

// This file is semantic tokens: a builder that takes a document's tokens by
// name and position, in any order, and writes them as the protocol wants
// them (five relative numbers a token, types and modifiers as indexes into
// the legend the server announced), and the edits between two results for
// textDocument/semanticTokens/full/delta.

// SemanticTokens builds the semantic tokens of one document, for the legend
// the server announces (the semanticTokensProvider.legend given to
// SetCapabilities). Make one per request with Server.SemanticTokens, Add the
// tokens, and answer with Full, Delta or Range.
type SemanticTokens struct {
	s      *Server
	uri    protocol.DocumentURI
	legend *legendIndex
	toks   []semanticToken
}

type semanticToken struct {
	line, char, length, typ, mods uint32
}

// legendIndex finds a token type's or modifier's place in the legend.
type legendIndex struct {
	types map[string]uint32
	mods  map[string]uint32 // bit numbers
}

// semanticCache keeps the last result sent for each document, for deltas:
// at most maxSemanticResults documents, the oldest forgotten first, so that
// memory does not grow with the documents a client asks about.
type semanticCache struct {
	mu      sync.Mutex
	next    uint64
	results map[protocol.DocumentURI]semanticResult
	order   []protocol.DocumentURI // oldest first
}

type semanticResult struct {
	id   string
	data []uint32
}

const maxSemanticResults = 128

// SemanticTokens returns a builder of uri's semantic tokens. It uses the
// legend of the capabilities set with SetCapabilities, which Serve requires
// when semantic tokens handlers are registered.
func (s *Server) SemanticTokens(uri protocol.DocumentURI) *SemanticTokens {
	return &SemanticTokens{s: s, uri: uri, legend: s.semanticLegend()}
}

// semanticLegend indexes the announced legend, once.
func (s *Server) semanticLegend() *legendIndex {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.legend == nil {
		legend, _ := legendOf(s.caps)
		idx := &legendIndex{types: map[string]uint32{}, mods: map[string]uint32{}}
		if legend != nil {
			for i, t := range legend.TokenTypes {
				idx.types[t] = uint32(i)
			}
			for i, m := range legend.TokenModifiers {
				idx.mods[m] = uint32(i)
			}
		}
		s.legend = idx
	}
	return s.legend
}

// legendOf returns the semantic tokens legend of the capabilities, if any.
func legendOf(caps protocol.ServerCapabilities) (*protocol.SemanticTokensLegend, error) {
	m, err := toMap(caps)
	if err != nil {
		return nil, err
	}
	raw, ok := lookup(m, "semanticTokensProvider.legend").(map[string]any)
	if !ok {
		return nil, nil
	}
	var legend protocol.SemanticTokensLegend
	for _, t := range asStrings(raw["tokenTypes"]) {
		legend.TokenTypes = append(legend.TokenTypes, t)
	}
	for _, t := range asStrings(raw["tokenModifiers"]) {
		legend.TokenModifiers = append(legend.TokenModifiers, t)
	}
	return &legend, nil
}

func asStrings(v any) []string {
	list, _ := v.([]any)
	var out []string
	for _, x := range list {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// Add adds a token that starts at pos and is length long (in the position
// encoding agreed with the client, Server.Encoding; a token ends on the line
// it starts on), of a type and modifiers named in the legend. Tokens may be
// added in any order. A type or modifier the legend does not name is an
// error, and the token is not added.
func (b *SemanticTokens) Add(pos protocol.Position, length uint32, tokenType string, modifiers ...string) error {
	typ, ok := b.legend.types[tokenType]
	if !ok {
		return fmt.Errorf("lsp: semantic token type %q is not in the legend", tokenType)
	}
	var mods uint32
	for _, m := range modifiers {
		bit, ok := b.legend.mods[m]
		if !ok {
			return fmt.Errorf("lsp: semantic token modifier %q is not in the legend", m)
		}
		mods |= 1 << bit
	}
	b.toks = append(b.toks, semanticToken{pos.Line, pos.Character, length, typ, mods})
	return nil
}

// encode sorts the tokens by position and writes them relative, five
// numbers each: line delta, start delta (from the previous token's start
// on the same line), length, type, modifiers.
func (b *SemanticTokens) encode() []uint32 {
	slices.SortStableFunc(b.toks, func(x, y semanticToken) int {
		return cmp.Or(cmp.Compare(x.line, y.line), cmp.Compare(x.char, y.char))
	})
	data := make([]uint32, 0, 5*len(b.toks))
	var line, char uint32
	for _, t := range b.toks {
		if t.line != line {
			char = 0
		}
		data = append(data, t.line-line, t.char-char, t.length, t.typ, t.mods)
		line, char = t.line, t.char
	}
	return data
}

// Range returns the tokens, for a textDocument/semanticTokens/range answer.
func (b *SemanticTokens) Range() *protocol.SemanticTokens {
	return &protocol.SemanticTokens{Data: b.encode()}
}

// Full returns the tokens with a new result id, for a
// textDocument/semanticTokens/full answer, and keeps them as the document's
// last result, for Delta.
func (b *SemanticTokens) Full() *protocol.SemanticTokens {
	data := b.encode()
	return &protocol.SemanticTokens{ResultID: b.s.semantic.put(b.uri, data), Data: data}
}

// Delta returns the edits from the document's result previousResultID to
// these tokens, for a textDocument/semanticTokens/full/delta answer, and
// keeps them as the document's last result. When previousResultID is not
// the last result sent for the document (or has been forgotten), it returns
// all the tokens, as Full does.
func (b *SemanticTokens) Delta(previousResultID string) protocol.SemanticTokensFullDeltaResult {
	data := b.encode()
	prev, ok := b.s.semantic.get(b.uri, previousResultID)
	id := b.s.semantic.put(b.uri, data)
	if !ok {
		return protocol.NewSemanticTokensFullDeltaResultSemanticTokens(protocol.SemanticTokens{ResultID: id, Data: data})
	}
	return protocol.NewSemanticTokensFullDeltaResultSemanticTokensDelta(protocol.SemanticTokensDelta{ResultID: id, Edits: semanticEdits(prev, data)})
}

// semanticEdits returns the edits that turn old into new: none if they are
// equal, else one that replaces what lies between their common prefix and
// their common suffix.
func semanticEdits(old, new []uint32) []protocol.SemanticTokensEdit {
	pre := 0
	for pre < len(old) && pre < len(new) && old[pre] == new[pre] {
		pre++
	}
	if pre == len(old) && pre == len(new) {
		return []protocol.SemanticTokensEdit{}
	}
	suf := 0
	for suf < len(old)-pre && suf < len(new)-pre && old[len(old)-1-suf] == new[len(new)-1-suf] {
		suf++
	}
	return []protocol.SemanticTokensEdit{{
		Start:       uint32(pre),
		DeleteCount: uint32(len(old) - pre - suf),
		Data:        slices.Clone(new[pre : len(new)-suf]),
	}}
}

func (c *semanticCache) put(uri protocol.DocumentURI, data []uint32) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.results == nil {
		c.results = map[protocol.DocumentURI]semanticResult{}
	}
	c.next++
	id := strconv.FormatUint(c.next, 10)
	if _, ok := c.results[uri]; !ok {
		c.order = append(c.order, uri)
		if len(c.order) > maxSemanticResults {
			delete(c.results, c.order[0])
			c.order = slices.Delete(c.order, 0, 1)
		}
	}
	c.results[uri] = semanticResult{id: id, data: data}
	return id
}

func (c *semanticCache) get(uri protocol.DocumentURI, id string) ([]uint32, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r, ok := c.results[uri]
	if !ok || r.id != id {
		return nil, false
	}
	return r.data, true
}

package document

import (
	"fmt"
	"strings"
	"testing"

	"github.com/lspkit/lspkit/lsp/protocol"
)

const benchLines = 100_000

var sink string

// benchText returns a document of benchLines lines of Go-like code, about
// 4 MB; every other line holds characters outside ASCII if nonASCII.
func benchText(nonASCII bool) string {
	var b strings.Builder
	for i := range benchLines {
		if nonASCII && i%2 == 1 {
			fmt.Fprintf(&b, "\tvar 𝑥, 𝒚 = \"héllo, wörld\", 'π' // line %d of the test\n", i)
		} else {
			fmt.Fprintf(&b, "\tfmt.Println(\"hello, world\", i, j) // line %d of the test\n", i)
		}
	}
	return b.String()
}

func BenchmarkIncrementalEdit(b *testing.B) {
	base := New(testURI, "go", 1, benchText(true))
	mid := uint32(benchLines / 2)
	for _, bc := range []struct {
		name   string
		change change
	}{
		{"insert-char", partial(rng(mid, 5, mid, 5), "x")},
		{"insert-char-non-ascii-line", partial(rng(mid+1, 12, mid+1, 12), "x")},
		{"insert-line", partial(rng(mid, 0, mid, 0), "\tx := 1\n")},
		{"delete-line", partial(rng(mid, 0, mid+1, 0), "")},
		{"insert-char-at-end", partial(rng(benchLines, 0, benchLines, 0), "x")},
	} {
		b.Run(bc.name, func(b *testing.B) {
			changes := []change{bc.change}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := base.Apply(changes, 2, UTF16); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	// The floor: the copy of the text that any edit of a string makes.
	b.Run("baseline-string-concat", func(b *testing.B) {
		text, off := base.Text(), base.Offset(pos(mid, 5), UTF16)
		b.ReportAllocs()
		for b.Loop() {
			sink = text[:off] + "x" + text[off:]
		}
	})
	// The same through a Store, one version after another: every edit
	// applies to the result of the previous one.
	b.Run("store-insert-char", func(b *testing.B) {
		var store Store
		store.Open(openParams(testURI, 0, base.Text()))
		params := changeParams(testURI, 0, partial(rng(mid, 5, mid, 5), "x"))
		b.ReportAllocs()
		for b.Loop() {
			params.TextDocument.Version++
			if _, err := store.Change(params, UTF16); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkPositionConversion(b *testing.B) {
	s := New(testURI, "go", 1, benchText(true))
	for _, line := range []struct {
		name string
		n    uint32
	}{{"ascii", benchLines / 2}, {"non-ascii", benchLines/2 + 1}} {
		text := s.LineText(int(line.n))
		for _, enc := range encodings {
			// The middle of the line, in characters of enc.
			lineStart := s.Offset(pos(line.n, 0), enc)
			off := lineStart + len(text)/2
			p := s.Position(off, enc)
			b.Run(fmt.Sprintf("Offset/%s/%v", line.name, enc), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					s.Offset(p, enc)
				}
			})
			b.Run(fmt.Sprintf("Position/%s/%v", line.name, enc), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					s.Position(off, enc)
				}
			})
		}
	}
}

func BenchmarkOpen(b *testing.B) {
	text := benchText(true)
	params := &protocol.DidOpenTextDocumentParams{TextDocument: protocol.TextDocumentItem{
		URI: testURI, LanguageID: "go", Version: 1, Text: text,
	}}
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	var store Store
	for b.Loop() {
		if _, err := store.Open(params); err != nil {
			b.Fatal(err)
		}
		store.Close(testURI)
	}
}

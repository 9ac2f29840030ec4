package document

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"

	"github.com/lspkit/lspkit/lsp/protocol"
)

const testURI protocol.DocumentURI = "file:///test.txt"

var encodings = []Encoding{UTF16, UTF8, UTF32}

func pos(line, char uint32) protocol.Position {
	return protocol.Position{Line: line, Character: char}
}

func rng(l1, c1, l2, c2 uint32) protocol.Range {
	return protocol.Range{Start: pos(l1, c1), End: pos(l2, c2)}
}

// partial is an incremental change: replace r with text.
func partial(r protocol.Range, text string) protocol.TextDocumentContentChangeEvent {
	return protocol.TextDocumentContentChangeEvent{Value: protocol.TextDocumentContentChangePartial{Range: r, Text: text}}
}

// whole is a full change: the whole new text.
func whole(text string) protocol.TextDocumentContentChangeEvent {
	return protocol.TextDocumentContentChangeEvent{Value: protocol.TextDocumentContentChangeWholeDocument{Text: text}}
}

type change = protocol.TextDocumentContentChangeEvent

// checkSnapshot checks that s holds text and that its index is the one a
// fresh scan of text makes.
func checkSnapshot(t *testing.T, s *Snapshot, text string) {
	t.Helper()
	if s.Text() != text {
		t.Fatalf("text = %q, want %q", s.Text(), text)
	}
	want := newIndex(text)
	if !slices.Equal(s.idx.starts, want.starts) || !slices.Equal(s.idx.nonASCII, want.nonASCII) {
		t.Fatalf("index of %q = %v %v, want %v %v", text, s.idx.starts, s.idx.nonASCII, want.starts, want.nonASCII)
	}
}

func TestApply(t *testing.T) {
	tests := []struct {
		name    string
		text    string
		enc     Encoding
		changes []change
		want    string
	}{
		{"no changes", "abc", UTF16, nil, "abc"},
		{"full", "old\ntext", UTF16, []change{whole("new\r\ntext\n")}, "new\r\ntext\n"},
		{"full to empty", "old\ntext", UTF16, []change{whole("")}, ""},
		{"insert", "hello world", UTF16, []change{partial(rng(0, 5, 0, 5), ",")}, "hello, world"},
		{"delete", "hello, world", UTF16, []change{partial(rng(0, 5, 0, 6), "")}, "hello world"},
		{"replace", "hello world", UTF16, []change{partial(rng(0, 6, 0, 11), "there")}, "hello there"},
		{"insert into empty", "", UTF16, []change{partial(rng(0, 0, 0, 0), "a\nb")}, "a\nb"},
		{"empty change", "abc", UTF16, []change{partial(rng(0, 1, 0, 1), "")}, "abc"},
		{"replace everything", "a\nb\r\nc", UTF16, []change{partial(rng(0, 0, 2, 1), "z")}, "z"},

		// Several changes in one notification, each on the text the
		// previous one made.
		{"in order", "abc", UTF16, []change{
			partial(rng(0, 3, 0, 3), "d"), // abcd
			partial(rng(0, 0, 0, 1), ""),  // bcd
			partial(rng(0, 3, 0, 3), "e"), // bcde: 0:3 is after d only in the new text
		}, "bcde"},
		{"lines in order", "one\ntwo\nthree", UTF16, []change{
			partial(rng(1, 0, 2, 0), ""),      // one\nthree
			partial(rng(1, 0, 1, 0), "2\n"),   // one\n2\nthree
			partial(rng(2, 5, 2, 5), "!"),     // one\n2\nthree!
			partial(rng(0, 0, 1, 0), "1\r\n"), // 1\r\n2\nthree!
		}, "1\r\n2\nthree!"},
		{"full then partial", "x", UTF16, []change{whole("ab\ncd"), partial(rng(1, 1, 1, 1), "!")}, "ab\nc!d"},
		{"partial then full", "x", UTF16, []change{partial(rng(0, 0, 0, 1), "y"), whole("z")}, "z"},

		// Line breaks of every kind, added and removed.
		{"add \\n", "ab", UTF16, []change{partial(rng(0, 1, 0, 1), "\n")}, "a\nb"},
		{"add \\r\\n", "ab", UTF16, []change{partial(rng(0, 1, 0, 1), "\r\n")}, "a\r\nb"},
		{"add \\r", "ab", UTF16, []change{partial(rng(0, 1, 0, 1), "\r")}, "a\rb"},
		{"add lines", "ab", UTF16, []change{partial(rng(0, 1, 0, 1), "\n1\r2\r\n3\n")}, "a\n1\r2\r\n3\nb"},
		{"remove \\n", "a\nb", UTF16, []change{partial(rng(0, 1, 1, 0), "")}, "ab"},
		{"remove \\r\\n", "a\r\nb", UTF16, []change{partial(rng(0, 1, 1, 0), "")}, "ab"},
		{"remove \\r", "a\rb", UTF16, []change{partial(rng(0, 1, 1, 0), "")}, "ab"},
		{"remove lines", "a\n1\r2\r\n3\nb", UTF16, []change{partial(rng(0, 1, 4, 0), "")}, "ab"},
		{"\\r meets inserted \\n", "a\rb", UTF16, []change{partial(rng(1, 0, 1, 0), "\n")}, "a\r\nb"},
		{"\\r meets \\n by deletion", "a\rx\nb", UTF16, []change{partial(rng(1, 0, 1, 1), "")}, "a\r\nb"},
		{"inserted \\r meets \\n", "a\nb", UTF16, []change{partial(rng(0, 1, 0, 1), "x\r")}, "ax\r\nb"},
		{"replace \\r\\n by \\r", "a\r\nb\r\nc", UTF16, []change{partial(rng(0, 1, 1, 0), "\r")}, "a\rb\r\nc"},
		{"last line break", "a\n", UTF16, []change{partial(rng(0, 1, 1, 0), "")}, "a"},
		{"append line", "a", UTF16, []change{partial(rng(0, 1, 0, 1), "\r\n")}, "a\r\n"},

		// Letters outside the BMP, then an edit after them: 𝑥 and 𝒚 are 2
		// UTF-16 units, 4 UTF-8 bytes, 1 code point each.
		{"after 𝑥𝒚 utf-16", "let 𝑥𝒚 = 1\nz", UTF16, []change{partial(rng(0, 11, 0, 12), "2")}, "let 𝑥𝒚 = 2\nz"},
		{"after 𝑥𝒚 utf-8", "let 𝑥𝒚 = 1\nz", UTF8, []change{partial(rng(0, 15, 0, 16), "2")}, "let 𝑥𝒚 = 2\nz"},
		{"after 𝑥𝒚 utf-32", "let 𝑥𝒚 = 1\nz", UTF32, []change{partial(rng(0, 9, 0, 10), "2")}, "let 𝑥𝒚 = 2\nz"},
		{"replace 𝒚 utf-16", "𝑥𝒚π", UTF16, []change{partial(rng(0, 2, 0, 4), "y")}, "𝑥yπ"},
		{"replace 𝒚 utf-8", "𝑥𝒚π", UTF8, []change{partial(rng(0, 4, 0, 8), "y")}, "𝑥yπ"},
		{"replace 𝒚 utf-32", "𝑥𝒚π", UTF32, []change{partial(rng(0, 1, 0, 2), "y")}, "𝑥yπ"},
		{"inside a surrogate pair", "𝑥𝒚", UTF16, []change{partial(rng(0, 3, 0, 3), "-")}, "𝑥-𝒚"},
		{"inside a UTF-8 sequence", "𝑥𝒚", UTF8, []change{partial(rng(0, 6, 0, 6), "-")}, "𝑥-𝒚"},
		{"edits around 𝑥 in order", "𝑥", UTF16, []change{
			partial(rng(0, 2, 0, 2), "𝒚"), // 𝑥𝒚
			partial(rng(0, 0, 0, 0), "("), // (𝑥𝒚
			partial(rng(0, 5, 0, 5), ")"), // (𝑥𝒚)
		}, "(𝑥𝒚)"},

		// Past-end clamping.
		{"char past end of line", "ab\ncd", UTF16, []change{partial(rng(0, 99, 0, 99), "!")}, "ab!\ncd"},
		{"range past end of line", "ab\r\ncd", UTF16, []change{partial(rng(0, 1, 0, 99), "")}, "a\r\ncd"},
		{"line past end", "ab\ncd", UTF16, []change{partial(rng(7, 0, 9, 3), "!")}, "ab\ncd!"},
		{"end past end", "ab\ncd", UTF16, []change{partial(rng(1, 1, 99, 0), "")}, "ab\nc"},
		{"reversed beyond line end", "ab\ncd", UTF16, []change{partial(rng(0, 9, 0, 5), "!")}, "ab!\ncd"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			old := New(testURI, "plaintext", 1, tt.text)
			got, err := old.Apply(tt.changes, 2, tt.enc)
			if err != nil {
				t.Fatal(err)
			}
			checkSnapshot(t, got, tt.want)
			if got.Version() != 2 || got.URI() != testURI || got.LanguageID() != "plaintext" {
				t.Errorf("got %s %s v%d, want %s plaintext v2", got.URI(), got.LanguageID(), got.Version(), testURI)
			}
			checkSnapshot(t, old, tt.text) // untouched
			if old.Version() != 1 {
				t.Errorf("old version = %d", old.Version())
			}
		})
	}
}

// TestApplyPointerVariants checks that a change event holding a pointer to
// a variant works like one holding the variant.
func TestApplyPointerVariants(t *testing.T) {
	s := New(testURI, "", 1, "ab")
	got, err := s.Apply([]change{
		{Value: &protocol.TextDocumentContentChangePartial{Range: rng(0, 1, 0, 1), Text: "x"}},
		{Value: &protocol.TextDocumentContentChangePartial{Range: rng(0, 0, 0, 0), Text: ">"}},
	}, 2, UTF16)
	if err != nil {
		t.Fatal(err)
	}
	checkSnapshot(t, got, ">axb")
	got, err = got.Apply([]change{{Value: &protocol.TextDocumentContentChangeWholeDocument{Text: "new"}}}, 3, UTF16)
	if err != nil {
		t.Fatal(err)
	}
	checkSnapshot(t, got, "new")
}

func TestApplyInvalid(t *testing.T) {
	const text = "one\ntwo\nthree"
	tests := []struct {
		name    string
		changes []change
		index   int
		is      error
	}{
		{"start after end", []change{partial(rng(1, 2, 1, 1), "x")}, 0, ErrInvalidRange},
		{"start lines after end", []change{partial(rng(2, 0, 0, 1), "")}, 0, ErrInvalidRange},
		{"second change invalid", []change{partial(rng(0, 0, 0, 0), "zero\n"), partial(rng(3, 0, 0, 0), "")}, 1, ErrInvalidRange},
		{"after a full change", []change{whole("a\nb"), partial(rng(1, 1, 0, 0), "")}, 1, ErrInvalidRange},
		{"empty event", []change{partial(rng(0, 0, 0, 0), "x"), {}}, 1, ErrInvalidChange},
		{"other type", []change{{Value: "text"}}, 0, ErrInvalidChange},
		{"nil partial", []change{{Value: (*protocol.TextDocumentContentChangePartial)(nil)}}, 0, ErrInvalidChange},
		{"nil whole", []change{{Value: (*protocol.TextDocumentContentChangeWholeDocument)(nil)}}, 0, ErrInvalidChange},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var store Store
			old, err := store.Open(&protocol.DidOpenTextDocumentParams{TextDocument: protocol.TextDocumentItem{URI: testURI, Version: 1, Text: text}})
			if err != nil {
				t.Fatal(err)
			}
			got, err := store.Change(&protocol.DidChangeTextDocumentParams{
				TextDocument:   protocol.VersionedTextDocumentIdentifier{URI: testURI, Version: 2},
				ContentChanges: tt.changes,
			}, UTF16)
			if got != nil {
				t.Errorf("Change returned a snapshot: %q", got.Text())
			}
			var ce *ChangeError
			if !errors.As(err, &ce) {
				t.Fatalf("error %v (%T) is not a *ChangeError", err, err)
			}
			if ce.Index != tt.index || ce.URI != testURI || !errors.Is(err, tt.is) {
				t.Errorf("error %q: index %d, URI %s, want index %d, URI %s, errors.Is %v", err, ce.Index, ce.URI, tt.index, testURI, tt.is)
			}
			t.Log(err)
			// The document is as it was.
			cur, ok := store.Get(testURI)
			if !ok || cur != old {
				t.Fatalf("current snapshot changed: %v", cur)
			}
			checkSnapshot(t, cur, text)
			if cur.Version() != 1 {
				t.Errorf("version = %d, want 1", cur.Version())
			}
		})
	}
}

// TestSpecExample follows the specification: a didChange notification as
// it comes on the wire, with two incremental changes, the second computed
// on the text the first made; then the specification's example of
// character offsets, "a𐐀b", where 𐐀 (U+10400) is two UTF-16 code units.
func TestSpecExample(t *testing.T) {
	var store Store
	var open protocol.DidOpenTextDocumentParams
	mustUnmarshal(t, `{"textDocument": {"uri": "file:///spec.txt", "languageId": "plaintext", "version": 1,
		"text": "a𐐀b\r\nsecond line\n"}}`, &open)
	if _, err := store.Open(&open); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		enc  Encoding
		json string
		want string
	}{
		// Insert "X" before b: character 3 in UTF-16 (a=1, 𐐀=2), then
		// delete "second " on the line that the first change did not
		// move, then replace the whole line 1 with a 𐐀.
		{UTF16, `{"textDocument": {"uri": "file:///spec.txt", "version": 2}, "contentChanges": [
			{"range": {"start": {"line": 0, "character": 3}, "end": {"line": 0, "character": 3}}, "rangeLength": 0, "text": "X"},
			{"range": {"start": {"line": 1, "character": 0}, "end": {"line": 1, "character": 7}}, "text": ""},
			{"range": {"start": {"line": 0, "character": 1}, "end": {"line": 0, "character": 3}}, "text": "𐐀𐐀"}
		]}`, "a𐐀𐐀Xb\r\nline\n"},
		{UTF8, `{"textDocument": {"uri": "file:///spec.txt", "version": 3}, "contentChanges": [
			{"range": {"start": {"line": 0, "character": 9}, "end": {"line": 0, "character": 11}}, "text": "YZ"},
			{"range": {"start": {"line": 1, "character": 4}, "end": {"line": 2, "character": 0}}, "text": "\r"}
		]}`, "a𐐀𐐀YZ\r\nline\r"},
		{UTF32, `{"textDocument": {"uri": "file:///spec.txt", "version": 4}, "contentChanges": [
			{"range": {"start": {"line": 0, "character": 1}, "end": {"line": 0, "character": 2}}, "text": ""},
			{"text": "whole\nnew\n"},
			{"range": {"start": {"line": 2, "character": 0}, "end": {"line": 2, "character": 0}}, "text": "𐐀"}
		]}`, "whole\nnew\n𐐀"},
	}
	for _, tt := range tests {
		var p protocol.DidChangeTextDocumentParams
		mustUnmarshal(t, tt.json, &p)
		got, err := store.Change(&p, tt.enc)
		if err != nil {
			t.Fatalf("%v: %v", tt.enc, err)
		}
		checkSnapshot(t, got, tt.want)
		if got.Version() != p.TextDocument.Version {
			t.Errorf("version = %d, want %d", got.Version(), p.TextDocument.Version)
		}
	}

	s := New("file:///a.txt", "", 1, "a𐐀b")
	for _, tt := range []struct {
		enc              Encoding
		offA, off𐐀, offB uint32
	}{
		{UTF16, 0, 1, 3},
		{UTF8, 0, 1, 5},
		{UTF32, 0, 1, 2},
	} {
		for i, char := range []uint32{tt.offA, tt.off𐐀, tt.offB} {
			wantOff := []int{0, 1, 5}[i]
			if got := s.Offset(pos(0, char), tt.enc); got != wantOff {
				t.Errorf("%v: Offset(0:%d) = %d, want %d", tt.enc, char, got, wantOff)
			}
			if got := s.Position(wantOff, tt.enc); got != pos(0, char) {
				t.Errorf("%v: Position(%d) = %v, want 0:%d", tt.enc, wantOff, got, char)
			}
		}
	}
}

func mustUnmarshal(t *testing.T, data string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(data), v); err != nil {
		t.Fatal(err)
	}
}

func TestOffsetPosition(t *testing.T) {
	// Line 1 holds 𝑥 (U+1D465) and 𝒚 (U+1D49A), outside the BMP, and π.
	const text = "ascii\r\n𝑥+𝒚=π\rlast\n"
	s := New(testURI, "", 1, text)
	l1 := len("ascii\r\n")
	tests := []struct {
		name string
		enc  Encoding
		pos  protocol.Position
		off  int
		back protocol.Position // Position(off), if not pos
	}{
		{"start", UTF16, pos(0, 0), 0, pos(0, 0)},
		{"ascii", UTF8, pos(0, 3), 3, pos(0, 3)},
		{"line end", UTF32, pos(0, 5), 5, pos(0, 5)},
		{"char past line end", UTF16, pos(0, 6), 5, pos(0, 5)},
		{"line 1", UTF16, pos(1, 0), l1, pos(1, 0)},

		{"after 𝑥 utf-16", UTF16, pos(1, 2), l1 + 4, pos(1, 2)},
		{"after 𝑥 utf-8", UTF8, pos(1, 4), l1 + 4, pos(1, 4)},
		{"after 𝑥 utf-32", UTF32, pos(1, 1), l1 + 4, pos(1, 1)},
		{"after 𝒚 utf-16", UTF16, pos(1, 5), l1 + 9, pos(1, 5)},
		{"after 𝒚 utf-8", UTF8, pos(1, 9), l1 + 9, pos(1, 9)},
		{"after 𝒚 utf-32", UTF32, pos(1, 3), l1 + 9, pos(1, 3)},
		{"after π utf-16", UTF16, pos(1, 7), l1 + 12, pos(1, 7)},
		{"after π utf-8", UTF8, pos(1, 12), l1 + 12, pos(1, 12)},
		{"after π utf-32", UTF32, pos(1, 5), l1 + 12, pos(1, 5)},

		{"inside 𝑥 utf-16", UTF16, pos(1, 1), l1, pos(1, 0)},
		{"inside 𝒚 utf-16", UTF16, pos(1, 4), l1 + 5, pos(1, 3)},
		{"inside 𝒚 utf-8", UTF8, pos(1, 7), l1 + 5, pos(1, 5)},
		{"inside π utf-8", UTF8, pos(1, 11), l1 + 10, pos(1, 10)},

		{"after \\r", UTF16, pos(2, 0), l1 + 13, pos(2, 0)},
		{"last line", UTF16, pos(3, 0), len(text), pos(3, 0)},
		{"line past end", UTF16, pos(4, 0), len(text), pos(3, 0)},
		{"far past end", UTF8, pos(1<<32-1, 1<<32-1), len(text), pos(3, 0)},
	}
	for _, tt := range tests {
		if got := s.Offset(tt.pos, tt.enc); got != tt.off {
			t.Errorf("%s: Offset(%v, %v) = %d, want %d", tt.name, tt.pos, tt.enc, got, tt.off)
		}
		if got := s.Position(tt.off, tt.enc); got != tt.back {
			t.Errorf("%s: Position(%d, %v) = %v, want %v", tt.name, tt.off, tt.enc, got, tt.back)
		}
	}

	// Offsets that are not at the start of a character or a line.
	for _, tt := range []struct {
		off int
		enc Encoding
		pos protocol.Position
	}{
		{-5, UTF16, pos(0, 0)},
		{len(text) + 5, UTF16, pos(3, 0)},
		{6, UTF16, pos(0, 5)},       // between \r and \n
		{l1 + 2, UTF16, pos(1, 0)},  // inside 𝑥
		{l1 + 2, UTF8, pos(1, 0)},   // inside 𝑥
		{l1 + 11, UTF32, pos(1, 4)}, // inside π
	} {
		if got := s.Position(tt.off, tt.enc); got != tt.pos {
			t.Errorf("Position(%d, %v) = %v, want %v", tt.off, tt.enc, got, tt.pos)
		}
	}

	if s.Lines() != 4 {
		t.Errorf("Lines() = %d, want 4", s.Lines())
	}
	for n, want := range []string{"ascii", "𝑥+𝒚=π", "last", "", "", ""} {
		if got := s.LineText(n); got != want {
			t.Errorf("LineText(%d) = %q, want %q", n, got, want)
		}
	}
	if got := s.LineText(-1); got != "" {
		t.Errorf("LineText(-1) = %q", got)
	}
}

func TestRanges(t *testing.T) {
	s := New(testURI, "", 1, "ab\n𝑥yz")
	for _, enc := range encodings {
		r := s.Range(3, 8, enc) // 𝑥y
		start, end, err := s.OffsetRange(r, enc)
		if err != nil || start != 3 || end != 8 {
			t.Errorf("%v: OffsetRange(Range(3, 8) = %v) = %d, %d, %v", enc, r, start, end, err)
		}
	}
	if r := s.Range(3, 8, UTF16); r != rng(1, 0, 1, 3) {
		t.Errorf("Range(3, 8, UTF16) = %v, want 1:0-1:3", r)
	}
	if r := s.Range(3, 8, UTF8); r != rng(1, 0, 1, 5) {
		t.Errorf("Range(3, 8, UTF8) = %v, want 1:0-1:5", r)
	}
	_, _, err := s.OffsetRange(rng(1, 2, 0, 1), UTF16)
	if !errors.Is(err, ErrInvalidRange) {
		t.Errorf("reversed range: error %v, want ErrInvalidRange", err)
	}
	// Reversed only past the end of the text: both clamp to the end.
	start, end, err := s.OffsetRange(rng(9, 0, 5, 0), UTF16)
	if err != nil || start != 9 || end != 9 {
		t.Errorf("range past the end: %d, %d, %v; want 9, 9, nil", start, end, err)
	}
}

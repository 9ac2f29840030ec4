package document

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestIndexLines(t *testing.T) {
	tests := []struct {
		text   string
		starts []int
	}{
		{"", []int{0}},
		{"a", []int{0}},
		{"a\n", []int{0, 2}},
		{"a\nb", []int{0, 2}},
		{"a\r\nb", []int{0, 3}},
		{"a\rb", []int{0, 2}},
		{"\r\r\n\n", []int{0, 1, 3, 4}},
		{"π\n𝑥", []int{0, 3}},
	}
	for _, tt := range tests {
		if got := newIndex(tt.text).starts; !slices.Equal(got, tt.starts) {
			t.Errorf("newIndex(%q).starts = %v, want %v", tt.text, got, tt.starts)
		}
	}
}

func TestPositionEncodings(t *testing.T) {
	// "a𝑥b" : 𝑥 is outside the BMP: 4 bytes of UTF-8, 2 UTF-16 units, 1 code point.
	text := "first\na𝑥b\n\r\nlast"
	x := newIndex(text)
	tests := []struct {
		enc        Encoding
		line, char int
		off        int
	}{
		{UTF16, 1, 0, 6}, {UTF16, 1, 1, 7}, {UTF16, 1, 3, 11}, {UTF16, 1, 4, 12},
		{UTF8, 1, 1, 7}, {UTF8, 1, 5, 11}, {UTF8, 1, 6, 12},
		{UTF32, 1, 1, 7}, {UTF32, 1, 2, 11}, {UTF32, 1, 3, 12},
		{UTF16, 2, 0, 13}, {UTF16, 3, 0, 15}, {UTF16, 3, 4, 19},
	}
	for _, tt := range tests {
		if got := x.offset(text, tt.line, tt.char, tt.enc); got != tt.off {
			t.Errorf("%v offset(%d:%d) = %d, want %d", tt.enc, tt.line, tt.char, got, tt.off)
		}
		if l, c := x.position(text, tt.off, tt.enc); l != tt.line || c != tt.char {
			t.Errorf("%v position(%d) = %d:%d, want %d:%d", tt.enc, tt.off, l, c, tt.line, tt.char)
		}
	}
}

func TestPositionClamps(t *testing.T) {
	text := "ab\r\nc𝑥"
	x := newIndex(text)
	tests := []struct {
		name       string
		enc        Encoding
		line, char int
		off        int
	}{
		{"char past end of line", UTF16, 0, 99, 2},
		{"line past end of text", UTF16, 9, 0, len(text)},
		{"inside a surrogate pair", UTF16, 1, 2, 5},
		{"inside a UTF-8 sequence", UTF8, 1, 3, 5},
		{"negative", UTF16, -1, 0, 0},
	}
	for _, tt := range tests {
		if got := x.offset(text, tt.line, tt.char, tt.enc); got != tt.off {
			t.Errorf("%s: offset(%d:%d) = %d, want %d", tt.name, tt.line, tt.char, got, tt.off)
		}
	}
}

// TestIndexEditMatchesRebuild checks the incremental index against a full
// rebuild over random edits that insert and delete line breaks of every kind.
func TestIndexEditMatchesRebuild(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	pieces := []string{"a", "b", "\n", "\r", "\r\n", "π", "𝑥", "", "xy\nz"}
	for round := range 3000 {
		text := randText(rng, pieces, rng.IntN(12))
		start := rng.IntN(len(text) + 1)
		end := start + rng.IntN(len(text)-start+1)
		insert := randText(rng, pieces, rng.IntN(4))
		checkEdit(t, round, text, start, end, insert)
	}
}

func checkEdit(t *testing.T, round int, text string, start, end int, insert string) {
	t.Helper()
	newText := text[:start] + insert + text[end:]
	got := newIndex(text).edit(newText, start, end, insert)
	want := newIndex(newText)
	if !slices.Equal(got.starts, want.starts) || !slices.Equal(got.nonASCII, want.nonASCII) {
		t.Fatalf("round %d: edit %q [%d:%d] <- %q = %q:\n got %v %v\nwant %v %v",
			round, text, start, end, insert, newText, got.starts, got.nonASCII, want.starts, want.nonASCII)
	}
}

func randText(rng *rand.Rand, pieces []string, n int) string {
	var b strings.Builder
	for range n {
		b.WriteString(pieces[rng.IntN(len(pieces))])
	}
	return b.String()
}

func FuzzIndexEdit(f *testing.F) {
	f.Add("a\r\nb", 1, 2, "\n")
	f.Add("a\rb", 2, 2, "\n")
	f.Add("π\n𝑥\r", 0, 3, "\r\n")
	f.Fuzz(func(t *testing.T, text string, start, end int, insert string) {
		if start < 0 || end < start || end > len(text) {
			return
		}
		checkEdit(t, 0, text, start, end, insert)
		// Every offset maps to a position and back to an offset at or
		// before it (a rune boundary), in every encoding.
		x := newIndex(text)
		for _, enc := range []Encoding{UTF8, UTF16, UTF32} {
			for off := 0; off <= len(text); off++ {
				l, c := x.position(text, off, enc)
				back := x.offset(text, l, c, enc)
				if back > off || (utf8.ValidString(text) && back < off && utf8.RuneStart(text[min(off, len(text)-1)]) && !isBreak(text, back, off)) {
					t.Fatalf("%v: %d -> %d:%d -> %d in %q", enc, off, l, c, back, text)
				}
			}
		}
	})
}

// isBreak reports whether text[from:to] is all line-break bytes, which map
// to the end of their line.
func isBreak(text string, from, to int) bool {
	return strings.Trim(text[from:to], "\r\n") == ""
}

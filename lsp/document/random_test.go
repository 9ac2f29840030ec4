package document

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/lspkit/lspkit/lsp/protocol"
)

// The reference: positions by walking the text from the start, character
// by character, with no index and none of the package's conversions.

// refWidth returns how many units of enc the rune r takes.
func refWidth(r rune, enc Encoding) int {
	switch enc {
	case UTF8:
		return utf8.RuneLen(r)
	case UTF16:
		return utf16.RuneLen(r)
	}
	return 1
}

// refLineStart returns the byte offset where line starts, or -1 if the
// text has fewer lines.
func refLineStart(text string, line int) int {
	off := 0
	for range line {
		i := strings.IndexAny(text[off:], "\r\n")
		if i < 0 {
			return -1
		}
		off += i + 1
		if text[off-1] == '\r' && off < len(text) && text[off] == '\n' {
			off++
		}
	}
	return off
}

// refOffset returns the byte offset of (line, char).
func refOffset(text string, line, char int, enc Encoding) int {
	off := refLineStart(text, line)
	if off < 0 {
		return len(text)
	}
	n := 0
	for i, r := range text[off:] {
		if r == '\r' || r == '\n' {
			return off + i
		}
		// char may fall inside the character: its start then.
		if n+refWidth(r, enc) > char {
			return off + i
		}
		n += refWidth(r, enc)
	}
	return len(text)
}

// refPosition returns the position of byte offset off, which must start a
// character or a line break, or fall between "\r" and "\n".
func refPosition(text string, off int, enc Encoding) protocol.Position {
	line, char := 0, 0
	for i := 0; i < off; {
		switch c := text[i]; {
		case c == '\r' && i+1 < len(text) && text[i+1] == '\n':
			if i+2 > off { // inside "\r\n": the end of the line
				return protocol.Position{Line: uint32(line), Character: uint32(char)}
			}
			line, char, i = line+1, 0, i+2
		case c == '\r' || c == '\n':
			line, char, i = line+1, 0, i+1
		default:
			r, size := utf8.DecodeRuneInString(text[i:])
			char, i = char+refWidth(r, enc), i+size
		}
	}
	return protocol.Position{Line: uint32(line), Character: uint32(char)}
}

var randPieces = []string{"a", "b", "xyz", " ", "\n", "\r", "\r\n", "π", "é", "𝑥", "𝒚", "中", ""}

// randPosition returns a position in text that may be anywhere: inside a
// character, past the end of its line, past the last line.
func randPosition(rng *rand.Rand, text string) protocol.Position {
	lines := strings.Count(strings.NewReplacer("\r\n", "\n", "\r", "\n").Replace(text), "\n") + 1
	line := rng.IntN(lines + 1) // sometimes past the end
	return protocol.Position{Line: uint32(line), Character: uint32(rng.IntN(12))}
}

// TestApplyRandom applies random notifications, each of random changes
// with random ranges in random encodings, and compares the snapshot with
// the same edits made to a plain string, at offsets that the reference
// computes.
func TestApplyRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	rounds := 300
	if testing.Short() {
		rounds = 30
	}
	for round := range rounds {
		text := randText(rng, randPieces, rng.IntN(20))
		snap := New(testURI, "", 0, text)
		for version := int32(1); version <= 20; version++ {
			enc := encodings[rng.IntN(len(encodings))]
			var changes []change
			for range 1 + rng.IntN(3) {
				insert := randText(rng, randPieces, rng.IntN(4))
				if rng.IntN(20) == 0 {
					changes = append(changes, whole(insert))
					text = insert
					continue
				}
				p1, p2 := randPosition(rng, text), randPosition(rng, text)
				start := refOffset(text, int(p1.Line), int(p1.Character), enc)
				end := refOffset(text, int(p2.Line), int(p2.Character), enc)
				if start > end {
					p1, p2, start, end = p2, p1, end, start
				}
				changes = append(changes, partial(protocol.Range{Start: p1, End: p2}, insert))
				text = text[:start] + insert + text[end:]
			}
			next, err := snap.Apply(changes, version, enc)
			if err != nil {
				t.Fatalf("round %d, version %d, %v: %v", round, version, enc, err)
			}
			if next.Text() != text {
				t.Fatalf("round %d, version %d, %v: Apply(%q, %+v) = %q, want %q",
					round, version, enc, snap.Text(), changes, next.Text(), text)
			}
			checkSnapshot(t, next, text)
			snap = next
			checkPositions(t, rng, snap)
		}
	}
}

// checkPositions compares Offset and Position with the reference at
// random places, in every encoding.
func checkPositions(t *testing.T, rng *rand.Rand, s *Snapshot) {
	t.Helper()
	text := s.Text()
	for _, enc := range encodings {
		for range 5 {
			p := randPosition(rng, text)
			if got, want := s.Offset(p, enc), refOffset(text, int(p.Line), int(p.Character), enc); got != want {
				t.Fatalf("%v: Offset(%d:%d) in %q = %d, want %d", enc, p.Line, p.Character, text, got, want)
			}
			off := rng.IntN(len(text) + 1)
			for off < len(text) && !utf8.RuneStart(text[off]) {
				off--
			}
			if got, want := s.Position(off, enc), refPosition(text, off, enc); got != want {
				t.Fatalf("%v: Position(%d) in %q = %v, want %v", enc, off, text, got, want)
			}
		}
	}
}

// FuzzApply compares one incremental change with the reference.
func FuzzApply(f *testing.F) {
	f.Add("let 𝑥 = 1\r\n𝒚\rz\n", uint32(0), uint32(3), uint32(1), uint32(1), "é\n", uint8(0))
	f.Add("a\rb", uint32(1), uint32(0), uint32(1), uint32(0), "\n", uint8(1))
	f.Fuzz(func(t *testing.T, text string, l1, c1, l2, c2 uint32, insert string, e uint8) {
		if !utf8.ValidString(text) || !utf8.ValidString(insert) {
			return // JSON brings valid UTF-8 only
		}
		enc := encodings[int(e)%len(encodings)]
		l1, l2 = l1%8, l2%8
		start := refOffset(text, int(l1), int(c1), enc)
		end := refOffset(text, int(l2), int(c2), enc)
		got, err := New(testURI, "", 1, text).Apply([]change{partial(rng(l1, c1, l2, c2), insert)}, 2, enc)
		if start > end {
			if !errors.Is(err, ErrInvalidRange) {
				t.Fatalf("reversed range: error %v", err)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		checkSnapshot(t, got, text[:start]+insert+text[end:])
	})
}

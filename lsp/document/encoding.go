package document

import (
	"fmt"
	"unicode/utf8"
)

// Encoding is how the character offset of an LSP position counts: in UTF-16
// code units (the protocol's default, which every client supports), in
// bytes of UTF-8, or in Unicode code points (UTF-32). The server and client
// agree on one in initialize (see lsp's negotiation); the zero value is
// UTF16.
type Encoding int

// The position encodings of LSP 3.17.
const (
	UTF16 Encoding = iota
	UTF8
	UTF32
)

// String returns the encoding's name as LSP spells it: "utf-16", "utf-8" or
// "utf-32".
func (e Encoding) String() string {
	switch e {
	case UTF8:
		return "utf-8"
	case UTF32:
		return "utf-32"
	}
	return "utf-16"
}

// ParseEncoding returns the Encoding that LSP's name (a
// PositionEncodingKind) names.
func ParseEncoding(name string) (Encoding, error) {
	switch name {
	case "utf-16":
		return UTF16, nil
	case "utf-8":
		return UTF8, nil
	case "utf-32":
		return UTF32, nil
	}
	return UTF16, fmt.Errorf("document: unknown position encoding %q", name)
}

// units returns how many units of e the rune r, spelled in size bytes of
// UTF-8, takes. A byte that is not valid UTF-8 counts as one unit, as the
// U+FFFD that stands for it would.
func (e Encoding) units(r rune, size int) int {
	switch e {
	case UTF8:
		return size
	case UTF32:
		return 1
	}
	if r >= 0x10000 {
		return 2 // a surrogate pair
	}
	return 1
}

// byteOffset returns the byte offset in line of the character offset char,
// counted in e. A char past the end of the line clamps to its end; one that
// falls inside a character (half a surrogate pair, part of a UTF-8
// sequence) snaps to the start of that character.
func (e Encoding) byteOffset(line string, char int) int {
	if e == UTF8 {
		if char >= len(line) {
			return len(line)
		}
		for char > 0 && !utf8.RuneStart(line[char]) {
			char--
		}
		return char
	}
	n := 0
	for i := 0; i < len(line); {
		if line[i] < utf8.RuneSelf { // one unit in every encoding
			if n == char {
				return i
			}
			n, i = n+1, i+1
			continue
		}
		r, size := utf8.DecodeRuneInString(line[i:])
		n += e.units(r, size)
		if n > char {
			return i
		}
		i += size
	}
	return len(line)
}

// charOffset returns the character offset, counted in e, of byte offset b
// in line.
func (e Encoding) charOffset(line string, b int) int {
	if e == UTF8 {
		return b
	}
	n := 0
	for i := 0; i < b; {
		if line[i] < utf8.RuneSelf {
			n, i = n+1, i+1
			continue
		}
		r, size := utf8.DecodeRuneInString(line[i:])
		n += e.units(r, size)
		i += size
	}
	return n
}

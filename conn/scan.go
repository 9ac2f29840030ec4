package conn

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
)

// This file holds a small JSON scanner: it validates a value and finds where
// it ends, without decoding it. Reading the envelope of a message with it
// costs one pass over the bytes and no allocation; params and results stay
// raw until a typed handler decodes them once.

// maxDepth bounds nesting, as encoding/json does, so that hostile input
// cannot exhaust the stack.
const maxDepth = 10000

// errSyntax reports invalid JSON. Its text is for humans; the connection
// answers every syntax error with -32700.
type errSyntax struct {
	off int
	msg string
}

func (e *errSyntax) Error() string { return fmt.Sprintf("invalid JSON at offset %d: %s", e.off, e.msg) }

var errTooDeep = errors.New("JSON nested too deeply")

// kind is the type of a JSON value, told by its first byte.
type kind byte

const (
	kindInvalid kind = iota
	kindObject
	kindArray
	kindString
	kindNumber
	kindBool
	kindNull
)

// kindOf tells a value's kind from its first byte.
func kindOf(v []byte) kind {
	if len(v) == 0 {
		return kindInvalid
	}
	switch v[0] {
	case '{':
		return kindObject
	case '[':
		return kindArray
	case '"':
		return kindString
	case 't', 'f':
		return kindBool
	case 'n':
		return kindNull
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return kindNumber
	}
	return kindInvalid
}

// validJSON reports whether data is exactly one JSON value, with optional
// white space around it.
func validJSON(data []byte) bool {
	i := skipSpace(data, 0)
	end, err := skipValue(data, i, 0)
	return err == nil && skipSpace(data, end) == len(data)
}

// skipSpace returns the index of the first byte at or after i that is not
// JSON white space.
func skipSpace(data []byte, i int) int {
	// Every white space byte is <= ' ': most bytes leave after one compare.
	for i < len(data) && data[i] <= ' ' && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
		i++
	}
	return i
}

// skipValue validates the value that starts at data[i] and returns the index
// just after it.
func skipValue(data []byte, i, depth int) (int, error) {
	if i >= len(data) {
		return i, &errSyntax{i, "unexpected end of input"}
	}
	switch c := data[i]; {
	case c == '"':
		// Most strings hold no escape: the first byte that needs a look
		// is the closing quote.
		if j := skipPlain(data, i+1); j < len(data) && data[j] == '"' {
			return j + 1, nil
		}
		return skipString(data, i)
	case c >= '1' && c <= '9':
		// Most numbers are small integers: digits, then a delimiter.
		j := i + 1
		for j < len(data) && isDigit(data[j]) {
			j++
		}
		if j == len(data) || data[j] != '.' && data[j] != 'e' && data[j] != 'E' {
			return j, nil
		}
		return skipNumber(data, i)
	case c == '{':
		return skipObject(data, i, depth+1)
	case c == '[':
		return skipArray(data, i, depth+1)
	case c == 't':
		return skipLiteral(data, i, "true")
	case c == 'f':
		return skipLiteral(data, i, "false")
	case c == 'n':
		return skipLiteral(data, i, "null")
	case c == '-' || (c >= '0' && c <= '9'):
		return skipNumber(data, i)
	default:
		return i, &errSyntax{i, fmt.Sprintf("unexpected character %q", c)}
	}
}

func skipLiteral(data []byte, i int, lit string) (int, error) {
	if len(data)-i < len(lit) || string(data[i:i+len(lit)]) != lit {
		return i, &errSyntax{i, "invalid literal"}
	}
	return i + len(lit), nil
}

// plain marks the bytes that may appear in a string with no further check.
var plain = func() (t [256]bool) {
	for c := 0x20; c < 256; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// The string scan looks at eight bytes at a time while none of them needs a
// look of its own: this makes validating a large string (a file's text, a
// 1 MiB param) about five times faster than byte by byte.
const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// special marks the bytes of w that are a quote, a backslash or a control
// character: exactly the bytes that plain does not mark. It is the classic
// "has a byte less than n" test, (x-n) & ^x, per byte: x-0x20 for control
// characters, and x-1 on w XOR the byte sought for the quote and the
// backslash (which makes that byte zero). All three share the ^x part,
// since XOR with a byte below 0x80 keeps the high bit: a byte >= 0x80, as in
// UTF-8, is never marked. A borrow can mark a byte above one that is truly
// marked, never below, so the lowest mark is exact: it is where the scan
// must look.
func special(w uint64) uint64 {
	q := w ^ (ones * '"')  // a zero byte where w has a quote
	b := w ^ (ones * '\\') // a zero byte where w has a backslash
	return ((q - ones) | (b - ones) | (w - ones*0x20)) &^ w & highs
}

// skipPlain returns the index of the first byte at or after i that plain
// does not mark, or len(data).
func skipPlain(data []byte, i int) int {
	for n := 0; i+8 <= len(data); n++ {
		if m := special(binary.LittleEndian.Uint64(data[i : i+8])); m != 0 { // [i:i+8]: no bounds check
			return i + bits.TrailingZeros64(m)/8
		}
		i += 8
		if n == 3 { // a long string: a file's text, a large param
			i = skipClean(data, i)
		}
	}
	for i < len(data) && plain[data[i]] {
		i++
	}
	return i
}

// skipClean skips 32-byte blocks of data from i while none of their bytes
// needs a look, and returns where it stopped; skipPlain finds the byte, if
// any, eight at a time. On a long string this is 2.5 times faster than
// eight at a time all the way.
func skipClean(data []byte, i int) int {
	for ; i+32 <= len(data); i += 32 {
		b := data[i : i+32]
		if special(binary.LittleEndian.Uint64(b))|special(binary.LittleEndian.Uint64(b[8:]))|
			special(binary.LittleEndian.Uint64(b[16:]))|special(binary.LittleEndian.Uint64(b[24:])) != 0 {
			break
		}
	}
	return i
}

func skipString(data []byte, i int) (int, error) {
	start := i
	i++ // opening quote
	for {
		if i = skipPlain(data, i); i >= len(data) {
			return i, &errSyntax{start, "unterminated string"}
		}
		switch data[i] {
		case '"':
			return i + 1, nil
		case '\\':
			if i+1 >= len(data) {
				return i, &errSyntax{i, "unterminated escape"}
			}
			switch data[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if len(data)-i < 6 || !isHex(data[i+2]) || !isHex(data[i+3]) || !isHex(data[i+4]) || !isHex(data[i+5]) {
					return i, &errSyntax{i, "invalid \\u escape"}
				}
				i += 6
			default:
				return i, &errSyntax{i, "invalid escape"}
			}
		default:
			return i, &errSyntax{i, "control character in string"}
		}
	}
}

// isASCII reports whether data is all ASCII, eight bytes at a time: most
// messages are, and then they need no UTF-8 validation.
func isASCII(data []byte) bool {
	var acc uint64
	i := 0
	for ; i+32 <= len(data); i += 32 {
		b := data[i : i+32]
		acc |= binary.LittleEndian.Uint64(b) | binary.LittleEndian.Uint64(b[8:]) |
			binary.LittleEndian.Uint64(b[16:]) | binary.LittleEndian.Uint64(b[24:])
	}
	for ; i+8 <= len(data); i += 8 {
		acc |= binary.LittleEndian.Uint64(data[i : i+8])
	}
	for ; i < len(data); i++ {
		acc |= uint64(data[i])
	}
	return acc&highs == 0
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func skipNumber(data []byte, i int) (int, error) {
	start := i
	if data[i] == '-' {
		i++
	}
	switch {
	case i < len(data) && data[i] == '0':
		i++
	case i < len(data) && data[i] >= '1' && data[i] <= '9':
		for i < len(data) && isDigit(data[i]) {
			i++
		}
	default:
		return i, &errSyntax{start, "invalid number"}
	}
	if i < len(data) && data[i] == '.' {
		i++
		if i >= len(data) || !isDigit(data[i]) {
			return i, &errSyntax{start, "invalid number"}
		}
		for i < len(data) && isDigit(data[i]) {
			i++
		}
	}
	if i < len(data) && (data[i] == 'e' || data[i] == 'E') {
		i++
		if i < len(data) && (data[i] == '+' || data[i] == '-') {
			i++
		}
		if i >= len(data) || !isDigit(data[i]) {
			return i, &errSyntax{start, "invalid number"}
		}
		for i < len(data) && isDigit(data[i]) {
			i++
		}
	}
	return i, nil
}

func skipObject(data []byte, i, depth int) (int, error) {
	if depth > maxDepth {
		return i, errTooDeep
	}
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == '}' {
		return i + 1, nil
	}
	for {
		if i >= len(data) || data[i] != '"' {
			return i, &errSyntax{i, "expected object key"}
		}
		var err error
		if j := skipPlain(data, i+1); j < len(data) && data[j] == '"' {
			i = j + 1 // a name without escapes, as nearly all are
		} else if i, err = skipString(data, i); err != nil {
			return i, err
		}
		i = skipSpace(data, i)
		if i >= len(data) || data[i] != ':' {
			return i, &errSyntax{i, "expected ':'"}
		}
		if i, err = skipValue(data, skipSpace(data, i+1), depth); err != nil {
			return i, err
		}
		i = skipSpace(data, i)
		if i >= len(data) {
			return i, &errSyntax{i, "unterminated object"}
		}
		switch data[i] {
		case ',':
			i = skipSpace(data, i+1)
		case '}':
			return i + 1, nil
		default:
			return i, &errSyntax{i, "expected ',' or '}'"}
		}
	}
}

func skipArray(data []byte, i, depth int) (int, error) {
	if depth > maxDepth {
		return i, errTooDeep
	}
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == ']' {
		return i + 1, nil
	}
	for {
		var err error
		if i, err = skipValue(data, i, depth); err != nil {
			return i, err
		}
		i = skipSpace(data, i)
		if i >= len(data) {
			return i, &errSyntax{i, "unterminated array"}
		}
		switch data[i] {
		case ',':
			i = skipSpace(data, i+1)
		case ']':
			return i + 1, nil
		default:
			return i, &errSyntax{i, "expected ',' or ']'"}
		}
	}
}

// splitArray validates a JSON array and returns its elements as sub-slices
// of data.
func splitArray(data []byte) ([][]byte, error) {
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '[' {
		return nil, &errSyntax{i, "expected array"}
	}
	var elems [][]byte
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == ']' {
		return elems, trailing(data, i+1)
	}
	for {
		end, err := skipValue(data, i, 1)
		if err != nil {
			return nil, err
		}
		elems = append(elems, data[i:end:end])
		i = skipSpace(data, end)
		if i >= len(data) {
			return nil, &errSyntax{i, "unterminated array"}
		}
		switch data[i] {
		case ',':
			i = skipSpace(data, i+1)
		case ']':
			return elems, trailing(data, i+1)
		default:
			return nil, &errSyntax{i, "expected ',' or ']'"}
		}
	}
}

// trailing reports an error if anything but white space follows index i.
func trailing(data []byte, i int) error {
	if i = skipSpace(data, i); i != len(data) {
		return &errSyntax{i, "data after the value"}
	}
	return nil
}

package conn

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math/bits"
)

// This file is the package's one JSON scanner. It validates a value and
// finds where it ends without decoding it, so that reading a message's
// envelope is one pass over its bytes; params and results stay raw until a
// typed handler decodes them. encoding/json cannot take its place: it
// matches member names regardless of case ("ID" would be taken for "id",
// which JSON-RPC does not allow), and it copies every raw member it keeps.

// maxDepth bounds nesting, as encoding/json does, so that hostile input
// cannot exhaust the stack.
const maxDepth = 10000

// syntaxError reports invalid JSON. Its text is for humans; the connection
// answers every syntax error with -32700.
type syntaxError struct {
	off int
	msg string
}

func (e *syntaxError) Error() string {
	return fmt.Sprintf("invalid JSON at offset %d: %s", e.off, e.msg)
}

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
	end, err := skipValue(data, skipSpace(data, 0), 0)
	return err == nil && skipSpace(data, end) == len(data)
}

// skipSpace returns the index of the first byte at or after i that is not
// JSON white space.
func skipSpace(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
		i++
	}
	return i
}

// trailing reports an error if anything but white space follows index i.
func trailing(data []byte, i int) error {
	if i = skipSpace(data, i); i != len(data) {
		return &syntaxError{i, "data after the value"}
	}
	return nil
}

// skipValue validates the value that starts at data[i] and returns the index
// just after it.
func skipValue(data []byte, i, depth int) (int, error) {
	if i >= len(data) {
		return i, &syntaxError{i, "unexpected end of input"}
	}
	switch c := data[i]; {
	case c == '"':
		return skipString(data, i)
	case c == '{':
		return eachMember(data, i, depth+1, nil)
	case c == '[':
		return eachElement(data, i, depth+1, nil)
	case c == 't':
		return skipLiteral(data, i, "true")
	case c == 'f':
		return skipLiteral(data, i, "false")
	case c == 'n':
		return skipLiteral(data, i, "null")
	case c == '-' || c >= '0' && c <= '9':
		return skipNumber(data, i)
	}
	return i, &syntaxError{i, fmt.Sprintf("unexpected character %q", data[i])}
}

func skipLiteral(data []byte, i int, lit string) (int, error) {
	if len(data)-i < len(lit) || string(data[i:i+len(lit)]) != lit {
		return i, &syntaxError{i, "invalid literal"}
	}
	return i + len(lit), nil
}

// plain marks the bytes that stand for themselves in a string: all but
// control characters, the quote and the backslash.
var plain = func() (t [256]bool) {
	for c := 0x20; c < 256; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// skipString validates the string that starts at data[i] (its quote) and
// returns the index just after its closing quote. UTF-8 is checked apart,
// once for a whole message (see receive).
func skipString(data []byte, i int) (int, error) {
	start := i
	i++
	for {
		if i = plainEnd(data, i); i >= len(data) {
			return i, &syntaxError{start, "unterminated string"}
		}
		switch data[i] {
		case '"':
			return i + 1, nil
		case '\\':
			if i+1 >= len(data) {
				return i, &syntaxError{i, "unterminated escape"}
			}
			switch data[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if len(data)-i < 6 || !isHex(data[i+2]) || !isHex(data[i+3]) || !isHex(data[i+4]) || !isHex(data[i+5]) {
					return i, &syntaxError{i, `invalid \u escape`}
				}
				i += 6
			default:
				return i, &syntaxError{i, "invalid escape"}
			}
		default:
			return i, &syntaxError{i, "control character in string"}
		}
	}
}

// plainEnd returns the index of the first byte at or after i that plain
// does not mark, or len(data). It tests eight bytes at a time, since a long
// string (a file's text, a large param) is most of a large message: for
// each byte, "is it below n" is the borrow of x-n that x itself did not
// have (x-n &^ x, high bit), with x made zero where it is the quote or the
// backslash. A borrow may mark a byte above a marked one, never below, so
// the lowest mark is exact.
func plainEnd(data []byte, i int) int {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	for ; i+8 <= len(data); i += 8 {
		w := binary.LittleEndian.Uint64(data[i:])
		q, b := w^(ones*'"'), w^(ones*'\\')
		if m := ((q - ones) | (b - ones) | (w - ones*0x20)) &^ w & highs; m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
	}
	for i < len(data) && plain[data[i]] {
		i++
	}
	return i
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func skipDigits(data []byte, i int) int {
	for i < len(data) && isDigit(data[i]) {
		i++
	}
	return i
}

func skipNumber(data []byte, i int) (int, error) {
	start := i
	if data[i] == '-' {
		i++
	}
	switch {
	case i < len(data) && data[i] == '0':
		i++
	case i < len(data) && data[i] >= '1' && data[i] <= '9':
		i = skipDigits(data, i)
	default:
		return i, &syntaxError{start, "invalid number"}
	}
	if i < len(data) && data[i] == '.' {
		if i+1 >= len(data) || !isDigit(data[i+1]) {
			return i, &syntaxError{start, "invalid number"}
		}
		i = skipDigits(data, i+1)
	}
	if i < len(data) && (data[i] == 'e' || data[i] == 'E') {
		i++
		if i < len(data) && (data[i] == '+' || data[i] == '-') {
			i++
		}
		if i >= len(data) || !isDigit(data[i]) {
			return i, &syntaxError{start, "invalid number"}
		}
		i = skipDigits(data, i)
	}
	return i, nil
}

// eachMember validates the object that starts at data[i], calls fn (if not
// nil) with each member's name (its raw text between the quotes) and value,
// and returns the index just after the object.
func eachMember(data []byte, i, depth int, fn func(name, value []byte)) (int, error) {
	if depth > maxDepth {
		return i, errTooDeep
	}
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == '}' {
		return i + 1, nil
	}
	for {
		if i >= len(data) || data[i] != '"' {
			return i, &syntaxError{i, "expected a member name"}
		}
		nameEnd, err := skipString(data, i)
		if err != nil {
			return nameEnd, err
		}
		name := data[i+1 : nameEnd-1]
		i = skipSpace(data, nameEnd)
		if i >= len(data) || data[i] != ':' {
			return i, &syntaxError{i, "expected ':'"}
		}
		start := skipSpace(data, i+1)
		if i, err = skipValue(data, start, depth); err != nil {
			return i, err
		}
		if fn != nil {
			fn(name, data[start:i:i])
		}
		i = skipSpace(data, i)
		if i >= len(data) {
			return i, &syntaxError{i, "unterminated object"}
		}
		switch data[i] {
		case ',':
			i = skipSpace(data, i+1)
		case '}':
			return i + 1, nil
		default:
			return i, &syntaxError{i, "expected ',' or '}'"}
		}
	}
}

// eachElement validates the array that starts at data[i], calls fn (if not
// nil) with each element, stopping at the first error fn returns, and
// returns the index just after the array.
func eachElement(data []byte, i, depth int, fn func(elem []byte) error) (int, error) {
	if depth > maxDepth {
		return i, errTooDeep
	}
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == ']' {
		return i + 1, nil
	}
	for {
		start := i
		var err error
		if i, err = skipValue(data, start, depth); err != nil {
			return i, err
		}
		if fn != nil {
			if err := fn(data[start:i:i]); err != nil {
				return i, err
			}
		}
		i = skipSpace(data, i)
		if i >= len(data) {
			return i, &syntaxError{i, "unterminated array"}
		}
		switch data[i] {
		case ',':
			i = skipSpace(data, i+1)
		case ']':
			return i + 1, nil
		default:
			return i, &syntaxError{i, "expected ',' or ']'"}
		}
	}
}

// memberName returns the name of a member as eachMember gives it: the raw
// text between the quotes, decoded if it holds an escape.
func memberName(raw []byte) string {
	for _, c := range raw {
		if c == '\\' {
			var s string
			_ = json.Unmarshal(append(append([]byte{'"'}, raw...), '"'), &s)
			return s
		}
	}
	return string(raw)
}

// splitArray validates a JSON array and returns its elements.
func splitArray(data []byte) ([][]byte, error) {
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '[' {
		return nil, &syntaxError{i, "expected an array"}
	}
	var elems [][]byte
	end, err := eachElement(data, i, 1, func(e []byte) error {
		elems = append(elems, e)
		return nil
	})
	if err == nil {
		err = trailing(data, end)
	}
	return elems, err
}

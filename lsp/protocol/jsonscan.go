package protocol

// A minimal JSON scanner for deciding the variant of an or-type (see
// ortype.go) without decoding: it walks the raw bytes once. encoding/json
// has validated the data before calling UnmarshalJSON; still, each
// function reports ok=false, rather than panicking, on malformed input.

import (
	"bytes"
	"encoding/json"
)

// skipSpace returns data without leading JSON white space.
func skipSpace(data []byte) []byte {
	for len(data) > 0 && (data[0] == ' ' || data[0] == '\t' || data[0] == '\n' || data[0] == '\r') {
		data = data[1:]
	}
	return data
}

// isNull reports whether data starts with the JSON value null.
func isNull(data []byte) bool {
	return bytes.HasPrefix(skipSpace(data), []byte("null"))
}

// skipValue returns the data after the JSON value at the start of data.
func skipValue(data []byte) (rest []byte, ok bool) {
	data = skipSpace(data)
	if len(data) == 0 {
		return nil, false
	}
	switch data[0] {
	case '"':
		return skipString(data)
	case '{', '[':
		depth := 0
		for i := 0; i < len(data); i++ {
			switch data[i] {
			case '"':
				r, ok := skipString(data[i:])
				if !ok {
					return nil, false
				}
				i = len(data) - len(r) - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return data[i+1:], true
				}
			}
		}
		return nil, false
	}
	tok, rest := scanLiteral(data)
	return rest, len(tok) > 0
}

// skipString returns the data after the JSON string at the start of data.
func skipString(data []byte) (rest []byte, ok bool) {
	if len(data) == 0 || data[0] != '"' {
		return nil, false
	}
	for i := 1; i < len(data); i++ {
		switch data[i] {
		case '\\':
			i++
		case '"':
			return data[i+1:], true
		}
	}
	return nil, false
}

// readString returns the JSON string at the start of data, unquoted, and
// the data after it. The string shares data's memory unless it has escapes.
func readString(data []byte) (s, rest []byte, ok bool) {
	rest, ok = skipString(data)
	if !ok {
		return nil, nil, false
	}
	quoted := data[:len(data)-len(rest)]
	if bytes.IndexByte(quoted, '\\') < 0 {
		return quoted[1 : len(quoted)-1], rest, true
	}
	var unquoted string
	ok = json.Unmarshal(quoted, &unquoted) == nil
	return []byte(unquoted), rest, ok
}

// scanLiteral splits a number, true, false or null from the start of data.
func scanLiteral(data []byte) (tok, rest []byte) {
	for i, c := range data {
		switch c {
		case ',', ']', '}', ' ', '\t', '\r', '\n':
			return data[:i], data[i:]
		}
	}
	return data, nil
}

// eachElement calls f for each element of the JSON array at the start of
// data; f returns the data after the element. It returns the data after
// the array.
func eachElement(data []byte, f func(elem []byte) ([]byte, bool)) (rest []byte, ok bool) {
	if len(data) == 0 || data[0] != '[' {
		return nil, false
	}
	data = skipSpace(data[1:])
	if len(data) > 0 && data[0] == ']' {
		return data[1:], true
	}
	for {
		if data, ok = f(data); !ok {
			return nil, false
		}
		if data = skipSpace(data); len(data) == 0 {
			return nil, false
		}
		switch data[0] {
		case ',':
			data = data[1:]
		case ']':
			return data[1:], true
		default:
			return nil, false
		}
	}
}

// eachMember calls f for each member of the JSON object at the start of
// data, with its unquoted name; f returns the data after the value. It
// returns the data after the object.
func eachMember(data []byte, f func(name, value []byte) ([]byte, bool)) (rest []byte, ok bool) {
	if len(data) == 0 || data[0] != '{' {
		return nil, false
	}
	data = skipSpace(data[1:])
	if len(data) > 0 && data[0] == '}' {
		return data[1:], true
	}
	for {
		name, after, ok := readString(skipSpace(data))
		if !ok {
			return nil, false
		}
		if after = skipSpace(after); len(after) == 0 || after[0] != ':' {
			return nil, false
		}
		if data, ok = f(name, skipSpace(after[1:])); !ok {
			return nil, false
		}
		if data = skipSpace(data); len(data) == 0 {
			return nil, false
		}
		switch data[0] {
		case ',':
			data = data[1:]
		case '}':
			return data[1:], true
		default:
			return nil, false
		}
	}
}

package conn

import (
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"unicode/utf8"
)

// This file writes the JSON of outgoing messages by hand: the envelope is
// fixed, so appending its pieces to a reused buffer beats reflection.

// bufPool holds buffers for outgoing messages; a buffer goes back once the
// frame that used it has been written.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

func getBuf() *[]byte { return bufPool.Get().(*[]byte) }

// maxPooledBuf is the largest buffer that goes back to bufPool. It is a few
// MiB, so that a stream of large messages (a 1 MiB file's text) reuses its
// buffers: a new one each time would cost the allocation, page faults and
// zeroing of fresh memory, and garbage that the GC must collect — several
// times the cost of encoding the message. The pool lets go of what it holds
// within two garbage collections.
const maxPooledBuf = 4 << 20

func putBuf(b *[]byte) {
	if cap(*b) > maxPooledBuf {
		return // let big ones go, so that one large message does not pin memory
	}
	*b = (*b)[:0]
	bufPool.Put(b)
}

// appendString appends s as a JSON string. Bytes that are not valid UTF-8
// become U+FFFD, so that what we send is valid UTF-8 whatever we were given.
func appendString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i++
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// encodeValue returns v as JSON. A json.RawMessage is used as it is once
// checked, so that a handler can hand back bytes it already has.
func encodeValue(v any) ([]byte, error) {
	switch v := v.(type) {
	case nil:
		return []byte("null"), nil
	case json.RawMessage:
		if v == nil {
			return []byte("null"), nil
		}
		if !validJSON(v) || !utf8.Valid(v) {
			return nil, fmt.Errorf("invalid JSON in json.RawMessage (%d bytes)", len(v))
		}
		return v, nil
	}
	return json.Marshal(v)
}

const version = `{"jsonrpc":"2.0"`

// appendResult appends a success response.
func appendResult(dst []byte, id ID, result []byte) []byte {
	dst = append(dst, version...)
	dst = appendID(dst, id)
	dst = append(dst, `,"result":`...)
	dst = append(dst, result...)
	return append(dst, '}')
}

// appendError appends an error response.
func appendError(dst []byte, id ID, e *Error) []byte {
	dst = append(dst, version...)
	dst = appendID(dst, id)
	dst = append(dst, `,"error":{"code":`...)
	dst = strconv.AppendInt(dst, e.Code, 10)
	dst = append(dst, `,"message":`...)
	dst = appendString(dst, e.Message)
	if len(e.Data) > 0 {
		dst = append(dst, `,"data":`...)
		if validJSON(e.Data) && utf8.Valid(e.Data) {
			dst = append(dst, e.Data...)
		} else {
			dst = appendString(dst, string(e.Data))
		}
	}
	return append(dst, '}', '}')
}

// appendRequest appends a request (with an id) or a notification (without).
// params is raw JSON or nil.
func appendRequest(dst []byte, id ID, method string, params []byte) []byte {
	dst = append(dst, version...)
	if id.IsValid() {
		dst = appendID(dst, id)
	}
	dst = append(dst, `,"method":`...)
	dst = appendString(dst, method)
	if params != nil {
		dst = append(dst, `,"params":`...)
		dst = append(dst, params...)
	}
	return append(dst, '}')
}

// appendID appends the id member; a response to a message whose id could
// not be read carries null.
func appendID(dst []byte, id ID) []byte {
	dst = append(dst, `,"id":`...)
	if !id.IsValid() {
		return append(dst, "null"...)
	}
	return append(dst, id.raw...)
}

// encodeParams returns params as raw JSON, or nil for none. Params must
// encode to an object or an array, as JSON-RPC requires.
func encodeParams(params any) ([]byte, error) {
	if params == nil {
		return nil, nil
	}
	b, err := encodeValue(params)
	if err != nil {
		return nil, err
	}
	switch kindOf(b[skipSpace(b, 0):]) {
	case kindObject, kindArray:
		return b, nil
	case kindNull:
		return nil, nil
	}
	return nil, fmt.Errorf("params must encode to a JSON object or array, not %.20s", b)
}

package conn

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"unicode/utf8"
)

// This file is the wire format: ids, the envelope of a message read (parse,
// classify) and of one written (the append functions).

// ID is a request id: a JSON number, a JSON string, or null. It keeps the
// exact JSON text the peer sent, so that the reply echoes it byte for byte
// (negative, large, fractional and string ids alike). The zero ID is "no id":
// the id of a notification.
type ID struct {
	raw string // JSON text; "" for no id
}

// Int64ID returns the ID for the number n.
func Int64ID(n int64) ID { return ID{strconv.FormatInt(n, 10)} }

// StringID returns the ID for the string s.
func StringID(s string) ID { return ID{string(appendString(nil, s))} }

// IsValid reports whether the ID is present, that is, whether it belongs to
// a request rather than a notification. An explicit null id is present.
func (id ID) IsValid() bool { return id.raw != "" }

// String returns the ID's JSON text, or "" for no id.
func (id ID) String() string { return id.raw }

// MarshalJSON returns the ID's JSON text; no id is written as null.
func (id ID) MarshalJSON() ([]byte, error) {
	if id.raw == "" {
		return []byte("null"), nil
	}
	return []byte(id.raw), nil
}

// UnmarshalJSON accepts a JSON number, string or null.
func (id *ID) UnmarshalJSON(data []byte) error {
	v, ok := parseID(data)
	if !ok {
		return &json.UnmarshalTypeError{Value: string(data), Type: reflect.TypeFor[ID]()}
	}
	*id = v
	return nil
}

// key returns a form of the ID in which two spellings of one string compare
// equal ("a" and "\u0061"): the key of the in-flight map.
func (id ID) key() string {
	if len(id.raw) > 0 && id.raw[0] == '"' && bytes.IndexByte([]byte(id.raw), '\\') >= 0 {
		var s string
		if json.Unmarshal([]byte(id.raw), &s) == nil {
			return string(appendString(nil, s))
		}
	}
	return id.raw
}

// parseID validates raw JSON as an id and returns it.
func parseID(raw []byte) (ID, bool) {
	i := skipSpace(raw, 0)
	end, err := skipValue(raw, i, 0)
	if err != nil || trailing(raw, end) != nil {
		return ID{}, false
	}
	v := raw[i:end]
	switch kindOf(v) {
	case kindNumber, kindNull:
		return ID{string(v)}, true
	case kindString:
		if !utf8.Valid(v) { // keep what we echo valid UTF-8
			var s string
			_ = json.Unmarshal(v, &s)
			return StringID(s), true
		}
		return ID{string(v)}, true
	}
	return ID{}, false
}

// Request is a request or a notification, as a handler sees it.
type Request struct {
	// ID is the request's id; it is not valid (IsValid reports false) for a
	// notification.
	ID ID
	// Method is the name of the method to invoke.
	Method string
	// Params holds the parameters as raw JSON (an object or an array), or
	// nil when the message had none. The handler owns it.
	Params json.RawMessage
}

// IsNotification reports whether the message is a notification, which is
// never answered.
func (r *Request) IsNotification() bool { return !r.ID.IsValid() }

// envelope is the top level of one message: the raw members that JSON-RPC
// defines, found in one pass and not yet decoded.
type envelope struct {
	version, method, id, params, result, err []byte
	hasID, object                            bool
}

// parseEnvelope reads the members of one message. A syntax error means
// the message is not JSON at all (-32700); a value that is not an object
// gives an envelope with object unset, which classify rejects (-32600).
func parseEnvelope(data []byte) (envelope, error) {
	var env envelope
	i := skipSpace(data, 0)
	if i < len(data) && data[i] == '{' {
		env.object = true
		end, err := eachMember(data, i, 1, env.set)
		if err != nil {
			return env, err
		}
		return env, trailing(data, end)
	}
	end, err := skipValue(data, i, 0)
	if err == nil {
		err = trailing(data, end)
	}
	return env, err
}

// set records one member; others are ignored, and a repeated member's last
// value wins, as with encoding/json.
func (env *envelope) set(name, value []byte) {
	n := string(name) // no allocation: compared only
	if bytes.IndexByte(name, '\\') >= 0 {
		n = memberName(name)
	}
	switch n {
	case "jsonrpc":
		env.version = value
	case "id":
		env.id, env.hasID = value, true
	case "method":
		env.method = value
	case "params":
		env.params = value
	case "result":
		env.result = value
	case "error":
		env.err = value
	}
}

// msgKind is what a message is, once classified.
type msgKind int

const (
	msgInvalid msgKind = iota
	msgRequest
	msgNotification
	msgResponse
)

// classify applies the JSON-RPC 2.0 rules to an envelope. For a request or a
// notification it returns the Request; for an invalid message, the error to
// answer with and the id to answer to (null when the id itself is bad).
// Method names are interned in names (see methodName), which may be nil.
func (env *envelope) classify(names map[string]string) (msgKind, Request, *Error) {
	var req Request
	if !env.object {
		return msgInvalid, req, invalidRequest("a message must be a JSON object")
	}
	if env.hasID {
		if k := kindOf(env.id); k != kindNumber && k != kindString && k != kindNull {
			return msgInvalid, req, invalidRequest(`"id" must be a string, a number or null`)
		}
		if env.method == nil && (env.result != nil || env.err != nil) {
			// A reply. Its "jsonrpc" member is not checked: answering a
			// sloppy reply with an error would only confuse the peer.
			return msgResponse, req, nil
		}
		req.ID, _ = parseID(env.id)
	}
	if string(env.version) != `"2.0"` {
		return msgInvalid, req, invalidRequest(`"jsonrpc" must be "2.0"`)
	}
	if kindOf(env.method) != kindString {
		if env.method == nil {
			return msgInvalid, req, invalidRequest(`no "method"`)
		}
		return msgInvalid, req, invalidRequest(`"method" must be a string`)
	}
	req.Method = methodName(env.method, names)
	switch kindOf(env.params) {
	case kindInvalid, kindNull:
		// Absent, or null, which some clients send for "no params".
	case kindObject, kindArray:
		req.Params = env.params
	default:
		return msgInvalid, req, invalidRequest(`"params" must be an object or an array`)
	}
	if env.hasID {
		return msgRequest, req, nil
	}
	return msgNotification, req, nil
}

// maxMethodNames bounds the names interned, whatever names a peer makes up.
const maxMethodNames = 256

// methodName returns the method named by a JSON string literal, the same
// string for the same name: a session uses a handful of names, and a
// message then needs no string of its own for its method.
func methodName(lit []byte, names map[string]string) string {
	if name, ok := names[string(lit)]; ok {
		return name
	}
	name := decodeString(lit)
	if names != nil && len(names) < maxMethodNames {
		names[string(lit)] = name
	}
	return name
}

// decodeString returns the Go string for a valid JSON string literal.
func decodeString(lit []byte) string {
	body := lit[1 : len(lit)-1]
	if bytes.IndexByte(body, '\\') < 0 {
		return string(body)
	}
	var s string
	_ = json.Unmarshal(lit, &s)
	return s
}

// The encoding side. A message is built by appending to a byte slice.

// appendString appends s as a JSON string. Invalid UTF-8 becomes U+FFFD, so
// that what we send is valid whatever we were given.
func appendString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				dst = append(append(dst, s[start:i]...), `\ufffd`...)
				i++
				start = i
				continue
			}
			i += size
			continue
		}
		if plain[c] {
			i++
			continue
		}
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
	}
	return append(append(dst, s[start:]...), '"')
}

// encodeValue encodes a result or params. A json.RawMessage is sent as it
// is, once checked: the connection never sends invalid JSON.
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

// encodeParams encodes params, which must be nil or encode to an object or
// an array (or null, taken as none).
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

const version = `{"jsonrpc":"2.0"`

// appendResult appends a success reply.
func appendResult(dst []byte, id ID, result []byte) []byte {
	dst = slices.Grow(dst, len(version)+len(`,"id":,"result":}`)+len(id.raw)+len(result))
	dst = append(appendID(append(dst, version...), id), `,"result":`...)
	return append(append(dst, result...), '}')
}

// appendError appends an error reply. Data that is not valid JSON is sent
// as a string.
func appendError(dst []byte, id ID, e *Error) []byte {
	dst = append(appendID(append(dst, version...), id), `,"error":{"code":`...)
	dst = strconv.AppendInt(dst, e.Code, 10)
	dst = appendString(append(dst, `,"message":`...), e.Message)
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

// appendRequest appends a request, or a notification if id is not valid.
func appendRequest(dst []byte, id ID, method string, params []byte) []byte {
	dst = slices.Grow(dst, len(version)+len(`,"id":,"method":"","params":}`)+len(id.raw)+len(method)+len(params))
	dst = append(dst, version...)
	if id.IsValid() {
		dst = appendID(dst, id)
	}
	dst = appendString(append(dst, `,"method":`...), method)
	if params != nil {
		dst = append(append(dst, `,"params":`...), params...)
	}
	return append(dst, '}')
}

func appendID(dst []byte, id ID) []byte {
	dst = append(dst, `,"id":`...)
	if !id.IsValid() {
		return append(dst, "null"...)
	}
	return append(dst, id.raw...)
}

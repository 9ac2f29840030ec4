package conn

import (
	"encoding/json"
	"reflect"
	"strconv"
	"unicode/utf8"
)

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
// equal ("a" and "\u0061"), for finding a request by the id a cancellation
// names.
func (id ID) key() string {
	if len(id.raw) > 0 && id.raw[0] == '"' {
		for i := 0; i < len(id.raw); i++ {
			if id.raw[i] == '\\' {
				var s string
				if json.Unmarshal([]byte(id.raw), &s) == nil {
					return string(appendString(nil, s))
				}
				break
			}
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
		if !utf8.Valid(v) {
			// Keep our output valid UTF-8 whatever came in.
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

// envelope is the top level of one message: raw slices of the members that
// JSON-RPC defines, found in one pass and not yet decoded.
type envelope struct {
	version, method, id, params, result, err []byte
	hasID, object                            bool
}

// parse reads the members of a message object into env, which is zero. A
// syntax error means the message is not JSON at all (-32700); a non-object
// leaves the envelope with nothing in it, which classify rejects (-32600).
// (A method filling the caller's envelope, rather than a function returning
// one, saves copying it on every message.)
func (env *envelope) parse(data []byte) error {
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		end, err := skipValue(data, i, 0)
		if err == nil {
			err = trailing(data, end)
		}
		return err
	}
	env.object = true
	if i == 0 && len(data) > len(versionMember) && string(data[:len(versionMember)]) == versionMember {
		// How nearly every sender starts: the version member, without
		// white space, and another member after it.
		env.version = data[len(`{"jsonrpc":`) : len(versionMember)-1 : len(versionMember)-1]
		i = skipSpace(data, len(versionMember))
	} else {
		i = skipSpace(data, i+1)
		if i < len(data) && data[i] == '}' {
			return trailing(data, i+1)
		}
	}
	for {
		if i >= len(data) || data[i] != '"' {
			return &errSyntax{i, "expected object key"}
		}
		key, kend, err := scanKey(data, i)
		if err != nil {
			return err
		}
		i = skipSpace(data, kend)
		if i >= len(data) || data[i] != ':' {
			return &errSyntax{i, "expected ':'"}
		}
		vstart := skipSpace(data, i+1)
		vend, err := skipValue(data, vstart, 1)
		if err != nil {
			return err
		}
		env.set(key, data[vstart:vend:vend])
		i = skipSpace(data, vend)
		if i >= len(data) {
			return &errSyntax{i, "unterminated object"}
		}
		switch data[i] {
		case ',':
			i = skipSpace(data, i+1)
		case '}':
			return trailing(data, i+1)
		default:
			return &errSyntax{i, "expected ',' or '}'"}
		}
	}
}

// versionMember is how a message starts that puts the version first, as
// nearly every sender does: parse takes it in one compare.
const versionMember = `{"jsonrpc":"2.0",`

// scanKey reads the member name that starts at data[i] and returns it,
// decoded, and the index just after it. Names almost never hold escapes:
// one that has none is the bytes between its quotes.
func scanKey(data []byte, i int) (key []byte, end int, err error) {
	if j := skipPlain(data, i+1); j < len(data) && data[j] == '"' {
		return data[i+1 : j], j + 1, nil
	}
	if end, err = skipString(data, i); err != nil {
		return nil, end, err
	}
	return unescapeKey(data[i+1 : end-1]), end, nil
}

// set records one member; unknown members are ignored, and a repeated
// member's last value wins, as with encoding/json.
func (env *envelope) set(key, value []byte) {
	// By length first: then each compare is of a few bytes, inline.
	switch len(key) {
	case 2:
		if string(key) == "id" {
			env.id, env.hasID = value, true
		}
	case 5:
		if string(key) == "error" {
			env.err = value
		}
	case 6:
		switch string(key) {
		case "method":
			env.method = value
		case "params":
			env.params = value
		case "result":
			env.result = value
		}
	case 7:
		if string(key) == "jsonrpc" {
			env.version = value
		}
	}
}

// unescapeKey decodes a member name that holds an escape.
func unescapeKey(key []byte) []byte {
	for _, c := range key {
		if c == '\\' {
			var s string
			quoted := append(append([]byte{'"'}, key...), '"')
			if json.Unmarshal(quoted, &s) == nil {
				return []byte(s)
			}
			return key
		}
	}
	return key
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
// notification it fills req; for an invalid message it returns the error to
// answer with and the id to answer to (null when the id itself is bad).
// The method's name is interned in names (which may be nil).
func (env *envelope) classify(req *Request, names *methodNames) (msgKind, *Error) {
	if !env.object {
		return msgInvalid, invalidRequest("a message must be a JSON object")
	}
	if env.hasID {
		// env.id is one valid JSON value already, so its first byte tells
		// whether it may be an id, as parseID would.
		if k := kindOf(env.id); k != kindNumber && k != kindString && k != kindNull {
			return msgInvalid, invalidRequest(`"id" must be a string, a number or null`)
		}
		if env.method == nil && (env.result != nil || env.err != nil) {
			// A reply. Its "jsonrpc" member is not checked: answering a
			// sloppy reply with an error would only confuse the peer. Its id
			// stays in env.id, where deliver reads it without a copy.
			return msgResponse, nil
		}
		req.ID, _ = parseID(env.id)
	}
	if string(env.version) != `"2.0"` {
		return msgInvalid, invalidRequest(`"jsonrpc" must be "2.0"`)
	}
	if env.method == nil {
		return msgInvalid, invalidRequest(`no "method"`)
	}
	if kindOf(env.method) != kindString {
		return msgInvalid, invalidRequest(`"method" must be a string`)
	}
	req.Method = names.name(env.method)
	switch kindOf(env.params) {
	case kindInvalid, kindNull:
		// Absent, or null, which some clients send for "no params".
	case kindObject, kindArray:
		req.Params = env.params
	default:
		return msgInvalid, invalidRequest(`"params" must be an object or an array`)
	}
	if env.hasID {
		return msgRequest, nil
	}
	return msgNotification, nil
}

// methodNames interns the names of methods, so that reading a message does
// not allocate its method's name: a handful of names serve a whole session.
// It maps a name's JSON literal to the name, and remembers the last one
// looked up, which a flood of one method finds without the map. Only the
// read path uses it.
type methodNames struct {
	byLit map[string]internedName
	last  internedName
}

// internedName is a method name and the JSON literal it was read from.
type internedName struct{ lit, name string }

// maxMethodNames bounds a methodNames, whatever names a peer makes up.
const maxMethodNames = 256

// name returns the method name of a JSON string literal.
func (m *methodNames) name(lit []byte) string {
	if string(lit) == m.last.lit { // string(lit) here does not allocate
		return m.last.name
	}
	n, ok := m.byLit[string(lit)]
	if !ok {
		n = internedName{string(lit), decodeString(lit)}
		if m.byLit == nil {
			m.byLit = make(map[string]internedName)
		}
		if len(m.byLit) < maxMethodNames {
			m.byLit[n.lit] = n
		}
	}
	m.last = n
	return n.name
}

// decodeString returns the Go string for a JSON string literal.
func decodeString(lit []byte) string {
	body := lit[1 : len(lit)-1]
	for _, c := range body {
		if c == '\\' {
			var s string
			_ = json.Unmarshal(lit, &s)
			return s
		}
	}
	return string(body)
}

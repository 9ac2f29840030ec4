package conn

import (
	"bytes"
	"encoding/json"
	"testing"
	"unicode/utf8"
)

// fuzzSeeds are inputs for the fuzz targets of this package, besides the
// corpus in testdata/fuzz.
var fuzzSeeds = []string{
	`{"jsonrpc":"2.0","method":"subtract","params":[42,23],"id":1}`,
	`{"jsonrpc":"2.0","method":"update","params":[1,2,3,4,5]}`,
	`{"jsonrpc":"2.0","id":1,"result":19}`,
	`{"jsonrpc":"2.0","id":"x","error":{"code":-32601,"message":"m","data":[1]}}`,
	`[{"jsonrpc":"2.0","method":"sum","params":[1,2,4],"id":"1"},{"foo":"boo"},1]`,
	`{"jsonrpc":"2.0","\u006dethod":"a\u0062c","id":-1.5e-3,"params":{}}`,
	`{"jsonrpc":"2.0","method":"m","method":1,"id":null}`,
	`{"jsonrpc": "2.0", "method": "foobar, "params": "bar", "baz]`,
	"{\"jsonrpc\":\"2.0\",\"method\":\"\xff\",\"id\":\"\xfe\"}",
	` [ ] `, `[[[[]]]]`, `{}`, `""`, `-0`, `1e400`, `tru`, `nul`, `"\u12"`,
}

// FuzzEnvelope checks the hand-written JSON scanner against encoding/json:
// parseEnvelope, classify, splitArray and parseID never panic; they accept
// exactly the input encoding/json calls valid; and what classify makes of a
// message agrees with what encoding/json decodes.
func FuzzEnvelope(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		valid := json.Valid(data)
		if got := validJSON(data); got != valid {
			t.Fatalf("validJSON(%q) = %v, json.Valid = %v", data, got, valid)
		}
		if i := skipSpace(data, 0); i < len(data) {
			if end, err := skipValue(data, i, 0); err == nil && !json.Valid(data[i:end]) {
				t.Fatalf("skipValue accepted %q, which is not valid JSON", data[i:end])
			}
		}
		checkSplitArray(t, data, valid)
		checkParseID(t, data, valid)
		env, err := parseEnvelope(data)
		if (err == nil) != valid {
			t.Fatalf("parseEnvelope(%q): err %v, but json.Valid = %v", data, err, valid)
		}
		if err != nil {
			return
		}
		kind, req, bad := env.classify(nil)
		checkClassify(t, data, kind, bad, &req)
	})
}

// checkSplitArray checks splitArray against decoding into []json.RawMessage.
func checkSplitArray(t *testing.T, data []byte, valid bool) {
	elems, err := splitArray(data)
	i := skipSpace(data, 0)
	isArray := valid && i < len(data) && data[i] == '['
	if err != nil {
		if isArray {
			t.Fatalf("splitArray(%q): %v, but it is a valid array", data, err)
		}
		return
	}
	var want []json.RawMessage
	if !isArray || json.Unmarshal(data, &want) != nil {
		t.Fatalf("splitArray accepted %q, which is not a valid array", data)
	}
	if len(elems) != len(want) {
		t.Fatalf("splitArray(%q): %d elements, encoding/json %d", data, len(elems), len(want))
	}
	for i, e := range elems {
		if !json.Valid(e) || !bytes.Equal(bytes.TrimSpace(e), bytes.TrimSpace(want[i])) {
			t.Fatalf("splitArray(%q): element %d is %q, want %q", data, i, e, want[i])
		}
	}
}

// checkParseID checks parseID: it takes a number, a string or null, and
// what it keeps is valid UTF-8 JSON of that value.
func checkParseID(t *testing.T, data []byte, valid bool) {
	id, ok := parseID(data)
	if !ok {
		return
	}
	if !valid {
		t.Fatalf("parseID accepted invalid JSON %q", data)
	}
	raw := []byte(id.String())
	switch kindOf(raw) {
	case kindNumber, kindString, kindNull:
	default:
		t.Fatalf("parseID(%q) = %s, not a number, string or null", data, raw)
	}
	if !json.Valid(raw) || !utf8.Valid(raw) {
		t.Fatalf("parseID(%q) = %q, not valid UTF-8 JSON", data, raw)
	}
	var a, b any
	if kindOf(raw) == kindString && utf8.Valid(data) && (json.Unmarshal(raw, &a) != nil || json.Unmarshal(data, &b) != nil || a != b) {
		t.Fatalf("parseID(%q) = %s: %v, want %v", data, raw, a, b)
	}
	if id.key() == "" {
		t.Fatalf("parseID(%q): empty key", data)
	}
}

// checkClassify checks classify's verdict on valid JSON against what
// encoding/json decodes.
func checkClassify(t *testing.T, data []byte, kind msgKind, bad *Error, req *Request) {
	if kind == msgInvalid {
		if bad == nil || bad.Code != CodeInvalidRequest || bad.Message == "" {
			t.Fatalf("classify(%q): invalid, with %v", data, bad)
		}
		return
	}
	if bad != nil {
		t.Fatalf("classify(%q): kind %v with error %v", data, kind, bad)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("classify(%q) = %v, but it is not an object: %v", data, kind, err)
	}
	_, hasID := m["id"]
	_, hasMethod := m["method"]
	switch kind {
	case msgResponse:
		_, hasResult := m["result"]
		_, hasError := m["error"]
		if !hasID || hasMethod || !hasResult && !hasError {
			t.Fatalf("classify(%q) = response", data)
		}
		return
	case msgRequest:
		if !hasID || !req.ID.IsValid() {
			t.Fatalf("classify(%q) = request, without an id", data)
		}
	case msgNotification:
		if hasID || req.ID.IsValid() {
			t.Fatalf("classify(%q) = notification, with an id", data)
		}
	}
	var version string
	if json.Unmarshal(m["jsonrpc"], &version) != nil || version != "2.0" {
		t.Fatalf("classify(%q) = %v, with jsonrpc %s", data, kind, m["jsonrpc"])
	}
	var method string
	if err := json.Unmarshal(m["method"], &method); err != nil {
		t.Fatalf("classify(%q) = %v, with method %s", data, kind, m["method"])
	}
	if utf8.Valid(data) && method != req.Method {
		t.Fatalf("classify(%q): method %q, encoding/json %q", data, req.Method, method)
	}
	if req.Params != nil && kindOf(req.Params) != kindObject && kindOf(req.Params) != kindArray {
		t.Fatalf("classify(%q): params %q", data, req.Params)
	}
}

// TestScannerAgreesWithEncodingJSON runs the fuzz checks on inputs chosen by
// hand, including nesting at and past the depth limit.
func TestScannerAgreesWithEncodingJSON(t *testing.T) {
	inputs := append([]string{}, fuzzSeeds...)
	inputs = append(inputs,
		string(bytes.Repeat([]byte("["), maxDepth))+string(bytes.Repeat([]byte("]"), maxDepth)),
		string(bytes.Repeat([]byte("["), maxDepth+1))+string(bytes.Repeat([]byte("]"), maxDepth+1)),
		`{"a":`+string(bytes.Repeat([]byte("["), maxDepth-1))+string(bytes.Repeat([]byte("]"), maxDepth-1))+`}`,
		`{"a":`+string(bytes.Repeat([]byte("["), maxDepth))+string(bytes.Repeat([]byte("]"), maxDepth))+`}`,
		"\"\x01\"", `"\/\b\f\n\r\t\u00e9"`, `01`, `1.`, `1.e1`, `-`, `1e`, `1e+`, `[1,]`, `{"a":1,}`, `{"a" 1}`, `{1:1}`,
		"\t\n\r [1 , 2 ]\t\n\r ", `"\ud800"`, `{"jsonrpc":"2.0","method":"m","params":"p","id":1}`,
	)
	for _, in := range inputs {
		data := []byte(in)
		valid := json.Valid(data)
		if validJSON(data) != valid {
			t.Errorf("validJSON(%.40q) = %v, json.Valid = %v", in, !valid, valid)
		}
		if _, err := parseEnvelope(data); (err == nil) != valid {
			t.Errorf("parseEnvelope(%.40q): %v, json.Valid = %v", in, err, valid)
		}
		checkSplitArray(t, data, valid)
		checkParseID(t, data, valid)
	}
}

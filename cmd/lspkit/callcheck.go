package main

// This file is what `lspkit call` checks in every reply: that it is a
// JSON-RPC 2.0 response, to the request sent, with the id sent (type
// included), and, over HTTP, that the status and Content-Type agree with
// the body. Each problem is a plain sentence.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"strings"
)

// response is a reply as received, its members kept raw; a member that is
// absent is nil, one that is null is "null".
type response struct {
	raw     json.RawMessage
	id      json.RawMessage
	result  json.RawMessage
	errObj  json.RawMessage
	jsonrpc json.RawMessage
	method  json.RawMessage // set on a message of the server's own
}

// isError reports whether the reply carries an error object.
func (r *response) isError() bool { return r.errObj != nil }

// parseReply splits a message that is one JSON object into its members.
func parseReply(raw []byte) (*response, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil, fmt.Errorf("it is empty")
	}
	if !json.Valid(raw) {
		return nil, fmt.Errorf("it is not JSON: %s", snippet(raw))
	}
	if raw[0] != '{' {
		return nil, fmt.Errorf("it is %s, not a JSON object: %s", jsonKind(raw), snippet(raw))
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("it is not a JSON object: %w", err)
	}
	return &response{raw: raw, id: m["id"], result: m["result"], errObj: m["error"], jsonrpc: m["jsonrpc"], method: m["method"]}, nil
}

// isServerMsg reports whether raw is a request or notification of the
// server's own rather than a reply: a JSON object with a "method".
func isServerMsg(raw []byte) bool {
	r, err := parseReply(raw)
	return err == nil && r.method != nil
}

// checkResponse checks the envelope of one response: "jsonrpc": "2.0", an
// id, exactly one of result and error, and an error object's members. It
// does not check which id.
func checkResponse(r *response) []string {
	var problems []string
	switch {
	case r.jsonrpc == nil:
		problems = append(problems, `"jsonrpc" is missing: a JSON-RPC 2.0 reply has "jsonrpc": "2.0"`)
	case string(r.jsonrpc) != `"2.0"`:
		problems = append(problems, fmt.Sprintf(`"jsonrpc" is %s, not "2.0"`, r.jsonrpc))
	}
	if r.id == nil {
		problems = append(problems, `"id" is missing: a reply repeats the id of its request`)
	}
	switch {
	case r.result != nil && r.errObj != nil:
		problems = append(problems, `it has both "result" and "error": a reply has exactly one`)
	case r.result == nil && r.errObj == nil:
		problems = append(problems, `it has neither "result" nor "error": a reply has exactly one`)
	case r.errObj != nil:
		problems = append(problems, checkErrorObject(r.errObj)...)
	}
	return problems
}

// checkErrorObject checks an error member: an object with an integer
// "code" and a string "message".
func checkErrorObject(raw json.RawMessage) []string {
	var e map[string]json.RawMessage
	if bytes.TrimSpace(raw)[0] != '{' || json.Unmarshal(raw, &e) != nil {
		return []string{fmt.Sprintf(`"error" is %s, not an object with "code" and "message"`, jsonKind(raw))}
	}
	var problems []string
	var code json.Number
	switch c, ok := e["code"]; {
	case !ok:
		problems = append(problems, `the error has no "code"`)
	case json.Unmarshal(c, &code) != nil:
		problems = append(problems, fmt.Sprintf(`the error's "code" is %s, not an integer`, jsonKind(c)))
	default:
		if _, err := code.Int64(); err != nil {
			problems = append(problems, fmt.Sprintf(`the error's "code" is %s, not an integer`, c))
		}
	}
	var msg string
	switch m, ok := e["message"]; {
	case !ok:
		problems = append(problems, `the error has no "message"`)
	case json.Unmarshal(m, &msg) != nil:
		problems = append(problems, fmt.Sprintf(`the error's "message" is %s, not a string`, jsonKind(m)))
	}
	return problems
}

// checkID says how got, a reply's id, differs from want, the id sent.
// Ids are compared as JSON values of the same type: "1" is not 1.
func checkID(got, want json.RawMessage) string {
	if got == nil || idEqual(got, want) {
		return ""
	}
	if string(got) == "null" {
		return fmt.Sprintf(`"id" is null, but the request's id was %s: a server replies with id null only when it cannot read the request's id`, want)
	}
	if jsonKind(got) != jsonKind(want) {
		return fmt.Sprintf(`"id" is %s (%s), but the request's id was %s (%s)`, got, jsonKind(got), want, jsonKind(want))
	}
	return fmt.Sprintf(`"id" is %s, but the request's id was %s`, got, want)
}

// idEqual reports whether two ids are the same JSON value, compared as
// compacted JSON.
func idEqual(a, b json.RawMessage) bool {
	return compactJSON(a) == compactJSON(b)
}

func compactJSON(raw []byte) string {
	var buf bytes.Buffer
	if json.Compact(&buf, raw) != nil {
		return string(raw)
	}
	return buf.String()
}

// jsonKind names the type of a JSON value: "a string", "a number"...
func jsonKind(raw []byte) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '"':
		return "a string"
	case '{':
		return "an object"
	case '[':
		return "an array"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

// snippet is the start of a message, for problem statements.
func snippet(b []byte) string {
	const n = 200
	s := strings.TrimSpace(string(b))
	if len(s) > n {
		return fmt.Sprintf("%s… (%d bytes)", s[:n], len(s))
	}
	return s
}

// batchCall is a call of a batch, as checkBatch sees it: its id (nil for
// a notification) and its method.
type batchCall struct {
	id     json.RawMessage
	method string
}

// checkBatch matches the elements of a batch reply to the calls of the
// batch. It returns each request's reply by index (nil where there is
// none) and the problems: not an array, an element that is not a valid
// reply, an id answered twice, an id that matches no request (an answered
// notification among them), a request without a reply.
func checkBatch(raw []byte, calls []batchCall) ([]*response, []string) {
	replies := make([]*response, len(calls))
	raw = bytes.TrimSpace(raw)
	if !json.Valid(raw) {
		return replies, []string{fmt.Sprintf("the reply to the batch is not JSON: %s", snippet(raw))}
	}
	if raw[0] != '[' {
		p := fmt.Sprintf("the reply to the batch is %s, not an array of replies", jsonKind(raw))
		if r, err := parseReply(raw); err == nil && r.isError() {
			p += " (an error reply for the whole batch: does the server take batches?)"
		}
		return replies, []string{p}
	}
	var elems []json.RawMessage
	if err := json.Unmarshal(raw, &elems); err != nil {
		return replies, []string{fmt.Sprintf("the reply to the batch is not an array: %v", err)}
	}
	var problems []string
	if len(elems) == 0 {
		problems = append(problems, "the reply to the batch is an empty array: the spec says to send nothing rather than []")
	}
	for i, el := range elems {
		r, err := parseReply(el)
		if err != nil {
			problems = append(problems, fmt.Sprintf("element %d of the reply: %v", i+1, err))
			continue
		}
		for _, p := range checkResponse(r) {
			problems = append(problems, fmt.Sprintf("element %d of the reply: %s", i+1, p))
		}
		if r.id == nil {
			continue
		}
		match := -1
		for j, c := range calls {
			if c.id != nil && idEqual(c.id, r.id) {
				match = j
				break
			}
		}
		switch {
		case match < 0 && string(r.id) == "null":
			problems = append(problems, fmt.Sprintf("element %d of the reply has id null, which matches no request of the batch", i+1))
		case match < 0:
			problems = append(problems, fmt.Sprintf("element %d of the reply has id %s, which matches no request of the batch%s", i+1, r.id, typeHint(r.id, calls)))
		case replies[match] != nil:
			problems = append(problems, fmt.Sprintf("id %s is answered twice", r.id))
		default:
			replies[match] = r
		}
	}
	for j, c := range calls {
		if c.id != nil && replies[j] == nil {
			problems = append(problems, fmt.Sprintf("call %d (%q, id %s) got no reply in the batch", j+1, c.method, c.id))
		}
	}
	return replies, problems
}

// typeHint explains an id that matches a request's id in value but not
// type, or that may answer a notification.
func typeHint(id json.RawMessage, calls []batchCall) string {
	for _, c := range calls {
		if c.id != nil && strings.Trim(compactJSON(c.id), `"`) == strings.Trim(compactJSON(id), `"`) {
			return fmt.Sprintf(" (%s is %s, the request's id %s is %s)", id, jsonKind(id), c.id, jsonKind(c.id))
		}
	}
	return " (was a notification answered?)"
}

// checkHTTP checks an HTTP response against its body: a body is JSON with
// Content-Type application/json; a successful result comes with a 2xx
// status; a request is answered with a body. wantReply says whether the
// message posted deserves one.
func checkHTTP(status int, contentType string, body []byte, wantReply bool) (problems []string, fatal error) {
	body = bytes.TrimSpace(body)
	isJSONBody := len(body) > 0 && json.Valid(body)
	ok := status >= 200 && status < 300
	if !isJSONBody {
		switch {
		case len(body) == 0 && ok && !wantReply:
			return nil, nil // a notification: 200 or 204 with nothing
		case len(body) == 0 && ok:
			return nil, fmt.Errorf("HTTP %d %s with no body: no reply to a request", status, http.StatusText(status))
		case len(body) == 0:
			return nil, fmt.Errorf("HTTP %d %s with no body", status, http.StatusText(status))
		default:
			return nil, fmt.Errorf("HTTP %d %s, and the body is not JSON: %s", status, http.StatusText(status), snippet(body))
		}
	}
	if mt, _, err := mime.ParseMediaType(contentType); err != nil || !isJSONMediaType(mt) {
		problems = append(problems, fmt.Sprintf("the body is JSON but its Content-Type is %q, not application/json", contentType))
	}
	if !wantReply {
		problems = append(problems, fmt.Sprintf("a notification was answered (HTTP %d with a body; want 204 or 200 with no body): %s", status, snippet(body)))
		return problems, nil
	}
	switch {
	case status == http.StatusNoContent:
		problems = append(problems, "HTTP 204 No Content, but the response has a body")
	case !ok && !hasErrorOnly(body):
		problems = append(problems, fmt.Sprintf("HTTP %d %s, but the body is a successful reply: the status says it failed", status, http.StatusText(status)))
	}
	return problems, nil
}

// isJSONMediaType reports whether a media type names JSON.
func isJSONMediaType(mt string) bool {
	switch mt {
	case "application/json", "application/json-rpc", "application/jsonrequest":
		return true
	}
	return false
}

// hasErrorOnly reports whether body is an error reply (or a batch whose
// replies are all errors), which a non-2xx status may carry.
func hasErrorOnly(body []byte) bool {
	if body[0] == '[' {
		var elems []json.RawMessage
		if json.Unmarshal(body, &elems) != nil || len(elems) == 0 {
			return false
		}
		for _, el := range elems {
			if !hasErrorOnly(bytes.TrimSpace(el)) {
				return false
			}
		}
		return true
	}
	r, err := parseReply(body)
	return err == nil && r.isError() && r.result == nil
}

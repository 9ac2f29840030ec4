package lsptest

import (
	"encoding/json"
	"slices"

	"github.com/lspkit/lspkit/conn"
	"github.com/lspkit/lspkit/lsp/protocol"
)

// Message is one request or notification the server sent the client, as
// recorded by the client.
type Message struct {
	// Method is the message's method.
	Method string
	// ID is a request's id; it is not valid (IsValid reports false) for a
	// notification.
	ID conn.ID
	// Params are the message's params as they came, or nil.
	Params json.RawMessage
	// Progress is the value of a $/progress notification, decoded; nil for
	// other messages.
	Progress *Progress
}

// IsRequest reports whether the message is a request, which the client
// answers.
func (m Message) IsRequest() bool { return m.ID.IsValid() }

// Progress is one $/progress notification: work-done progress (Kind
// "begin", "report" or "end", with the matching value set) or, for any
// other value, a partial result (Kind "").
type Progress struct {
	// Token is the token the progress reports on.
	Token protocol.ProgressToken
	// Kind is the value's kind: "begin", "report", "end", or "" for a
	// partial result.
	Kind string
	// Begin is set when Kind is "begin".
	Begin *protocol.WorkDoneProgressBegin
	// Report is set when Kind is "report".
	Report *protocol.WorkDoneProgressReport
	// End is set when Kind is "end".
	End *protocol.WorkDoneProgressEnd
	// Value is the value as it came.
	Value json.RawMessage
}

// decodeProgress decodes the params of $/progress, or returns nil if they
// are not a progress value.
func decodeProgress(params json.RawMessage) *Progress {
	var raw struct {
		Token protocol.ProgressToken `json:"token"`
		Value json.RawMessage        `json:"value"`
	}
	if json.Unmarshal(params, &raw) != nil {
		return nil
	}
	p := &Progress{Token: raw.Token, Value: raw.Value}
	var kind struct {
		Kind string `json:"kind"`
	}
	_ = json.Unmarshal(raw.Value, &kind) // a partial result need not be an object
	var err error
	switch kind.Kind {
	case "begin":
		p.Begin = new(protocol.WorkDoneProgressBegin)
		err = json.Unmarshal(raw.Value, p.Begin)
	case "report":
		p.Report = new(protocol.WorkDoneProgressReport)
		err = json.Unmarshal(raw.Value, p.Report)
	case "end":
		p.End = new(protocol.WorkDoneProgressEnd)
		err = json.Unmarshal(raw.Value, p.End)
	default:
		return p
	}
	if err != nil { // a kind the value does not fit: keep it raw
		return &Progress{Token: raw.Token, Value: raw.Value}
	}
	p.Kind = kind.Kind
	return p
}

// record keeps a message the server sent. It runs on the client's read
// path, so the record is in the order the server sent.
func (c *Client) record(e envelope) {
	m := Message{Method: e.Method, Params: append(json.RawMessage(nil), e.Params...)}
	if e.ID != nil {
		if err := json.Unmarshal(e.ID, &m.ID); err != nil {
			return // conn refuses it too
		}
	}
	if m.Method == "$/progress" && !m.IsRequest() {
		m.Progress = decodeProgress(m.Params)
	}
	c.mu.Lock()
	c.log = append(c.log, m)
	c.mu.Unlock()
}

// Messages returns the requests and notifications the server has sent so
// far, in order: all of them, or those of the given methods. Call WaitIdle
// first to have all of what a step made the server send.
func (c *Client) Messages(methods ...string) []Message {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []Message
	for _, m := range c.log {
		if len(methods) == 0 || slices.Contains(methods, m.Method) {
			out = append(out, m)
		}
	}
	return out
}

// Progress returns the $/progress notifications the server has sent so far,
// in order, decoded: all of them, or those with the given tokens.
func (c *Client) Progress(tokens ...protocol.ProgressToken) []Progress {
	var out []Progress
	for _, m := range c.Messages("$/progress") {
		if m.Progress != nil && (len(tokens) == 0 || containsToken(tokens, m.Progress.Token)) {
			out = append(out, *m.Progress)
		}
	}
	return out
}

func containsToken(list []protocol.ProgressToken, t protocol.ProgressToken) bool {
	for _, x := range list {
		if x.Value == t.Value {
			return true
		}
	}
	return false
}

package conn_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/lspkit/lspkit/conn"
)

// Types of every shape the required-field rule meets.

type subtractArgs struct {
	Minuend    float64 `json:"minuend"`
	Subtrahend float64 `json:"subtrahend"`
	Round      *bool   `json:"round"`
	Note       string  `json:"note,omitempty"`
	Unit       string  `json:"unit" conn:"optional"`
}

type position struct {
	Line      int `json:"line"`
	Character int `json:"character"`
}

type edit struct {
	Range struct {
		Start position `json:"start"`
		End   position `json:"end"`
	} `json:"range"`
	Text string `json:"text"`
}

type editParams struct {
	URI     string          `json:"uri"`
	Edits   []edit          `json:"edits"`
	ByName  map[string]edit `json:"byName,omitempty"`
	Version *int            `json:"version" conn:"required"` // must be there, may be null
	Labels  []string        `json:"labels"`                  // required, null allowed
	Extra   json.RawMessage `json:"extra"`                   // decodes itself: null allowed
	When    time.Time       `json:"when,omitzero"`           // decodes itself: not looked into
	Opt     *position       `json:"opt"`                     // optional, checked when given
	Meta    map[string]any  `json:"meta,omitempty"`
	Tree    *node           `json:"tree,omitempty"`
	Nested  [][]position    `json:"nested,omitempty"`
	private int             // not a member
	Skipped int             `json:"-"`
}

// node is recursive: every level is checked.
type node struct {
	Name     string `json:"name"`
	Children []node `json:"children,omitempty"`
}

// base is embedded: its fields are members of the struct that embeds it.
type base struct {
	ID string `json:"id"`
}

type withBase struct {
	base
	Count int `json:"count"`
}

// refused has a Validate that returns an *Error of its own.
type refused struct {
	N int `json:"n"`
}

func (r refused) Validate() error {
	if r.N == 13 {
		return fmt.Errorf("checking: %w", conn.NewError(-32099, "unlucky").WithData(map[string]int{"n": 13}))
	}
	if r.N < 0 {
		return conn.NewError(conn.CodeInvalidParams, "n must not be negative").WithData("custom")
	}
	return nil
}

// TestTypedRequired checks the required-field rule of Typed: what is
// required, what is optional, how null counts, positional params, nested
// structs at any depth, DisallowUnknownFields, and the field each error names.
func TestTypedRequired(t *testing.T) {
	t.Parallel()
	handlers := map[string]conn.Handler{
		"subtract": conn.Typed(func(_ context.Context, p subtractArgs) (float64, error) { return p.Minuend - p.Subtrahend, nil }),
		"subtractStrict": conn.Typed(func(_ context.Context, p *subtractArgs) (float64, error) { return p.Minuend - p.Subtrahend, nil },
			conn.DisallowUnknownFields()),
		"edit":       conn.Typed(func(_ context.Context, p *editParams) (int, error) { return len(p.Edits), nil }),
		"editStrict": conn.Typed(func(_ context.Context, p *editParams) (int, error) { return len(p.Edits), nil }, conn.DisallowUnknownFields()),
		"base":       conn.Typed(func(_ context.Context, p withBase) (string, error) { return p.ID, nil }),
		"tree":       conn.Typed(func(_ context.Context, p []node) (int, error) { return len(p), nil }),
		"byKey":      conn.Typed(func(_ context.Context, p map[string]position) (int, error) { return len(p), nil }),
		"refused":    conn.Typed(func(_ context.Context, p refused) (int, error) { return p.N, nil }),
	}
	const ok, bad = 0, conn.CodeInvalidParams
	const edits = `"edits":[{"range":{"start":{"line":0,"character":1},"end":{"line":0,"character":2}},"text":"x"}]`
	const must = `"uri":"u",` + edits + `,"version":1,"labels":[],"extra":{}`
	tests := []struct {
		name, method, params string
		code                 int64
		field                string // the field the error's data names
		position             int    // for positional params: the position the data names, or -1
		result               string
	}{
		{"named", "subtract", `{"minuend":42,"subtrahend":23}`, ok, "", -1, `19`},
		{"positional", "subtract", `[42,23]`, ok, "", -1, `19`},
		{"optional ones given", "subtract", `[42,23,true,"n","kg"]`, ok, "", -1, `19`},
		{"missing by name", "subtract", `{"minuend":42}`, bad, "subtrahend", -1, ``},
		{"missing both", "subtract", `{}`, bad, "minuend", -1, ``},
		{"absent params", "subtract", ``, bad, "minuend", -1, ``},
		{"too few by position", "subtract", `[42]`, bad, "subtrahend", 1, ``},
		{"none by position", "subtract", `[]`, bad, "minuend", 0, ``},
		{"too many by position", "subtract", `[1,2,null,"","",6]`, bad, "", -1, ``},
		{"null for a number", "subtract", `{"minuend":null,"subtrahend":1}`, bad, "minuend", -1, ``},
		{"null by position", "subtract", `[1,null]`, bad, "subtrahend", 1, ``},
		{"null for a pointer", "subtract", `{"minuend":1,"subtrahend":1,"round":null}`, ok, "", -1, `0`},
		{"escaped member name", "subtract", `{"min\u0075end":42,"subtrahend":23}`, ok, "", -1, `19`},
		{"member in another case", "subtract", `{"Minuend":3,"SUBTRAHEND":1}`, ok, "", -1, `2`},
		{"unknown ignored", "subtract", `{"minuend":3,"subtrahend":1,"x":1}`, ok, "", -1, `2`},
		{"unknown refused", "subtractStrict", `{"minuend":3,"subtrahend":1,"x":1}`, bad, "x", -1, ``},
		{"case is not unknown", "subtractStrict", `{"minuend":3,"Subtrahend":1}`, ok, "", -1, `2`},
		{"wrong type", "subtract", `{"minuend":"3","subtrahend":1}`, bad, "minuend", -1, ``},

		{"all there", "edit", `{` + must + `}`, ok, "", -1, `1`},
		{"required pointer absent", "edit", `{"uri":"u",` + edits + `,"labels":[],"extra":{}}`, bad, "version", -1, ``},
		{"required pointer null", "edit", `{"uri":"u",` + edits + `,"version":null,"labels":[],"extra":{}}`, ok, "", -1, `1`},
		{"required slice null", "edit", `{"uri":"u",` + edits + `,"version":1,"labels":null,"extra":null}`, ok, "", -1, `1`},
		{"required slice absent", "edit", `{"uri":"u",` + edits + `,"version":1,"extra":{}}`, bad, "labels", -1, ``},
		{"required struct null", "edit", `{"uri":"u","edits":[{"range":null,"text":""}],"version":1,"labels":[],"extra":1}`, bad, "edits[0].range", -1, ``},
		{"nested missing", "edit", `{"uri":"u","edits":[{"range":{"start":{"line":0,"character":0},"end":{"line":0}},"text":""}],"version":1,"labels":[],"extra":1}`,
			bad, "edits[0].range.end.character", -1, ``},
		{"second element missing", "edit", `{"uri":"u","edits":[{"range":{"start":{"line":0,"character":0},"end":{"line":0,"character":0}},"text":""},{"text":""}],"version":1,"labels":[],"extra":1}`,
			bad, "edits[1].range", -1, ``},
		{"map value missing", "edit", `{` + must + `,"byName":{"a":{"text":""}}}`, bad, "byName.a.range", -1, ``},
		{"optional struct checked when given", "edit", `{` + must + `,"opt":{"line":1}}`, bad, "opt.character", -1, ``},
		{"optional struct null", "edit", `{` + must + `,"opt":null}`, ok, "", -1, `1`},
		{"recursive", "edit", `{` + must + `,"tree":{"name":"a","children":[{"name":"b","children":[{}]}]}}`, bad, "tree.children[0].children[0].name", -1, ``},
		{"recursive fine", "edit", `{` + must + `,"tree":{"name":"a","children":[{"name":"b","children":[{"name":"c"}]}]}}`, ok, "", -1, `1`},
		{"arrays of arrays", "edit", `{` + must + `,"nested":[[{"line":1,"character":1}],[{"line":1}]]}`, bad, "nested[1][0].character", -1, ``},
		{"self-decoding not looked into", "edit", `{` + must + `,"when":"2026-01-02T03:04:05Z","extra":{"anything":[]}}`, ok, "", -1, `1`},
		{"any map not looked into", "edit", `{` + must + `,"meta":{"a":{"b":null}}}`, ok, "", -1, `1`},
		{"nested unknown ignored", "edit", `{` + must + `,"opt":{"line":1,"character":2,"col":3}}`, ok, "", -1, `1`},
		{"nested unknown refused", "editStrict", `{` + must + `,"opt":{"line":1,"character":2,"col":3}}`, bad, "opt.col", -1, ``},
		{"private and skipped are unknown", "editStrict", `{` + must + `,"Skipped":1}`, bad, "Skipped", -1, ``},
		{"by position, nested missing", "edit", `["u",[{"text":""}],null,1,[],{}]`, bad, "edits[0].range", 1, ``},

		{"embedded field", "base", `{"id":"a","count":1}`, ok, "", -1, `"a"`},
		{"embedded field missing", "base", `{"count":1}`, bad, "id", -1, ``},
		{"top-level slice of structs", "tree", `[{"name":"a"},{"children":[]}]`, bad, "[1].name", -1, ``},
		{"top-level map of structs", "byKey", `{"a":{"line":1,"character":1},"b":{"character":1}}`, bad, "b.line", -1, ``},
		{"top-level map fine", "byKey", `{"a":{"line":1,"character":1}}`, ok, "", -1, `1`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			req := &conn.Request{ID: conn.Int64ID(1), Method: tc.method}
			if tc.params != "" {
				req.Params = json.RawMessage(tc.params)
			}
			res, err := handlers[tc.method].ServeRPC(context.Background(), req)
			if tc.code == ok {
				if err != nil {
					t.Fatalf("%s: %v", tc.params, err)
				}
				if got, _ := json.Marshal(res); string(got) != tc.result {
					t.Fatalf("%s: result %s, want %s", tc.params, got, tc.result)
				}
				return
			}
			var e *conn.Error
			if !errors.As(err, &e) || e.Code != tc.code {
				t.Fatalf("%s: got %v, %v; want code %d", tc.params, res, err, tc.code)
			}
			var data struct {
				Error    string
				Field    string
				Position *int
			}
			if err := json.Unmarshal(e.Data, &data); err != nil || data.Error == "" {
				t.Fatalf("data %s does not say why", e.Data)
			}
			if data.Field != tc.field {
				t.Errorf("data %s names field %q, want %q", e.Data, data.Field, tc.field)
			}
			if (data.Position == nil) != (tc.position < 0) || data.Position != nil && *data.Position != tc.position {
				t.Errorf("data %s: position, want %d", e.Data, tc.position)
			}
		})
	}
}

// TestTypedValidateError checks that an *Error from Validate goes out as it
// is, wrapped or not, and that any other error becomes -32602.
func TestTypedValidateError(t *testing.T) {
	t.Parallel()
	h := conn.Typed(func(_ context.Context, p refused) (int, error) { return p.N, nil })
	tests := []struct {
		params  string
		code    int64
		message string
		data    string
	}{
		{`{"n":13}`, -32099, "unlucky", `{"n":13}`},
		{`{"n":-1}`, conn.CodeInvalidParams, "n must not be negative", `"custom"`},
	}
	for _, tc := range tests {
		_, err := h.ServeRPC(context.Background(), &conn.Request{ID: conn.Int64ID(1), Method: "m", Params: json.RawMessage(tc.params)})
		var e *conn.Error
		if !errors.As(err, &e) {
			t.Fatalf("%s: %v is not an *Error", tc.params, err)
		}
		if e.Code != tc.code || e.Message != tc.message || string(e.Data) != tc.data {
			t.Errorf("%s: got %d %q %s, want %d %q %s", tc.params, e.Code, e.Message, e.Data, tc.code, tc.message, tc.data)
		}
	}
}

// TestTypedNotificationRequired checks that TypedNotification follows the
// same rules: a notification missing a required field never reaches fn.
func TestTypedNotificationRequired(t *testing.T) {
	t.Parallel()
	var got []subtractArgs
	h := conn.TypedNotification(func(_ context.Context, p subtractArgs) error { got = append(got, p); return nil }, conn.DisallowUnknownFields())
	for _, params := range []string{`{"minuend":1,"subtrahend":2}`, `{"minuend":1}`, `[1]`, `{"minuend":1,"subtrahend":2,"x":0}`, `[3,4]`} {
		_, err := h.ServeRPC(context.Background(), &conn.Request{Method: "n", Params: json.RawMessage(params)})
		var e *conn.Error
		if wantErr := len(params) != len(`[3,4]`) && params != `{"minuend":1,"subtrahend":2}`; wantErr != (errors.As(err, &e) && e.Code == conn.CodeInvalidParams) {
			t.Errorf("%s: error %v", params, err)
		}
	}
	if want := []subtractArgs{{Minuend: 1, Subtrahend: 2}, {Minuend: 3, Subtrahend: 4}}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("handled %v, want %v", got, want)
	}
}

// BenchmarkTypedRequired measures what the required-field check adds to the
// decoding of small LSP-like params: the same shape with required fields
// (checked) and with optional ones (no check).
func BenchmarkTypedRequired(b *testing.B) {
	type pos struct {
		Line      int `json:"line"`
		Character int `json:"character"`
	}
	type doc struct {
		URI string `json:"uri"`
	}
	type required struct {
		TextDocument doc `json:"textDocument"`
		Position     pos `json:"position"`
	}
	type optPos struct {
		Line      int `json:"line,omitempty"`
		Character int `json:"character,omitempty"`
	}
	type optDoc struct {
		URI string `json:"uri,omitempty"`
	}
	type optional struct {
		TextDocument optDoc `json:"textDocument,omitzero"`
		Position     optPos `json:"position,omitzero"`
	}
	params := json.RawMessage(`{"textDocument":{"uri":"file:///a.go"},"position":{"line":12,"character":4}}`)
	for _, bc := range []struct {
		name string
		h    conn.Handler
	}{
		{"required", conn.Typed(func(_ context.Context, p *required) (int, error) { return p.Position.Line, nil })},
		{"optional", conn.Typed(func(_ context.Context, p *optional) (int, error) { return p.Position.Line, nil })},
	} {
		b.Run(bc.name, func(b *testing.B) {
			req := &conn.Request{ID: conn.Int64ID(1), Method: "m", Params: params}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := bc.h.ServeRPC(context.Background(), req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// FuzzTypedParams feeds any params to handlers of every shape: each answers
// a result or -32602, never panics, and a missing required field is never
// answered with a result.
func FuzzTypedParams(f *testing.F) {
	for _, s := range []string{`{"minuend":1,"subtrahend":2}`, `[1]`, `{"uri":"u","edits":[{"range":{"start":{"line":0}}}]}`,
		`{"min\u0075end":1}`, `[[],{}]`, `{"tree":{"children":[{"children":[{}]}]}}`, `null`, `{"a":{"b":null}}`} {
		f.Add(s)
	}
	handlers := []conn.Handler{
		conn.Typed(func(_ context.Context, p subtractArgs) (float64, error) { return p.Minuend - p.Subtrahend, nil }),
		conn.Typed(func(_ context.Context, p *editParams) (int, error) { return len(p.Edits), nil }, conn.DisallowUnknownFields()),
		conn.Typed(func(_ context.Context, p []node) (int, error) { return len(p), nil }),
		conn.Typed(func(_ context.Context, p map[string]position) (int, error) { return len(p), nil }),
	}
	f.Fuzz(func(t *testing.T, params string) {
		if !json.Valid([]byte(params)) {
			return // conn validates params before any handler sees them
		}
		for _, h := range handlers {
			_, err := h.ServeRPC(context.Background(), &conn.Request{ID: conn.Int64ID(1), Method: "m", Params: json.RawMessage(params)})
			var e *conn.Error
			if err != nil && (!errors.As(err, &e) || e.Code != conn.CodeInvalidParams) {
				t.Fatalf("%s: %v, want a result or -32602", params, err)
			}
		}
		// subtract: a result only when both fields are there, by name or
		// by position.
		_, err := handlers[0].ServeRPC(context.Background(), &conn.Request{ID: conn.Int64ID(1), Method: "m", Params: json.RawMessage(params)})
		var byName map[string]json.RawMessage
		var byPos []json.RawMessage
		switch {
		case json.Unmarshal([]byte(params), &byName) == nil && byName != nil:
			_, a := byName["minuend"]
			_, b := byName["subtrahend"]
			if err == nil && (!a || !b) && !hasFold(byName) {
				t.Fatalf("%s answered without a required field", params)
			}
		case json.Unmarshal([]byte(params), &byPos) == nil && byPos != nil:
			if err == nil && len(byPos) < 2 {
				t.Fatalf("%s answered with %d positional params", params, len(byPos))
			}
		}
	})
}

// hasFold reports whether a member name differs from the wanted ones only
// in case or holds an escape, which the check accepts as encoding/json does.
func hasFold(m map[string]json.RawMessage) bool {
	for k := range m {
		if k != "minuend" && k != "subtrahend" && (strings.EqualFold(k, "minuend") || strings.EqualFold(k, "subtrahend")) {
			return true
		}
	}
	return false
}

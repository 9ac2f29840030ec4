package conn_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/lspkit/lspkit/conn"
)

type point struct {
	X      int `json:"x"`
	Y      int `json:"y"`
	hidden int
	Skip   int `json:"-"`
}

// allOptional has a field of each optional kind.
type allOptional struct {
	A int    `json:"a,omitempty"`
	B *int   `json:"b"`
	C string `json:"c" conn:"optional"`
	D int    `json:"d,omitzero"`
}

type positive struct {
	N int `json:"n"`
}

// Validate refuses a number that is not positive.
func (p positive) Validate() error {
	if p.N <= 0 {
		return errors.New("n must be positive")
	}
	return nil
}

type even struct {
	N int `json:"n"`
}

// Validate, on the pointer, refuses an odd number.
func (p *even) Validate() error {
	if p.N%2 != 0 {
		return fmt.Errorf("%d is odd", p.N)
	}
	return nil
}

// typedMux registers typed handlers of every shape.
func typedMux() *conn.Mux {
	m := conn.NewMux()
	m.Handle("point", conn.Typed(func(_ context.Context, p point) (string, error) {
		return fmt.Sprintf("%d,%d,%d,%d", p.X, p.Y, p.hidden, p.Skip), nil
	}))
	m.Handle("pointPtr", conn.Typed(func(_ context.Context, p *point) (string, error) {
		if p == nil {
			return "nil", nil
		}
		return fmt.Sprintf("%d,%d", p.X, p.Y), nil
	}))
	m.Handle("optional", conn.Typed(func(_ context.Context, p *allOptional) (string, error) {
		return fmt.Sprintf("%d,%v,%s,%d", p.A, p.B, p.C, p.D), nil
	}))
	m.Handle("sum", conn.Typed(func(_ context.Context, p []int) (int, error) {
		t := 0
		for _, n := range p {
			t += n
		}
		return t, nil
	}))
	m.Handle("pair", conn.Typed(func(_ context.Context, p [2]string) (string, error) { return p[0] + p[1], nil }))
	m.Handle("upper", conn.Typed(func(_ context.Context, s string) (string, error) { return strings.ToUpper(s), nil }))
	m.Handle("double", conn.Typed(func(_ context.Context, n float64) (float64, error) { return 2 * n, nil }))
	m.Handle("raw", conn.Typed(func(_ context.Context, p json.RawMessage) (json.RawMessage, error) {
		if p == nil {
			return json.RawMessage(`"none"`), nil
		}
		return p, nil
	}))
	m.Handle("keys", conn.Typed(func(_ context.Context, p map[string]int) (int, error) { return len(p), nil }))
	m.Handle("any", conn.Typed(func(_ context.Context, p any) (any, error) { return p, nil }))
	m.Handle("positive", conn.Typed(func(_ context.Context, p positive) (int, error) { return p.N, nil }))
	m.Handle("positivePtr", conn.Typed(func(_ context.Context, p *positive) (int, error) { return p.N, nil }))
	m.Handle("even", conn.Typed(func(_ context.Context, p even) (int, error) { return p.N, nil }))
	m.Handle("rpcError", conn.Typed(func(context.Context, struct{}) (any, error) {
		return nil, fmt.Errorf("wrapped: %w", conn.NewError(-32001, "custom failure").WithData(map[string]any{"why": "because", "n": 3}))
	}))
	m.Handle("errorf", conn.Typed(func(context.Context, struct{}) (any, error) {
		return nil, conn.Errorf(conn.CodeContentModified, "changed at version %d", 7)
	}))
	m.Handle("plainError", conn.Typed(func(context.Context, struct{}) (int, error) {
		return 42, errors.New("plain failure")
	}))
	m.Handle("nilResult", conn.Typed(func(context.Context, struct{}) (*point, error) { return nil, nil }))
	return m
}

// TestTyped checks how Typed decodes params of every shape, and what it
// answers when they do not fit.
func TestTyped(t *testing.T) {
	t.Parallel()
	const bad = conn.CodeInvalidParams
	tests := []struct {
		method, params string // params "" for none
		result         string // the result, when code is 0
		code           int64
	}{
		{"point", `{"x":1,"y":2}`, `"1,2,0,0"`, 0},
		{"point", `{"y":2,"x":1,"hidden":5,"Skip":6,"extra":1}`, `"1,2,0,0"`, 0},
		{"point", `[1,2]`, `"1,2,0,0"`, 0},
		{"point", `[1]`, ``, bad}, // y is required
		{"point", `[]`, ``, bad},  // so is x
		{"point", ``, ``, bad},    // absent params are an empty object
		{"point", `{"x":1}`, ``, bad},
		{"point", `[1,2,3]`, ``, bad}, // too many positional params
		{"point", `["1",2]`, ``, bad},
		{"point", `{"x":"1"}`, ``, bad},
		{"pointPtr", `{"x":3,"y":4}`, `"3,4"`, 0},
		{"pointPtr", `[3,4]`, `"3,4"`, 0},
		{"pointPtr", ``, ``, bad},           // a pointer P has the same required fields
		{"optional", ``, `"0,<nil>,,0"`, 0}, // a pointer P points to a zero value
		{"sum", `[1,2,3]`, `6`, 0},
		{"sum", `[]`, `0`, 0},
		{"sum", ``, `0`, 0},
		{"sum", `{"a":1}`, ``, bad}, // a slice takes params by position only
		{"sum", `[1,"x"]`, ``, bad},
		{"pair", `["a","b"]`, `"ab"`, 0},
		{"upper", `["abc"]`, `"ABC"`, 0}, // a single value takes an array of one
		{"upper", `["a","b"]`, ``, bad},
		{"upper", `[]`, ``, bad},
		{"upper", `{"s":"abc"}`, ``, bad},
		{"upper", `[1]`, ``, bad},
		{"double", `[2.5]`, `5`, 0},
		{"raw", `{"any":[1,{"b":null}]}`, `{"any":[1,{"b":null}]}`, 0},
		{"raw", `[1, 2]`, `[1,2]`, 0},
		{"raw", ``, `"none"`, 0},
		{"keys", `{"a":1,"b":2}`, `2`, 0},
		{"keys", `[1]`, ``, bad},
		{"any", `{"a":[1]}`, `{"a":[1]}`, 0},
		{"any", `[1,"x"]`, `[1,"x"]`, 0},
		{"positive", `{"n":3}`, `3`, 0},
		{"positive", `{"n":0}`, ``, bad},
		{"positive", ``, ``, bad}, // Validate runs on absent params too
		{"positivePtr", `{"n":-1}`, ``, bad},
		{"positivePtr", `[5]`, `5`, 0},
		{"even", `{"n":4}`, `4`, 0},
		{"even", `{"n":3}`, ``, bad},
		{"rpcError", ``, ``, -32001},
		{"errorf", ``, ``, conn.CodeContentModified},
		{"plainError", ``, ``, conn.CodeInternalError},
		{"nilResult", ``, `null`, 0},
	}
	_, p := serve(t, typedMux(), framers[0])
	for i, tc := range tests {
		t.Run(fmt.Sprintf("%s %s", tc.method, tc.params), func(t *testing.T) {
			p.t = t
			params := ""
			if tc.params != "" {
				params = `,"params":` + tc.params
			}
			id := fmt.Sprint(i)
			p.send(`{"jsonrpc":"2.0","method":"` + tc.method + `"` + params + `,"id":` + id + `}`)
			r := p.reply()
			if tc.code == 0 {
				wantResult(t, r, id, tc.result)
				return
			}
			e := wantError(t, r, id, tc.code)
			if tc.code == bad {
				var data struct{ Error string }
				if err := json.Unmarshal(e.Data, &data); err != nil || data.Error == "" {
					t.Errorf("-32602 data %s does not say why", e.Data)
				}
			}
		})
	}
}

// TestTypedErrorsReachTheCaller checks errors end to end: a handler's *Error
// arrives as it is (code, message, data), errors.As finds it in the error
// Call returns, errors.Is tests its code, and a plain error is -32603 with
// its text.
func TestTypedErrorsReachTheCaller(t *testing.T) {
	t.Parallel()
	_, c := connPair(t, typedMux(), nil)
	ctx := testCtx(t)
	tests := []struct {
		method  string
		params  any
		code    int64
		message string
		data    string
	}{
		{"rpcError", nil, -32001, "custom failure", `{"n":3,"why":"because"}`},
		{"errorf", nil, conn.CodeContentModified, "changed at version 7", ""},
		{"plainError", nil, conn.CodeInternalError, "plain failure", ""},
		{"nope", nil, conn.CodeMethodNotFound, `Method not found: "nope"`, ""},
		{"positive", map[string]int{"n": -1}, conn.CodeInvalidParams, "Invalid params: n must be positive", `{"error":"n must be positive"}`},
	}
	for _, tc := range tests {
		err := c.Call(ctx, tc.method, tc.params, nil)
		var e *conn.Error
		if !errors.As(err, &e) {
			t.Errorf("%s: %v is not an *Error", tc.method, err)
			continue
		}
		if e.Code != tc.code || e.Message != tc.message || (tc.data == "") != (e.Data == nil) || tc.data != "" && !sameJSON(e.Data, []byte(tc.data)) {
			t.Errorf("%s: got %d %q %s, want %d %q %s", tc.method, e.Code, e.Message, e.Data, tc.code, tc.message, tc.data)
		}
		if !errors.Is(err, conn.NewError(tc.code, "")) {
			t.Errorf("%s: errors.Is does not match code %d", tc.method, tc.code)
		}
		if errors.Is(err, conn.NewError(tc.code+1, "")) {
			t.Errorf("%s: errors.Is matches code %d", tc.method, tc.code+1)
		}
	}
}

// TestTypedNotification checks TypedNotification: params decoded as Typed
// does, and params that do not fit dropped without a reply.
func TestTypedNotification(t *testing.T) {
	t.Parallel()
	got := make(chan point, 10)
	m := conn.NewMux()
	m.Handle("move", conn.TypedNotification(func(_ context.Context, p point) error {
		got <- p
		return nil
	}))
	m.Handle("fail", conn.TypedNotification(func(context.Context, point) error { return errors.New("ignored") }))
	_, p := serve(t, m, framers[0])
	p.send(`{"jsonrpc":"2.0","method":"move","params":{"x":1,"y":2}}`)
	p.send(`{"jsonrpc":"2.0","method":"move","params":[3,4]}`)
	p.send(`{"jsonrpc":"2.0","method":"move","params":["bad"]}`)
	p.send(`{"jsonrpc":"2.0","method":"fail"}`)
	p.expectNothing()
	for _, want := range []point{{X: 1, Y: 2}, {X: 3, Y: 4}} {
		if g := recv(t, got, "a notification"); g != want {
			t.Errorf("got %+v, want %+v", g, want)
		}
	}
	never(t, got, "the notification with bad params was handled")
}

// TestCallResultDecoding checks what Call does with the result: decode into
// a pointer, discard with nil, raw bytes into *json.RawMessage, and an error
// when it does not fit.
func TestCallResultDecoding(t *testing.T) {
	t.Parallel()
	_, c := connPair(t, typedMux(), nil)
	ctx := testCtx(t)
	var s string
	if err := c.Call(ctx, "upper", []string{"x"}, &s); err != nil || s != "X" {
		t.Errorf("Call into *string: %q, %v", s, err)
	}
	if err := c.Call(ctx, "upper", []string{"x"}, nil); err != nil {
		t.Errorf("Call with nil result: %v", err)
	}
	var raw json.RawMessage
	if err := c.Call(ctx, "raw", map[string]any{"k": []int{1}}, &raw); err != nil || string(raw) != `{"k":[1]}` {
		t.Errorf("Call into *json.RawMessage: %s, %v", raw, err)
	}
	var n int
	err := c.Call(ctx, "upper", []string{"x"}, &n)
	var e *conn.Error
	if err == nil || errors.As(err, &e) {
		t.Errorf("decoding a string into an int: %v, want a local decoding error", err)
	}
	if err := c.Call(ctx, "upper", "not an array", nil); err == nil {
		t.Error("params that encode to a string: no error")
	}
	if err := c.Call(ctx, "upper", json.RawMessage(`[`), nil); err == nil {
		t.Error("invalid raw params: no error")
	}
	if err := c.Call(ctx, "sum", json.RawMessage(`[1, 2]`), &n); err != nil || n != 3 {
		t.Errorf("raw params: %d, %v", n, err)
	}
}

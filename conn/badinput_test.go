package conn_test

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/lspkit/lspkit/conn"
	"github.com/lspkit/lspkit/framing"
	"github.com/lspkit/lspkit/samples/arith"
)

// badMux is arith with methods that misbehave.
func badMux() *conn.Mux {
	m := arith.New()
	m.HandleFunc("panic", func(context.Context, *conn.Request) (any, error) { panic("boom") })
	m.HandleFunc("panicMarshal", func(context.Context, *conn.Request) (any, error) { return panicMarshaler{}, nil })
	m.HandleFunc("badMarshal", func(context.Context, *conn.Request) (any, error) { return badMarshaler{}, nil })
	m.HandleFunc("nilError", func(context.Context, *conn.Request) (any, error) {
		var e *conn.Error // a typed nil: a classic mistake that must not crash the server
		return nil, e
	})
	m.HandleFunc("badRaw", func(context.Context, *conn.Request) (any, error) { return json.RawMessage(`{"a":`), nil })
	m.HandleFunc("method", func(_ context.Context, req *conn.Request) (any, error) { return req.Method, nil })
	return m
}

type panicMarshaler struct{}

func (panicMarshaler) MarshalJSON() ([]byte, error) { panic("marshal boom") }

type badMarshaler struct{}

func (badMarshaler) MarshalJSON() ([]byte, error) { return nil, errors.New("cannot") }

// TestBadInput sends each class of bad input and checks the answer, then
// that the connection still serves a good request.
func TestBadInput(t *testing.T) {
	t.Parallel()
	const internal = conn.CodeInternalError
	tests := []struct {
		name string
		send string
		id   string // the id the answer must carry; "" for no answer at all
		code int64  // 0: a success, whose result is want
		want string
	}{
		{"malformed JSON", `{"jsonrpc":"2.0","method":"echo","id":1`, "null", conn.CodeParseError, ""},
		{"garbage", `hello`, "null", conn.CodeParseError, ""},
		{"empty body", ` `, "null", conn.CodeParseError, ""},
		{"trailing data", `{"jsonrpc":"2.0","method":"echo","id":1} {}`, "null", conn.CodeParseError, ""},
		{"non-object string", `"hello"`, "null", conn.CodeInvalidRequest, ""},
		{"non-object number", `42`, "null", conn.CodeInvalidRequest, ""},
		{"non-object null", `null`, "null", conn.CodeInvalidRequest, ""},
		{"empty object", `{}`, "null", conn.CodeInvalidRequest, ""},
		{"absent jsonrpc", `{"method":"echo","id":1}`, "1", conn.CodeInvalidRequest, ""},
		{"jsonrpc 1.0", `{"jsonrpc":"1.0","method":"echo","id":1}`, "1", conn.CodeInvalidRequest, ""},
		{"jsonrpc as a number", `{"jsonrpc":2.0,"method":"echo","id":1}`, "1", conn.CodeInvalidRequest, ""},
		{"absent jsonrpc, notification", `{"method":"echo"}`, "null", conn.CodeInvalidRequest, ""},
		{"absent method", `{"jsonrpc":"2.0","id":1}`, "1", conn.CodeInvalidRequest, ""},
		{"method a number", `{"jsonrpc":"2.0","method":1,"id":1}`, "1", conn.CodeInvalidRequest, ""},
		{"method null", `{"jsonrpc":"2.0","method":null,"id":1}`, "1", conn.CodeInvalidRequest, ""},
		{"method an object", `{"jsonrpc":"2.0","method":{},"params":[]}`, "null", conn.CodeInvalidRequest, ""},
		{"params a string", `{"jsonrpc":"2.0","method":"echo","params":"bar","id":1}`, "1", conn.CodeInvalidRequest, ""},
		{"params a number", `{"jsonrpc":"2.0","method":"echo","params":3,"id":1}`, "1", conn.CodeInvalidRequest, ""},
		{"params a bool", `{"jsonrpc":"2.0","method":"echo","params":true,"id":1}`, "1", conn.CodeInvalidRequest, ""},
		{"id an object", `{"jsonrpc":"2.0","method":"echo","id":{"a":1}}`, "null", conn.CodeInvalidRequest, ""},
		{"id an array", `{"jsonrpc":"2.0","method":"echo","id":[1]}`, "null", conn.CodeInvalidRequest, ""},
		{"id a bool", `{"jsonrpc":"2.0","method":"echo","id":true}`, "null", conn.CodeInvalidRequest, ""},
		{"unknown method", `{"jsonrpc":"2.0","method":"nope","id":"x-1"}`, `"x-1"`, conn.CodeMethodNotFound, ""},
		{"unknown method, number id", `{"jsonrpc":"2.0","method":"nope","id":-7}`, "-7", conn.CodeMethodNotFound, ""},
		{"unknown notification", `{"jsonrpc":"2.0","method":"nope"}`, "", 0, ""},
		{"unknown notification with params", `{"jsonrpc":"2.0","method":"nope","params":{"a":[1]}}`, "", 0, ""},
		{"handler panic", `{"jsonrpc":"2.0","method":"panic","id":1}`, "1", internal, ""},
		{"result MarshalJSON panics", `{"jsonrpc":"2.0","method":"panicMarshal","id":1}`, "1", internal, ""},
		{"result MarshalJSON fails", `{"jsonrpc":"2.0","method":"badMarshal","id":1}`, "1", internal, ""},
		{"handler returns a typed nil *Error", `{"jsonrpc":"2.0","method":"nilError","id":1}`, "1", internal, ""},
		{"handler returns invalid raw JSON", `{"jsonrpc":"2.0","method":"badRaw","id":1}`, "1", internal, ""},
		{"notification handler panics", `{"jsonrpc":"2.0","method":"panic"}`, "", 0, ""},
		{"response to an unknown id", `{"jsonrpc":"2.0","id":42,"result":1}`, "", 0, ""},
		{"error response to an unknown id", `{"jsonrpc":"2.0","id":"x","error":{"code":1,"message":"m"}}`, "", 0, ""},
		{"response with a null id", `{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"m"}}`, "", 0, ""},
		{"response without jsonrpc", `{"id":43,"result":null}`, "", 0, ""},
		// The leniency the package doc promises: "params": null is no params.
		{"params null", `{"jsonrpc":"2.0","method":"echo","params":null,"id":1}`, "1", 0, "null"},
		{"duplicate member, last wins", `{"jsonrpc":"2.0","method":"nope","method":"echo","params":[1],"id":1}`, "1", 0, "[1]"},
		{"escaped member name", `{"jsonrpc":"2.0","\u006dethod":"echo","params":[2],"id":1}`, "1", 0, "[2]"},
		{"escaped method name", `{"jsonrpc":"2.0","method":"\u0065cho","params":[3],"id":1}`, "1", 0, "[3]"},
		{"unknown members ignored", `{"jsonrpc":"2.0","method":"echo","params":[4],"id":1,"x":{"y":[]}}`, "1", 0, "[4]"},
		{"white space around", " \t\r\n{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"params\":[5],\"id\":1} \t\r\n", "1", 0, "[5]"},
	}
	for _, fr := range framers {
		t.Run(fr.name, func(t *testing.T) {
			t.Parallel()
			for _, tc := range tests {
				if tc.name == "empty body" && fr.name == "line" {
					continue // the Line framing skips blank lines: there is no message
				}
				t.Run(tc.name, func(t *testing.T) {
					t.Parallel()
					_, p := serve(t, badMux(), fr)
					p.send(tc.send)
					switch {
					case tc.id == "":
						p.expectNothing()
					case tc.code == 0:
						wantResult(t, p.reply(), tc.id, tc.want)
					default:
						wantError(t, p.reply(), tc.id, tc.code)
					}
					p.send(`{"jsonrpc":"2.0","method":"subtract","params":[42,23],"id":"after"}`)
					wantResult(t, p.reply(), `"after"`, "19")
				})
			}
		})
	}
}

// TestInvalidParams checks that params that do not fit get -32602 with data
// that says which field, what was expected and what was found.
func TestInvalidParams(t *testing.T) {
	t.Parallel()
	_, p := serve(t, arith.New(), framers[0])
	tests := []struct {
		name, params string
		data         map[string]any // members the data must hold
	}{
		{"named, wrong type", `{"minuend":"x","subtrahend":1}`, map[string]any{"field": "minuend", "expected": "float64", "got": "string"}},
		{"positional, wrong type", `[1,"x"]`, map[string]any{"position": 1.0, "field": "subtrahend", "expected": "float64", "got": "string"}},
		{"positional, too many", `[1,2,3]`, nil},
		{"invalid inner JSON type", `{"minuend":[1],"subtrahend":1}`, map[string]any{"field": "minuend", "got": "array"}},
		{"named, missing field", `{"minuend":1}`, map[string]any{"field": "subtrahend"}},
		{"positional, too few", `[42]`, map[string]any{"position": 1.0, "field": "subtrahend"}},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p.t = t
			id := strconv.Itoa(i + 1)
			p.send(`{"jsonrpc":"2.0","method":"subtract","params":` + tc.params + `,"id":` + id + `}`)
			e := wantError(t, p.reply(), id, conn.CodeInvalidParams)
			var data map[string]any
			if err := json.Unmarshal(e.Data, &data); err != nil {
				t.Fatalf("data %s: %v", e.Data, err)
			}
			if s, _ := data["error"].(string); s == "" {
				t.Errorf("data %s has no error text", e.Data)
			}
			for k, v := range tc.data {
				if data[k] != v {
					t.Errorf("data[%q] = %v, want %v (data %s)", k, data[k], v, e.Data)
				}
			}
		})
	}
}

// TestIDsEchoedExactly checks that every kind of id comes back byte for
// byte, in a success, an error, and an error made on the read path.
func TestIDsEchoedExactly(t *testing.T) {
	t.Parallel()
	ids := []string{
		`0`, `-1`, `-0`, `9007199254740993`, `123456789012345678901234567890`, `1e400`, `-1E-400`,
		`1.50`, `0.1e+2`, `""`, `"1"`, `"a\"b\\c\/d\u00e9\n"`, `"\ud83d\ude00"`, `"héllo 🙂 世界"`,
		`"\u0000"`, `null`,
	}
	for _, fr := range framers {
		t.Run(fr.name, func(t *testing.T) {
			t.Parallel()
			_, p := serve(t, arith.New(), fr)
			for _, id := range ids {
				p.send(`{"jsonrpc":"2.0","method":"subtract","params":[3,1],"id":` + id + `}`)
				wantResult(t, p.reply(), id, "2")
				p.send(`{"jsonrpc":"2.0","method":"nope","id":` + id + `}`)
				wantError(t, p.reply(), id, conn.CodeMethodNotFound)
				p.send(`{"jsonrpc":"2.0","method":"echo","params":"x","id":` + id + `}`)
				wantError(t, p.reply(), id, conn.CodeInvalidRequest)
			}
		})
	}
}

// TestInvalidUTF8 checks that what the Conn sends is valid UTF-8 whatever it
// received: ids, methods named in errors, echoed params.
func TestInvalidUTF8(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, send string
		code       int64
	}{
		{"in an id", "{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"params\":[],\"id\":\"a\xffb\"}", 0},
		{"in params", "{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"params\":[\"\xc3\x28\xed\xa0\x80\"],\"id\":1}", 0},
		{"in a method", "{\"jsonrpc\":\"2.0\",\"method\":\"no\xfe\xffpe\",\"id\":1}", conn.CodeMethodNotFound},
		{"in a member name", "{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"\xff\":1,\"params\":[],\"id\":1}", 0},
		{"in invalid JSON", "{\"jsonrpc\":\"2.0\xff", conn.CodeParseError},
		{"in an id of an invalid request", "{\"jsonrpc\":\"2.0\",\"method\":7,\"id\":\"\xff\xff\"}", conn.CodeInvalidRequest},
		{"in a method, echoed", "{\"jsonrpc\":\"2.0\",\"method\":\"method\xff\",\"fallback\":1,\"id\":1}", conn.CodeMethodNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, p := serve(t, badMux(), framers[0])
			p.send(tc.send)
			raw := p.next()
			if !utf8.Valid(raw) {
				t.Fatalf("reply is not valid UTF-8: %q", raw)
			}
			m := decodeMsg(t, raw)
			if tc.code == 0 && m.Error != nil {
				t.Errorf("got error %v, want a result", m.Error)
			}
			if tc.code != 0 && (m.Error == nil || m.Error.Code != tc.code) {
				t.Errorf("got %s, want error %d", raw, tc.code)
			}
		})
	}
}

// TestInvalidUTF8ReplacedInStrings checks what the invalid bytes become:
// U+FFFD, in the id that is echoed.
func TestInvalidUTF8ReplacedInStrings(t *testing.T) {
	t.Parallel()
	_, p := serve(t, arith.New(), framers[0])
	p.send("{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"params\":[\"x\xffy\"],\"id\":\"a\xffb\"}")
	m := p.reply()
	var id string
	if err := json.Unmarshal(m.ID, &id); err != nil || id != "a\uFFFDb" {
		t.Errorf("id = %s (%q), want \"a\\uFFFDb\"", m.ID, id)
	}
	var params []string
	if err := json.Unmarshal(m.Result, &params); err != nil || len(params) != 1 || params[0] != "x\uFFFDy" {
		t.Errorf("result = %s, want [\"x\\uFFFDy\"]", m.Result)
	}
}

// TestFramingErrors checks that a message the framing layer refuses is
// answered, and the next message is served.
func TestFramingErrors(t *testing.T) {
	t.Parallel()
	const limit = 128
	big := `{"jsonrpc":"2.0","method":"echo","params":["` + strings.Repeat("x", 2*limit) + `"],"id":1}`
	good := `{"jsonrpc":"2.0","method":"subtract","params":[42,23],"id":2}`
	tests := []struct {
		name string
		fr   framer
		raw  string // written as is
		code int64
	}{
		{"too large, header", framers[0], string(framers[0].frame([]byte(big))), conn.CodeInvalidRequest},
		{"too large, line", framers[1], string(framers[1].frame([]byte(big))), conn.CodeInvalidRequest},
		{"too large, line longer than the read buffer", framers[1], `["` + strings.Repeat("y", 100<<10) + "\"]\n", conn.CodeInvalidRequest},
		// After a broken header the framing resynchronises at the next line
		// that starts with Content-Length, so the garbage ends with a line end.
		{"header without a colon", framers[0], "Content-Length 5\r\n\r\nhello\r\n", conn.CodeParseError},
		{"header without Content-Length", framers[0], "Content-Type: x\r\n\r\n{}\r\n", conn.CodeParseError},
		{"non-numeric Content-Length", framers[0], "Content-Length: five\r\n\r\n{}\r\n", conn.CodeParseError},
		{"bad charset", framers[0], "Content-Length: 2\r\nContent-Type: application/json; charset=latin1\r\n\r\n{}", conn.CodeParseError},
		{"garbage before a header", framers[0], "garbage\r\n\r\n", conn.CodeParseError},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, p := serve(t, arith.New(), tc.fr, conn.WithFramer(tc.fr.make(framing.WithMaxMessageSize(limit))))
			p.sendRaw([]byte(tc.raw))
			e := wantError(t, p.reply(), "null", tc.code)
			if tc.code == conn.CodeInvalidRequest {
				var data struct{ Size, Limit int64 }
				if err := json.Unmarshal(e.Data, &data); err != nil || data.Limit != limit || data.Size <= limit {
					t.Errorf("data = %s, want the size and the limit %d", e.Data, limit)
				}
			}
			p.send(good)
			wantResult(t, p.reply(), "2", "19")
		})
	}
}

// TestMuxFallback checks the fallback handler of a Mux, and that without one
// unknown requests get -32601 naming the method.
func TestMuxFallback(t *testing.T) {
	t.Parallel()
	m := conn.NewMux()
	m.HandleFunc("known", func(context.Context, *conn.Request) (any, error) { return "known", nil })
	_, p := serve(t, m, framers[0])
	p.send(`{"jsonrpc":"2.0","method":"unknown/thing","id":1}`)
	if e := wantError(t, p.reply(), "1", conn.CodeMethodNotFound); !strings.Contains(e.Message, "unknown/thing") {
		t.Errorf("message %q does not name the method", e.Message)
	}
	m.HandleFallback(conn.HandlerFunc(func(_ context.Context, req *conn.Request) (any, error) {
		return "fallback:" + req.Method, nil
	}))
	p.send(`{"jsonrpc":"2.0","method":"unknown/thing","id":2}`)
	wantResult(t, p.reply(), "2", `"fallback:unknown/thing"`)
	p.send(`{"jsonrpc":"2.0","method":"known","id":3}`)
	wantResult(t, p.reply(), "3", `"known"`)
	if got := m.Methods(); len(got) != 1 || got[0] != "known" {
		t.Errorf("Methods() = %v", got)
	}
	if _, ok := m.Handler("known"); !ok {
		t.Error(`Handler("known") not found`)
	}
}

// TestMuxHandlePanics checks that Mux.Handle refuses what cannot be right.
func TestMuxHandlePanics(t *testing.T) {
	t.Parallel()
	h := conn.HandlerFunc(func(context.Context, *conn.Request) (any, error) { return nil, nil })
	for name, f := range map[string]func(m *conn.Mux){
		"empty method": func(m *conn.Mux) { m.Handle("", h) },
		"nil handler":  func(m *conn.Mux) { m.Handle("x", nil) },
		"twice":        func(m *conn.Mux) { m.Handle("x", h); m.Handle("x", h) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			f(conn.NewMux())
		})
	}
}

// TestMuxRoutes checks that each message reaches its own method's handler
// whatever came before it: runs of one method, alternation, a method that
// went to the fallback until it was registered, and two Muxes that route
// the same name differently.
func TestMuxRoutes(t *testing.T) {
	t.Parallel()
	answer := func(s string) conn.HandlerFunc {
		return func(context.Context, *conn.Request) (any, error) { return s, nil }
	}
	a, b := conn.NewMux(), conn.NewMux()
	a.Handle("x", answer("a.x"))
	a.Handle("y", answer("a.y"))
	a.HandleFallback(answer("a.fallback"))
	b.Handle("x", answer("b.x"))
	steps := []struct {
		mux    *conn.Mux
		method string
		want   string // "" for -32601
		before func()
	}{
		{a, "x", "a.x", nil},
		{a, "x", "a.x", nil},
		{b, "x", "b.x", nil},
		{a, "y", "a.y", nil},
		{a, "x", "a.x", nil},
		{a, "z", "a.fallback", nil},
		{b, "z", "", nil},
		{a, "z", "a.z", func() { a.Handle("z", answer("a.z")) }},
		{a, "y", "a.y", nil},
		{b, "x", "b.x", nil},
	}
	for i, s := range steps {
		if s.before != nil {
			s.before()
		}
		req := &conn.Request{ID: conn.Int64ID(int64(i)), Method: s.method}
		if mode := s.mux.Mode(req); mode != conn.Default {
			t.Errorf("step %d: Mode = %v", i, mode)
		}
		got, err := s.mux.ServeRPC(context.Background(), req)
		if s.want == "" {
			var e *conn.Error
			if !errors.As(err, &e) || e.Code != conn.CodeMethodNotFound {
				t.Errorf("step %d: %s: got %v, %v; want -32601", i, s.method, got, err)
			}
			continue
		}
		if err != nil || got != s.want {
			t.Errorf("step %d: %s: got %v, %v; want %s", i, s.method, got, err, s.want)
		}
	}
}

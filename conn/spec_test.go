package conn_test

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"testing"

	"github.com/lspkit/lspkit/samples/arith"
)

// specCase is one example of section 7 of the JSON-RPC 2.0 specification.
type specCase struct {
	Name   string          `json:"name"`
	Send   string          `json:"send"`
	Expect json.RawMessage `json:"expect"` // "null": no reply at all
}

func loadSpecCases(t *testing.T) []specCase {
	t.Helper()
	data, err := os.ReadFile("../testdata/jsonrpc/jsonrpc-spec-examples.json")
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Cases []specCase `json:"cases"`
	}
	if err := json.Unmarshal(data, &file); err != nil {
		t.Fatal(err)
	}
	if len(file.Cases) < 15 {
		t.Fatalf("only %d spec cases in the file", len(file.Cases))
	}
	return file.Cases
}

// TestSpecExamples sends every example of the specification, in both
// framings, to the arith sample served by a Conn, and compares the reply by
// meaning: batch replies in any order, error messages free but present.
func TestSpecExamples(t *testing.T) {
	t.Parallel()
	cases := loadSpecCases(t)
	for _, fr := range framers {
		t.Run(fr.name, func(t *testing.T) {
			t.Parallel()
			_, p := serve(t, arith.New(), fr)
			for _, tc := range cases {
				t.Run(tc.Name, func(t *testing.T) {
					p.t = t
					defer func() { p.t = nil }()
					p.send(tc.Send)
					if string(tc.Expect) == "null" {
						p.expectNothing()
						return
					}
					got := p.next()
					if err := sameReply(got, tc.Expect); err != nil {
						t.Errorf("sent %s\ngot  %s\nwant %s\n%v", tc.Send, got, tc.Expect, err)
					}
					p.expectNothing() // and nothing more
				})
			}
		})
	}
}

// sameReply compares a reply with the expected one by meaning.
func sameReply(got, want []byte) error {
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		return err
	}
	if err := json.Unmarshal(want, &w); err != nil {
		return err
	}
	g, err := normalizeReply(g)
	if err != nil {
		return err
	}
	w, _ = normalizeReply(w)
	if canonical(g) != canonical(w) {
		return fmt.Errorf("differ by meaning")
	}
	return nil
}

// normalizeReply blanks error messages (after checking they are non-empty
// strings) and sorts the elements of a batch reply.
func normalizeReply(v any) (any, error) {
	switch v := v.(type) {
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			n, err := normalizeReply(e)
			if err != nil {
				return nil, err
			}
			out[i] = n
		}
		slices.SortFunc(out, func(a, b any) int {
			ca, cb := canonical(a), canonical(b)
			switch {
			case ca < cb:
				return -1
			case ca > cb:
				return 1
			}
			return 0
		})
		return out, nil
	case map[string]any:
		if e, ok := v["error"].(map[string]any); ok {
			if m, _ := e["message"].(string); m == "" {
				return nil, fmt.Errorf("error without a message: %v", e)
			}
			e["message"] = ""
		}
		return v, nil
	}
	return v, nil
}

// TestSpecCompareCanFail makes sure the comparison above is not vacuous.
func TestSpecCompareCanFail(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ got, want string }{
		{`{"jsonrpc":"2.0","result":18,"id":1}`, `{"jsonrpc":"2.0","result":19,"id":1}`},
		{`{"jsonrpc":"2.0","result":19,"id":"1"}`, `{"jsonrpc":"2.0","result":19,"id":1}`},
		{`{"jsonrpc":"2.0","error":{"code":-32600,"message":"x"},"id":null}`, `{"jsonrpc":"2.0","error":{"code":-32700,"message":"x"},"id":null}`},
		{`{"jsonrpc":"2.0","error":{"code":-32600,"message":""},"id":null}`, `{"jsonrpc":"2.0","error":{"code":-32600,"message":"x"},"id":null}`},
		{`[{"jsonrpc":"2.0","result":1,"id":1}]`, `[{"jsonrpc":"2.0","result":1,"id":1},{"jsonrpc":"2.0","result":2,"id":2}]`},
		{`{"jsonrpc":"2.0","result":1,"id":1}`, `[{"jsonrpc":"2.0","result":1,"id":1}]`},
	} {
		if sameReply([]byte(tc.got), []byte(tc.want)) == nil {
			t.Errorf("sameReply(%s, %s) = nil, want a difference", tc.got, tc.want)
		}
	}
	if err := sameReply([]byte(`[{"id":2,"result":2},{"id":1,"result":1}]`), []byte(`[{"result":1,"id":1},{"result":2,"id":2}]`)); err != nil {
		t.Errorf("batch order should be free: %v", err)
	}
}

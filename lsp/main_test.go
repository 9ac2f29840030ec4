package lsp_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/lspkit/lspkit/conn"
	"github.com/lspkit/lspkit/lsp"
	"github.com/lspkit/lspkit/lsp/lsptest"
	"github.com/lspkit/lspkit/lsp/protocol"
)

// testServerBin is the path of lsp/internal/testserver, built by TestMain
// for the tests that run a server as a real process (stdio_test.go).
var testServerBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "lsptest")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	testServerBin = filepath.Join(dir, "testserver")
	build := exec.Command("go", "build", "-o", testServerBin, "./internal/testserver")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building the test server: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(2)
	}
	code := m.Run()
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// testContext returns a context that bounds a test: nothing in these tests
// should take anywhere near as long, so reaching it means a hang.
func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// start serves srv to an lsptest client and initializes it with the client
// capabilities given as JSON ("" for lsptest's defaults).
func start(t *testing.T, srv *lsp.Server, caps string) (*lsptest.Client, *protocol.InitializeResult) {
	t.Helper()
	c := lsptest.New(t, srv)
	params := &protocol.InitializeParams{Capabilities: lsptest.DefaultCapabilities()}
	if caps != "" {
		params.Capabilities = decode[protocol.ClientCapabilities](t, caps)
	}
	res, err := c.Initialize(testContext(t), params)
	if err != nil {
		t.Fatalf("initialize: %v", err)
	}
	return c, res
}

// decode decodes JSON into a T, or fails the test.
func decode[T any](t *testing.T, data string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(data), &v); err != nil {
		t.Fatalf("decoding %s as %T: %v", data, v, err)
	}
	return v
}

// toJSON encodes v, or fails the test.
func toJSON(t *testing.T, v any) string {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("encoding %T: %v", v, err)
	}
	return string(data)
}

// codeOf returns the JSON-RPC error code that err carries, or 0.
func codeOf(err error) int64 {
	var e *conn.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return 0
}

// next waits for the next notification of method at c and decodes its
// params into a T.
func next[T any](t *testing.T, c *lsptest.Client, method string) T {
	t.Helper()
	raw, err := c.Notification(testContext(t), method)
	if err != nil {
		t.Fatalf("waiting for %s: %v", method, err)
	}
	return decode[T](t, string(raw))
}

// noneQueued fails the test if c holds a notification of method that no
// one has taken. Notifications arrive in order, so once a later one has
// been taken, none is still on its way.
func noneQueued(t *testing.T, c *lsptest.Client, method string) {
	t.Helper()
	done, cancel := context.WithCancel(context.Background())
	cancel()
	if raw, err := c.Notification(done, method); err == nil {
		t.Errorf("unexpected %s: %s", method, raw)
	}
}

// hoverText is a hover with plain text contents.
func hoverText(s string) *protocol.Hover {
	return &protocol.Hover{Contents: protocol.NewHoverContentsMarkupContent(protocol.MarkupContent{
		Kind: protocol.MarkupKindPlainText, Value: s,
	})}
}

// textOf returns the text of a hover made by hoverText ("" for none).
func textOf(t *testing.T, h *protocol.Hover) string {
	t.Helper()
	if h == nil {
		return ""
	}
	mc, ok := h.Contents.AsMarkupContent()
	if !ok {
		t.Fatalf("hover contents are not markup: %#v", h.Contents)
	}
	return mc.Value
}

// hoverAt returns hover params for a position in uri.
func hoverAt(uri protocol.DocumentURI, line, char uint32) *protocol.HoverParams {
	return &protocol.HoverParams{
		TextDocument: protocol.TextDocumentIdentifier{URI: uri},
		Position:     protocol.Position{Line: line, Character: char},
	}
}

// wait waits for ch to be closed or receive, or fails the test after a
// bound that only a hang reaches.
func wait[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
	}
	panic("unreachable")
}

// wireWatch is the writer of a wire trace (WithWireTrace): it keeps the
// lines, checking each, and lets a test wait for one.
type wireWatch struct {
	mu      sync.Mutex
	partial []byte
	lines   []traceLine
	bad     []string      // lines that are not what WithWireTrace promises
	added   chan struct{} // closed and replaced when a line is added
}

// traceLine is one line of a wire trace.
type traceLine struct {
	Time time.Time       `json:"time"`
	Dir  string          `json:"dir"`
	Msg  json.RawMessage `json:"msg"`
}

func newWireWatch() *wireWatch { return &wireWatch{added: make(chan struct{})} }

func (w *wireWatch) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.partial = append(w.partial, p...)
	for {
		i := bytes.IndexByte(w.partial, '\n')
		if i < 0 {
			break
		}
		line := string(w.partial[:i])
		w.partial = w.partial[i+1:]
		var l traceLine
		dec := json.NewDecoder(strings.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&l); err != nil || dec.More() || l.Time.IsZero() || (l.Dir != "in" && l.Dir != "out") || len(l.Msg) == 0 {
			w.bad = append(w.bad, line)
			continue
		}
		w.lines = append(w.lines, l)
	}
	close(w.added)
	w.added = make(chan struct{})
	return len(p), nil
}

// all returns the lines so far, failing the test if any was not one JSON
// object with a time, a direction and a message.
func (w *wireWatch) all(t *testing.T) []traceLine {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.bad) > 0 || len(w.partial) > 0 {
		t.Fatalf("bad wire trace lines: %q (unterminated: %q)", w.bad, w.partial)
	}
	return slices.Clone(w.lines)
}

// await waits for a line with direction dir whose message matches the
// JSON object pattern: every property of the pattern is in the message,
// with the same value (recursively for objects).
func (w *wireWatch) await(t *testing.T, dir, pattern string) traceLine {
	t.Helper()
	want := decode[any](t, pattern)
	deadline := time.After(10 * time.Second)
	for seen := 0; ; {
		w.mu.Lock()
		lines, added := w.lines, w.added
		w.mu.Unlock()
		for ; seen < len(lines); seen++ {
			l := lines[seen]
			if l.Dir == dir && matches(decode[any](t, string(l.Msg)), want) {
				return l
			}
		}
		select {
		case <-added:
		case <-deadline:
			t.Fatalf("no %q message like %s in the wire trace", dir, pattern)
		}
	}
}

// matches reports whether got has every property of want, with the same
// value.
func matches(got, want any) bool {
	wm, ok := want.(map[string]any)
	if !ok {
		return reflect.DeepEqual(got, want)
	}
	gm, ok := got.(map[string]any)
	if !ok {
		return false
	}
	for k, v := range wm {
		if !matches(gm[k], v) {
			return false
		}
	}
	return true
}

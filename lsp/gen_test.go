package lsp

// These tests look inside: that every generated On… method registers the
// method it is named for, with the params and result types of the protocol's
// table, and that the generated files are what lspgen makes today.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/lspkit/lspkit/conn"
	"github.com/lspkit/lspkit/lsp/protocol"
)

// frameworkMethods are the client→server methods the framework handles
// itself, so that no On… method stands for them.
var frameworkMethods = map[string]bool{
	"initialize": true, "initialized": true, "shutdown": true, "exit": true,
	"$/cancelRequest": true, "$/setTrace": true, "window/workDoneProgress/cancel": true,
}

// onMethods calls every generated On… method of s with a handler made by
// makeHandler and returns, for each, the LSP method it registered.
func onMethods(t *testing.T, s *Server, makeHandler func(goName string, typ reflect.Type) reflect.Value) map[string]string {
	t.Helper()
	registered := map[string]string{} // LSP method → Go method
	v := reflect.ValueOf(s)
	for i := range v.NumMethod() {
		name := v.Type().Method(i).Name
		if !strings.HasPrefix(name, "On") || name == "OnInitialize" || name == "OnInitialized" || name == "OnShutdown" {
			continue
		}
		before := len(s.routes)
		m := v.Method(i)
		m.Call([]reflect.Value{makeHandler(name, m.Type().In(0))})
		if len(s.routes) != before+1 {
			t.Fatalf("%s registered %d routes, want 1", name, len(s.routes)-before)
		}
		for method := range s.routes {
			if _, ok := registered[method]; !ok {
				registered[method] = name
			}
		}
	}
	return registered
}

// zeroHandler returns a handler of type typ that returns zero values.
func zeroHandler(_ string, typ reflect.Type) reflect.Value {
	return reflect.MakeFunc(typ, func([]reflect.Value) []reflect.Value {
		out := make([]reflect.Value, typ.NumOut())
		for i := range out {
			out[i] = reflect.Zero(typ.Out(i))
		}
		return out
	})
}

// goType is how a type of the protocol's table is written in Go, as
// reflect.Type.String spells it: "*Hover" is "*protocol.Hover".
func goType(t string, pointerToStruct bool) string {
	prefix := ""
	for strings.HasPrefix(t, "*") || strings.HasPrefix(t, "[]") {
		if t[0] == '*' {
			prefix, t = prefix+"*", t[1:]
		} else {
			prefix, t = prefix+"[]", t[2:]
		}
	}
	switch {
	case t == "LSPAny":
		t = "json.RawMessage" // an alias
	case t != "" && t[0] >= 'A' && t[0] <= 'Z':
		t = "protocol." + t
		if pointerToStruct && prefix == "" {
			prefix = "*"
		}
	}
	return prefix + t
}

func TestOnMethodsCoverTheProtocol(t *testing.T) {
	s := NewServer("", "")
	registered := onMethods(t, s, zeroHandler)

	for method, info := range protocol.Methods {
		if info.Direction == protocol.ServerToClient || frameworkMethods[method] {
			continue
		}
		if _, ok := registered[method]; !ok {
			t.Errorf("no On… method registers %s", method)
		}
	}
	for method, goName := range registered {
		info, ok := protocol.Methods[method]
		switch {
		case !ok:
			t.Errorf("%s registers %q, which is not in the protocol", goName, method)
			continue
		case info.Direction == protocol.ServerToClient || frameworkMethods[method]:
			t.Errorf("%s registers %q, which a server does not handle", goName, method)
			continue
		}
		m, _ := reflect.TypeOf(s).MethodByName(goName)
		h := m.Type.In(1) // In(0) is the receiver
		var got []string
		for i := 1; i < h.NumIn(); i++ {
			got = append(got, h.In(i).String())
		}
		for i := 0; i < h.NumOut()-1; i++ {
			got = append(got, "→"+h.Out(i).String())
		}
		var want []string
		if info.Params != "" {
			want = append(want, goType(info.Params, true))
		}
		if info.Result != "" {
			want = append(want, "→"+goType(info.Result, false))
		} else if !info.Notification && h.NumOut() == 2 {
			want = append(want, "→"+h.Out(0).String()) // a null result: any type will do
		}
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("%s (%s): handler takes %v, want %v", goName, method, got, want)
		}
	}
}

// TestOnMethodsDispatch registers every On… method and sends every
// method: each reaches its own handler, with params decoded.
func TestOnMethodsDispatch(t *testing.T) {
	s := NewServer("all", "1")
	caps := protocol.ServerCapabilities{
		SemanticTokensProvider: new(protocol.NewServerCapabilitiesSemanticTokensProviderSemanticTokensOptions(protocol.SemanticTokensOptions{
			Legend: protocol.SemanticTokensLegend{TokenTypes: []string{"keyword"}, TokenModifiers: []string{}},
		})),
		Workspace: &protocol.WorkspaceOptions{TextDocumentContent: new(protocol.NewWorkspaceOptionsTextDocumentContentTextDocumentContentOptions(
			protocol.TextDocumentContentOptions{Schemes: []string{"mem"}}))},
	}
	s.SetCapabilities(caps)
	called := make(chan string, 200)
	paramTypes := map[string]reflect.Type{} // by Go name
	registered := onMethods(t, s, func(goName string, typ reflect.Type) reflect.Value {
		if typ.NumIn() > 1 {
			paramTypes[goName] = typ.In(1)
		}
		return reflect.MakeFunc(typ, func(args []reflect.Value) []reflect.Value {
			if len(args) > 1 && args[1].Kind() == reflect.Pointer && args[1].IsNil() {
				t.Errorf("%s: params are nil", goName)
			}
			called <- goName
			return zeroHandler(goName, typ).Call(args)
		})
	})

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	client, served := serveRaw(t, ctx, s)
	if err := client.Call(ctx, "initialize", map[string]any{"processId": nil, "capabilities": map[string]any{}}, nil); err != nil {
		t.Fatal(err)
	}
	for method, goName := range registered {
		info := protocol.Methods[method]
		var params any
		if info.Params != "" {
			// The zero value of the params, encoded: every required
			// property is there, as conn.Typed demands.
			data, err := json.Marshal(reflect.New(paramTypes[goName].Elem()).Interface())
			switch {
			case strings.HasSuffix(info.Params, "LSPAny"):
				data = json.RawMessage(`{"any": true}`)
			case err != nil:
				// A required or-type has no zero value to encode
				// ($/progress's token, inlayHint/resolve's label): {}
				// must then be refused, naming what is missing.
				if !info.Notification {
					err := client.Call(ctx, method, json.RawMessage(`{}`), nil)
					var e *conn.Error
					if !errors.As(err, &e) || e.Code != conn.CodeInvalidParams || !strings.Contains(string(e.Data), `"field"`) {
						t.Errorf("%s with {}: %v, want -32602 naming a field", method, err)
					}
				}
				continue
			}
			params = json.RawMessage(data)
		}
		if info.Notification {
			if err := client.Notify(ctx, method, params); err != nil {
				t.Fatal(err)
			}
		} else {
			// The zero result of some handlers does not encode (an or-type
			// holding nothing): that the handler ran is what counts here.
			err := client.Call(ctx, method, params, nil)
			if code := codeOf(err); code != 0 && code != conn.CodeInternalError {
				t.Errorf("%s: %v", method, err)
			}
		}
		select {
		case got := <-called:
			if got != goName {
				t.Errorf("%s reached %s, want %s", method, got, goName)
			}
		case <-ctx.Done():
			t.Fatalf("%s reached no handler", method)
		}
	}
	client.Close()
	<-served
}

// serveRaw serves s over an in-memory pipe and returns a plain conn client
// and a channel that receives Serve's result.
func serveRaw(t *testing.T, ctx context.Context, s *Server) (*conn.Conn, <-chan error) {
	t.Helper()
	ar, bw := io.Pipe()
	br, aw := io.Pipe()
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, pipeEnd{ar, aw}) }()
	return conn.New(ctx, pipeEnd{br, bw}, nil), served
}

type pipeEnd struct {
	*io.PipeReader
	*io.PipeWriter
}

func (e pipeEnd) Close() error { return errors.Join(e.PipeReader.Close(), e.PipeWriter.Close()) }

func codeOf(err error) int64 {
	var e *conn.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return 0
}

// TestGeneratedFilesAreCurrent runs lspgen and compares what it writes
// with the files in the tree: run go generate ./lsp/ if this fails.
func TestGeneratedFilesAreCurrent(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the generator")
	}
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "lsptest"), 0o755); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("go", "run", "./internal/cmd/lspgen", "-dir", dir).CombinedOutput()
	if err != nil {
		t.Fatalf("lspgen: %v\n%s", err, out)
	}
	for _, f := range []string{"server_gen.go", "client_gen.go", filepath.Join("lsptest", "requests_gen.go")} {
		want, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is not what lspgen makes now: run go generate ./lsp/", f)
		}
	}
}

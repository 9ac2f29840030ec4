// Command lspgen writes package lsp's typed API from the protocol's method
// table (protocol.Methods, itself generated from the meta model): an On…
// method on Server for every message a client sends, and a method on
// Client for every message a server sends. Run it with go generate in
// package lsp.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"go/format"
	"log"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"github.com/lspkit/lspkit/lsp/protocol"
)

// handwritten lists the messages package lsp handles itself, by hand or
// through conn, so no generated method stands for them.
var handwritten = map[string]string{
	"initialize":                     "Server.OnInitialize: the framework answers it",
	"initialized":                    "Server.OnInitialized",
	"shutdown":                       "Server.OnShutdown",
	"exit":                           "the lifecycle ends serving",
	"$/cancelRequest":                "conn handles cancellation",
	"$/setTrace":                     "the tracer keeps the trace level",
	"window/workDoneProgress/cancel": "progress cancels its reporter",
}

// names overrides the derived Go name of a method, where the rule would be
// unclear or clash.
var names = map[string]string{
	"workspace/didChangeConfiguration":    "DidChangeConfiguration",
	"workspace/didChangeWatchedFiles":     "DidChangeWatchedFiles",
	"workspace/didChangeWorkspaceFolders": "DidChangeWorkspaceFolders",
	"workspace/didCreateFiles":            "DidCreateFiles",
	"workspace/didRenameFiles":            "DidRenameFiles",
	"workspace/didDeleteFiles":            "DidDeleteFiles",
	"workspace/willCreateFiles":           "WillCreateFiles",
	"workspace/willRenameFiles":           "WillRenameFiles",
	"workspace/willDeleteFiles":           "WillDeleteFiles",
	"workspace/executeCommand":            "ExecuteCommand",
}

// clientCapabilities overrides the client capability that the meta model
// gives a server→client request, where checking it as given would be
// wrong; "" means the request needs none.
var clientCapabilities = map[string]string{
	// Every client shows message requests: window.showMessage only
	// refines them (messageActionItem).
	"window/showMessageRequest": "",
	// The meta model names the object; its refreshSupport says yes or no.
	"workspace/codeLens/refresh": "workspace.codeLens.refreshSupport",
}

// clientCapability returns the client capability a server→client request
// needs, or "".
func clientCapability(m protocol.MethodInfo) string {
	if c, ok := clientCapabilities[m.Method]; ok {
		return c
	}
	return m.ClientCapability
}

func main() {
	out := flag.String("dir", ".", "the directory of package lsp")
	flag.Parse()
	var server, client []protocol.MethodInfo
	for _, m := range protocol.Methods {
		if _, ok := handwritten[m.Method]; ok {
			continue
		}
		if m.Direction != protocol.ServerToClient {
			server = append(server, m)
		}
		if m.Direction != protocol.ClientToServer {
			client = append(client, m)
		}
	}
	byMethod := func(a, b protocol.MethodInfo) int { return strings.Compare(a.Method, b.Method) }
	slices.SortFunc(server, byMethod)
	slices.SortFunc(client, byMethod)
	write(filepath.Join(*out, "server_gen.go"), serverFile(server))
	write(filepath.Join(*out, "client_gen.go"), clientFile(client))
	write(filepath.Join(*out, "lsptest", "requests_gen.go"), testClientFile(server))
}

// testClientFile returns lsptest's typed requests: the mirror image of the
// server's On… methods, for tests that play the client.
func testClientFile(ms []protocol.MethodInfo) []byte {
	var b bytes.Buffer
	for _, m := range ms {
		if m.Notification || m.Direction != protocol.ClientToServer {
			continue
		}
		name := serverName(m.Method)
		params, arg := "", "nil"
		if m.Params != "" {
			params, arg = ", params "+pointer(m.Params), "params"
		}
		fmt.Fprintf(&b, "// %s sends the %s request and waits for its reply.\n", name, m.Method)
		if m.Result == "" {
			fmt.Fprintf(&b, "func (c *Client) %s(ctx context.Context%s) error {\n", name, params)
			fmt.Fprintf(&b, "\treturn c.conn.Call(ctx, %q, %s, nil)\n}\n\n", m.Method, arg)
			continue
		}
		fmt.Fprintf(&b, "func (c *Client) %s(ctx context.Context%s) (%s, error) {\n", name, params, qualify(m.Result))
		fmt.Fprintf(&b, "\tvar result %s\n", qualify(m.Result))
		fmt.Fprintf(&b, "\terr := c.conn.Call(ctx, %q, %s, &result)\n\treturn result, err\n}\n\n", m.Method, arg)
	}
	return bytes.Replace(header(b.Bytes()), []byte("package lsp\n"), []byte("package lsptest\n"), 1)
}

// serverFile returns the On… methods: each registers a typed handler.
func serverFile(ms []protocol.MethodInfo) []byte {
	var b bytes.Buffer
	for _, m := range ms {
		name := "On" + serverName(m.Method)
		kind := "request"
		if m.Notification {
			kind = "notification"
		}
		fmt.Fprintf(&b, "// %s registers the handler of the %s %s.\n", name, m.Method, kind)
		if m.ServerCapability != "" {
			fmt.Fprintf(&b, "// Registering it announces the server capability %s.\n", m.ServerCapability)
		}
		params := "params " + pointer(m.Params)
		var sig, adapt string
		switch {
		case m.Notification && m.Params == "":
			sig = "func(ctx context.Context) error"
			adapt = "conn.TypedNotification(func(ctx context.Context, _ json.RawMessage) error { return h(ctx) })"
		case m.Notification:
			sig = fmt.Sprintf("func(ctx context.Context, %s) error", params)
			adapt = "conn.TypedNotification(h)"
		case m.Result == "" && m.Params == "":
			sig = "func(ctx context.Context) error"
			adapt = "conn.Typed(func(ctx context.Context, _ json.RawMessage) (any, error) { return nil, h(ctx) })"
		case m.Result == "":
			sig = fmt.Sprintf("func(ctx context.Context, %s) error", params)
			adapt = fmt.Sprintf("conn.Typed(func(ctx context.Context, p %s) (any, error) { return nil, h(ctx, p) })", pointer(m.Params))
		case m.Params == "":
			sig = fmt.Sprintf("func(ctx context.Context) (%s, error)", qualify(m.Result))
			adapt = fmt.Sprintf("conn.Typed(func(ctx context.Context, _ json.RawMessage) (%s, error) { return h(ctx) })", qualify(m.Result))
		default:
			sig = fmt.Sprintf("func(ctx context.Context, %s) (%s, error)", params, qualify(m.Result))
			adapt = "conn.Typed(h)"
		}
		fmt.Fprintf(&b, "func (s *Server) %s(h %s, opts ...HandlerOption) {\n", name, sig)
		fmt.Fprintf(&b, "\ts.register(%q, %s, opts)\n}\n\n", m.Method, adapt)
	}
	return header(b.Bytes())
}

// clientFile returns the Client methods: each sends one message.
func clientFile(ms []protocol.MethodInfo) []byte {
	var b bytes.Buffer
	b.WriteString("// requestCapabilities maps each request a server sends to the client\n")
	b.WriteString("// capability it needs; Client's methods fail with ErrUnsupported without it.\n")
	b.WriteString("var requestCapabilities = map[string]string{\n")
	for _, m := range ms {
		if cc := clientCapability(m); !m.Notification && cc != "" {
			fmt.Fprintf(&b, "\t%q: %q,\n", m.Method, cc)
		}
	}
	b.WriteString("}\n\n")
	for _, m := range ms {
		name := clientName(m.Method)
		params, arg := "", "nil"
		if m.Params != "" {
			params, arg = ", params "+pointer(m.Params), "params"
		}
		if m.Notification {
			fmt.Fprintf(&b, "// %s sends the %s notification.\n", name, m.Method)
			fmt.Fprintf(&b, "func (c *Client) %s(ctx context.Context%s) error {\n", name, params)
			fmt.Fprintf(&b, "\treturn c.notify(ctx, %q, %s)\n}\n\n", m.Method, arg)
			continue
		}
		fmt.Fprintf(&b, "// %s sends the %s request and waits for its reply.\n", name, m.Method)
		if cc := clientCapability(m); cc != "" {
			fmt.Fprintf(&b, "// It fails at once, with ErrUnsupported, if the client did not declare %s.\n", cc)
		}
		if m.Result == "" {
			fmt.Fprintf(&b, "func (c *Client) %s(ctx context.Context%s) error {\n", name, params)
			fmt.Fprintf(&b, "\treturn c.call(ctx, %q, %s, nil)\n}\n\n", m.Method, arg)
			continue
		}
		fmt.Fprintf(&b, "func (c *Client) %s(ctx context.Context%s) (%s, error) {\n", name, params, qualify(m.Result))
		fmt.Fprintf(&b, "\tvar result %s\n", qualify(m.Result))
		fmt.Fprintf(&b, "\terr := c.call(ctx, %q, %s, &result)\n\treturn result, err\n}\n\n", m.Method, arg)
	}
	return header(b.Bytes())
}

// header writes the file's first lines; body is the rest, which says what
// it needs imported.
func header(body []byte) []byte {
	var b bytes.Buffer
	b.WriteString("// Code generated by lspgen. DO NOT EDIT.\n\npackage lsp\n\nimport (\n\t\"context\"\n")
	if bytes.Contains(body, []byte("json.")) {
		b.WriteString("\t\"encoding/json\"\n")
	}
	b.WriteString("\n")
	if regexp.MustCompile(`[^.]conn\.`).Match(body) { // conn.Typed, not c.conn.Call
		b.WriteString("\t\"github.com/lspkit/lspkit/conn\"\n")
	}
	b.WriteString("\t\"github.com/lspkit/lspkit/lsp/protocol\"\n)\n\n")
	b.Write(body)
	return b.Bytes()
}

// serverName is the Go name of a client→server method: textDocument/ is
// dropped (OnHover, OnDidOpen), other prefixes are kept (OnWorkspaceSymbol)
// unless the names table says otherwise.
func serverName(method string) string {
	if n, ok := names[method]; ok {
		return n
	}
	return camel(strings.TrimPrefix(method, "textDocument/"))
}

// clientName is the Go name of a server→client method: the first segment
// (window/, workspace/, textDocument/, client/, $/) is dropped
// (ShowMessage, Configuration, RegisterCapability, SemanticTokensRefresh),
// but for telemetry/event (TelemetryEvent).
func clientName(method string) string {
	if strings.HasPrefix(method, "telemetry/") {
		return camel(method)
	}
	_, rest, _ := strings.Cut(method, "/")
	return camel(rest)
}

// camel joins the segments of a method in CamelCase.
func camel(s string) string {
	var b strings.Builder
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == '/' || r == '$' }) {
		r := []rune(part)
		r[0] = unicode.ToUpper(r[0])
		b.WriteString(string(r))
	}
	return b.String()
}

// qualify writes a protocol type as seen from package lsp: "*Hover" becomes
// "*protocol.Hover", "[]TextEdit" "[]protocol.TextEdit".
func qualify(t string) string {
	prefix := ""
	for {
		switch {
		case strings.HasPrefix(t, "*"):
			prefix, t = prefix+"*", t[1:]
			continue
		case strings.HasPrefix(t, "[]"):
			prefix, t = prefix+"[]", t[2:]
			continue
		}
		break
	}
	if t != "" && unicode.IsUpper([]rune(t)[0]) {
		t = "protocol." + t
	}
	return prefix + t
}

// pointer is the type a handler takes params as: a pointer to a struct, so
// that large params are not copied and optional ones can be nil.
func pointer(t string) string {
	q := qualify(t)
	if strings.HasPrefix(q, "protocol.") && !strings.HasSuffix(q, "LSPAny") {
		return "*" + q
	}
	return q
}

func write(path string, src []byte) {
	out, err := format.Source(src)
	if err != nil {
		log.Fatalf("lspgen: %s: %v\n%s", path, err, src)
	}
	if err := os.WriteFile(path, out, 0o644); err != nil {
		log.Fatal(err)
	}
}

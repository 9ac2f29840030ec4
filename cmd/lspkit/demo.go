package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/lspkit/lspkit/conn"
	"github.com/lspkit/lspkit/lsp/protocol"
	"github.com/spf13/cobra"
)

// demoText is the document the demo opens: a little calc program with one
// mistake in it.
const demoText = `# Circle area, in calc.
let r = 2
let π = 3.14159
let area = π * r^2
area / (r - 2)
`

// newDemo is `lspkit demo`: a newcomer's first run. It starts the calc
// language server as a subprocess, plays the client's side of a short
// session and prints what goes back and forth.
func newDemo() *cobra.Command {
	var timeout time.Duration
	var raw bool
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Watch an editor talk to the calc language server",
		Long: `Start the calc language server (lspkit serve calc) as a subprocess, play a
short scripted session as an editor would — open a document, receive its
diagnostics, hover, complete, rename, shut down — and print it readably.

The readable form counts lines and columns from 1, as editors show them;
the protocol counts them from 0 (line 1 is "line": 0). --raw also prints
each message as it goes, as JSON: "→" from the editor, "←" from the server.`,
		Example: "  lspkit demo\n  lspkit demo --raw",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
			defer cancel()
			return runDemo(ctx, cmd.OutOrStdout(), raw)
		},
	}
	cmd.Flags().DurationVar(&timeout, "timeout", 30*time.Second, "give up after this long")
	cmd.Flags().BoolVar(&raw, "raw", false, "also print each message as JSON, as it is sent or received")
	return cmd
}

// rawLog keeps the messages of a --raw demo as the connection reads and
// writes them (on its own goroutines), until the session prints them at
// points where they belong: after the step that made them.
type rawLog struct {
	mu      sync.Mutex
	lines   []string
	written map[string]chan struct{} // notifications awaited, by method
}

// hook records a message, with an arrow for its direction: "→" what the
// editor (we) sends, "←" what the server sends.
func (l *rawLog) hook(dir conn.Direction, msg []byte) {
	arrow := "→"
	if dir == conn.In {
		arrow = "←"
	}
	var m struct {
		ID     json.RawMessage `json:"id"`
		Method string          `json:"method"`
	}
	_ = json.Unmarshal(msg, &m)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf("   %s %s\n", arrow, msg))
	if ch := l.written[m.Method]; dir == conn.Out && m.ID == nil && ch != nil {
		close(ch)
		delete(l.written, m.Method)
	}
}

// await returns a channel closed once a notification of method is written.
func (l *rawLog) await(method string) <-chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	ch := make(chan struct{})
	l.written[method] = ch
	return ch
}

// flush prints the messages recorded so far.
func (l *rawLog) flush(out io.Writer) {
	l.mu.Lock()
	lines := l.lines
	l.lines = nil
	l.mu.Unlock()
	for _, line := range lines {
		io.WriteString(out, line)
	}
}

// demo is a running demo session.
type demo struct {
	raw   *rawLog // with --raw
	out   io.Writer
	c     *conn.Conn
	diags chan protocol.PublishDiagnosticsParams
}

func runDemo(ctx context.Context, out io.Writer, raw bool) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	server, err := conn.StartProcess(exec.Command(self, "serve", "calc"), conn.WithStderr(os.Stderr))
	if err != nil {
		return fmt.Errorf("starting the calc server: %w", err)
	}
	defer server.Release() // no path leaves it behind
	d := &demo{out: out, diags: make(chan protocol.PublishDiagnosticsParams, 4)}
	var opts []conn.Option
	if raw {
		d.raw = &rawLog{written: make(map[string]chan struct{})}
		opts = append(opts, conn.WithHook(d.raw.hook))
	}
	d.c = server.Connect(ctx, conn.HandlerFunc(d.serverMessage), opts...)
	defer d.c.Close()
	fmt.Fprintf(out, "Started %q as the language server; we play the editor.\n", "lspkit serve calc")
	fmt.Fprintf(out, "Lines and columns below count from 1, as an editor shows them; the protocol's count from 0\n(line 1 is \"line\": 0)%s.\n\n",
		map[bool]string{true: ", as the raw messages (→ sent, ← received) show", false: "; lspkit demo --raw shows the messages"}[raw])
	if err := d.play(ctx); err != nil {
		return err
	}
	// Stop closes the connection and the server's stdin, as "exit" asked
	// the server to expect, and waits for it to exit.
	exit, err := server.Stop(ctx)
	switch {
	case err != nil:
		return err
	case exit.Step != conn.StopNone:
		return fmt.Errorf("the calc server did not exit once its input was closed: %v", exit)
	}
	fmt.Fprintf(out, "\nThe server exited with code %d: a clean end, as the specification asks.\n", exit.Code)
	return nil
}

// play is the scripted session.
func (d *demo) play(ctx context.Context) error {
	const uri = protocol.DocumentURI("file:///demo/circle.calc")
	var init protocol.InitializeResult
	d.step("initialize", "the editor introduces itself; the server answers with what it can do")
	if err := d.call(ctx, "initialize", map[string]any{
		"processId": os.Getpid(), "rootUri": nil, "clientInfo": map[string]string{"name": "lspkit demo"},
		"capabilities": map[string]any{"textDocument": map[string]any{"hover": map[string]any{}, "completion": map[string]any{}}},
	}, &init); err != nil {
		return err
	}
	d.say("server %s %s, position encoding %s", init.ServerInfo.Name, init.ServerInfo.Version, init.Capabilities.PositionEncoding)
	d.say("capabilities: %s", capabilityNames(init.Capabilities))
	if err := d.notify(ctx, "initialized", struct{}{}); err != nil {
		return err
	}

	d.step("textDocument/didOpen", "the editor opens a document")
	d.show(demoText)
	if err := d.notify(ctx, "textDocument/didOpen", protocol.DidOpenTextDocumentParams{
		TextDocument: protocol.TextDocumentItem{URI: uri, LanguageID: "calc", Version: 1, Text: demoText},
	}); err != nil {
		return err
	}
	d.step("textDocument/publishDiagnostics", "the server checks it and reports problems on its own")
	select {
	case p := <-d.diags:
		d.flushRaw()
		for _, diag := range p.Diagnostics {
			msg, _ := diag.Message.AsString()
			d.say("line %d, columns %d-%d: %s", diag.Range.Start.Line+1, diag.Range.Start.Character+1, diag.Range.End.Character, msg)
		}
	case <-ctx.Done():
		return ctx.Err()
	}

	at := func(line, char uint32) protocol.TextDocumentPositionParams {
		return protocol.TextDocumentPositionParams{TextDocument: protocol.TextDocumentIdentifier{URI: uri}, Position: protocol.Position{Line: line, Character: char}}
	}
	d.step("textDocument/hover", "the mouse rests on 'area' (line 5)")
	var hover *protocol.Hover
	if err := d.call(ctx, "textDocument/hover", at(4, 1), &hover); err != nil {
		return err
	}
	if hover != nil {
		mc, _ := hover.Contents.AsMarkupContent()
		d.show(mc.Value)
	}

	d.step("textDocument/completion", "the user types on an empty line 6: what may go there?")
	var items []protocol.CompletionItem
	if err := d.call(ctx, "textDocument/completion", at(5, 0), &items); err != nil {
		return err
	}
	var labels []string
	for _, it := range items {
		labels = append(labels, it.Label)
	}
	d.say("%s", strings.Join(labels, ", "))

	d.step("textDocument/rename", "rename 'r' to 'radius' everywhere")
	var edit protocol.WorkspaceEdit
	if err := d.call(ctx, "textDocument/rename", protocol.RenameParams{
		TextDocument: protocol.TextDocumentIdentifier{URI: uri}, Position: protocol.Position{Line: 1, Character: 4}, NewName: "radius",
	}, &edit); err != nil {
		return err
	}
	for _, e := range edit.Changes[uri] {
		d.say("line %d, columns %d-%d → %q", e.Range.Start.Line+1, e.Range.Start.Character+1, e.Range.End.Character, e.NewText)
	}

	d.step("shutdown, exit", "the editor closes: first shutdown, then exit")
	if err := d.call(ctx, "shutdown", nil, nil); err != nil {
		return err
	}
	return d.notify(ctx, "exit", nil)
}

// call makes a call; with --raw, its messages are printed once it returns.
func (d *demo) call(ctx context.Context, method string, params, result any) error {
	err := d.c.Call(ctx, method, params, result)
	d.flushRaw()
	return err
}

// notify sends a notification; with --raw, it is printed once written.
func (d *demo) notify(ctx context.Context, method string, params any) error {
	if d.raw == nil {
		return d.c.Notify(ctx, method, params)
	}
	written := d.raw.await(method)
	if err := d.c.Notify(ctx, method, params); err != nil {
		return err
	}
	select {
	case <-written:
	case <-ctx.Done():
	case <-time.After(time.Second): // the server has stopped reading: go on
	}
	d.flushRaw()
	return nil
}

// flushRaw prints, with --raw, the messages that went by.
func (d *demo) flushRaw() {
	if d.raw != nil {
		d.raw.flush(d.out)
	}
}

// serverMessage takes what the server sends on its own: diagnostics are
// shown, requests such as workspace/configuration answered with nothing.
func (d *demo) serverMessage(_ context.Context, req *conn.Request) (any, error) {
	if req.Method == "textDocument/publishDiagnostics" {
		var p protocol.PublishDiagnosticsParams
		if json.Unmarshal(req.Params, &p) == nil {
			select {
			case d.diags <- p:
			default:
			}
		}
	}
	return nil, nil
}

func (d *demo) step(method, what string) {
	fmt.Fprintf(d.out, "\n── %s: %s\n", method, what)
}

func (d *demo) say(format string, args ...any) {
	fmt.Fprintf(d.out, "   "+format+"\n", args...)
}

func (d *demo) show(text string) {
	for _, line := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		fmt.Fprintf(d.out, "   │ %s\n", line)
	}
}

// capabilityNames lists the providers a server announced.
func capabilityNames(caps protocol.ServerCapabilities) string {
	data, _ := json.Marshal(caps)
	var m map[string]json.RawMessage
	_ = json.Unmarshal(data, &m)
	var names []string
	for k := range m {
		if strings.HasSuffix(k, "Provider") {
			names = append(names, strings.TrimSuffix(k, "Provider"))
		}
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

package calc_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/lspkit/lspkit/conn"
	"github.com/lspkit/lspkit/lsp/lsptest"
	"github.com/lspkit/lspkit/lsp/protocol"
	"github.com/lspkit/lspkit/samples/calc"
)

// The workspace: files on disk indexed at start with progress, imports
// across files, watched files, settings read with workspace/configuration,
// and the calc.evaluateWorkspace command with progress and cancellation.

// workspaceFiles is a workspace of three .calc files, one hidden and one
// that is not calc.
var workspaceFiles = map[string]string{
	"lib/consts.calc":   "let π = 3.14159\nlet τ = 2 * π\nlet spare = 1\n",
	"main.calc":         "import \"lib/consts.calc\"\nlet 𝑟 = 2\nlet area = π * 𝑟 ^ 2\narea + τ\n",
	"other.calc":        "import \"lib/consts.calc\"\nτ / 0\n",
	".hidden/skip.calc": "let skipped = 1\n",
	"notes.txt":         "let nope = 1\n",
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, text := range files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// startWorkspace writes the files in a temporary folder and starts a
// session with it as workspace folder.
func startWorkspace(t *testing.T, files map[string]string, extraCaps string, before func(*lsptest.Client)) (s *session, dir string) {
	t.Helper()
	dir = t.TempDir()
	writeFiles(t, dir, files)
	folders := []protocol.WorkspaceFolder{{URI: protocol.URI(fileURI(dir)), Name: "w"}}
	s = start(t, &protocol.InitializeParams{
		Capabilities:     clientCaps(t, []string{"utf-16"}, extraCaps),
		WorkspaceFolders: protocol.Nullable[[]protocol.WorkspaceFolder]{Value: &folders},
	}, before)
	return s, dir
}

func TestWorkspaceIndexing(t *testing.T) {
	registrations := make(chan protocol.RegistrationParams, 1)
	s, dir := startWorkspace(t, workspaceFiles, `{"workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}}, "textDocument": {"diagnostic": {}}}`, func(c *lsptest.Client) {
		c.Handle("client/registerCapability", conn.Typed(func(_ context.Context, p protocol.RegistrationParams) (any, error) {
			registrations <- p
			return nil, nil
		}))
	})
	defer s.shutdown()
	uri := func(name string) protocol.DocumentURI { return fileURI(filepath.Join(dir, name)) }

	// The server watches .calc files...
	select {
	case p := <-registrations:
		opts, _ := json.Marshal(p.Registrations[0].RegisterOptions)
		if len(p.Registrations) != 1 || p.Registrations[0].Method != "workspace/didChangeWatchedFiles" || string(opts) != `{"watchers":[{"globPattern":"**/*.calc"}]}` {
			t.Errorf("registration: %+v %s", p.Registrations, opts)
		}
	case <-s.ctx.Done():
		t.Fatal("no client/registerCapability")
	}
	// ...and indexes the workspace with work-done progress, on a token it
	// asked the client to create.
	created, err := s.wire.wait(s.ctx, func(m wireMsg) bool { return m.Msg.Method == "window/workDoneProgress/create" })
	if err != nil {
		t.Fatal(err)
	}
	var create struct{ Token any }
	json.Unmarshal(created.Msg.Params, &create)
	var got []string
	for _, p := range s.progressUntilEnd(create.Token) {
		pct := ""
		if p.Value.Percentage != nil {
			pct = fmt.Sprintf(" %d%%", *p.Value.Percentage)
		}
		got = append(got, p.Value.Kind+" "+p.Value.Title+p.Value.Message+pct)
	}
	want := []string{
		"begin Indexing calc files",
		"report 1/3 consts.calc 33%",
		"report 2/3 main.calc 66%",
		"report 3/3 other.calc 100%",
		"end ",
	}
	if !slices.Equal(got, want) {
		t.Errorf("indexing progress:\n got %q\nwant %q", got, want)
	}

	// Every let of the workspace is a workspace symbol, open or not; the
	// hidden folder and other files are not indexed.
	ws, err := s.c.WorkspaceSymbol(s.ctx, &protocol.WorkspaceSymbolParams{Query: ""})
	if err != nil {
		t.Fatal(err)
	}
	infos, _ := ws.Value.([]protocol.SymbolInformation)
	got = nil
	for _, info := range infos {
		got = append(got, info.ContainerName+":"+info.Name+"@"+rangeStr(info.Location.Range))
	}
	want = []string{"consts.calc:π@0:4-0:5", "consts.calc:τ@1:4-1:5", "consts.calc:spare@2:4-2:9", "main.calc:𝑟@1:4-1:6", "main.calc:area@2:4-2:8"}
	if !slices.Equal(got, want) {
		t.Errorf("workspace symbols:\n got %q\nwant %q", got, want)
	}

	// Diagnostics of a file nobody has open: what other files use is not
	// unused.
	if got, want := s.pull(uri("lib/consts.calc")), []string{"2:4-2:9 warning unused name 'spare' [unnecessary]"}; !slices.Equal(got, want) {
		t.Errorf("consts.calc: %q, want %q", got, want)
	}
	if got, want := s.pull(uri("other.calc")), []string{"1:2-1:5 error division by zero"}; !slices.Equal(got, want) {
		t.Errorf("other.calc: %q, want %q", got, want)
	}

	// Across files: hover, definition, references, completion and rename.
	main := uri("main.calc")
	s.open(main, workspaceFiles["main.calc"])
	doc := protocol.TextDocumentIdentifier{URI: main}
	h, err := s.c.Hover(s.ctx, &protocol.HoverParams{TextDocument: doc, Position: s.at(main, "+ |τ")})
	if err != nil || h == nil {
		t.Fatalf("hover: %v %v", h, err)
	}
	if md := h.Contents.Value.(protocol.MarkupContent).Value; md != "```calc\nτ = 6.28318\n```\n---\n```calc\nlet τ = 2 * π\n```\n\nfrom `consts.calc`" {
		t.Errorf("hover of an imported name: %q", md)
	}
	def, err := s.c.Definition(s.ctx, &protocol.DefinitionParams{TextDocument: doc, Position: s.at(main, "= |π")})
	if err != nil || def == nil {
		t.Fatalf("definition: %v %v", def, err)
	}
	var loc protocol.Location
	decodeInto(t, def, &loc)
	if loc.URI != uri("lib/consts.calc") || rangeStr(loc.Range) != "0:4-0:5" {
		t.Errorf("definition of π: %s %s", loc.URI, rangeStr(loc.Range))
	}
	locs, err := s.c.References(s.ctx, &protocol.ReferenceParams{TextDocument: doc, Position: s.at(main, "+ |τ"), Context: protocol.ReferenceContext{IncludeDeclaration: true}})
	if err != nil {
		t.Fatal(err)
	}
	got = nil
	for _, l := range locs {
		got = append(got, strings.TrimPrefix(string(l.URI), string(fileURI(dir))+"/")+"@"+rangeStr(l.Range))
	}
	if want := []string{"lib/consts.calc@1:4-1:5", "main.calc@3:7-3:8", "other.calc@1:0-1:1"}; !slices.Equal(got, want) {
		t.Errorf("references of τ: %q, want %q", got, want)
	}
	var labels []string
	for _, it := range s.complete(main, "|area + τ") {
		labels = append(labels, it.Label+" "+it.Detail)
	}
	if want := []string{"𝑟 = 2", "area = 12.56636", "π = 3.14159 (lib/consts.calc)", "τ = 6.28318 (lib/consts.calc)", "spare = 1 (lib/consts.calc)"}; !slices.Equal(labels[:5], want) {
		t.Errorf("completion: %q, want %q first", labels, want)
	}
	edit, err := s.c.Rename(s.ctx, &protocol.RenameParams{TextDocument: doc, Position: s.at(main, "+ |τ"), NewName: "tau"})
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for u, edits := range edit.Changes {
		for _, e := range edits {
			files = append(files, strings.TrimPrefix(string(u), string(fileURI(dir))+"/")+"@"+rangeStr(e.Range)+"="+e.NewText)
		}
	}
	slices.Sort(files)
	if want := []string{"lib/consts.calc@1:4-1:5=tau", "main.calc@3:7-3:8=tau", "other.calc@1:0-1:1=tau"}; !slices.Equal(files, want) {
		t.Errorf("rename of τ: %q, want %q", files, want)
	}

	// Watched files: a change on disk is seen once the client reports it.
	writeFiles(t, dir, map[string]string{"lib/consts.calc": "let π = 3\nlet τ = 2 * π\n"})
	s.watched(protocol.FileEvent{URI: uri("lib/consts.calc"), Type: protocol.FileChangeTypeChanged})
	if v := s.hoverValue(main, "+ |τ"); v != "τ = 6" {
		t.Errorf("after the change on disk: %q, want τ = 6", v)
	}
	// A new file is indexed.
	writeFiles(t, dir, map[string]string{"new.calc": "let fresh = 1\n"})
	s.watched(protocol.FileEvent{URI: uri("new.calc"), Type: protocol.FileChangeTypeCreated})
	ws, _ = s.c.WorkspaceSymbol(s.ctx, &protocol.WorkspaceSymbolParams{Query: "fresh"})
	if infos, _ := ws.Value.([]protocol.SymbolInformation); len(infos) != 1 || infos[0].Location.URI != uri("new.calc") {
		t.Errorf("symbols after a file was created: %+v", infos)
	}
	// A deleted import is an error where it is imported.
	if err := os.Remove(filepath.Join(dir, "lib", "consts.calc")); err != nil {
		t.Fatal(err)
	}
	s.watched(protocol.FileEvent{URI: uri("lib/consts.calc"), Type: protocol.FileChangeTypeDeleted})
	want = []string{
		`0:7-0:24 error cannot import "lib/consts.calc": file not found`,
		"2:11-2:12 error undefined name 'π'",
		"3:7-3:8 error undefined name 'τ'",
	}
	if got := s.pull(main); !slices.Equal(got, want) {
		t.Errorf("after the import was deleted:\n got %q\nwant %q", got, want)
	}
	ws, _ = s.c.WorkspaceSymbol(s.ctx, &protocol.WorkspaceSymbolParams{Query: "spare"})
	if infos, _ := ws.Value.([]protocol.SymbolInformation); len(infos) != 0 {
		t.Errorf("symbols of a deleted file: %+v", infos)
	}
}

// TestWatchedFilesRepublish: a client that is pushed diagnostics gets new
// ones for its open documents when an imported file changes on disk.
func TestWatchedFilesRepublish(t *testing.T) {
	s, dir := startWorkspace(t, workspaceFiles, "", nil)
	defer s.shutdown()
	main := fileURI(filepath.Join(dir, "main.calc"))
	s.open(main, workspaceFiles["main.calc"])
	if got := s.pushed(main, ptr[int32](1)); len(got) != 0 {
		t.Fatalf("main.calc: %q, want no problem", got)
	}
	writeFiles(t, dir, map[string]string{"lib/consts.calc": "let π = 3\n"})
	s.watched(protocol.FileEvent{URI: fileURI(filepath.Join(dir, "lib", "consts.calc")), Type: protocol.FileChangeTypeChanged})
	if got, want := s.pushed(main, ptr[int32](1)), []string{"3:7-3:8 error undefined name 'τ'"}; !slices.Equal(got, want) {
		t.Errorf("after consts.calc changed: %q, want %q", got, want)
	}
}

// TestImportsOfOpenDocuments: an open document's text, not the disk's, is
// what files importing it see, and an edit in one open file changes the
// diagnostics of another that imports it (pushed to both).
func TestImportsOfOpenDocuments(t *testing.T) {
	s := startWith(t, []string{"utf-16"}, "")
	defer s.shutdown()
	lib, app := protocol.DocumentURI("file:///mem/lib.calc"), protocol.DocumentURI("file:///mem/app.calc")
	s.open(lib, "let 𝑥 = 1\n")
	if got := s.pushed(lib, ptr[int32](1)); len(got) != 1 {
		t.Fatalf("lib.calc alone: %q, want 𝑥 unused", got)
	}
	s.open(app, "import \"lib.calc\"\n𝑥 + 1\n")
	if got := s.pushed(app, ptr[int32](1)); len(got) != 0 {
		t.Errorf("app.calc: %q", got)
	}
	if got := s.pushed(lib, ptr[int32](1)); len(got) != 0 {
		t.Errorf("lib.calc once app.calc uses 𝑥: %q", got)
	}
	// Rename 𝑥 in lib.calc: app.calc's use breaks.
	s.edit(lib, "let [𝑥]", "y")
	if got, want := s.pushed(app, ptr[int32](1)), []string{"1:0-1:2 error undefined name '𝑥'"}; !slices.Equal(got, want) {
		t.Errorf("app.calc after the edit: %q, want %q", got, want)
	}
	// A rename across open files fixes both.
	s.edit(lib, "let [y]", "𝑥")
	edit, err := s.c.Rename(s.ctx, &protocol.RenameParams{TextDocument: protocol.TextDocumentIdentifier{URI: app}, Position: s.at(app, "|𝑥 + 1"), NewName: "𝑥𝑥"})
	if err != nil {
		t.Fatal(err)
	}
	if got := applyEdits(t, s, lib, edit.Changes[lib]); got != "let 𝑥𝑥 = 1\n" {
		t.Errorf("lib.calc renamed: %q", got)
	}
	if got := applyEdits(t, s, app, edit.Changes[app]); got != "import \"lib.calc\"\n𝑥𝑥 + 1\n" {
		t.Errorf("app.calc renamed: %q", got)
	}
}

func (s *session) watched(events ...protocol.FileEvent) {
	s.t.Helper()
	if err := s.c.Conn().Notify(s.ctx, "workspace/didChangeWatchedFiles", &protocol.DidChangeWatchedFilesParams{Changes: events}); err != nil {
		s.t.Fatal(err)
	}
}

// hoverValue returns the first line of the hover at needle ("x = 1").
func (s *session) hoverValue(uri protocol.DocumentURI, needle string) string {
	s.t.Helper()
	h, err := s.c.Hover(s.ctx, &protocol.HoverParams{TextDocument: protocol.TextDocumentIdentifier{URI: uri}, Position: s.at(uri, needle)})
	if err != nil || h == nil {
		s.t.Fatalf("hover at %q: %v %v", needle, h, err)
	}
	md := h.Contents.Value.(protocol.MarkupContent).Value
	return strings.Split(md, "\n")[1]
}

func TestSettings(t *testing.T) {
	var mu sync.Mutex
	var answer any = map[string]any{"precision": 2}
	var sections []string
	refreshed := make(chan struct{}, 10)
	s := start(t, &protocol.InitializeParams{Capabilities: clientCaps(t, []string{"utf-16"}, `{"workspace": {"inlayHint": {"refreshSupport": true}}}`)}, func(c *lsptest.Client) {
		c.Handle("workspace/configuration", conn.Typed(func(_ context.Context, p protocol.ConfigurationParams) ([]any, error) {
			mu.Lock()
			defer mu.Unlock()
			for _, item := range p.Items {
				sections = append(sections, item.Section)
			}
			return []any{answer}, nil
		}))
		c.Handle("workspace/inlayHint/refresh", conn.HandlerFunc(func(context.Context, *conn.Request) (any, error) {
			refreshed <- struct{}{}
			return nil, nil
		}))
	})
	defer s.shutdown()
	s.open(mainURI, mainText)
	inlay := func() string {
		hints, err := s.c.InlayHint(s.ctx, &protocol.InlayHintParams{TextDocument: protocol.TextDocumentIdentifier{URI: mainURI}, Range: s.span(mainURI, "let [𝑥𝑦]")})
		if err != nil || len(hints) != 1 {
			t.Fatalf("inlay hints: %+v %v", hints, err)
		}
		return hints[0].Label.Value.(string)
	}
	// Read at start: {"precision": 2}.
	if got := s.hoverValue(mainURI, "|𝑥𝑦 / (r"); got != "𝑥𝑦 = 6.28" {
		t.Errorf("precision 2: hover %q", got)
	}
	if got := inlay(); got != "= 6.28" {
		t.Errorf("precision 2: inlay hint %q", got)
	}
	// Read again on didChangeConfiguration, and the client is asked to
	// refresh its inlay hints.
	for _, tc := range []struct {
		answer any
		want   string
	}{
		{map[string]any{"precision": 0}, "𝑥𝑦 = 6"},
		{map[string]any{"precision": 4}, "𝑥𝑦 = 6.2832"},
		{nil, "𝑥𝑦 = 6.28318"},                             // no setting: the default, 6
		{map[string]any{"precision": -1}, "𝑥𝑦 = 6.28318"}, // invalid: the default
	} {
		mu.Lock()
		answer = tc.answer
		mu.Unlock()
		if err := s.c.Conn().Notify(s.ctx, "workspace/didChangeConfiguration", &protocol.DidChangeConfigurationParams{}); err != nil {
			t.Fatal(err)
		}
		if got := s.hoverValue(mainURI, "|𝑥𝑦 / (r"); got != tc.want {
			t.Errorf("after %v: hover %q, want %q", tc.answer, got, tc.want)
		}
		select {
		case <-refreshed:
		case <-s.ctx.Done():
			t.Fatal("no workspace/inlayHint/refresh")
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if want := []string{"calc", "calc", "calc", "calc", "calc"}; !slices.Equal(sections, want) {
		t.Errorf("sections asked: %q, want %q", sections, want)
	}
}

// evaluate runs calc.evaluateWorkspace with args and a progress token.
func (s *session) evaluate(ctx context.Context, token string, args string) (protocol.LSPAny, error) {
	p := &protocol.ExecuteCommandParams{Command: calc.CommandEvaluateWorkspace}
	if token != "" {
		tok := protocol.NewProgressTokenString(token)
		p.WorkDoneToken = &tok
	}
	if args != "" {
		p.Arguments = []protocol.LSPAny{json.RawMessage(args)}
	}
	return s.c.ExecuteCommand(ctx, p)
}

func TestEvaluateWorkspace(t *testing.T) {
	s, dir := startWorkspace(t, workspaceFiles, "", nil)
	defer s.shutdown()
	s.progressUntilEnd(nil) // indexing
	// An open document counts with its text, not the disk's.
	s.open(fileURI(filepath.Join(dir, "main.calc")), "import \"lib/consts.calc\"\nlet 𝑟 = 1\nlet area = π * 𝑟 ^ 2\narea + τ\n")

	res, err := s.evaluate(s.ctx, "eval", "")
	if err != nil {
		t.Fatal(err)
	}
	var sum calc.EvaluateResult
	if err := json.Unmarshal(res, &sum); err != nil {
		t.Fatal(err)
	}
	rel := map[string]map[string]string{}
	for u, vals := range sum.Values {
		rel[strings.TrimPrefix(u, string(fileURI(dir))+"/")] = vals
	}
	want := map[string]map[string]string{
		"lib/consts.calc": {"π": "3.14159", "τ": "6.28318", "spare": "1"},
		"main.calc":       {"𝑟": "1", "area": "3.14159"},
		"other.calc":      {},
	}
	if sum.Files != 3 || sum.Errors != 1 || fmt.Sprint(rel) != fmt.Sprint(want) {
		t.Errorf("summary: %d files, %d errors, %v; want 3 files, 1 error (τ / 0), %v", sum.Files, sum.Errors, rel, want)
	}
	var got []string
	for _, p := range s.progressUntilEnd("eval") {
		got = append(got, fmt.Sprintf("%s %s%s %v", p.Value.Kind, p.Value.Title, p.Value.Message, p.Value.Cancellable))
	}
	wantProgress := []string{
		"begin Evaluating the workspace true",
		"report consts.calc true",
		"report main.calc true",
		"report other.calc true",
		"end  false",
	}
	if !slices.Equal(got, wantProgress) {
		t.Errorf("progress:\n got %q\nwant %q", got, wantProgress)
	}

	// Bad requests.
	for _, tc := range []struct{ command, args string }{
		{calc.CommandEvaluateWorkspace, `"slow"`},
		{"calc.nope", ""},
	} {
		p := &protocol.ExecuteCommandParams{Command: tc.command}
		if tc.args != "" {
			p.Arguments = []protocol.LSPAny{json.RawMessage(tc.args)}
		}
		_, err := s.c.ExecuteCommand(s.ctx, p)
		if code := rpcCode(err); code != conn.CodeInvalidParams {
			t.Errorf("%s %s: %v, want -32602", tc.command, tc.args, err)
		}
	}
}

func rpcCode(err error) int64 {
	var e *conn.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return 0
}

// TestEvaluateWorkspaceCancelled cancels the command, made slow with its
// delayMs argument, both ways a client can: $/cancelRequest, and the
// cancel button of its progress (window/workDoneProgress/cancel).
func TestEvaluateWorkspaceCancelled(t *testing.T) {
	s, _ := startWorkspace(t, workspaceFiles, "", nil)
	defer s.shutdown()
	s.progressUntilEnd(nil) // indexing

	t.Run("$/cancelRequest", func(t *testing.T) {
		ctx, cancel := context.WithCancel(s.ctx)
		done := make(chan error, 1)
		go func() {
			_, err := s.evaluate(ctx, "slow-1", `{"delayMs": 60000}`)
			done <- err
		}()
		// Once it runs (its progress has begun), cancel it: the client
		// sends $/cancelRequest.
		if p := s.progressUntilBegin("slow-1"); !p.Value.Cancellable {
			t.Errorf("progress not cancellable: %+v", p)
		}
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("client side: %v", err)
		}
		// The server got $/cancelRequest and answered the request -32800.
		req, err := s.wire.wait(s.ctx, func(m wireMsg) bool {
			return m.Dir == "in" && m.Msg.Method == "workspace/executeCommand" && strings.Contains(string(m.Msg.Params), "slow-1")
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.wire.wait(s.ctx, func(m wireMsg) bool {
			return m.Dir == "in" && m.Msg.Method == "$/cancelRequest" && strings.Contains(string(m.Msg.Params), string(req.Msg.ID))
		}); err != nil {
			t.Fatal(err)
		}
		reply, err := s.wire.wait(s.ctx, func(m wireMsg) bool {
			return m.Dir == "out" && m.Msg.Method == "" && string(m.Msg.ID) == string(req.Msg.ID)
		})
		if err != nil {
			t.Fatal(err)
		}
		if reply.Msg.Error == nil || reply.Msg.Error.Code != -32800 {
			t.Errorf("reply to the cancelled request: %+v, want error -32800", reply.Msg)
		}
		if end := s.progressUntilEnd("slow-1"); end[len(end)-1].Value.Kind != "end" {
			t.Errorf("progress did not end: %+v", end)
		}
	})

	t.Run("window/workDoneProgress/cancel", func(t *testing.T) {
		done := make(chan error, 1)
		go func() {
			_, err := s.evaluate(s.ctx, "slow-2", `{"delayMs": 60000}`)
			done <- err
		}()
		s.progressUntilBegin("slow-2")
		if err := s.c.Conn().Notify(s.ctx, "window/workDoneProgress/cancel", &protocol.WorkDoneProgressCancelParams{Token: protocol.NewProgressTokenString("slow-2")}); err != nil {
			t.Fatal(err)
		}
		if err := <-done; rpcCode(err) != conn.CodeRequestCancelled {
			t.Errorf("cancelled from the progress UI: %v, want -32800", err)
		}
		s.progressUntilEnd("slow-2")
	})

	// The server is well after both.
	if res, err := s.evaluate(s.ctx, "", ""); err != nil || !strings.Contains(string(res), `"files":3`) {
		t.Errorf("evaluate after cancellations: %s %v", res, err)
	}
}

// progressUntilBegin waits for the begin of the work of token.
func (s *session) progressUntilBegin(token string) progress {
	s.t.Helper()
	for {
		raw, err := s.c.Notification(s.ctx, "$/progress")
		if err != nil {
			s.t.Fatalf("waiting for the progress of %s: %v", token, err)
		}
		var p progress
		json.Unmarshal(raw, &p)
		if p.Token == token && p.Value.Kind == "begin" {
			return p
		}
	}
}

package calc_test

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/lspkit/lspkit/lsp/lsptest"
	"github.com/lspkit/lspkit/lsp/protocol"
)

// The key features of calc as each recorded editor sees them (lsptest's
// profiles: VS Code, Neovim 0.10, Emacs's Eglot, Helix): the position
// encoding agreed, settings, watched files and indexing at start,
// diagnostics pushed or pulled, hover, completion, definition, rename,
// semantic tokens and code actions — each checked against what that
// editor declared it can take.
func TestProfiles(t *testing.T) {
	for _, p := range lsptest.Profiles() {
		t.Run(p.Name, func(t *testing.T) {
			caps := capsOf(t, p)
			dir := t.TempDir()
			writeFiles(t, dir, workspaceFiles)
			folders := []protocol.WorkspaceFolder{{URI: protocol.URI(fileURI(dir)), Name: "w"}}
			s := startOpts(t, &protocol.InitializeParams{WorkspaceFolders: protocol.Nullable[[]protocol.WorkspaceFolder]{Value: &folders}}, nil,
				lsptest.WithProfile(p),
				lsptest.WithConfiguration(map[string]any{"calc": map[string]any{"precision": 3}}))
			defer s.shutdown()
			c, ctx := s.c, s.ctx

			// The encoding: the server's first choice among those offered.
			if want := agreedEncoding(caps.list("general.positionEncodings")); s.enc != want {
				t.Errorf("position encoding %q, want %q (offered %v)", s.enc, want, caps.list("general.positionEncodings"))
			}

			// At start: settings read, .calc files watched if the editor takes
			// the registration, the workspace indexed with progress.
			if err := c.WaitIdle(ctx); err != nil {
				t.Fatal(err)
			}
			regs := c.Messages("client/registerCapability")
			if want := caps.flag("workspace.didChangeWatchedFiles.dynamicRegistration"); (len(regs) == 1) != want || len(regs) > 1 {
				t.Errorf("%d registrations of watched files; the editor takes them: %v", len(regs), want)
			}
			var kinds []string
			for _, pr := range c.Progress() {
				kinds = append(kinds, pr.Kind)
			}
			if want := []string{"begin", "report", "report", "report", "end"}; caps.flag("window.workDoneProgress") && !slices.Equal(kinds, want) {
				t.Errorf("indexing progress %v, want %v", kinds, want)
			}

			// Diagnostics: pulled if the editor pulls, then never pushed;
			// pushed once per version otherwise.
			s.open(mainURI, mainText)
			if err := c.WaitIdle(ctx); err != nil {
				t.Fatal(err)
			}
			wantDiags := []string{
				s.spanStr(mainURI, "𝑥𝑦 [/ (r - r)] +") + " error division by zero",
				s.spanStr(mainURI, "+ [𝑧]") + " error undefined name '𝑧'",
				s.spanStr(mainURI, "let [unused]") + " warning unused name 'unused' [unnecessary]",
			}
			var pushed []protocol.PublishDiagnosticsParams
			for _, m := range c.Messages("textDocument/publishDiagnostics") {
				var d protocol.PublishDiagnosticsParams
				json.Unmarshal(m.Params, &d)
				if d.URI == mainURI {
					pushed = append(pushed, d)
				}
			}
			if caps.has("textDocument.diagnostic") {
				if len(pushed) != 0 {
					t.Errorf("pushed %d times to an editor that pulls", len(pushed))
				}
				if got := s.pull(mainURI); !slices.Equal(got, wantDiags) {
					t.Errorf("pulled\n%q\nwant\n%q", got, wantDiags)
				}
			} else {
				if len(pushed) != 1 || pushed[0].Version == nil || *pushed[0].Version != 1 || !slices.Equal(diagStrs(pushed[0].Diagnostics), wantDiags) {
					t.Errorf("pushed %+v, want once, version 1:\n%q", pushed, wantDiags)
				}
			}

			// A change in an imported file changes what the importer shows:
			// pushed again to an editor that does not pull; an editor that
			// pulls is asked to pull again if it can be. Neovim 0.10 pulls
			// but cannot be asked (no workspace.diagnostics.refreshSupport):
			// it sees the change only when it pulls that document again —
			// calc sends it nothing, which this checks and the report notes.
			mainWS, libWS := fileURI(filepath.Join(dir, "main.calc")), fileURI(filepath.Join(dir, "lib", "consts.calc"))
			s.open(mainWS, workspaceFiles["main.calc"])
			s.open(libWS, workspaceFiles["lib/consts.calc"])
			if err := c.WaitIdle(ctx); err != nil {
				t.Fatal(err)
			}
			before := len(c.Messages())
			s.edit(libWS, "let [τ] = 2", "tau")
			if err := c.WaitIdle(ctx); err != nil {
				t.Fatal(err)
			}
			undefined := s.spanStr(mainWS, "+ [τ]") + " error undefined name 'τ'"
			var pushedMain [][]string
			refreshed := 0
			for _, m := range c.Messages()[before:] {
				switch m.Method {
				case "textDocument/publishDiagnostics":
					var d protocol.PublishDiagnosticsParams
					json.Unmarshal(m.Params, &d)
					if d.URI == mainWS {
						pushedMain = append(pushedMain, diagStrs(d.Diagnostics))
					}
				case "workspace/diagnostic/refresh":
					refreshed++
				}
			}
			switch pulls, canRefresh := caps.has("textDocument.diagnostic"), caps.flag("workspace.diagnostics.refreshSupport"); {
			case !pulls:
				if len(pushedMain) != 1 || !slices.Contains(pushedMain[0], undefined) {
					t.Errorf("after the import changed, pushed %q for the importer, want once with %q", pushedMain, undefined)
				}
			case canRefresh:
				if refreshed != 1 || len(pushedMain) != 0 {
					t.Errorf("after the import changed: %d refreshes and %d pushes, want one refresh", refreshed, len(pushedMain))
				}
			default:
				if refreshed != 0 || len(pushedMain) != 0 {
					t.Errorf("after the import changed: %d refreshes and %d pushes to an editor that can take neither", refreshed, len(pushedMain))
				}
			}
			if pulls := caps.has("textDocument.diagnostic"); pulls && !slices.Contains(s.pull(mainWS), undefined) {
				t.Errorf("pulled %q for the importer, want %q among them", s.pull(mainWS), undefined)
			}

			// Hover, with the precision of the settings, in a format the
			// editor takes.
			h, err := c.Hover(ctx, &protocol.HoverParams{TextDocument: protocol.TextDocumentIdentifier{URI: mainURI}, Position: s.at(mainURI, "𝑥|𝑦 / (r")})
			if err != nil || h == nil {
				t.Fatalf("hover: %v, %v", h, err)
			}
			md, _ := h.Contents.Value.(protocol.MarkupContent)
			if !strings.HasPrefix(md.Value, "```calc\n𝑥𝑦 = 6.283\n```") {
				t.Errorf("hover %q, want the value with precision 3", md.Value)
			}
			if formats := caps.list("textDocument.hover.contentFormat"); len(formats) > 0 && !slices.Contains(formats, string(md.Kind)) {
				t.Errorf("hover in %s, the editor takes %v", md.Kind, formats)
			}
			if h.Range == nil || rangeStr(*h.Range) != s.spanStr(mainURI, "[𝑥𝑦] / (r") {
				t.Errorf("hover range %v, want %s", h.Range, s.spanStr(mainURI, "[𝑥𝑦] / (r"))
			}

			// Completion: snippets only for editors that take them, and
			// kinds from the set the editor declared.
			items := s.complete(mainURI, "|𝑥𝑦 / (r")
			kindSet := caps.list("textDocument.completion.completionItemKind.valueSet")
			snippets := caps.flag("textDocument.completion.completionItem.snippetSupport")
			for _, it := range items {
				if len(kindSet) > 0 && !slices.Contains(kindSet, fmt.Sprint(it.Kind)) {
					t.Errorf("completion %s of kind %d, the editor declared %v", it.Label, it.Kind, kindSet)
				}
				if it.InsertTextFormat == int(protocol.InsertTextFormatSnippet) && !snippets {
					t.Errorf("a snippet (%s) for an editor without snippets", it.Label)
				}
				if it.Label == "max" && snippets != (it.InsertText == "max(${1:a}, ${2:b})$0") {
					t.Errorf("max: %+v; the editor takes snippets: %v", it, snippets)
				}
			}

			// Definition and rename across the encoding.
			def, err := c.Definition(ctx, &protocol.DefinitionParams{TextDocument: protocol.TextDocumentIdentifier{URI: mainURI}, Position: s.at(mainURI, "sqrt(𝑥|𝑦)")})
			var loc protocol.Location
			if err != nil || def == nil {
				t.Fatalf("definition: %v %v", def, err)
			}
			decodeInto(t, def, &loc)
			if rangeStr(loc.Range) != s.spanStr(mainURI, "let [𝑥𝑦] =") {
				t.Errorf("definition %s, want %s", rangeStr(loc.Range), s.spanStr(mainURI, "let [𝑥𝑦] ="))
			}
			edit, err := c.Rename(ctx, &protocol.RenameParams{TextDocument: protocol.TextDocumentIdentifier{URI: mainURI}, Position: s.at(mainURI, "2 * |π"), NewName: "pi"})
			if err != nil || edit == nil {
				t.Fatalf("rename: %v %v", edit, err)
			}
			var renamed []string
			for _, e := range edit.Changes[mainURI] {
				renamed = append(renamed, rangeStr(e.Range))
			}
			if want := []string{s.spanStr(mainURI, "let [π] ="), s.spanStr(mainURI, "2 * [π]")}; !slices.Equal(renamed, want) {
				t.Errorf("rename edits %v, want %v", renamed, want)
			}

			// Semantic tokens, for editors that ask for them.
			if caps.has("textDocument.semanticTokens") {
				toks, err := c.SemanticTokensFull(ctx, &protocol.SemanticTokensParams{TextDocument: protocol.TextDocumentIdentifier{URI: mainURI}})
				if err != nil || toks == nil || len(toks.Data) == 0 || len(toks.Data)%5 != 0 {
					t.Errorf("semantic tokens: %+v, %v", toks, err)
				}
			}

			// Code actions: literals, which every one of these editors takes.
			actions, err := c.CodeAction(ctx, &protocol.CodeActionParams{TextDocument: protocol.TextDocumentIdentifier{URI: mainURI}, Range: s.span(mainURI, "+ [𝑧]")})
			if err != nil || len(actions) != 1 {
				t.Fatalf("code actions: %+v, %v", actions, err)
			}
			if _, literal := actions[0].Value.(protocol.CodeAction); literal && !caps.has("textDocument.codeAction.codeActionLiteralSupport") {
				t.Errorf("a code action literal for an editor that takes commands only")
			}
		})
	}
}

// caps is a profile's capabilities as decoded JSON, to ask what the editor
// declared by path.
type caps map[string]any

func capsOf(t *testing.T, p lsptest.Profile) caps {
	t.Helper()
	var c caps
	if err := json.Unmarshal(p.Capabilities, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

// get returns the value at a dotted path, or nil.
func (c caps) get(path string) any {
	var v any = map[string]any(c)
	for _, name := range strings.Split(path, ".") {
		obj, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = obj[name]
	}
	return v
}

func (c caps) has(path string) bool  { return c.get(path) != nil }
func (c caps) flag(path string) bool { return c.get(path) == true }

// list returns the array at path, its elements printed.
func (c caps) list(path string) []string {
	arr, _ := c.get(path).([]any)
	var out []string
	for _, x := range arr {
		out = append(out, fmt.Sprint(x))
	}
	return out
}

// agreedEncoding is the encoding a server that prefers UTF-8, then UTF-32,
// agrees with a client offering offered (UTF-16 when it offers neither).
func agreedEncoding(offered []string) string {
	for _, enc := range []string{"utf-8", "utf-32"} {
		if slices.Contains(offered, enc) {
			return enc
		}
	}
	return "utf-16"
}

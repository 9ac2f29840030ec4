package calc_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/lspkit/lspkit/conn"
	"github.com/lspkit/lspkit/lsp/protocol"
	"github.com/lspkit/lspkit/samples/calc"
)

// The features of the calc server, one document, in both position
// encodings a client may negotiate: UTF-16 (every client) and UTF-8. Its
// names are outside ASCII (π) and outside the BMP (𝑥𝑦, 𝑧: two UTF-16 code
// units, four UTF-8 bytes each letter), so every range proves the
// server's conversions.

const mainURI = protocol.DocumentURI("file:///w/main.calc")

const mainText = `# Constants
# of the circle
let π = 3.14159
let 𝑥𝑦 = 2 * π
let r = sqrt(𝑥𝑦) + max(1, 2)
let unused = 1
𝑥𝑦 / (r - r) + 𝑧
`

// encodings are the client offers tested, and the encoding the server
// must pick.
var encodings = []struct {
	offer []string
	want  string
}{
	{[]string{"utf-16"}, "utf-16"},
	{[]string{"utf-8", "utf-16"}, "utf-8"},
}

// forEachEncoding runs f in a session per encoding, with main.calc open.
func forEachEncoding(t *testing.T, extraCaps string, f func(t *testing.T, s *session)) {
	for _, e := range encodings {
		t.Run(e.want, func(t *testing.T) {
			s := startWith(t, e.offer, extraCaps)
			if s.enc != e.want {
				t.Fatalf("negotiated %q, want %q", s.enc, e.want)
			}
			s.open(mainURI, mainText)
			f(t, s)
			s.shutdown()
		})
	}
}

func TestDiagnosticsPulledAndPushed(t *testing.T) {
	// The exact ranges, written out: line 6 is "𝑥𝑦 / (r - r) + 𝑧".
	want := map[string][]string{
		"utf-16": {
			"6:5-6:14 error division by zero",
			"6:17-6:19 error undefined name '𝑧'",
			"5:4-5:10 warning unused name 'unused' [unnecessary]",
		},
		"utf-8": {
			"6:9-6:18 error division by zero",
			"6:21-6:25 error undefined name '𝑧'",
			"5:4-5:10 warning unused name 'unused' [unnecessary]",
		},
	}
	t.Run("pulled", func(t *testing.T) {
		forEachEncoding(t, pullCaps, func(t *testing.T, s *session) {
			if got := s.pull(mainURI); !slices.Equal(got, want[s.enc]) {
				t.Errorf("pulled:\n got %q\nwant %q", got, want[s.enc])
			}
		})
	})
	t.Run("pushed", func(t *testing.T) {
		forEachEncoding(t, "", func(t *testing.T, s *session) {
			if got := s.pushed(mainURI, ptr[int32](1)); !slices.Equal(got, want[s.enc]) {
				t.Errorf("pushed:\n got %q\nwant %q", got, want[s.enc])
			}
		})
	})
}

// TestDiagnosticMessages checks every kind of problem, each with its exact
// range, pulled.
func TestDiagnosticMessages(t *testing.T) {
	s := startWith(t, []string{"utf-16"}, pullCaps)
	defer s.shutdown()
	for i, tc := range []struct {
		text string
		want []string // "[needle] severity message"
	}{
		{"1 +", []string{"1 +| error expected expression"}},
		{"let 𝑥 = (1", []string{"(1| error expected ')'"}},
		{"let = 2", []string{"let [=] error expected name after 'let'"}},
		{"max(1 2)", []string{"max(1 [2] error expected ',' or ')'"}},
		{"𝑥 + 1", []string{"[𝑥] + error undefined name '𝑥'"}},
		{"let a = 1\nlet a = 2\na", []string{"let [a] = 2 error 'a' is already defined above"}},
		{"foo(1)", []string{"[foo] error unknown function 'foo'"}},
		{"1 / (2 - 2)", []string{"1 [/ (2 - 2)] error division by zero"}},
		{"let 𝑥𝑦 = 1", []string{"let [𝑥𝑦] warning unused name '𝑥𝑦' [unnecessary]"}},
		{`import "nope.calc"`, []string{`import ["nope.calc"] error cannot import "nope.calc": file not found`}},
		{`import "d10.calc"`, []string{`import ["d10.calc"] error cannot import "d10.calc": import cycle`}}, // itself
	} {
		uri := protocol.DocumentURI(fmt.Sprintf("file:///w/d%d.calc", i))
		s.open(uri, tc.text)
		var want []string
		for _, w := range tc.want {
			needle, rest, _ := strings.Cut(w, " error ")
			sev := "error"
			if strings.Contains(w, " warning ") {
				needle, rest, _ = strings.Cut(w, " warning ")
				sev = "warning"
			}
			want = append(want, s.spanStr(uri, needle)+" "+sev+" "+rest)
		}
		if got := s.pull(uri); !slices.Equal(got, want) {
			t.Errorf("%q:\n got %q\nwant %q", tc.text, got, want)
		}
	}
}

func TestPushedDiagnosticsFollowEdits(t *testing.T) {
	s := startWith(t, []string{"utf-16"}, "")
	defer s.shutdown()
	uri := protocol.DocumentURI("file:///w/e.calc")
	s.open(uri, "let 𝑥 = 1\n𝑥 + 𝑦")
	if got, want := s.pushed(uri, ptr[int32](1)), []string{"1:5-1:7 error undefined name '𝑦'"}; !slices.Equal(got, want) {
		t.Errorf("version 1: %q, want %q", got, want)
	}
	// Define 𝑦 on a new line between the two, after the non-BMP 𝑥.
	s.edit(uri, "let 𝑥 = 1|", "\nlet 𝑦 = 2")
	if got := s.pushed(uri, ptr[int32](2)); len(got) != 0 {
		t.Errorf("version 2: %q, want none", got)
	}
	// Closing clears the document's diagnostics.
	if err := s.c.CloseDocument(s.ctx, uri); err != nil {
		t.Fatal(err)
	}
	if got := s.pushed(uri, nil); len(got) != 0 {
		t.Errorf("after close: %q, want none", got)
	}
}

// TestPullClientGetsNothingPushed: a client that declares pull diagnostics
// is never pushed any.
func TestPullClientGetsNothingPushed(t *testing.T) {
	s := startWith(t, []string{"utf-16"}, pullCaps)
	defer s.shutdown()
	s.open(mainURI, mainText)
	s.edit(mainURI, "+ [𝑧]", "r")
	if got := s.pull(mainURI); len(got) != 2 {
		t.Errorf("pulled after the edit: %q, want 2", got)
	}
	if err := s.c.WaitIdle(s.ctx); err != nil { // all the server sent has arrived
		t.Fatal(err)
	}
	for _, m := range s.c.Messages("textDocument/publishDiagnostics") {
		t.Errorf("pushed to a client that pulls: %s", m.Params)
	}
}

func TestHover(t *testing.T) {
	forEachEncoding(t, "", func(t *testing.T, s *session) {
		for _, tc := range []struct {
			needle string // the cursor
			value  string // "": no hover
			def    string
			rng    string // the hovered name
		}{
			{"|𝑥𝑦 / (r", "𝑥𝑦 = 6.28318", "let 𝑥𝑦 = 2 * π", "[𝑥𝑦] / (r"},
			{"𝑥|𝑦 / (r", "𝑥𝑦 = 6.28318", "let 𝑥𝑦 = 2 * π", "[𝑥𝑦] / (r"},   // inside the name
			{"𝑥𝑦| / (r", "𝑥𝑦 = 6.28318", "let 𝑥𝑦 = 2 * π", "[𝑥𝑦] / (r"},   // just after it
			{"2 * |π", "π = 3.14159", "let π = 3.14159", "2 * [π]"},       // a use after a non-BMP name
			{"let |𝑥𝑦 =", "𝑥𝑦 = 6.28318", "let 𝑥𝑦 = 2 * π", "let [𝑥𝑦] ="}, // the name of a let
			{"(|r - r)", "r = 4.506627", "let r = sqrt(𝑥𝑦) + max(1, 2)", "([r] - r)"},
			{"let |unused", "unused = 1", "let unused = 1", "let [unused]"},
			{"+ |𝑧", "", "", ""},       // undefined
			{"= |3.14159", "", "", ""}, // a number
			{"|# of", "", "", ""},      // a comment
		} {
			h, err := s.c.Hover(s.ctx, &protocol.HoverParams{TextDocument: protocol.TextDocumentIdentifier{URI: mainURI}, Position: s.at(mainURI, tc.needle)})
			if err != nil {
				t.Fatalf("hover at %q: %v", tc.needle, err)
			}
			if tc.value == "" {
				if h != nil {
					t.Errorf("hover at %q: %+v, want none", tc.needle, h.Contents.Value)
				}
				continue
			}
			if h == nil {
				t.Errorf("hover at %q: none", tc.needle)
				continue
			}
			md, ok := h.Contents.Value.(protocol.MarkupContent)
			want := "```calc\n" + tc.value + "\n```\n---\n```calc\n" + tc.def + "\n```"
			if !ok || md.Kind != protocol.MarkupKindMarkdown || md.Value != want {
				t.Errorf("hover at %q:\n got %#v\nwant %q", tc.needle, h.Contents.Value, want)
			}
			if h.Range == nil || rangeStr(*h.Range) != s.spanStr(mainURI, tc.rng) {
				t.Errorf("hover at %q: range %v, want %s", tc.needle, h.Range, s.spanStr(mainURI, tc.rng))
			}
		}
	})
}

// completionItem is a completion item as a client sees it.
type completionItem struct {
	Label            string `json:"label"`
	Kind             int    `json:"kind"`
	Detail           string `json:"detail"`
	InsertText       string `json:"insertText"`
	InsertTextFormat int    `json:"insertTextFormat"`
}

func (s *session) complete(uri protocol.DocumentURI, needle string) []completionItem {
	s.t.Helper()
	res, err := s.c.Completion(s.ctx, &protocol.CompletionParams{TextDocument: protocol.TextDocumentIdentifier{URI: uri}, Position: s.at(uri, needle)})
	if err != nil || res == nil {
		s.t.Fatalf("completion at %q: %v, %v", needle, res, err)
	}
	var items []completionItem
	decodeInto(s.t, res, &items)
	return items
}

func TestCompletion(t *testing.T) {
	forEachEncoding(t, "", func(t *testing.T, s *session) {
		labels := func(items []completionItem) string {
			var out []string
			for _, it := range items {
				out = append(out, it.Label)
			}
			return strings.Join(out, " ")
		}
		// At the start of the last line: every let above, the built-ins,
		// the keywords.
		items := s.complete(mainURI, "|𝑥𝑦 / (r")
		if got, want := labels(items), "π 𝑥𝑦 r unused abs max min round sqrt let import"; got != want {
			t.Errorf("at line start: %s, want %s", got, want)
		}
		byLabel := map[string]completionItem{}
		for _, it := range items {
			byLabel[it.Label] = it
		}
		if got, want := byLabel["𝑥𝑦"], (completionItem{Label: "𝑥𝑦", Kind: 6, Detail: "= 6.28318"}); got != want {
			t.Errorf("𝑥𝑦: %+v, want %+v", got, want)
		}
		// Built-ins come with snippet placeholders, since this client takes
		// snippets.
		if got, want := byLabel["max"], (completionItem{Label: "max", Kind: 3, Detail: "max(a, b)", InsertText: "max(${1:a}, ${2:b})$0", InsertTextFormat: 2}); got != want {
			t.Errorf("max: %+v, want %+v", got, want)
		}
		if got, want := byLabel["let"], (completionItem{Label: "let", Kind: 14}); got != want {
			t.Errorf("let: %+v, want %+v", got, want)
		}
		// Inside an expression, after a non-BMP name: only what is visible
		// there, no keywords.
		if got, want := labels(s.complete(mainURI, "sqrt(𝑥𝑦)|")), "π 𝑥𝑦 abs max min round sqrt"; got != want {
			t.Errorf("in line 4: %s, want %s", got, want)
		}
	})
	t.Run("no snippets", func(t *testing.T) {
		s := startWith(t, []string{"utf-16"}, `{"textDocument": {"completion": {"completionItem": {"snippetSupport": false}}}}`)
		defer s.shutdown()
		s.open(mainURI, mainText)
		for _, it := range s.complete(mainURI, "|𝑥𝑦 / (r") {
			if it.Label == "max" && (it.InsertText != "max(" || it.InsertTextFormat != 0) {
				t.Errorf("max without snippets: %+v", it)
			}
		}
	})
}

func TestSignatureHelp(t *testing.T) {
	forEachEncoding(t, "", func(t *testing.T, s *session) {
		for _, tc := range []struct {
			needle string
			label  string // "": none
			active uint32
		}{
			{"max(|1, 2)", "max(a, b)", 0},
			{"max(1, |2)", "max(a, b)", 1},
			{"sqrt(𝑥|𝑦)", "sqrt(x)", 0}, // inside a non-BMP argument
			{"let r = |sqrt", "", 0},
			{"2)|", "", 0}, // after the call
		} {
			h, err := s.c.SignatureHelp(s.ctx, &protocol.SignatureHelpParams{TextDocument: protocol.TextDocumentIdentifier{URI: mainURI}, Position: s.at(mainURI, tc.needle)})
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case tc.label == "" && h != nil:
				t.Errorf("at %q: %+v, want none", tc.needle, h)
			case tc.label == "":
			case h == nil || len(h.Signatures) != 1:
				t.Errorf("at %q: %+v, want %s", tc.needle, h, tc.label)
			case h.Signatures[0].Label != tc.label || h.ActiveParameter.Value == nil || *h.ActiveParameter.Value != tc.active:
				t.Errorf("at %q: %s active %v, want %s active %d", tc.needle, h.Signatures[0].Label, h.ActiveParameter.Value, tc.label, tc.active)
			}
		}
	})
}

func TestNavigation(t *testing.T) {
	forEachEncoding(t, "", func(t *testing.T, s *session) {
		doc := protocol.TextDocumentIdentifier{URI: mainURI}
		// Definition: from a use to the name in its let.
		def, err := s.c.Definition(s.ctx, &protocol.DefinitionParams{TextDocument: doc, Position: s.at(mainURI, "sqrt(𝑥|𝑦)")})
		if err != nil || def == nil {
			t.Fatalf("definition: %v %v", def, err)
		}
		var loc protocol.Location
		decodeInto(t, def, &loc)
		if loc.URI != mainURI || rangeStr(loc.Range) != s.spanStr(mainURI, "let [𝑥𝑦] =") {
			t.Errorf("definition: %s %s, want %s", loc.URI, rangeStr(loc.Range), s.spanStr(mainURI, "let [𝑥𝑦] ="))
		}
		if def, _ := s.c.Definition(s.ctx, &protocol.DefinitionParams{TextDocument: doc, Position: s.at(mainURI, "+ |𝑧")}); def != nil {
			t.Errorf("definition of an undefined name: %+v", def.Value)
		}

		// References, with and without the declaration.
		refs := func(needle string, decl bool) []string {
			locs, err := s.c.References(s.ctx, &protocol.ReferenceParams{TextDocument: doc, Position: s.at(mainURI, needle), Context: protocol.ReferenceContext{IncludeDeclaration: decl}})
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, l := range locs {
				out = append(out, rangeStr(l.Range))
			}
			return out
		}
		uses := []string{s.spanStr(mainURI, "sqrt([𝑥𝑦])"), s.spanStr(mainURI, "[𝑥𝑦] / (r")}
		if got := refs("|𝑥𝑦 / (r", false); !slices.Equal(got, uses) {
			t.Errorf("references without declaration: %v, want %v", got, uses)
		}
		withDecl := append([]string{s.spanStr(mainURI, "let [𝑥𝑦] =")}, uses...)
		if got := refs("let 𝑥|𝑦", true); !slices.Equal(got, withDecl) {
			t.Errorf("references with declaration: %v, want %v", got, withDecl)
		}

		// Highlights: the let writes, the uses read.
		hs, err := s.c.DocumentHighlight(s.ctx, &protocol.DocumentHighlightParams{TextDocument: doc, Position: s.at(mainURI, "(r - |r)")})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, h := range hs {
			got = append(got, rangeStr(h.Range)+map[protocol.DocumentHighlightKind]string{2: " read", 3: " write"}[*h.Kind])
		}
		want := []string{s.spanStr(mainURI, "let [r]") + " write", s.spanStr(mainURI, "([r] - r)") + " read", s.spanStr(mainURI, "(r - [r])") + " read"}
		if !slices.Equal(got, want) {
			t.Errorf("highlights: %v, want %v", got, want)
		}
	})
}

func TestRename(t *testing.T) {
	forEachEncoding(t, "", func(t *testing.T, s *session) {
		doc := protocol.TextDocumentIdentifier{URI: mainURI}
		prep, err := s.c.PrepareRename(s.ctx, &protocol.PrepareRenameParams{TextDocument: doc, Position: s.at(mainURI, "𝑥|𝑦 / (r")})
		if err != nil || prep == nil {
			t.Fatalf("prepareRename: %v %v", prep, err)
		}
		ph, ok := prep.Value.(protocol.PrepareRenamePlaceholder)
		if !ok || ph.Placeholder != "𝑥𝑦" || rangeStr(ph.Range) != s.spanStr(mainURI, "[𝑥𝑦] / (r") {
			t.Errorf("prepareRename: %#v", prep.Value)
		}
		// An undefined name cannot be renamed; nor can what is not a name.
		if _, err := s.c.PrepareRename(s.ctx, &protocol.PrepareRenameParams{TextDocument: doc, Position: s.at(mainURI, "+ |𝑧")}); err == nil {
			t.Error("prepareRename of an undefined name succeeded")
		}
		if prep, err := s.c.PrepareRename(s.ctx, &protocol.PrepareRenameParams{TextDocument: doc, Position: s.at(mainURI, "|3.14159")}); prep != nil || err != nil {
			t.Errorf("prepareRename of a number: %v %v, want null", prep, err)
		}

		edit, err := s.c.Rename(s.ctx, &protocol.RenameParams{TextDocument: doc, Position: s.at(mainURI, "sqrt(|𝑥𝑦)"), NewName: "área"})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := applyEdits(t, s, mainURI, edit.Changes[mainURI]), strings.ReplaceAll(mainText, "𝑥𝑦", "área"); got != want {
			t.Errorf("renamed:\n%s\nwant\n%s", got, want)
		}
		for _, bad := range []string{"", "1x", "a b", "let", "x-y"} {
			_, err := s.c.Rename(s.ctx, &protocol.RenameParams{TextDocument: doc, Position: s.at(mainURI, "sqrt(|𝑥𝑦)"), NewName: bad})
			var rpcErr *conn.Error
			if !errors.As(err, &rpcErr) || rpcErr.Code != conn.CodeInvalidParams {
				t.Errorf("rename to %q: %v, want -32602", bad, err)
			}
		}
	})
}

// applyEdits applies text edits (in the session's encoding) to the text of
// uri the client holds, the way an editor does: from the last to the first.
func applyEdits(t *testing.T, s *session, uri protocol.DocumentURI, edits []protocol.TextEdit) string {
	t.Helper()
	text := s.text(uri)
	offset := func(p protocol.Position) int {
		for off := 0; off <= len(text); off++ {
			if (off == len(text) || utf8.RuneStart(text[off])) && position(text, off, s.enc) == p {
				return off
			}
		}
		t.Fatalf("position %v is not in the text", p)
		return 0
	}
	sorted := slices.Clone(edits)
	slices.SortFunc(sorted, func(a, b protocol.TextEdit) int {
		return int(b.Range.Start.Line)*1e6 + int(b.Range.Start.Character) - int(a.Range.Start.Line)*1e6 - int(a.Range.Start.Character)
	})
	for _, e := range sorted {
		start, end := offset(e.Range.Start), offset(e.Range.End)
		text = text[:start] + e.NewText + text[end:]
	}
	return text
}

func TestSymbols(t *testing.T) {
	forEachEncoding(t, "", func(t *testing.T, s *session) {
		res, err := s.c.DocumentSymbol(s.ctx, &protocol.DocumentSymbolParams{TextDocument: protocol.TextDocumentIdentifier{URI: mainURI}})
		if err != nil || res == nil {
			t.Fatal(res, err)
		}
		syms, ok := res.Value.([]protocol.DocumentSymbol)
		if !ok {
			t.Fatalf("document symbols: %T", res.Value)
		}
		var got []string
		for _, sym := range syms {
			got = append(got, sym.Name+" "+sym.Detail+" "+rangeStr(sym.Range)+" "+rangeStr(sym.SelectionRange))
		}
		want := []string{
			"π 3.14159 " + s.spanStr(mainURI, "let π = 3.14159") + " " + s.spanStr(mainURI, "let [π] = 3"),
			"𝑥𝑦 6.28318 " + s.spanStr(mainURI, "let 𝑥𝑦 = 2 * π") + " " + s.spanStr(mainURI, "let [𝑥𝑦] ="),
			"r 4.506627 " + s.spanStr(mainURI, "let r = sqrt(𝑥𝑦) + max(1, 2)") + " " + s.spanStr(mainURI, "let [r]"),
			"unused 1 " + s.spanStr(mainURI, "let unused = 1") + " " + s.spanStr(mainURI, "let [unused]"),
		}
		if !slices.Equal(got, want) {
			t.Errorf("document symbols:\n got %q\nwant %q", got, want)
		}

		ws, err := s.c.WorkspaceSymbol(s.ctx, &protocol.WorkspaceSymbolParams{Query: "𝑥"})
		if err != nil || ws == nil {
			t.Fatal(ws, err)
		}
		infos, _ := ws.Value.([]protocol.SymbolInformation)
		if len(infos) != 1 || infos[0].Name != "𝑥𝑦" || infos[0].Location.URI != mainURI || rangeStr(infos[0].Location.Range) != s.spanStr(mainURI, "let [𝑥𝑦] =") {
			t.Errorf("workspace symbols for 𝑥: %+v", infos)
		}
		ws, _ = s.c.WorkspaceSymbol(s.ctx, &protocol.WorkspaceSymbolParams{Query: "U"}) // case-insensitive
		if infos, _ := ws.Value.([]protocol.SymbolInformation); len(infos) != 1 || infos[0].Name != "unused" {
			t.Errorf("workspace symbols for U: %+v", infos)
		}
	})
}

func TestFormatting(t *testing.T) {
	const messy = "#  Constants  \nlet   π=3.14159   # pi\n  let 𝑥𝑦 =2*π\nlet r = sqrt( 𝑥𝑦 )+max(1 ,2)\n- r^2 -(-  𝑥𝑦)\n(1 +\n"
	const canonical = "#  Constants\nlet π = 3.14159 # pi\nlet 𝑥𝑦 = 2 * π\nlet r = sqrt(𝑥𝑦) + max(1, 2)\n-r ^ 2 - (-𝑥𝑦)\n(1 +\n"
	uri := protocol.DocumentURI("file:///w/messy.calc")
	forEachEncoding(t, "", func(t *testing.T, s *session) {
		s.open(uri, messy)
		doc := protocol.TextDocumentIdentifier{URI: uri}
		edits, err := s.c.Formatting(s.ctx, &protocol.DocumentFormattingParams{TextDocument: doc})
		if err != nil {
			t.Fatal(err)
		}
		if got := applyEdits(t, s, uri, edits); got != canonical {
			t.Errorf("formatted:\n%q\nwant\n%q", got, canonical)
		}
		// Range formatting touches only the lines of the range: here the
		// line of 𝑥𝑦 and the next.
		edits, err = s.c.RangeFormatting(s.ctx, &protocol.DocumentRangeFormattingParams{TextDocument: doc, Range: s.span(uri, "let 𝑥𝑦 =2*[π\nlet] r")})
		if err != nil {
			t.Fatal(err)
		}
		want := "#  Constants  \nlet   π=3.14159   # pi\nlet 𝑥𝑦 = 2 * π\nlet r = sqrt(𝑥𝑦) + max(1, 2)\n- r^2 -(-  𝑥𝑦)\n(1 +\n"
		if got := applyEdits(t, s, uri, edits); got != want {
			t.Errorf("range formatted:\n%q\nwant\n%q", got, want)
		}
		// Canonical text needs no edit.
		s.open("file:///w/ok.calc", canonical)
		edits, _ = s.c.Formatting(s.ctx, &protocol.DocumentFormattingParams{TextDocument: protocol.TextDocumentIdentifier{URI: "file:///w/ok.calc"}})
		if len(edits) != 0 {
			t.Errorf("formatting canonical text: %+v", edits)
		}
	})
}

func TestSemanticTokens(t *testing.T) {
	uri := protocol.DocumentURI("file:///w/tokens.calc")
	const text = "let 𝑥 = π # c\nmax(𝑥, 1)"
	// Absolute tokens: line, start, length, type (0 keyword, 1 variable, 2
	// function, 3 number, 4 string, 5 operator, 6 comment).
	want := map[string][][4]uint32{
		"utf-16": {{0, 0, 3, 0}, {0, 4, 2, 1}, {0, 7, 1, 5}, {0, 9, 1, 1}, {0, 11, 3, 6}, {1, 0, 3, 2}, {1, 3, 1, 5}, {1, 4, 2, 1}, {1, 6, 1, 5}, {1, 8, 1, 3}, {1, 9, 1, 5}},
		"utf-8":  {{0, 0, 3, 0}, {0, 4, 4, 1}, {0, 9, 1, 5}, {0, 11, 2, 1}, {0, 14, 3, 6}, {1, 0, 3, 2}, {1, 3, 1, 5}, {1, 4, 4, 1}, {1, 8, 1, 5}, {1, 10, 1, 3}, {1, 11, 1, 5}},
	}
	forEachEncoding(t, "", func(t *testing.T, s *session) {
		s.open(uri, text)
		full, err := s.c.SemanticTokensFull(s.ctx, &protocol.SemanticTokensParams{TextDocument: protocol.TextDocumentIdentifier{URI: uri}})
		if err != nil {
			t.Fatal(err)
		}
		if got := absolute(full.Data); !slices.Equal(got, want[s.enc]) {
			t.Errorf("full:\n got %v\nwant %v", got, want[s.enc])
		}
		rng, err := s.c.SemanticTokensRange(s.ctx, &protocol.SemanticTokensRangeParams{TextDocument: protocol.TextDocumentIdentifier{URI: uri}, Range: s.span(uri, "max([𝑥], 1)")})
		if err != nil {
			t.Fatal(err)
		}
		if got := absolute(rng.Data); !slices.Equal(got, want[s.enc][7:8]) {
			t.Errorf("range:\n got %v\nwant %v", got, want[s.enc][7:8])
		}
	})
}

// absolute decodes LSP's relative semantic tokens.
func absolute(data []uint32) [][4]uint32 {
	var out [][4]uint32
	var line, char uint32
	for i := 0; i+4 < len(data); i += 5 {
		if data[i] > 0 {
			line, char = line+data[i], 0
		}
		char += data[i+1]
		out = append(out, [4]uint32{line, char, data[i+2], data[i+3]})
	}
	return out
}

func TestInlayHints(t *testing.T) {
	forEachEncoding(t, "", func(t *testing.T, s *session) {
		all := protocol.Range{End: protocol.Position{Line: 100}}
		hints, err := s.c.InlayHint(s.ctx, &protocol.InlayHintParams{TextDocument: protocol.TextDocumentIdentifier{URI: mainURI}, Range: all})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, h := range hints {
			label, _ := h.Label.Value.(string)
			got = append(got, rangeStr(protocol.Range{Start: h.Position, End: h.Position})+" "+label)
		}
		point := func(needle string) string {
			p := s.at(mainURI, needle)
			return rangeStr(protocol.Range{Start: p, End: p})
		}
		want := []string{
			point("3.14159|\n") + " = 3.14159",
			point("2 * π|") + " = 6.28318",
			point("max(1, 2)|") + " = 4.506627",
			point("unused = 1|") + " = 1",
		}
		if !slices.Equal(got, want) {
			t.Errorf("inlay hints:\n got %q\nwant %q", got, want)
		}
		// Only the lines asked for.
		hints, _ = s.c.InlayHint(s.ctx, &protocol.InlayHintParams{TextDocument: protocol.TextDocumentIdentifier{URI: mainURI}, Range: s.span(mainURI, "let [r] =")})
		if len(hints) != 1 || !hints[0].PaddingLeft {
			t.Errorf("inlay hints of line 4: %+v", hints)
		}
	})
}

func TestCodeActions(t *testing.T) {
	forEachEncoding(t, "", func(t *testing.T, s *session) {
		actions := func(r protocol.Range) []protocol.CodeAction {
			res, err := s.c.CodeAction(s.ctx, &protocol.CodeActionParams{TextDocument: protocol.TextDocumentIdentifier{URI: mainURI}, Range: r})
			if err != nil {
				t.Fatal(err)
			}
			var out []protocol.CodeAction
			for _, a := range res {
				ca, ok := a.Value.(protocol.CodeAction)
				if !ok {
					t.Fatalf("%T, want a CodeAction", a.Value)
				}
				out = append(out, ca)
			}
			return out
		}
		// Define an undefined name: a let above the line that uses it.
		got := actions(s.span(mainURI, "+ [𝑧]"))
		if len(got) != 1 || got[0].Title != "Define '𝑧'" || got[0].Kind != protocol.CodeActionKindQuickFix || !got[0].IsPreferred || len(got[0].Diagnostics) != 1 {
			t.Fatalf("actions at 𝑧: %+v", got)
		}
		if fixed := applyEdits(t, s, mainURI, got[0].Edit.Changes[mainURI]); !strings.HasSuffix(fixed, "let unused = 1\nlet 𝑧 = 0\n𝑥𝑦 / (r - r) + 𝑧\n") {
			t.Errorf("defined:\n%s", fixed)
		}
		// Remove an unused let: its whole line.
		got = actions(s.span(mainURI, "let u[nus]ed"))
		if len(got) != 1 || got[0].Title != "Remove unused 'unused'" {
			t.Fatalf("actions at unused: %+v", got)
		}
		if fixed, want := applyEdits(t, s, mainURI, got[0].Edit.Changes[mainURI]), strings.Replace(mainText, "let unused = 1\n", "", 1); fixed != want {
			t.Errorf("removed:\n%s\nwant\n%s", fixed, want)
		}
		// Nothing to fix elsewhere.
		if got := actions(s.span(mainURI, "let [π]")); len(got) != 0 {
			t.Errorf("actions at π: %+v", got)
		}
	})
}

func TestFoldingRanges(t *testing.T) {
	s := startWith(t, []string{"utf-16"}, "")
	defer s.shutdown()
	uri := protocol.DocumentURI("file:///w/fold.calc")
	s.open(uri, "# a\n# b\nlet x = 1 # not a block\n# alone\nx\n  # c\n  # d\n# e")
	res, err := s.c.FoldingRange(s.ctx, &protocol.FoldingRangeParams{TextDocument: protocol.TextDocumentIdentifier{URI: uri}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range res {
		got = append(got, fmt.Sprintf("%s %d-%d", r.Kind, r.StartLine, r.EndLine))
	}
	if want := []string{"comment 0-1", "comment 5-7"}; !slices.Equal(got, want) {
		t.Errorf("folding ranges: %v, want %v", got, want)
	}
}

// TestCapabilities checks what the server announces: what each feature
// needs a client to know.
func TestCapabilities(t *testing.T) {
	s := startWith(t, []string{"utf-16"}, "")
	defer s.shutdown()
	var res struct {
		ServerInfo   struct{ Name, Version string }
		Capabilities map[string]any
	}
	decodeInto(t, s.init, &res)
	if res.ServerInfo.Name != "calc" || res.ServerInfo.Version != calc.Version {
		t.Errorf("serverInfo: %+v", res.ServerInfo)
	}
	caps := res.Capabilities
	for path, want := range map[string]string{
		"positionEncoding":                `"utf-16"`,
		"textDocumentSync":                `{"change":2,"openClose":true}`,
		"hoverProvider":                   `true`,
		"completionProvider":              `{"triggerCharacters":["("]}`,
		"signatureHelpProvider":           `{"triggerCharacters":["(",","]}`,
		"definitionProvider":              `true`,
		"referencesProvider":              `true`,
		"documentHighlightProvider":       `true`,
		"renameProvider":                  `{"prepareProvider":true}`,
		"documentSymbolProvider":          `true`,
		"workspaceSymbolProvider":         `true`,
		"documentFormattingProvider":      `true`,
		"documentRangeFormattingProvider": `true`,
		"inlayHintProvider":               `true`,
		"codeActionProvider":              `true`,
		"foldingRangeProvider":            `true`,
		"executeCommandProvider":          `{"commands":["calc.evaluateWorkspace"]}`,
		"diagnosticProvider":              `{"interFileDependencies":true,"workspaceDiagnostics":false}`,
		"semanticTokensProvider":          `{"full":true,"legend":{"tokenModifiers":[],"tokenTypes":["keyword","variable","function","number","string","operator","comment"]},"range":true}`,
	} {
		data, _ := json.Marshal(caps[path])
		if string(data) != want {
			t.Errorf("%s: %s, want %s", path, data, want)
		}
	}
}

func ptr[T any](v T) *T { return &v }

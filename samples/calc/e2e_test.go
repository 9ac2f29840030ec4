package calc_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lspkit/lspkit/lsp/protocol"
)

// End-to-end tests with real clients against the built lspkit binary
// (`lspkit serve calc --stdio`): Neovim's built-in LSP client, headless
// (testdata/nvim/e2e.lua), and Microsoft's vscode-languageserver-protocol
// from npm (testdata/vscode-client). Both play the same scenario on
// testdata/workspace and report what they saw as JSON, which is checked
// here against the same expectations.
//
// Without a client installed they skip, saying how to install it; in CI
// (CI=true) they fail instead, so that a broken install is caught.

func TestMain(m *testing.M) {
	code := m.Run()
	if binary.dir != "" {
		os.RemoveAll(binary.dir)
	}
	os.Exit(code)
}

// binary is the lspkit command, built once for all the tests that need it
// (with -race when the tests run with it).
var binary struct {
	once sync.Once
	dir  string
	path string
	err  error
}

func lspkitBinary(t *testing.T) string {
	t.Helper()
	binary.once.Do(func() {
		binary.dir, binary.err = os.MkdirTemp("", "calc-e2e-")
		if binary.err != nil {
			return
		}
		goTool, err := exec.LookPath("go")
		if err != nil {
			goTool = "/usr/local/go/bin/go" // where Go is installed on this project's machines
		}
		binary.path = filepath.Join(binary.dir, "lspkit")
		start := time.Now()
		args := []string{"build", "-o", binary.path}
		if raceEnabled {
			args = append(args, "-race")
		}
		out, err := exec.Command(goTool, append(args, "github.com/lspkit/lspkit/cmd/lspkit")...).CombinedOutput()
		if err != nil {
			binary.err = fmt.Errorf("go build ./cmd/lspkit: %v\n%s", err, out)
		}
		t.Logf("built lspkit in %v", time.Since(start).Round(time.Millisecond))
	})
	if binary.err != nil {
		t.Fatal(binary.err)
	}
	return binary.path
}

// need skips the test when a client is missing (fails in CI), with how to
// install it.
func need(t *testing.T, missing error, install string) {
	t.Helper()
	if missing == nil {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%v: in CI the end-to-end tests must run; install it with: %s", missing, install)
	}
	t.Skipf("%v; install it with: %s", missing, install)
}

// copyWorkspace copies testdata/workspace to a temporary folder: the
// clients' workspace.
func copyWorkspace(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, name := range []string{"main.calc", "lib.calc"} {
		data, err := os.ReadFile(filepath.Join("testdata", "workspace", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// scenario is what a client script reports.
type scenario struct {
	Error                string                `json:"error"`
	Steps                []string              `json:"steps"`
	URI                  protocol.DocumentURI  `json:"uri"`
	Indexing             []progressValue       `json:"indexing"`
	Diagnostics          []protocol.Diagnostic `json:"diagnostics"`
	Hover                []hover               `json:"hover"`
	Completion           []string              `json:"completion"`
	Definition           protocol.Location     `json:"definition"`
	References           []protocol.Location   `json:"references"`
	Renamed              []string              `json:"renamed"`
	Formatted            []string              `json:"formatted"`
	Edited               []string              `json:"edited"`
	AfterEdit            []hover               `json:"after_edit"`
	DefinitionAfterEdit  protocol.Location     `json:"definition_after_edit"`
	DiagnosticsAfterEdit []protocol.Diagnostic `json:"diagnostics_after_edit"`
	HoverAfterCancel     string                `json:"hover_after_cancel"`
	Exit                 struct {
		Code   *int `json:"code"`
		Signal any  `json:"signal"`
	} `json:"exit"`
}

type progressValue struct{ Kind, Title, Message string }

type hover struct {
	Value string         `json:"value"`
	Range protocol.Range `json:"range"`
}

// hoverMD is the markdown of a hover: the value (with calc.precision 3,
// which both clients set), the defining line, and where it comes from.
func hoverMD(value, def, from string) string {
	md := "```calc\n" + value + "\n```\n---\n```calc\n" + def + "\n```"
	if from != "" {
		md += "\n\nfrom `" + from + "`"
	}
	return md
}

// checkScenario checks what both clients must have seen. The workspace is
// testdata/workspace: main.calc imports lib.calc (π, τ); line 3 of
// main.calc is "𝑥 + τ / 0", where 𝑥 takes two UTF-16 code units.
func checkScenario(t *testing.T, root string, got scenario) {
	t.Helper()
	main, lib := fileURI(filepath.Join(root, "main.calc")), fileURI(filepath.Join(root, "lib.calc"))
	if got.URI != main {
		t.Errorf("document URI %s, want %s", got.URI, main)
	}
	eq := func(what string, got, want any) {
		t.Helper()
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		if !bytes.Equal(g, w) {
			t.Errorf("%s:\n got %s\nwant %s", what, g, w)
		}
	}
	hovers := func(hs []hover) []string {
		var out []string
		for _, h := range hs {
			out = append(out, rangeStr(h.Range)+" "+h.Value)
		}
		return out
	}
	loc := func(l protocol.Location) string { return string(l.URI) + "@" + rangeStr(l.Range) }
	// Lines of a buffer; Neovim has no empty last line after the final
	// line break, a text split at "\n" has.
	lines := func(ls []string) []string {
		if len(ls) > 0 && ls[len(ls)-1] == "" {
			return ls[:len(ls)-1]
		}
		return ls
	}

	eq("indexing progress", got.Indexing, []progressValue{
		{Kind: "begin", Title: "Indexing calc files"},
		{Kind: "report", Message: "1/2 lib.calc"},
		{Kind: "report", Message: "2/2 main.calc"},
		{Kind: "end"},
	})
	eq("diagnostics", diagStrs(got.Diagnostics), []string{
		"3:7-3:10 error division by zero",
		"2:4-2:10 warning unused name 'unused' [unnecessary]",
	})
	eq("hover", hovers(got.Hover), []string{
		"3:5-3:6 " + hoverMD("τ = 6.283", "let τ = 2 * π", "lib.calc"),
		"3:0-3:2 " + hoverMD("𝑥 = 6.283", "let 𝑥 = 2 * π", ""),
		"1:11-1:12 " + hoverMD("π = 3.142", "let π = 3.14159", "lib.calc"),
	})
	eq("completion", got.Completion, []string{"𝑥", "unused", "π", "τ", "abs", "max", "min", "round", "sqrt", "let", "import"})
	eq("definition", loc(got.Definition), string(lib)+"@2:4-2:5")
	var refs []string
	for _, r := range got.References {
		refs = append(refs, loc(r))
	}
	eq("references", refs, []string{string(main) + "@1:4-1:6", string(main) + "@3:0-3:2"})
	eq("renamed", lines(got.Renamed), []string{`import "lib.calc"`, "let ξ = 2*π", "let unused   =1", "ξ + τ / 0"})
	eq("formatted", lines(got.Formatted), []string{`import "lib.calc"`, "let ξ = 2 * π", "let unused = 1", "ξ + τ / 0"})
	eq("edited", lines(got.Edited), []string{`import "lib.calc"`, "let ξ = 2 * π", "let unused = 1", "let 𝑥𝑦 = 1", "𝑥𝑦 * 𝑥𝑦 + ξ + τ / 0"})
	// After the edit, the last line is "𝑥𝑦 * 𝑥𝑦 + ξ + τ / 0": τ is at
	// UTF-16 offset 18, after eight code units of 𝑥𝑦 twice.
	eq("hover after the edit", hovers(got.AfterEdit), []string{
		"4:18-4:19 " + hoverMD("τ = 6.283", "let τ = 2 * π", "lib.calc"),
		"4:14-4:15 " + hoverMD("ξ = 6.283", "let ξ = 2 * π", ""),
		"4:7-4:11 " + hoverMD("𝑥𝑦 = 1", "let 𝑥𝑦 = 1", ""),
	})
	eq("definition after the edit", loc(got.DefinitionAfterEdit), string(main)+"@3:4-3:8")
	eq("diagnostics after the edit", diagStrs(got.DiagnosticsAfterEdit), []string{
		"4:20-4:23 error division by zero",
		"2:4-2:10 warning unused name 'unused' [unnecessary]",
	})
	eq("hover after the cancellation", got.HoverAfterCancel, hoverMD("τ = 6.283", "let τ = 2 * π", "lib.calc"))
	if got.Exit.Code == nil || *got.Exit.Code != 0 {
		t.Errorf("server exit: %+v, want code 0", got.Exit)
	}
	if n := len(got.Steps); n == 0 || got.Steps[n-1] != "done" {
		t.Errorf("steps: %q, want all through done", got.Steps)
	}
}

func TestNeovim(t *testing.T) {
	t.Parallel()
	nvim, err := exec.LookPath("nvim")
	need(t, err, "apt-get install -y neovim")
	bin := lspkitBinary(t)
	root := copyWorkspace(t)
	script, err := filepath.Abs(filepath.Join("testdata", "nvim", "e2e.lua"))
	if err != nil {
		t.Fatal(err)
	}
	home := t.TempDir() // Neovim's state, cache (and LSP log) and config
	outFile := filepath.Join(home, "out.json")
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, nvim, "--headless", "-u", "NONE", "-i", "NONE", "-n", "-c", "lua dofile(os.getenv('CALC_SCRIPT'))")
	cmd.Dir = root
	cmd.Env = append(os.Environ(),
		"CALC_SCRIPT="+script, "CALC_LSPKIT="+bin, "CALC_ROOT="+root, "CALC_OUT="+outFile,
		"HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, "config"), "XDG_CACHE_HOME="+filepath.Join(home, "cache"),
		"XDG_STATE_HOME="+filepath.Join(home, "state"), "XDG_DATA_HOME="+filepath.Join(home, "data"),
	)
	start := time.Now()
	output, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("nvim: %v\n%s", err, output)
	}
	data, err := os.ReadFile(outFile)
	if err != nil {
		t.Fatalf("nvim wrote no result: %v\n%s", err, output)
	}
	var got struct {
		scenario
		NvimVersion    string `json:"nvim_version"`
		OffsetEncoding string `json:"offset_encoding"`
		Cancel         struct {
			RequestID     int     `json:"request_id"`
			AckID         int     `json:"ack_id"`
			AckCode       int     `json:"ack_code"`
			HandlerCalled bool    `json:"handler_called"`
			Ms            float64 `json:"ms"`
		} `json:"cancel"`
	}
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatalf("%v: %s", err, data)
	}
	if got.Error != "" {
		t.Fatalf("the script failed after %q: %s\n%s", got.Steps, got.Error, output)
	}
	t.Logf("Neovim %s: scenario in %v", got.NvimVersion, time.Since(start).Round(time.Millisecond))
	if got.OffsetEncoding != "utf-16" {
		t.Errorf("offset encoding %q, want utf-16", got.OffsetEncoding)
	}
	checkScenario(t, root, got.scenario)
	// client.cancel_request sent $/cancelRequest; the server acknowledged
	// it with -32800, and the request's handler never ran.
	if c := got.Cancel; c.AckID != c.RequestID || c.AckCode != -32800 || c.HandlerCalled {
		t.Errorf("cancellation: %+v, want the request acknowledged with -32800 and its handler not called", c)
	}
}

// TestVSCodeLanguageClient plays the scenario with Microsoft's client,
// launching the server on stdio and, as TransportKind.pipe does, with
// --pipe on a socket the client listens on.
func TestVSCodeLanguageClient(t *testing.T) {
	for _, transport := range []string{"stdio", "pipe"} {
		t.Run(transport, func(t *testing.T) {
			t.Parallel()
			testVSCodeLanguageClient(t, transport)
		})
	}
}

// testVSCodeLanguageClient runs client.js with CALC_TRANSPORT=transport.
func testVSCodeLanguageClient(t *testing.T, transport string) {
	const dir = "testdata/vscode-client"
	node, err := exec.LookPath("node")
	need(t, err, "apt-get install -y nodejs npm, then npm ci --prefix samples/calc/testdata/vscode-client")
	_, err = os.Stat(filepath.Join(dir, "node_modules", "vscode-languageserver-protocol", "package.json"))
	need(t, err, "npm ci --prefix samples/calc/testdata/vscode-client")
	bin := lspkitBinary(t)
	root := copyWorkspace(t)
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "client.js")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CALC_LSPKIT="+bin, "CALC_ROOT="+root, "CALC_TRANSPORT="+transport)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	runErr := cmd.Run()
	var got struct {
		scenario
		Transport        string          `json:"transport"`
		Library          string          `json:"library"`
		PositionEncoding string          `json:"position_encoding"`
		ServerInfo       json.RawMessage `json:"server_info"`
		Registrations    []string        `json:"registrations"`
		Configuration    [][]string      `json:"configuration"`
		PushedDiags      *int            `json:"pushed_diagnostics"`
		PrepareRename    json.RawMessage `json:"prepare_rename"`
		DocumentSymbols  []string        `json:"document_symbols"`
		InlayHints       json.RawMessage `json:"inlay_hints"`
		CodeActions      []string        `json:"code_actions"`
		Cancel           struct {
			Code   int             `json:"code"`
			Result json.RawMessage `json:"result"`
		} `json:"cancel"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
		t.Fatalf("node: %v, output %v\nstdout: %s\nstderr: %s", runErr, err, stdout.Bytes(), stderr.Bytes())
	}
	if got.Error != "" || runErr != nil {
		t.Fatalf("the script failed after %q: %v %s\nstderr: %s", got.Steps, runErr, got.Error, stderr.Bytes())
	}
	t.Logf("%s over %s: scenario in %v", got.Library, got.Transport, time.Since(start).Round(time.Millisecond))
	if got.Transport != transport {
		t.Errorf("the client used %q, want %q", got.Transport, transport)
	}
	// The library is the version package-lock.json pins.
	var lock struct {
		Packages map[string]struct{ Version string } `json:"packages"`
	}
	if data, err := os.ReadFile(filepath.Join(dir, "package-lock.json")); err != nil || json.Unmarshal(data, &lock) != nil {
		t.Fatalf("package-lock.json: %v", err)
	}
	if want := "vscode-languageserver-protocol@" + lock.Packages["node_modules/vscode-languageserver-protocol"].Version; got.Library != want {
		t.Errorf("library %s, want %s as package-lock.json pins: run npm ci", got.Library, want)
	}

	checkScenario(t, root, got.scenario)
	for what, pair := range map[string][2]string{
		"position encoding": {got.PositionEncoding, "utf-16"},
		"server info":       {string(got.ServerInfo), `{"name":"calc","version":"0.1.0"}`},
		"registrations":     {strings.Join(got.Registrations, " "), "workspace/didChangeWatchedFiles"},
		"prepareRename":     {string(got.PrepareRename), `{"range":{"start":{"line":3,"character":0},"end":{"line":3,"character":2}},"placeholder":"𝑥"}`},
		"document symbols":  {strings.Join(got.DocumentSymbols, ", "), "ξ 6.283, unused 1, 𝑥𝑦 1"},
		"inlay hints":       {string(got.InlayHints), `[{"position":{"line":1,"character":13},"label":"= 6.283"},{"position":{"line":2,"character":14},"label":"= 1"},{"position":{"line":3,"character":12},"label":"= 1"}]`},
		"code actions":      {strings.Join(got.CodeActions, ", "), "Remove unused 'unused'"},
	} {
		if pair[0] != pair[1] {
			t.Errorf("%s: %s, want %s", what, pair[0], pair[1])
		}
	}
	if !slices.Equal(slices.Concat(got.Configuration...), []string{"calc"}) {
		t.Errorf("configuration asked: %v, want calc once", got.Configuration)
	}
	// VS Code pulls diagnostics: the server pushed none.
	if got.PushedDiags == nil || *got.PushedDiags != 0 {
		t.Errorf("publishDiagnostics received: %v, want 0", got.PushedDiags)
	}
	// The CancellationTokenSource sent $/cancelRequest: the request failed
	// with -32800.
	if got.Cancel.Code != -32800 {
		t.Errorf("cancelled request: %+v, want error -32800", got.Cancel)
	}
}

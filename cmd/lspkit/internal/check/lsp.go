package check

// The checks of the Language Server Protocol (with --lsp): the lifecycle,
// the position encoding, the advertised capabilities, and what a server
// may send its client.

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"time"
)

const (
	refInit      = "LSP 3.17 §Initialize Request"
	refShutdown  = "LSP 3.17 §Shutdown Request"
	refExit      = "LSP 3.17 §Exit Notification"
	refCaps      = "LSP 3.17 §Server Capabilities"
	refProgress  = "LSP 3.17 §Work Done Progress, §Register Capability, client capabilities"
	refLifecycle = "LSP 3.17 §Server lifecycle"
)

// defaultDocument is the document the LSP checks open when given none.
const defaultDocument = "first line of the document\nsecond line: 1 + 2 = 3\n{ \"key\": [1, 2, 3] }\n"

// lspCatalogue returns the LSP checks.
func lspCatalogue() []Check {
	return []Check{
		{ID: "lsp.before-initialize", Title: "requests before initialize → -32002, notifications dropped", LSP: true,
			Rule: Rule{Should, refInit, "If the server receives a request before initialize, the response should be an error with code -32002; notifications should be dropped."},
			run:  checkBeforeInitialize},
		{ID: "lsp.initialize-twice", Title: "a second initialize is refused", LSP: true,
			Rule: Rule{Should, refInit, "The initialize request may only be sent once: a second one gets an error, and the server goes on."},
			run:  checkInitializeTwice},
		{ID: "lsp.after-shutdown", Title: "requests after shutdown → -32600", LSP: true,
			Rule: Rule{Should, refShutdown, "If a server receives requests after a shutdown request those requests should error with InvalidRequest (-32600)."},
			run:  checkAfterShutdown},
		{ID: "lsp.exit-after-shutdown", Title: "exit after shutdown → exit status 0", LSP: true,
			Rule: Rule{Should, refExit, "The server should exit with success code 0 if the shutdown request has been received before."},
			run:  checkExitAfterShutdown},
		{ID: "lsp.exit-without-shutdown", Title: "exit without shutdown → exit status 1", LSP: true,
			Rule: Rule{Should, refExit, "The server should exit with error code 1 if the shutdown request has not been received before."},
			run:  checkExitWithoutShutdown},
		{ID: "lsp.eof", Title: "the end of stdin ends the server", LSP: true,
			Rule: Rule{Should, refLifecycle + " (lspkit's reading: with its input gone the client is gone)", "When its stdin ends, the server exits rather than lingering as an orphan."},
			run:  checkEOF},
		{ID: "lsp.dead-parent", Title: "a dead parent processId ends the server", LSP: true,
			Rule: Rule{Should, refInit + " (processId)", "If the parent process is not alive then the server should exit (see exit notification) its process."},
			run:  checkDeadParent},
		{ID: "lsp.position-encoding", Title: "the position encoding is one the client offered", LSP: true, Timeout: 90 * time.Second,
			Rule: Rule{Must, refCaps + " (positionEncoding)", "The position encoding the server picked from those offered by the client; if the client offered none, the only valid value is utf-16."},
			run:  checkPositionEncoding},
		{ID: "lsp.capabilities", Title: "every advertised capability answers a well-formed request", LSP: true,
			Rule: Rule{Must, refCaps + "; " + refJSONRPCMust, "A well-formed request the server advertises gets a response: a result, or an error that does not deny the method or the request (-32601, -32600, -32602, -32603, -32700, -32002); and the server survives it."},
			run:  checkCapabilities, Timeout: 90 * time.Second},
		{ID: "lsp.unadvertised", Title: "nothing the client did not advertise is sent to it", LSP: true,
			Rule: Rule{Must, refProgress, "Servers are only allowed to use window/workDoneProgress/create (and dynamic registration, workspace/configuration, …) if the client signals support."},
			run:  checkUnadvertised, Timeout: 90 * time.Second},
	}
}

// fileURI is the file: URI of path.
func fileURI(path string) string {
	p := filepath.ToSlash(path)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // a Windows drive
	}
	return (&url.URL{Scheme: "file", Path: p}).String()
}

// docURI is the URI of the document the checks open (it need not exist).
func (t *T) docURI() string { return fileURI(filepath.Join(t.dir, "check-document.txt")) }

// clientCapabilities is what the checker says it supports: no work-done
// progress, no dynamic registration, no configuration, no workspace folders,
// no applyEdit, no showDocument, no refresh requests — so that a server
// sending any of those is seen.
func clientCapabilities(encodings []string) map[string]any {
	general := map[string]any{}
	if encodings != nil {
		general["positionEncodings"] = encodings
	}
	return map[string]any{
		"general": general,
		"textDocument": map[string]any{
			"synchronization":    map[string]any{"didSave": true},
			"hover":              map[string]any{"contentFormat": []string{"plaintext", "markdown"}},
			"completion":         map[string]any{"completionItem": map[string]any{"snippetSupport": false}},
			"documentSymbol":     map[string]any{"hierarchicalDocumentSymbolSupport": true},
			"publishDiagnostics": map[string]any{},
		},
		"workspace": map[string]any{"applyEdit": false, "configuration": false, "workspaceFolders": false},
		"window":    map[string]any{"workDoneProgress": false},
	}
}

// initParams are the params of initialize: our process id, the scratch
// directory as root, and clientCapabilities offering utf-16.
func (t *T) initParams() map[string]any {
	return map[string]any{
		"processId":    os.Getpid(),
		"clientInfo":   map[string]string{"name": "lspkit check"},
		"rootUri":      fileURI(t.dir),
		"rootPath":     t.dir,
		"capabilities": clientCapabilities([]string{"utf-16"}),
		"trace":        "off",
	}
}

// initWait bounds the wait for initialize's answer: a server may take a
// while to start, the more so on a busy machine.
const initWait = 45 * time.Second

// handshake sends initialize and initialized; a server that does not get
// through it cannot be checked (Error). It records the capabilities.
func (s *session) handshake(params map[string]any) json.RawMessage {
	e, ok := s.call("initialize", params, initWait)
	if !ok {
		s.t.errorf("initialize got no response within %v; %s", initWait, s.exitNote())
	}
	if e.Error != nil {
		s.t.errorf("initialize failed: %s", describe(e))
	}
	var res struct {
		Capabilities json.RawMessage `json:"capabilities"`
	}
	if err := json.Unmarshal(e.Result, &res); err != nil || len(res.Capabilities) == 0 {
		s.t.errorf("initialize's result has no capabilities: %s", clip(e.Result, 200))
	}
	s.mustSend(notification("initialized", map[string]any{}))
	s.caps = res.Capabilities
	s.t.ready()
	return e.Result
}

func checkBeforeInitialize(t *T) {
	s := t.startRaw()
	s.mustSend(notification("textDocument/didOpen", map[string]any{"textDocument": map[string]any{
		"uri": t.docURI(), "languageId": t.cfg.LanguageID, "version": 1, "text": t.cfg.Document}}))
	e, ok := s.call("workspace/symbol", map[string]string{"query": ""}, initWait) // the first message: the server may still be starting
	switch {
	case !ok:
		t.fatalf("a request before initialize got no response within %v; %s", initWait, s.exitNote())
	case e.errCode() != -32002:
		t.failf("a request before initialize got %s, not error -32002", describe(e))
	}
	if extra := s.collect(quietWait); len(extra) > 0 {
		t.failf("a notification before initialize was answered: %s", clip(extra[0], 200))
	}
	s.handshake(t.initParams())
	s.probe("initialize")
}

func checkInitializeTwice(t *T) {
	s := t.start()
	e, ok := s.call("initialize", t.initParams(), probeWait)
	switch {
	case !ok:
		t.fatalf("a second initialize got no response within %v; %s", probeWait, s.exitNote())
	case e.Error == nil:
		t.failf("a second initialize got a result, not an error")
	default:
		t.passf("a second initialize got %s", describe(e))
	}
	s.probe("a second initialize")
}

func checkAfterShutdown(t *T) {
	s := t.start()
	e, ok := s.call("shutdown", nil, probeWait)
	if !ok || e.Error != nil {
		t.fatalf("shutdown did not succeed within %v: %v", probeWait, describeOpt(e))
	}
	e, ok = s.call("workspace/symbol", map[string]string{"query": ""}, probeWait)
	switch {
	case !ok:
		t.fatalf("a request after shutdown got no response within %v; %s", probeWait, s.exitNote())
	case e.errCode() != -32600:
		t.failf("a request after shutdown got %s, not error -32600", describe(e))
	}
}

// describeOpt is describe for a response that may be missing.
func describeOpt(e *envelope) string {
	if e == nil {
		return "no response"
	}
	return describe(e)
}

// exitWait bounds how long a server may take to exit when it should.
const exitWait = 5 * time.Second

// expectExit waits for the server to exit and checks its status (want < 0:
// any status).
func (s *session) expectExit(after string, want int) {
	code, ok := s.p.waitExit(s.t.bound(exitWait))
	switch {
	case !ok:
		s.t.fatalf("the server was still running %v after %s", exitWait, after)
	case want >= 0 && code != want:
		s.t.fatalf("the server exited with status %d after %s, not %d", code, after, want)
	}
	s.t.passf("the server exited with status %d after %s", code, after)
}

func checkExitAfterShutdown(t *T) {
	s := t.start()
	e, ok := s.call("shutdown", nil, probeWait)
	if !ok || e.Error != nil {
		t.fatalf("shutdown did not succeed within %v: %v", probeWait, describeOpt(e))
	}
	s.mustSend(notification("exit", nil))
	s.expectExit("shutdown and exit", 0)
}

func checkExitWithoutShutdown(t *T) {
	s := t.start()
	s.probe("initialization")
	s.mustSend(notification("exit", nil))
	s.expectExit("exit without shutdown", 1)
}

func checkEOF(t *T) {
	s := t.start()
	s.probe("initialization")
	t.note("stdin closed")
	s.p.closeStdin()
	s.expectExit("the end of its stdin", -1)
}

// deadPID returns the id of a process that has exited.
func deadPID() (int, error) {
	name, args := "true", []string(nil)
	if runtime.GOOS == "windows" {
		name, args = "cmd", []string{"/c", "exit"}
	}
	path, err := exec.LookPath(name)
	if err != nil {
		return 0, err
	}
	cmd := exec.Command(path, args...)
	if err := cmd.Run(); err != nil {
		return 0, err
	}
	return cmd.ProcessState.Pid(), nil
}

// deadParentWait bounds how long a server may take to see that its parent
// has died: servers poll for it, every few seconds.
const deadParentWait = 10 * time.Second

func checkDeadParent(t *T) {
	pid, err := deadPID()
	if err != nil {
		t.skipf("no process to take a dead id from: %v", err)
	}
	s := t.startRaw()
	params := t.initParams()
	params["processId"] = pid
	t.note(fmt.Sprintf("processId %d: a process that has exited", pid))
	// The server may exit at once, before it answers: that passes too.
	id, body := s.request("initialize", params)
	s.mustSend(body)
	if _, ok := s.awaitID(id, initWait); ok {
		_ = s.send(notification("initialized", map[string]any{}))
	}
	t.ready()
	code, ok := s.p.waitExit(t.bound(deadParentWait))
	if !ok {
		t.fatalf("the server was still running %v after initialize, whose processId %d had exited", deadParentWait, pid)
	}
	t.passf("the server exited with status %d", code)
}

func checkPositionEncoding(t *T) {
	for _, c := range []struct {
		offer []string
		valid []string
	}{
		{[]string{"utf-8", "utf-16"}, []string{"utf-8", "utf-16"}},
		{nil, []string{"utf-16"}},
	} {
		s := t.startRaw()
		params := t.initParams()
		params["capabilities"] = clientCapabilities(c.offer)
		res := s.handshake(params)
		var r struct {
			Capabilities struct {
				PositionEncoding *string `json:"positionEncoding"`
			} `json:"capabilities"`
		}
		_ = json.Unmarshal(res, &r)
		if pe := r.Capabilities.PositionEncoding; pe != nil && !slices.Contains(c.valid, *pe) {
			t.fatalf("offered %v, the server picked %q", c.offer, *pe)
		}
		s.p.release()
	}
}

// feature is one request a capability announces, with how to build it.
type feature struct {
	cap    string // the ServerCapabilities member
	method string
	params func(t *T, s *session) any
}

// position params: the document and a position inside it.
func posParams(t *T, _ *session) any {
	return map[string]any{"textDocument": map[string]string{"uri": t.docURI()}, "position": map[string]int{"line": 1, "character": 3}}
}

func docParams(t *T, _ *session) any {
	return map[string]any{"textDocument": map[string]string{"uri": t.docURI()}}
}

func rangeParams(t *T, _ *session) any {
	return map[string]any{"textDocument": map[string]string{"uri": t.docURI()}, "range": docRange()}
}

func docRange() map[string]any {
	return map[string]any{"start": map[string]int{"line": 0, "character": 0}, "end": map[string]int{"line": 1, "character": 5}}
}

func with(f func(*T, *session) any, extra map[string]any) func(*T, *session) any {
	return func(t *T, s *session) any {
		m := f(t, s).(map[string]any)
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
}

var formatting = map[string]any{"options": map[string]any{"tabSize": 4, "insertSpaces": true}}

// features lists the requests whose capability the checks exercise; the
// ones that need an earlier result (resolve, call-hierarchy calls) or
// arguments only the server knows (executeCommand) are left out.
var features = []feature{
	{"hoverProvider", "textDocument/hover", posParams},
	{"completionProvider", "textDocument/completion", posParams},
	{"signatureHelpProvider", "textDocument/signatureHelp", posParams},
	{"declarationProvider", "textDocument/declaration", posParams},
	{"definitionProvider", "textDocument/definition", posParams},
	{"typeDefinitionProvider", "textDocument/typeDefinition", posParams},
	{"implementationProvider", "textDocument/implementation", posParams},
	{"referencesProvider", "textDocument/references", with(posParams, map[string]any{"context": map[string]bool{"includeDeclaration": true}})},
	{"documentHighlightProvider", "textDocument/documentHighlight", posParams},
	{"documentSymbolProvider", "textDocument/documentSymbol", docParams},
	{"codeActionProvider", "textDocument/codeAction", with(rangeParams, map[string]any{"context": map[string]any{"diagnostics": []any{}}})},
	{"codeLensProvider", "textDocument/codeLens", docParams},
	{"documentLinkProvider", "textDocument/documentLink", docParams},
	{"colorProvider", "textDocument/documentColor", docParams},
	{"documentFormattingProvider", "textDocument/formatting", with(docParams, formatting)},
	{"documentRangeFormattingProvider", "textDocument/rangeFormatting", with(rangeParams, formatting)},
	{"renameProvider", "textDocument/rename", with(posParams, map[string]any{"newName": "renamed"})},
	{"foldingRangeProvider", "textDocument/foldingRange", docParams},
	{"selectionRangeProvider", "textDocument/selectionRange", with(docParams, map[string]any{"positions": []any{map[string]int{"line": 1, "character": 3}}})},
	{"linkedEditingRangeProvider", "textDocument/linkedEditingRange", posParams},
	{"callHierarchyProvider", "textDocument/prepareCallHierarchy", posParams},
	{"typeHierarchyProvider", "textDocument/prepareTypeHierarchy", posParams},
	{"monikerProvider", "textDocument/moniker", posParams},
	{"inlayHintProvider", "textDocument/inlayHint", rangeParams},
	{"inlineValueProvider", "textDocument/inlineValue", with(rangeParams, map[string]any{"context": map[string]any{"frameId": 1, "stoppedLocation": docRange()}})},
	{"diagnosticProvider", "textDocument/diagnostic", docParams},
	{"semanticTokensProvider", "textDocument/semanticTokens/full", docParams},
	{"workspaceSymbolProvider", "workspace/symbol", func(*T, *session) any { return map[string]string{"query": ""} }},
}

// advertised reports whether capability member is present and not false
// or null.
func advertised(caps json.RawMessage, member string) bool {
	var m map[string]json.RawMessage
	if json.Unmarshal(caps, &m) != nil {
		return false
	}
	v, ok := m[member]
	return ok && string(v) != "false" && string(v) != "null"
}

// denials are the errors that a well-formed request of an advertised
// method must not get: they say the method or the request is wrong, or that
// the server failed.
var denials = []int64{-32601, -32600, -32602, -32603, -32700, -32002}

// openDocument opens the configured document.
func (s *session) openDocument() {
	s.mustSend(notification("textDocument/didOpen", map[string]any{"textDocument": map[string]any{
		"uri": s.t.docURI(), "languageId": s.t.cfg.LanguageID, "version": 1, "text": s.t.cfg.Document}}))
}

// exercise opens the document, sends a request for every advertised
// feature, then changes, saves and closes the document; it returns what
// went wrong, one line per request.
func (s *session) exercise() (tried []string, problems []string) {
	s.openDocument()
	for _, f := range features {
		if !advertised(s.caps, f.cap) {
			continue
		}
		tried = append(tried, f.method)
		e, ok := s.call(f.method, f.params(s.t, s), probeWait)
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("%s (%s): no response within %v; %s", f.method, f.cap, probeWait, s.exitNote()))
			if s.p.hasExited() {
				return tried, problems
			}
		case e.Error != nil && slices.Contains(denials, e.Error.Code):
			problems = append(problems, fmt.Sprintf("%s (%s): %s", f.method, f.cap, describe(e)))
		}
	}
	s.mustSend(notification("textDocument/didChange", map[string]any{
		"textDocument":   map[string]any{"uri": s.t.docURI(), "version": 2},
		"contentChanges": []any{map[string]string{"text": s.t.cfg.Document + "\n"}},
	}))
	s.mustSend(notification("textDocument/didSave", docParams(s.t, s)))
	s.mustSend(notification("textDocument/didClose", docParams(s.t, s)))
	return tried, problems
}

func checkCapabilities(t *T) {
	s := t.start()
	tried, problems := s.exercise()
	if len(tried) == 0 {
		t.skipf("the server advertises no request this check knows how to send")
	}
	if s.p.hasExited() {
		problems = append(problems, s.exitNote())
	} else {
		s.probe("the advertised requests")
	}
	if len(problems) > 0 {
		t.fatalf("%s", strings.Join(problems, "; "))
	}
	t.passf("answered: %s", strings.Join(tried, ", "))
}

// unadvertised maps a method the server may send to the client capability
// without which it must not; "" means never (we give no progress tokens).
var unadvertised = map[string]string{
	"window/workDoneProgress/create":   "window.workDoneProgress",
	"$/progress":                       "window.workDoneProgress (or a token the client gave)",
	"client/registerCapability":        "a dynamicRegistration capability",
	"client/unregisterCapability":      "a dynamicRegistration capability",
	"workspace/configuration":          "workspace.configuration",
	"workspace/workspaceFolders":       "workspace.workspaceFolders",
	"workspace/applyEdit":              "workspace.applyEdit",
	"window/showDocument":              "window.showDocument",
	"workspace/semanticTokens/refresh": "workspace.semanticTokens.refreshSupport",
	"workspace/inlayHint/refresh":      "workspace.inlayHint.refreshSupport",
	"workspace/inlineValue/refresh":    "workspace.inlineValue.refreshSupport",
	"workspace/codeLens/refresh":       "workspace.codeLens.refreshSupport",
	"workspace/diagnostic/refresh":     "workspace.diagnostics.refreshSupport",
	"workspace/foldingRange/refresh":   "workspace.foldingRange.refreshSupport",
}

func checkUnadvertised(t *T) {
	s := t.start()
	s.exercise()
	s.probe("the advertised requests")
	s.sleep(time.Second) // background work: progress, registrations
	seen := map[string]string{}
	for _, e := range s.serverMessages() {
		if need, bad := unadvertised[e.Method]; bad {
			seen[e.Method] = need
		}
	}
	if len(seen) > 0 {
		var lines []string
		for m, need := range seen {
			lines = append(lines, fmt.Sprintf("%s without %s", m, need))
		}
		sort.Strings(lines)
		t.fatalf("the server sent what the client did not advertise: %s", strings.Join(lines, "; "))
	}
}

// cancellableRequest picks a real request of the server's to cancel: the
// first advertised feature, after opening the document; else the probe.
func (s *session) cancellableRequest() (string, any) {
	for _, f := range features {
		if advertised(s.caps, f.cap) {
			s.openDocument()
			return f.method, f.params(s.t, s)
		}
	}
	return probeMethod, nil
}

package lsp

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/lspkit/lspkit/lsp/document"
	"github.com/lspkit/lspkit/lsp/protocol"
)

// This file derives the server capabilities from the registered handlers:
// every method in the protocol's table names the capability that announces
// it (e.g. textDocument/hover → hoverProvider), so registering a handler is
// enough to announce it. Options set with SetCapabilities win.

// leafDefaults are the values announced for a capability whose type is an
// options object rather than a boolean, when the author set none.
var leafDefaults = map[string]func() any{
	"completionProvider":               func() any { return map[string]any{} },
	"signatureHelpProvider":            func() any { return map[string]any{} },
	"codeLensProvider":                 func() any { return map[string]any{} },
	"documentLinkProvider":             func() any { return map[string]any{} },
	"executeCommandProvider":           func() any { return map[string]any{"commands": []any{}} },
	"diagnosticProvider":               func() any { return map[string]any{"interFileDependencies": false, "workspaceDiagnostics": false} },
	"documentOnTypeFormattingProvider": func() any { return map[string]any{"firstTriggerCharacter": "\n"} },
	// semanticTokensProvider's legend and workspace.textDocumentContent's
	// schemes come from SetCapabilities: Serve refuses to start without
	// them (see checkRegistrations), rather than announce them empty.
	"workspace.fileOperations.didCreate":  fileOps,
	"workspace.fileOperations.didRename":  fileOps,
	"workspace.fileOperations.didDelete":  fileOps,
	"workspace.fileOperations.willCreate": fileOps,
	"workspace.fileOperations.willRename": fileOps,
	"workspace.fileOperations.willDelete": fileOps,
	"workspace.workspaceFolders":          func() any { return map[string]any{"supported": true} },
}

func fileOps() any {
	return map[string]any{"filters": []any{map[string]any{"pattern": map[string]any{"glob": "**/*"}}}}
}

// capabilities returns the capabilities to announce, as JSON.
func (s *Server) capabilities(enc document.Encoding) (map[string]any, error) {
	s.mu.Lock()
	explicit := s.caps
	methods := make([]string, 0, len(s.routes))
	for m := range s.routes {
		methods = append(methods, m)
	}
	docs := s.docs != nil
	s.mu.Unlock()

	caps, err := toMap(explicit)
	if err != nil {
		return nil, fmt.Errorf("lsp: capabilities: %w", err)
	}
	placeholders := map[string]bool{}
	for _, m := range methods {
		info, ok := protocol.Methods[m]
		if !ok || info.ServerCapability == "" || strings.HasPrefix(info.ServerCapability, "textDocumentSync") {
			continue
		}
		announce(caps, info.ServerCapability, placeholders)
	}
	s.announceSync(caps, methods, docs)
	caps["positionEncoding"] = enc.String()
	return caps, nil
}

// announceSync announces text document sync: incremental when the server
// keeps documents, full when its own handlers take the changes.
func (s *Server) announceSync(caps map[string]any, methods []string, docs bool) {
	has := func(m string) bool {
		for _, x := range methods {
			if x == m {
				return true
			}
		}
		return false
	}
	sync, _ := caps["textDocumentSync"].(map[string]any)
	if kind, ok := caps["textDocumentSync"].(float64); ok {
		sync = map[string]any{"openClose": true, "change": kind}
	}
	if sync == nil {
		if !docs && !has("textDocument/didOpen") && !has("textDocument/didChange") {
			return
		}
		sync = map[string]any{}
	}
	setDefault(sync, "openClose", true)
	switch {
	case docs:
		setDefault(sync, "change", 2) // TextDocumentSyncKind.Incremental
	case has("textDocument/didChange"):
		setDefault(sync, "change", 1) // Full: the author's handler takes whole texts
	}
	if has("textDocument/didSave") {
		setDefault(sync, "save", map[string]any{"includeText": false})
	}
	if has("textDocument/willSave") {
		setDefault(sync, "willSave", true)
	}
	if has("textDocument/willSaveWaitUntil") {
		setDefault(sync, "willSaveWaitUntil", true)
	}
	caps["textDocumentSync"] = sync
}

// announce sets the capability at path (dots between property names),
// unless it is set; parents are made objects as needed ("true" becomes an
// options object when a sub-option must be announced in it). The
// properties of a leafDefaults object are only placeholders, recorded in
// placeholders by path: announcing one replaces it (diagnosticProvider's
// workspaceDiagnostics is false until workspace/diagnostic is registered).
func announce(caps map[string]any, path string, placeholders map[string]bool) {
	parts := strings.Split(path, ".")
	m := caps
	for i, p := range parts[:len(parts)-1] {
		switch v := m[p].(type) {
		case map[string]any:
			m = v
		default:
			child := defaultObject(strings.Join(parts[:i+1], "."), placeholders)
			m[p] = child
			m = child
		}
	}
	leaf := parts[len(parts)-1]
	if _, set := m[leaf]; set && !placeholders[path] {
		return
	}
	delete(placeholders, path)
	if _, ok := leafDefaults[path]; ok {
		m[leaf] = defaultObject(path, placeholders)
		return
	}
	m[leaf] = true
}

// defaultObject returns the leafDefaults object for path ({} if none),
// and records its properties in placeholders.
func defaultObject(path string, placeholders map[string]bool) map[string]any {
	f, ok := leafDefaults[path]
	if !ok {
		return map[string]any{}
	}
	obj := f().(map[string]any)
	for k := range obj {
		placeholders[path+"."+k] = true
	}
	return obj
}

func setDefault(m map[string]any, key string, v any) {
	if _, ok := m[key]; !ok {
		m[key] = v
	}
}

// toMap turns a value into its JSON object form.
func toMap(v any) (map[string]any, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	m := map[string]any{}
	return m, json.Unmarshal(data, &m)
}

// lookup returns the value at a dotted path in a JSON object, or nil.
func lookup(m map[string]any, path string) any {
	var v any = m
	for _, p := range strings.Split(path, ".") {
		obj, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = obj[p]
	}
	return v
}

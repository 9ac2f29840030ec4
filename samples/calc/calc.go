// Package calc is a complete language server for the calc language
// (package lang), built only with lspkit's exported API the way a user
// builds one. It shows every part of the framework: documents, pushed and
// pulled diagnostics, hover, completion and signature help, navigation
// (definition, references, highlights, rename, document and workspace
// symbols), formatting, semantic tokens, inlay hints, code actions, folding,
// settings read with workspace/configuration, workspace indexing with
// progress, watched files, and a cancellable command with progress.
//
// `lspkit serve calc` serves it on stdin/stdout.
//
// Files are in one idea each: calc.go (the server and its settings),
// workspace.go (files, imports and analyses), diagnostics.go, navigate.go
// (hover, definition, references, highlights, rename, symbols), edit.go
// (completion, signature help, formatting, code actions), decorate.go
// (semantic tokens, inlay hints, folding) and command.go.
package calc

import (
	"context"
	"encoding/json"
	"sync"

	"github.com/lspkit/lspkit/conn"
	"github.com/lspkit/lspkit/lsp"
	"github.com/lspkit/lspkit/lsp/document"
	"github.com/lspkit/lspkit/lsp/protocol"
)

// Version is the calc server's version, announced in serverInfo.
const Version = "0.1.0"

// LanguageID is the languageId of calc documents.
const LanguageID = "calc"

// CommandEvaluateWorkspace evaluates every file of the workspace.
const CommandEvaluateWorkspace = "calc.evaluateWorkspace"

// defaultPrecision is the precision when the client sets none.
const defaultPrecision = 6

// Settings are the calc section of the client's configuration.
type Settings struct {
	// Precision is the most decimals a value is shown with (default 6).
	Precision *int `json:"precision"`
}

// server is the calc language server's state.
type server struct {
	lsp  *lsp.Server
	docs *document.Store
	ws   *workspace

	mu        sync.Mutex
	precision int
}

// New returns the calc language server, ready to Serve.
func New(opts ...lsp.Option) *lsp.Server {
	s := &server{lsp: lsp.NewServer("calc", Version, opts...), precision: defaultPrecision}
	s.docs = s.lsp.Documents()
	s.ws = newWorkspace(s.docs)
	s.register()
	return s.lsp
}

// register wires every feature to the framework.
func (s *server) register() {
	srv := s.lsp
	srv.SetCapabilities(capabilities())
	srv.Workspace() // the roots, kept by lsp
	srv.OnInitialize(s.initialize)
	srv.OnInitialized(s.initialized)
	srv.OnDidOpen(s.didOpen)
	srv.OnDidChange(s.didChange)
	srv.OnDidClose(s.didClose)
	srv.OnDidChangeConfiguration(s.didChangeConfiguration)
	srv.OnDidChangeWatchedFiles(s.didChangeWatchedFiles)
	srv.OnDiagnostic(s.pullDiagnostics)
	srv.OnHover(s.hover)
	srv.OnCompletion(s.completion)
	srv.OnSignatureHelp(s.signatureHelp)
	srv.OnDefinition(s.definition)
	srv.OnReferences(s.references)
	srv.OnDocumentHighlight(s.documentHighlight)
	srv.OnPrepareRename(s.prepareRename)
	srv.OnRename(s.rename)
	srv.OnDocumentSymbol(s.documentSymbol)
	srv.OnWorkspaceSymbol(s.workspaceSymbol)
	srv.OnFormatting(s.formatting)
	srv.OnRangeFormatting(s.rangeFormatting)
	srv.OnSemanticTokensFull(s.semanticTokensFull)
	srv.OnSemanticTokensRange(s.semanticTokensRange)
	srv.OnInlayHint(s.inlayHint)
	srv.OnCodeAction(s.codeAction)
	srv.OnFoldingRange(s.foldingRange)
	srv.OnExecuteCommand(s.executeCommand)
}

// capabilities are the options the registrations cannot imply.
func capabilities() protocol.ServerCapabilities {
	return protocol.ServerCapabilities{
		CompletionProvider:     &protocol.CompletionOptions{TriggerCharacters: []string{"("}},
		SignatureHelpProvider:  &protocol.SignatureHelpOptions{TriggerCharacters: []string{"(", ","}},
		ExecuteCommandProvider: &protocol.ExecuteCommandOptions{Commands: []string{CommandEvaluateWorkspace}},
		// A file's diagnostics depend on the files it imports, and on those
		// that import it (unused names): a pulling client pulls again for
		// its other documents after a change.
		DiagnosticProvider: ptr(protocol.NewServerCapabilitiesDiagnosticProviderDiagnosticOptions(protocol.DiagnosticOptions{InterFileDependencies: true})),
		SemanticTokensProvider: ptr(protocol.NewServerCapabilitiesSemanticTokensProviderSemanticTokensOptions(protocol.SemanticTokensOptions{
			Legend: protocol.SemanticTokensLegend{TokenTypes: tokenTypes, TokenModifiers: []string{}},
			Full:   ptr(protocol.NewSemanticTokensOptionsFullBool(true)),
			Range:  ptr(protocol.NewSemanticTokensOptionsRangeBool(true)),
		})),
	}
}

// initialize records the workspace's roots (lsp keeps them: the folders,
// else rootUri or rootPath).
func (s *server) initialize(context.Context, *protocol.InitializeParams) error {
	s.ws.setRoots(s.lsp.Workspace().Paths())
	return nil
}

// initialized reads the settings, watches .calc files, and indexes the
// workspace with progress: the first moment the server may ask the client
// anything.
func (s *server) initialized(ctx context.Context, _ *protocol.InitializedParams) error {
	// The settings and the index must be in place before any document is
	// handled: the questions to the client keep this handler's place in the
	// order (a call to the client otherwise gives it up while it waits).
	ctx = conn.KeepPlace(ctx)
	s.readSettings(ctx)
	s.watchFiles(ctx)
	s.ws.index(ctx, s.lsp)
	s.publishAll(ctx)
	return nil
}

// readSettings asks the client for the calc section of its configuration.
func (s *server) readSettings(ctx context.Context) {
	c := s.lsp.Client()
	res, err := c.Configuration(ctx, &protocol.ConfigurationParams{Items: []protocol.ConfigurationItem{{Section: "calc"}}})
	if err != nil || len(res) == 0 {
		return // the client keeps no settings: the defaults stand
	}
	// A setting the client no longer has goes back to its default.
	precision := defaultPrecision
	var set Settings
	if json.Unmarshal(res[0], &set) == nil && set.Precision != nil && *set.Precision >= 0 {
		precision = min(*set.Precision, 17)
	}
	s.mu.Lock()
	s.precision = precision
	s.mu.Unlock()
}

// didChangeConfiguration reads the settings again, as the pull model asks,
// and shows values with the new precision.
func (s *server) didChangeConfiguration(ctx context.Context, _ *protocol.DidChangeConfigurationParams) error {
	s.readSettings(conn.KeepPlace(ctx)) // what follows sees the new settings
	if c := s.lsp.Client(); c.Supports("workspace.inlayHint.refreshSupport") {
		// The call gives up the handler's place while it waits (see
		// conn.Release): what comes after runs meanwhile.
		_ = c.InlayHintRefresh(ctx)
	}
	return nil
}

// watchFiles asks the client to report changes to .calc files, if it can
// take the registration (lsp.ErrUnsupported otherwise: nothing to do).
func (s *server) watchFiles(ctx context.Context) {
	_, _ = s.lsp.Client().WatchFiles(ctx, protocol.FileSystemWatcher{GlobPattern: protocol.NewGlobPatternPattern("**/*.calc")})
}

func (s *server) getPrecision() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.precision
}

func ptr[T any](v T) *T { return &v }

// Package lsp is a framework for language servers: register typed handlers,
// serve, and every rule of the Language Server Protocol's base protocol and
// lifecycle holds without further thought.
//
// # A server
//
//	srv := lsp.NewServer("calc", "1.0")
//	docs := srv.Documents() // keep open documents in step with the client
//	srv.OnHover(func(ctx context.Context, p *protocol.HoverParams) (*protocol.Hover, error) {
//		snap, ok := docs.Get(p.TextDocument.URI)
//		if !ok {
//			return nil, nil // null: nothing to show
//		}
//		off := snap.Offset(p.Position, srv.Encoding())
//		return &protocol.Hover{Contents: markdown(describe(snap.Text(), off))}, nil
//	})
//	err := srv.Serve(ctx, conn.Stdio()) // stdin and stdout, until exit
//	os.Exit(lsp.ExitCode(err))         // 0 after shutdown, then exit or end of input; else 1
//
// There is an On… method for every message a client sends in LSP 3.18
// (generated from the protocol's meta model, as are the types in package
// protocol), and Handle for custom methods with conn's typed handlers.
//
// # Capabilities
//
// The capabilities announced in initialize are derived from what is
// registered: OnHover announces hoverProvider, OnCompletionItemResolve
// completionProvider.resolveProvider, Documents incremental text sync.
// SetCapabilities supplies what registration cannot imply (trigger
// characters, a semantic tokens legend, the commands of executeCommand);
// what it sets wins. serverInfo is the name and version given to
// NewServer. The position encoding is agreed from the client's
// general.positionEncodings (UTF-8 preferred, then UTF-32; UTF-16, which
// always works, otherwise): Server.Encoding says which.
//
// A handler whose capability needs options registration cannot imply is a
// programming error when they are missing: semantic tokens handlers without
// a legend, OnWorkspaceTextDocumentContent without schemes. Since
// registration and SetCapabilities may come in either order, Serve checks
// them before it reads anything and returns a *RegistrationError for each;
// registering a method twice panics at once, as http.ServeMux does.
//
// Dynamic registration (Client.RegisterCapability) is sent only for
// features whose client capability declares dynamicRegistration, and fails
// with ErrUnsupported otherwise; Client.WatchFiles makes the registration
// that watching files takes.
//
// # Lifecycle, enforced
//
// Before initialize, requests are answered -32002 (ServerNotInitialized)
// and notifications dropped, exit excepted; a second initialize gets
// -32600; after shutdown, requests get -32600 while replies to the server's
// own earlier calls are still processed; exit ends Serve, as do the end of
// the client's stream and the death of its process: Serve returns nil if
// shutdown came first and an *ExitError with code 1 otherwise (see
// ExitCode), as vscode-languageserver-node's servers exit. A $/
// request nothing handles gets -32601; a $/ notification is ignored. If the
// processId of initialize (or WithClientProcessID) names a process that
// dies, Serve ends. Until initialize is answered the Client sends only what
// the specification allows then.
//
// # Ordering
//
// Messages are handled as package conn orders them: notifications — so
// document changes — apply alone and in order, and a request sees every
// change received before it; requests run concurrently with each other. A
// request that changes state is registered with the Exclusive option; a
// notification that changes nothing requests read may be Concurrent. A
// long request that has taken its snapshot may call conn.Release to let
// later messages run; ContentModified then tells it whether its document
// changed under it.
//
// # Calling the client
//
// Server.Client returns the typed client: PublishDiagnostics, ShowMessage,
// ShowMessageRequest, LogMessage, ShowDocument, Configuration, ApplyEdit,
// RegisterCapability, the refresh requests, TelemetryEvent and the rest.
// Requests that need a client capability fail with ErrUnsupported when the
// client did not declare it, rather than hang.
//
// # Documents
//
// Documents keeps a document.Store: didOpen, didChange (full and
// incremental, several changes in one notification applied in order) and
// didClose are applied before the author's handler of the same
// notification runs. Snapshots are immutable and versioned, so a request
// works on a consistent view; positions convert in the agreed encoding.
//
// # Workspace, URIs and semantic tokens
//
// Server.Workspace keeps the workspace's roots: the folders of initialize
// (else rootUri, else rootPath), kept current on
// workspace/didChangeWorkspaceFolders. FileURI and FilePath convert between
// paths and file: URIs exactly as VS Code encodes them (percent-encoding,
// Windows drive letters, UNC paths). Server.SemanticTokens returns a builder
// that takes tokens by name in any order, encodes them for the announced
// legend, and answers full, range and delta requests.
//
// # Progress and tracing
//
// WorkDone reports work-done progress, with the client's token or one it
// creates with window/workDoneProgress/create, cancellable or not, with an
// initial message and percentage if wished, and its Context ends when the
// client cancels; SendPartialResult streams partial results. LogTrace
// sends $/logTrace as the client's $/setTrace level allows; LogHandler
// forwards slog records to window/logMessage; WithWireTrace writes every
// message to a file.
//
// Package lsptest runs a server against an in-memory client, for tests.
package lsp

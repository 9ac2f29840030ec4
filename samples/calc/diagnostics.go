package calc

import (
	"context"

	"github.com/lspkit/lspkit/conn"
	"github.com/lspkit/lspkit/lsp/protocol"
	"github.com/lspkit/lspkit/samples/calc/lang"
)

// Diagnostics go out two ways: pushed with textDocument/publishDiagnostics
// after every change, or — when the client declares textDocument.diagnostic
// — pulled by the client with textDocument/diagnostic (then nothing is
// pushed, and the client is asked to pull again after changes elsewhere).

func (s *server) didOpen(ctx context.Context, _ *protocol.DidOpenTextDocumentParams) error {
	s.ws.changed()
	s.publishAll(ctx)
	return nil
}

func (s *server) didChange(ctx context.Context, _ *protocol.DidChangeTextDocumentParams) error {
	s.ws.changed()
	s.publishAll(ctx)
	return nil
}

func (s *server) didClose(ctx context.Context, p *protocol.DidCloseTextDocumentParams) error {
	s.ws.changed()
	if !s.pulls() {
		// A closed document's problems leave the editor with it.
		_ = s.lsp.Client().PublishDiagnostics(ctx, &protocol.PublishDiagnosticsParams{URI: p.TextDocument.URI, Diagnostics: []protocol.Diagnostic{}})
	}
	s.publishAll(ctx)
	return nil
}

// pulls reports whether the client pulls diagnostics.
func (s *server) pulls() bool { return s.lsp.Client().Supports("textDocument.diagnostic") }

// publishAll refreshes the diagnostics of every open document: an edit in
// one file can change what another that imports it shows.
func (s *server) publishAll(ctx context.Context) {
	c := s.lsp.Client()
	if s.pulls() {
		if c.Supports("workspace.diagnostics.refreshSupport") {
			// The work is done: give up the handler's place, so that the
			// pulls the refresh asks for run while it waits for the answer.
			conn.Release(ctx)
			_ = c.DiagnosticRefresh(ctx)
		}
		return
	}
	for _, snap := range s.docs.All() {
		v := snap.Version()
		_ = c.PublishDiagnostics(ctx, &protocol.PublishDiagnosticsParams{
			URI: snap.URI(), Version: &v, Diagnostics: s.diagnostics(snap.URI()),
		})
	}
}

// pullDiagnostics answers textDocument/diagnostic.
func (s *server) pullDiagnostics(_ context.Context, p *protocol.DocumentDiagnosticParams) (protocol.DocumentDiagnosticReport, error) {
	return protocol.NewDocumentDiagnosticReportRelatedFullDocumentDiagnosticReport(protocol.RelatedFullDocumentDiagnosticReport{
		Kind: "full", Items: s.diagnostics(p.TextDocument.URI),
	}), nil
}

// diagnostics returns the problems of one file, as LSP diagnostics. A let
// that a file importing this one uses is not reported unused.
func (s *server) diagnostics(uri protocol.DocumentURI) []protocol.Diagnostic {
	fa, err := s.ws.analyze(uri)
	if err != nil {
		return []protocol.Diagnostic{}
	}
	usedElsewhere := s.usedElsewhere(uri)
	out := []protocol.Diagnostic{}
	for _, d := range fa.Diagnostics {
		if d.Unused && usedElsewhere[d.Name] {
			continue
		}
		out = append(out, s.toDiagnostic(fa, d))
	}
	return out
}

// usedElsewhere returns the names of uri's lets that other files use.
func (s *server) usedElsewhere(uri protocol.DocumentURI) map[string]bool {
	fa, err := s.ws.analyze(uri)
	if err != nil {
		return nil
	}
	mine := map[*lang.Def]bool{}
	for _, d := range fa.Defs {
		mine[d] = true
	}
	used := map[string]bool{}
	for _, other := range s.ws.files() {
		if other == uri {
			continue
		}
		oa, err := s.ws.analyze(other)
		if err != nil {
			continue
		}
		for _, u := range oa.Uses {
			if mine[u.Def] {
				used[u.Name] = true
			}
		}
	}
	return used
}

func (s *server) toDiagnostic(fa *fileAnalysis, d lang.Diagnostic) protocol.Diagnostic {
	sev := protocol.DiagnosticSeverityError
	if d.Severity == lang.Warning {
		sev = protocol.DiagnosticSeverityWarning
	}
	out := protocol.Diagnostic{
		Range:    fa.snap.Range(d.At.Start, d.At.End, s.lsp.Encoding()),
		Severity: &sev,
		Source:   "calc",
		Message:  protocol.NewDiagnosticMessageString(d.Message),
	}
	if d.Unused {
		out.Tags = []protocol.DiagnosticTag{protocol.DiagnosticTagUnnecessary}
	}
	return out
}

package lsp

import (
	"context"
	"errors"

	"github.com/lspkit/lspkit/conn"
	"github.com/lspkit/lspkit/lsp/document"
	"github.com/lspkit/lspkit/lsp/protocol"
)

// This file keeps documents in step with the client when Documents is on:
// the store applies didOpen, didChange and didClose first, then the
// author's handler of the same notification (if any) runs and sees the
// new snapshot in the store. Notifications run alone and in order (conn's
// default), so every request sees every change received before it.

// syncMethods are the notifications the store takes.
func (s *Server) syncMethods() []string {
	if s.docs == nil {
		return nil
	}
	return []string{"textDocument/didOpen", "textDocument/didChange", "textDocument/didClose"}
}

// syncHandler applies a sync notification to the store, then calls next
// (the author's handler; nil for none).
func (s *Server) syncHandler(method string, next conn.Handler) conn.Handler {
	var apply conn.Handler
	switch method {
	case "textDocument/didOpen":
		apply = conn.TypedNotification(func(_ context.Context, p *protocol.DidOpenTextDocumentParams) error {
			if _, err := s.docs.Open(p); errors.Is(err, document.ErrAlreadyOpen) {
				// The client's text is the truth: the store took it.
				s.opts.logger.Warn("lsp: didOpen of an open document", "uri", p.TextDocument.URI)
			} else if err != nil {
				return err
			}
			return nil
		})
	case "textDocument/didChange":
		apply = conn.TypedNotification(func(_ context.Context, p *protocol.DidChangeTextDocumentParams) error {
			_, err := s.docs.Change(p, s.Encoding())
			return err
		})
	case "textDocument/didClose":
		apply = conn.TypedNotification(func(_ context.Context, p *protocol.DidCloseTextDocumentParams) error {
			return s.docs.Close(p.TextDocument.URI)
		})
	}
	return conn.HandlerFunc(func(ctx context.Context, req *conn.Request) (any, error) {
		if _, err := apply.ServeRPC(ctx, req); err != nil {
			// The document is as it was; the author's handler is not run
			// on a change that did not apply.
			s.opts.logger.Error("lsp: document sync failed", "method", method, "err", err)
			return nil, err
		}
		if next == nil {
			return nil, nil
		}
		return next.ServeRPC(ctx, req)
	})
}

// ContentModified returns the error to answer a request with when the
// document it worked on has changed since it took its snapshot of version
// version (-32801, ContentModified), or nil if it has not. Per the
// specification, a request is cancelled this way only when a change was
// actually applied, never merely because one is queued; since requests run
// after every change received before them, this happens only to a handler
// that released its place in the order (conn.Release).
func (s *Server) ContentModified(uri protocol.DocumentURI, version int32) error {
	if s.docs == nil {
		return nil
	}
	snap, ok := s.docs.Get(uri)
	if ok && snap.Version() == version {
		return nil
	}
	return conn.NewError(CodeContentModified, "content modified: "+string(uri)+" changed while the request ran")
}

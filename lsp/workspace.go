package lsp

import (
	"context"
	"path"
	"slices"
	"strings"
	"sync"

	"github.com/lspkit/lspkit/conn"
	"github.com/lspkit/lspkit/lsp/protocol"
)

// This file keeps the workspace's roots: the folders the client opened,
// from initialize and then from every workspace/didChangeWorkspaceFolders.

// Workspace is the workspace's roots as the client last described them:
// the workspaceFolders of initialize, or, when the client sent none (null
// or absent), its rootUri, or else its rootPath, as one folder; then every
// workspace/didChangeWorkspaceFolders applied in order. Its methods are safe
// to call from any handler.
type Workspace struct {
	mu      sync.Mutex
	folders []protocol.WorkspaceFolder
}

// Workspace turns on the tracking of the workspace's roots and returns
// them (the same Workspace on every call). It announces
// workspace.workspaceFolders {supported, changeNotifications}, so that the
// client reports the folders it adds and removes; an
// OnDidChangeWorkspaceFolders handler runs after its change is applied.
// Call it before Serve.
func (s *Server) Workspace() *Workspace {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.workspace == nil {
		s.workspace = new(Workspace)
	}
	return s.workspace
}

// Folders returns the workspace folders, in the order the client gave
// them; none before initialize or when no folder is open.
func (w *Workspace) Folders() []protocol.WorkspaceFolder {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.folders)
}

// Paths returns the file paths of the workspace folders that are file:
// URIs (see FilePath), in order.
func (w *Workspace) Paths() []string {
	var out []string
	for _, f := range w.Folders() {
		if p, err := FilePath(protocol.DocumentURI(f.URI)); err == nil {
			out = append(out, p)
		}
	}
	return out
}

// init takes the roots from initialize.
func (w *Workspace) init(p *protocol.InitializeParams) {
	var folders []protocol.WorkspaceFolder
	switch {
	case p.WorkspaceFolders.Value != nil:
		folders = slices.Clone(*p.WorkspaceFolders.Value)
	case p.RootURI != nil && *p.RootURI != "": //lint:ignore SA1019 the fallback for clients that send no folders
		folders = []protocol.WorkspaceFolder{{URI: protocol.URI(*p.RootURI), Name: folderName(string(*p.RootURI))}} //lint:ignore SA1019 as above
	case p.RootPath.Value != nil && *p.RootPath.Value != "": //lint:ignore SA1019 as above
		uri := FileURI(*p.RootPath.Value) //lint:ignore SA1019 as above
		folders = []protocol.WorkspaceFolder{{URI: protocol.URI(uri), Name: folderName(string(uri))}}
	}
	w.mu.Lock()
	w.folders = folders
	w.mu.Unlock()
}

// folderName names a folder after the last element of its URI's path.
func folderName(uri string) string {
	if p, err := FilePath(protocol.DocumentURI(uri)); err == nil {
		uri = p
	}
	return path.Base(strings.ReplaceAll(uri, `\`, "/"))
}

// change applies a didChangeWorkspaceFolders event: the removed folders go
// (by URI), the added ones come last, none twice.
func (w *Workspace) change(ev protocol.WorkspaceFoldersChangeEvent) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.folders = slices.DeleteFunc(w.folders, func(f protocol.WorkspaceFolder) bool {
		return slices.ContainsFunc(ev.Removed, func(r protocol.WorkspaceFolder) bool { return r.URI == f.URI })
	})
	for _, a := range ev.Added {
		if !slices.ContainsFunc(w.folders, func(f protocol.WorkspaceFolder) bool { return f.URI == a.URI }) {
			w.folders = append(w.folders, a)
		}
	}
}

// handler applies didChangeWorkspaceFolders, then calls next (the author's
// handler; nil for none).
func (w *Workspace) handler(next conn.Handler) conn.Handler {
	apply := conn.TypedNotification(func(_ context.Context, p *protocol.DidChangeWorkspaceFoldersParams) error {
		w.change(p.Event)
		return nil
	})
	return conn.HandlerFunc(func(ctx context.Context, req *conn.Request) (any, error) {
		if _, err := apply.ServeRPC(ctx, req); err != nil {
			return nil, err
		}
		if next == nil {
			return nil, nil
		}
		return next.ServeRPC(ctx, req)
	})
}

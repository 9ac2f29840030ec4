package lsp_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/lspkit/lspkit/lsp"
	"github.com/lspkit/lspkit/lsp/lsptest"
	"github.com/lspkit/lspkit/lsp/protocol"
)

func folder(name string) protocol.WorkspaceFolder {
	return protocol.WorkspaceFolder{URI: protocol.URI("file:///w/" + name), Name: name}
}

func names(fs []protocol.WorkspaceFolder) []string {
	out := []string{}
	for _, f := range fs {
		out = append(out, f.Name+"="+string(f.URI))
	}
	return out
}

// TestWorkspaceRoots checks the roots taken from initialize — folders,
// else rootUri, else rootPath — and kept current by
// didChangeWorkspaceFolders, which the author's handler sees applied.
func TestWorkspaceRoots(t *testing.T) {
	t.Parallel()
	folders := []protocol.WorkspaceFolder{folder("a"), folder("b")}
	rootURI := protocol.DocumentURI("file:///w/root")
	rootPath := "/w/path"
	tests := []struct {
		name    string
		params  protocol.InitializeParams
		initial []string
		changes []protocol.WorkspaceFoldersChangeEvent
		final   []string
	}{
		{"folders", protocol.InitializeParams{WorkspaceFolders: protocol.Nullable[[]protocol.WorkspaceFolder]{Value: &folders}, RootURI: &rootURI},
			[]string{"a=file:///w/a", "b=file:///w/b"},
			[]protocol.WorkspaceFoldersChangeEvent{
				{Added: []protocol.WorkspaceFolder{folder("c")}, Removed: []protocol.WorkspaceFolder{folder("a")}},
				{Added: []protocol.WorkspaceFolder{folder("c"), folder("d")}, Removed: []protocol.WorkspaceFolder{folder("x")}},
			},
			[]string{"b=file:///w/b", "c=file:///w/c", "d=file:///w/d"}},
		{"rootUri when no folders", protocol.InitializeParams{RootURI: &rootURI, RootPath: protocol.Nullable[string]{Value: &rootPath}},
			[]string{"root=file:///w/root"},
			[]protocol.WorkspaceFoldersChangeEvent{{Added: []protocol.WorkspaceFolder{folder("a")}, Removed: []protocol.WorkspaceFolder{{URI: "file:///w/root"}}}},
			[]string{"a=file:///w/a"}},
		{"rootPath when no rootUri", protocol.InitializeParams{RootPath: protocol.Nullable[string]{Value: &rootPath}},
			[]string{"path=" + string(lsp.FileURI(rootPath))}, nil, []string{"path=" + string(lsp.FileURI(rootPath))}},
		{"none", protocol.InitializeParams{}, []string{},
			[]protocol.WorkspaceFoldersChangeEvent{{Added: []protocol.WorkspaceFolder{folder("a")}}}, []string{"a=file:///w/a"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := lsp.NewServer("t", "1")
			ws := srv.Workspace()
			seen := make(chan []string, 10)
			srv.OnDidChangeWorkspaceFolders(func(context.Context, *protocol.DidChangeWorkspaceFoldersParams) error {
				seen <- names(ws.Folders())
				return nil
			})
			var atInit []string
			srv.OnInitialize(func(context.Context, *protocol.InitializeParams) error {
				atInit = names(ws.Folders())
				return nil
			})
			ctx := context.Background()
			c := lsptest.New(t, srv)
			params := tc.params
			params.Capabilities = lsptest.DefaultCapabilities()
			res, err := c.Initialize(ctx, &params)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(atInit, tc.initial) {
				t.Errorf("in OnInitialize: %v, want %v", atInit, tc.initial)
			}
			data, _ := json.Marshal(res.Capabilities.Workspace)
			if want := `{"workspaceFolders":{"supported":true,"changeNotifications":true}}`; !sameJSON(t, string(data), want) {
				t.Errorf("announced workspace %s, want %s", data, want)
			}
			for _, ev := range tc.changes {
				if err := c.Conn().Notify(ctx, "workspace/didChangeWorkspaceFolders", &protocol.DidChangeWorkspaceFoldersParams{Event: ev}); err != nil {
					t.Fatal(err)
				}
				select {
				case <-seen:
				case <-time.After(10 * time.Second):
					t.Fatal("the author's handler did not run")
				}
			}
			if got := names(ws.Folders()); !slices.Equal(got, tc.final) {
				t.Errorf("folders %v, want %v", got, tc.final)
			}
		})
	}
}

// The workspace's roots, kept current as the client adds and removes
// folders.
func ExampleServer_Workspace() {
	srv := lsp.NewServer("roots", "1.0")
	ws := srv.Workspace()
	changed := make(chan struct{})
	srv.OnDidChangeWorkspaceFolders(func(context.Context, *protocol.DidChangeWorkspaceFoldersParams) error {
		changed <- struct{}{} // the change is applied before this handler runs
		return nil
	})
	ctx := context.Background()
	c := lsptest.Start(ctx, srv)
	root := protocol.DocumentURI("file:///home/me/project")
	c.Initialize(ctx, &protocol.InitializeParams{RootURI: &root, Capabilities: lsptest.DefaultCapabilities()})
	fmt.Println(ws.Folders())
	c.Conn().Notify(ctx, "workspace/didChangeWorkspaceFolders", &protocol.DidChangeWorkspaceFoldersParams{Event: protocol.WorkspaceFoldersChangeEvent{
		Added:   []protocol.WorkspaceFolder{{URI: "file:///home/me/lib", Name: "lib"}},
		Removed: []protocol.WorkspaceFolder{},
	}})
	<-changed
	fmt.Println(ws.Paths())
	c.Shutdown(ctx)
	// Output:
	// [{file:///home/me/project project}]
	// [/home/me/project /home/me/lib]
}

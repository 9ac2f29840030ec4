package lsp_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/lspkit/lspkit/lsp"
	"github.com/lspkit/lspkit/lsp/lsptest"
	"github.com/lspkit/lspkit/lsp/protocol"
)

// Work that cannot be cancelled, shown with a message and a bar that fills
// from 0%.
func ExampleWorkDoneCancellable() {
	srv := lsp.NewServer("indexer", "1.0")
	srv.OnExecuteCommand(func(ctx context.Context, p *protocol.ExecuteCommandParams) (protocol.LSPAny, error) {
		work := srv.WorkDone(ctx, p.WorkDoneToken, "Indexing",
			lsp.WorkDoneCancellable(false), lsp.WorkDoneMessage("reading files"), lsp.WorkDonePercentage(0))
		work.Report("parsing", 60)
		work.End("done")
		return nil, nil
	})
	ctx := context.Background()
	c := lsptest.Start(ctx, srv)
	c.Initialize(ctx, nil)
	token := protocol.NewProgressTokenString("index-1")
	c.ExecuteCommand(ctx, &protocol.ExecuteCommandParams{Command: "index", WorkDoneToken: &token})
	for range 3 {
		raw, _ := c.Notification(ctx, "$/progress")
		var p struct{ Value json.RawMessage }
		json.Unmarshal(raw, &p)
		fmt.Println(string(p.Value))
	}
	c.Shutdown(ctx)
	// Output:
	// {"kind":"begin","title":"Indexing","message":"reading files","percentage":0}
	// {"kind":"report","message":"parsing","percentage":60}
	// {"kind":"end","message":"done"}
}

// A server asks the client to watch its files once initialized; clients
// that cannot take the registration say so with ErrUnsupported.
func ExampleClient_WatchFiles() {
	srv := lsp.NewServer("watcher", "1.0")
	srv.OnDidChangeWatchedFiles(func(_ context.Context, p *protocol.DidChangeWatchedFilesParams) error {
		return nil // read the changed files again
	})
	watched := make(chan error, 1)
	srv.OnInitialized(func(ctx context.Context, _ *protocol.InitializedParams) error {
		go func() { // a request to the client: not from the notification's own turn
			_, err := srv.Client().WatchFiles(context.WithoutCancel(ctx), protocol.FileSystemWatcher{GlobPattern: protocol.NewGlobPatternPattern("**/*.calc")})
			watched <- err
		}()
		return nil
	})
	ctx := context.Background()
	c := lsptest.Start(ctx, srv)
	c.Initialize(ctx, nil) // lsptest's default capabilities: no dynamic registration
	fmt.Println(errors.Is(<-watched, lsp.ErrUnsupported))
	c.Shutdown(ctx)
	// Output:
	// true
}

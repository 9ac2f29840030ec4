// Command testserver is a tiny language server on stdin and stdout, for
// the tests of package lsp that need a real process: it keeps documents
// and answers hover with the line under the cursor.
//
//	testserver [-clientProcessId pid]
//
// It logs to stderr, and exits with lsp.ExitCode of what Serve returned:
// 0 after shutdown and exit, 1 otherwise.
package main

import (
	"context"
	"flag"
	"log/slog"
	"os"

	"github.com/lspkit/lspkit/conn"
	"github.com/lspkit/lspkit/lsp"
	"github.com/lspkit/lspkit/lsp/protocol"
)

func main() {
	pid := flag.Int("clientProcessId", 0, "exit when the process with this id dies")
	flag.Parse()

	var opts []lsp.Option
	if *pid != 0 {
		opts = append(opts, lsp.WithClientProcessID(*pid))
	}
	srv := lsp.NewServer("testserver", "1.0", opts...)
	docs := srv.Documents()
	srv.OnHover(func(ctx context.Context, p *protocol.HoverParams) (*protocol.Hover, error) {
		snap, ok := docs.Get(p.TextDocument.URI)
		if !ok {
			return nil, nil
		}
		return &protocol.Hover{Contents: protocol.NewHoverContentsMarkupContent(protocol.MarkupContent{
			Kind: protocol.MarkupKindPlainText, Value: snap.LineText(int(p.Position.Line)),
		})}, nil
	})

	slog.Info("testserver: serving on stdin and stdout") // to stderr, never stdout
	err := srv.Serve(context.Background(), conn.Stdio())
	slog.Info("testserver: done", "err", err, "exit", lsp.ExitCode(err))
	os.Exit(lsp.ExitCode(err))
}

package main

import (
	"context"
	"fmt"
	"io"

	"github.com/lspkit/lspkit/conn"
	"github.com/lspkit/lspkit/lsp"
	"github.com/lspkit/lspkit/samples/calc"
	"github.com/spf13/cobra"
)

// newServeCalc is `lspkit serve calc`: the calc language server, for
// editors. It speaks LSP over one stream: stdin/stdout (the default), or the
// editor's socket (--socket) or pipe (--pipe: a Unix socket, or a named
// pipe on Windows). Its exit code follows
// the specification: 0 after shutdown and exit, 1 otherwise.
func newServeCalc() *cobra.Command {
	var f serveFlags
	cmd := &cobra.Command{
		Use:   "calc",
		Short: "Serve the calc language server (.calc files) on stdin/stdout",
		Long: `Serve the calc language server: diagnostics, hover, completion, signature
help, definition, references, highlights, rename, symbols, formatting,
semantic tokens, inlay hints, code actions, folding and the command
calc.evaluateWorkspace, for .calc files (languageId "calc").

Editors start it as a subprocess on stdin/stdout; --socket=PORT and
--pipe=NAME (a Unix socket's path; on Windows a named pipe, \\.\pipe\NAME)
connect to an editor that listens instead. --clientProcessId=PID
makes it exit when the editor has died.`,
		Example: `  lspkit serve calc
  lspkit serve calc --stdio --log-file /tmp/calc.log --log-level debug
  lspkit serve calc --socket=5007 --clientProcessId=4242`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return f.serveLSP(cmd, func(opts ...lsp.Option) *lsp.Server { return calc.New(opts...) })
		},
	}
	f.register(cmd)
	return cmd
}

// serveLSP serves one language server on the stream the flags choose and
// turns the end of the session into the process's exit code.
func (f *serveFlags) serveLSP(cmd *cobra.Command, newServer func(...lsp.Option) *lsp.Server) error {
	ctx, t, opts, logger, closeLog, err := f.setup(cmd)
	if err != nil {
		return err
	}
	defer closeLog()
	rwc, err := lspStream(ctx, t)
	if err != nil {
		return err
	}
	srvOpts := []lsp.Option{lsp.WithLogger(logger)}
	if pid := f.transport.clientPID; pid > 0 {
		srvOpts = append(srvOpts, lsp.WithClientProcessID(pid))
	}
	err = newServer(srvOpts...).Serve(ctx, rwc, opts...)
	if err != nil {
		logger.Info("lspkit: the session ended", "err", err)
	}
	if code := lsp.ExitCode(err); code != 0 {
		return exitCode(code)
	}
	return nil
}

// lspStream opens the one stream a language server speaks on.
func lspStream(ctx context.Context, t transport) (io.ReadWriteCloser, error) {
	switch t.kind {
	case "stdio":
		return conn.Stdio(), nil
	case "socket", "pipe":
		return t.dial(ctx)
	}
	return nil, fmt.Errorf("a language server takes one client: use --stdio, --socket or --pipe, not --%s", t.kind)
}

package main

import (
	"github.com/lspkit/lspkit/conn"
	"github.com/lspkit/lspkit/samples/mcp"
	"github.com/spf13/cobra"
)

// newServeMCP is `lspkit serve mcp`: the MCP tool plugin of samples/mcp,
// for MCP hosts, which start it as a subprocess and speak newline-delimited
// JSON-RPC on its stdin and stdout. It exits 0 when the host closes stdin.
func newServeMCP() *cobra.Command {
	var logFile, logLevel string
	var stdio bool
	cmd := &cobra.Command{
		Use:   "mcp",
		Short: "Serve the MCP tool plugin (evaluate, check, count) on stdin/stdout",
		Long: `Serve the MCP sample: a Model Context Protocol server (revision 2025-11-25,
2025-06-18 or 2025-03-26, as the client asks) with three tools over the calc
language: evaluate {"expression"}, check {"source"} and count {"to","delayMs"}.

MCP hosts start it as a subprocess: it speaks newline-delimited JSON-RPC on
stdin and stdout, and logs to stderr (or --log-file). It exits 0 once its
stdin is closed.`,
		Example: `  lspkit serve mcp
  lspkit serve mcp --log-level info
  printf '%s\n' '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"sh","version":"1"}}}' | lspkit serve mcp`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			logger, closeLog, err := newLogger(logFile, logLevel)
			if err != nil {
				return err
			}
			defer closeLog()
			return mcp.New(logger).Serve(cmd.Context(), conn.Stdio())
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&stdio, "stdio", true, "serve on stdin/stdout (the only transport; accepted because hosts may pass it)")
	fl.StringVar(&logFile, "log-file", "", "write logs to this file instead of stderr")
	fl.StringVar(&logLevel, "log-level", "warn", "log level: debug, info, warn or error")
	return cmd
}

package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/lspkit/lspkit/conn"
	"github.com/lspkit/lspkit/framing"
	"github.com/lspkit/lspkit/samples/arith"
	"github.com/spf13/cobra"
)

// serveFlags are the flags every `lspkit serve` subcommand takes.
type serveFlags struct {
	framing  string
	stdio    bool
	logFile  string
	logLevel string

	transport transportFlags // --socket, --pipe, --listen, --http, --ws, --clientProcessId (transport.go)
}

func (f *serveFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.framing, "framing", "header", "message framing: header (Content-Length, as LSP) or line (newline-delimited JSON)")
	fl.BoolVar(&f.stdio, "stdio", true, "serve on stdin/stdout (the default; accepted because editors pass it)")
	fl.StringVar(&f.logFile, "log-file", "", "write logs to this file instead of stderr")
	fl.StringVar(&f.logLevel, "log-level", "warn", "log level: debug, info, warn or error")
	f.transport.register(fl)
}

func newServe() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve a sample server on stdin/stdout",
		Example: `  lspkit serve arith
  echo '{"jsonrpc":"2.0","id":1,"method":"subtract","params":[42,23]}' | lspkit serve arith --framing line`,
	}
	cmd.AddCommand(newServeArith(), newServeCalc(), newServeMCP())
	return cmd
}

func newServeArith() *cobra.Command {
	var f serveFlags
	cmd := &cobra.Command{
		Use:   "arith",
		Short: "Serve the arith JSON-RPC calculator plugin on stdin/stdout, a socket, HTTP or WebSocket",
		Long: `Serve the arith sample: the JSON-RPC 2.0 specification's calculator (subtract,
sum, get_data, update, notify_hello, notify_sum) and more (add, multiply,
divide, echo, sleep, fail, tick, count, get_total) on stdin/stdout.

Other transports, one at a time: --socket=PORT and --pipe=NAME connect to
an editor that listens (vscode-languageclient's TransportKind.socket and
.pipe; NAME is a Unix socket's path, or on Windows a named pipe,
\\.\pipe\NAME); --listen=ADDR accepts any number of clients, each with its own
state; --http=ADDR serves JSON-RPC over HTTP POST at /rpc and --ws=ADDR over
WebSocket. Listening addresses default to 127.0.0.1 when only a port is
given. --clientProcessId=PID exits once that process has exited.`,
		Example: `  lspkit serve arith
  lspkit serve arith --framing line --log-level debug
  lspkit serve arith --socket=5007 --clientProcessId=4242
  lspkit serve arith --listen=:7000
  lspkit serve arith --http=:7001   # curl -d '{"jsonrpc":"2.0","id":1,"method":"sum","params":[1,2]}' -H 'Content-Type: application/json' http://127.0.0.1:7001/rpc`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return f.serve(cmd, func() conn.Handler { return arith.New() })
		},
	}
	f.register(cmd)
	return cmd
}

// options turns the flags into connection options, and returns the logger
// they set.
func (f *serveFlags) options() ([]conn.Option, *slog.Logger, func(), error) {
	var fr framing.Framer
	switch f.framing {
	case "header":
		fr = framing.Header()
	case "line":
		fr = framing.Line()
	default:
		return nil, nil, nil, fmt.Errorf("--framing must be header or line, not %q", f.framing)
	}
	logger, closeLog, err := newLogger(f.logFile, f.logLevel)
	if err != nil {
		return nil, nil, nil, err
	}
	return []conn.Option{conn.WithFramer(fr), conn.WithLogger(logger)}, logger, closeLog, nil
}

// newLogger returns a logger to stderr, or to file when one is named.
func newLogger(file, level string) (*slog.Logger, func(), error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(strings.ToUpper(level))); err != nil {
		return nil, nil, fmt.Errorf("--log-level: %w", err)
	}
	var w io.Writer = os.Stderr
	closeLog := func() {}
	if file != "" {
		fh, err := os.OpenFile(file, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return nil, nil, fmt.Errorf("--log-file: %w", err)
		}
		w, closeLog = fh, func() { fh.Close() }
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: lv})), closeLog, nil
}

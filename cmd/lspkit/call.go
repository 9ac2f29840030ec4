package main

// This file is `lspkit call`: start a server, call it, print what it says.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/lspkit/lspkit/conn"
	"github.com/spf13/cobra"
)

// callFlags are the flags of `lspkit call`.
type callFlags struct {
	framing string
	timeout time.Duration
	lsp     bool
	method  string
	params  string
	file    string
	batch   bool
}

// callSpec is one call to make: from --method and --params, or one entry of
// a --file.
type callSpec struct {
	Method string          `json:"method"`
	Params json.RawMessage `json:"params,omitempty"`
	Notify bool            `json:"notify,omitempty"`
}

func newCall() *cobra.Command {
	var f callFlags
	cmd := &cobra.Command{
		Use:   "call [flags] --method M [--params JSON] -- SERVER [ARGS...]",
		Short: "Start a server, call a method (or several) and print the results",
		Long: `Start the server SERVER ARGS... with its stdin and stdout as a JSON-RPC
connection, make the calls, print each result as indented JSON on stdout,
close the server's stdin and wait for it to exit. The server's stderr goes
to ours.

An error reply is printed (the error object, as indented JSON) on stderr,
and the exit status is then 1. So is any other failure: a server that cannot
be started, that closes its stdout before replying or exits with a non-zero
status, or --timeout running out, which bounds the whole run.

--file takes several calls (- reads them from stdin): a JSON array of
{"method": M, "params": P, "notify": true|false} objects, or the same objects
one after another (JSON lines). "params" and "notify" may be left out. The
calls are made one at a time, in order; each result is printed in turn
(notifications print nothing) and each error reply on stderr after a line
that names the call. With --batch they are sent as one JSON-RPC batch.

--lsp speaks the Language Server Protocol's lifecycle around the calls:
"initialize" (processId, rootUri null, capabilities {}, clientInfo) and
"initialized" before, "shutdown" and "exit" after. Meanwhile the usual
requests of a server to its client are answered blandly
(workspace/configuration with nulls, client/registerCapability and
window/workDoneProgress/create with null).`,
		Example: `  lspkit call --framing line --method subtract --params '[42,23]' -- lspkit serve arith --framing line
  lspkit call --method divide --params '{"a":1,"b":0}' -- lspkit serve arith   # error reply: exit status 1
  lspkit call --file calls.json --batch -- lspkit serve arith
  echo '{"method":"sum","params":[1,2,3]}' | lspkit call --file - -- lspkit serve arith
  lspkit call --lsp --timeout 10s --method textDocument/hover --params '{...}' -- gopls`,
		RunE: func(cmd *cobra.Command, args []string) error {
			argv, err := serverArgs(cmd, args, 0)
			if err != nil {
				return err
			}
			return runCall(cmd, &f, argv)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.framing, "framing", "header", framingUsage)
	fl.DurationVar(&f.timeout, "timeout", 30*time.Second, "bound on the whole run, from starting the server to its exit")
	fl.BoolVar(&f.lsp, "lsp", false, "initialize the server first and shut it down after, as an LSP client does")
	fl.StringVar(&f.method, "method", "", "the method to call")
	fl.StringVar(&f.params, "params", "", "the params of --method: a JSON object or array")
	fl.StringVar(&f.file, "file", "", "make the calls listed in this file (- for stdin) instead of --method")
	fl.BoolVar(&f.batch, "batch", false, "send the calls of --file as one JSON-RPC batch")
	cmd.MarkFlagsOneRequired("method", "file")
	cmd.MarkFlagsMutuallyExclusive("method", "file")
	cmd.MarkFlagsMutuallyExclusive("params", "file")
	return cmd
}

// runCall checks everything it can, then starts the server and makes the
// calls.
func runCall(cmd *cobra.Command, f *callFlags, argv []string) error {
	calls, err := f.calls(cmd.InOrStdin())
	if err != nil {
		return err
	}
	fr, err := framerByName(f.framing)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(cmd.Context(), f.timeout)
	defer cancel()
	srv, err := startServer(argv, cmd.ErrOrStderr())
	if err != nil {
		return err
	}
	defer srv.Release()

	var h conn.Handler
	if f.lsp {
		h = lspClientHandler()
	}
	logger := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	s := &callSession{
		flags:  f,
		conn:   srv.Connect(ctx, h, conn.WithFramer(fr), conn.WithLogger(logger)),
		srv:    srv,
		stdout: cmd.OutOrStdout(),
		stderr: cmd.ErrOrStderr(),
	}
	err = s.run(ctx, calls)
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("call: timed out after %s: %w", f.timeout, err)
	}
	if err != nil {
		return fmt.Errorf("call: %w", err)
	}
	if s.failed {
		return exitCode(1)
	}
	return nil
}

// calls returns the calls the flags ask for, checked.
func (f *callFlags) calls(stdin io.Reader) ([]callSpec, error) {
	if f.batch && f.file == "" {
		return nil, errors.New("--batch sends the calls of a --file")
	}
	if f.file == "" {
		c := callSpec{Method: f.method}
		if f.params != "" {
			c.Params = json.RawMessage(f.params)
		}
		if err := c.check(); err != nil {
			return nil, fmt.Errorf("--params: %w", err)
		}
		return []callSpec{c}, nil
	}
	r := stdin
	if f.file != "-" {
		fh, err := os.Open(f.file)
		if err != nil {
			return nil, err
		}
		defer fh.Close()
		r = fh
	}
	calls, err := readCalls(r)
	if err != nil {
		return nil, fmt.Errorf("--file %s: %w", f.file, err)
	}
	return calls, nil
}

// readCalls reads a JSON array of calls, or calls one after another (JSON
// lines). Unknown fields are refused, so that a typo ("param") is not
// silently a call without params.
func readCalls(r io.Reader) ([]callSpec, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	data = bytes.TrimSpace(data)
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var calls []callSpec
	if len(data) > 0 && data[0] == '[' {
		if err := dec.Decode(&calls); err != nil {
			return nil, err
		}
	} else {
		for dec.More() {
			var c callSpec
			if err := dec.Decode(&c); err != nil {
				return nil, fmt.Errorf("call %d: %w", len(calls)+1, err)
			}
			calls = append(calls, c)
		}
	}
	if len(calls) == 0 {
		return nil, errors.New("no calls")
	}
	for i := range calls {
		if err := calls[i].check(); err != nil {
			return nil, fmt.Errorf("call %d: %w", i+1, err)
		}
	}
	return calls, nil
}

// check validates a call and compacts its params (JSON-RPC params are an
// object or an array; null stands for none).
func (c *callSpec) check() error {
	if c.Method == "" {
		return errors.New("no method")
	}
	if c.Params == nil {
		return nil
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, c.Params); err != nil {
		return fmt.Errorf("params are not valid JSON: %w", err)
	}
	switch p := buf.Bytes(); p[0] {
	case '{', '[':
		c.Params = p
	case 'n':
		c.Params = nil
	default:
		return fmt.Errorf("params must be a JSON object or array, not %s", p)
	}
	return nil
}

// callSession is one run of `lspkit call`: the connection to the server and
// where the results go.
type callSession struct {
	flags          *callFlags
	conn           *conn.Conn
	srv            *conn.Process
	stdout, stderr io.Writer
	failed         bool // some call got an error reply
}

// run makes the calls, wrapped in the LSP lifecycle with --lsp, then ends
// the connection and waits for the server to exit.
func (s *callSession) run(ctx context.Context, calls []callSpec) error {
	if s.flags.lsp {
		if err := s.initialize(ctx); err != nil {
			return err
		}
	}
	var err error
	if s.flags.batch {
		err = s.callBatch(ctx, calls)
	} else {
		err = s.callEach(ctx, calls)
	}
	if err != nil {
		return err
	}
	if s.flags.lsp {
		if err := s.shutdown(ctx); err != nil {
			return err
		}
	}
	return s.finish(ctx)
}

// initialize opens an LSP session as a minimal client does.
func (s *callSession) initialize(ctx context.Context) error {
	params := map[string]any{
		"processId":    os.Getpid(),
		"rootUri":      nil,
		"capabilities": map[string]any{},
		"clientInfo":   map[string]string{"name": "lspkit call", "version": version},
	}
	if err := s.conn.Call(ctx, "initialize", params, nil); err != nil {
		return s.lifecycleError("initialize", err)
	}
	return s.conn.Notify(ctx, "initialized", map[string]any{})
}

// shutdown closes an LSP session: the server should exit (status 0) after
// "exit".
func (s *callSession) shutdown(ctx context.Context) error {
	if err := s.conn.Call(ctx, "shutdown", nil, nil); err != nil {
		return s.lifecycleError("shutdown", err)
	}
	return s.conn.Notify(ctx, "exit", nil)
}

// lifecycleError describes a failed initialize or shutdown.
func (s *callSession) lifecycleError(method string, err error) error {
	var e *conn.Error
	if errors.As(err, &e) {
		s.printError(fmt.Sprintf("%q failed:", method), e)
		return fmt.Errorf("the server refused %q", method)
	}
	return s.callError(method, err)
}

// callEach makes the calls one at a time, printing each outcome.
func (s *callSession) callEach(ctx context.Context, calls []callSpec) error {
	for i, c := range calls {
		if c.Notify {
			if err := s.conn.Notify(ctx, c.Method, c.Params); err != nil {
				return s.callError(c.Method, err)
			}
			continue
		}
		var result json.RawMessage
		err := s.conn.Call(ctx, c.Method, c.Params, &result)
		var e *conn.Error
		switch {
		case errors.As(err, &e):
			s.reportError(i, len(calls), c.Method, e)
		case err != nil:
			return s.callError(c.Method, err)
		default:
			if err := writeIndented(s.stdout, result); err != nil {
				return err
			}
		}
	}
	return nil
}

// callBatch sends the calls as one batch and prints the outcomes in order.
func (s *callSession) callBatch(ctx context.Context, calls []callSpec) error {
	batch := make([]*conn.BatchCall, len(calls))
	results := make([]json.RawMessage, len(calls))
	for i, c := range calls {
		batch[i] = &conn.BatchCall{Method: c.Method, Params: c.Params, Notify: c.Notify, Result: &results[i]}
	}
	if err := s.conn.Batch(ctx, batch); err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			// A server without batches may answer with one error with id
			// null, which cannot be matched to any call; say so.
			return fmt.Errorf("no reply to the batch (does the server take batches?): %w", err)
		}
		return s.callError("batch", err)
	}
	for i, bc := range batch {
		var e *conn.Error
		switch {
		case bc.Notify:
		case errors.As(bc.Err, &e):
			s.reportError(i, len(calls), bc.Method, e)
		case bc.Err != nil:
			return s.callError(bc.Method, bc.Err)
		default:
			if err := writeIndented(s.stdout, results[i]); err != nil {
				return err
			}
		}
	}
	return nil
}

// reportError prints an error reply: the bare error object for a single
// call, after a line naming the call when there are several.
func (s *callSession) reportError(i, n int, method string, e *conn.Error) {
	s.failed = true
	title := ""
	if n > 1 {
		title = fmt.Sprintf("lspkit call: call %d (%q) failed:", i+1, method)
	}
	s.printError(title, e)
}

// printError prints an error object as indented JSON on stderr, after a
// title line if title is not empty.
func (s *callSession) printError(title string, e *conn.Error) {
	if title != "" {
		fmt.Fprintln(s.stderr, title)
	}
	b, _ := json.Marshal(e) // an Error always encodes
	_ = writeIndented(s.stderr, b)
}

// callError explains a call that got no reply at all.
func (s *callSession) callError(method string, err error) error {
	if !errors.Is(err, conn.ErrClosed) {
		return err
	}
	// The server closed its stdout: most likely it exited. Tell how, if it
	// does so promptly.
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if exit, err := s.srv.Wait(ctx); err == nil {
		return fmt.Errorf("%q: the server exited with status %d before replying", method, exit.Code)
	}
	return fmt.Errorf("%q: the server closed its stdout before replying", method)
}

// finish closes the connection (and so the server's stdin) and waits for
// the server to exit, which must be with status 0.
func (s *callSession) finish(ctx context.Context) error {
	exit, err := s.srv.Stop(ctx) // closes the connection, then stdin; then SIGTERM, SIGKILL
	switch {
	case err != nil:
		return err
	case exit.Step != conn.StopNone:
		return fmt.Errorf("the server did not exit once its input was closed: %v", exit)
	case exit.Code != 0:
		return fmt.Errorf("the server exited with status %d", exit.Code)
	}
	return nil
}

// lspClientHandler answers the requests an LSP server commonly makes of
// its client, so that servers which wait for answers go on.
func lspClientHandler() conn.Handler {
	m := conn.NewMux()
	null := func(context.Context, *conn.Request) (any, error) { return nil, nil }
	for _, method := range []string{
		"client/registerCapability", "client/unregisterCapability",
		"window/workDoneProgress/create", "window/showMessageRequest",
		"workspace/workspaceFolders",
	} {
		m.HandleFunc(method, null)
	}
	m.Handle("workspace/configuration", conn.Typed(func(_ context.Context, p struct {
		Items []json.RawMessage `json:"items"`
	}) ([]any, error) {
		return make([]any, len(p.Items)), nil // one null per item: "no settings"
	}))
	return m
}

// writeIndented writes JSON indented by two spaces, and a newline.
func writeIndented(w io.Writer, raw []byte) error {
	var buf bytes.Buffer
	if err := json.Indent(&buf, raw, "", "  "); err != nil {
		buf.Reset()
		buf.Write(raw) // conn only hands us valid JSON; never lose it though
	}
	buf.WriteByte('\n')
	_, err := w.Write(buf.Bytes())
	return err
}

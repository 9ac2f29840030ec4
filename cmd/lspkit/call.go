package main

// This file is `lspkit call`: reach a server — a stdio child, HTTP,
// WebSocket, a TCP or Unix socket —, call it, check every reply and print
// what it says.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/lspkit/lspkit/conn"
	"github.com/spf13/cobra"
)

// The exit statuses of `lspkit call`.
const (
	exitErrorReply = 1 // the server answered, and some answer was an error reply
	exitUsage      = 2 // our own flags or call file are wrong
	exitBroken     = 3 // the server is broken: an invalid reply, no reply, a bad exit, a timeout
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
	headers []string

	// --lsp's initialize.
	initFile    string
	caps        string
	initOptions string
	rootURI     string
	folders     []string
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
		Use:   "call [flags] --method M [--params JSON] -- SERVER [ARGS...] | URL",
		Short: "Call a JSON-RPC server (stdio, HTTP, WebSocket, TCP, Unix socket), check and print its replies",
		Long: `Reach a JSON-RPC 2.0 server, make the calls, check every reply and print
each result as indented JSON on stdout.

The server is a command line after -- (started with its stdin and stdout as
the connection, its stderr going to ours; at the end its stdin is closed and
it must exit by itself with status 0: one that lingers gets SIGTERM after
5s, then SIGKILL), or one URL:

  http://HOST:PORT/PATH, https://...  one POST per message (-H adds headers)
  ws://HOST:PORT/PATH, wss://...      one WebSocket message per message
  tcp://HOST:PORT                     a TCP socket, framed as --framing says
  unix:///PATH                        a Unix socket, likewise

Every reply is checked, and what is wrong is said plainly: not JSON-RPC 2.0
("jsonrpc" missing or not "2.0"), an id missing or not the one sent (type
included: "1" is not 1), both or neither of result and error, an error
object without an integer code or a string message, a batch reply that
misses or repeats an id or answers a notification, an answered
notification, and over HTTP a status or Content-Type that disagrees with
the body.

Messages the server sends of its own (notifications, requests) are printed
on stderr as they arrive; its requests are answered with "method not
found", or blandly with --lsp (see below).

An error reply is printed (the error object, as indented JSON) on stderr.
Exit status: 0 when every call succeeded; 1 when the server answered
correctly but some answer was an error reply; 2 for wrong flags or call
file; 3 when the server is broken: an invalid reply, no reply, a
connection or HTTP failure, a bad exit status, or --timeout running out
(it bounds the whole run).

--file takes several calls (- reads them from stdin): a JSON array of
{"method": M, "params": P, "notify": true|false} objects, or the same objects
one after another (JSON lines). "params" and "notify" may be left out. The
calls are made one at a time, in order; each result is printed in turn
(notifications print nothing) and each error reply on stderr after a line
that names the call. With --batch they are sent as one JSON-RPC batch.

--lsp speaks the Language Server Protocol's lifecycle around the calls:
"initialize" and "initialized" before, "shutdown" and "exit" after. The
initialize params are processId, rootUri null, capabilities {} and
clientInfo, unless --init names a file of them (the params, a whole
"initialize" request, or a log of lspkit inspect, whose first initialize is
an editor's own) and --capabilities,
--init-options, --root-uri and --workspace-folder, which override it.
Meanwhile the usual requests of a server to its client are answered
blandly (workspace/configuration with nulls, client/registerCapability and
window/workDoneProgress/create with null).`,
		Example: `  lspkit call --framing line --method subtract --params '[42,23]' -- lspkit serve arith --framing line
  lspkit call --method divide --params '{"a":1,"b":0}' -- lspkit serve arith   # error reply: exit status 1
  lspkit call --file calls.json --batch -- lspkit serve arith
  echo '{"method":"sum","params":[1,2,3]}' | lspkit call --file - -- lspkit serve arith
  lspkit call --method add --params '[10,15]' -- http://127.0.0.1:5000/rpc
  lspkit call -H 'Authorization: Bearer s3cret' --method sum --params '[1,2]' -- http://127.0.0.1:7001/rpc
  lspkit call --method sum --params '[1,2]' -- ws://127.0.0.1:7002/
  lspkit call --method sum --params '[1,2]' -- tcp://127.0.0.1:7000
  lspkit call --lsp --root-uri . --capabilities @vscode-caps.json --method textDocument/hover --params '{...}' -- gopls`,
		RunE: func(cmd *cobra.Command, args []string) error {
			var argv []string
			if cmd.ArgsLenAtDash() < 0 && len(args) == 1 && parseTarget(args).url != nil {
				argv = args // a URL alone needs no --
			} else {
				var err error
				if argv, err = serverArgs(cmd, args, 0); err != nil {
					return usageError(cmd, err)
				}
			}
			return runCall(cmd, &f, parseTarget(argv))
		},
	}
	cmd.SetFlagErrorFunc(usageError)
	fl := cmd.Flags()
	fl.StringVar(&f.framing, "framing", "header", framingUsage+"; for a stdio server, tcp:// and unix://")
	fl.DurationVar(&f.timeout, "timeout", 30*time.Second, "bound on the whole run, from reaching the server to its exit")
	fl.BoolVar(&f.lsp, "lsp", false, "initialize the server first and shut it down after, as an LSP client does")
	fl.StringVar(&f.method, "method", "", "the method to call")
	fl.StringVar(&f.params, "params", "", "the params of --method: a JSON object or array")
	fl.StringVar(&f.file, "file", "", "make the calls listed in this file (- for stdin) instead of --method")
	fl.BoolVar(&f.batch, "batch", false, "send the calls of --file as one JSON-RPC batch")
	fl.StringArrayVarP(&f.headers, "header", "H", nil, "an HTTP header for http(s):// and ws(s):// targets, as 'Name: value' (repeatable)")
	fl.StringVar(&f.initFile, "init", "", "with --lsp: a JSON `file` of initialize params, an initialize request, or an lspkit inspect log")
	fl.StringVar(&f.caps, "capabilities", "", "with --lsp: the client capabilities, as JSON or @file")
	fl.StringVar(&f.initOptions, "init-options", "", "with --lsp: initializationOptions, as JSON or @file")
	fl.StringVar(&f.rootURI, "root-uri", "", "with --lsp: the rootUri, as a URI or a path")
	fl.StringArrayVar(&f.folders, "workspace-folder", nil, "with --lsp: a workspace folder, as a URI or a path (repeatable)")
	return cmd
}

// usageError prints err and asks for exit status 2: the command line is
// wrong, not the server.
func usageError(cmd *cobra.Command, err error) error {
	fmt.Fprintln(cmd.ErrOrStderr(), "lspkit call:", err)
	return exitCode(exitUsage)
}

// runCall checks everything it can, then reaches the server and makes the
// calls.
func runCall(cmd *cobra.Command, f *callFlags, t target) error {
	stderr := cmd.ErrOrStderr()
	calls, err := f.calls(cmd.InOrStdin())
	if err != nil {
		return usageError(cmd, err)
	}
	fr, err := framerByName(f.framing)
	if err != nil {
		return usageError(cmd, err)
	}
	header, err := parseHeaders(f.headers)
	if err != nil {
		return usageError(cmd, err)
	}
	switch k := t.kind(); {
	case len(f.headers) > 0 && k != "http" && k != "https" && k != "ws" && k != "wss":
		return usageError(cmd, fmt.Errorf("-H is for http(s):// and ws(s):// servers, not %s", k))
	case cmd.Flags().Changed("framing") && k != "stdio" && k != "tcp" && k != "unix":
		return usageError(cmd, fmt.Errorf("--framing is for a stdio server, tcp:// and unix://; %s carries whole messages", k))
	}
	var initParams map[string]any
	if f.lsp {
		if initParams, err = f.initializeParams(); err != nil {
			return usageError(cmd, err)
		}
	} else if f.initFile != "" || f.caps != "" || f.initOptions != "" || f.rootURI != "" || len(f.folders) > 0 {
		return usageError(cmd, errors.New("--init, --capabilities, --init-options, --root-uri and --workspace-folder go with --lsp"))
	}

	ctx, cancel := context.WithTimeoutCause(cmd.Context(), f.timeout, fmt.Errorf("timed out after %s: %w", f.timeout, context.DeadlineExceeded))
	defer cancel()
	ep, err := dialEndpoint(ctx, t, fr, header, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "lspkit call:", err)
		return exitCode(exitBroken)
	}
	if srv := childOf(ep); srv != nil {
		defer srv.Release() // no path leaves a process behind
	}
	s := &callSession{flags: f, ep: ep, stdout: cmd.OutOrStdout(), stderr: stderr}
	err = s.run(ctx, calls, initParams)
	switch {
	case err != nil:
		fmt.Fprintln(stderr, "lspkit call:", err)
		return exitCode(exitBroken)
	case s.broken:
		return exitCode(exitBroken)
	case s.failed:
		return exitCode(exitErrorReply)
	}
	return nil
}

// childOf returns the child process of a stdio endpoint, or nil.
func childOf(ep endpoint) *conn.Process {
	if se, ok := ep.(*streamEndpoint); ok {
		return se.srv
	}
	return nil
}

// initializeParams builds the params of "initialize" from --init and the
// flags that override it.
func (f *callFlags) initializeParams() (map[string]any, error) {
	p := map[string]any{
		"processId":    os.Getpid(),
		"rootUri":      nil,
		"capabilities": map[string]any{},
		"clientInfo":   map[string]string{"name": "lspkit call", "version": version},
	}
	if f.initFile != "" {
		data, err := os.ReadFile(f.initFile)
		if err != nil {
			return nil, fmt.Errorf("--init: %w", err)
		}
		file, err := recordedInitialize(data)
		if err != nil {
			return nil, fmt.Errorf("--init %s: %w", f.initFile, err)
		}
		for k, v := range file {
			p[k] = v
		}
		p["processId"] = os.Getpid() // the recorded editor's is long gone
	}
	for _, o := range []struct{ flag, value, member string }{
		{"--capabilities", f.caps, "capabilities"},
		{"--init-options", f.initOptions, "initializationOptions"},
	} {
		if o.value == "" {
			continue
		}
		v, err := jsonArg(o.flag, o.value)
		if err != nil {
			return nil, err
		}
		p[o.member] = v
	}
	if f.rootURI != "" {
		u, err := fileURI(f.rootURI)
		if err != nil {
			return nil, fmt.Errorf("--root-uri: %w", err)
		}
		p["rootUri"] = u
	}
	if len(f.folders) > 0 {
		var folders []map[string]string
		for _, d := range f.folders {
			u, err := fileURI(d)
			if err != nil {
				return nil, fmt.Errorf("--workspace-folder: %w", err)
			}
			folders = append(folders, map[string]string{"uri": u, "name": filepath.Base(strings.TrimSuffix(d, "/"))})
		}
		p["workspaceFolders"] = folders
	}
	return p, nil
}

// recordedInitialize finds initialize params in data: the params alone
// (a JSON object), a whole "initialize" request, or a log of `lspkit
// inspect`, whose first "initialize" request is taken — an editor's own.
func recordedInitialize(data []byte) (map[string]json.RawMessage, error) {
	type message struct {
		Method string                     `json:"method"`
		Params map[string]json.RawMessage `json:"params"`
		Msg    json.RawMessage            `json:"msg"` // a log entry's message
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	for n := 0; ; n++ {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err == io.EOF {
			return nil, errors.New(`no "initialize" request in it`)
		} else if err != nil {
			return nil, fmt.Errorf("not JSON: %w", err)
		}
		var m message
		if json.Unmarshal(raw, &m) != nil {
			continue // a log line of another shape
		}
		if m.Msg != nil {
			var inner message
			if json.Unmarshal(m.Msg, &inner) == nil {
				m = inner
			}
		}
		switch {
		case m.Method == "initialize" && m.Params != nil:
			return m.Params, nil
		case m.Method == "initialize":
			return nil, errors.New(`its "initialize" request has no params object`)
		case m.Method == "" && m.Msg == nil && n == 0 && !dec.More():
			// The params alone.
			var params map[string]json.RawMessage
			if err := json.Unmarshal(raw, &params); err != nil {
				return nil, fmt.Errorf("not a JSON object: %w", err)
			}
			return params, nil
		}
	}
}

// jsonArg reads a flag's JSON value, given inline or as @file.
func jsonArg(flag, value string) (json.RawMessage, error) {
	data := []byte(value)
	if name, ok := strings.CutPrefix(value, "@"); ok {
		var err error
		if data, err = os.ReadFile(name); err != nil {
			return nil, fmt.Errorf("%s: %w", flag, err)
		}
	}
	if !json.Valid(data) {
		return nil, fmt.Errorf("%s: not valid JSON: %s", flag, snippet(data))
	}
	var buf bytes.Buffer
	json.Compact(&buf, data)
	return buf.Bytes(), nil
}

// fileURI returns s if it is a URI, else the file: URI of the path s.
func fileURI(s string) (string, error) {
	if u, err := url.Parse(s); err == nil && len(u.Scheme) > 1 {
		return s, nil
	}
	abs, err := filepath.Abs(s)
	if err != nil {
		return "", err
	}
	abs = filepath.ToSlash(abs)
	if !strings.HasPrefix(abs, "/") {
		abs = "/" + abs // C:/x on Windows
	}
	return (&url.URL{Scheme: "file", Path: abs}).String(), nil
}

// calls returns the calls the flags ask for, checked.
func (f *callFlags) calls(stdin io.Reader) ([]callSpec, error) {
	switch {
	case f.method == "" && f.file == "":
		return nil, errors.New("give --method, or --file with the calls")
	case f.method != "" && f.file != "":
		return nil, errors.New("--method and --file conflict: give one")
	case f.params != "" && f.file != "":
		return nil, errors.New("--params and --file conflict: the file gives each call's params")
	}
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

// callSession is one run of `lspkit call`: the endpoint and where the
// results go.
type callSession struct {
	flags          *callFlags
	ep             endpoint
	stdout, stderr io.Writer
	nextID         int64
	notified       bool // a notification went out since the last reply
	failed         bool // some call got an error reply
	broken         bool // some reply was invalid
}

// run makes the calls, wrapped in the LSP lifecycle with --lsp, then ends
// the exchange (for a child: it must exit with status 0).
func (s *callSession) run(ctx context.Context, calls []callSpec, initParams map[string]any) error {
	err := s.calls(ctx, calls, initParams)
	if err != nil {
		if errors.Is(err, errNoReply) || errors.Is(err, syscall.EPIPE) {
			err = s.noReply(err)
		}
		if srv := childOf(s.ep); srv != nil {
			srv.Release() // no waiting for a server that has failed us
		}
		s.ep.close(ctx) // what is left is not worth checking
		return err
	}
	var late []callIncoming
	if _, isStream := s.ep.(*streamEndpoint); isStream && childOf(s.ep) == nil && s.notified {
		// The last message was a notification, to a socket: give an answer
		// to it, which would be wrong, a moment to come.
		late = s.lateAnswers(ctx, lateGrace)
	}
	more, err := s.ep.close(ctx)
	late = append(late, more...)
	for _, m := range late {
		if m.body != nil && isServerMsg(m.body) {
			s.serverMessage(ctx, m.body, false)
			continue
		}
		s.problem("after the last call", append(m.problems, "a reply came that no request awaited (was a notification answered?)"), m.body)
	}
	return err
}

func (s *callSession) calls(ctx context.Context, calls []callSpec, initParams map[string]any) error {
	if s.flags.lsp {
		if err := s.initialize(ctx, initParams); err != nil {
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
		return s.shutdown(ctx)
	}
	return nil
}

// lateGrace is how long a socket stays open after a last notification, for
// an answer that should not come.
const lateGrace = 200 * time.Millisecond

// lateAnswers returns what the server sends within d.
func (s *callSession) lateAnswers(ctx context.Context, d time.Duration) []callIncoming {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var late []callIncoming
	for {
		m, err := s.ep.recv(ctx)
		if err != nil {
			return late
		}
		late = append(late, m)
	}
}

// noReply explains a stream that ended while a reply was due: for a child,
// how it exited, if it does so promptly.
func (s *callSession) noReply(err error) error {
	srv := childOf(s.ep)
	if srv == nil {
		return fmt.Errorf("%s closed the connection before replying: %w", s.ep.describe(), err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if exit, err := srv.Wait(ctx); err == nil {
		return fmt.Errorf("the server exited with status %d before replying", exit.Code)
	}
	return errors.New("the server closed its stdout before replying")
}

// initialize opens an LSP session as a client does.
func (s *callSession) initialize(ctx context.Context, params map[string]any) error {
	r, err := s.request(ctx, "initialize", "initialize", params)
	if err != nil {
		return err
	}
	if r != nil && r.isError() {
		s.printError(`"initialize" failed:`, r.errObj)
		return errors.New(`the server refused "initialize"`)
	}
	return s.notify(ctx, "initialized", json.RawMessage(`{}`))
}

// shutdown closes an LSP session: the server should exit (status 0) after
// "exit".
func (s *callSession) shutdown(ctx context.Context) error {
	r, err := s.request(ctx, "shutdown", "shutdown", nil)
	if err != nil {
		return err
	}
	if r != nil && r.isError() {
		s.printError(`"shutdown" failed:`, r.errObj)
		return errors.New(`the server refused "shutdown"`)
	}
	return s.notify(ctx, "exit", nil)
}

// message encodes a request (id not nil) or notification.
func message(id json.RawMessage, method string, params any) ([]byte, error) {
	m := struct {
		JSONRPC string          `json:"jsonrpc"`
		ID      json.RawMessage `json:"id,omitempty"`
		Method  string          `json:"method"`
		Params  any             `json:"params,omitempty"`
	}{"2.0", id, method, params}
	if p, ok := params.(json.RawMessage); ok && p == nil {
		m.Params = nil
	}
	return json.Marshal(m)
}

// newID returns the next request id: 1, 2, 3...
func (s *callSession) newID() json.RawMessage {
	s.nextID++
	return json.RawMessage(fmt.Sprint(s.nextID))
}

// notify sends a notification.
func (s *callSession) notify(ctx context.Context, method string, params any) error {
	msg, err := message(nil, method, params)
	if err != nil {
		return err
	}
	problems, err := s.ep.send(ctx, msg, false)
	if err != nil {
		return err
	}
	s.notified = true
	s.problem(fmt.Sprintf("notification %q", method), problems, nil)
	return nil
}

// request sends a request and returns its reply, checked: the problems
// found are reported, and then r is nil if there is no usable reply.
func (s *callSession) request(ctx context.Context, title, method string, params any) (*response, error) {
	id := s.newID()
	msg, err := message(id, method, params)
	if err != nil {
		return nil, err
	}
	if _, err := s.ep.send(ctx, msg, true); err != nil {
		return nil, err
	}
	m, err := s.reply(ctx)
	if err != nil {
		return nil, err
	}
	problems := m.problems
	r, perr := parseReply(m.body)
	if perr != nil {
		s.problem(title, append(problems, "the reply is not a JSON-RPC response: "+perr.Error()), m.body)
		return nil, nil
	}
	problems = append(problems, checkResponse(r)...)
	// An HTTP server may refuse a request before reading it (401, 429):
	// an error with id null and such a status is a fair answer.
	refused := m.status >= 400 && r.isError() && string(r.id) == "null"
	if p := checkID(r.id, id); p != "" && !refused {
		if s.notified && r.id != nil && string(r.id) != "null" {
			p += " (or a notification was answered)"
		}
		problems = append(problems, p)
	}
	s.notified = false
	s.problem(title, problems, m.body)
	return r, nil
}

// reply waits for the next message that is not the server's own, handling
// those that are as they arrive.
func (s *callSession) reply(ctx context.Context) (callIncoming, error) {
	for {
		m, err := s.ep.recv(ctx)
		if err != nil {
			return m, err
		}
		switch {
		case m.body == nil:
			s.problem("while waiting for a reply", m.problems, nil)
		case isServerMsg(m.body):
			s.serverMessage(ctx, m.body, true)
		default:
			return m, nil
		}
	}
}

// callEach makes the calls one at a time, printing each outcome.
func (s *callSession) callEach(ctx context.Context, calls []callSpec) error {
	for i, c := range calls {
		if c.Notify {
			if err := s.notify(ctx, c.Method, c.Params); err != nil {
				return err
			}
			continue
		}
		r, err := s.request(ctx, s.callTitle(i, len(calls), c.Method), c.Method, c.Params)
		if err != nil {
			return err
		}
		if err := s.outcome(i, len(calls), c.Method, r); err != nil {
			return err
		}
	}
	return nil
}

// callTitle names a call in messages.
func (s *callSession) callTitle(i, n int, method string) string {
	if n == 1 {
		return fmt.Sprintf("%q", method)
	}
	return fmt.Sprintf("call %d (%q)", i+1, method)
}

// outcome prints the result of a reply on stdout, or its error on stderr.
func (s *callSession) outcome(i, n int, method string, r *response) error {
	switch {
	case r == nil:
	case r.result != nil:
		return writeIndented(s.stdout, r.result)
	case r.isError():
		s.failed = true
		title := ""
		if n > 1 {
			title = fmt.Sprintf("lspkit call: call %d (%q) failed:", i+1, method)
		}
		s.printError(title, r.errObj)
	}
	return nil
}

// callBatch sends the calls as one batch and prints the outcomes in order.
func (s *callSession) callBatch(ctx context.Context, calls []callSpec) error {
	var elems []json.RawMessage
	bcalls := make([]batchCall, len(calls))
	wantReply := false
	for i, c := range calls {
		if !c.Notify {
			bcalls[i].id = s.newID()
			wantReply = true
		}
		bcalls[i].method = c.Method
		msg, err := message(bcalls[i].id, c.Method, c.Params)
		if err != nil {
			return err
		}
		elems = append(elems, msg)
	}
	batch, _ := json.Marshal(elems)
	problems, err := s.ep.send(ctx, batch, wantReply)
	if err != nil {
		return err
	}
	if !wantReply {
		s.problem("the batch", problems, nil)
		return nil
	}
	m, err := s.reply(ctx)
	if err != nil {
		return err
	}
	replies, problems := checkBatch(m.body, bcalls)
	s.problem("the batch", append(m.problems, problems...), m.body)
	for i, r := range replies {
		if err := s.outcome(i, len(calls), calls[i].Method, r); err != nil {
			return err
		}
	}
	return nil
}

// problem reports what is wrong with a reply, if anything, and the reply
// itself; the run then ends with exitBroken.
func (s *callSession) problem(title string, problems []string, raw []byte) {
	if len(problems) == 0 {
		return
	}
	s.broken = true
	fmt.Fprintf(s.stderr, "lspkit call: %s: the server's answer is wrong:\n", title)
	for _, p := range problems {
		fmt.Fprintf(s.stderr, "  - %s\n", p)
	}
	if len(raw) > 0 {
		fmt.Fprintf(s.stderr, "  the answer: %s\n", snippet(raw))
	}
}

// printError prints an error object as indented JSON on stderr, after a
// title line if title is not empty.
func (s *callSession) printError(title string, e json.RawMessage) {
	if title != "" {
		fmt.Fprintln(s.stderr, title)
	}
	_ = writeIndented(s.stderr, e)
}

// serverMessage prints a message of the server's own and, when it is a
// request and canAnswer, answers it.
func (s *callSession) serverMessage(ctx context.Context, raw []byte, canAnswer bool) {
	r, _ := parseReply(raw)
	var method string
	_ = json.Unmarshal(r.method, &method)
	params := "(no params)"
	if r.raw != nil {
		var m map[string]json.RawMessage
		if json.Unmarshal(raw, &m) == nil && m["params"] != nil {
			params = compactJSON(m["params"])
		}
	}
	if r.id == nil {
		fmt.Fprintf(s.stderr, "lspkit call: ← server notification %s %s\n", method, snippet([]byte(params)))
		return
	}
	fmt.Fprintf(s.stderr, "lspkit call: ← server request %s (id %s) %s\n", method, r.id, snippet([]byte(params)))
	if !canAnswer {
		return
	}
	result, errObj := s.answer(method, raw)
	reply := map[string]any{"jsonrpc": "2.0", "id": r.id}
	if errObj != nil {
		reply["error"] = errObj
	} else {
		reply["result"] = result
	}
	msg, _ := json.Marshal(reply)
	if _, err := s.ep.send(ctx, msg, false); err == nil {
		what, _ := json.Marshal(result)
		if errObj != nil {
			what, _ = json.Marshal(errObj)
		}
		fmt.Fprintf(s.stderr, "lspkit call: → answered %s with %s\n", method, what)
	}
}

// answer is our answer to a request of the server: with --lsp, the bland
// answers an LSP client gives, so that servers which wait for them go on;
// otherwise "method not found".
func (s *callSession) answer(method string, raw []byte) (result any, errObj map[string]any) {
	if s.flags.lsp {
		switch method {
		case "client/registerCapability", "client/unregisterCapability",
			"window/workDoneProgress/create", "window/showMessageRequest",
			"workspace/workspaceFolders":
			return nil, nil
		case "workspace/configuration":
			var p struct {
				Params struct {
					Items []json.RawMessage `json:"items"`
				} `json:"params"`
			}
			_ = json.Unmarshal(raw, &p)
			return make([]any, len(p.Params.Items)), nil // one null per item: "no settings"
		}
	}
	return nil, map[string]any{"code": -32601, "message": "Method not found: lspkit call serves no " + method}
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

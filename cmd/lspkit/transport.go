package main

// Transports of `lspkit serve`: the same handlers over stdio, sockets,
// HTTP or WebSocket, chosen by flags that follow the conventions editors
// launch servers with (vscode-languageclient's TransportKind: --stdio,
// --socket=PORT, --pipe=NAME, and --clientProcessId=PID).

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/lspkit/lspkit/conn"
	"github.com/lspkit/lspkit/conn/httprpc"
	"github.com/lspkit/lspkit/conn/wsrpc"
	"github.com/lspkit/lspkit/lsp/procwatch"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// transportFlags choose how `lspkit serve` reaches its clients. The zero
// value, like --stdio, serves on stdin/stdout.
type transportFlags struct {
	socket    int    // --socket: connect to the client's port on 127.0.0.1
	pipe      string // --pipe: connect to the client's named pipe (Windows) or Unix socket
	listen    string // --listen: accept clients on a TCP address or Unix socket
	http      string // --http: JSON-RPC over HTTP POST at /rpc
	ws        string // --ws: JSON-RPC over WebSocket
	clientPID int    // --clientProcessId: exit when this process dies
}

func (t *transportFlags) register(fl *pflag.FlagSet) {
	fl.IntVar(&t.socket, "socket", 0, "connect to the client listening on this port of 127.0.0.1 (as vscode-languageclient's TransportKind.socket)")
	fl.StringVar(&t.pipe, "pipe", "", "connect to the client listening on this named pipe (Windows: \\\\.\\pipe\\NAME) or Unix socket path (elsewhere), as vscode-languageclient's TransportKind.pipe")
	fl.StringVar(&t.listen, "listen", "", "accept any number of clients on this TCP `address` (host defaults to 127.0.0.1: :7000 or 7000) or Unix socket path (one with a /)")
	fl.StringVar(&t.http, "http", "", "serve JSON-RPC over HTTP POST at /rpc on this `address` (host defaults to 127.0.0.1)")
	fl.StringVar(&t.ws, "ws", "", "serve JSON-RPC over WebSocket on this `address` (host defaults to 127.0.0.1), at any path")
	fl.IntVar(&t.clientPID, "clientProcessId", 0, "exit when the process with this `pid` (the editor) has exited")
}

// transport is a chosen transport: a kind and its address.
type transport struct {
	kind    string // "stdio", "socket", "pipe", "listen", "http" or "ws"
	network string // "tcp" or "unix", for the socket kinds
	addr    string
}

// choose validates the transport flags and returns the transport they
// name: exactly one, stdio by default.
func (t *transportFlags) choose(fl *pflag.FlagSet) (transport, error) {
	var chosen []string
	for _, name := range []string{"socket", "pipe", "listen", "http", "ws"} {
		if fl.Changed(name) {
			chosen = append(chosen, "--"+name)
		}
	}
	stdio := fl.Changed("stdio") && fl.Lookup("stdio").Value.String() == "true"
	switch {
	case len(chosen) > 1:
		return transport{}, fmt.Errorf("%s conflict: choose one transport", strings.Join(chosen, " and "))
	case len(chosen) == 1 && stdio:
		return transport{}, fmt.Errorf("--stdio and %s conflict: choose one transport", chosen[0])
	case t.clientPID < 0:
		return transport{}, fmt.Errorf("--clientProcessId must be a process id, not %d", t.clientPID)
	case len(chosen) == 0:
		return transport{kind: "stdio"}, nil
	}
	if (fl.Changed("http") || fl.Changed("ws")) && fl.Changed("framing") {
		return transport{}, fmt.Errorf("--framing and %s conflict: HTTP and WebSocket carry whole messages; --framing is for stdio, --socket, --pipe and --listen", chosen[0])
	}
	switch chosen[0] {
	case "--socket":
		if t.socket < 1 || t.socket > 65535 {
			return transport{}, fmt.Errorf("--socket must be a port (1-65535), not %d", t.socket)
		}
		return transport{"socket", "tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(t.socket))}, nil
	case "--pipe":
		if t.pipe == "" {
			return transport{}, errors.New("--pipe needs the name of the client's pipe or socket")
		}
		return transport{"pipe", pipeNetwork, t.pipe}, nil
	case "--listen":
		if strings.Contains(t.listen, "/") {
			return transport{"listen", "unix", t.listen}, nil
		}
		addr, err := loopbackAddr("--listen", t.listen)
		return transport{"listen", "tcp", addr}, err
	case "--http":
		addr, err := loopbackAddr("--http", t.http)
		return transport{"http", "tcp", addr}, err
	default:
		addr, err := loopbackAddr("--ws", t.ws)
		return transport{"ws", "tcp", addr}, err
	}
}

// loopbackAddr completes a listening address: a port alone (":7000" or
// "7000") listens on 127.0.0.1, so that nothing is reachable from other
// machines unless a host says so ("0.0.0.0:7000").
func loopbackAddr(flag, addr string) (string, error) {
	if _, err := strconv.ParseUint(addr, 10, 16); err == nil {
		addr = ":" + addr
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("%s: want host:port or a port, not %q", flag, addr)
	}
	if host == "" {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port), nil
}

// serve serves handlers from newHandler on the transport the flags choose,
// until the client leaves (stdio, --socket, --pipe), the command's context
// ends (a signal), or the process named by --clientProcessId exits. Every
// `lspkit serve` subcommand runs through it: stdio, --socket and --pipe
// use one handler; --listen and --ws one per client; --http one for all
// requests.
func (f *serveFlags) serve(cmd *cobra.Command, newHandler func() conn.Handler) error {
	ctx, t, opts, logger, closeLog, err := f.setup(cmd)
	if err != nil {
		return err
	}
	defer closeLog()
	if pid := f.transport.clientPID; pid > 0 {
		var stop func()
		ctx, stop = watchProcess(ctx, pid, logger)
		defer stop()
	}
	err = t.serve(ctx, cmd, newHandler, opts, logger)
	if cause := context.Cause(ctx); errors.Is(cause, errClientExited) {
		logger.Info("lspkit: the client process has exited", "pid", f.transport.clientPID)
		return cause
	}
	return err
}

// setup reads the flags every serve subcommand shares: the transport, the
// connection options and the logger. closeLog closes the log file, if any.
func (f *serveFlags) setup(cmd *cobra.Command) (ctx context.Context, t transport, opts []conn.Option, logger *slog.Logger, closeLog func(), err error) {
	if t, err = f.transport.choose(cmd.Flags()); err != nil {
		return
	}
	if opts, logger, closeLog, err = f.options(); err != nil {
		return
	}
	ctx = cmd.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	return ctx, t, opts, logger, closeLog, nil
}

// serve runs the transport until it ends.
func (t transport) serve(ctx context.Context, cmd *cobra.Command, newHandler func() conn.Handler, opts []conn.Option, logger *slog.Logger) error {
	announce := func(format string, args ...any) {
		fmt.Fprintf(cmd.ErrOrStderr(), "lspkit: "+format+"\n", args...)
	}
	switch t.kind {
	case "stdio":
		return conn.Serve(ctx, conn.Stdio(), newHandler(), opts...)
	case "socket", "pipe":
		nc, err := t.dial(ctx)
		if err != nil {
			return err
		}
		c := conn.New(ctx, nc, newHandler(), opts...)
		<-c.Done()
		return c.Err()
	case "listen":
		ln, err := net.Listen(t.network, t.addr)
		if err != nil {
			return fmt.Errorf("--listen: %w", err)
		}
		announce("serving JSON-RPC on %s %s", t.network, ln.Addr())
		return conn.ServeListener(ctx, ln, newHandler, opts...)
	case "http":
		ln, err := net.Listen(t.network, t.addr)
		if err != nil {
			return fmt.Errorf("--http: %w", err)
		}
		mux := http.NewServeMux()
		mux.Handle("/rpc", httprpc.NewHandler(newHandler(), httprpc.WithConnOptions(opts...), httprpc.WithLogger(logger)))
		announce("serving JSON-RPC over HTTP at http://%s/rpc", ln.Addr())
		return serveHTTP(ctx, ln, mux, nil, logger)
	default: // ws
		ln, err := net.Listen(t.network, t.addr)
		if err != nil {
			return fmt.Errorf("--ws: %w", err)
		}
		h := wsrpc.NewHandler(newHandler, wsrpc.WithConnOptions(opts...), wsrpc.WithLogger(logger))
		announce("serving JSON-RPC over WebSocket at ws://%s/", ln.Addr())
		return serveHTTP(ctx, ln, h, h.Close, logger)
	}
}

// shutdownTimeout bounds how long a stopping HTTP server waits for the
// requests in flight.
const shutdownTimeout = 5 * time.Second

// serveHTTP serves h on ln until ctx ends, then shuts down: it stops
// accepting, lets requests in flight finish (a few seconds at most) and
// calls closeHijacked, if given, to close the WebSockets that Shutdown
// does not know.
func serveHTTP(ctx context.Context, ln net.Listener, h http.Handler, closeHijacked func() error, logger *slog.Logger) error {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
	}
	if closeHijacked != nil {
		closeHijacked()
	}
	<-served // http.ErrServerClosed
	return nil
}

// dial connects to the client of --socket or --pipe: a client that
// listens, and passes its address to the server it launches.
func (t transport) dial(ctx context.Context) (net.Conn, error) {
	var (
		c   net.Conn
		err error
	)
	if t.kind == "pipe" {
		c, err = dialPipe(ctx, t.addr)
	} else {
		var d net.Dialer
		c, err = d.DialContext(ctx, t.network, t.addr)
	}
	if err != nil {
		return nil, fmt.Errorf("--%s: %w", t.kind, err)
	}
	return c, nil
}

// errClientExited is the cause of the end when the --clientProcessId
// process exits.
var errClientExited = errors.New("the client process has exited")

// watchProcess returns a context that ends, with cause errClientExited,
// once process pid has exited. The watch sleeps until then where the
// system allows (lsp/procwatch: a pidfd on Linux, which a recycled
// pid cannot fool, kqueue on macOS, the process handle on Windows). A
// process that cannot be watched is logged, and the context then ends
// only with ctx. stop ends the watch and waits for it.
func watchProcess(ctx context.Context, pid int, logger *slog.Logger) (_ context.Context, stop func()) {
	ctx, cancel := context.WithCancelCause(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		err := procwatch.Wait(ctx, pid)
		switch {
		case err == nil:
			cancel(fmt.Errorf("--clientProcessId %d: %w", pid, errClientExited))
		case ctx.Err() == nil:
			logger.Warn("lspkit: cannot watch the client process", "pid", pid, "err", err)
		}
	}()
	return ctx, func() { cancel(nil); <-done }
}

package main

// Transports of `lspkit serve`: the same handlers over stdio, sockets,
// HTTP or WebSocket, chosen by flags that follow the conventions editors
// launch servers with (vscode-languageclient's TransportKind: --stdio,
// --socket=PORT, --pipe=NAME, and --clientProcessId=PID).

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/lspkit/lspkit/conn"
	"github.com/lspkit/lspkit/conn/httprpc"
	"github.com/lspkit/lspkit/conn/wsrpc"
	"github.com/lspkit/lspkit/framing"
	"github.com/lspkit/lspkit/lsp/procwatch"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/time/rate"
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

	web webFlags // the limits and guards of --http and --ws
}

// webFlags are the limits and guards of --http and --ws.
type webFlags struct {
	headerTimeout  time.Duration // http.Server.ReadHeaderTimeout
	bodyTimeout    time.Duration // a deadline on reading each request's body
	idleTimeout    time.Duration // http.Server.IdleTimeout
	maxHeaderBytes int           // http.Server.MaxHeaderBytes
	maxMessage     int64         // the largest body (--http) or message (--ws)
	statusMapping  bool          // --http: error replies get 4xx/5xx statuses
	tokenFile      string        // a bearer token, read from this file
	tokenEnv       string        // a bearer token, read from this environment variable
	rateLimit      float64       // requests a second per client address; 0: none
	rateBurst      int
}

// The defaults of webFlags.
const (
	defaultHeaderTimeout  = 10 * time.Second
	defaultBodyTimeout    = 30 * time.Second
	defaultIdleTimeout    = 30 * time.Second
	defaultMaxHeaderBytes = 64 << 10
)

func (t *transportFlags) register(fl *pflag.FlagSet) {
	fl.IntVar(&t.socket, "socket", 0, "connect to the client listening on this port of 127.0.0.1 (as vscode-languageclient's TransportKind.socket)")
	fl.StringVar(&t.pipe, "pipe", "", "connect to the client listening on this named pipe (Windows: \\\\.\\pipe\\NAME) or Unix socket path (elsewhere), as vscode-languageclient's TransportKind.pipe")
	fl.StringVar(&t.listen, "listen", "", "accept any number of clients on this TCP `address` (host defaults to 127.0.0.1: :7000 or 7000) or Unix socket path (one with a /)")
	fl.StringVar(&t.http, "http", "", "serve JSON-RPC over HTTP POST at /rpc on this `address` (host defaults to 127.0.0.1)")
	fl.StringVar(&t.ws, "ws", "", "serve JSON-RPC over WebSocket on this `address` (host defaults to 127.0.0.1), at any path")
	fl.IntVar(&t.clientPID, "clientProcessId", 0, "exit when the process with this `pid` (the editor) has exited")

	w := &t.web
	fl.DurationVar(&w.headerTimeout, "http-header-timeout", defaultHeaderTimeout, "--http, --ws: close a connection whose request headers take longer than this to arrive")
	fl.DurationVar(&w.bodyTimeout, "http-body-timeout", defaultBodyTimeout, "--http: close a connection whose request body takes longer than this to arrive (a body trickled in)")
	fl.DurationVar(&w.idleTimeout, "http-idle-timeout", defaultIdleTimeout, "--http, --ws: close a keep-alive connection idle this long between requests")
	fl.IntVar(&w.maxHeaderBytes, "http-max-header-bytes", defaultMaxHeaderBytes, "--http, --ws: the largest request header block, in bytes (larger: 431)")
	fl.Int64Var(&w.maxMessage, "max-message-size", framing.DefaultMaxMessageSize, "--http: the largest request body (larger: 413); --ws: the largest message (larger: a JSON-RPC error, the connection goes on); in bytes")
	fl.BoolVar(&w.statusMapping, "http-status-mapping", false, "--http: give error replies HTTP statuses: -32700, -32600, -32602 400; -32601 404; -32603 and other server errors 500 (default: 200 for every reply)")
	fl.StringVar(&w.tokenFile, "token-file", "", "--http, --ws: require 'Authorization: Bearer TOKEN', TOKEN being this `file`'s content (leading and trailing space trimmed)")
	fl.StringVar(&w.tokenEnv, "token-env", "", "--http, --ws: require 'Authorization: Bearer TOKEN', TOKEN being the value of this environment `variable`")
	fl.Float64Var(&w.rateLimit, "rate-limit", 0, "--http, --ws: allow each client address this many requests (or WebSocket handshakes) a second; more are refused with 429 (0: no limit)")
	fl.IntVar(&w.rateBurst, "rate-burst", 0, "--http, --ws: with --rate-limit, the burst allowed above the rate (default: the rate, at least 1)")
}

// transport is a chosen transport: a kind and its address.
type transport struct {
	kind    string // "stdio", "socket", "pipe", "listen", "http" or "ws"
	network string // "tcp" or "unix", for the socket kinds
	addr    string
	web     webFlags // for http and ws
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
	if err := t.web.check(fl, chosen[0]); err != nil {
		return transport{}, err
	}
	if (fl.Changed("http") || fl.Changed("ws")) && fl.Changed("framing") {
		return transport{}, fmt.Errorf("--framing and %s conflict: HTTP and WebSocket carry whole messages; --framing is for stdio, --socket, --pipe and --listen", chosen[0])
	}
	switch chosen[0] {
	case "--socket":
		if t.socket < 1 || t.socket > 65535 {
			return transport{}, fmt.Errorf("--socket must be a port (1-65535), not %d", t.socket)
		}
		return transport{kind: "socket", network: "tcp", addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(t.socket))}, nil
	case "--pipe":
		if t.pipe == "" {
			return transport{}, errors.New("--pipe needs the name of the client's pipe or socket")
		}
		return transport{kind: "pipe", network: pipeNetwork, addr: t.pipe}, nil
	case "--listen":
		if strings.Contains(t.listen, "/") {
			return transport{kind: "listen", network: "unix", addr: t.listen}, nil
		}
		addr, err := loopbackAddr("--listen", t.listen)
		return transport{kind: "listen", network: "tcp", addr: addr}, err
	case "--http":
		addr, err := loopbackAddr("--http", t.http)
		return transport{"http", "tcp", addr, t.web}, err
	default:
		addr, err := loopbackAddr("--ws", t.ws)
		return transport{"ws", "tcp", addr, t.web}, err
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
		// A write to a closed stdout must fail with EPIPE rather than kill
		// us with SIGPIPE, as Go does for fd 1 unless SIGPIPE is notified.
		sigpipe := make(chan os.Signal, 1)
		signal.Notify(sigpipe, syscall.SIGPIPE)
		defer signal.Stop(sigpipe)
		err := conn.Serve(ctx, conn.Stdio(), newHandler(), opts...)
		if errors.Is(err, syscall.EPIPE) {
			logger.Error("lspkit: stdout was closed by the client (broken pipe): our replies have nowhere to go; stopping", "err", err)
			return exitCode(exitBrokenPipe)
		}
		return err
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
		guards, err := t.web.guards()
		if err != nil {
			return err
		}
		ln, err := net.Listen(t.network, t.addr)
		if err != nil {
			return fmt.Errorf("--http: %w", err)
		}
		hopts := []httprpc.Option{httprpc.WithConnOptions(opts...), httprpc.WithLogger(logger), httprpc.WithMaxBodySize(t.web.maxMessage)}
		if t.web.statusMapping {
			hopts = append(hopts, httprpc.WithStatusMapping(nil))
		}
		// The guards refuse with 401 and 429 whatever the status mapping:
		// they answer before the body, and so the id, is read.
		mux := http.NewServeMux()
		mux.Handle("/rpc", guard(bodyDeadline(httprpc.NewHandler(newHandler(), hopts...), t.web.bodyTimeout), guards))
		announce("serving JSON-RPC over HTTP at http://%s/rpc", ln.Addr())
		return serveHTTP(ctx, ln, mux, nil, t.web, logger)
	default: // ws
		guards, err := t.web.guards()
		if err != nil {
			return err
		}
		ln, err := net.Listen(t.network, t.addr)
		if err != nil {
			return fmt.Errorf("--ws: %w", err)
		}
		h := wsrpc.NewHandler(newHandler, wsrpc.WithConnOptions(opts...), wsrpc.WithLogger(logger), wsrpc.WithMaxMessageSize(t.web.maxMessage))
		announce("serving JSON-RPC over WebSocket at ws://%s/", ln.Addr())
		return serveHTTP(ctx, ln, guard(h, guards), h.Close, t.web, logger)
	}
}

// check validates the web flags given with transport flag tf ("--http",
// "--listen"...): those of HTTP only with --http or --ws, and sensible
// values.
func (w *webFlags) check(fl *pflag.FlagSet, tf string) error {
	web := tf == "--http" || tf == "--ws"
	for _, name := range []string{"http-header-timeout", "http-body-timeout", "http-idle-timeout", "http-max-header-bytes",
		"max-message-size", "http-status-mapping", "token-file", "token-env", "rate-limit", "rate-burst"} {
		if !fl.Changed(name) {
			continue
		}
		switch {
		case !web:
			return fmt.Errorf("--%s goes with --http or --ws, not %s", name, tf)
		case tf == "--ws" && (name == "http-status-mapping" || name == "http-body-timeout"):
			return fmt.Errorf("--%s goes with --http, not --ws", name)
		}
	}
	switch {
	case w.headerTimeout <= 0 || w.bodyTimeout <= 0 || w.idleTimeout <= 0:
		return errors.New("--http-header-timeout, --http-body-timeout and --http-idle-timeout must be positive")
	case w.maxHeaderBytes <= 0:
		return fmt.Errorf("--http-max-header-bytes must be positive, not %d", w.maxHeaderBytes)
	case w.maxMessage <= 0:
		return fmt.Errorf("--max-message-size must be positive, not %d", w.maxMessage)
	case w.tokenFile != "" && w.tokenEnv != "":
		return errors.New("--token-file and --token-env conflict: give the token one way")
	case w.rateLimit < 0 || w.rateBurst < 0:
		return errors.New("--rate-limit and --rate-burst must not be negative")
	case w.rateBurst > 0 && w.rateLimit == 0:
		return errors.New("--rate-burst goes with --rate-limit")
	}
	return nil
}

// guards returns the guards the flags ask for: the bearer token first,
// then the rate limit per client address.
func (w *webFlags) guards() ([]httprpc.Guard, error) {
	var guards []httprpc.Guard
	token, err := w.token()
	if err != nil {
		return nil, err
	}
	if token != "" {
		guards = append(guards, httprpc.RequireBearer(token))
	}
	if w.rateLimit > 0 {
		burst := w.rateBurst
		if burst == 0 {
			burst = max(1, int(math.Ceil(w.rateLimit)))
		}
		guards = append(guards, httprpc.RateLimit(rate.Limit(w.rateLimit), burst, httprpc.RemoteAddr))
	}
	return guards, nil
}

// guard wraps h in guards, the first checked first.
func guard(h http.Handler, guards []httprpc.Guard) http.Handler {
	for i := len(guards) - 1; i >= 0; i-- {
		h = guards[i].Wrap(h)
	}
	return h
}

// token reads the bearer token from --token-file or --token-env. It is
// never an argument, which other users see in the process list.
func (w *webFlags) token() (string, error) {
	switch {
	case w.tokenFile != "":
		data, err := os.ReadFile(w.tokenFile)
		if err != nil {
			return "", fmt.Errorf("--token-file: %w", err)
		}
		token := strings.TrimSpace(string(data))
		if token == "" || strings.ContainsAny(token, " \t\r\n") {
			return "", fmt.Errorf("--token-file %s: want one token, with no spaces, not an empty file or several lines", w.tokenFile)
		}
		return token, nil
	case w.tokenEnv != "":
		token := strings.TrimSpace(os.Getenv(w.tokenEnv))
		if token == "" {
			return "", fmt.Errorf("--token-env: the environment variable %s is not set or empty", w.tokenEnv)
		}
		return token, nil
	}
	return "", nil
}

// bodyDeadline bounds the time a request's body takes to arrive: the
// connection's read deadline is set to d from now, and lifted once the
// body has been read, so that a body trickled in is cut off while a
// handler that runs long after reading it is not. (http.Server's
// ReadTimeout would do the first, but it also cancels handlers still
// running when it expires.)
func bodyDeadline(h http.Handler, d time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		if rc.SetReadDeadline(time.Now().Add(d)) == nil {
			r.Body = &liftDeadline{ReadCloser: r.Body, rc: rc}
		}
		h.ServeHTTP(w, r)
	})
}

// liftDeadline is a request body that lifts the connection's read
// deadline once it has been read to its end.
type liftDeadline struct {
	io.ReadCloser
	rc     *http.ResponseController
	lifted bool
}

func (b *liftDeadline) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF && !b.lifted {
		b.lifted = true
		b.rc.SetReadDeadline(time.Time{})
	}
	return n, err
}

// exitBrokenPipe is the exit status of a server whose stdout was closed by
// its reader.
const exitBrokenPipe = 3

// shutdownTimeout bounds how long a stopping HTTP server waits for the
// requests in flight.
const shutdownTimeout = 5 * time.Second

// serveHTTP serves h on ln until ctx ends, then shuts down: it stops
// accepting, lets requests in flight finish (a few seconds at most) and
// calls closeHijacked, if given, to close the WebSockets that Shutdown
// does not know.
func serveHTTP(ctx context.Context, ln net.Listener, h http.Handler, closeHijacked func() error, web webFlags, logger *slog.Logger) error {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: web.headerTimeout,
		IdleTimeout:       web.idleTimeout,
		MaxHeaderBytes:    web.maxHeaderBytes,
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

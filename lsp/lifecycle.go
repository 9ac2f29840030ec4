package lsp

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/lspkit/lspkit/conn"
)

// This file enforces the server lifecycle of the specification ("Server
// lifecycle"), so that no author has to: a middleware in front of every
// handler keeps the state and answers what the state forbids.

// Error codes that LSP adds to JSON-RPC's.
const (
	// CodeServerNotInitialized answers a request received before
	// initialize.
	CodeServerNotInitialized = -32002
	// CodeUnknownErrorCode is LSP's generic error code.
	CodeUnknownErrorCode = -32001
	// CodeRequestFailed reports a request that was valid but failed.
	CodeRequestFailed = -32803
	// CodeServerCancelled reports a request the server cancelled itself.
	CodeServerCancelled = -32802
	// CodeContentModified answers a request whose document changed under
	// it (see ContentModified).
	CodeContentModified = conn.CodeContentModified
	// CodeRequestCancelled answers a request the client cancelled.
	CodeRequestCancelled = conn.CodeRequestCancelled
)

// phase is where the server is in its life.
type phase int

const (
	starting     phase = iota // before initialize
	initializing              // initialize received, not yet answered
	running                   // initialize answered
	shutDown                  // shutdown received
	exited                    // exit received
)

// lifecycle is the server's phase, guarded by its own lock because every
// message consults it.
type lifecycle struct {
	mu       sync.Mutex
	phase    phase
	shutdown bool          // shutdown was received
	exit     chan struct{} // closed on exit
}

// shutdownSeen reports whether shutdown came before the end.
func (l *lifecycle) shutdownSeen() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.shutdown
}

func newLifecycle() *lifecycle { return &lifecycle{exit: make(chan struct{})} }

func (l *lifecycle) get() phase {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.phase
}

// set moves to phase p.
func (l *lifecycle) set(p phase) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.phase = p
}

// middleware answers what the current phase forbids and moves the phase on
// initialize, shutdown and exit:
//
//   - before initialize, a request gets -32002 and a notification is
//     dropped, but for exit;
//   - a second initialize gets -32600;
//   - after shutdown, a request gets -32600 and a notification is dropped,
//     but for exit;
//   - $/ requests that nothing handles get -32601 (Mux does that); $/
//     notifications that nothing handles are ignored.
func (l *lifecycle) middleware(next conn.Handler) conn.Handler {
	return conn.HandlerFunc(func(ctx context.Context, req *conn.Request) (any, error) {
		switch req.Method {
		case "initialize":
			return l.initialize(ctx, req, next)
		case "exit":
			l.mu.Lock()
			if l.phase != exited {
				l.phase = exited
				close(l.exit)
			}
			l.mu.Unlock()
			return next.ServeRPC(ctx, req)
		}
		switch p := l.get(); {
		case p < running && req.Method != "exit":
			if req.IsNotification() {
				return nil, nil
			}
			return nil, conn.NewError(CodeServerNotInitialized, fmt.Sprintf("server not initialized: %q before initialize", req.Method))
		case p >= shutDown:
			if req.IsNotification() {
				return nil, nil
			}
			return nil, conn.NewError(conn.CodeInvalidRequest, fmt.Sprintf("server is shut down: %q after shutdown", req.Method))
		}
		if req.Method == "shutdown" {
			l.mu.Lock()
			l.phase, l.shutdown = shutDown, true
			l.mu.Unlock()
		}
		return next.ServeRPC(ctx, req)
	})
}

// initialize admits the first initialize only; the phase is "running" once
// it has been answered without error.
func (l *lifecycle) initialize(ctx context.Context, req *conn.Request, next conn.Handler) (any, error) {
	l.mu.Lock()
	if l.phase != starting {
		l.mu.Unlock()
		return nil, conn.NewError(conn.CodeInvalidRequest, "initialize was already received")
	}
	l.phase = initializing
	l.mu.Unlock()
	res, err := next.ServeRPC(ctx, req)
	if err != nil {
		l.set(starting) // the client may try again
		return nil, err
	}
	l.set(running)
	return res, nil
}

// ExitError is what Serve returns when the session ended before shutdown:
// exit without shutdown first, the client's stream ended, or the client's
// process died. Code is the process exit code the specification asks for
// (1). Once shutdown has been received, each of those ends Serve with nil
// (exit code 0) — the end of the stream after shutdown too, as
// vscode-languageserver-node's servers exit 0 whenever shutdown came
// first.
type ExitError struct {
	Code   int
	Reason string
}

// Error says why the session ended as it did.
func (e *ExitError) Error() string { return "lsp: " + e.Reason }

// ExitCode returns the process exit code for what Serve returned: 0 for nil,
// the code of an *ExitError, and 1 for any other error.
func ExitCode(err error) int {
	var e *ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &e):
		return e.Code
	}
	return 1
}

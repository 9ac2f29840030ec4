package conn

import (
	"context"
	"errors"
	"net"
	"sync"
	"time"
)

// This file is sockets: a connection over any net.Conn, dialed (Dial) or
// accepted (ServeListener). A socket is a byte stream like stdio, so it is
// framed as WithFramer says.

// Dial connects to addr on the named network — "tcp" and "unix" as
// net.Dial names them, e.g. Dial(ctx, "tcp", "127.0.0.1:7000", h) or
// Dial(ctx, "unix", "/tmp/lsp.sock", h) — and starts a connection over it
// with handler h, as New does. ctx bounds the dial and then, as with New,
// the connection: when ctx ends the connection closes, and handlers'
// contexts descend from it.
func Dial(ctx context.Context, network, addr string, h Handler, opts ...Option) (*Conn, error) {
	var d net.Dialer
	nc, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err // a *net.OpError: "dial tcp 127.0.0.1:7000: connect: connection refused"
	}
	return New(ctx, nc, h, opts...), nil
}

// ServeListener accepts clients on ln and serves each on a connection of
// its own, with its own handler from newHandler, until ctx ends or ln fails
// for good. Then it closes ln, closes every connection (as Close does: it
// cancels their handlers, waits for them and writes what is queued) and
// returns once all have ended, so that no goroutine is left behind.
//
// It returns nil when ctx ended, or the error that ended accepting.
// Temporary accept errors, such as running out of file descriptors, are
// retried after a short pause, as net/http does.
func ServeListener(ctx context.Context, ln net.Listener, newHandler func() Handler, opts ...Option) error {
	ctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	logger := newConfig(opts).logger

	var wg sync.WaitGroup
	err := acceptLoop(ctx, ln, func(nc net.Conn) {
		c := New(ctx, nc, newHandler(), opts...)
		wg.Go(func() {
			<-c.Done()
			if err := c.Err(); err != nil {
				logger.Info("conn: client connection broke", "remote", nc.RemoteAddr().String(), "err", err)
			}
		})
	})
	cancel() // every connection closes: New watches ctx
	stop()
	ln.Close()
	wg.Wait()
	return err
}

// acceptLoop accepts connections and hands them to serve until ctx ends
// (nil) or Accept fails for good (its error).
func acceptLoop(ctx context.Context, ln net.Listener, serve func(net.Conn)) error {
	var delay time.Duration
	for {
		nc, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if !isTemporary(err) {
				return err
			}
			delay = min(max(2*delay, 5*time.Millisecond), time.Second)
			t := time.NewTimer(delay)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return nil
			}
			continue
		}
		delay = 0
		serve(nc)
	}
}

// isTemporary reports whether an accept error may go away by itself
// (EMFILE, ECONNABORTED, ...), as net/http decides it.
func isTemporary(err error) bool {
	if errors.Is(err, net.ErrClosed) {
		return false
	}
	var te interface{ Temporary() bool }
	return errors.As(err, &te) && te.Temporary()
}

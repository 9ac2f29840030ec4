//go:build !windows

package main

import (
	"context"
	"net"
)

// pipeNetwork names what --pipe connects to, for messages.
const pipeNetwork = "unix"

// dialPipe connects to the Unix socket on which the client listens:
// outside Windows, vscode-languageclient's TransportKind.pipe passes the
// path of a socket that Node's net.createServer listens on.
func dialPipe(ctx context.Context, path string) (net.Conn, error) {
	var d net.Dialer
	return d.DialContext(ctx, "unix", path)
}

package main

import (
	"context"
	"net"

	"github.com/Microsoft/go-winio"
)

// pipeNetwork names what --pipe connects to, for messages.
const pipeNetwork = "pipe"

// dialPipe connects to the named pipe (\\.\pipe\NAME) on which the client
// listens: on Windows, vscode-languageclient's TransportKind.pipe passes
// the name of a pipe that Node's net.createServer listens on.
func dialPipe(ctx context.Context, name string) (net.Conn, error) {
	return winio.DialPipeContext(ctx, name)
}

// Command arithserver is the library server of lspbench: the arith sample
// served on stdin/stdout with package conn, in a binary of its own, written
// as a user of the library would write it — no lspkit command line, no
// flags, no other transports. lspbench builds it and measures it beside the
// lspkit binary, so that the report shows what the framework costs apart
// from the command line's size.
//
//	go build -o /tmp/arithserver ./cmd/lspbench/internal/arithserver
//	go run ./cmd/lspbench -extra 'mine=library:/tmp/arithserver'
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/lspkit/lspkit/conn"
	"github.com/lspkit/lspkit/samples/arith"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// Until the client closes its side; logs go to stderr (slog.Default),
	// stdout carries only the frames.
	err := conn.Serve(ctx, stdio{os.Stdin, os.Stdout}, arith.New())
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "arithserver:", err)
		os.Exit(1)
	}
}

// stdio is stdin and stdout as one stream.
type stdio struct {
	io.Reader
	io.Writer
}

// Close closes both; closing stdin is what stops a blocked read.
func (stdio) Close() error {
	err := os.Stdin.Close()
	if err2 := os.Stdout.Close(); err == nil {
		err = err2
	}
	return err
}

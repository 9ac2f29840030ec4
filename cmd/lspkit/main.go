// Command lspkit runs lspkit's sample servers and helps debug any server
// that speaks JSON-RPC over stdio.
//
//	lspkit serve arith          # the JSON-RPC calculator plugin, on stdin/stdout
//	lspkit version
//
// Run `lspkit help` for every command.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := newRoot().ExecuteContext(ctx)
	stop()
	if err != nil {
		var ec exitCode
		if asExitCode(err, &ec) {
			os.Exit(int(ec))
		}
		fmt.Fprintln(os.Stderr, "lspkit:", err)
		os.Exit(1)
	}
}

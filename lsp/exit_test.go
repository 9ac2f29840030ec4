package lsp_test

import (
	"testing"

	"github.com/lspkit/lspkit/lsp"
	"github.com/lspkit/lspkit/lsp/lsptest"
)

// TestClientDiesAfterShutdown checks that a client process that dies after
// shutdown ends Serve with nil, exit code 0, as the end of its stream does:
// shutdown came first.
func TestClientDiesAfterShutdown(t *testing.T) {
	ctx := testContext(t)
	client := startSleep(t)
	srv, _ := newEchoServer(lsp.WithClientProcessID(client.Process.Pid))
	c := lsptest.New(t, srv)
	if _, err := c.Initialize(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if err := c.Conn().Call(ctx, "shutdown", nil, nil); err != nil {
		t.Fatal(err)
	}
	kill(t, client)
	if err := c.Wait(ctx); err != nil || lsp.ExitCode(err) != 0 {
		t.Errorf("Serve returned %v, want nil", err)
	}
}

package lsptest

import (
	"context"
	"testing"
	"time"

	"github.com/lspkit/lspkit/lsp"
	"github.com/lspkit/lspkit/lsp/protocol"
)

// What WaitIdle keeps is what is in flight: after many requests both ways,
// nothing is left of them.
func TestActivityKeepsOnlyWhatIsInFlight(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	srv := lsp.NewServer("s", "1")
	srv.OnHover(func(ctx context.Context, _ *protocol.HoverParams) (*protocol.Hover, error) {
		_, err := srv.Client().Configuration(ctx, &protocol.ConfigurationParams{Items: []protocol.ConfigurationItem{{}}})
		return nil, err
	})
	c := New(t, srv)
	c.Initialize(ctx, nil)
	for range 500 {
		if _, err := c.Hover(ctx, &protocol.HoverParams{}); err != nil {
			t.Fatal(err)
		}
	}
	for range 50 {
		if err := c.WaitIdle(ctx); err != nil {
			t.Fatal(err)
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if n := len(c.idle.requests) + len(c.idle.calls) + len(c.idle.markers); n != 0 {
		t.Errorf("%d entries kept after the work ended: requests %v, calls %v, markers %v", n, c.idle.requests, c.idle.calls, c.idle.markers)
	}
}

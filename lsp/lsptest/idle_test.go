package lsptest_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/lspkit/lspkit/conn"
	"github.com/lspkit/lspkit/lsp"
	"github.com/lspkit/lspkit/lsp/lsptest"
	"github.com/lspkit/lspkit/lsp/protocol"
)

// work stands for a handler's work: long enough that a WaitIdle that does
// not wait for it returns before the handler has sent what it sends after.
func work() { time.Sleep(2 * time.Millisecond) }

func logTo(ctx context.Context, srv *lsp.Server, msg string) {
	srv.Client().LogMessage(ctx, &protocol.LogMessageParams{Type: protocol.MessageTypeLog, Message: msg})
}

// methods renders the recorded messages as "method" or, for logMessage,
// "log:message", and for requests with a leading "?".
func methods(ms []lsptest.Message) []string {
	out := []string{}
	for _, m := range ms {
		s := m.Method
		if m.Method == "window/logMessage" {
			var p protocol.LogMessageParams
			json.Unmarshal(m.Params, &p)
			s = "log:" + p.Message
		}
		if m.IsRequest() {
			s = "?" + s
		}
		out = append(out, s)
	}
	return out
}

// After WaitIdle, everything the server was going to send for what the
// client sent has been recorded, however the server does its work: in
// notification handlers, in handlers that released their place, in
// concurrent ones, or after asking the client something. Each case runs
// many times, with handlers that take a while.
func TestWaitIdle(t *testing.T) {
	hoverStarted, quickRan := make(chan struct{}, 1), make(chan struct{}, 1)
	tests := []struct {
		name  string
		setup func(srv *lsp.Server)
		opts  []lsptest.Option
		act   func(ctx context.Context, c *lsptest.Client) error
		want  []string
	}{{
		name: "notification handlers",
		setup: func(srv *lsp.Server) {
			srv.OnDidOpen(func(ctx context.Context, p *protocol.DidOpenTextDocumentParams) error {
				work()
				logTo(ctx, srv, "open "+p.TextDocument.Text)
				return nil
			})
		},
		act: func(ctx context.Context, c *lsptest.Client) error {
			for i := range 3 {
				if err := c.Open(ctx, protocol.DocumentURI(fmt.Sprint("file:///", i)), "plaintext", fmt.Sprint(i)); err != nil {
					return err
				}
			}
			return nil
		},
		want: []string{"log:open 0", "log:open 1", "log:open 2"},
	}, {
		name: "a notification handler that released its place",
		setup: func(srv *lsp.Server) {
			srv.Handle("custom/slow", conn.TypedNotification(func(ctx context.Context, _ any) error {
				conn.Release(ctx)
				<-quickRan // what comes after runs meanwhile
				work()
				logTo(ctx, srv, "slow done")
				return nil
			}))
			srv.Handle("custom/quick", conn.TypedNotification(func(ctx context.Context, _ any) error {
				logTo(ctx, srv, "quick done")
				quickRan <- struct{}{}
				return nil
			}))
		},
		act: func(ctx context.Context, c *lsptest.Client) error {
			c.Conn().Notify(ctx, "custom/slow", nil)
			return c.Conn().Notify(ctx, "custom/quick", nil)
		},
		want: []string{"log:quick done", "log:slow done"},
	}, {
		name: "concurrent notifications",
		setup: func(srv *lsp.Server) {
			srv.Handle("custom/tick", lsp.Concurrent(conn.TypedNotification(func(ctx context.Context, _ any) error {
				work()
				logTo(ctx, srv, "tick")
				return nil
			})))
		},
		act: func(ctx context.Context, c *lsptest.Client) error {
			c.Conn().Notify(ctx, "custom/tick", nil)
			return c.Conn().Notify(ctx, "custom/tick", nil)
		},
		want: []string{"log:tick", "log:tick"},
	}, {
		name: "a question to the client first",
		opts: []lsptest.Option{lsptest.WithConfiguration(map[string]int{"level": 2})},
		setup: func(srv *lsp.Server) {
			srv.OnDidChangeConfiguration(func(ctx context.Context, _ *protocol.DidChangeConfigurationParams) error {
				cfg, err := srv.Client().Configuration(ctx, &protocol.ConfigurationParams{Items: []protocol.ConfigurationItem{{Section: "level"}}})
				if err != nil {
					return err
				}
				work()
				logTo(ctx, srv, "level "+string(cfg[0]))
				return nil
			})
		},
		act: func(ctx context.Context, c *lsptest.Client) error {
			return c.Conn().Notify(ctx, "workspace/didChangeConfiguration", &protocol.DidChangeConfigurationParams{})
		},
		want: []string{"?workspace/configuration", "log:level 2"},
	}, {
		name: "a request whose client did not wait",
		setup: func(srv *lsp.Server) {
			srv.OnHover(func(ctx context.Context, _ *protocol.HoverParams) (*protocol.Hover, error) {
				hoverStarted <- struct{}{}
				work()
				logTo(ctx, srv, "hovered")
				return nil, nil
			})
		},
		act: func(ctx context.Context, c *lsptest.Client) error {
			go c.Hover(ctx, &protocol.HoverParams{})
			<-hoverStarted
			return nil
		},
		want: []string{"log:hovered"},
	}, {
		name: "progress",
		setup: func(srv *lsp.Server) {
			srv.Handle("custom/index", conn.TypedNotification(func(ctx context.Context, _ any) error {
				p := srv.WorkDone(ctx, nil, "indexing")
				work()
				p.Report("half", 50)
				p.End("done")
				return nil
			}))
		},
		act: func(ctx context.Context, c *lsptest.Client) error {
			return c.Conn().Notify(ctx, "custom/index", nil)
		},
		want: []string{"?window/workDoneProgress/create", "$/progress", "$/progress", "$/progress"},
	}, {
		name: "nothing to do",
		act:  func(context.Context, *lsptest.Client) error { return nil },
		want: []string{},
	}}
	runs := 30
	if testing.Short() {
		runs = 5
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for range runs {
				ctx := testContext(t)
				srv := lsp.NewServer("s", "1")
				if tt.setup != nil {
					tt.setup(srv)
				}
				c := lsptest.New(t, srv, tt.opts...)
				if _, err := c.Initialize(ctx, nil); err != nil {
					t.Fatal(err)
				}
				if err := c.WaitIdle(ctx); err != nil {
					t.Fatal(err)
				}
				before := len(c.Messages())
				if err := tt.act(ctx, c); err != nil {
					t.Fatal(err)
				}
				if err := c.WaitIdle(ctx); err != nil {
					t.Fatal(err)
				}
				if got := methods(c.Messages()[before:]); !reflect.DeepEqual(got, tt.want) {
					t.Fatalf("after WaitIdle the server had sent %q, want %q", got, tt.want)
				}
			}
		})
	}
}

// While a handler is still at work, WaitIdle waits, and says what for when
// its context ends.
func TestWaitIdleWaits(t *testing.T) {
	ctx := testContext(t)
	srv := lsp.NewServer("s", "1")
	release := make(chan struct{})
	srv.Handle("custom/block", conn.TypedNotification(func(ctx context.Context, _ any) error {
		select {
		case <-release:
		case <-ctx.Done():
		}
		return nil
	}))
	answer := make(chan struct{})
	c := lsptest.New(t, srv, lsptest.WithShowMessageRequest(func(ctx context.Context, _ *protocol.ShowMessageRequestParams) (*protocol.MessageActionItem, error) {
		select {
		case <-answer:
		case <-ctx.Done():
		}
		return nil, nil
	}))
	c.Initialize(ctx, nil)

	short := func() context.Context {
		ctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		t.Cleanup(cancel)
		return ctx
	}
	c.Conn().Notify(ctx, "custom/block", nil)
	if err := c.WaitIdle(short()); !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "1 server handlers running") {
		t.Errorf("WaitIdle while a handler blocks: %v, want DeadlineExceeded naming the running handler", err)
	}
	close(release)
	if err := c.WaitIdle(ctx); err != nil {
		t.Fatalf("WaitIdle once the handler is done: %v", err)
	}

	// A request of the server the client has not answered yet.
	go srv.Client().ShowMessageRequest(ctx, &protocol.ShowMessageRequestParams{Message: "?"})
	if err := c.WaitIdle(short()); !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "1 requests of the server unanswered") {
		t.Errorf("WaitIdle while the client has not answered: %v, want DeadlineExceeded naming the request", err)
	}
	close(answer)
	if err := c.WaitIdle(ctx); err != nil {
		t.Fatalf("WaitIdle once the client answered: %v", err)
	}

	// Once the session has ended, WaitIdle says so.
	if err := c.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.WaitIdle(ctx); !errors.Is(err, conn.ErrClosed) {
		t.Errorf("WaitIdle after exit: %v, want ErrClosed", err)
	}
}

// Before initialize the server drops notifications (all but exit) and
// refuses requests; WaitIdle returns all the same.
func TestWaitIdleBeforeInitialize(t *testing.T) {
	ctx := testContext(t)
	srv := lsp.NewServer("s", "1")
	srv.OnDidOpen(func(ctx context.Context, _ *protocol.DidOpenTextDocumentParams) error {
		logTo(ctx, srv, "opened")
		return nil
	})
	c := lsptest.New(t, srv)
	c.Open(ctx, "file:///early", "plaintext", "")
	if err := c.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	if got := c.Messages(); len(got) != 0 {
		t.Errorf("the server sent %v before initialize", methods(got))
	}
}

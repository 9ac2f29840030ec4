package lsptest_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/lspkit/lspkit/conn"
	"github.com/lspkit/lspkit/lsp"
	"github.com/lspkit/lspkit/lsp/lsptest"
	"github.com/lspkit/lspkit/lsp/protocol"
)

// settingsServer is a server that reads its settings in initialized, as
// many do, and keeps what it read.
type settingsServer struct {
	srv  *lsp.Server
	mu   sync.Mutex
	read []json.RawMessage // the answer for section "lint", once read
	err  error
}

func newSettingsServer() *settingsServer {
	s := &settingsServer{srv: lsp.NewServer("s", "1")}
	s.srv.OnInitialized(func(ctx context.Context, _ *protocol.InitializedParams) error {
		cfg, err := s.srv.Client().Configuration(ctx, &protocol.ConfigurationParams{Items: []protocol.ConfigurationItem{{Section: "lint"}}})
		s.mu.Lock()
		defer s.mu.Unlock()
		s.read, s.err = cfg, err
		return err
	})
	return s
}

func (s *settingsServer) settings() (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil || len(s.read) != 1 {
		return "", fmt.Errorf("read %s, %v", s.read, s.err)
	}
	return string(s.read[0]), nil
}

// A server that reads its settings in initialized reads the ones the test
// configured, every time: the answer is set before the first message. With
// Handle called after Initialize, the server reads the defaults in some runs
// (the race this option removes); here none may.
func TestConfigurationBeforeInitialize(t *testing.T) {
	runs := 300
	if testing.Short() {
		runs = 50
	}
	misses := 0
	for i := range runs {
		ctx := testContext(t)
		s := newSettingsServer()
		c := lsptest.New(t, s.srv, lsptest.WithConfiguration(map[string]any{"lint": map[string]int{"maxLength": i}}))
		if _, err := c.Initialize(ctx, nil); err != nil {
			t.Fatal(err)
		}
		if err := c.WaitIdle(ctx); err != nil {
			t.Fatal(err)
		}
		got, err := s.settings()
		if want := fmt.Sprintf(`{"maxLength":%d}`, i); err != nil || got != want {
			misses++
			t.Errorf("run %d: the server read %s, %v; want %s", i, got, err, want)
		}
		if err := c.Shutdown(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if misses > 0 {
		t.Errorf("%d of %d runs read other settings than configured", misses, runs)
	}
}

// WithConfiguration answers each item by its dotted section.
func TestWithConfiguration(t *testing.T) {
	settings := map[string]any{
		"calc": map[string]any{"precision": 3, "format": map[string]bool{"spaces": true}},
		"top":  "level",
	}
	tests := []struct {
		section string
		want    string
	}{
		{"calc.precision", `3`},
		{"calc", `{"format":{"spaces":true},"precision":3}`},
		{"calc.format.spaces", `true`},
		{"top", `"level"`},
		{"", `{"calc":{"format":{"spaces":true},"precision":3},"top":"level"}`},
		{"calc.missing", `null`},
		{"top.deeper", `null`},
		{"nothing", `null`},
	}
	ctx := testContext(t)
	srv := lsp.NewServer("s", "1")
	c := lsptest.New(t, srv, lsptest.WithConfiguration(settings))
	c.Initialize(ctx, nil)
	var items []protocol.ConfigurationItem
	for _, tt := range tests {
		items = append(items, protocol.ConfigurationItem{Section: tt.section})
	}
	got, err := srv.Client().Configuration(ctx, &protocol.ConfigurationParams{Items: items})
	if err != nil || len(got) != len(tests) {
		t.Fatalf("Configuration: %s, %v", got, err)
	}
	for i, tt := range tests {
		if string(got[i]) != tt.want {
			t.Errorf("section %q: %s, want %s", tt.section, got[i], tt.want)
		}
	}
}

// Every typed option answers its request from the start: the server asks
// in initialized, before the test could call Handle.
func TestAnswersFromTheStart(t *testing.T) {
	tests := []struct {
		name string
		opt  lsptest.Option
		ask  func(ctx context.Context, c *lsp.Client) (string, error)
		want string
	}{{
		name: "showMessageRequest",
		opt: lsptest.WithShowMessageRequest(func(_ context.Context, p *protocol.ShowMessageRequestParams) (*protocol.MessageActionItem, error) {
			return &p.Actions[1], nil
		}),
		ask: func(ctx context.Context, c *lsp.Client) (string, error) {
			item, err := c.ShowMessageRequest(ctx, &protocol.ShowMessageRequestParams{Type: protocol.MessageTypeInfo, Message: "fix?", Actions: []protocol.MessageActionItem{{Title: "no"}, {Title: "yes"}}})
			if item == nil {
				return "nil", err
			}
			return item.Title, err
		},
		want: "yes",
	}, {
		name: "workDoneProgress/create refused",
		opt: lsptest.WithWorkDoneProgressCreate(func(context.Context, *protocol.WorkDoneProgressCreateParams) error {
			return conn.NewError(lsp.CodeRequestFailed, "no progress here")
		}),
		ask: func(ctx context.Context, c *lsp.Client) (string, error) {
			err := c.WorkDoneProgressCreate(ctx, &protocol.WorkDoneProgressCreateParams{Token: protocol.NewProgressTokenInt32(1)})
			var e *conn.Error
			if errors.As(err, &e) {
				return e.Message, nil
			}
			return "accepted", err
		},
		want: "no progress here",
	}, {
		name: "registerCapability",
		opt: lsptest.WithRegisterCapability(func(_ context.Context, p *protocol.RegistrationParams) error {
			return conn.NewError(lsp.CodeRequestFailed, p.Registrations[0].Method)
		}),
		ask: func(ctx context.Context, c *lsp.Client) (string, error) {
			// A method of the server's own: lsp checks no client capability
			// for it (workspace/didChangeWatchedFiles would need
			// dynamicRegistration, which the default capabilities lack).
			err := c.RegisterCapability(ctx, &protocol.RegistrationParams{Registrations: []protocol.Registration{{ID: "1", Method: "custom/feature"}}})
			var e *conn.Error
			if errors.As(err, &e) {
				return e.Message, nil
			}
			return "accepted", err
		},
		want: "custom/feature",
	}, {
		name: "applyEdit",
		opt: lsptest.WithApplyEdit(func(_ context.Context, p *protocol.ApplyWorkspaceEditParams) (protocol.ApplyWorkspaceEditResult, error) {
			return protocol.ApplyWorkspaceEditResult{Applied: false, FailureReason: "read-only: " + p.Label}, nil
		}),
		ask: func(ctx context.Context, c *lsp.Client) (string, error) {
			res, err := c.ApplyEdit(ctx, &protocol.ApplyWorkspaceEditParams{Label: "rename", Edit: protocol.WorkspaceEdit{}})
			return fmt.Sprint(res.Applied, " ", res.FailureReason), err
		},
		want: "false read-only: rename",
	}, {
		name: "a custom request",
		opt: lsptest.WithHandler("custom/ask", conn.Typed(func(_ context.Context, p []int) (int, error) {
			return p[0] + p[1], nil
		})),
		ask: func(ctx context.Context, c *lsp.Client) (string, error) {
			var sum int
			err := c.Call(ctx, "custom/ask", []int{2, 3}, &sum)
			return fmt.Sprint(sum), err
		},
		want: "5",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := testContext(t)
			srv := lsp.NewServer("s", "1")
			var got string
			var gotErr error
			srv.OnInitialized(func(ctx context.Context, _ *protocol.InitializedParams) error {
				got, gotErr = tt.ask(ctx, srv.Client())
				return nil
			})
			c := lsptest.New(t, srv, tt.opt)
			if _, err := c.Initialize(ctx, nil); err != nil {
				t.Fatal(err)
			}
			if err := c.WaitIdle(ctx); err != nil {
				t.Fatal(err)
			}
			if gotErr != nil || got != tt.want {
				t.Errorf("the server got %q, %v; want %q", got, gotErr, tt.want)
			}
		})
	}
}

// A server may ask the user a question while it handles initialize (the
// specification allows window/showMessageRequest then). Initialize returns
// only after that, so an answer set with Handle after Initialize can never
// be the one given; an option's always is.
func TestAnswerDuringInitialize(t *testing.T) {
	ctx := testContext(t)
	srv := lsp.NewServer("s", "1")
	var answer string
	srv.OnInitialize(func(ctx context.Context, _ *protocol.InitializeParams) error {
		item, err := srv.Client().ShowMessageRequest(ctx, &protocol.ShowMessageRequestParams{Type: protocol.MessageTypeWarning, Message: "trust this folder?", Actions: []protocol.MessageActionItem{{Title: "trust"}}})
		if err != nil {
			return err
		}
		if item != nil {
			answer = item.Title
		}
		return nil
	})
	c := lsptest.New(t, srv, lsptest.WithShowMessageRequest(func(_ context.Context, p *protocol.ShowMessageRequestParams) (*protocol.MessageActionItem, error) {
		return &p.Actions[0], nil
	}))
	if _, err := c.Initialize(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if answer != "trust" {
		t.Errorf("the server's question during initialize was answered %q, want %q", answer, "trust")
	}
}

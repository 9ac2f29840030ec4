package lsp_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/lspkit/lspkit/conn"
	"github.com/lspkit/lspkit/lsp"
	"github.com/lspkit/lspkit/lsp/lsptest"
	"github.com/lspkit/lspkit/lsp/protocol"
)

// progress is the params of a $/progress notification.
type progress struct {
	Token json.RawMessage `json:"token"`
	Value map[string]any  `json:"value"`
}

// indexer is a server whose workspace/executeCommand reports work-done
// progress with the token the client gives, or none.
func indexer() *lsp.Server {
	srv := lsp.NewServer("t", "1")
	srv.OnExecuteCommand(func(ctx context.Context, p *protocol.ExecuteCommandParams) (protocol.LSPAny, error) {
		work := srv.WorkDone(ctx, p.WorkDoneToken, "Indexing")
		work.Report("half", 50)
		work.Report("no percentage", -1)
		work.Report("too far", 150)
		work.End("done")
		work.Report("after the end", 100) // nothing: the work is over
		work.End("twice")
		// A sentinel: once it has arrived, every $/progress before it has.
		srv.Client().ShowMessage(ctx, &protocol.ShowMessageParams{Type: protocol.MessageTypeInfo, Message: "sentinel"})
		return nil, nil
	})
	return srv
}

// wantWork is what indexer reports.
var wantWork = []string{
	`{"kind": "begin", "title": "Indexing", "cancellable": true}`,
	`{"kind": "report", "message": "half", "percentage": 50, "cancellable": true}`,
	`{"kind": "report", "message": "no percentage", "cancellable": true}`,
	`{"kind": "report", "message": "too far", "percentage": 100, "cancellable": true}`,
	`{"kind": "end", "message": "done"}`,
}

// expectProgress takes the $/progress notifications of want, in order,
// checking their token; then none is left after the sentinel.
func expectProgress(t *testing.T, c *lsptest.Client, token string, want []string) {
	t.Helper()
	for _, w := range want {
		p := next[progress](t, c, "$/progress")
		if !sameJSON(t, string(p.Token), token) || !sameJSON(t, toJSON(t, p.Value), w) {
			t.Errorf("$/progress %s %s, want %s %s", p.Token, toJSON(t, p.Value), token, w)
		}
	}
	next[any](t, c, "window/showMessage")
	noneQueued(t, c, "$/progress")
}

// countCreates counts the client's window/workDoneProgress/create requests
// and answers them with answer.
func countCreates(c *lsptest.Client, answer error) (tokens func() []string) {
	var mu sync.Mutex
	var got []string
	c.Handle("window/workDoneProgress/create", conn.HandlerFunc(func(_ context.Context, req *conn.Request) (any, error) {
		var p struct {
			Token json.RawMessage `json:"token"`
		}
		json.Unmarshal(req.Params, &p)
		mu.Lock()
		got = append(got, string(p.Token))
		mu.Unlock()
		return nil, answer
	}))
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), got...)
	}
}

func TestWorkDoneWithClientToken(t *testing.T) {
	for _, token := range []protocol.ProgressToken{protocol.NewProgressTokenInt32(42), protocol.NewProgressTokenString("client-1")} {
		ctx := testContext(t)
		c, _ := start(t, indexer(), "")
		creates := countCreates(c, nil)
		if _, err := c.ExecuteCommand(ctx, &protocol.ExecuteCommandParams{Command: "index", WorkDoneToken: &token}); err != nil {
			t.Fatal(err)
		}
		expectProgress(t, c, toJSON(t, token), wantWork)
		if got := creates(); len(got) != 0 {
			t.Errorf("the server created tokens %v though the client gave one", got)
		}
	}
}

func TestWorkDoneWithServerToken(t *testing.T) {
	ctx := testContext(t)
	c, _ := start(t, indexer(), `{"window": {"workDoneProgress": true}}`)
	creates := countCreates(c, nil)
	if _, err := c.ExecuteCommand(ctx, &protocol.ExecuteCommandParams{Command: "index"}); err != nil {
		t.Fatal(err)
	}
	got := creates()
	if len(got) != 1 {
		t.Fatalf("window/workDoneProgress/create called %d times, want 1", len(got))
	}
	expectProgress(t, c, got[0], wantWork)
}

// WorkDone waits for the client's answer to window/workDoneProgress/create:
// when it is an error, there is no token, and nothing is reported.
func TestWorkDoneCreateRefused(t *testing.T) {
	ctx := testContext(t)
	c, _ := start(t, indexer(), `{"window": {"workDoneProgress": true}}`)
	creates := countCreates(c, conn.NewError(conn.CodeInternalError, "no"))
	if _, err := c.ExecuteCommand(ctx, &protocol.ExecuteCommandParams{Command: "index"}); err != nil {
		t.Fatal(err)
	}
	if len(creates()) != 1 {
		t.Fatalf("window/workDoneProgress/create called %d times, want 1", len(creates()))
	}
	expectProgress(t, c, "", nil)
}

// A client that gives no token and cannot create one gets nothing.
func TestWorkDoneNoOp(t *testing.T) {
	ctx := testContext(t)
	c, _ := start(t, indexer(), `{"window": {"workDoneProgress": false}}`)
	creates := countCreates(c, nil)
	if _, err := c.ExecuteCommand(ctx, &protocol.ExecuteCommandParams{Command: "index"}); err != nil {
		t.Fatal(err)
	}
	expectProgress(t, c, "", nil)
	if len(creates()) != 0 {
		t.Errorf("window/workDoneProgress/create called %d times, want 0", len(creates()))
	}
}

// window/workDoneProgress/cancel ends Progress.Context.
func TestWorkDoneCancel(t *testing.T) {
	for _, caps := range []string{"", `{"window": {"workDoneProgress": true}}`} {
		ctx := testContext(t)
		srv := lsp.NewServer("t", "1")
		srv.OnExecuteCommand(func(ctx context.Context, p *protocol.ExecuteCommandParams) (protocol.LSPAny, error) {
			work := srv.WorkDone(ctx, p.WorkDoneToken, "Long")
			defer work.End("over")
			select {
			case <-work.Context().Done():
				return protocol.LSPAny(`"cancelled"`), nil
			case <-time.After(10 * time.Second):
				return protocol.LSPAny(`"not cancelled"`), nil
			}
		})
		c, _ := start(t, srv, caps)
		var token *protocol.ProgressToken
		if caps == "" {
			token = ptr(protocol.NewProgressTokenString("mine"))
		}
		reply := make(chan string, 1)
		go func() {
			res, err := c.ExecuteCommand(ctx, &protocol.ExecuteCommandParams{Command: "long", WorkDoneToken: token})
			if err != nil {
				t.Error(err)
			}
			reply <- string(res)
		}()
		begin := next[progress](t, c, "$/progress")
		if begin.Value["kind"] != "begin" {
			t.Fatalf("first $/progress: %v", begin.Value)
		}
		c.Conn().Notify(ctx, "window/workDoneProgress/cancel", map[string]json.RawMessage{"token": begin.Token})
		if got := wait(t, reply, "the command"); got != `"cancelled"` {
			t.Errorf("client token %v: the command returned %s, want it cancelled", token != nil, got)
		}
		if end := next[progress](t, c, "$/progress"); end.Value["kind"] != "end" || end.Value["message"] != "over" {
			t.Errorf("last $/progress: %v", end.Value)
		}
	}
}

// Progress.Context ends with the context WorkDone was given, and at End.
func TestWorkDoneContext(t *testing.T) {
	srv := lsp.NewServer("t", "1")
	ctx, cancel := context.WithCancel(context.Background())
	work := srv.WorkDone(ctx, nil, "x")
	if work.Context().Err() != nil {
		t.Fatal("Progress.Context ended at once")
	}
	cancel()
	if !errors.Is(work.Context().Err(), context.Canceled) {
		t.Error("Progress.Context did not end with its parent")
	}
	work = srv.WorkDone(context.Background(), nil, "y")
	work.End("")
	if work.Context().Err() == nil {
		t.Error("Progress.Context did not end at End")
	}
}

func TestSendPartialResult(t *testing.T) {
	ctx := testContext(t)
	srv := lsp.NewServer("t", "1")
	sent := make(chan []bool, 1)
	srv.OnReferences(func(ctx context.Context, p *protocol.ReferenceParams) ([]protocol.Location, error) {
		var oks []bool
		for line := range uint32(2) {
			ok, err := srv.SendPartialResult(ctx, p.PartialResultToken, []protocol.Location{{URI: uri, Range: protocol.Range{Start: protocol.Position{Line: line}}}})
			if err != nil {
				return nil, err
			}
			oks = append(oks, ok)
		}
		sent <- oks
		srv.Client().ShowMessage(ctx, &protocol.ShowMessageParams{Type: protocol.MessageTypeInfo, Message: "sentinel"})
		return []protocol.Location{}, nil // the rest: none
	})
	c, _ := start(t, srv, "")

	token := protocol.NewProgressTokenString("partial-1")
	if _, err := c.References(ctx, &protocol.ReferenceParams{TextDocument: protocol.TextDocumentIdentifier{URI: uri}, PartialResultToken: &token}); err != nil {
		t.Fatal(err)
	}
	if oks := <-sent; oks[0] != true || oks[1] != true {
		t.Errorf("SendPartialResult with a token reported %v", oks)
	}
	for line := range 2 {
		type partial struct {
			Token string              `json:"token"`
			Value []protocol.Location `json:"value"`
		}
		p := next[partial](t, c, "$/progress")
		if p.Token != "partial-1" || len(p.Value) != 1 || p.Value[0].Range.Start.Line != uint32(line) {
			t.Errorf("partial result %d: %+v", line, p)
		}
	}
	expectProgress(t, c, "", nil)

	// Without a token, nothing is sent.
	if _, err := c.References(ctx, &protocol.ReferenceParams{TextDocument: protocol.TextDocumentIdentifier{URI: uri}}); err != nil {
		t.Fatal(err)
	}
	if oks := <-sent; oks[0] != false || oks[1] != false {
		t.Errorf("SendPartialResult without a token reported %v", oks)
	}
	expectProgress(t, c, "", nil)
}

// TestWorkDoneCancelOvertakes: window/workDoneProgress/cancel reaches work
// whatever handler runs, even the exclusive one that started it and holds
// everything after it back (it is handled on the read path): before, it
// waited in the queue until that handler finished by itself.
func TestWorkDoneCancelOvertakes(t *testing.T) {
	ctx := testContext(t)
	srv := lsp.NewServer("t", "1")
	srv.OnExecuteCommand(func(ctx context.Context, p *protocol.ExecuteCommandParams) (protocol.LSPAny, error) {
		work := srv.WorkDone(ctx, p.WorkDoneToken, "Long")
		defer work.End("over")
		select {
		case <-work.Context().Done():
			return protocol.LSPAny(`"cancelled"`), nil
		case <-time.After(10 * time.Second):
			return protocol.LSPAny(`"not cancelled"`), nil
		}
	}, lsp.Exclusive)
	c, _ := start(t, srv, "")
	reply := make(chan string, 1)
	go func() {
		token := ptr(protocol.NewProgressTokenString("mine"))
		res, err := c.ExecuteCommand(ctx, &protocol.ExecuteCommandParams{Command: "long", WorkDoneToken: token})
		if err != nil {
			t.Error(err)
		}
		reply <- string(res)
	}()
	begin := next[progress](t, c, "$/progress")
	c.Conn().Notify(ctx, "window/workDoneProgress/cancel", map[string]json.RawMessage{"token": begin.Token})
	select {
	case got := <-reply:
		if got != `"cancelled"` {
			t.Errorf("the command returned %s, want it cancelled", got)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the cancellation did not reach the exclusive command")
	}
}

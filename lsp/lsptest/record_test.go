package lsptest_test

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/lspkit/lspkit/conn"
	"github.com/lspkit/lspkit/lsp"
	"github.com/lspkit/lspkit/lsp/lsptest"
	"github.com/lspkit/lspkit/lsp/protocol"
)

// The client records every request and notification the server sends, in
// order, with $/progress values decoded by kind.
func TestMessages(t *testing.T) {
	ctx := testContext(t)
	srv := lsp.NewServer("s", "1")
	type runParams struct {
		protocol.WorkDoneProgressParams
		protocol.PartialResultParams
	}
	srv.Handle("custom/run", conn.Typed(func(ctx context.Context, p *runParams) (any, error) {
		client := srv.Client()
		client.ShowMessage(ctx, &protocol.ShowMessageParams{Type: protocol.MessageTypeInfo, Message: "starting"})
		work := srv.WorkDone(ctx, p.WorkDoneToken, "run")
		work.Report("half", 50)
		work.End("done")
		if _, err := srv.SendPartialResult(ctx, p.PartialResultToken, []int{1, 2}); err != nil {
			return nil, err
		}
		client.Call(ctx, "custom/ask", map[string]int{"n": 1}, nil)
		return nil, nil
	}))
	c := lsptest.New(t, srv)
	c.Initialize(ctx, nil)
	workTok, partTok := protocol.NewProgressTokenString("w"), protocol.NewProgressTokenInt32(7)
	if err := c.Conn().Call(ctx, "custom/run", map[string]any{"workDoneToken": workTok, "partialResultToken": partTok}, nil); err != nil {
		t.Fatal(err)
	}
	if err := c.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}

	type rec struct {
		Method  string
		Request bool
		Params  string
	}
	var got []rec
	for _, m := range c.Messages() {
		got = append(got, rec{m.Method, m.IsRequest(), string(m.Params)})
	}
	want := []rec{
		{"window/showMessage", false, `{"type":3,"message":"starting"}`},
		{"$/progress", false, `{"token":"w","value":{"kind":"begin","title":"run","cancellable":true}}`},
		{"$/progress", false, `{"token":"w","value":{"kind":"report","cancellable":true,"message":"half","percentage":50}}`},
		{"$/progress", false, `{"token":"w","value":{"kind":"end","message":"done"}}`},
		{"$/progress", false, `{"token":7,"value":[1,2]}`},
		{"custom/ask", true, `{"n":1}`},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("recorded\n%v\nwant\n%v", got, want)
	}
	if got := c.Messages("custom/ask", "window/showMessage"); len(got) != 2 || got[0].Method != "window/showMessage" || got[1].Method != "custom/ask" {
		t.Errorf("Messages of two methods: %+v", got)
	}

	progress := c.Progress(workTok)
	if len(progress) != 3 {
		t.Fatalf("Progress(w) = %+v, want begin, report, end", progress)
	}
	if p := progress[0]; p.Kind != "begin" || p.Begin == nil || p.Begin.Title != "run" || p.Report != nil || p.End != nil {
		t.Errorf("begin: %+v", p)
	}
	if p := progress[1]; p.Kind != "report" || p.Report == nil || p.Report.Message != "half" || p.Report.Percentage == nil || *p.Report.Percentage != 50 {
		t.Errorf("report: %+v", p)
	}
	if p := progress[2]; p.Kind != "end" || p.End == nil || p.End.Message != "done" {
		t.Errorf("end: %+v", p)
	}
	partial := c.Progress(partTok)
	var values []int
	if len(partial) != 1 || partial[0].Kind != "" || json.Unmarshal(partial[0].Value, &values) != nil || !reflect.DeepEqual(values, []int{1, 2}) {
		t.Errorf("Progress(7) = %+v, want one partial result [1,2]", partial)
	}
	if all := c.Progress(); len(all) != 4 {
		t.Errorf("Progress() has %d values, want 4", len(all))
	}
}

// A $/progress value whose kind it does not fit is kept raw, as a partial
// result is.
func TestProgressOddValues(t *testing.T) {
	ctx := testContext(t)
	srv := lsp.NewServer("s", "1")
	srv.Handle("custom/send", conn.TypedNotification(func(ctx context.Context, values []json.RawMessage) error {
		for _, v := range values {
			srv.Client().Conn().Notify(ctx, "$/progress", map[string]any{"token": "t", "value": v})
		}
		return nil
	}))
	c := lsptest.New(t, srv)
	c.Initialize(ctx, nil)
	values := []string{`{"kind":"begin","title":5}`, `"text"`, `{"kind":"other"}`, `null`}
	var raw []json.RawMessage
	for _, v := range values {
		raw = append(raw, json.RawMessage(v))
	}
	c.Conn().Notify(ctx, "custom/send", raw)
	if err := c.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	got := c.Progress()
	if len(got) != len(values) {
		t.Fatalf("%d progress values, want %d", len(got), len(values))
	}
	for i, p := range got {
		if p.Kind != "" || p.Begin != nil || string(p.Value) != values[i] {
			t.Errorf("value %s: %+v, want it raw with no kind", values[i], p)
		}
	}
}

package lsp_test

import (
	"context"
	"testing"

	"github.com/lspkit/lspkit/lsp"
	"github.com/lspkit/lspkit/lsp/protocol"
)

// TestWorkDoneOptions checks what WorkDone's options put in the begin
// message, and that a work that is not cancellable never reports it is.
func TestWorkDoneOptions(t *testing.T) {
	tests := []struct {
		name   string
		opts   []lsp.WorkDoneOption
		begin  string
		report string
	}{
		{"default", nil,
			`{"kind": "begin", "title": "Work", "cancellable": true}`,
			`{"kind": "report", "message": "half", "percentage": 50, "cancellable": true}`},
		{"not cancellable", []lsp.WorkDoneOption{lsp.WorkDoneCancellable(false)},
			`{"kind": "begin", "title": "Work"}`,
			`{"kind": "report", "message": "half", "percentage": 50}`},
		{"message and percentage", []lsp.WorkDoneOption{lsp.WorkDoneMessage("starting"), lsp.WorkDonePercentage(0)},
			`{"kind": "begin", "title": "Work", "cancellable": true, "message": "starting", "percentage": 0}`,
			`{"kind": "report", "message": "half", "percentage": 50, "cancellable": true}`},
		{"percentage bounded", []lsp.WorkDoneOption{lsp.WorkDonePercentage(250), lsp.WorkDoneCancellable(false)},
			`{"kind": "begin", "title": "Work", "percentage": 100}`,
			`{"kind": "report", "message": "half", "percentage": 50}`},
		{"no percentage", []lsp.WorkDoneOption{lsp.WorkDonePercentage(10), lsp.WorkDonePercentage(-1)},
			`{"kind": "begin", "title": "Work", "cancellable": true}`,
			`{"kind": "report", "message": "half", "percentage": 50, "cancellable": true}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := lsp.NewServer("t", "1")
			srv.OnExecuteCommand(func(ctx context.Context, p *protocol.ExecuteCommandParams) (protocol.LSPAny, error) {
				work := srv.WorkDone(ctx, p.WorkDoneToken, "Work", tc.opts...)
				work.Report("half", 50)
				work.End("done")
				srv.Client().ShowMessage(ctx, &protocol.ShowMessageParams{Type: protocol.MessageTypeInfo, Message: "sentinel"})
				return nil, nil
			})
			ctx := testContext(t)
			c, _ := start(t, srv, "")
			token := protocol.NewProgressTokenString("t")
			if _, err := c.ExecuteCommand(ctx, &protocol.ExecuteCommandParams{Command: "work", WorkDoneToken: &token}); err != nil {
				t.Fatal(err)
			}
			expectProgress(t, c, `"t"`, []string{tc.begin, tc.report, `{"kind": "end", "message": "done"}`})
		})
	}
}

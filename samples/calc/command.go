package calc

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/lspkit/lspkit/conn"
	"github.com/lspkit/lspkit/lsp/protocol"
	"github.com/lspkit/lspkit/samples/calc/lang"
)

// EvaluateResult is the summary calc.evaluateWorkspace returns.
type EvaluateResult struct {
	Files  int                          `json:"files"`
	Errors int                          `json:"errors"`
	Values map[string]map[string]string `json:"values"` // file → name → value
}

// evaluateArgs are the command's optional arguments. DelayMs slows each
// file down, to watch progress and cancellation on a small workspace.
type evaluateArgs struct {
	DelayMs int `json:"delayMs"`
}

// executeCommand runs calc.evaluateWorkspace: it evaluates every file,
// reports progress, and stops when cancelled, by $/cancelRequest or from
// the progress UI.
func (s *server) executeCommand(ctx context.Context, p *protocol.ExecuteCommandParams) (protocol.LSPAny, error) {
	if p.Command != CommandEvaluateWorkspace {
		return nil, conn.NewError(conn.CodeInvalidParams, fmt.Sprintf("unknown command %q", p.Command))
	}
	var args evaluateArgs
	if len(p.Arguments) > 0 {
		if err := json.Unmarshal(p.Arguments[0], &args); err != nil {
			return nil, conn.NewError(conn.CodeInvalidParams, "calc.evaluateWorkspace takes [{\"delayMs\": N}]: "+err.Error())
		}
	}
	// Evaluating reads snapshots only: later edits need not wait for it.
	conn.Release(ctx)
	files := s.ws.files()
	prog := s.lsp.WorkDone(ctx, p.WorkDoneToken, "Evaluating the workspace")
	defer prog.End("")
	res := EvaluateResult{Values: map[string]map[string]string{}}
	for i, uri := range files {
		if err := sleepCtx(prog.Context(), time.Duration(args.DelayMs)*time.Millisecond); err != nil {
			return nil, conn.NewError(conn.CodeRequestCancelled, "calc.evaluateWorkspace cancelled")
		}
		fa, err := s.ws.analyze(uri)
		if err != nil {
			res.Errors++
			continue
		}
		vals := map[string]string{}
		for _, d := range fa.Defs {
			vals[d.Name] = s.valueText(d)
		}
		for _, d := range fa.Diagnostics {
			if d.Severity == lang.Error {
				res.Errors++
			}
		}
		res.Values[string(uri)] = vals
		res.Files++
		prog.Report(shortName(uri), (i+1)*100/max(len(files), 1))
	}
	data, err := json.Marshal(res)
	return data, err
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

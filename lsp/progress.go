package lsp

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/lspkit/lspkit/lsp/protocol"
)

// This file is progress: work-done progress (a begin, reports, an end, and
// cancellation by the client) and partial results, both sent with
// $/progress ("Work Done Progress" and "Partial Result Progress" in the
// specification).

// Progress reports the progress of one piece of work to the client. Its
// methods never fail the work: a client that cannot show progress gets
// nothing (a no-op Progress), and send errors are logged.
type Progress struct {
	s      *Server
	token  *protocol.ProgressToken // nil: report nothing
	key    string
	ctx    context.Context
	cancel context.CancelFunc
	ended  atomic.Bool

	cancellable bool // the client may offer to cancel the work
}

// WorkDoneOption changes how WorkDone begins its progress.
type WorkDoneOption func(*workDoneConfig)

type workDoneConfig struct {
	cancellable bool
	message     string
	percentage  *uint32
}

// WorkDoneCancellable says whether the client may offer the user to cancel
// the work (true by default). Work that cannot stop halfway should say
// false: the client then shows no cancel button, and its reports do not
// turn one on.
func WorkDoneCancellable(cancellable bool) WorkDoneOption {
	return func(c *workDoneConfig) { c.cancellable = cancellable }
}

// WorkDoneMessage gives the message shown from the start, before the first
// Report.
func WorkDoneMessage(message string) WorkDoneOption {
	return func(c *workDoneConfig) { c.message = message }
}

// WorkDonePercentage gives the percentage done at the start (0 to 100;
// higher is 100, negative sends none). A percentage in the first message
// tells the client the work reports how far along it is: VS Code then
// shows a bar that fills, rather than one that spins.
func WorkDonePercentage(percentage int) WorkDoneOption {
	return func(c *workDoneConfig) {
		c.percentage = nil
		if percentage >= 0 {
			c.percentage = new(uint32(min(percentage, 100)))
		}
	}
}

// WorkDone begins work-done progress titled title and returns its reporter.
// It reports with the token the client gave (the workDoneToken of a
// request's params) if there is one; otherwise it asks the client for a new
// one with window/workDoneProgress/create, and waits for the answer, if
// the client supports that; otherwise it returns a Progress that reports
// nothing. The work should watch Progress.Context, which ends when ctx
// does or the client cancels the work (window/workDoneProgress/cancel).
// Call End when the work is done. By default the work is cancellable and
// begins with no message and no percentage; opts say otherwise.
func (s *Server) WorkDone(ctx context.Context, token *protocol.ProgressToken, title string, opts ...WorkDoneOption) *Progress {
	cfg := workDoneConfig{cancellable: true}
	for _, o := range opts {
		o(&cfg)
	}
	p := &Progress{s: s, cancellable: cfg.cancellable}
	p.ctx, p.cancel = context.WithCancel(ctx)
	c := s.Client()
	if token == nil && c != nil && c.Supports("window.workDoneProgress") {
		t := protocol.NewProgressTokenString(fmt.Sprintf("lspkit/%d", s.works.next.Add(1)))
		if err := c.WorkDoneProgressCreate(ctx, &protocol.WorkDoneProgressCreateParams{Token: t}); err != nil {
			s.opts.logger.Warn("lsp: window/workDoneProgress/create failed; no progress shown", "err", err)
		} else {
			token = &t
		}
	}
	if token == nil || c == nil {
		return p
	}
	p.token = token
	p.key = tokenKey(*token)
	s.works.add(p)
	p.send(protocol.WorkDoneProgressBegin{Kind: "begin", Title: title, Cancellable: cfg.cancellable, Message: cfg.message, Percentage: cfg.percentage})
	return p
}

// Context returns a context that ends when the client cancels the work or
// the context WorkDone was given ends.
func (p *Progress) Context() context.Context { return p.ctx }

// Report tells the client how the work goes: a message and, if percentage
// is from 0 to 100, how far along it is (a negative percentage sends none).
func (p *Progress) Report(message string, percentage int) {
	r := protocol.WorkDoneProgressReport{Kind: "report", Message: message, Cancellable: p.cancellable}
	if percentage >= 0 {
		pc := uint32(min(percentage, 100))
		r.Percentage = &pc
	}
	p.send(r)
}

// End tells the client the work is over, with a final message. Later calls
// do nothing.
func (p *Progress) End(message string) {
	if p.ended.Swap(true) {
		return
	}
	p.send(protocol.WorkDoneProgressEnd{Kind: "end", Message: message})
	p.s.works.remove(p)
	p.cancel()
}

func (p *Progress) send(value any) {
	if p.token == nil || p.ended.Load() && !isEnd(value) {
		return
	}
	data, err := json.Marshal(value)
	if err == nil {
		err = p.s.Client().Progress(context.WithoutCancel(p.ctx), &protocol.ProgressParams{Token: *p.token, Value: data})
	}
	if err != nil {
		p.s.opts.logger.Warn("lsp: sending progress", "err", err)
	}
}

func isEnd(v any) bool { _, ok := v.(protocol.WorkDoneProgressEnd); return ok }

// SendPartialResult sends one batch of a request's results ahead of its
// reply, with the partialResultToken the client gave in the request's
// params. It reports false, and sends nothing, when token is nil: the
// client wants the whole result in the reply.
func (s *Server) SendPartialResult(ctx context.Context, token *protocol.ProgressToken, value any) (bool, error) {
	if token == nil {
		return false, nil
	}
	data, err := json.Marshal(value)
	if err != nil {
		return false, fmt.Errorf("lsp: partial result: %w", err)
	}
	return true, s.Client().Progress(ctx, &protocol.ProgressParams{Token: *token, Value: data})
}

// progressRegistry finds running work by token, to cancel it.
type progressRegistry struct {
	next  atomic.Int64
	mu    sync.Mutex
	works map[string]*Progress
}

func newProgressRegistry() *progressRegistry {
	return &progressRegistry{works: make(map[string]*Progress)}
}

func (r *progressRegistry) add(p *Progress) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.works[p.key] = p
}

func (r *progressRegistry) remove(p *Progress) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.works[p.key] == p {
		delete(r.works, p.key)
	}
}

// cancel handles window/workDoneProgress/cancel: the work's context ends.
func (r *progressRegistry) cancel(_ context.Context, params *protocol.WorkDoneProgressCancelParams) error {
	r.mu.Lock()
	p := r.works[tokenKey(params.Token)]
	r.mu.Unlock()
	if p != nil {
		p.cancel()
	}
	return nil
}

// tokenKey makes a token comparable: 1 and "1" are different tokens.
func tokenKey(t protocol.ProgressToken) string {
	data, _ := json.Marshal(t)
	return string(data)
}

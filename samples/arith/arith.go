// Package arith is a JSON-RPC 2.0 tool plugin: the calculator of the
// JSON-RPC specification's examples, with a few methods more that tests and
// benchmarks use. It is built only with package conn's exported API, the way
// a user builds a plugin; `lspkit serve arith` serves it on stdin/stdout.
//
// Requests: subtract ([a, b] or {"minuend", "subtrahend"}), sum (numbers),
// add, multiply and divide ([a, b] or {"a", "b"}; dividing by zero is error
// -32000 with data), get_data (["hello", 5]), get_total (the running total
// of notify_sum), count (the ticks so far), echo (its params, unchanged),
// sleep ({"ms": N}: null after N ms, or -32800 once cancelled) and fail
// ({code, message, data}: exactly that error).
//
// Notifications: update and notify_hello (accepted, no effect), notify_sum
// (adds its numbers to the running total) and tick (counts one).
package arith

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"time"

	"github.com/lspkit/lspkit/conn"
)

// CodeDivisionByZero is the error code of a division by zero: -32000, the
// first of the codes JSON-RPC leaves to servers.
const CodeDivisionByZero = -32000

// New returns a Mux that serves the arith methods, with its own running
// total and tick count.
func New() *conn.Mux {
	s := &state{}
	m := conn.NewMux()
	m.Handle("subtract", conn.Typed(subtract))
	m.Handle("sum", conn.Typed(sum))
	m.Handle("add", conn.Typed(func(_ context.Context, p operands) (float64, error) { return p.A + p.B, nil }))
	m.Handle("multiply", conn.Typed(func(_ context.Context, p operands) (float64, error) { return p.A * p.B, nil }))
	m.Handle("divide", conn.Typed(divide))
	m.Handle("get_data", conn.Typed(func(context.Context, json.RawMessage) ([]any, error) { return []any{"hello", 5}, nil }))
	m.Handle("echo", conn.Typed(echo))
	m.Handle("sleep", conn.Typed(sleep))
	m.Handle("fail", conn.Typed(fail))
	m.Handle("get_total", conn.Typed(s.getTotal))
	m.Handle("count", conn.Typed(s.count))
	m.Handle("update", conn.TypedNotification(ignore))
	m.Handle("notify_hello", conn.TypedNotification(ignore))
	m.Handle("notify_sum", conn.TypedNotification(s.notifySum))
	m.Handle("tick", conn.TypedNotification(s.tick))
	return m
}

// state is what notifications change and requests read. Notifications run
// alone (conn's default order), so a request sees every one before it; the
// lock guards against the requests that run concurrently with each other.
type state struct {
	mu    sync.Mutex
	total float64
	ticks int64
}

func (s *state) notifySum(_ context.Context, nums []float64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, n := range nums {
		s.total += n
	}
	return nil
}

func (s *state) tick(context.Context, json.RawMessage) error {
	s.mu.Lock()
	s.ticks++
	s.mu.Unlock()
	return nil
}

func (s *state) getTotal(context.Context, json.RawMessage) (float64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.total, nil
}

func (s *state) count(context.Context, json.RawMessage) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ticks, nil
}

func ignore(context.Context, json.RawMessage) error { return nil }

// subtractParams takes [minuend, subtrahend] or {"minuend", "subtrahend"}.
type subtractParams struct {
	Minuend    float64 `json:"minuend"`
	Subtrahend float64 `json:"subtrahend"`
}

func subtract(_ context.Context, p subtractParams) (float64, error) {
	return p.Minuend - p.Subtrahend, nil
}

func sum(_ context.Context, nums []float64) (float64, error) {
	var t float64
	for _, n := range nums {
		t += n
	}
	return t, nil
}

// operands takes [a, b] or {"a", "b"}.
type operands struct {
	A float64 `json:"a"`
	B float64 `json:"b"`
}

func divide(_ context.Context, p operands) (float64, error) {
	if p.B == 0 {
		return 0, conn.NewError(CodeDivisionByZero, "division by zero").WithData(map[string]float64{"dividend": p.A})
	}
	return p.A / p.B, nil
}

// echo returns its params as they came, or null for none.
func echo(_ context.Context, p json.RawMessage) (json.RawMessage, error) {
	return p, nil
}

type sleepParams struct {
	MS int64 `json:"ms"`
}

// Validate refuses a negative duration.
func (p sleepParams) Validate() error {
	if p.MS < 0 {
		return errors.New("ms must not be negative")
	}
	return nil
}

// sleep waits; it gives up its place in the order first, so that a long
// sleep holds back nothing that comes after it.
func sleep(ctx context.Context, p sleepParams) (any, error) {
	conn.Release(ctx)
	t := time.NewTimer(time.Duration(p.MS) * time.Millisecond)
	defer t.Stop()
	select {
	case <-t.C:
		return nil, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// fail answers with exactly the error it is given.
func fail(_ context.Context, e conn.Error) (any, error) {
	return nil, &e
}

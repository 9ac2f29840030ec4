package conn_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/lspkit/lspkit/conn"
	"github.com/lspkit/lspkit/samples/arith"
)

// TestIncomingBatch checks batches a peer sends: each element is answered as
// it would be alone, in one array; notifications and responses in it get no
// element; a batch with nothing to answer gets no reply at all.
func TestIncomingBatch(t *testing.T) {
	t.Parallel()
	const invalid, params, missing = conn.CodeInvalidRequest, conn.CodeInvalidParams, conn.CodeMethodNotFound
	tests := []struct {
		name string
		send string
		want []string // "id:code" of each reply element, code 0 for a result; nil: no reply
	}{
		{"requests", `[{"jsonrpc":"2.0","method":"subtract","params":[3,1],"id":1},{"jsonrpc":"2.0","method":"sum","params":[1,2],"id":2}]`,
			[]string{"1:0", "2:0"}},
		{"one element", `[{"jsonrpc":"2.0","method":"sum","params":[1],"id":"x"}]`, []string{`"x":0`}},
		{"notifications only", `[{"jsonrpc":"2.0","method":"notify_sum","params":[1]},{"jsonrpc":"2.0","method":"nope"}]`, nil},
		{"a response only", `[{"jsonrpc":"2.0","id":77,"result":1}]`, nil},
		{"mixed with invalid elements", `[{"jsonrpc":"2.0","method":"sum","params":[1],"id":1},1,"s",null,[],{},{"jsonrpc":"2.0","method":"update"},{"jsonrpc":"2.0","method":1,"id":2},{"jsonrpc":"2.0","method":"nope","id":3},{"jsonrpc":"2.0","id":78,"result":1}]`,
			[]string{"1:0", fmt.Sprint("null:", invalid), fmt.Sprint("null:", invalid), fmt.Sprint("null:", invalid), fmt.Sprint("null:", invalid), fmt.Sprint("null:", invalid), fmt.Sprint("2:", invalid), fmt.Sprint("3:", missing)}},
		{"errors and results", `[{"jsonrpc":"2.0","method":"divide","params":[1,0],"id":1},{"jsonrpc":"2.0","method":"divide","params":[1,2],"id":2},{"jsonrpc":"2.0","method":"subtract","params":"x","id":3},{"jsonrpc":"2.0","method":"subtract","params":["x"],"id":4}]`,
			[]string{fmt.Sprint("1:", arith.CodeDivisionByZero), "2:0", fmt.Sprint("3:", invalid), fmt.Sprint("4:", params)}},
		{"white space", " \n[ {\"jsonrpc\":\"2.0\",\"method\":\"sum\",\"params\":[1],\"id\":1} ] \n", []string{"1:0"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, p := serve(t, arith.New(), framers[0])
			p.send(tc.send)
			if tc.want == nil {
				p.expectNothing()
				return
			}
			var elems []msg
			if err := json.Unmarshal(p.next(), &elems); err != nil {
				t.Fatalf("batch reply: %v", err)
			}
			var got []string
			for _, m := range elems {
				switch {
				case m.Error != nil && m.Result == nil:
					got = append(got, fmt.Sprintf("%s:%d", m.ID, m.Error.Code))
				case m.Error == nil && m.Result != nil:
					got = append(got, fmt.Sprintf("%s:0", m.ID))
				default:
					t.Errorf("malformed reply element %+v", m)
				}
			}
			slices.Sort(got)
			want := slices.Sorted(slices.Values(tc.want))
			if !slices.Equal(got, want) {
				t.Errorf("replies %v, want %v", got, want)
			}
			p.expectNothing()
		})
	}
}

// TestIncomingBatchOrder checks that a batch's elements follow the ordering
// rules: a request after a notification in the batch sees its effect.
func TestIncomingBatchOrder(t *testing.T) {
	t.Parallel()
	_, p := serve(t, arith.New(), framers[0])
	p.send(`[{"jsonrpc":"2.0","method":"notify_sum","params":[10,20]},{"jsonrpc":"2.0","method":"get_total","id":1},{"jsonrpc":"2.0","method":"notify_sum","params":[5]},{"jsonrpc":"2.0","method":"get_total","id":2}]`)
	var got []msg
	if err := json.Unmarshal(p.next(), &got); err != nil || len(got) != 2 {
		t.Fatalf("batch reply %+v, %v", got, err)
	}
	for _, m := range got {
		want := map[string]string{"1": "30", "2": "35"}[string(m.ID)]
		wantResult(t, m, string(m.ID), want)
	}
}

// TestOutgoingBatch checks Conn.Batch against a server: each call's result
// or error lands in its own BatchCall, notifications get nothing, and the
// server sees one batch.
func TestOutgoingBatch(t *testing.T) {
	t.Parallel()
	batches := make(chan int, 10)
	hook := func(dir conn.Direction, msg []byte) {
		var elems []json.RawMessage
		if dir == conn.In && json.Unmarshal(msg, &elems) == nil {
			batches <- len(elems)
		}
	}
	server := startConnPair(t, arith.New(), conn.WithHook(hook))
	var diff, sum, total float64
	var data json.RawMessage
	calls := []*conn.BatchCall{
		{Method: "subtract", Params: []float64{42, 23}, Result: &diff},
		{Method: "notify_sum", Params: []float64{1, 2, 3}, Notify: true},
		{Method: "divide", Params: []float64{1, 0}},
		{Method: "sum", Params: []float64{1, 2, 4}, Result: &sum},
		{Method: "nope"},
		{Method: "get_data", Result: &data},
		{Method: "get_total", Result: &total},
		{Method: "subtract", Params: map[string]any{"minuend": "x"}},
	}
	if err := server.Batch(testCtx(t), calls); err != nil {
		t.Fatal(err)
	}
	if got := recv(t, batches, "the server to see a batch"); got != len(calls) {
		t.Errorf("the server saw a batch of %d, want %d", got, len(calls))
	}
	if diff != 19 || sum != 7 || total != 6 || !sameJSON(data, []byte(`["hello",5]`)) {
		t.Errorf("results: diff %v, sum %v, total %v, data %s", diff, sum, total, data)
	}
	for i, want := range []int64{0, 0, arith.CodeDivisionByZero, 0, conn.CodeMethodNotFound, 0, 0, conn.CodeInvalidParams} {
		err := calls[i].Err
		var e *conn.Error
		switch {
		case want == 0 && err != nil:
			t.Errorf("call %d (%s): %v", i, calls[i].Method, err)
		case want != 0 && (!errors.As(err, &e) || e.Code != want):
			t.Errorf("call %d (%s): %v, want error %d", i, calls[i].Method, err, want)
		}
	}
	var e *conn.Error
	if errors.As(calls[2].Err, &e) && !sameJSON(e.Data, []byte(`{"dividend":1}`)) {
		t.Errorf("division error data %s", e.Data)
	}
}

// startConnPair starts h on one side of a pair and returns the other side,
// which serves nothing, with opts applied to the server side.
func startConnPair(t testing.TB, h conn.Handler, serverOpts ...conn.Option) *conn.Conn {
	t.Helper()
	ea, eb := duplexPair()
	startConn(t, ea, h, serverOpts...)
	return startConn(t, eb, nil)
}

// TestOutgoingBatchWire checks what Batch sends and how it matches replies
// that come in another order, and an empty or all-notification batch.
func TestOutgoingBatchWire(t *testing.T) {
	t.Parallel()
	c, p := serve(t, nil, framers[0])
	var a, b string
	calls := []*conn.BatchCall{
		{Method: "a", Params: []int{1}, Result: &a},
		{Method: "n", Params: map[string]int{"x": 1}, Notify: true},
		{Method: "b", Result: &b},
	}
	errc := make(chan error, 1)
	go func() { errc <- c.Batch(testCtx(t), calls) }()
	var sent []msg
	if err := json.Unmarshal(p.next(), &sent); err != nil || len(sent) != 3 {
		t.Fatalf("sent %+v, %v", sent, err)
	}
	if string(sent[0].ID) != "1" || sent[0].Method != "a" || sent[1].ID != nil || sent[1].Method != "n" || string(sent[2].ID) != "2" || sent[2].Method != "b" {
		t.Errorf("sent %+v", sent)
	}
	p.send(`[{"jsonrpc":"2.0","id":2,"result":"B"},{"jsonrpc":"2.0","id":1,"error":{"code":-1,"message":"A failed","data":[1]}}]`)
	if err := recv(t, errc, "Batch to return"); err != nil {
		t.Fatal(err)
	}
	var e *conn.Error
	if b != "B" || calls[2].Err != nil || !errors.As(calls[0].Err, &e) || e.Code != -1 || e.Message != "A failed" || string(e.Data) != "[1]" {
		t.Errorf("b = %q, errs %v, %v", b, calls[0].Err, calls[2].Err)
	}
	if calls[1].Err != nil {
		t.Errorf("notification got %v", calls[1].Err)
	}
	if err := c.Batch(testCtx(t), nil); err == nil {
		t.Error("empty Batch: no error")
	}
	if err := c.Batch(testCtx(t), []*conn.BatchCall{{Method: "n1", Notify: true}, {Method: "n2", Notify: true}}); err != nil {
		t.Errorf("notifications-only Batch: %v", err)
	}
	var sentN []msg
	if err := json.Unmarshal(p.next(), &sentN); err != nil || len(sentN) != 2 || sentN[0].ID != nil || sentN[1].ID != nil {
		t.Errorf("sent %+v, %v", sentN, err)
	}
	if err := c.Batch(testCtx(t), []*conn.BatchCall{{Method: "x", Params: 3}}); err == nil {
		t.Error("Batch with a number as params: no error")
	}
}

// TestOutgoingBatchCancel checks that when Batch's context ends, the calls
// not yet answered are cancelled with the peer.
func TestOutgoingBatchCancel(t *testing.T) {
	t.Parallel()
	c, p := serve(t, nil, framers[0])
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- c.Batch(ctx, []*conn.BatchCall{{Method: "a"}, {Method: "b"}}) }()
	p.next()
	p.send(`{"jsonrpc":"2.0","id":1,"result":null}`)
	p.sync() // the read path has delivered call 1's reply: only call 2 is left to cancel
	cancel()
	if err := recv(t, errc, "Batch to return"); !errors.Is(err, context.Canceled) {
		t.Errorf("Batch: %v, want context.Canceled", err)
	}
	m := p.reply()
	if m.Method != "$/cancelRequest" || !sameJSON(m.Params, []byte(`{"id":2}`)) {
		t.Errorf("peer got %+v, want the cancellation of call 2", m)
	}
}

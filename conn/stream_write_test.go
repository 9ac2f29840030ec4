package conn_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/lspkit/lspkit/conn"
)

// gatedStream is a Stream of its own (no framing.BatchWriter): its first
// WriteMessage waits for the gate, so that what is sent meanwhile queues up.
type gatedStream struct {
	writing chan struct{} // closed when the first write has begun
	gate    chan struct{} // closed to let the first write finish
	out     chan []byte
	closed  chan struct{}
	first   bool
}

func newGatedStream(n int) *gatedStream {
	return &gatedStream{writing: make(chan struct{}), gate: make(chan struct{}),
		out: make(chan []byte, n), closed: make(chan struct{}), first: true}
}

func (s *gatedStream) ReadMessage() ([]byte, error) {
	<-s.closed
	return nil, conn.ErrClosed
}

func (s *gatedStream) WriteMessage(b []byte) error {
	if s.first { // WriteMessage is called from one goroutine at a time
		s.first = false
		close(s.writing)
		<-s.gate
	}
	s.out <- append([]byte(nil), b...)
	return nil
}

func (s *gatedStream) Close() error {
	select {
	case <-s.closed:
	default:
		close(s.closed)
	}
	return nil
}

// TestStreamWritesWhatQueued checks that messages which queue up while a
// write goes on all reach a Stream that cannot write several at once, in
// order.
func TestStreamWritesWhatQueued(t *testing.T) {
	t.Parallel()
	const n = 10
	s := newGatedStream(n)
	c := conn.NewStream(context.Background(), s, nil, conn.WithLogger(quietLog))
	defer c.Close()
	ctx := context.Background()
	if err := c.Notify(ctx, "n", []int{0}); err != nil {
		t.Fatal(err)
	}
	closed(t, s.writing, "the first write to begin")
	for i := 1; i < n; i++ { // these queue up behind the first
		if err := c.Notify(ctx, "n", []int{i}); err != nil {
			t.Fatal(err)
		}
	}
	close(s.gate)
	for i := range n {
		msg := recv(t, s.out, "a queued notification")
		var m struct {
			Params []int `json:"params"`
		}
		if err := json.Unmarshal(msg, &m); err != nil || len(m.Params) != 1 || m.Params[0] != i {
			t.Fatalf("message %d: %s (%v)", i, msg, err)
		}
	}
}

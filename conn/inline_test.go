package conn_test

import (
	"bytes"
	"context"
	"io"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lspkit/lspkit/conn"
)

// writeCounter counts the writes a Conn makes on its stream.
type writeCounter struct {
	io.ReadWriteCloser
	writes atomic.Int64
}

func (w *writeCounter) Write(b []byte) (int, error) {
	w.writes.Add(1)
	return w.ReadWriteCloser.Write(b)
}

// TestPipelinedRepliesGoTogether checks that requests that arrive together
// (pipelined, in one write) are answered with fewer writes than requests:
// the read path, which runs a request itself when nothing else runs, hands
// the writing of its reply to a goroutine of its own while more input is
// buffered, and the replies that queue up meanwhile go out together.
func TestPipelinedRepliesGoTogether(t *testing.T) {
	t.Parallel()
	const n = 200
	a, b := duplexPair()
	w := &writeCounter{ReadWriteCloser: a}
	startConn(t, w, echoMux())
	p := newPeer(t, b, framers[0])
	t.Cleanup(p.close)
	var msgs bytes.Buffer
	for i := 1; i <= n; i++ {
		msgs.Write(framers[0].frame([]byte(encodeMsg("echo", true, i))))
	}
	p.sendRaw(msgs.Bytes())
	if got := p.replies(n); len(got) != n {
		t.Fatalf("%d replies, want %d", len(got), n)
	}
	if writes := w.writes.Load(); writes >= n/2 {
		t.Errorf("%d replies took %d writes, want far fewer", n, writes)
	} else {
		t.Logf("%d replies in %d writes", n, writes)
	}
}

// TestInlineHandlerThatWaits checks the watchdog: a lone request whose
// handler waits for something only a later message brings (here its own
// cancellation) is not stuck behind the read path that runs it.
func TestInlineHandlerThatWaits(t *testing.T) {
	t.Parallel()
	s, m := newCancelServer()
	_, p := serve(t, m, framers[0])
	p.send(`{"jsonrpc":"2.0","method":"block","id":1}`)
	recv(t, s.started, "block to start")
	start := time.Now()
	p.send(cancelMsg("$/cancelRequest", "1"))
	wantError(t, p.reply(), "1", conn.CodeRequestCancelled)
	if d := time.Since(start); d > time.Second {
		t.Errorf("the cancellation took %v", d)
	}
	if err := recv(t, s.ended, "the handler to end"); err != context.Canceled {
		t.Errorf("ctx.Err() = %v", err)
	}
}

package conn_test

// Helpers shared by the tests of package conn: in-memory duplex pipes, a raw
// peer that writes frames byte for byte and reads what a Conn answers, JSON
// comparison by meaning, and waits bounded by a timeout.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"go.uber.org/goleak"

	"github.com/lspkit/lspkit/conn"
	"github.com/lspkit/lspkit/framing"
)

// TestMain fails the run if any test leaves a goroutine behind.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// wait bounds every wait of these tests; nothing correct comes close to it,
// even under -race on a loaded machine.
const wait = 30 * time.Second

// grace is how long a test watches for something that must NOT happen (a
// handler starting too early, a reply that must not come). It proves nothing
// by itself; it gives a broken implementation the time to show itself.
const grace = 100 * time.Millisecond

// quietLog drops the connection's logs: bad input is the point of many tests.
var quietLog = slog.New(slog.DiscardHandler)

// duplex is one end of an in-memory full-duplex stream made of two io.Pipes.
// Unlike net.Pipe, a write completes as soon as the other end has read it.
type duplex struct {
	r *io.PipeReader
	w *io.PipeWriter
}

func (d *duplex) Read(b []byte) (int, error)  { return d.r.Read(b) }
func (d *duplex) Write(b []byte) (int, error) { return d.w.Write(b) }

// Close closes both directions.
func (d *duplex) Close() error {
	d.r.Close()
	d.w.Close()
	return nil
}

// CloseWrite ends our direction only: the other end reads io.EOF.
func (d *duplex) CloseWrite() error { return d.w.Close() }

// duplexPair returns the two ends of a new duplex stream.
func duplexPair() (a, b *duplex) {
	ar, bw := io.Pipe()
	br, aw := io.Pipe()
	return &duplex{ar, aw}, &duplex{br, bw}
}

// startConn starts a Conn over rwc that logs nowhere; it is closed, and its
// end awaited, when the test ends.
func startConn(t testing.TB, rwc io.ReadWriteCloser, h conn.Handler, opts ...conn.Option) *conn.Conn {
	t.Helper()
	opts = append([]conn.Option{conn.WithLogger(quietLog)}, opts...)
	c := conn.New(context.Background(), rwc, h, opts...)
	t.Cleanup(func() {
		c.Close()
		<-c.Done()
	})
	return c
}

// connPair starts two Conns talking to each other: a serves ha, b serves hb.
func connPair(t testing.TB, ha, hb conn.Handler, opts ...conn.Option) (a, b *conn.Conn) {
	t.Helper()
	ea, eb := duplexPair()
	return startConn(t, ea, ha, opts...), startConn(t, eb, hb, opts...)
}

// framer is one framing, with a way to frame raw bytes the way a peer would,
// without the checks of a framing.Writer (which refuses invalid JSON in the
// Line framing).
type framer struct {
	name  string
	make  func(...framing.Option) framing.Framer
	frame func(body []byte) []byte
}

var framers = []framer{
	{"header", framing.Header, func(b []byte) []byte {
		return append(fmt.Appendf(nil, "Content-Length: %d\r\n\r\n", len(b)), b...)
	}},
	{"line", framing.Line, func(b []byte) []byte {
		// JSON white space outside strings may be a newline; inside a
		// string a raw newline is invalid either way. A space keeps the
		// meaning and the message on one line.
		return append(bytes.ReplaceAll(b, []byte("\n"), []byte(" ")), '\n')
	}},
}

// peer is the far end of a Conn, driven by hand: it writes raw frames and
// collects every frame the Conn writes.
type peer struct {
	t      testing.TB
	fr     framer
	end    *duplex
	in     chan []byte   // frames received, in order; closed when reading ends
	stop   chan struct{} // closed to stop the reading goroutine
	done   chan struct{} // closed when the reading goroutine has returned
	err    error         // why reading ended; read once done is closed
	marker atomic.Int64
}

// newPeer starts reading end with fr. It is stopped when the test ends.
func newPeer(t testing.TB, end *duplex, fr framer, opts ...framing.Option) *peer {
	p := &peer{t: t, fr: fr, end: end, in: make(chan []byte, 4096), stop: make(chan struct{}), done: make(chan struct{})}
	r := fr.make(opts...).NewReader(end)
	go func() {
		defer close(p.done)
		defer close(p.in)
		for {
			msg, err := r.ReadMessage()
			if err != nil {
				p.err = err
				return
			}
			select {
			case p.in <- msg:
			case <-p.stop:
				return
			}
		}
	}()
	return p
}

// close stops the peer: both directions of its end close.
func (p *peer) close() {
	select {
	case <-p.stop:
	default:
		close(p.stop)
	}
	p.end.Close()
	<-p.done
}

// serve starts a Conn serving h over a duplex stream framed by fr, and a
// peer at the other end. The Conn is closed first when the test ends, while
// the peer still reads what it flushes; then the peer stops.
func serve(t testing.TB, h conn.Handler, fr framer, opts ...conn.Option) (*conn.Conn, *peer) {
	t.Helper()
	a, b := duplexPair()
	p := newPeer(t, b, fr)
	t.Cleanup(p.close)
	opts = append([]conn.Option{conn.WithFramer(fr.make())}, opts...)
	return startConn(t, a, h, opts...), p
}

// send writes one message, framed, in one write.
func (p *peer) send(msg string) {
	p.t.Helper()
	p.sendRaw(p.fr.frame([]byte(msg)))
}

// sendRaw writes bytes as they are, in one write.
func (p *peer) sendRaw(b []byte) {
	p.t.Helper()
	if _, err := p.end.Write(b); err != nil {
		p.t.Fatalf("peer: write: %v", err)
	}
}

// next returns the next frame the Conn wrote, checking that it is valid JSON
// and valid UTF-8.
func (p *peer) next() []byte {
	p.t.Helper()
	select {
	case msg, ok := <-p.in:
		if !ok {
			<-p.done
			p.t.Fatalf("peer: no more frames (reading ended: %v)", p.err)
		}
		if !utf8.Valid(msg) || !json.Valid(msg) {
			p.t.Errorf("peer: received invalid JSON or UTF-8: %q", msg)
		}
		return msg
	case <-time.After(wait):
		p.t.Fatalf("peer: no frame within %v", wait)
	}
	return nil
}

// reply returns the next frame decoded as a single message.
func (p *peer) reply() msg {
	p.t.Helper()
	return decodeMsg(p.t, p.next())
}

// replies returns the next n frames, each a single message, by id text.
func (p *peer) replies(n int) map[string]msg {
	p.t.Helper()
	out := make(map[string]msg, n)
	for range n {
		m := p.reply()
		out[string(m.ID)] = m
	}
	return out
}

// sync sends a request that no handler serves, and returns every frame
// received before its reply. Replies made on the read path, and replies to
// messages that had to finish before it could start, come before it; so an
// empty result shows that what was sent before got no reply.
func (p *peer) sync() [][]byte {
	p.t.Helper()
	id := fmt.Sprintf(`"sync-%d"`, p.marker.Add(1))
	p.send(`{"jsonrpc":"2.0","id":` + id + `,"method":"test/sync"}`)
	var before [][]byte
	for {
		b := p.next()
		if m := decodeMsg(p.t, b); string(m.ID) == id && m.Method == "" {
			return before
		}
		before = append(before, b)
	}
}

// expectNothing checks that nothing was received since the last frame read,
// and that what was sent since gets no reply.
func (p *peer) expectNothing() {
	p.t.Helper()
	if got := p.sync(); len(got) > 0 {
		p.t.Errorf("got %d unexpected frame(s), the first: %s", len(got), got[0])
	}
}

// ended waits until the Conn has closed its side, and returns why reading
// ended (io.EOF when it closed cleanly).
func (p *peer) ended() error {
	p.t.Helper()
	for {
		select {
		case m, ok := <-p.in:
			if !ok {
				<-p.done
				return p.err
			}
			p.t.Errorf("peer: unexpected frame before the end: %s", m)
		case <-time.After(wait):
			p.t.Fatalf("peer: the stream did not end within %v", wait)
		}
	}
}

// msg is any JSON-RPC message, as a peer sees it. ID keeps its exact text;
// it is nil when absent and "null" when null.
type msg struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Method  string          `json:"method"`
	Params  json.RawMessage `json:"params"`
	Result  json.RawMessage `json:"result"`
	Error   *conn.Error     `json:"error"`
}

func decodeMsg(t testing.TB, b []byte) msg {
	t.Helper()
	var m msg
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("cannot decode %s: %v", b, err)
	}
	if m.JSONRPC != "2.0" {
		t.Errorf(`"jsonrpc" is %q, not "2.0", in %s`, m.JSONRPC, b)
	}
	return m
}

// wantResult checks that m is a success reply to id with the given result
// (compared by meaning).
func wantResult(t testing.TB, m msg, id, result string) {
	t.Helper()
	if string(m.ID) != id {
		t.Errorf("reply id = %s, want %s", m.ID, id)
	}
	if m.Error != nil {
		t.Errorf("reply to %s: error %v, want result %s", id, m.Error, result)
		return
	}
	if !sameJSON(m.Result, []byte(result)) {
		t.Errorf("reply to %s: result %s, want %s", id, m.Result, result)
	}
}

// wantError checks that m is an error reply to id with the given code and a
// message, and returns the error.
func wantError(t testing.TB, m msg, id string, code int64) *conn.Error {
	t.Helper()
	if string(m.ID) != id {
		t.Errorf("reply id = %s, want %s", m.ID, id)
	}
	if m.Error == nil {
		t.Errorf("reply to %s: result %s, want error %d", id, m.Result, code)
		return &conn.Error{}
	}
	if m.Error.Code != code {
		t.Errorf("reply to %s: error %d %q, want code %d", id, m.Error.Code, m.Error.Message, code)
	}
	if m.Error.Message == "" {
		t.Errorf("reply to %s: error %d has an empty message", id, m.Error.Code)
	}
	if m.Result != nil {
		t.Errorf("reply to %s has both an error and a result %s", id, m.Result)
	}
	return m.Error
}

// sameJSON reports whether a and b are the same JSON value. Numbers compare
// as float64, object members in any order.
func sameJSON(a, b []byte) bool {
	var va, vb any
	if json.Unmarshal(a, &va) != nil || json.Unmarshal(b, &vb) != nil {
		return false
	}
	return reflect.DeepEqual(va, vb)
}

// canonical re-encodes v with sorted keys, for order-free comparisons.
func canonical(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// recv waits for a value from ch.
func recv[T any](t testing.TB, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(wait):
		t.Fatalf("timed out waiting for %s", what)
	}
	var zero T
	return zero
}

// never checks that ch yields nothing for the grace period.
func never[T any](t testing.TB, ch <-chan T, what string) {
	t.Helper()
	select {
	case <-ch:
		t.Fatalf("%s, and must not have", what)
	case <-time.After(grace):
	}
}

// closed waits for ch to be closed.
func closed(t testing.TB, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(wait):
		t.Fatalf("timed out waiting for %s", what)
	}
}

// testCtx returns a context that ends with the test, at most after wait.
func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	t.Cleanup(cancel)
	return ctx
}

package wsrpc_test

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/lspkit/lspkit/conn"
	"github.com/lspkit/lspkit/conn/wsrpc"
	"github.com/lspkit/lspkit/samples/arith"
)

// rawWS is a WebSocket client written by hand, so that a test controls
// every byte of every frame: a header that claims a size, then the
// payload at its own pace.
type rawWS struct {
	nc net.Conn
	br *bufio.Reader
}

func dialRaw(t *testing.T, url string) *rawWS {
	t.Helper()
	host := strings.TrimPrefix(url, "ws://")
	host, _, _ = strings.Cut(host, "/")
	nc, err := net.Dial("tcp", host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	nc.SetDeadline(time.Now().Add(wait))
	key := make([]byte, 16)
	rand.Read(key)
	fmt.Fprintf(nc, "GET / HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n",
		host, base64.StdEncoding.EncodeToString(key))
	br := bufio.NewReader(nc)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("handshake: %v %v", resp, err)
	}
	return &rawWS{nc: nc, br: br}
}

// header writes the header of a masked text frame of n bytes, with a zero
// mask key (the payload then goes as it is).
func (w *rawWS) header(t *testing.T, fin bool, opcode byte, n uint64) {
	t.Helper()
	b0 := opcode
	if fin {
		b0 |= 0x80
	}
	h := []byte{b0, 0x80 | 127, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	binary.BigEndian.PutUint64(h[2:10], n)
	if _, err := w.nc.Write(h); err != nil {
		t.Fatal(err)
	}
}

func (w *rawWS) write(t *testing.T, b []byte) {
	t.Helper()
	if _, err := w.nc.Write(b); err != nil {
		t.Fatal(err)
	}
}

// message sends a whole message in one frame.
func (w *rawWS) message(t *testing.T, s string) {
	w.header(t, true, 1, uint64(len(s)))
	w.write(t, []byte(s))
}

// read reads one (unmasked, unfragmented) text message from the server.
func (w *rawWS) read(t *testing.T) string {
	t.Helper()
	var h [2]byte
	if _, err := io.ReadFull(w.br, h[:]); err != nil {
		t.Fatal(err)
	}
	n := uint64(h[1] & 0x7f)
	switch n {
	case 126:
		var b [2]byte
		io.ReadFull(w.br, b[:])
		n = uint64(binary.BigEndian.Uint16(b[:]))
	case 127:
		var b [8]byte
		io.ReadFull(w.br, b[:])
		n = binary.BigEndian.Uint64(b[:])
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(w.br, body); err != nil {
		t.Fatal(err)
	}
	if op := h[0] & 0x0f; op != 1 {
		t.Fatalf("server sent opcode %d: %q", op, body)
	}
	return string(body)
}

// errorCode returns the code of an error reply.
func errorCode(t *testing.T, msg string) int64 {
	t.Helper()
	var r struct{ Error *conn.Error }
	if json.Unmarshal([]byte(msg), &r) != nil || r.Error == nil {
		t.Fatalf("want an error reply, got %s", msg)
	}
	return r.Error.Code
}

// allocated returns the bytes allocated so far.
func allocated() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.TotalAlloc
}

// TestTooLargeRefusedFromHeader sends messages whose frame header claims
// more than the limit: each is refused with an error before its payload
// comes, the payload streams through without being kept (the bytes
// allocated meanwhile are a small fraction of one message), and the
// connection goes on.
func TestTooLargeRefusedFromHeader(t *testing.T) {
	const limit, size, chunk = 1 << 20, 16 << 20, 256 << 10
	url := server(t, wsrpc.NewHandler(func() conn.Handler { return arith.New() },
		wsrpc.WithMaxMessageSize(limit), wsrpc.WithPingInterval(0), wsrpc.WithLogger(quiet), wsrpc.WithConnOptions(conn.WithLogger(quiet))))
	w := dialRaw(t, url)
	payload := make([]byte, chunk)
	runtime.GC()
	before := allocated()
	for i := range 4 {
		w.nc.SetDeadline(time.Now().Add(wait))
		w.header(t, true, 1, size)
		w.write(t, payload[:10]) // the error comes before the rest does
		if code := errorCode(t, w.read(t)); code != conn.CodeInvalidRequest {
			t.Fatalf("message %d: error %d", i, code)
		}
		for sent := 10; sent < size; sent += chunk {
			w.write(t, payload[:min(chunk, size-sent)])
		}
		w.message(t, fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"sum","params":[1,2]}`, i))
		if got, want := w.read(t), fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"result":3}`, i); got != want {
			t.Fatalf("after message %d: %s, want %s", i, got, want)
		}
	}
	if a := allocated() - before; a > limit {
		t.Errorf("4 refused messages of %d MiB allocated %.1f MiB; want under %d MiB (nothing of them held)", size>>20, float64(a)/(1<<20), limit>>20)
	} else {
		t.Logf("4 refused messages of %d MiB allocated %.2f MiB", size>>20, float64(a)/(1<<20))
	}
}

// TestTooLargeFragmented sends messages over the limit in small fragments,
// whose first header does not tell the size: each is refused once the
// limit is passed, what is held is bounded by the limit, not by the
// message, and the connection goes on.
func TestTooLargeFragmented(t *testing.T) {
	const limit, size, chunk = 128 << 10, 4 << 20, 64 << 10
	url := server(t, wsrpc.NewHandler(func() conn.Handler { return arith.New() },
		wsrpc.WithMaxMessageSize(limit), wsrpc.WithPingInterval(0), wsrpc.WithLogger(quiet), wsrpc.WithConnOptions(conn.WithLogger(quiet))))
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	payload := make([]byte, chunk)
	runtime.GC()
	before := allocated()
	for i := range 4 {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		mw, err := ws.Writer(ctx, websocket.MessageText)
		if err != nil {
			t.Fatal(err)
		}
		for sent := 0; sent < size; sent += chunk {
			if _, err := mw.Write(payload); err != nil { // one frame each
				t.Fatal(err)
			}
		}
		mw.Close()
		_, msg, err := ws.Read(ctx)
		if err != nil || errorCode(t, string(msg)) != conn.CodeInvalidRequest {
			t.Fatalf("message %d: %s %v", i, msg, err)
		}
	}
	ctx, cancel = context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := ws.Write(ctx, websocket.MessageText, []byte(`{"jsonrpc":"2.0","id":9,"method":"sum","params":[1,2]}`)); err != nil {
		t.Fatal(err)
	}
	if _, msg, err := ws.Read(ctx); err != nil || string(msg) != `{"jsonrpc":"2.0","id":9,"result":3}` {
		t.Fatalf("after: %s %v", msg, err)
	}
	// At most the limit is held per message (a buffer that grows by
	// doubling up to it), whatever the message's size: the four together
	// cost less than one of them.
	if a := allocated() - before; a > size {
		t.Errorf("4 refused messages of %d MiB allocated %.1f MiB; want under %d MiB (no more than the limit each)", size>>20, float64(a)/(1<<20), size>>20)
	} else {
		t.Logf("4 refused messages of %d MiB allocated %.2f MiB", size>>20, float64(a)/(1<<20))
	}
	ws.Close(websocket.StatusNormalClosure, "")
}

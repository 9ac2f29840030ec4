package conn_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	"github.com/lspkit/lspkit/conn"
	"github.com/lspkit/lspkit/samples/arith"
)

// TestLargeMessages echoes params of sizes on either side of what an
// outgoing message is first built in and of what is pooled (64 KiB and
// 4 MiB), small and large in turn, in both framings, and checks every byte
// that comes back.
func TestLargeMessages(t *testing.T) {
	sizes := []int{100, 70 << 10, 1 << 20, 100, 2 << 20, 1 << 20, 100, 5 << 20, 100}
	for _, fr := range framers {
		t.Run(fr.name, func(t *testing.T) {
			client, _ := connPair(t, nil, arith.New(), conn.WithFramer(fr.make()))
			ctx := testCtx(t)
			for _, n := range sizes {
				params := benchBig(n)
				var got json.RawMessage
				if err := client.Call(ctx, "echo", params, &got); err != nil {
					t.Fatalf("%d bytes: %v", n, err)
				}
				if !bytes.Equal(got, params) {
					t.Fatalf("%d bytes: echo returned %d bytes, %.40q", n, len(got), got)
				}
			}
		})
	}
}

// TestLargeMessagesHooked checks that hooks see exactly the messages, not
// the room kept in front of them for the framing's header.
func TestLargeMessagesHooked(t *testing.T) {
	var (
		mu  sync.Mutex
		out [][]byte
	)
	hook := func(dir conn.Direction, msg []byte) {
		if dir == conn.Out {
			mu.Lock()
			out = append(out, bytes.Clone(msg))
			mu.Unlock()
		}
	}
	_, p := serve(t, arith.New(), framers[0], conn.WithHook(hook))
	params := benchBig(100 << 10)
	p.send(fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":"echo","params":%s}`, params))
	m := p.next()
	want := fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"result":%s}`, params)
	if string(m) != want {
		t.Fatalf("reply %.60q..., want %.60q...", m, want)
	}
	p.sync()
	mu.Lock()
	defer mu.Unlock()
	if len(out) == 0 || string(out[0]) != want {
		t.Fatalf("the hook saw %d messages, the first %.60q", len(out), out)
	}
}

package conn_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/lspkit/lspkit/conn"
)

// TestReadBufferReuse checks that the reader's reuse of a message's buffer
// (for the next message, when nothing refers to the last one) never
// overwrites what a handler or a caller holds: params kept by handlers, and
// results delivered to calls, stay as they came while messages without
// params, invalid messages and unknown notifications — whose buffers are
// reused — stream in between, of every size around theirs.
func TestReadBufferReuse(t *testing.T) {
	t.Parallel()
	between := []string{
		`{"jsonrpc":"2.0","method":"nothing"}`,
		`{"jsonrpc":"2.0","method":"ping","id":%d}`,
		`{"jsonrpc":"2.0","method":"ping","id":"s%d","params":null}`,
		`{"jsonrpc":"1.0","method":"bad","id":"b%d"}`,
		`{"jsonrpc":"2.0","method":"padded-%d-` + strings.Repeat("y", 60) + `"}`,
	}
	for _, fr := range framers {
		t.Run(fr.name, func(t *testing.T) {
			t.Parallel()
			var mu sync.Mutex
			var wg sync.WaitGroup
			var kept []json.RawMessage
			var got []json.RawMessage // results of our calls
			m := conn.NewMux()
			m.HandleFunc("keep", func(ctx context.Context, req *conn.Request) (any, error) {
				mu.Lock()
				kept = append(kept, req.Params)
				mu.Unlock()
				// And a call of our own, whose result the peer sends.
				wg.Go(func() {
					var res json.RawMessage
					if err := conn.FromContext(ctx).Call(context.Background(), "give", nil, &res); err == nil {
						mu.Lock()
						got = append(got, res)
						mu.Unlock()
					}
				})
				return nil, nil
			})
			m.HandleFunc("ping", func(context.Context, *conn.Request) (any, error) { return "pong", nil })
			_, p := serve(t, m, fr, conn.WithLogger(quietLog))
			const n = 40
			want := func(i int) string { return fmt.Sprintf(`[%d,"%s"]`, i, strings.Repeat("x", i)) }
			for i := range n {
				p.send(fmt.Sprintf(`{"jsonrpc":"2.0","method":"keep","params":%s}`, want(i)))
				// The call the handler makes: answer it, then more messages
				// whose buffers are reused.
				call := p.reply()
				if call.Method != "give" {
					t.Fatalf("got %+v, want a call of give", call)
				}
				p.send(fmt.Sprintf(`{"jsonrpc":"2.0","id":%s,"result":%s}`, call.ID, want(i)))
				for _, b := range between {
					if strings.Contains(b, "%d") {
						b = fmt.Sprintf(b, i)
					}
					p.send(b)
				}
				p.sync() // pings and the bad request answered; order checked below
			}
			wg.Wait()
			mu.Lock()
			defer mu.Unlock()
			if len(kept) != n {
				t.Fatalf("%d params kept, want %d", len(kept), n)
			}
			for i, k := range kept {
				if string(k) != want(i) {
					t.Errorf("params %d became %q, want %q", i, k, want(i))
				}
			}
			seen := map[string]bool{}
			for _, r := range got {
				seen[string(r)] = true
			}
			for i := range n {
				if !seen[want(i)] {
					t.Errorf("result %q missing or changed (got %d results)", want(i), len(got))
				}
			}
		})
	}
}

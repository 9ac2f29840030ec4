package conn_test

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lspkit/lspkit/conn"
)

// TestOrdering checks the ordering rules of the package doc, two messages at
// a time: the first blocks until the test lets it go; does the second start
// meanwhile? When it must not, it must start once the first has finished,
// and see what the first did.
func TestOrdering(t *testing.T) {
	t.Parallel()
	type message struct {
		request bool
		mode    conn.Mode
		release bool // the handler calls conn.Release before it blocks
	}
	var (
		req      = message{request: true}
		notif    = message{}
		exclReq  = message{request: true, mode: conn.Exclusive}
		concNot  = message{mode: conn.Concurrent}
		relNotif = message{release: true}
		relExcl  = message{request: true, mode: conn.Exclusive, release: true}
	)
	tests := []struct {
		name          string
		first, second message
		overlap       bool // the second starts while the first runs
	}{
		{"request after notification waits", notif, req, false},
		{"notification after notification waits", notif, notif, false},
		{"notification after request waits", req, notif, false},
		{"requests overlap", req, req, true},
		{"request after exclusive request waits", exclReq, req, false},
		{"exclusive request waits for a request", req, exclReq, false},
		{"concurrent notification runs beside a request", req, concNot, true},
		{"request runs beside a concurrent notification", concNot, req, true},
		{"concurrent notification waits for a notification", notif, concNot, false},
		{"released notification lets a request start", relNotif, req, true},
		{"released notification lets a notification start", relNotif, notif, true},
		{"released exclusive request lets a request start", relExcl, req, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var (
				gate          = make(chan struct{})
				firstStarted  = make(chan struct{}, 1)
				firstDone     atomic.Bool
				secondStarted = make(chan bool, 1) // whether the first had finished
			)
			first := conn.HandlerFunc(func(ctx context.Context, _ *conn.Request) (any, error) {
				firstStarted <- struct{}{}
				if tc.first.release {
					conn.Release(ctx)
				}
				select {
				case <-gate:
				case <-ctx.Done():
				}
				firstDone.Store(true)
				return "first", nil
			})
			second := conn.HandlerFunc(func(context.Context, *conn.Request) (any, error) {
				secondStarted <- firstDone.Load()
				return "second", nil
			})
			m := conn.NewMux()
			m.Handle("first", conn.WithMode(first, tc.first.mode))
			m.Handle("second", conn.WithMode(second, tc.second.mode))
			_, p := serve(t, m, framers[0])
			defer close(gate)

			p.send(encodeMsg("first", tc.first.request, 1))
			recv(t, firstStarted, "the first handler to start")
			p.send(encodeMsg("second", tc.second.request, 2))
			if tc.overlap {
				if recv(t, secondStarted, "the second handler to start while the first runs") {
					t.Error("the first handler had finished")
				}
				return
			}
			never(t, secondStarted, "the second handler started while the first ran")
			gate <- struct{}{}
			if !recv(t, secondStarted, "the second handler to start once the first finished") {
				t.Error("the second handler started before the first finished")
			}
		})
	}
}

// encodeMsg returns a request with the given id, or a notification.
func encodeMsg(method string, request bool, id int) string {
	if request {
		return fmt.Sprintf(`{"jsonrpc":"2.0","method":%q,"id":%d}`, method, id)
	}
	return fmt.Sprintf(`{"jsonrpc":"2.0","method":%q}`, method)
}

// TestNotificationEffectSeen is the rule's purpose: a request sees the state
// that a slow notification before it sets (didChange before hover).
func TestNotificationEffectSeen(t *testing.T) {
	t.Parallel()
	var (
		text       atomic.Value
		changing   = make(chan struct{}, 1)
		letChange  = make(chan struct{})
		hoverEarly = make(chan struct{}, 1)
		inChange   atomic.Bool
	)
	text.Store("old")
	m := conn.NewMux()
	m.Handle("didChange", conn.TypedNotification(func(ctx context.Context, p struct{ Text string }) error {
		inChange.Store(true)
		changing <- struct{}{}
		select {
		case <-letChange:
		case <-ctx.Done():
		}
		text.Store(p.Text)
		inChange.Store(false)
		return nil
	}))
	m.Handle("hover", conn.Typed(func(context.Context, struct{}) (string, error) {
		if inChange.Load() {
			hoverEarly <- struct{}{}
		}
		return text.Load().(string), nil
	}))
	_, p := serve(t, m, framers[0])
	p.send(`{"jsonrpc":"2.0","method":"didChange","params":{"text":"new"}}`)
	recv(t, changing, "didChange to start")
	p.send(`{"jsonrpc":"2.0","method":"hover","params":{},"id":1}`)
	never(t, hoverEarly, "hover ran during didChange")
	close(letChange)
	wantResult(t, p.reply(), "1", `"new"`)
}

// TestRequestsOverlap proves that requests run at once: each handler waits
// at a barrier that opens only when all of them are running.
func TestRequestsOverlap(t *testing.T) {
	t.Parallel()
	for _, n := range []int{2, 8, conn.DefaultMaxConcurrency} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			t.Parallel()
			var (
				arrived atomic.Int64
				all     = make(chan struct{})
			)
			m := conn.NewMux()
			m.HandleFunc("meet", func(ctx context.Context, _ *conn.Request) (any, error) {
				if arrived.Add(1) == int64(n) {
					close(all)
				}
				select {
				case <-all:
					return "met", nil
				case <-ctx.Done():
					return nil, ctx.Err()
				}
			})
			_, p := serve(t, m, framers[0])
			for i := range n {
				p.send(encodeMsg("meet", true, i))
			}
			for id, r := range p.replies(n) {
				wantResult(t, r, id, `"met"`)
			}
		})
	}
}

// holdServer serves "hold": a request that reports its start and waits
// until the test releases its id. It tracks how many run at once.
type holdServer struct {
	started  chan int
	mu       sync.Mutex
	release  map[int]chan struct{}
	running  atomic.Int64
	most     atomic.Int64
	finished atomic.Int64
}

func newHoldServer() *holdServer {
	return &holdServer{started: make(chan int, 1000), release: make(map[int]chan struct{})}
}

func (s *holdServer) ch(id int) chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, ok := s.release[id]
	if !ok {
		ch = make(chan struct{})
		s.release[id] = ch
	}
	return ch
}

func (s *holdServer) let(id int) { close(s.ch(id)) }

func (s *holdServer) ServeRPC(ctx context.Context, req *conn.Request) (any, error) {
	id, _ := strconv.Atoi(req.ID.String())
	n := s.running.Add(1)
	for m := s.most.Load(); n > m && !s.most.CompareAndSwap(m, n); m = s.most.Load() {
	}
	s.started <- id
	defer s.finished.Add(1)
	defer s.running.Add(-1)
	select {
	case <-s.ch(id):
		return id, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// TestMaxConcurrency checks that at most WithMaxConcurrency requests run at
// once, that the next starts as soon as one finishes, and in order.
func TestMaxConcurrency(t *testing.T) {
	t.Parallel()
	for _, limit := range []int{1, 2, 3} {
		t.Run(strconv.Itoa(limit), func(t *testing.T) {
			t.Parallel()
			s := newHoldServer()
			_, p := serve(t, s, framers[0], conn.WithMaxConcurrency(limit))
			total := limit + 3
			for id := 1; id <= total; id++ {
				p.send(encodeMsg("hold", true, id))
			}
			var got []int
			for range limit {
				got = append(got, recv(t, s.started, "a request to start"))
			}
			slices.Sort(got)
			if want := seq(1, limit); !slices.Equal(got, want) {
				t.Fatalf("started %v, want %v", got, want)
			}
			for id := 1; id <= total-limit; id++ {
				never(t, s.started, "a request started over the limit")
				s.let(id)
				if next := recv(t, s.started, "the next request to start"); next != id+limit {
					t.Fatalf("request %d started after %d finished, want %d", next, id, id+limit)
				}
			}
			for id := total - limit + 1; id <= total; id++ {
				s.let(id)
			}
			for id, r := range p.replies(total) {
				wantResult(t, r, id, id)
			}
			if most := s.most.Load(); most != int64(limit) {
				t.Errorf("%d ran at once, want %d", most, limit)
			}
		})
	}
}

// TestMaxConcurrencyUnderLoad checks the bound with many quick requests.
func TestMaxConcurrencyUnderLoad(t *testing.T) {
	t.Parallel()
	const limit, n = 4, 300
	var running, most atomic.Int64
	m := conn.NewMux()
	m.HandleFunc("work", func(context.Context, *conn.Request) (any, error) {
		r := running.Add(1)
		for m := most.Load(); r > m && !most.CompareAndSwap(m, r); m = most.Load() {
		}
		time.Sleep(100 * time.Microsecond) // widen the window in which a broken bound shows
		running.Add(-1)
		return nil, nil
	})
	_, client := connPair(t, m, nil, conn.WithMaxConcurrency(limit))
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			if err := client.Call(testCtx(t), "work", nil, nil); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got := most.Load(); got > limit || got < 2 {
		t.Errorf("at most %d ran at once, want between 2 and %d", got, limit)
	}
}

func seq(from, to int) []int {
	var s []int
	for i := from; i <= to; i++ {
		s = append(s, i)
	}
	return s
}

// countingWriter counts the writes that have completed on a pipe: with
// io.Pipe, a write completes only once the reader has taken all of it.
type countingWriter struct {
	w    io.Writer
	done atomic.Int64
}

func (c *countingWriter) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	if err == nil {
		c.done.Add(1)
	}
	return n, err
}

// waitCount waits until f() == want.
func waitCount(t testing.TB, f func() int64, want int64, what string) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for f() != want {
		if f() > want {
			t.Fatalf("%s: %d, more than %d", what, f(), want)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %d after %v, want %d", what, f(), wait, want)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestBackpressureQueue checks that when WithQueueLimit messages wait, the
// Conn stops reading (the peer's writes block), and resumes as handlers
// finish: memory is bounded by the limit, not by what the peer sends.
func TestBackpressureQueue(t *testing.T) {
	t.Parallel()
	for _, limit := range []int{1, 4} {
		t.Run(strconv.Itoa(limit), func(t *testing.T) {
			t.Parallel()
			s := newHoldServer()
			_, p := serve(t, s, framers[0], conn.WithMaxConcurrency(1), conn.WithQueueLimit(limit))
			const total = 20
			w := &countingWriter{w: p.end}
			sent := make(chan error, 1)
			go func() {
				for id := 1; id <= total; id++ {
					// One message per write, so that the Conn's read buffer
					// never holds more than the message it reads.
					if _, err := w.Write(framers[0].frame([]byte(encodeMsg("hold", true, id)))); err != nil {
						sent <- err
						return
					}
				}
				sent <- nil
			}()
			// One message runs, limit wait; the next write blocks.
			recv(t, s.started, "the first request to start")
			waitCount(t, w.done.Load, int64(1+limit), "messages read")
			never(t, sent, "the peer wrote everything while handlers were blocked")
			if got := w.done.Load(); got != int64(1+limit) {
				t.Fatalf("%d messages read, want %d", got, 1+limit)
			}
			// Each finished handler makes room for one more message.
			s.let(1)
			recv(t, s.started, "the second request to start")
			waitCount(t, w.done.Load, int64(2+limit), "messages read after one finished")
			for id := 2; id <= total; id++ {
				s.let(id)
			}
			if err := recv(t, sent, "the peer's writes to complete"); err != nil {
				t.Fatal(err)
			}
			for id, r := range p.replies(total) {
				wantResult(t, r, id, id)
			}
			if s.most.Load() != 1 {
				t.Errorf("%d ran at once, want 1", s.most.Load())
			}
		})
	}
}

// TestBackpressureOutbox checks the other bound: while the peer does not
// read our replies and they exceed WithOutboxLimit, the Conn stops reading;
// once the peer reads, everything goes through.
func TestBackpressureOutbox(t *testing.T) {
	t.Parallel()
	a, b := duplexPair()
	m := conn.NewMux()
	m.HandleFunc("echo", func(_ context.Context, req *conn.Request) (any, error) { return req.Params, nil })
	startConn(t, a, m, conn.WithOutboxLimit(1000))
	const total = 200
	payload := strings.Repeat("x", 500)
	w := &countingWriter{w: b}
	sent := make(chan error, 1)
	go func() {
		for id := 1; id <= total; id++ {
			msg := fmt.Sprintf(`{"jsonrpc":"2.0","method":"echo","params":[%q],"id":%d}`, payload, id)
			if _, err := w.Write(framers[0].frame([]byte(msg))); err != nil {
				sent <- err
				return
			}
		}
		sent <- nil
	}()
	// Nobody reads the replies: the first write of a reply blocks, the
	// outbox fills past its limit and reading stops.
	never(t, sent, "the peer wrote everything while nobody read the replies")
	stuck := w.done.Load()
	if stuck >= total/2 {
		t.Fatalf("%d of %d messages read while no reply could be written", stuck, total)
	}
	p := newPeer(t, b, framers[0])
	t.Cleanup(p.close)
	if err := recv(t, sent, "the peer's writes to complete"); err != nil {
		t.Fatal(err)
	}
	got := p.replies(total)
	if len(got) != total {
		t.Errorf("%d distinct replies, want %d", len(got), total)
	}
	t.Logf("%d messages read while the replies were stuck", stuck)
}

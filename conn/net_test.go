package conn_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/lspkit/lspkit/conn"
	"github.com/lspkit/lspkit/framing"
	"github.com/lspkit/lspkit/samples/arith"
	"go.uber.org/goleak"
)

// netWait bounds every wait of the socket tests.
const netWait = 10 * time.Second

var netQuiet = conn.WithLogger(slog.New(slog.DiscardHandler))

// netServe runs ServeListener on ln with arith in a goroutine; stop ends it
// and returns what it returned.
func netServe(t *testing.T, ln net.Listener, opts ...conn.Option) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- conn.ServeListener(ctx, ln, func() conn.Handler { return arith.New() }, append([]conn.Option{netQuiet}, opts...)...)
	}()
	return func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(netWait):
			t.Fatal("ServeListener did not return")
			return nil
		}
	}
}

// netClients dials n clients at once, has each keep its own running total
// on the server, and checks that each sees only its own.
func netClients(t *testing.T, network, addr string, n int, opts ...conn.Option) []*conn.Conn {
	t.Helper()
	clients := make([]*conn.Conn, n)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			c, err := conn.Dial(context.Background(), network, addr, nil, append([]conn.Option{netQuiet}, opts...)...)
			if err != nil {
				errs <- err
				return
			}
			clients[i] = c
			ctx, cancel := context.WithTimeout(context.Background(), netWait)
			defer cancel()
			if err := c.Notify(ctx, "notify_sum", []int{i, 100}); err != nil {
				errs <- err
				return
			}
			var total float64
			if err := c.Call(ctx, "get_total", nil, &total); err != nil || total != float64(i+100) {
				errs <- fmt.Errorf("client %d: total %v, %v", i, total, err)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		t.FailNow()
	}
	return clients
}

func TestServeListenerTCP(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	stop := netServe(t, ln)
	clients := netClients(t, "tcp", ln.Addr().String(), 8)

	// A client that leaves does not disturb the others.
	clients[0].Close()
	var sum float64
	if err := clients[1].Call(context.Background(), "sum", []int{1, 2}, &sum); err != nil || sum != 3 {
		t.Errorf("after another client left: %v %v", sum, err)
	}

	// A call in flight when the server stops fails with ErrClosed.
	callErr := make(chan error, 1)
	go func() { callErr <- clients[2].Call(context.Background(), "sleep", map[string]int{"ms": 60_000}, nil) }()
	time.Sleep(20 * time.Millisecond)
	if err := stop(); err != nil {
		t.Errorf("ServeListener: %v", err)
	}
	for i, c := range clients {
		select {
		case <-c.Done():
		case <-time.After(netWait):
			t.Fatalf("client %d still connected after the server stopped", i)
		}
	}
	if err := <-callErr; err == nil {
		t.Error("a call in flight when the server stopped succeeded")
	}
	if _, err := net.Dial("tcp", ln.Addr().String()); err == nil {
		t.Error("the listener is still open")
	}
}

func TestServeListenerUnix(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	path := filepath.Join(t.TempDir(), "rpc.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	stop := netServe(t, ln, conn.WithFramer(framing.Line()))
	clients := netClients(t, "unix", path, 5, conn.WithFramer(framing.Line()))
	if err := stop(); err != nil {
		t.Errorf("ServeListener: %v", err)
	}
	for _, c := range clients {
		<-c.Done()
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the socket file is left behind: %v", err)
	}
}

// flakyListener fails its first Accept with a temporary error, as when the
// process runs out of file descriptors.
type flakyListener struct {
	net.Listener
	once sync.Once
}

type tempErr struct{}

func (tempErr) Error() string   { return "accept: too many open files" }
func (tempErr) Temporary() bool { return true }
func (tempErr) Timeout() bool   { return false }

func (l *flakyListener) Accept() (net.Conn, error) {
	fail := false
	l.once.Do(func() { fail = true })
	if fail {
		return nil, tempErr{}
	}
	return l.Listener.Accept()
}

func TestServeListenerAcceptErrors(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	stop := netServe(t, &flakyListener{Listener: ln})
	netClients(t, "tcp", ln.Addr().String(), 1) // served despite the temporary error
	if err := stop(); err != nil {
		t.Error(err)
	}

	// A listener that fails for good ends ServeListener with its error.
	ln2, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln2.Close()
	err = conn.ServeListener(context.Background(), ln2, func() conn.Handler { return arith.New() })
	if !errors.Is(err, net.ErrClosed) {
		t.Errorf("closed listener: %v", err)
	}
}

func TestDial(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	stop := netServe(t, ln)
	defer stop()

	// Dial's context bounds the connection.
	ctx, cancel := context.WithCancel(context.Background())
	c, err := conn.Dial(ctx, "tcp", addr, nil, netQuiet)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Call(ctx, "sum", []int{1}, nil); err != nil {
		t.Fatal(err)
	}
	cancel()
	select {
	case <-c.Done():
	case <-time.After(netWait):
		t.Fatal("the connection outlived its context")
	}

	// Nothing listens: an error, no connection.
	free, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	free.Close()
	if _, err := conn.Dial(context.Background(), "tcp", free.Addr().String(), nil); err == nil {
		t.Error("dialing a closed port: no error")
	}
}

// Serve a Mux to any number of clients on a loopback port, each with its
// own handler, and dial it.
func ExampleServeListener() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	served := make(chan error, 1)
	go func() { served <- conn.ServeListener(ctx, ln, func() conn.Handler { return arith.New() }) }()

	c, err := conn.Dial(context.Background(), "tcp", ln.Addr().String(), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	var diff float64
	err = c.Call(context.Background(), "subtract", []int{42, 23}, &diff)
	fmt.Println(diff, err)

	stop() // closes the listener and every connection
	fmt.Println(<-served)
	<-c.Done()
	// Output:
	// 19 <nil>
	// <nil>
}

// Connect to an editor that listens on a Unix socket, as language servers
// launched with --pipe do.
func ExampleDial() {
	path := filepath.Join(os.TempDir(), fmt.Sprintf("lspkit-example-%d.sock", os.Getpid()))
	ln, err := net.Listen("unix", path)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ln.Close()
	go func() { // the editor's side
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		editor := conn.New(context.Background(), nc, nil)
		var sum float64
		editor.Call(context.Background(), "sum", []int{1, 2, 3}, &sum)
		fmt.Println("the server says", sum)
		editor.Close()
	}()

	server, err := conn.Dial(context.Background(), "unix", path, arith.New())
	if err != nil {
		fmt.Println(err)
		return
	}
	<-server.Done() // until the editor closes
	fmt.Println(server.Err())
	// Output:
	// the server says 6
	// <nil>
}

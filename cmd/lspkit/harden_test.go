package main

// Tests of the hardened transports of `lspkit serve`: HTTP connections
// that idle or trickle are closed, header blocks are bounded, statuses
// mapped, guards set from the command line; a WebSocket message over the
// limit costs no memory; a closed stdout ends the server cleanly. Each
// measures what it claims: connections closed, peak RSS.

import (
	"bufio"
	"context"
	be "encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// vmHWM returns the peak RSS of process pid in bytes, or skips the test
// where /proc does not tell it.
func vmHWM(t *testing.T, pid int) int64 {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Skipf("no /proc status to read the peak RSS from: %v", err)
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			f := strings.Fields(v)
			kb, err := strconv.ParseInt(f[0], 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Skip("no VmHWM in /proc/<pid>/status")
	return 0
}

// hostOf returns the host:port of a URL.
func hostOf(url string) string {
	_, rest, _ := strings.Cut(url, "://")
	host, _, _ := strings.Cut(rest, "/")
	return host
}

const sumBody = `{"jsonrpc":"2.0","id":1,"method":"sum","params":[1,2]}`

// closedWithin reads nc until the server closes it, at most d, and reports
// whether it did.
func closedWithin(nc net.Conn, d time.Duration) bool {
	nc.SetReadDeadline(time.Now().Add(d))
	_, err := io.Copy(io.Discard, nc)
	var ne net.Error
	return !(errors.As(err, &ne) && ne.Timeout())
}

// TestServeHTTPClosesIdleAndTrickling opens 100 keep-alive connections
// that go idle after a request, 50 that trickle a body a byte every 200 ms
// and 20 that trickle header lines: the server closes them all once
// --http-idle-timeout, --http-body-timeout and --http-header-timeout have
// passed. A handler that runs longer than the body
// timeout, after its body has come, still answers.
func TestServeHTTPClosesIdleAndTrickling(t *testing.T) {
	t.Parallel()
	s := startServe(t, "--http=:0", "--http-idle-timeout=1s", "--http-body-timeout=1s", "--http-header-timeout=1s")
	host := hostOf(s.announced(t))
	request := fmt.Sprintf("POST /rpc HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", host, len(sumBody), sumBody)

	var idle []net.Conn
	for range 100 {
		nc, err := net.Dial("tcp", host)
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		io.WriteString(nc, request)
		resp, err := http.ReadResponse(bufio.NewReader(nc), nil)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("keep-alive request: %v %v", resp, err)
		}
		io.Copy(io.Discard, resp.Body)
		idle = append(idle, nc)
	}
	var trickle []net.Conn
	stop := make(chan struct{})
	var wg sync.WaitGroup
	defer func() { close(stop); wg.Wait() }()
	for range 50 {
		nc, err := net.Dial("tcp", host)
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		fmt.Fprintf(nc, "POST /rpc HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{", host)
		trickle = append(trickle, nc)
		wg.Go(func() {
			tk := time.NewTicker(200 * time.Millisecond)
			defer tk.Stop()
			for {
				select {
				case <-stop:
					return
				case <-tk.C:
					if _, err := nc.Write([]byte(" ")); err != nil {
						return
					}
				}
			}
		})
	}
	var slowHeaders []net.Conn
	for range 20 {
		nc, err := net.Dial("tcp", host)
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		fmt.Fprintf(nc, "POST /rpc HTTP/1.1\r\nHost: %s\r\n", host)
		slowHeaders = append(slowHeaders, nc)
		wg.Go(func() {
			tk := time.NewTicker(200 * time.Millisecond)
			defer tk.Stop()
			for {
				select {
				case <-stop:
					return
				case <-tk.C:
					if _, err := nc.Write([]byte("X-Slow: 1\r\n")); err != nil {
						return
					}
				}
			}
		})
	}
	// A slow handler: its body comes at once, it runs 2 s, past the body
	// timeout, and must still answer.
	slow := make(chan error, 1)
	go func() {
		resp, err := http.Post("http://"+host+"/rpc", "application/json", strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"sleep","params":{"ms":2000}}`))
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if !strings.Contains(string(b), `"result"`) {
				err = fmt.Errorf("reply %s", b)
			}
		}
		slow <- err
	}()

	start := time.Now()
	count := func(conns []net.Conn) int {
		var n atomic.Int64
		var wg sync.WaitGroup
		for _, nc := range conns {
			wg.Go(func() {
				if closedWithin(nc, 5*time.Second-time.Since(start)) {
					n.Add(1)
				}
			})
		}
		wg.Wait()
		return int(n.Load())
	}
	idleClosed, trickleClosed, headersClosed := count(idle), count(trickle), count(slowHeaders)
	t.Logf("after %v: %d/100 idle, %d/50 trickling-body and %d/20 trickling-header connections closed",
		time.Since(start).Round(100*time.Millisecond), idleClosed, trickleClosed, headersClosed)
	if idleClosed != 100 || trickleClosed != 50 || headersClosed != 20 {
		t.Errorf("%d/100 idle, %d/50 trickling-body and %d/20 trickling-header connections closed within 5 s; want all", idleClosed, trickleClosed, headersClosed)
	}
	if err := <-slow; err != nil {
		t.Errorf("a handler running past the body timeout: %v", err)
	}
	s.stop(t)
}

// TestServeHTTPDefaults checks that the limits are on by default, as the
// help says.
func TestServeHTTPDefaults(t *testing.T) {
	t.Parallel()
	res := execLspkit(t, "", "serve", "arith", "--help")
	for _, want := range []string{
		"close a keep-alive connection idle this long between requests (default 30s)",
		"a body trickled in) (default 30s)", "(default 10s)", "(default 65536)", "(default 67108864)",
	} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("help does not say %q:\n%s", want, res.stdout)
		}
	}
	s := startServe(t, "--http=:0")
	host := hostOf(s.announced(t))
	// 100 KiB of headers: over the 64 KiB default.
	nc, err := net.Dial("tcp", host)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	fmt.Fprintf(nc, "POST /rpc HTTP/1.1\r\nHost: %s\r\nX-Big: %s\r\nContent-Length: %d\r\n\r\n%s", host, strings.Repeat("x", 100<<10), len(sumBody), sumBody)
	resp, err := http.ReadResponse(bufio.NewReader(nc), nil)
	if err != nil || resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("100 KiB of headers: %v %v; want 431", resp, err)
	}
	s.stop(t)
}

// TestServeHTTPStatusMapping checks --http-status-mapping.
func TestServeHTTPStatusMapping(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		mapping bool
		body    string
		want    int
	}{
		{false, `{"jsonrpc":"2.0","id":1,"method":"nope"}`, 200},
		{true, `{"jsonrpc":"2.0","id":1,"method":"nope"}`, 404},
		{true, `{"jsonrpc":"2.0","id":1,"method":"sum","params":"x"}`, 400},
		{true, `{oops`, 400},
		{true, `{"jsonrpc":"2.0","id":1,"method":"divide","params":[1,0]}`, 500},
		{true, sumBody, 200},
	} {
		t.Run(fmt.Sprint(tc.mapping, tc.body), func(t *testing.T) {
			t.Parallel()
			args := []string{"--http=:0"}
			if tc.mapping {
				args = append(args, "--http-status-mapping")
			}
			s := startServe(t, args...)
			resp, err := http.Post(s.announced(t), "application/json", strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Errorf("status %d, want %d", resp.StatusCode, tc.want)
			}
			s.stop(t)
		})
	}
}

// TestServeGuards checks --token-file, --token-env and --rate-limit over
// HTTP and WebSocket.
func TestServeGuards(t *testing.T) {
	t.Parallel()
	tokenFile := filepath.Join(t.TempDir(), "token")
	writeTestFile(t, tokenFile, "s3cret\n")
	post := func(url, token string) int {
		req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(sumBody))
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	t.Run("token file", func(t *testing.T) {
		t.Parallel()
		s := startServe(t, "--http=:0", "--token-file", tokenFile)
		url := s.announced(t)
		if got := post(url, ""); got != 401 {
			t.Errorf("no token: %d, want 401", got)
		}
		if got := post(url, "wrong"); got != 401 {
			t.Errorf("wrong token: %d, want 401", got)
		}
		if got := post(url, "s3cret"); got != 200 {
			t.Errorf("right token: %d, want 200", got)
		}
		s.stop(t)
	})
	t.Run("token env, ws", func(t *testing.T) {
		t.Parallel()
		s := startServeEnv(t, []string{"LSPKIT_TEST_TOKEN=envtoken"}, "--ws=:0", "--token-env", "LSPKIT_TEST_TOKEN")
		url := s.announced(t)
		ctx, cancel := context.WithTimeout(context.Background(), transportWait)
		defer cancel()
		if _, resp, err := websocket.Dial(ctx, url, nil); err == nil || resp == nil || resp.StatusCode != 401 {
			t.Errorf("no token: %v %v; want 401", resp, err)
		}
		res := execLspkit(t, "", "call", "-H", "Authorization: Bearer envtoken", "--method", "sum", "--params", "[1,2]", url)
		if res.code != 0 || res.stdout != "3\n" {
			t.Errorf("with the token: exit %d, stdout %q, stderr %q", res.code, res.stdout, res.stderr)
		}
		s.stop(t)
	})
	t.Run("rate limit", func(t *testing.T) {
		t.Parallel()
		s := startServe(t, "--http=:0", "--rate-limit=0.1", "--rate-burst=3")
		url := s.announced(t)
		var codes []int
		for range 5 {
			codes = append(codes, post(url, ""))
		}
		if fmt.Sprint(codes) != "[200 200 200 429 429]" {
			t.Errorf("statuses %v; want 3 allowed, then 429", codes)
		}
		s.stop(t)
	})
	t.Run("refused flags", func(t *testing.T) {
		t.Parallel()
		for _, tc := range []struct {
			args []string
			want string
		}{
			{[]string{"--listen=:0", "--token-file", tokenFile}, "--token-file goes with --http or --ws"},
			{[]string{"--http=:0", "--token-file", tokenFile, "--token-env", "X"}, "conflict"},
			{[]string{"--http=:0", "--token-env", "LSPKIT_NO_SUCH_VARIABLE"}, "not set or empty"},
			{[]string{"--http=:0", "--token-file", filepath.Join(t.TempDir(), "none")}, "--token-file"},
			{[]string{"--ws=:0", "--http-status-mapping"}, "goes with --http, not --ws"},
			{[]string{"--http=:0", "--http-idle-timeout=0s"}, "must be positive"},
			{[]string{"--http=:0", "--rate-burst=3"}, "--rate-burst goes with --rate-limit"},
		} {
			res := execLspkit(t, "", append([]string{"serve", "arith"}, tc.args...)...)
			if res.code == 0 || !strings.Contains(res.stderr, tc.want) {
				t.Errorf("%v: exit %d, stderr %q; want %q", tc.args, res.code, res.stderr, tc.want)
			}
		}
	})
}

// wsRaw is a WebSocket client written by hand: its frames are masked with
// a zero key, so a large payload streams from a small buffer as it is.
type wsRaw struct {
	nc net.Conn
	br *bufio.Reader
}

func dialWSRaw(t *testing.T, url string) *wsRaw {
	t.Helper()
	host := hostOf(url)
	nc, err := net.Dial("tcp", host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	nc.SetDeadline(time.Now().Add(2 * transportWait))
	fmt.Fprintf(nc, "GET / HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", host)
	br := bufio.NewReader(nc)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("handshake: %v %v", resp, err)
	}
	return &wsRaw{nc: nc, br: br}
}

// send sends a text message of n bytes, each fill.
func (w *wsRaw) send(t *testing.T, n int, fill []byte) {
	t.Helper()
	h := []byte{0x81, 0x80 | 127, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	be.BigEndian.PutUint64(h[2:10], uint64(n))
	if _, err := w.nc.Write(h); err != nil {
		t.Fatal(err)
	}
	for sent := 0; sent < n; sent += len(fill) {
		if _, err := w.nc.Write(fill[:min(len(fill), n-sent)]); err != nil {
			t.Fatal(err)
		}
	}
}

// read reads one small text message from the server.
func (w *wsRaw) read(t *testing.T) string {
	t.Helper()
	var h [2]byte
	if _, err := io.ReadFull(w.br, h[:]); err != nil {
		t.Fatal(err)
	}
	n := int(h[1] & 0x7f)
	if n == 126 {
		var b [2]byte
		io.ReadFull(w.br, b[:])
		n = int(be.BigEndian.Uint16(b[:]))
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(w.br, body); err != nil {
		t.Fatal(err)
	}
	return string(body)
}

// TestServeWSTooLargeRSS sends four 80 MiB messages, over the 64 MiB
// default, to `lspkit serve arith --ws`: each is refused with a JSON-RPC
// error, the connection goes on, and the server's peak RSS stays far
// below one message.
func TestServeWSTooLargeRSS(t *testing.T) {
	t.Parallel()
	s := startServe(t, "--ws=:0")
	w := dialWSRaw(t, s.announced(t))
	fill := []byte(strings.Repeat(" ", 1<<20))
	for i := range 4 {
		w.send(t, 80<<20, fill)
		if msg := w.read(t); !strings.Contains(msg, `"code":-32600`) {
			t.Fatalf("message %d: %s; want a -32600 error", i, msg)
		}
	}
	w.send(t, len(sumBody), []byte(sumBody))
	if msg := w.read(t); !strings.Contains(msg, `"result":3`) {
		t.Fatalf("after: %s", msg)
	}
	const limit = 40 << 20
	if rss := vmHWM(t, s.cmd.Process.Pid); rss >= limit {
		t.Errorf("peak RSS %d MiB after four refused 80 MiB messages; want < %d MiB", rss>>20, limit>>20)
	} else {
		t.Logf("peak RSS %d MiB after four refused 80 MiB messages", rss>>20)
	}
	s.stop(t)
}

// TestServeStdioBrokenPipe closes the server's stdout while it has replies
// to write: it ends with a log line that says so and exit status
// exitBrokenPipe, not killed by SIGPIPE.
func TestServeStdioBrokenPipe(t *testing.T) {
	t.Parallel()
	cmd := exec.Command(lspkitBinary(t), "serve", "arith", "--framing", "line")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stdout.Close() // the reader goes away
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	go func() {
		for range 50 {
			if _, err := io.WriteString(stdin, sumBody+"\n"); err != nil {
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()
	select {
	case <-done:
	case <-time.After(transportWait):
		cmd.Process.Kill()
		<-done
		t.Fatalf("still running after its stdout was closed\n%s", stderr.String())
	}
	stdin.Close()
	ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
	if ws.Signaled() {
		t.Fatalf("killed by %v; want an exit status\n%s", ws.Signal(), stderr.String())
	}
	if code := ws.ExitStatus(); code != exitBrokenPipe || !strings.Contains(stderr.String(), "stdout was closed by the client (broken pipe)") {
		t.Errorf("exit status %d, stderr %q; want %d and a line that says why", code, stderr.String(), exitBrokenPipe)
	}
}

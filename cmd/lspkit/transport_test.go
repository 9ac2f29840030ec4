package main

// Tests of the transports of `lspkit serve`, launched as editors launch
// servers: the built lspkit binary (lspkitBinary, main_test.go) connects to
// a port or a Unix socket the test listens on, or listens itself, always on
// loopback.

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/lspkit/lspkit/conn"
	"github.com/lspkit/lspkit/conn/httprpc"
	"github.com/lspkit/lspkit/conn/wsrpc"
	"github.com/lspkit/lspkit/framing"
)

// transportWait bounds every wait of these tests.
const transportWait = 15 * time.Second

// served is a running `lspkit serve` process.
type served struct {
	cmd    *exec.Cmd
	done   chan struct{} // closed once it has exited
	addr   chan string   // what its announcement names, once
	mu     sync.Mutex
	stderr bytes.Buffer
}

var announceRE = regexp.MustCompile(`serving JSON-RPC (?:on tcp |on unix |over HTTP at |over WebSocket at )(\S+)`)

// startServe starts `lspkit serve arith` with args; the test's cleanup
// kills it if it still runs.
func startServe(t *testing.T, args ...string) *served {
	t.Helper()
	return startServeEnvOf(t, "arith", nil, args...)
}

// startServeEnv is startServe with variables added to the environment.
func startServeEnv(t *testing.T, env []string, args ...string) *served {
	t.Helper()
	return startServeEnvOf(t, "arith", env, args...)
}

// startServeOf starts `lspkit serve` of server (arith, calc) with args; the
// test's cleanup kills it if it still runs.
func startServeOf(t *testing.T, server string, args ...string) *served {
	t.Helper()
	return startServeEnvOf(t, server, nil, args...)
}

// startServeEnvOf starts `lspkit serve` of server with variables added to
// the environment, and args; the test's cleanup kills it if it still runs.
func startServeEnvOf(t *testing.T, server string, env []string, args ...string) *served {
	t.Helper()
	s := &served{done: make(chan struct{}), addr: make(chan string, 1)}
	s.cmd = exec.Command(lspkitBinary(t), append([]string{"serve", server}, args...)...)
	s.cmd.Env = append(os.Environ(), env...)
	stderr, err := s.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdin, err := s.cmd.StdinPipe() // held open: stdio must not be what ends it
	if err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			s.mu.Lock()
			s.stderr.WriteString(line + "\n")
			s.mu.Unlock()
			if m := announceRE.FindStringSubmatch(line); m != nil {
				select {
				case s.addr <- m[1]:
				default:
				}
			}
		}
		s.cmd.Wait()
		close(s.done)
	}()
	t.Cleanup(func() {
		stdin.Close()
		s.cmd.Process.Kill()
		<-s.done
	})
	return s
}

func (s *served) log() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stderr.String()
}

// announced waits for the address the process announces.
func (s *served) announced(t *testing.T) string {
	t.Helper()
	select {
	case a := <-s.addr:
		return a
	case <-s.done:
		t.Fatalf("lspkit exited before listening: %v\n%s", s.cmd.ProcessState, s.log())
	case <-time.After(transportWait):
		t.Fatalf("lspkit announced no address\n%s", s.log())
	}
	return ""
}

// exited waits for the process to exit and returns its exit status.
func (s *served) exited(t *testing.T) int {
	t.Helper()
	select {
	case <-s.done:
		return s.cmd.ProcessState.ExitCode()
	case <-time.After(transportWait):
		t.Fatalf("lspkit still runs\n%s", s.log())
		return 0
	}
}

// stop sends SIGTERM and checks that the process exits cleanly.
func (s *served) stop(t *testing.T) {
	t.Helper()
	s.cmd.Process.Signal(syscall.SIGTERM)
	if code := s.exited(t); code != 0 {
		t.Errorf("exit status %d after SIGTERM\n%s", code, s.log())
	}
}

// accept accepts one connection within the tests' bound.
func accept(t *testing.T, ln net.Listener, s *served) net.Conn {
	t.Helper()
	type result struct {
		nc  net.Conn
		err error
	}
	ch := make(chan result, 1)
	go func() {
		nc, err := ln.Accept()
		ch <- result{nc, err}
	}()
	select {
	case r := <-ch:
		if r.err != nil {
			t.Fatal(r.err)
		}
		return r.nc
	case <-s.done:
		t.Fatalf("lspkit exited without connecting: %v\n%s", s.cmd.ProcessState, s.log())
	case <-time.After(transportWait):
		ln.Close()
		t.Fatalf("lspkit did not connect\n%s", s.log())
	}
	return nil
}

var quietLog = conn.WithLogger(slog.New(slog.DiscardHandler))

// exercise makes calls to an arith server over c, checking that it keeps
// state between them and answers errors.
func exercise(t *testing.T, c *conn.Conn, seed int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), transportWait)
	defer cancel()
	var diff float64
	if err := c.Call(ctx, "subtract", []int{42, 23}, &diff); err != nil || diff != 19 {
		t.Fatalf("subtract: %v, %v", diff, err)
	}
	if err := c.Notify(ctx, "notify_sum", []int{seed, 1000}); err != nil {
		t.Fatal(err)
	}
	var total float64
	if err := c.Call(ctx, "get_total", nil, &total); err != nil || total != float64(seed+1000) {
		t.Errorf("get_total: %v, %v (want %d: each client its own state)", total, err, seed+1000)
	}
	if err := c.Call(ctx, "divide", []int{1, 0}, nil); !errors.Is(err, conn.NewError(-32000, "")) {
		t.Errorf("divide by zero: %v", err)
	}
}

// TestServeSocket launches the server as vscode-languageclient's
// TransportKind.socket does: the editor listens, and the server connects
// to it with --socket=PORT.
func TestServeSocket(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	s := startServe(t, "--socket="+port)
	c := conn.New(context.Background(), accept(t, ln, s), nil, quietLog)
	exercise(t, c, 1)
	c.Close() // the editor leaves: the server ends, cleanly
	if code := s.exited(t); code != 0 {
		t.Errorf("exit status %d\n%s", code, s.log())
	}
}

// TestServePipe launches the server as TransportKind.pipe does on Unix:
// --pipe names the editor's Unix socket.
func TestServePipe(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lsp.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	s := startServe(t, "--pipe="+path, "--framing", "line")
	c := conn.New(context.Background(), accept(t, ln, s), nil, quietLog, conn.WithFramer(framing.Line()))
	exercise(t, c, 2)
	c.Close()
	if code := s.exited(t); code != 0 {
		t.Errorf("exit status %d\n%s", code, s.log())
	}
}

// TestServeListen serves several clients at once, each with its own
// state, on a loopback port and on a Unix socket.
func TestServeListen(t *testing.T) {
	for _, c := range []struct{ name, flag, network string }{
		{"tcp", "--listen=:0", "tcp"},
		{"unix", "--listen=" + filepath.Join(t.TempDir(), "rpc.sock"), "unix"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := startServe(t, c.flag)
			addr := s.announced(t)
			if c.network == "tcp" && !strings.HasPrefix(addr, "127.0.0.1:") {
				t.Errorf("listening on %s, want loopback", addr)
			}
			var clients []*conn.Conn
			for i := range 3 {
				cl, err := conn.Dial(context.Background(), c.network, addr, nil, quietLog)
				if err != nil {
					t.Fatal(err)
				}
				clients = append(clients, cl)
				exercise(t, cl, i)
			}
			s.stop(t)
			for _, cl := range clients {
				select {
				case <-cl.Done():
				case <-time.After(transportWait):
					t.Fatal("a client is still connected after the server exited")
				}
			}
		})
	}
}

// TestServeHTTP serves JSON-RPC over HTTP at /rpc.
func TestServeHTTP(t *testing.T) {
	s := startServe(t, "--http", ":0")
	url := s.announced(t)
	if !strings.HasPrefix(url, "http://127.0.0.1:") || !strings.HasSuffix(url, "/rpc") {
		t.Fatalf("serving at %s", url)
	}
	ctx, cancel := context.WithTimeout(context.Background(), transportWait)
	defer cancel()
	c := httprpc.NewClient(url)
	var diff float64
	if err := c.Call(ctx, "subtract", map[string]int{"minuend": 42, "subtrahend": 23}, &diff); err != nil || diff != 19 {
		t.Errorf("subtract: %v, %v", diff, err)
	}
	// State is shared by all HTTP requests: one handler serves them all.
	if err := c.Notify(ctx, "notify_sum", []int{3, 4}); err != nil {
		t.Fatal(err)
	}
	var total float64
	if err := c.Call(ctx, "get_total", nil, &total); err != nil || total != 7 {
		t.Errorf("get_total: %v, %v", total, err)
	}
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET: %d", resp.StatusCode)
	}
	s.stop(t)
}

// TestServeWebSocket serves JSON-RPC over WebSocket.
func TestServeWebSocket(t *testing.T) {
	s := startServe(t, "--ws=127.0.0.1:0")
	url := s.announced(t)
	if !strings.HasPrefix(url, "ws://127.0.0.1:") {
		t.Fatalf("serving at %s", url)
	}
	c, err := wsrpc.Dial(context.Background(), url, nil, wsrpc.WithConnOptions(quietLog))
	if err != nil {
		t.Fatal(err)
	}
	exercise(t, c, 3)
	s.stop(t) // closes the WebSocket with a close frame
	select {
	case <-c.Done():
		if c.Err() != nil {
			t.Errorf("the server's close was not clean: %v", c.Err())
		}
	case <-time.After(transportWait):
		t.Fatal("the client is still connected after the server exited")
	}
}

// TestServeClientProcessID checks that the server exits promptly once the
// editor process named by --clientProcessId has exited, though its stdin
// is open, and that until then the watch does not wake the idle process:
// for a JSON-RPC server (arith) and a language server (calc, through
// lsp.WithClientProcessID).
func TestServeClientProcessID(t *testing.T) {
	for _, server := range []string{"arith", "calc"} {
		t.Run(server, func(t *testing.T) {
			t.Parallel()
			editor := exec.Command("sleep", "60")
			if err := editor.Start(); err != nil {
				t.Skip("no sleep command:", err)
			}
			t.Cleanup(func() { editor.Process.Kill(); editor.Wait() })
			s := startServeOf(t, server, "--clientProcessId="+strconv.Itoa(editor.Process.Pid))
			time.Sleep(time.Second) // the runtime settles after start-up
			select {
			case <-s.done:
				t.Fatalf("lspkit exited while the client process lives\n%s", s.log())
			default:
			}
			if runtime.GOOS == "linux" {
				before := contextSwitches(t, s.cmd.Process.Pid)
				time.Sleep(idleWindow)
				if n := contextSwitches(t, s.cmd.Process.Pid) - before; n > maxIdleSwitches {
					t.Errorf("the idle server was switched in %d times in %v, want at most %d", n, idleWindow, maxIdleSwitches)
				} else {
					t.Logf("the idle server was switched in %d times in %v", n, idleWindow)
				}
			}
			editor.Process.Kill()
			editor.Wait() // reaped, as an editor's parent would
			start := time.Now()
			if code := s.exited(t); code == 0 {
				t.Errorf("exit status 0; want a failure that says why")
			}
			if d := time.Since(start); d > time.Second {
				t.Errorf("exited %v after the client process", d)
			} else {
				t.Logf("exited %v after the client process", d)
			}
			if !strings.Contains(s.log(), "client process") {
				t.Errorf("stderr does not say why:\n%s", s.log())
			}
		})
	}
}

// idleWindow is how long TestServeClientProcessID watches the idle
// server, and maxIdleSwitches how often its threads may run meanwhile
// (the runtime's own rare work, such as returning memory to the system
// after start-up, more of it on a loaded machine): a watch that polled even
// twice a second would run them at least six times.
const (
	idleWindow      = 3 * time.Second
	maxIdleSwitches = 4
)

// contextSwitches returns how many times the threads of process pid have
// been switched in so far (Linux: the voluntary and involuntary context
// switches of every task in /proc/PID/task).
func contextSwitches(t *testing.T, pid int) int {
	t.Helper()
	tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/status", pid))
	if err != nil || len(tasks) == 0 {
		t.Fatalf("no tasks of process %d: %v", pid, err)
	}
	n := 0
	for _, task := range tasks {
		data, err := os.ReadFile(task)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(data), "\n") {
			if name, value, ok := strings.Cut(line, ":"); ok && strings.HasSuffix(name, "ctxt_switches") {
				v, err := strconv.Atoi(strings.TrimSpace(value))
				if err != nil {
					t.Fatalf("%s: %q", task, line)
				}
				n += v
			}
		}
	}
	return n
}

// TestServeStdioUnchanged checks that stdio stays the default and that
// --stdio is still accepted.
func TestServeStdioUnchanged(t *testing.T) {
	req := `{"jsonrpc":"2.0","id":1,"method":"subtract","params":[42,23]}` + "\n"
	for _, args := range [][]string{
		{"serve", "arith", "--framing", "line"},
		{"serve", "arith", "--framing", "line", "--stdio"},
		{"serve", "arith", "--framing=line", "--stdio", "--clientProcessId=" + strconv.Itoa(os.Getpid())},
	} {
		res := execLspkit(t, req, args...)
		if res.code != 0 || strings.TrimSpace(res.stdout) != `{"jsonrpc":"2.0","id":1,"result":19}` {
			t.Errorf("%v: status %d, stdout %q, stderr %q", args, res.code, res.stdout, res.stderr)
		}
	}
}

// TestTransportFlagErrors checks that conflicting or bad transport flags
// are refused with a clear error before anything is served.
func TestTransportFlagErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--socket=5000", "--pipe=/tmp/x"}, "--socket and --pipe conflict"},
		{[]string{"--http=:0", "--ws=:0"}, "--http and --ws conflict"},
		{[]string{"--listen=:0", "--http=:0", "--ws=:0"}, "--listen and --http and --ws conflict"},
		{[]string{"--stdio", "--listen=:0"}, "--stdio and --listen conflict"},
		{[]string{"--stdio=true", "--socket=5000"}, "--stdio and --socket conflict"},
		{[]string{"--framing=line", "--http=:0"}, "--framing and --http conflict"},
		{[]string{"--framing=header", "--ws=:0"}, "--framing and --ws conflict"},
		{[]string{"--socket=0"}, "--socket must be a port"},
		{[]string{"--socket=70000"}, "--socket must be a port"},
		{[]string{"--pipe="}, "--pipe needs"},
		{[]string{"--listen=nonsense"}, "--listen: want host:port"},
		{[]string{"--http=a:b:c"}, "--http: want host:port"},
		{[]string{"--clientProcessId=-3"}, "--clientProcessId must be"},
	} {
		root := newRoot()
		root.SetArgs(append([]string{"serve", "arith"}, c.args...))
		root.SetOut(io.Discard)
		root.SetErr(io.Discard)
		ctx, cancel := context.WithTimeout(context.Background(), transportWait)
		err := root.ExecuteContext(ctx)
		cancel()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want %q", c.args, err, c.want)
		}
	}
}

func TestLoopbackAddr(t *testing.T) {
	for in, want := range map[string]string{
		":7000":         "127.0.0.1:7000",
		"7000":          "127.0.0.1:7000",
		":0":            "127.0.0.1:0",
		"0.0.0.0:7000":  "0.0.0.0:7000",
		"localhost:80":  "localhost:80",
		"[::1]:7000":    "[::1]:7000",
		"127.0.0.1:123": "127.0.0.1:123",
	} {
		if got, err := loopbackAddr("--listen", in); err != nil || got != want {
			t.Errorf("%q: %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestWatchProcess(t *testing.T) {
	logger := slog.New(slog.DiscardHandler)
	ctx, stop := watchProcess(context.Background(), os.Getpid(), logger)
	time.Sleep(50 * time.Millisecond)
	if ctx.Err() != nil {
		t.Error("our own process taken for dead")
	}
	stop()
	if !errors.Is(ctx.Err(), context.Canceled) || context.Cause(ctx) != context.Canceled {
		t.Errorf("after stop: %v, cause %v", ctx.Err(), context.Cause(ctx))
	}

	p := exec.Command(lspkitBinary(t), "--help")
	p.Stdout = io.Discard
	if err := p.Run(); err != nil {
		t.Fatal(err)
	}
	ctx, stop = watchProcess(context.Background(), p.Process.Pid, logger)
	defer stop()
	select {
	case <-ctx.Done():
		if !errors.Is(context.Cause(ctx), errClientExited) {
			t.Errorf("cause: %v", context.Cause(ctx))
		}
	case <-time.After(transportWait):
		t.Error("an exited process taken for alive")
	}
}

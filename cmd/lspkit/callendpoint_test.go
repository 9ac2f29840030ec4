package main

// Tests of `lspkit call` against servers of each kind, started by the
// tests: a JSON-RPC handler written with plain net/http, Node's http
// module, lspkit's own --http, --ws and --listen, and servers made to
// break the protocol in one way each.

import (
	"bufio"
	"context"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/lspkit/lspkit/conn"
	"github.com/lspkit/lspkit/conn/wsrpc"
	"github.com/lspkit/lspkit/samples/arith"
)

// goRPCHandler is a JSON-RPC 2.0 handler written the way a Go programmer
// writes one with net/http alone: decode, switch on the method, encode.
// It takes single requests and batches; it checks a bearer token if want
// is not empty.
func goRPCHandler(wantToken string) http.Handler {
	type request struct {
		JSONRPC string           `json:"jsonrpc"`
		ID      *json.RawMessage `json:"id"`
		Method  string           `json:"method"`
		Params  json.RawMessage  `json:"params"`
	}
	type rpcError struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	}
	type response struct {
		JSONRPC string           `json:"jsonrpc"`
		ID      *json.RawMessage `json:"id"`
		Result  any              `json:"result,omitempty"`
		Error   *rpcError        `json:"error,omitempty"`
	}
	handle := func(req request) *response {
		resp := &response{JSONRPC: "2.0", ID: req.ID}
		switch req.Method {
		case "subtract":
			var p [2]float64
			if err := json.Unmarshal(req.Params, &p); err != nil {
				resp.Error = &rpcError{-32602, "Invalid params"}
			} else {
				resp.Result = p[0] - p[1]
			}
		case "log":
			// a notification
		default:
			resp.Error = &rpcError{-32601, "Method not found"}
		}
		if req.ID == nil {
			return nil
		}
		return resp
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "POST only", http.StatusMethodNotAllowed)
			return
		}
		if wantToken != "" && r.Header.Get("Authorization") != "Bearer "+wantToken {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		var out any
		if strings.HasPrefix(strings.TrimSpace(string(body)), "[") {
			var reqs []request
			if err := json.Unmarshal(body, &reqs); err != nil {
				out = response{JSONRPC: "2.0", Error: &rpcError{-32700, "Parse error"}}
			} else {
				var resps []*response
				for _, req := range reqs {
					if resp := handle(req); resp != nil {
						resps = append(resps, resp)
					}
				}
				if len(resps) > 0 {
					out = resps
				}
			}
		} else {
			var req request
			if err := json.Unmarshal(body, &req); err != nil {
				out = response{JSONRPC: "2.0", Error: &rpcError{-32700, "Parse error"}}
			} else if resp := handle(req); resp != nil {
				out = resp
			}
		}
		if out == nil {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(out)
	})
}

// startNodeServer starts testdata/nodehttp/server.js and returns its URL;
// it skips the test where there is no node.
func startNodeServer(t *testing.T) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("no node to run testdata/nodehttp/server.js (.ci/run installs it):", err)
	}
	cmd := exec.Command(node, filepath.Join("testdata", "nodehttp", "server.js"), "0")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(transportWait):
			cmd.Process.Kill()
			<-done
		}
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	port, ok := strings.CutPrefix(strings.TrimSpace(line), "listening ")
	if err != nil || !ok {
		t.Fatalf("node server: %q, %v", line, err)
	}
	return "http://127.0.0.1:" + port + "/rpc"
}

// TestCallEndpoints calls a server of each kind: a result, an error reply,
// a batch with a notification in it.
func TestCallEndpoints(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		url  func(t *testing.T) string
	}{
		{"go net/http", func(t *testing.T) string {
			srv := httptest.NewServer(goRPCHandler(""))
			t.Cleanup(srv.Close)
			return srv.URL + "/rpc"
		}},
		{"node http", startNodeServer},
		{"lspkit serve --http", func(t *testing.T) string { return startServe(t, "--http=:0").announced(t) }},
		{"lspkit serve --ws", func(t *testing.T) string { return startServe(t, "--ws=:0").announced(t) }},
		{"lspkit serve --listen tcp", func(t *testing.T) string { return "tcp://" + startServe(t, "--listen=:0").announced(t) }},
		{"lspkit serve --listen unix", func(t *testing.T) string {
			dir, err := os.MkdirTemp("", "lspkit") // short: a socket path has a small limit
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { os.RemoveAll(dir) })
			return "unix://" + startServe(t, "--listen="+filepath.Join(dir, "s")).announced(t)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			url := tc.url(t)
			res := execLspkit(t, "", "call", "--method", "subtract", "--params", "[42,23]", "--", url)
			if res.code != 0 || res.stdout != "19\n" {
				t.Errorf("subtract: exit %d, stdout %q; want 0 and 19; stderr:\n%s", res.code, res.stdout, res.stderr)
			}
			res = execLspkit(t, "", "call", "--method", "no_such_method", url) // a URL needs no --
			if res.code != exitErrorReply || !strings.Contains(res.stderr, `"code": -32601`) || strings.Contains(res.stderr, "wrong") {
				t.Errorf("unknown method: exit %d, stderr %q; want %d and the -32601 error", res.code, res.stderr, exitErrorReply)
			}
			calls := `[{"method":"subtract","params":[5,3]},{"method":"log","params":["x"],"notify":true},{"method":"subtract","params":[1,1]}]`
			res = execLspkit(t, calls, "call", "--file", "-", "--batch", "--", url)
			if res.code != 0 || res.stdout != "2\n0\n" {
				t.Errorf("batch: exit %d, stdout %q; want 0 and 2, 0; stderr:\n%s", res.code, res.stdout, res.stderr)
			}
		})
	}
}

// TestCallHeaders sends -H headers over HTTP.
func TestCallHeaders(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(goRPCHandler("s3cret"))
	defer srv.Close()
	res := execLspkit(t, "", "call", "-H", "Authorization: Bearer s3cret", "--method", "subtract", "--params", "[2,1]", srv.URL)
	if res.code != 0 || res.stdout != "1\n" {
		t.Errorf("with the token: exit %d, stdout %q, stderr %q", res.code, res.stdout, res.stderr)
	}
	res = execLspkit(t, "", "call", "--method", "subtract", "--params", "[2,1]", srv.URL)
	if res.code != exitBroken || !strings.Contains(res.stderr, "HTTP 401") {
		t.Errorf("without the token: exit %d, stderr %q; want %d and HTTP 401", res.code, res.stderr, exitBroken)
	}
	for _, bad := range [][]string{
		{"-H", "no colon", "http://127.0.0.1:1/"},
		{"-H", "A: b", "tcp://127.0.0.1:1"},
		{"--framing", "line", "http://127.0.0.1:1/"},
	} {
		res := execLspkit(t, "", cmdline("call", "--method", "m", bad)...)
		if res.code != exitUsage {
			t.Errorf("%v: exit %d, want %d; stderr %q", bad, res.code, exitUsage, res.stderr)
		}
	}
}

// fixedHTTP is a server that answers every POST with status, Content-Type
// and a body in which ID stands for the id of the request (or, in a
// batch, of its first request).
func fixedHTTP(t *testing.T, status int, ctype, body string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", ctype)
		w.WriteHeader(status)
		io.WriteString(w, strings.ReplaceAll(body, "ID", firstID(req)))
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// firstID returns the id of a request, or of a batch's first request.
func firstID(req []byte) string {
	var one struct{ ID json.RawMessage }
	if json.Unmarshal(req, &one) == nil && one.ID != nil {
		return string(one.ID)
	}
	var many []struct{ ID json.RawMessage }
	if json.Unmarshal(req, &many) == nil {
		for _, m := range many {
			if m.ID != nil {
				return string(m.ID)
			}
		}
	}
	return "null"
}

// fixedTCP is a line-framed TCP server that answers every request with
// body, ID standing for the request's id.
func fixedTCP(t *testing.T, body string) string {
	return fixedTCPAll(t, body, false)
}

// fixedTCPAll is fixedTCP that answers notifications too if all is true.
func fixedTCPAll(t *testing.T, body string, all bool) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer nc.Close()
				sc := bufio.NewScanner(nc)
				for sc.Scan() {
					if firstID(sc.Bytes()) == "null" && !all {
						continue // a notification
					}
					fmt.Fprintf(nc, "%s\n", strings.ReplaceAll(body, "ID", firstID(sc.Bytes())))
				}
			}()
		}
	}()
	return "tcp://" + ln.Addr().String()
}

// TestCallChecksReplies runs calls against servers that break the
// protocol, one way each, and checks that the fault is named and the exit
// status is exitBroken; and that what is allowed passes.
func TestCallChecksReplies(t *testing.T) {
	t.Parallel()
	const json = "application/json"
	batch := `[{"method":"subtract","params":[2,1]},{"method":"subtract","params":[3,1]}]`
	withNotification := `[{"method":"log","notify":true}]`
	for _, tc := range []struct {
		name  string
		url   func(t *testing.T) string
		stdin string // calls for --file -; empty: one call of subtract
		batch bool
		code  int
		want  string // in stderr
	}{
		{"id of the wrong type", func(t *testing.T) string { return fixedHTTP(t, 200, json, `{"jsonrpc":"2.0","id":"ID","result":1}`) },
			"", false, exitBroken, `"id" is "1" (a string), but the request's id was 1 (a number)`},
		{"another id", func(t *testing.T) string { return fixedHTTP(t, 200, json, `{"jsonrpc":"2.0","id":7,"result":1}`) },
			"", false, exitBroken, `"id" is 7, but the request's id was 1`},
		{"id missing", func(t *testing.T) string { return fixedHTTP(t, 200, json, `{"jsonrpc":"2.0","result":1}`) },
			"", false, exitBroken, `"id" is missing`},
		{"jsonrpc missing", func(t *testing.T) string { return fixedHTTP(t, 200, json, `{"id":ID,"result":1}`) },
			"", false, exitBroken, `"jsonrpc" is missing`},
		{"jsonrpc 1.0", func(t *testing.T) string { return fixedHTTP(t, 200, json, `{"jsonrpc":"1.0","id":ID,"result":1}`) },
			"", false, exitBroken, `"jsonrpc" is "1.0", not "2.0"`},
		{"result and error", func(t *testing.T) string {
			return fixedHTTP(t, 200, json, `{"jsonrpc":"2.0","id":ID,"result":1,"error":{"code":1,"message":"x"}}`)
		}, "", false, exitBroken, `both "result" and "error"`},
		{"neither result nor error", func(t *testing.T) string { return fixedHTTP(t, 200, json, `{"jsonrpc":"2.0","id":ID}`) },
			"", false, exitBroken, `neither "result" nor "error"`},
		{"error code a string", func(t *testing.T) string {
			return fixedHTTP(t, 200, json, `{"jsonrpc":"2.0","id":ID,"error":{"code":"bad","message":"x"}}`)
		}, "", false, exitBroken, `the error's "code" is a string, not an integer`},
		{"not JSON", func(t *testing.T) string { return fixedHTTP(t, 200, json, `<html>oops</html>`) },
			"", false, exitBroken, "the body is not JSON: <html>oops</html>"},
		{"a proxy's 502", func(t *testing.T) string { return fixedHTTP(t, 502, "text/html", `<h1>Bad Gateway</h1>`) },
			"", false, exitBroken, "HTTP 502 Bad Gateway, and the body is not JSON"},
		{"Content-Type text/html", func(t *testing.T) string {
			return fixedHTTP(t, 200, "text/html", `{"jsonrpc":"2.0","id":ID,"result":1}`)
		},
			"", false, exitBroken, `its Content-Type is "text/html", not application/json`},
		{"HTTP 500 with a result", func(t *testing.T) string {
			return fixedHTTP(t, 500, json, `{"jsonrpc":"2.0","id":ID,"result":1}`)
		}, "", false, exitBroken, "HTTP 500 Internal Server Error, but the body is a successful reply"},
		{"HTTP 204 to a request", func(t *testing.T) string { return fixedHTTP(t, 204, json, ``) },
			"", false, exitBroken, "HTTP 204 No Content with no body: no reply to a request"},
		{"a notification answered over HTTP", func(t *testing.T) string {
			return fixedHTTP(t, 200, json, `{"jsonrpc":"2.0","id":null,"error":{"code":-32601,"message":"no"}}`)
		}, withNotification, false, exitBroken, "a notification was answered"},
		{"batch with a missing reply", func(t *testing.T) string {
			return fixedHTTP(t, 200, json, `[{"jsonrpc":"2.0","id":ID,"result":1}]`)
		}, batch, true, exitBroken, `call 2 ("subtract", id 2) got no reply in the batch`},
		{"batch with an id twice", func(t *testing.T) string {
			return fixedHTTP(t, 200, json, `[{"jsonrpc":"2.0","id":ID,"result":1},{"jsonrpc":"2.0","id":ID,"result":1}]`)
		}, batch, true, exitBroken, `id 1 is answered twice`},
		{"batch answered with one error", func(t *testing.T) string {
			return fixedHTTP(t, 200, json, `{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"no batches"}}`)
		}, batch, true, exitBroken, "does the server take batches?"},
		{"batch with a string id", func(t *testing.T) string {
			return fixedHTTP(t, 200, json, `[{"jsonrpc":"2.0","id":"1","result":1},{"jsonrpc":"2.0","id":2,"result":2}]`)
		}, batch, true, exitBroken, `("1" is a string, the request's id 1 is a number)`},
		{"tcp: id of the wrong type", func(t *testing.T) string { return fixedTCP(t, `{"jsonrpc":"2.0","id":"ID","result":1}`) },
			"", false, exitBroken, `"id" is "1" (a string)`},
		{"tcp: not JSON", func(t *testing.T) string { return fixedTCP(t, `hello`) },
			"", false, exitBroken, "it is not JSON: hello"},
		{"tcp: a notification answered", func(t *testing.T) string {
			return fixedTCPAll(t, `{"jsonrpc":"2.0","id":null,"error":{"code":-32601,"message":"no"}}`, true)
		}, withNotification, false, exitBroken, "a reply came that no request awaited (was a notification answered?)"},
		// What is allowed.
		{"error reply with a mapped status", func(t *testing.T) string {
			return fixedHTTP(t, 404, json, `{"jsonrpc":"2.0","id":ID,"error":{"code":-32601,"message":"Method not found"}}`)
		}, "", false, exitErrorReply, `"code": -32601`},
		{"Content-Type with a charset", func(t *testing.T) string {
			return fixedHTTP(t, 200, "application/json; charset=utf-8", `{"jsonrpc":"2.0","id":ID,"result":1}`)
		}, "", false, 0, ""},
		{"a notification answered 202", func(t *testing.T) string { return fixedHTTP(t, 202, json, ``) },
			withNotification, false, 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			url := tc.url(t)
			args := []string{"call"}
			if strings.HasPrefix(url, "tcp:") {
				args = append(args, "--framing", "line")
			}
			if tc.stdin == "" {
				args = append(args, "--method", "subtract", "--params", "[2,1]")
			} else {
				args = append(args, "--file", "-")
			}
			if tc.batch {
				args = append(args, "--batch")
			}
			res := execLspkit(t, tc.stdin, append(args, "--", url)...)
			if res.code != tc.code || !strings.Contains(res.stderr, tc.want) {
				t.Errorf("exit %d, want %d; stderr does not say %q:\n%s", res.code, tc.code, tc.want, res.stderr)
			}
		})
	}
}

// TestCallLSPInitialize checks the initialize params --lsp builds from a
// recorded request and flags, and that the server's own messages are
// printed as they arrive and its requests answered.
func TestCallLSPInitialize(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	rec := filepath.Join(dir, "init.json")
	writeTestFile(t, rec, `{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"processId":1,"clientInfo":{"name":"Visual Studio Code"},"capabilities":{"general":{"positionEncodings":["utf-16"]}},"locale":"fr"}}`)
	caps := filepath.Join(dir, "caps.json")
	writeTestFile(t, caps, `{"textDocument":{"hover":{"contentFormat":["markdown"]}}}`)
	res := execLspkit(t, "", "call", "--lsp", "--init", rec, "--capabilities", "@"+caps,
		"--init-options", `{"verbose":true}`, "--root-uri", dir, "--workspace-folder", dir,
		"--method", "fake/initializeParams", "--", fakeLSPBinary(t))
	if res.code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", res.code, res.stderr)
	}
	var p struct {
		ProcessID  int `json:"processId"`
		ClientInfo struct{ Name string }
		Locale     string          `json:"locale"`
		Caps       map[string]any  `json:"capabilities"`
		InitOpts   map[string]bool `json:"initializationOptions"`
		RootURI    string          `json:"rootUri"`
		Folders    []struct{ URI string }
	}
	if err := json.Unmarshal([]byte(res.stdout), &p); err != nil {
		t.Fatalf("%v\n%s", err, res.stdout)
	}
	wantURI := "file://" + filepath.ToSlash(dir)
	if p.ProcessID == 1 || p.ClientInfo.Name != "Visual Studio Code" || p.Locale != "fr" || p.Caps["general"] != nil ||
		p.Caps["textDocument"] == nil || !p.InitOpts["verbose"] || p.RootURI != wantURI {
		t.Errorf("initialize params %+v, from %s", p, res.stdout)
	}
	if err := json.Unmarshal([]byte(res.stdout), &struct {
		Folders *[]struct{ URI string } `json:"workspaceFolders"`
	}{&p.Folders}); err != nil || len(p.Folders) != 1 || p.Folders[0].URI != wantURI {
		t.Errorf("workspaceFolders %+v", p.Folders)
	}
	for _, want := range []string{
		"← server notification window/logMessage",
		"← server notification fake/started",
		"← server request workspace/configuration (id",
		"→ answered workspace/configuration with [null]",
	} {
		if !strings.Contains(res.stderr, want) {
			t.Errorf("stderr does not say %q:\n%s", want, res.stderr)
		}
	}
}

// TestCallServerMessagesOverWS calls a WebSocket server that, while it
// handles the call, notifies the client and calls it: both are printed as
// they arrive, the call is answered "method not found" (no --lsp), and the
// result still comes.
func TestCallServerMessagesOverWS(t *testing.T) {
	t.Parallel()
	asked := make(chan error, 1)
	h := wsrpc.NewHandler(func() conn.Handler {
		m := conn.NewMux()
		m.HandleFunc("work", func(ctx context.Context, _ *conn.Request) (any, error) {
			c := conn.FromContext(ctx)
			if err := c.Notify(ctx, "progress", map[string]int{"done": 50}); err != nil {
				return nil, err
			}
			asked <- c.Call(ctx, "client/ask", []string{"ok?"}, nil)
			return "finished", nil
		})
		return m
	}, wsrpc.WithLogger(slog.New(slog.DiscardHandler)))
	srv := httptest.NewServer(h)
	defer func() { h.Close(); srv.Close() }()
	res := execLspkit(t, "", "call", "--method", "work", "ws"+strings.TrimPrefix(srv.URL, "http"))
	if res.code != 0 || res.stdout != "\"finished\"\n" {
		t.Errorf("exit %d, stdout %q; stderr:\n%s", res.code, res.stdout, res.stderr)
	}
	for _, want := range []string{
		`← server notification progress {"done":50}`,
		`← server request client/ask (id 1) ["ok?"]`,
		`→ answered client/ask with {"code":-32601,`,
	} {
		if !strings.Contains(res.stderr, want) {
			t.Errorf("stderr does not say %q:\n%s", want, res.stderr)
		}
	}
	var e *conn.Error
	if err := <-asked; !errors.As(err, &e) || e.Code != conn.CodeMethodNotFound {
		t.Errorf("the server's call got %v, want -32601", err)
	}
}

// TestCallTLS calls https:// and wss:// servers whose certificate the
// lspkit process trusts through SSL_CERT_FILE.
func TestCallTLS(t *testing.T) {
	t.Parallel()
	if runtime.GOOS != "linux" {
		t.Skip("SSL_CERT_FILE is read on Linux")
	}
	ws := wsrpc.NewHandler(func() conn.Handler { return arith.New() }, wsrpc.WithLogger(slog.New(slog.DiscardHandler)))
	mux := http.NewServeMux()
	mux.Handle("/rpc", goRPCHandler(""))
	mux.Handle("/ws", ws)
	srv := httptest.NewUnstartedServer(mux)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the untrusted handshake below is expected
	srv.StartTLS()
	defer func() { ws.Close(); srv.Close() }()
	certFile := filepath.Join(t.TempDir(), "cert.pem")
	writeTestFile(t, certFile, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})))
	for _, url := range []string{srv.URL + "/rpc", "wss" + strings.TrimPrefix(srv.URL, "https") + "/ws"} {
		cmd := exec.Command(lspkitBinary(t), "call", "--method", "subtract", "--params", "[42,23]", url)
		cmd.Env = append(os.Environ(), "SSL_CERT_FILE="+certFile)
		out, err := cmd.Output()
		if err != nil || string(out) != "19\n" {
			t.Errorf("%s: %q, %v", url, out, err)
		}
	}
	// Without the certificate, the failure is the connection's: exit 3.
	res := execLspkit(t, "", "call", "--method", "subtract", "--params", "[42,23]", srv.URL+"/rpc")
	if res.code != exitBroken || !strings.Contains(res.stderr, "certificate") {
		t.Errorf("untrusted: exit %d, stderr %q", res.code, res.stderr)
	}
}

// TestCallLSPInitFromInspectLog records a session with lspkit inspect and
// replays its client's initialize with --init: the editor's profile,
// reused.
func TestCallLSPInitFromInspectLog(t *testing.T) {
	t.Parallel()
	log := filepath.Join(t.TempDir(), "session.jsonl")
	fake := fakeLSPBinary(t)
	res := execLspkit(t, "", "call", "--lsp", "--init-options", `{"profile":"recorded"}`, "--method", "fake/config",
		"--", lspkitBinary(t), "inspect", "--log", log, "--", fake)
	if res.code != 0 {
		t.Fatalf("recording: exit %d; stderr:\n%s", res.code, res.stderr)
	}
	res = execLspkit(t, "", "call", "--lsp", "--init", log, "--method", "fake/initializeParams", "--", fake)
	if res.code != 0 || !strings.Contains(res.stdout, `"profile": "recorded"`) {
		t.Errorf("exit %d, stdout %s; want the recorded initializationOptions; stderr:\n%s", res.code, res.stdout, res.stderr)
	}
}

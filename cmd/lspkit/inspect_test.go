package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/lspkit/lspkit/framing"
)

// readLog reads a log written by inspect.
func readLog(t *testing.T, path string) []logEntry {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return parseLog(t, data)
}

// parseLog parses log lines, checking that each is a log entry.
func parseLog(t *testing.T, data []byte) []logEntry {
	t.Helper()
	var entries []logEntry
	for i, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		if line == "" {
			continue
		}
		var e logEntry
		dec := json.NewDecoder(strings.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&e); err != nil {
			t.Fatalf("log line %d: %v\n%s", i+1, err, line)
		}
		if _, err := time.Parse(time.RFC3339Nano, e.Time); err != nil {
			t.Errorf("log line %d: time: %v", i+1, err)
		}
		entries = append(entries, e)
	}
	return entries
}

// headerFrame makes a Content-Length frame.
func headerFrame(body string) string {
	var buf bytes.Buffer
	_ = framing.Header().NewWriter(&buf).WriteMessage([]byte(body))
	return buf.String()
}

// TestInspectRelaysBytesUnchanged sends all sorts of input through inspect
// to a server that echoes its stdin: what comes out must be what went in,
// and the log must read the same messages both ways.
func TestInspectRelaysBytesUnchanged(t *testing.T) {
	t.Parallel()
	big := `{"jsonrpc":"2.0","method":"big","params":["` + strings.Repeat("x", 1<<20) + `"]}`
	input := headerFrame(`{"jsonrpc":"2.0","id":1,"method":"a"}`) +
		"Content-Length: nope\r\n\r\n" + // a broken header
		headerFrame("not json") +
		headerFrame(big) +
		"\x00\xff garbage \r\n" + // bytes that are no frame at all
		headerFrame("{\n  \"jsonrpc\": \"2.0\",\n  \"method\": \"pretty\"\n}") +
		headerFrame(`{"jsonrpc":"2.0","method":"bad utf-8 `+"\xff"+`"}`)
	log := filepath.Join(t.TempDir(), "log.jsonl")
	res := execLspkit(t, input, "inspect", "--log", log, "--", fakeLSPBinary(t), "-cat")
	if res.code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", res.code, res.stderr)
	}
	if res.stdout != input {
		t.Fatalf("output differs from input: %d bytes out, %d in", len(res.stdout), len(input))
	}

	byDir := map[string][]logEntry{}
	for _, e := range readLog(t, log) {
		e.Time = ""
		byDir[e.Dir] = append(byDir[e.Dir], e)
	}
	in, out := byDir["client->server"], byDir["server->client"]
	if len(in) != 7 {
		t.Errorf("%d client->server lines, want 7:\n%+v", len(in), in)
	}
	for i := range min(len(in), len(out)) {
		if in[i].Msg != nil && !bytes.Equal(in[i].Msg, out[i].Msg) || in[i].Raw != out[i].Raw || in[i].Error != out[i].Error {
			t.Errorf("line %d differs between directions:\n%+v\n%+v", i, in[i], out[i])
		}
	}
	if len(in) == 7 {
		checkEntry(t, in[0], `{"jsonrpc":"2.0","id":1,"method":"a"}`, "", "")
		checkEntry(t, in[1], "", "", "bad header")
		checkEntry(t, in[2], "", "not json", "not JSON")
		checkEntry(t, in[3], big, "", "")
		checkEntry(t, in[4], "", "", "bad header")
		checkEntry(t, in[5], `{"jsonrpc":"2.0","method":"pretty"}`, "", "")
		checkEntry(t, in[6], `{"jsonrpc":"2.0","method":"bad utf-8 `+"\uFFFD"+`"}`, "", "")
	}
}

// checkEntry checks a log entry's message, raw body and error.
func checkEntry(t *testing.T, e logEntry, msg, raw, errPart string) {
	t.Helper()
	if string(e.Msg) != msg || e.Raw != raw || !strings.Contains(e.Error, errPart) || (errPart == "") != (e.Error == "") {
		t.Errorf("log entry %.200s, want msg %.100q raw %q error containing %q", jsonString(e), msg, raw, errPart)
	}
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// piece is a piece of a conversation: bytes the client writes, and whether
// it then waits for one frame in reply.
type piece struct {
	send  string
	reply bool
}

// converse runs argv and holds a conversation with it as a client that
// waits for each reply, so that what the server sends is the same from run
// to run. It returns every byte the server wrote, and the exit status.
func converse(t *testing.T, argv []string, pieces []piece) ([]byte, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr // arith warns of the malformed frames
	defer func() {
		if t.Failed() {
			t.Logf("stderr of %s:\n%s", argv[0], stderr.Bytes())
		}
	}()
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	rd := framing.Header().NewReader(io.TeeReader(stdout, &got))
	for _, p := range pieces {
		if _, err := io.WriteString(stdin, p.send); err != nil {
			t.Fatal(err)
		}
		if p.reply {
			if _, err := rd.ReadMessage(); err != nil {
				t.Fatalf("reading the reply to %q: %v", p.send, err)
			}
		}
	}
	stdin.Close()
	if _, err := io.Copy(io.Discard, io.TeeReader(stdout, &got)); err != nil {
		t.Fatal(err)
	}
	err = cmd.Wait()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatal(err)
	}
	return got.Bytes(), cmd.ProcessState.ExitCode()
}

// TestInspectIsTransparent holds the same conversation with arith directly
// and through inspect: the client must get the same bytes, and the log must
// have one line per message, with latencies on replies.
func TestInspectIsTransparent(t *testing.T) {
	t.Parallel()
	pieces := []piece{
		{headerFrame(`{"jsonrpc":"2.0","id":1,"method":"subtract","params":[42,23]}`), true},
		{headerFrame(`{"jsonrpc":"2.0","method":"notify_sum","params":[1,2]}`), false},
		{headerFrame(`{"jsonrpc":"2.0","id":"two","method":"get_total"}`), true},
		{"Content-Length: x\r\n\r\n", true}, // answered with a parse error
		{headerFrame("abc"), true},          // likewise
		{headerFrame(`[{"jsonrpc":"2.0","id":3,"method":"sum","params":[1]},{"jsonrpc":"2.0","method":"tick"}]`), true},
		{headerFrame(`{"jsonrpc":"2.0","id":4,"method":"divide","params":[1,0]}`), true},
	}
	direct, code := converse(t, arithServer(t, "header"), pieces)
	if code != 0 {
		t.Fatalf("arith exited with %d", code)
	}
	log := filepath.Join(t.TempDir(), "log.jsonl")
	proxied, code := converse(t, cmdline(lspkitBinary(t), "inspect", "--log", log, "--", arithServer(t, "header")), pieces)
	if code != 0 {
		t.Fatalf("inspect exited with %d", code)
	}
	if !bytes.Equal(direct, proxied) {
		t.Fatalf("through inspect the client got\n%q\ndirectly\n%q", proxied, direct)
	}

	entries := readLog(t, log)
	var dirs []string
	latencies := 0
	for _, e := range entries {
		dirs = append(dirs, e.Dir[:1])
		if e.LatencyMS != nil {
			latencies++
			if e.Dir != "server->client" || *e.LatencyMS < 0 || *e.LatencyMS > 10000 {
				t.Errorf("latency on %+v", e)
			}
		}
	}
	// c: client->server, s: server->client. The notification has no reply.
	if got, want := strings.Join(dirs, ""), "csccscscscscs"; got != want {
		t.Errorf("log directions %s, want %s", got, want)
	}
	// Replies to ids 1, "two", the batch and 4; the parse errors (id null)
	// answer no request.
	if latencies != 4 {
		t.Errorf("%d replies with a latency, want 4", latencies)
	}
}

func TestInspectExitStatus(t *testing.T) {
	t.Parallel()
	log := filepath.Join(t.TempDir(), "log.jsonl")
	res := execLspkit(t, "", "inspect", "--log", log, "--", fakeLSPBinary(t), "-cat", "-exit-code", "3")
	if res.code != 3 || res.stderr != "" {
		t.Errorf("exit %d, stderr %q; want 3 and nothing", res.code, res.stderr)
	}
}

func TestInspectNeedsLog(t *testing.T) {
	t.Parallel()
	res := execLspkit(t, "", "inspect", "--", fakeLSPBinary(t), "-cat")
	if res.code == 0 || !strings.Contains(res.stderr, `"log" not set`) {
		t.Errorf("exit %d, stderr %q", res.code, res.stderr)
	}
}

// TestInspectForwardsSignals sends SIGTERM to inspect: the server gets it
// and exits with the status it chooses, which inspect exits with.
func TestInspectForwardsSignals(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no SIGTERM")
	}
	t.Parallel()
	log := filepath.Join(t.TempDir(), "log.jsonl")
	cmd := exec.Command(lspkitBinary(t), "inspect", "--log", log, "--", fakeLSPBinary(t), "-term-code", "42")
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	// A reply through inspect says that both are up.
	io.WriteString(stdin, headerFrame(`{"jsonrpc":"2.0","id":1,"method":"fake/now"}`))
	if _, err := framing.Header().NewReader(stdout).ReadMessage(); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("inspect still runs 10s after SIGTERM")
	}
	if code := cmd.ProcessState.ExitCode(); code != 42 {
		t.Errorf("exit %d, want 42", code)
	}
	stdin.Close()
}

// gatedWriter blocks every write until its gate opens, and says when the
// first write has begun.
type gatedWriter struct {
	gate    chan struct{}
	entered chan struct{}
	once    sync.Once
	mu      sync.Mutex
	buf     bytes.Buffer
}

func (w *gatedWriter) Write(p []byte) (int, error) {
	w.once.Do(func() { close(w.entered) })
	<-w.gate
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

// TestRecorderDropsWhenBehind blocks the log: tapping must not block, and
// what could not be queued is reported, after which parsing resumes at the
// next frame. It runs the recorder in-process, with a tiny queue.
func TestRecorderDropsWhenBehind(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		fr    framing.Framer
		frame func(string) string
	}{
		{"line", framing.Line(), func(s string) string { return s + "\n" }},
		{"header", framing.Header(), headerFrame},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := &gatedWriter{gate: make(chan struct{}), entered: make(chan struct{})}
			rec := newRecorder(tc.fr, tc.name, w, io.Discard, 1<<20, 2)
			tap := func(s string) { rec.tap(clientToServer, []byte(s), time.Now()) }

			// The first message is logged, and the flush blocks on the gate.
			tap(tc.frame(`{"n":0}`))
			<-w.entered
			tapped := make(chan struct{})
			go func() {
				defer close(tapped)
				tap(tc.frame(`{"n":1}`)) // queued,
				tap(tc.frame(`{"n":2}`)) // queued,
				cut := tc.frame(`{"n":3}`)
				tap(cut[:len(cut)-3]) // dropped: the queue is full
			}()
			select {
			case <-tapped:
			case <-time.After(5 * time.Second):
				t.Fatal("tap blocked while the log was stuck")
			}
			close(w.gate)
			for len(rec.queue) > 0 {
				time.Sleep(time.Millisecond)
			}
			cut := tc.frame(`{"n":3}`)
			tap(cut[len(cut)-3:] + tc.frame(`{"n":4}`)) // the end of n:3, then n:4
			rec.close()

			var got []string
			for _, e := range parseLog(t, w.buf.Bytes()) {
				switch {
				case e.Msg != nil:
					got = append(got, string(e.Msg))
				case e.Dropped > 0:
					got = append(got, "dropped")
				default:
					got = append(got, "error: "+e.Error)
				}
			}
			want := `{"n":0} {"n":1} {"n":2} dropped {"n":4}`
			if strings.Join(got, " ") != want {
				t.Errorf("log %q, want %q", got, want)
			}
		})
	}
}

// TestInspectLogFollowsLineFraming records line-framed traffic.
func TestInspectLogFollowsLineFraming(t *testing.T) {
	t.Parallel()
	log := filepath.Join(t.TempDir(), "log.jsonl")
	res := execLspkit(t, `{"jsonrpc":"2.0","id":7,"method":"sum","params":[1,2]}`+"\n",
		cmdline("inspect", "--framing", "line", "--log", log, "--", arithServer(t, "line"))...)
	if res.code != 0 || res.stdout != `{"jsonrpc":"2.0","id":7,"result":3}`+"\n" {
		t.Fatalf("exit %d, stdout %q; stderr:\n%s", res.code, res.stdout, res.stderr)
	}
	entries := readLog(t, log)
	if len(entries) != 2 || entries[1].LatencyMS == nil || string(entries[1].Msg) != `{"jsonrpc":"2.0","id":7,"result":3}` {
		t.Errorf("log: %+v", entries)
	}
}

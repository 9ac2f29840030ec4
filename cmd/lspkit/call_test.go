package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestCallPrintsResult(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, framing, method, params, want string
	}{
		{"line framing, params by position", "line", "subtract", "[42,23]", "19\n"},
		{"header framing, params by name", "header", "subtract", `{"minuend": 42, "subtrahend": 23}`, "19\n"},
		{"structured result is indented", "header", "get_data", "", "[\n  \"hello\",\n  5\n]\n"},
		{"no params", "line", "echo", "", "null\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := cmdline("call", "--framing", tc.framing, "--method", tc.method)
			if tc.params != "" {
				a = append(a, "--params", tc.params)
			}
			res := execLspkit(t, "", cmdline(a, "--", arithServer(t, tc.framing))...)
			if res.code != 0 || res.stdout != tc.want {
				t.Errorf("exit %d, stdout %q, want 0 and %q; stderr:\n%s", res.code, res.stdout, tc.want, res.stderr)
			}
		})
	}
}

func TestCallErrorReply(t *testing.T) {
	t.Parallel()
	res := execLspkit(t, "", cmdline("call", "--method", "divide", "--params", `{"a":1,"b":0}`, "--", arithServer(t, "header"))...)
	if res.code != 1 || res.stdout != "" {
		t.Fatalf("exit %d, stdout %q; want 1 and nothing", res.code, res.stdout)
	}
	var e struct {
		Code    int
		Message string
		Data    map[string]float64
	}
	if err := json.Unmarshal([]byte(res.stderr), &e); err != nil {
		t.Fatalf("stderr is not the error object: %v\n%s", err, res.stderr)
	}
	if e.Code != -32000 || e.Message != "division by zero" || e.Data["dividend"] != 1 {
		t.Errorf("error object %+v", e)
	}
	if !strings.Contains(res.stderr, "\n  \"code\": -32000") {
		t.Errorf("error object not indented:\n%s", res.stderr)
	}
}

func TestCallTimeout(t *testing.T) {
	t.Parallel()
	res := execLspkit(t, "", cmdline("call", "--timeout", "300ms", "--method", "sleep", "--params", `{"ms":20000}`,
		"--", arithServer(t, "header"))...)
	if res.code != exitBroken || !strings.Contains(res.stderr, "timed out after 300ms") {
		t.Errorf("exit %d, stderr %q; want non-zero and a timeout", res.code, res.stderr)
	}
	if res.elapsed > 10*time.Second {
		t.Errorf("took %v", res.elapsed)
	}
}

func TestCallRejectsBadInput(t *testing.T) {
	t.Parallel()
	calls := filepath.Join(t.TempDir(), "calls.json")
	writeTestFile(t, calls, `[{"method":"sum","param":[1]}]`)
	for _, tc := range []struct {
		name string
		args []string
		want string // in stderr
	}{
		{"params a number", cmdline("call", "--method", "sum", "--params", "5"), "--params: params must be a JSON object or array"},
		{"params a string", cmdline("call", "--method", "sum", "--params", `"x"`), "must be a JSON object or array"},
		{"params not JSON", cmdline("call", "--method", "sum", "--params", "{oops"), "--params: params are not valid JSON"},
		{"no method", cmdline("call", "--params", "[1]"), "give --method, or --file"},
		{"method and file", cmdline("call", "--method", "a", "--file", calls), "--method and --file conflict"},
		{"batch without file", cmdline("call", "--method", "a", "--batch"), "--batch sends the calls of a --file"},
		{"unknown field in file", cmdline("call", "--file", calls), `unknown field "param"`},
		{"bad framing", cmdline("call", "--method", "a", "--framing", "xml"), "--framing must be header or line"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res := execLspkit(t, "", cmdline(tc.args, "--", arithServer(t, "header"))...)
			if res.code != exitUsage || !strings.Contains(res.stderr, tc.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", res.code, res.stderr, exitUsage, tc.want)
			}
		})
	}
}

func TestCallNeedsServerAfterDash(t *testing.T) {
	t.Parallel()
	res := execLspkit(t, "", cmdline("call", "--method", "sum", lspkitBinary(t), "serve", "arith")...)
	if res.code == 0 || !strings.Contains(res.stderr, "after --") {
		t.Errorf("exit %d, stderr %q", res.code, res.stderr)
	}
}

func TestCallServerExitsWithoutReply(t *testing.T) {
	t.Parallel()
	// `lspkit version` prints a line that is no frame and exits.
	res := execLspkit(t, "", cmdline("call", "--method", "sum", "--", lspkitBinary(t), "version")...)
	if res.code != exitBroken || !strings.Contains(res.stderr, "before replying") {
		t.Errorf("exit %d, stderr %q", res.code, res.stderr)
	}
}

// arithCalls is a file of calls to arith, one failing, in both forms.
const (
	arithCallsLines = `{"method":"sum","params":[1,2,3]}
{"method":"notify_sum","params":[5],"notify":true}
{"method":"divide","params":{"a":1,"b":0}}
{"method":"get_total"}
`
	arithCallsArray = `[
  {"method": "sum", "params": [1, 2, 3]},
  {"method": "notify_sum", "params": [5], "notify": true},
  {"method": "divide", "params": {"a": 1, "b": 0}},
  {"method": "get_total"}
]`
)

func TestCallFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	lines, array := filepath.Join(dir, "calls.jsonl"), filepath.Join(dir, "calls.json")
	writeTestFile(t, lines, arithCallsLines)
	writeTestFile(t, array, arithCallsArray)
	for _, tc := range []struct {
		name  string
		file  string
		stdin string
		batch bool
	}{
		{"JSON lines", lines, "", false},
		{"JSON array", array, "", false},
		{"from stdin", "-", arithCallsLines, false},
		{"batch", array, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := cmdline("call", "--file", tc.file)
			if tc.batch {
				a = append(a, "--batch")
			}
			res := execLspkit(t, tc.stdin, cmdline(a, "--", arithServer(t, "header"))...)
			if res.code != 1 || res.stdout != "6\n5\n" {
				t.Errorf("exit %d, stdout %q; want 1 and \"6\\n5\\n\"; stderr:\n%s", res.code, res.stdout, res.stderr)
			}
			if !strings.Contains(res.stderr, `call 3 ("divide") failed:`) || !strings.Contains(res.stderr, `"code": -32000`) {
				t.Errorf("stderr does not report call 3:\n%s", res.stderr)
			}
		})
	}
}

func TestCallFileAllSucceed(t *testing.T) {
	t.Parallel()
	res := execLspkit(t, `{"method":"add","params":[1,2]} {"method":"multiply","params":{"a":2,"b":3}}`,
		cmdline("call", "--framing", "line", "--file", "-", "--", arithServer(t, "line"))...)
	if res.code != 0 || res.stdout != "3\n6\n" {
		t.Errorf("exit %d, stdout %q; stderr:\n%s", res.code, res.stdout, res.stderr)
	}
}

// TestCallBatchIsOneFrame checks, through inspect, that --batch sends one
// JSON-RPC batch and gets one back.
func TestCallBatchIsOneFrame(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	calls, log := filepath.Join(dir, "calls.json"), filepath.Join(dir, "log.jsonl")
	writeTestFile(t, calls, arithCallsArray)
	res := execLspkit(t, "", cmdline("call", "--file", calls, "--batch", "--",
		lspkitBinary(t), "inspect", "--log", log, "--", arithServer(t, "header"))...)
	if res.code != 1 || res.stdout != "6\n5\n" {
		t.Fatalf("exit %d, stdout %q; stderr:\n%s", res.code, res.stdout, res.stderr)
	}
	entries := readLog(t, log)
	if len(entries) != 2 {
		t.Fatalf("%d log lines, want 2 (a batch and its reply):\n%v", len(entries), entries)
	}
	for _, e := range entries {
		var elems []json.RawMessage
		if err := json.Unmarshal(e.Msg, &elems); err != nil {
			t.Errorf("%s message is not a batch: %s", e.Dir, e.Msg)
		}
	}
}

func TestCallLSPLifecycle(t *testing.T) {
	t.Parallel()
	fake := fakeLSPBinary(t)
	res := execLspkit(t, `{"method":"fake/initializeParams"} {"method":"fake/config"}`,
		cmdline("call", "--lsp", "--file", "-", "--", fake)...)
	if res.code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", res.code, res.stderr)
	}
	dec := json.NewDecoder(strings.NewReader(res.stdout))
	var init struct {
		ProcessID    *int           `json:"processId"`
		RootURI      any            `json:"rootUri"`
		Capabilities map[string]any `json:"capabilities"`
		ClientInfo   struct{ Name string }
	}
	var config []any
	if err := dec.Decode(&init); err != nil {
		t.Fatalf("initialize params: %v\n%s", err, res.stdout)
	}
	if err := dec.Decode(&config); err != nil {
		t.Fatalf("config: %v\n%s", err, res.stdout)
	}
	if init.ProcessID == nil || *init.ProcessID <= 0 || init.RootURI != nil ||
		init.Capabilities == nil || len(init.Capabilities) != 0 || init.ClientInfo.Name != "lspkit call" {
		t.Errorf("initialize params: %s", res.stdout)
	}
	// The server asked for its configuration on "initialized": one null.
	if len(config) != 1 || config[0] != nil {
		t.Errorf("configuration answer %v, want [null]", config)
	}
}

func TestCallLSPServerExitStatus(t *testing.T) {
	t.Parallel()
	res := execLspkit(t, "", cmdline("call", "--lsp", "--method", "fake/config", "--", fakeLSPBinary(t), "-exit-code", "2")...)
	if res.code != exitBroken || !strings.Contains(res.stderr, "the server exited with status 2") {
		t.Errorf("exit %d, stderr %q", res.code, res.stderr)
	}
}

// TestCallServerLingers: a child that does not exit once its input is
// closed is ended the established way (SIGTERM after conn's stdin grace,
// well before --timeout) and reported, even when it then exits with 0.
func TestCallServerLingers(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"killed by SIGTERM", nil},
		{"exits 0 on SIGTERM", []string{"-term-code", "0"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res := execLspkit(t, `{"method":"fake/hello","notify":true}`,
				cmdline("call", "--timeout", "25s", "--file", "-", "--", fakeLSPBinary(t), "-linger", tc.args)...)
			if res.code != exitBroken || !strings.Contains(res.stderr, "did not exit once its input was closed") ||
				!strings.Contains(res.stderr, "(terminated)") {
				t.Errorf("exit %d, stderr %q", res.code, res.stderr)
			}
			if res.elapsed >= 20*time.Second {
				t.Errorf("took %v: the server was not asked to terminate before --timeout", res.elapsed)
			}
		})
	}
}

// writeTestFile writes a test file.
func writeTestFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

package main

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// sessionsDir is where the recorded sessions are.
const sessionsDir = "../../testdata/sessions"

// fakeLSPIgnores are what varies from run to run of fakelsp.
var fakeLSPIgnores = []string{"--ignore", "result.serverInfo.version", "--ignore", "params.token", "--ignore", "**.timestamp"}

func TestReplaySessions(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		file    string
		ignores []string
		fake    bool // against fakelsp, not arith
		code    int
		want    []string // in stdout
	}{
		{name: "as recorded", file: "arith.jsonl", want: []string{"sent 7 of 7 client frames", "no differences"}},
		{name: "batch answered out of order", file: "arith-batch.jsonl", want: []string{"sent 1 of 1", "no differences"}},
		{name: "ids remapped", file: "arith-string-ids.jsonl", want: []string{"no differences"}},
		{
			name: "server answers differently", file: "arith-differs.jsonl", code: 1,
			want: []string{
				`reply to "subtract" (request on line 1, recorded id 1, sent as 1) differs:` + "\n    result: recorded 20, got 19\n",
				`reply to "echo" (request on line 9, recorded id 4, sent as 4) differs:` + "\n    result.timestamp: recorded 2, got 1\n",
				`    error.message: recorded "divide by zero", got "division by zero"`,
				`missing: notification "window/logMessage" (line 8)`,
				"4 difference(s)",
			},
		},
		{
			name: "ignored", file: "arith-differs.jsonl", ignores: []string{"--ignore", "**.timestamp"}, code: 1,
			want: []string{"3 difference(s)"},
		},
		{
			name: "LSP session, things that vary ignored", file: "fakelsp.jsonl", fake: true, ignores: fakeLSPIgnores,
			want: []string{"server requests 1, notifications and other server messages 2", "no differences"},
		},
		{
			name: "LSP session, nothing ignored", file: "fakelsp.jsonl", fake: true, code: 1,
			want: []string{
				"result.serverInfo.version: recorded \"28091\", got ",
				`notification "fake/started" (line 5) differs:` + "\n    params.token: recorded \"28091\", got ",
				"result.timestamp: recorded 1795263701504587553, got ",
				"3 difference(s)",
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			server := arithServer(t, "header")
			if tc.fake {
				server = []string{fakeLSPBinary(t)}
			}
			res := execLspkit(t, "", cmdline("replay", filepath.Join(sessionsDir, tc.file), tc.ignores, "--", server)...)
			checkReplay(t, res, tc.code, tc.want...)
		})
	}
}

// checkReplay checks the exit status and report of a replay.
func checkReplay(t *testing.T, res execResult, code int, want ...string) {
	t.Helper()
	if res.code != code {
		t.Errorf("exit %d, want %d", res.code, code)
	}
	for _, w := range want {
		if !strings.Contains(res.stdout, w) {
			t.Errorf("report lacks %q", w)
		}
	}
	if t.Failed() {
		t.Logf("stdout:\n%s\nstderr:\n%s", res.stdout, res.stderr)
	}
}

// TestReplayFreshRecording records a session with inspect, line-framed, and
// replays it.
func TestReplayFreshRecording(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	calls, log := filepath.Join(dir, "calls.json"), filepath.Join(dir, "log.jsonl")
	writeTestFile(t, calls, arithCallsArray)
	res := execLspkit(t, "", cmdline("call", "--framing", "line", "--file", calls, "--",
		lspkitBinary(t), "inspect", "--framing", "line", "--log", log, "--", arithServer(t, "line"))...)
	if res.code != 1 || res.stdout != "6\n5\n" { // divide fails
		t.Fatalf("recording: exit %d, stdout %q; stderr:\n%s", res.code, res.stdout, res.stderr)
	}
	res = execLspkit(t, "", cmdline("replay", log, "--framing", "line", "--", arithServer(t, "line"))...)
	checkReplay(t, res, 0, "sent 4 of 4 client frames", "no differences")
}

func TestReplayAgainstAnotherServer(t *testing.T) {
	t.Parallel()
	res := execLspkit(t, "", "replay", filepath.Join(sessionsDir, "arith.jsonl"), "--", fakeLSPBinary(t))
	checkReplay(t, res, 1, `error: not recorded, got {"code":-32601,"message":"Method not found: \"subtract\""}`,
		"result: recorded 19, got nothing", "6 difference(s)")
}

// TestReplayTimeout replays a request the server takes too long to answer,
// which the next one waits for.
func TestReplayTimeout(t *testing.T) {
	t.Parallel()
	rec := filepath.Join(t.TempDir(), "slow.jsonl")
	writeTestFile(t, rec, `{"dir":"client->server","time":"2026-01-01T00:00:00Z","msg":{"jsonrpc":"2.0","id":1,"method":"sleep","params":{"ms":20000}}}
{"dir":"server->client","time":"2026-01-01T00:00:01Z","msg":{"jsonrpc":"2.0","id":1,"result":null}}
{"dir":"client->server","time":"2026-01-01T00:00:02Z","msg":{"jsonrpc":"2.0","id":2,"method":"sum","params":[1]}}
{"dir":"server->client","time":"2026-01-01T00:00:03Z","msg":{"jsonrpc":"2.0","id":2,"result":1}}
`)
	res := execLspkit(t, "", cmdline("replay", rec, "--timeout", "500ms", "--", arithServer(t, "header"))...)
	checkReplay(t, res, 1,
		`note: timed out waiting for the reply to "sleep" before line 3: 1 of 2 client frames not sent`,
		`no reply to "sleep"`, `not sent: "sum" (line 3)`, "2 difference(s)")
	if res.elapsed.Seconds() > 10 {
		t.Errorf("took %v", res.elapsed)
	}
}

// TestReplayAnswersServerRequestsFromRecording checks the recorded client
// reply goes back to the server: fakelsp returns it from fake/config.
func TestReplayAnswersServerRequestsFromRecording(t *testing.T) {
	t.Parallel()
	res := execLspkit(t, "", cmdline("replay", filepath.Join(sessionsDir, "fakelsp.jsonl"), fakeLSPIgnores, "--", fakeLSPBinary(t))...)
	checkReplay(t, res, 0, "no differences")
	if strings.Contains(res.stdout, "fake/config") {
		t.Error("fake/config differs")
	}
}

func TestReplayRejectsBadInput(t *testing.T) {
	t.Parallel()
	notRec := filepath.Join(t.TempDir(), "x.jsonl")
	writeTestFile(t, notRec, `{"dir":"sideways","time":"","msg":{}}`)
	arith := filepath.Join(sessionsDir, "arith.jsonl")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no file", cmdline("replay", "--"), "expected 1 argument(s) before --"},
		{"missing file", cmdline("replay", "nonexistent.jsonl", "--"), "no such file"},
		{"not a recording", cmdline("replay", notRec, "--"), `x.jsonl:1: unknown direction "sideways"`},
		{"bad pattern", cmdline("replay", arith, "--ignore", "result..x", "--"), "empty path segment"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res := execLspkit(t, "", cmdline(tc.args, arithServer(t, "header"))...)
			if res.code == 0 || !strings.Contains(res.stderr, tc.want) {
				t.Errorf("exit %d, stderr %q; want non-zero and %q", res.code, res.stderr, tc.want)
			}
		})
	}
}

func TestIgnorePatterns(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		pattern string
		path    string
		want    bool
	}{
		{"result.serverInfo.version", "result.serverInfo.version", true},
		{"result.serverInfo.version", "result.serverInfo", false},
		{"result.serverInfo", "result.serverInfo.version", false}, // diffValues stops at the parent
		{"**.timestamp", "timestamp", true},
		{"**.timestamp", "result.items.3.timestamp", true},
		{"**.timestamp", "result.timestamp.x", false},
		{"params.*.id", "params.0.id", true},
		{"params.*.id", "params.0.x.id", false},
		{"params.**", "params", true},
		{"**", "anything.at.all", true},
		{"result.0", "result.0", true},
	} {
		p, err := parsePatterns([]string{tc.pattern})
		if err != nil {
			t.Fatal(err)
		}
		if got := p[0].match(strings.Split(tc.path, ".")); got != tc.want {
			t.Errorf("%q matches %q: %v, want %v", tc.pattern, tc.path, got, tc.want)
		}
	}
}

func TestDiffMessages(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, want, got string
		ignore          []string
		diffs           []string
	}{
		{"ids and versions are not compared", `{"jsonrpc":"2.0","id":1,"result":1}`, `{"id":"x","result":1.0}`, nil, nil},
		{"member missing", `{"result":{"a":1,"b":2}}`, `{"result":{"a":1}}`, nil, []string{"result.b: recorded 2, got nothing"}},
		{"member added", `{"result":{}}`, `{"result":{"c":[1]}}`, nil, []string{"result.c: not recorded, got [1]"}},
		{"array", `{"result":[1,2]}`, `{"result":[1,3,4]}`, nil,
			[]string{"result.1: recorded 2, got 3", "result.2: not recorded, got 4"}},
		{"type", `{"result":{"a":1}}`, `{"result":"a"}`, nil, []string{`result: recorded {"a":1}, got "a"`}},
		{"ignored, even when missing", `{"result":{"t":1,"u":{"t":2}}}`, `{"result":{"u":{}}}`, []string{"**.t"}, nil},
		{"result ignored, not error", `{"result":1}`, `{"error":{"code":1}}`, []string{"result"},
			[]string{`error: not recorded, got {"code":1}`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ign, err := parsePatterns(tc.ignore)
			if err != nil {
				t.Fatal(err)
			}
			got := diffMessages(json.RawMessage(tc.want), json.RawMessage(tc.got), ign)
			if !reflect.DeepEqual(got, tc.diffs) {
				t.Errorf("diffs %q, want %q", got, tc.diffs)
			}
		})
	}
}

package main

import (
	"bufio"
	"bytes"
	"os"
	"strings"
	"testing"
)

// TestMain lets the test binary serve as the floor, the sourcegraph server
// or arith, as lspbench itself does: the tests re-execute it with serveEnv
// set.
func TestMain(m *testing.M) {
	if mode := os.Getenv(serveEnv); mode != "" {
		os.Exit(serveMode(mode))
	}
	os.Exit(m.Run())
}

// TestSmoke runs every scenario once, small, against every server, and so
// checks that each server answers each scenario correctly (the scenarios
// check every result) and that the report is complete. lspkit is served by
// this binary (LSPBENCH_SERVE=arith: conn.Serve and samples/arith, as
// `lspkit serve arith` does) so that the test need not build lspkit.
func TestSmoke(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	servers := []server{
		{name: "floor", path: self, env: []string{serveEnv + "=floor"}},
		{name: "lspkit", path: self, env: []string{serveEnv + "=arith"}},
		{name: "sourcegraph", path: self, env: []string{serveEnv + "=sourcegraph"}},
	}
	results, err := measure(servers, 1, smokeSizes, testWriter{t})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	report(&out, servers, results, 1, smokeSizes)
	t.Log("\n" + out.String())
	for _, m := range metrics {
		if !strings.Contains(out.String(), m.name) {
			t.Errorf("the report has no row %q", m.name)
		}
	}
	for name, rs := range results {
		if r := rs[0]; r.rss <= 0 || r.anon <= 0 || r.cpu <= 0 || r.rttP50 <= 0 || r.ticks <= 0 || r.bigRate <= 0 || r.cancel <= 0 {
			t.Errorf("%s: a figure is missing: %+v", name, r)
		}
	}
}

// TestFull is the whole measurement, with the real lspkit binary; it runs
// only with LSPKIT_BENCH=1 (LSPKIT_BENCH=quick for the short one):
//
//	LSPKIT_BENCH=1 go test -run TestFull -v -timeout 30m ./cmd/lspbench/
func TestFull(t *testing.T) {
	rounds, z := 3, fullSizes
	switch os.Getenv("LSPKIT_BENCH") {
	case "":
		t.Skip("set LSPKIT_BENCH=1 (or quick) to measure")
	case "quick":
		rounds, z = 1, quickSizes
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	servers, cleanup, err := setUp(self, "", []string{"floor", "lspkit", "sourcegraph"})
	if err != nil {
		t.Fatal(err)
	}
	defer cleanup()
	results, err := measure(servers, rounds, z, testWriter{t})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	report(&out, servers, results, rounds, z)
	t.Log("\n" + out.String())
}

// testWriter sends progress to the test log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// TestScan checks the tiny scanner the floor and the client share.
func TestScan(t *testing.T) {
	for _, tc := range []struct {
		in                  string
		id, method, params  string
		result, err, failed string
	}{
		{in: `{"jsonrpc":"2.0","id":1,"method":"echo","params":{"a":[1,"}"]}}`, id: "1", method: `"echo"`, params: `{"a":[1,"}"]}`},
		{in: ` { "params" : ["x\"y\\", {"z": "]"}] , "method":"m", "id" : "a\"b\\" } `, id: `"a\"b\\"`, method: `"m"`, params: `["x\"y\\", {"z": "]"}]`},
		{in: `{"jsonrpc":"2.0","id":7,"error":{"code":-32800,"message":"no"}}`, id: "7", err: `{"code":-32800,"message":"no"}`},
		{in: `{"id":2,"result":null}`, id: "2", result: "null"},
		{in: `[1]`, failed: "yes"},
		{in: `{"id":"unterminated}`, failed: "yes"},
	} {
		m, err := scan([]byte(tc.in))
		if (err != nil) != (tc.failed != "") {
			t.Errorf("scan(%s): err %v", tc.in, err)
			continue
		}
		if err != nil {
			continue
		}
		if string(m.id) != tc.id || string(m.method) != tc.method || string(m.params) != tc.params ||
			string(m.result) != tc.result || string(m.err) != tc.err {
			t.Errorf("scan(%s) = id %s method %s params %s result %s error %s", tc.in, m.id, m.method, m.params, m.result, m.err)
		}
	}
	e, err := scan([]byte(`{"code":-32800,"message":"Request cancelled"}`))
	if err != nil || string(e.code) != "-32800" {
		t.Errorf("scan of an error object: code %s, %v", e.code, err)
	}
}

// TestFrames checks the frame reader and writer the floor and the client
// share, with what other servers may send: other headers, any case, blank
// lines between frames.
func TestFrames(t *testing.T) {
	var b []byte
	b = appendRequest(b, 3, "echo", []byte(`[1]`))
	b = appendRequest(b, -1, "tick", nil)
	b = append(b, "\r\ncontent-length: 2\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n{}"...)
	br := bufio.NewReader(bytes.NewReader(b))
	for _, want := range []string{
		`{"jsonrpc":"2.0","id":3,"method":"echo","params":[1]}`,
		`{"jsonrpc":"2.0","method":"tick"}`,
		`{}`,
	} {
		got, err := readFrame(br, nil)
		if err != nil || string(got) != want {
			t.Fatalf("readFrame = %q, %v; want %q", got, err, want)
		}
	}
	if _, err := readFrame(br, nil); err == nil {
		t.Fatal("readFrame at the end: no error")
	}
}

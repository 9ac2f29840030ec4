package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// TestMain lets the test binary serve as the floor, the sourcegraph server
// or arith, as lspbench itself does: the tests re-execute it with serveEnv
// set. After the tests, no goroutine may be left (a client's, say).
func TestMain(m *testing.M) {
	if mode := os.Getenv(serveEnv); mode != "" {
		os.Exit(serveMode(mode))
	}
	code := m.Run()
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// TestSmoke runs every scenario once, small, against every server, and so
// checks that each server answers each scenario correctly (the scenarios
// check every result) and that the report is complete. lspkit is served by
// this binary (LSPBENCH_SERVE=arith: conn.Serve and samples/arith, as
// `lspkit serve arith` does) so that the test need not build lspkit; the
// library server is built, as lspbench builds it.
func TestSmoke(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	library, err := buildBinary(t.TempDir(), libraryPkg, "arithserver")
	if err != nil {
		t.Fatal(err)
	}
	servers := []server{
		{name: "floor", path: self, env: []string{serveEnv + "=floor"}},
		{name: "lspkit", path: self, env: []string{serveEnv + "=arith"}},
		{name: "library", path: library},
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
	for _, s := range servers {
		rs := results[s.name]
		if len(rs) != 1 {
			t.Errorf("%s: %d results, want 1", s.name, len(rs))
			continue
		}
		if r := rs[0]; r.rss <= 0 || r.anon <= 0 || r.cpu <= 0 || r.rttP50 <= 0 || r.seqRate <= 0 ||
			r.rate16 <= 0 || r.rate256 <= 0 || r.ticks <= 0 || r.bigRate <= 0 || r.cancel <= 0 {
			t.Errorf("%s: a figure is missing: %+v", s.name, r)
		}
	}
	for _, name := range []string{"lspkit", "library"} {
		if !regexp.MustCompile(`(?m)^` + name + ` meets \d+ of \d+ targets\.$`).MatchString(out.String()) {
			t.Errorf("the report does not say how many targets %s meets", name)
		}
	}
}

// TestVerdicts checks the targets of issue 13 against made-up figures: each
// row's bound passes and just beyond it fails, for the servers it is for.
func TestVerdicts(t *testing.T) {
	row := func(name string) metric {
		for _, m := range metrics {
			if m.name == name {
				return m
			}
		}
		t.Fatalf("no row %q", name)
		return metric{}
	}
	ms := float64(time.Millisecond)
	for _, tc := range []struct {
		row, server string
		v, ratio    float64
		ok, applies bool
	}{
		{"echo round trip, p50", "library", 0, 1.25, true, true},
		{"echo round trip, p50", "lspkit", 0, 1.26, false, true},
		{"echo round trip, p50", "sourcegraph", 0, 1, false, false},
		{"echo round trip, p99", "library", 0, 1, false, false},
		{"sequential calls/s", "library", 0, 1.25, true, true},
		{"sequential calls/s", "library", 0, 1.3, false, true},
		{"16 in flight, calls/s", "library", 0, 1.5, true, true},
		{"16 in flight, calls/s", "lspkit", 0, 1.6, false, true},
		{"256 in flight, calls/s", "library", 0, 1.5, true, true},
		{"256 in flight, calls/s", "library", 0, 1.51, false, true},
		{"ticks, then count", "library", 0, 1.5, true, true},
		{"ticks, then count", "library", 0, 1.51, false, true},
		{"1 MiB echo, MB/s", "library", 0, 1.5, true, true},
		{"1 MiB echo, MB/s", "lspkit", 0, 1.51, false, true},
		{"cancel → -32800", "library", 4.9 * ms, 100, true, true},
		{"cancel → -32800", "lspkit", 5 * ms, 1, false, true},
		{"peak RSS (VmHWM)", "library", 0, 2, true, true},
		{"peak RSS (VmHWM)", "library", 0, 2.1, false, true},
		{"peak RSS (VmHWM)", "lspkit", 0, 3, false, false},
		{"server CPU, all of it", "library", 0, 9, false, false},
	} {
		ok, applies := row(tc.row).verdict(tc.server, tc.v, tc.ratio)
		if ok != tc.ok || applies != tc.applies {
			t.Errorf("%s, %s at %g (ratio %g): ok %v applies %v, want %v %v", tc.row, tc.server, tc.v, tc.ratio, ok, applies, tc.ok, tc.applies)
		}
	}
}

// TestReportTargets checks the report's verdicts and counts: a library
// server 1.2 times the floor on every row meets all eight targets but the
// cancellation's, which it is 1.2 times 10 ms for; lspkit is judged on all
// but the peak RSS.
func TestReportTargets(t *testing.T) {
	floor := result{rttP50: 10 * time.Microsecond, rttP99: 20 * time.Microsecond, seqRate: 1000, rate16: 1000, rate256: 1000,
		ticks: 10 * time.Millisecond, bigRate: 100, cancel: 10 * time.Millisecond, rss: 10 << 20, anon: 5 << 20, cpu: time.Second}
	scale := func(r result, k float64) result {
		return result{rttP50: time.Duration(float64(r.rttP50) * k), rttP99: time.Duration(float64(r.rttP99) * k),
			seqRate: r.seqRate / k, rate16: r.rate16 / k, rate256: r.rate256 / k, ticks: time.Duration(float64(r.ticks) * k),
			bigRate: r.bigRate / k, cancel: time.Duration(float64(r.cancel) * k), rss: int64(float64(r.rss) * k),
			anon: int64(float64(r.anon) * k), cpu: time.Duration(float64(r.cpu) * k)}
	}
	servers := []server{{name: "floor"}, {name: "lspkit"}, {name: "library"}, {name: "sourcegraph"}}
	results := map[string][]result{
		"floor":       {floor},
		"lspkit":      {scale(floor, 1.4)},
		"library":     {scale(floor, 1.2)},
		"sourcegraph": {scale(floor, 10)},
	}
	var out bytes.Buffer
	report(&out, servers, results, 1, smokeSizes)
	t.Log("\n" + out.String())
	for _, want := range []string{
		// library: all but the cancellation (12 ms).
		"library meets 7 of 8 targets.",
		// lspkit at 1.4x: 16 and 256 in flight, ticks and 1 MiB pass;
		// p50, sequential and cancellation (14 ms) fail; no RSS verdict.
		"lspkit meets 4 of 7 targets.",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the report does not say %q", want)
		}
	}
	if strings.Contains(out.String(), "sourcegraph meets") {
		t.Error("the report judges sourcegraph")
	}
	rss := regexp.MustCompile(`(?m)^peak RSS \(VmHWM\).*$`).FindString(out.String())
	if strings.Count(rss, "≤2x PASS") != 1 || strings.Contains(rss, "FAIL") {
		t.Errorf("peak RSS row %q: want one verdict, the library server's PASS", rss)
	}
}

// TestSetUp checks how server names resolve, without building anything.
func TestSetUp(t *testing.T) {
	for _, tc := range []struct {
		names []string
		want  []server // after the floor
		err   string
	}{
		{names: []string{"sourcegraph", " arith"}, want: []server{
			{name: "sourcegraph", path: "self", env: []string{serveEnv + "=sourcegraph"}},
			{name: "arith", path: "self", env: []string{serveEnv + "=arith"}},
		}},
		{names: []string{"floor", "", "old=/tmp/lspkit-old", "lib=library:/tmp/arithserver"}, want: []server{
			{name: "old", path: "/tmp/lspkit-old", args: []string{"serve", "arith"}},
			{name: "lib", path: "/tmp/arithserver"},
		}},
		{names: []string{"lspkit"}, want: []server{{name: "lspkit", path: "/bin/lspkit", args: []string{"serve", "arith"}}}},
		{names: []string{"nonesuch"}, err: "unknown server"},
		{names: []string{"old=", "x"}, err: "unknown server"},
		{names: []string{"sourcegraph", "sourcegraph"}, err: "named twice"},
		{names: []string{"arith", "arith=/tmp/x"}, err: "named twice"},
	} {
		servers, cleanup, err := setUp("self", "/bin/lspkit", tc.names)
		cleanup()
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("setUp(%q): err %v, want %q", tc.names, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("setUp(%q): %v", tc.names, err)
			continue
		}
		want := append([]server{{name: "floor", path: "self", env: []string{serveEnv + "=floor"}}}, tc.want...)
		if !reflect.DeepEqual(servers, want) {
			t.Errorf("setUp(%q) =\n%+v\nwant\n%+v", tc.names, servers, want)
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
	servers, cleanup, err := setUp(self, "", []string{"floor", "lspkit", "library", "sourcegraph"})
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

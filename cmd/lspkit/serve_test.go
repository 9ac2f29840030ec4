package main

// Black-box tests of `lspkit serve arith` on stdio: the built binary as a
// subprocess (serveProc, serveproc_test.go), driven with raw bytes over its
// stdin and stdout, in both framings.

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lspkit/lspkit/framing"
)

// serveFramings are the framings `lspkit serve` speaks on stdio.
var serveFramings = []string{"header", "line"}

// specCase is one example of the JSON-RPC 2.0 specification.
type specCase struct {
	Name   string          `json:"name"`
	Send   string          `json:"send"`
	Expect json.RawMessage `json:"expect"`
}

func loadSpecCases(t *testing.T) []specCase {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "jsonrpc", "jsonrpc-spec-examples.json"))
	if err != nil {
		t.Fatal(err)
	}
	var file struct{ Cases []specCase }
	if err := json.Unmarshal(data, &file); err != nil {
		t.Fatal(err)
	}
	if len(file.Cases) == 0 {
		t.Fatal("no cases in jsonrpc-spec-examples.json")
	}
	return file.Cases
}

// canonicalReply returns v in a form where equal meaning is equal text: the
// elements of a batch reply sorted, and error messages (free text, but
// required) dropped once checked.
func canonicalReply(t *testing.T, v any) string {
	t.Helper()
	var canon func(v any) any
	canon = func(v any) any {
		switch v := v.(type) {
		case []any:
			out := make([]string, len(v))
			for i, e := range v {
				b, _ := json.Marshal(canon(e))
				out[i] = string(b)
			}
			slices.Sort(out)
			elems := make([]any, len(out))
			for i, s := range out {
				elems[i] = json.RawMessage(s)
			}
			return elems
		case map[string]any:
			e, ok := v["error"].(map[string]any)
			if !ok {
				return v
			}
			if m, ok := e["message"].(string); !ok || m == "" {
				t.Errorf("error object without a message: %v", e)
			}
			e2 := make(map[string]any, len(e))
			for k, x := range e {
				if k != "message" {
					e2[k] = x
				}
			}
			v2 := make(map[string]any, len(v))
			for k, x := range v {
				v2[k] = x
			}
			v2["error"] = e2
			return v2
		}
		return v
	}
	b, err := json.Marshal(canon(v))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestBinarySpecExamples sends every example of the specification to the
// binary, in both framings, and compares the replies by meaning. Examples
// that must get no reply are followed by a marker request whose reply must
// come next.
func TestBinarySpecExamples(t *testing.T) {
	t.Parallel()
	cases := loadSpecCases(t)
	for _, fr := range serveFramings {
		t.Run(fr, func(t *testing.T) {
			t.Parallel()
			p := startServeProc(t, fr)
			for i, tc := range cases {
				t.Run(tc.Name, func(t *testing.T) {
					p := p.in(t)
					p.send(tc.Send)
					if string(tc.Expect) == "null" {
						marker := fmt.Sprintf(`{"jsonrpc":"2.0","id":"marker-%d","method":"echo","params":["after %s"]}`, i, tc.Name)
						p.send(marker)
						got := canonicalReply(t, p.readReply())
						want := fmt.Sprintf(`{"id":"marker-%d","jsonrpc":"2.0","result":["after %s"]}`, i, tc.Name)
						if got != want {
							t.Errorf("sent %s\nwant no reply, then the marker's reply %s\ngot %s", tc.Send, want, got)
						}
						return
					}
					var want any
					if err := json.Unmarshal(tc.Expect, &want); err != nil {
						t.Fatal(err)
					}
					if got, want := canonicalReply(t, p.readReply()), canonicalReply(t, want); got != want {
						t.Errorf("sent %s\ngot  %s\nwant %s", tc.Send, got, want)
					}
				})
			}
			// Nothing else comes, not even late, and the end is clean.
			if code := p.end(); code != 0 {
				t.Errorf("exit status %d, want 0", code)
			}
		})
	}
}

// replySummary describes a reply in one line for comparison: its id and
// its result, or its error code ("any" stands for any code).
func replySummary(t *testing.T, body []byte) string {
	t.Helper()
	var r struct {
		JSONRPC string          `json:"jsonrpc"`
		ID      json.RawMessage `json:"id"`
		Result  json.RawMessage `json:"result"`
		Error   *struct {
			Code    *int64 `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return fmt.Sprintf("not a reply: %s", body)
	}
	if r.JSONRPC != "2.0" || r.ID == nil || (r.Result == nil) == (r.Error == nil) {
		return fmt.Sprintf("malformed reply: %s", body)
	}
	if r.Error != nil {
		if r.Error.Code == nil || r.Error.Message == "" {
			return fmt.Sprintf("malformed error: %s", body)
		}
		return fmt.Sprintf("id=%s error=%d", r.ID, *r.Error.Code)
	}
	var result any
	if err := json.Unmarshal(r.Result, &result); err != nil {
		return fmt.Sprintf("malformed result: %s", body)
	}
	var buf strings.Builder
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(result); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("id=%s result=%s", r.ID, strings.TrimSuffix(buf.String(), "\n"))
}

// errReply is the summary of an error reply to an unknown id.
func errReply(code int64) string { return fmt.Sprintf("id=null error=%d", code) }

// goodRequest is a request that must be answered goodReply(id).
func goodRequest(id int) string {
	return fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"subtract","params":[%d,1]}`, id, id)
}

func goodReply(id int) string { return fmt.Sprintf("id=%d result=%d", id, id-1) }

// badInput is one kind of bad input, followed by a good request that must
// still be answered.
type badInput struct {
	name string
	raw  func(p *serveProc) []byte
	want []string // summaries of the replies to raw, in order
	// after: what follows raw (default: goodRequest(1000) framed) and the
	// summaries of its replies (default: goodReply(1000)).
	after     func(p *serveProc) []byte
	wantAfter []string
}

func rawBytes(s string) func(*serveProc) []byte { return func(*serveProc) []byte { return []byte(s) } }
func framed(s string) func(*serveProc) []byte   { return func(p *serveProc) []byte { return p.frame(s) } }

// overLimit is a body one byte over the default maximum message size: a
// JSON string, so that only its size is wrong.
func overLimit() string {
	return `"` + strings.Repeat("x", framing.DefaultMaxMessageSize-1) + `"`
}

var invalidUTF8Echo = `{"jsonrpc":"2.0","id":77,"method":"echo","params":{"s":"a` + "\xff" + `b"}}`

func badInputs(fr string) []badInput {
	common := []badInput{
		{name: "invalid JSON", raw: framed(`{"jsonrpc":"2.0","id":1,"method":`), want: []string{errReply(-32700)}},
		{name: "not a request", raw: framed(`{"jsonrpc":"2.0","foo":1}`), want: []string{errReply(-32600)}},
		{name: "invalid UTF-8 inside a string", raw: framed(invalidUTF8Echo), want: []string{`id=77 result={"s":"a` + "\uFFFD" + `b"}`}},
	}
	if fr == "line" {
		return append(common, []badInput{
			{name: "garbage line", raw: rawBytes("garbage \x00\x01 }{\n"), want: []string{errReply(-32700)}},
			{name: "blank lines between messages", raw: rawBytes("\n \r\n\t\n"), want: nil},
			{name: "CRLF line end", raw: rawBytes(goodRequest(5) + "\r\n"), want: []string{goodReply(5)}},
			{name: "line over the limit", raw: rawBytes(overLimit() + "\n"), want: []string{errReply(-32600)}},
			{
				// Bytes with no line end join the next line, which is lost
				// with them: line framing cannot resynchronise inside a line.
				name: "garbage bytes without a line end", raw: rawBytes("\x00\xff}{garbage"),
				after:     func(p *serveProc) []byte { return slices.Concat(p.frame(goodRequest(1)), p.frame(goodRequest(2))) },
				wantAfter: []string{errReply(-32700), goodReply(2)},
			},
		}...)
	}
	goodAB := func(p *serveProc) []byte { return slices.Concat(p.frame(goodRequest(1)), p.frame(goodRequest(2))) }
	return append(common, []badInput{
		{name: "non-numeric Content-Length", raw: rawBytes("Content-Length: abc\r\n\r\n"), want: []string{errReply(-32700)}},
		{name: "negative Content-Length", raw: rawBytes("Content-Length: -5\r\n\r\n"), want: []string{errReply(-32700)}},
		{name: "no Content-Length", raw: rawBytes("Content-Type: application/vscode-jsonrpc\r\n\r\n"), want: []string{errReply(-32700)}},
		{name: "garbage line between frames", raw: rawBytes("garbage \x00\x01 }{\r\n"), want: []string{errReply(-32700)}},
		{name: "blank lines between frames", raw: rawBytes("\r\n\r\n\n"), want: nil},
		{name: "empty body", raw: rawBytes("Content-Length: 0\r\n\r\n"), want: []string{errReply(-32700)}},
		{name: "lower-case header, bare LF", raw: rawBytes("content-length: " + strconv.Itoa(len(goodRequest(5))) + "\n\n" + goodRequest(5)), want: []string{goodReply(5)}},
		{name: "Content-Type utf-8", raw: rawBytes("Content-Length: " + strconv.Itoa(len(goodRequest(5))) + "\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n" + goodRequest(5)), want: []string{goodReply(5)}},
		{
			name: "Content-Type latin1",
			raw: rawBytes("Content-Length: " + strconv.Itoa(len(goodRequest(5))) +
				"\r\nContent-Type: application/vscode-jsonrpc; charset=latin1\r\n\r\n" + goodRequest(5)),
			want: []string{errReply(-32700)},
		},
		{name: "message over the limit", raw: framed(overLimit()), want: []string{errReply(-32600)}},
		{
			name: "non-numeric Content-Length with a body",
			raw:  rawBytes("Content-Length: abc\r\n\r\n" + goodRequest(5)),
			want: []string{errReply(-32700)},
		},
		{
			name: "garbage bytes between frames", raw: rawBytes("\x00\xff}{garbage"),
			after: goodAB, wantAfter: []string{errReply(-32700), goodReply(1), goodReply(2)},
		},
	}...)
}

// send writes the bad input and what follows it, and returns the
// summaries of the replies expected.
func (b badInput) send(p *serveProc) []string {
	p.sendRaw(b.raw(p))
	want := slices.Clone(b.want)
	if b.after != nil {
		p.sendRaw(b.after(p))
		return append(want, b.wantAfter...)
	}
	p.send(goodRequest(1000))
	return append(want, goodReply(1000))
}

// TestBinaryBadInput sends each kind of bad input to a process of its own,
// then a good request, closes stdin and checks every reply up to the end of
// stdout: the bad input is answered as it should be, the good request
// still is, and the process ends cleanly.
func TestBinaryBadInput(t *testing.T) {
	t.Parallel()
	for _, fr := range serveFramings {
		for _, b := range badInputs(fr) {
			t.Run(fr+"/"+b.name, func(t *testing.T) {
				t.Parallel()
				p := startServeProc(t, fr)
				want := b.send(p)
				p.closeStdin()
				var got []string
				for _, f := range p.rest() {
					if f.err != nil {
						t.Fatal(f.err)
					}
					got = append(got, replySummary(t, f.body))
				}
				code := p.wait()
				// Requests run concurrently: their replies come in any order.
				slices.Sort(got)
				slices.Sort(want)
				fail := t.Errorf
				if !slices.Equal(got, want) {
					fail("replies:\n  got  %q\n  want %q", got, want)
				}
				if code != 0 {
					fail("exit status %d, want 0", code)
				}
			})
		}
	}
}

// TestBinaryBadInputInSequence sends every kind of bad input, each followed
// by a good request, to one process, reading the replies as they come: bad
// input leaves no trace on what follows.
func TestBinaryBadInputInSequence(t *testing.T) {
	t.Parallel()
	for _, fr := range serveFramings {
		t.Run(fr, func(t *testing.T) {
			t.Parallel()
			p := startServeProc(t, fr)
			for _, b := range badInputs(fr) {
				t.Run(b.name, func(t *testing.T) {
					p := p.in(t)
					want := b.send(p)
					var got []string
					for range want {
						got = append(got, replySummary(t, p.read()))
					}
					slices.Sort(got) // requests run concurrently
					slices.Sort(want)
					if !slices.Equal(got, want) {
						t.Errorf("replies:\n  got  %q\n  want %q", got, want)
					}
				})
			}
			if code := p.end(); code != 0 {
				t.Errorf("exit status %d, want 0", code)
			}
		})
	}
}

// TestBinaryHugeContentLength: a header that claims 10 GB (or more than
// int64 holds) is answered at once, the body is discarded as it comes
// without being kept, and the process ends cleanly at the end of its input.
func TestBinaryHugeContentLength(t *testing.T) {
	t.Parallel()
	for _, claim := range []string{"10000000000", "99999999999999999999999"} {
		t.Run(claim, func(t *testing.T) {
			t.Parallel()
			p := startServeProc(t, "header")
			p.sendRaw([]byte("Content-Length: " + claim + "\r\n\r\n"))
			if got, want := replySummary(t, p.read()), errReply(-32600); got != want {
				t.Errorf("reply to the huge header: %s, want %s", got, want)
			}
			// 256 MiB of the claimed body: each write returns once the
			// process has read (and, we expect, discarded) the ones before.
			chunk := []byte(strings.Repeat("x", 1<<20))
			for range 256 {
				p.sendRaw(chunk)
			}
			const limit = 200 << 20
			if rss := p.peakRSS(); rss >= limit {
				t.Errorf("peak RSS %d MiB, want < %d MiB", rss>>20, limit>>20)
			} else {
				t.Logf("peak RSS %d MiB", rss>>20)
			}
			if code := p.end(); code != 0 {
				t.Errorf("the input ended inside the refused body: exit status %d, want 0 (a clean end); stderr: %s", code, p.stderr)
			}
		})
	}
}

// TestBinaryCancel: a long sleep cancelled with $/cancelRequest is answered
// -32800 at once.
func TestBinaryCancel(t *testing.T) {
	t.Parallel()
	for _, fr := range serveFramings {
		t.Run(fr, func(t *testing.T) {
			t.Parallel()
			p := startServeProc(t, fr)
			p.send(`{"jsonrpc":"2.0","id":7,"method":"sleep","params":{"ms":10000}}`)
			start := time.Now()
			p.send(`{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":7}}`)
			got := replySummary(t, p.read())
			if elapsed := time.Since(start); elapsed >= time.Second {
				t.Errorf("the cancelled request was answered after %v, want < 1s", elapsed)
			}
			if want := "id=7 error=-32800"; got != want {
				t.Errorf("reply %s, want %s", got, want)
			}
			p.send(goodRequest(8))
			if got, want := replySummary(t, p.read()), goodReply(8); got != want {
				t.Errorf("reply %s, want %s", got, want)
			}
			start = time.Now()
			if code := p.end(); code != 0 {
				t.Errorf("exit status %d, want 0", code)
			}
			if elapsed := time.Since(start); elapsed >= 5*time.Second {
				t.Errorf("the process took %v to exit: did it wait for the cancelled sleep?", elapsed)
			}
		})
	}
}

// exerciseLogs sends traffic that makes the server log: bad input, and a
// cancellation. It returns once every reply has come.
func exerciseLogs(p *serveProc) {
	p.t.Helper()
	p.send(`{"jsonrpc":"2.0","id":1,"method":`)
	p.send(`{"jsonrpc":"2.0","id":2,"result":"reply to nothing"}`)
	p.send(goodRequest(3))
	want := []string{errReply(-32700), goodReply(3)}
	var got []string
	for range want {
		got = append(got, replySummary(p.t, p.read()))
	}
	if !slices.Equal(got, want) {
		p.t.Errorf("replies:\n  got  %q\n  want %q", got, want)
	}
}

// TestBinaryLogs: logs go to stderr, or to --log-file and then nowhere
// else; stdout carries nothing but frames (serveProc fails the test on
// anything else).
func TestBinaryLogs(t *testing.T) {
	t.Parallel()
	for _, fr := range serveFramings {
		t.Run(fr+"/stderr", func(t *testing.T) {
			t.Parallel()
			p := startServeProc(t, fr, "--log-level", "debug")
			exerciseLogs(p)
			if code := p.end(); code != 0 {
				t.Errorf("exit status %d, want 0", code)
			}
			logs := p.stderr.String()
			for _, want := range []string{"level=WARN", "level=DEBUG"} {
				if !strings.Contains(logs, want) {
					t.Errorf("stderr has no %q line:\n%s", want, logs)
				}
			}
		})
		t.Run(fr+"/log-file", func(t *testing.T) {
			t.Parallel()
			file := filepath.Join(t.TempDir(), "lspkit.log")
			p := startServeProc(t, fr, "--log-file", file, "--log-level", "debug")
			exerciseLogs(p)
			if code := p.end(); code != 0 {
				t.Errorf("exit status %d, want 0", code)
			}
			if s := p.stderr.String(); s != "" {
				t.Errorf("stderr is not empty with --log-file:\n%s", s)
			}
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{"level=WARN", "level=DEBUG"} {
				if !strings.Contains(string(data), want) {
					t.Errorf("the log file has no %q line:\n%s", want, data)
				}
			}
		})
	}
}

// TestBinaryStdinClosed: the process answers what it received before its
// stdin closed, then exits 0.
func TestBinaryStdinClosed(t *testing.T) {
	t.Parallel()
	for _, fr := range serveFramings {
		t.Run(fr, func(t *testing.T) {
			t.Parallel()
			p := startServeProc(t, fr)
			p.sendRaw(slices.Concat(
				p.frame(`{"jsonrpc":"2.0","id":1,"method":"sleep","params":{"ms":200}}`),
				p.frame(goodRequest(2)),
				p.frame(`{"jsonrpc":"2.0","method":"notify_sum","params":[5]}`),
				p.frame(`{"jsonrpc":"2.0","id":3,"method":"get_total"}`),
			))
			p.closeStdin()
			var got []string
			for _, f := range p.rest() {
				if f.err != nil {
					t.Fatal(f.err)
				}
				got = append(got, replySummary(t, f.body))
			}
			slices.Sort(got)
			if want := []string{"id=1 result=null", goodReply(2), "id=3 result=5"}; !slices.Equal(got, want) {
				t.Errorf("replies:\n  got  %q\n  want %q", got, want)
			}
			if code := p.wait(); code != 0 {
				t.Errorf("exit status %d, want 0", code)
			}
		})
	}
}

// TestBinaryStdioFlag: --stdio, which editors pass, is accepted.
func TestBinaryStdioFlag(t *testing.T) {
	t.Parallel()
	for _, fr := range serveFramings {
		t.Run(fr, func(t *testing.T) {
			t.Parallel()
			p := startServeProc(t, fr, "--stdio")
			p.send(goodRequest(4))
			if got, want := replySummary(t, p.read()), goodReply(4); got != want {
				t.Errorf("reply %s, want %s", got, want)
			}
			if code := p.end(); code != 0 {
				t.Errorf("exit status %d, want 0", code)
			}
		})
	}
}

// TestBinaryBadFlags: a bad flag value exits non-zero with a message on
// stderr and nothing on stdout.
func TestBinaryBadFlags(t *testing.T) {
	t.Parallel()
	serveBinary(t)
	for _, tc := range []struct {
		args []string
		want string // in stderr
	}{
		{[]string{"--framing", "bogus"}, "framing"},
		{[]string{"--log-level", "bogus"}, "log-level"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			t.Parallel()
			res := execLspkit(t, goodRequest(1)+"\n", append([]string{"serve", "arith"}, tc.args...)...)
			if res.code == 0 {
				t.Errorf("exit status 0, want non-zero")
			}
			if !strings.Contains(res.stderr, tc.want) {
				t.Errorf("stderr %q does not mention %q", res.stderr, tc.want)
			}
			if res.stdout != "" {
				t.Errorf("stdout %q, want nothing", res.stdout)
			}
		})
	}
}

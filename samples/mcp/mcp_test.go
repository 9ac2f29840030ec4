package mcp_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lspkit/lspkit/samples/mcp"
	"go.uber.org/goleak"
)

// TestMain removes the lspkit binary the end-to-end tests built, and fails
// the run if any test left a goroutine behind.
func TestMain(m *testing.M) {
	code := m.Run()
	if lspkit.dir != "" {
		os.RemoveAll(lspkit.dir)
	}
	if err := goleak.Find(); err != nil && code == 0 {
		fmt.Fprintln(os.Stderr, "goleak:", err)
		code = 1
	}
	os.Exit(code)
}

// session is a client of an in-process server, speaking raw lines.
type session struct {
	t      *testing.T
	conn   net.Conn
	lines  chan []byte // what the server wrote, a line each
	served chan error  // Serve's result
	logs   *syncBuffer // the server's own log
}

// serve starts the calc tool server on an in-memory pipe.
func serve(t *testing.T) *session {
	t.Helper()
	ours, theirs := net.Pipe()
	s := &session{t: t, conn: ours, lines: make(chan []byte, 1024), served: make(chan error, 1), logs: &syncBuffer{}}
	srv := mcp.New(slog.New(slog.NewTextHandler(s.logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	go func() { s.served <- srv.Serve(context.Background(), theirs) }()
	go func() {
		defer close(s.lines)
		sc := bufio.NewScanner(ours)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			s.lines <- bytes.Clone(sc.Bytes())
		}
	}()
	t.Cleanup(func() {
		ours.Close()
		for range s.lines {
		}
		if err := <-s.served; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return s
}

// send writes lines, each ended by a newline.
func (s *session) send(lines ...string) {
	s.t.Helper()
	for _, l := range lines {
		if _, err := s.conn.Write([]byte(l + "\n")); err != nil {
			s.t.Fatalf("writing %s: %v", l, err)
		}
	}
}

// message is any message the server sends, decoded.
type message struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method"`
	Params json.RawMessage `json:"params"`
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Code    int             `json:"code"`
		Message string          `json:"message"`
		Data    json.RawMessage `json:"data"`
	} `json:"error"`
	raw []byte
}

// next returns the next line the server sends, decoded, or fails after a
// while.
func (s *session) next() message {
	s.t.Helper()
	select {
	case line, ok := <-s.lines:
		if !ok {
			s.t.Fatal("the server's output ended")
		}
		var m message
		if line[0] == '[' {
			m.raw = line
			return m
		}
		if err := json.Unmarshal(line, &m); err != nil {
			s.t.Fatalf("the server sent %q: %v", line, err)
		}
		m.raw = line
		return m
	case <-time.After(10 * time.Second):
		s.t.Fatal("no message from the server in 10s")
	}
	panic("unreachable")
}

// quiet checks that the server sends nothing for d.
func (s *session) quiet(d time.Duration) {
	s.t.Helper()
	select {
	case line := <-s.lines:
		s.t.Fatalf("the server sent %s, want nothing", line)
	case <-time.After(d):
	}
}

// initialize opens the session at version.
func (s *session) initialize(version string) message {
	s.t.Helper()
	s.send(fmt.Sprintf(`{"jsonrpc":"2.0","id":"init","method":"initialize","params":{"protocolVersion":%q,"capabilities":{},"clientInfo":{"name":"test","version":"1"}}}`, version))
	m := s.next()
	s.send(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	return m
}

// call sends tools/call for tool with args and returns the reply.
func (s *session) call(id int, tool, args string) message {
	s.t.Helper()
	s.send(fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":%q,"arguments":%s}}`, id, tool, args))
	return s.next()
}

func TestVersionNegotiation(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ asked, agreed string }{
		{"2025-11-25", "2025-11-25"},
		{"2025-06-18", "2025-06-18"},
		{"2025-03-26", "2025-03-26"},
		{"2024-11-05", "2025-11-25"}, // not spoken: our newest, for the client to decide
		{"2099-01-01", "2025-11-25"},
	} {
		t.Run(tc.asked, func(t *testing.T) {
			t.Parallel()
			s := serve(t)
			m := s.initialize(tc.asked)
			var res struct {
				ProtocolVersion string                     `json:"protocolVersion"`
				Capabilities    map[string]json.RawMessage `json:"capabilities"`
				ServerInfo      mcp.Implementation         `json:"serverInfo"`
			}
			if err := json.Unmarshal(m.Result, &res); err != nil || m.Error != nil {
				t.Fatalf("initialize: %s", m.raw)
			}
			if res.ProtocolVersion != tc.agreed {
				t.Errorf("asked %s, agreed %s, want %s", tc.asked, res.ProtocolVersion, tc.agreed)
			}
			if _, ok := res.Capabilities["tools"]; !ok {
				t.Errorf("capabilities %s: no tools, though three are registered", m.Result)
			}
			if _, ok := res.Capabilities["logging"]; !ok {
				t.Errorf("capabilities %s: no logging", m.Result)
			}
			if res.ServerInfo.Name != "lspkit-calc" {
				t.Errorf("serverInfo %+v", res.ServerInfo)
			}
		})
	}
}

// Capabilities follow what is registered: a server without tools does not
// announce them.
func TestCapabilitiesFromRegistry(t *testing.T) {
	t.Parallel()
	ours, theirs := net.Pipe()
	srv := mcp.NewServer(mcp.Implementation{Name: "empty", Version: "0"})
	done := make(chan error, 1)
	go func() { done <- srv.Serve(context.Background(), theirs) }()
	ours.Write([]byte(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}` + "\n"))
	line, err := bufio.NewReader(ours).ReadBytes('\n')
	ours.Close()
	if err != nil || <-done != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(line, []byte(`"capabilities":{"logging":{}}`)) {
		t.Errorf("a server without tools: %s, want only logging announced", line)
	}
}

func TestLifecycle(t *testing.T) {
	t.Parallel()
	s := serve(t)
	// Before initialize: requests refused, ping answered, notifications
	// ignored.
	s.send(`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`)
	if m := s.next(); m.Error == nil || m.Error.Code != -32600 || !strings.Contains(string(m.Error.Data), "tools/list") {
		t.Errorf("tools/list before initialize: %s, want -32600 naming it", m.raw)
	}
	s.send(`{"jsonrpc":"2.0","id":2,"method":"ping"}`)
	if m := s.next(); string(m.Result) != "{}" {
		t.Errorf("ping before initialize: %s, want {}", m.raw)
	}
	s.send(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	s.send(`{"jsonrpc":"2.0","id":3,"method":"initialize","params":{"capabilities":{}}}`)
	if m := s.next(); m.Error == nil || m.Error.Code != -32602 || !strings.Contains(m.Error.Message, "protocolVersion") {
		t.Errorf("initialize without protocolVersion: %s, want -32602", m.raw)
	}
	if m := s.initialize("2025-11-25"); m.Error != nil {
		t.Fatalf("initialize: %s", m.raw)
	}
	if m := s.initialize("2025-11-25"); m.Error == nil || m.Error.Code != -32600 {
		t.Errorf("initialize again: %s, want -32600", m.raw)
	}
	s.send(`{"jsonrpc":"2.0","id":4,"method":"ping"}`)
	if m := s.next(); string(m.Result) != "{}" {
		t.Errorf("ping: %s", m.raw)
	}
	if !strings.Contains(s.logs.String(), "notifications/initialized before initialize") {
		t.Errorf("an early notifications/initialized was not logged:\n%s", s.logs)
	}
}

// The raw wire: a malformed line, an unknown method and a bad notification
// get what JSON-RPC says, and the session goes on.
func TestBadInput(t *testing.T) {
	t.Parallel()
	s := serve(t)
	s.initialize("2025-11-25")
	for _, tc := range []struct {
		line string
		code int
	}{
		{`{"jsonrpc":"2.0","id":1,"method":"ping"`, -32700},
		{`not json at all`, -32700},
		{`{"jsonrpc":"2.0","id":2,"method":"resources/list"}`, -32601},
		{`{"jsonrpc":"2.0","id":3}`, -32600},
		{`{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"nope","arguments":{}}}`, -32602},
		{`{"jsonrpc":"2.0","id":5,"method":"tools/call","params":[1]}`, -32602},
		{`{"jsonrpc":"2.0","id":6,"method":"logging/setLevel","params":{"level":"loud"}}`, -32602},
		{`{"jsonrpc":"2.0","id":7,"method":"logging/setLevel","params":{}}`, -32602},
	} {
		s.send(tc.line)
		if m := s.next(); m.Error == nil || m.Error.Code != tc.code {
			t.Errorf("%s: %s, want %d", tc.line, m.raw, tc.code)
		}
	}
	s.send(`{"jsonrpc":"2.0","method":"notifications/unknown"}`, `{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":999}}`)
	s.send(`{"jsonrpc":"2.0","id":8,"method":"ping"}`)
	if m := s.next(); string(m.ID) != "8" || string(m.Result) != "{}" {
		t.Errorf("ping after bad input: %s", m.raw)
	}
}

// Batches exist only in 2025-03-26; otherwise one -32600 answers the whole
// batch, and none of its elements runs.
func TestBatches(t *testing.T) {
	t.Parallel()
	const batch = `[{"jsonrpc":"2.0","id":10,"method":"ping"},{"jsonrpc":"2.0","id":11,"method":"tools/call","params":{"name":"evaluate","arguments":{"expression":"1+1"}}}]`
	for _, tc := range []struct {
		version string // "" for a batch before initialize
		allowed bool
	}{{"", false}, {"2025-03-26", true}, {"2025-06-18", false}, {"2025-11-25", false}} {
		t.Run("version="+tc.version, func(t *testing.T) {
			t.Parallel()
			s := serve(t)
			if tc.version != "" {
				s.initialize(tc.version)
			}
			s.send(batch)
			m := s.next()
			if tc.allowed {
				var replies []message
				if err := json.Unmarshal(m.raw, &replies); err != nil || len(replies) != 2 || !strings.Contains(string(m.raw), `"structuredContent":{"value":2`) {
					t.Errorf("batch in %s: %s, want both replies", tc.version, m.raw)
				}
				return
			}
			if m.Error == nil || m.Error.Code != -32600 || string(m.ID) != "null" {
				t.Errorf("batch: %s, want one -32600 with id null", m.raw)
			}
			s.send(`{"jsonrpc":"2.0","id":12,"method":"ping"}`)
			if m := s.next(); string(m.ID) != "12" {
				t.Errorf("after a refused batch: %s, want the ping's reply and nothing of the batch", m.raw)
			}
		})
	}
}

func TestListTools(t *testing.T) {
	t.Parallel()
	s := serve(t)
	s.initialize("2025-11-25")
	s.send(`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`)
	m := s.next()
	var res struct {
		Tools []struct {
			Name         string          `json:"name"`
			InputSchema  json.RawMessage `json:"inputSchema"`
			OutputSchema json.RawMessage `json:"outputSchema"`
		} `json:"tools"`
	}
	if err := json.Unmarshal(m.Result, &res); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"evaluate": `{"type":"object","properties":{"expression":{"type":"string"`,
		"check":    `{"type":"object","properties":{"source":{"type":"string"`,
		"count":    `"required":["to","delayMs"]`,
	}
	if len(res.Tools) != 3 {
		t.Fatalf("tools: %s", m.Result)
	}
	for _, tl := range res.Tools {
		if !strings.Contains(string(tl.InputSchema), want[tl.Name]) || len(tl.OutputSchema) == 0 {
			t.Errorf("%s: input %s output %s, want the input to hold %s", tl.Name, tl.InputSchema, tl.OutputSchema, want[tl.Name])
		}
	}
}

func TestEvaluate(t *testing.T) {
	t.Parallel()
	s := serve(t)
	s.initialize("2025-11-25")
	for i, tc := range []struct {
		expr       string
		structured string // the structured content, if a success
		errText    string // the text of the tool error, if not
	}{
		{"2*(3+4)^2", `{"value":98,"text":"98"}`, ""},
		{"sqrt(2)", `{"value":1.4142135623730951,"text":"1.4142135624"}`, ""},
		{"  -1.5 ", `{"value":-1.5,"text":"-1.5"}`, ""},
		{"2*(3+", "", "1:6: expected expression"},
		{"x+1", "", "1:1: undefined name 'x'"},
		{"1/0", "", "division by zero"},
		{"let x = 1", "", "not an expression"},
		{"1\n2", "", "one expression only"},
		{"", "", "the expression is empty"},
	} {
		m := s.call(i+1, "evaluate", fmt.Sprintf(`{"expression":%q}`, tc.expr))
		var res struct {
			Content           []struct{ Type, Text string } `json:"content"`
			StructuredContent json.RawMessage               `json:"structuredContent"`
			IsError           bool                          `json:"isError"`
		}
		if err := json.Unmarshal(m.Result, &res); err != nil || len(res.Content) != 1 {
			t.Errorf("%q: %s", tc.expr, m.raw)
			continue
		}
		if tc.errText == "" {
			if res.IsError || string(res.StructuredContent) != tc.structured || res.Content[0].Text != tc.structured {
				t.Errorf("%q: %s, want structured content and text %s", tc.expr, m.Result, tc.structured)
			}
		} else if !res.IsError || res.StructuredContent != nil || !strings.Contains(res.Content[0].Text, tc.errText) {
			t.Errorf("%q: %s, want a tool error holding %q", tc.expr, m.Result, tc.errText)
		}
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	s := serve(t)
	s.initialize("2025-06-18")
	m := s.call(1, "check", `{"source":"let x = 1\nlet π = z * 2\n\n  (1 +\nπ"}`)
	want := `{"diagnostics":[` +
		`{"line":1,"column":5,"severity":"warning","message":"unused name 'x'"},` +
		`{"line":2,"column":9,"severity":"error","message":"undefined name 'z'"},` +
		`{"line":4,"column":7,"severity":"error","message":"expected expression"}]}`
	if !strings.Contains(string(m.Result), `"structuredContent":`+want) {
		t.Errorf("check: %s\nwant structured content %s", m.Result, want)
	}
	m = s.call(2, "check", `{"source":"let a = 2\na ^ 10\n"}`)
	if !strings.Contains(string(m.Result), `"structuredContent":{"diagnostics":[]}`) {
		t.Errorf("a clean program: %s, want no diagnostics", m.Result)
	}
}

// Arguments that do not fit the input schema are -32602, with data naming
// the tool and what was wrong; the tool does not run.
func TestInvalidArguments(t *testing.T) {
	t.Parallel()
	s := serve(t)
	s.initialize("2025-11-25")
	for i, tc := range []struct{ tool, args, says string }{
		{"evaluate", `{}`, `missing properties: ["expression"]`},
		{"evaluate", `{"expression":12}`, `/properties/expression`},
		{"evaluate", `{"expression":"1","extra":true}`, `extra`},
		{"evaluate", `null`, `missing properties`},
		{"evaluate", `[1]`, `type`},
		{"check", `{"source":null}`, `/properties/source`},
		{"count", `{"to":"ten","delayMs":1}`, `/properties/to`},
		{"count", `{"to":1.5,"delayMs":1}`, `/properties/to`},
		{"count", `{"to":-1,"delayMs":1}`, `minimum`},
		{"count", `{"to":5,"delayMs":600000}`, `maximum`},
		{"count", `{"to":5}`, `delayMs`},
		{"evaluate", fmt.Sprintf(`{"expression":%q}`, strings.Repeat("1+", mcp.MaxExpression/2+1)+"1"), `maxLength`},
	} {
		m := s.call(i+1, tc.tool, tc.args)
		if m.Error == nil || m.Error.Code != -32602 {
			t.Errorf("%s %s: %.200s, want -32602", tc.tool, tc.args, m.raw)
			continue
		}
		var data struct{ Tool, Error string }
		if err := json.Unmarshal(m.Error.Data, &data); err != nil || data.Tool != tc.tool || !strings.Contains(data.Error, tc.says) {
			t.Errorf("%s %.60s: data %s, want it to name the tool and say %q", tc.tool, tc.args, m.Error.Data, tc.says)
		}
	}
}

type progress struct {
	ProgressToken json.RawMessage `json:"progressToken"`
	Progress      float64         `json:"progress"`
	Total         float64         `json:"total"`
	Message       string          `json:"message"`
}

func TestCountProgress(t *testing.T) {
	t.Parallel()
	s := serve(t)
	s.initialize("2025-11-25")
	s.send(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"count","arguments":{"to":5,"delayMs":1},"_meta":{"progressToken":"tok"}}}`)
	for i := 1; i <= 5; i++ {
		m := s.next()
		var p progress
		if m.Method != "notifications/progress" || json.Unmarshal(m.Params, &p) != nil {
			t.Fatalf("step %d: %s, want progress", i, m.raw)
		}
		if string(p.ProgressToken) != `"tok"` || p.Progress != float64(i) || p.Total != 5 || p.Message != fmt.Sprintf("counted %d of 5", i) {
			t.Errorf("step %d: %s", i, m.Params)
		}
	}
	if m := s.next(); string(m.ID) != "1" || !strings.Contains(string(m.Result), `"structuredContent":{"counted":5}`) {
		t.Errorf("count's reply: %s", m.raw)
	}
	// Without a progress token, no progress; an integer token is echoed as
	// it came.
	if m := s.call(2, "count", `{"to":3,"delayMs":0}`); !strings.Contains(string(m.Result), `{"counted":3}`) {
		t.Errorf("count without progress: %s, want the reply first", m.raw)
	}
	s.send(`{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"count","arguments":{"to":1,"delayMs":0},"_meta":{"progressToken":42}}}`)
	if m := s.next(); !strings.Contains(string(m.Params), `"progressToken":42`) {
		t.Errorf("integer token: %s", m.raw)
	}
	s.next()
}

// A cancelled count stops at once: no reply, no progress after the
// cancellation, and the handler ended with the client's reason.
func TestCountCancelled(t *testing.T) {
	t.Parallel()
	s := serve(t)
	s.initialize("2025-11-25")
	s.send(`{"jsonrpc":"2.0","id":"c","method":"tools/call","params":{"name":"count","arguments":{"to":1000,"delayMs":20},"_meta":{"progressToken":"p"}}}`)
	for range 3 {
		if m := s.next(); m.Method != "notifications/progress" {
			t.Fatalf("%s, want progress", m.raw)
		}
	}
	start := time.Now()
	s.send(`{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"c","reason":"the user pressed stop"}}`)
	// One progress may already have been on its way; after it, nothing.
	var late int
	deadline := time.After(300 * time.Millisecond)
wait:
	for {
		select {
		case line := <-s.lines:
			if !bytes.Contains(line, []byte("notifications/progress")) || late > 0 {
				t.Fatalf("after the cancellation the server sent %s", line)
			}
			late++
		case <-deadline:
			break wait
		}
	}
	s.send(`{"jsonrpc":"2.0","id":2,"method":"ping"}`)
	if m := s.next(); string(m.ID) != "2" {
		t.Errorf("%s, want the ping's reply: nothing for the cancelled call", m.raw)
	}
	logs := s.logs.String()
	if !strings.Contains(logs, "count stopped") || !strings.Contains(logs, "the user pressed stop") || !strings.Contains(logs, "-32800") {
		t.Errorf("the server's log does not show count stopped with the reason:\n%s", logs)
	}
	t.Logf("after the cancellation: %d progress in flight, then silence for %v", late, time.Since(start).Round(time.Millisecond))
}

// notifications/message follows logging/setLevel: nothing before it,
// then what is at or above the level.
func TestLogging(t *testing.T) {
	t.Parallel()
	s := serve(t)
	s.initialize("2025-11-25")
	expectReply := func(id int) {
		t.Helper()
		if m := s.next(); string(m.ID) != fmt.Sprint(id) {
			t.Fatalf("%s, want the reply to %d", m.raw, id)
		}
	}
	s.call(1, "check", `{"source":"1"}`) // info: not sent before setLevel
	s.send(`{"jsonrpc":"2.0","id":2,"method":"logging/setLevel","params":{"level":"info"}}`)
	expectReply(2)
	s.call(3, "evaluate", `{"expression":"1"}`) // debug: below info
	s.send(`{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"check","arguments":{"source":"1\n2"}}}`)
	m := s.next()
	if m.Method != "notifications/message" || string(m.Params) != `{"level":"info","logger":"check","data":{"diagnostics":0,"lines":2}}` {
		t.Errorf("check at level info: %s, want its log first", m.raw)
	}
	expectReply(4)
	s.send(`{"jsonrpc":"2.0","id":5,"method":"logging/setLevel","params":{"level":"debug"}}`)
	expectReply(5)
	s.send(`{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"evaluate","arguments":{"expression":"6*7"}}}`)
	if m := s.next(); m.Method != "notifications/message" || string(m.Params) != `{"level":"debug","logger":"evaluate","data":{"expression":"6*7","value":42}}` {
		t.Errorf("evaluate at level debug: %s", m.raw)
	}
	expectReply(6)
	s.send(`{"jsonrpc":"2.0","id":7,"method":"logging/setLevel","params":{"level":"emergency"}}`)
	expectReply(7)
	s.call(8, "check", `{"source":"1"}`)
	s.quiet(50 * time.Millisecond)
}

// syncBuffer is a bytes.Buffer for writers on several goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// AddTool refuses what is not a tool: no name, a name taken, arguments or a
// result that are not JSON objects.
func TestAddToolRefuses(t *testing.T) {
	t.Parallel()
	type obj struct {
		A int `json:"a"`
	}
	fn := func(context.Context, *mcp.Call, obj) (obj, error) { return obj{}, nil }
	for name, add := range map[string]func(*mcp.Server){
		"no name": func(s *mcp.Server) { mcp.AddTool(s, mcp.Tool{}, fn) },
		"taken":   func(s *mcp.Server) { mcp.AddTool(s, mcp.Tool{Name: "t"}, fn); mcp.AddTool(s, mcp.Tool{Name: "t"}, fn) },
		"args a string": func(s *mcp.Server) {
			mcp.AddTool(s, mcp.Tool{Name: "t"}, func(context.Context, *mcp.Call, string) (obj, error) { return obj{}, nil })
		},
		"result a number": func(s *mcp.Server) {
			mcp.AddTool(s, mcp.Tool{Name: "t"}, func(context.Context, *mcp.Call, obj) (float64, error) { return 0, nil })
		},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: AddTool did not panic", name)
				}
			}()
			add(mcp.NewServer(mcp.Implementation{Name: "x", Version: "0"}))
		}()
	}
}

// A null progress token asks for no progress.
func TestNullProgressToken(t *testing.T) {
	t.Parallel()
	s := serve(t)
	s.initialize("2025-11-25")
	s.send(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"count","arguments":{"to":2,"delayMs":0},"_meta":{"progressToken":null}}}`)
	if m := s.next(); string(m.ID) != "1" {
		t.Errorf("%s, want the reply and no progress", m.raw)
	}
}

package check

// The catalogue: every check, with the rule it checks. The checks of the
// wire (framing, JSON-RPC, robustness, concurrency) are here; those of the
// LSP lifecycle and features are in lsp.go.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Rule references, written once.
const (
	refHeader      = "LSP base protocol §Header Part"
	refContent     = "LSP base protocol §Content Part"
	refRequest     = "JSON-RPC 2.0 §4 Request object"
	refNotif       = "JSON-RPC 2.0 §4.1 Notification"
	refResponse    = "JSON-RPC 2.0 §5 Response object"
	refErrors      = "JSON-RPC 2.0 §5.1 Error object"
	refBatch       = "JSON-RPC 2.0 §6 Batch"
	refCancel      = "LSP base protocol §Cancellation Support"
	refRobust      = "lspkit robustness rule (no specification bounds it)"
	refTransport   = "LSP base protocol §Base Protocol (a stream of frames)"
	refJSONRPCMust = "JSON-RPC 2.0 §5: the Server MUST reply with a Response, except for Notifications"
)

// Catalogue returns every check, in the order reports list them.
func Catalogue() []Check {
	return append([]Check{
		// Framing.
		{ID: "framing.header-case", Title: "header names in any case", Framing: "header",
			Rule: Rule{Must, refHeader + " (header fields as in HTTP, RFC 7230 §3.2)", "Header field names are case-insensitive: content-length and CONTENT-LENGTH are Content-Length."},
			run:  checkHeaderCase},
		{ID: "framing.content-type", Title: "a Content-Type with charset=utf-8 and charset=utf8", Framing: "header",
			Rule: Rule{Should, refContent, "For backwards compatibility it is highly recommended that a client and a server treats the string utf8 as utf-8."},
			run:  checkContentType},
		{ID: "framing.split", Title: "a message split across many writes",
			Rule: Rule{Must, refTransport, "The content is a byte stream: a message arrives in as many reads as the pipe gives, and must be reassembled."},
			run:  checkSplit},
		{ID: "framing.coalesced", Title: "several messages in one write",
			Rule: Rule{Must, refTransport, "Several messages may arrive in one read; each must be taken, none dropped."},
			run:  checkCoalesced},
		{ID: "framing.large", Title: "a large message (4 MiB)",
			Rule: Rule{Must, refJSONRPCMust, "A request of 4 MiB is answered, like any other (an error is an answer)."},
			run:  checkLarge},
		{ID: "framing.stdout-clean", Title: "nothing on stdout but frames",
			Rule: Rule{Must, refTransport, "stdout carries the protocol: every byte the server writes there belongs to a frame holding a JSON message (logs go to stderr)."},
			run:  checkStdoutClean},

		// JSON-RPC.
		{ID: "jsonrpc.parse-error", Title: "invalid JSON → -32700 with id null",
			Rule: Rule{Must, refErrors + ", §5 (id)", "-32700 Parse error: invalid JSON was received; the id MUST be Null when it could not be detected."},
			run:  checkParseError},
		{ID: "jsonrpc.invalid-request", Title: "invalid requests → -32600",
			Rule: Rule{Must, refErrors + ", " + refRequest, "-32600 Invalid Request: the JSON sent is not a valid Request object (id Null unless it could be read)."},
			run:  checkInvalidRequest},
		{ID: "jsonrpc.method-not-found", Title: "unknown method → -32601",
			Rule: Rule{Must, refErrors, "-32601 Method not found: the method does not exist / is not available."},
			run:  checkMethodNotFound},
		{ID: "jsonrpc.notification-silent", Title: "notifications never answered (known and unknown methods, bad params)",
			Rule: Rule{Must, refNotif, "The Server MUST NOT reply to a Notification, including those within a batch request."},
			run:  checkNotificationSilent},
		{ID: "jsonrpc.ids", Title: "ids of every type echoed exactly",
			Rule: Rule{Must, refResponse, "id: It MUST be the same as the value of the id member in the Request Object (a string, a number or null; in LSP an integer or a string)."},
			run:  checkIDs},
		{ID: "jsonrpc.batch-empty", Title: "an empty batch → one -32600, not an array",
			Rule: Rule{Must, refBatch, "An empty Array is an invalid request: the response is a single error object -32600 with id null."},
			run:  checkBatchEmpty},
		{ID: "jsonrpc.batch-notifications", Title: "a batch of notifications → nothing at all",
			Rule: Rule{Must, refBatch, "If there are no Response objects to send, the server MUST NOT return an empty Array and should return nothing at all."},
			run:  checkBatchNotifications},
		{ID: "jsonrpc.batch-mixed", Title: "a mixed batch → one array with a response per request",
			Rule: Rule{Must, refBatch, "The Server should respond with an Array containing the corresponding Response objects, one per request (not notification), -32600 for an invalid member."},
			run:  checkBatchMixed},
		{ID: "jsonrpc.batch-invalid", Title: "a batch of invalid members → an array of -32600",
			Rule: Rule{Must, refBatch, "A batch whose members are not valid requests ([1,2,3]) gets an array of one -32600 error (id null) per member."},
			run:  checkBatchInvalid},

		// Robustness.
		{ID: "robust.huge-length", Title: "a huge Content-Length is not allocated", Framing: "header",
			Rule: Rule{Should, refRobust, "Memory grows with what arrives, not with what a header claims: a claim of 1 GiB raises the peak RSS by less than 128 MiB, and the server lives."},
			run:  checkHugeLength},
		{ID: "robust.garbage", Title: "garbage, then a valid message",
			Rule: Rule{Should, refRobust, "Bytes that are not a message are skipped (or answered with an error) and the next valid message is answered."},
			run:  checkGarbage},
		{ID: "robust.invalid-utf8", Title: "invalid UTF-8 in a message",
			Rule: Rule{Should, refContent, "The content is UTF-8; a message that is not gets an error (or is taken as best it can be) and the connection survives."},
			run:  checkInvalidUTF8},
		{ID: "robust.deep-nesting", Title: "params nested 100000 deep",
			Rule: Rule{Should, refRobust, "Deeply nested JSON gets an error, not a crash (no unbounded recursion), and the connection survives."},
			run:  checkDeepNesting},
		{ID: "robust.slow-reader", Title: "a client that stops reading for a while",
			Rule: Rule{Must, refJSONRPCMust, "When the client stops reading, the server waits (or stops reading itself): no reply is lost and it does not die."},
			run:  checkSlowReader, Timeout: 90 * time.Second},

		// Concurrency and cancellation.
		{ID: "concurrency.pipelined", Title: "200 pipelined requests all answered",
			Rule: Rule{Must, refJSONRPCMust, "Requests sent without waiting for replies are each answered, with its own id."},
			run:  checkPipelined},
		{ID: "concurrency.cancel", Title: "$/cancelRequest answered by a result or -32800, never by silence",
			Rule: Rule{Must, refCancel, "A request that got canceled still needs to return from the server and send a response back. It can not be left open / hanging."},
			run:  checkCancel},
	}, lspCatalogue()...)
}

// frameHeader frames body with the given header lines, as they are.
func frameHeader(headers []string, body []byte) []byte {
	var b bytes.Buffer
	for _, h := range headers {
		b.WriteString(h + "\r\n")
	}
	b.WriteString("\r\n")
	b.Write(body)
	return b.Bytes()
}

// frame frames body in the session's framing.
func (s *session) frame(body []byte) []byte {
	if s.t.cfg.Framing == "line" {
		return append(append([]byte(nil), body...), '\n')
	}
	return frameHeader([]string{fmt.Sprintf("Content-Length: %d", len(body))}, body)
}

func checkHeaderCase(t *T) {
	s := t.start()
	for _, name := range []string{"content-length", "CONTENT-LENGTH", "cOnTeNt-LeNgTh"} {
		id, body := s.request(probeMethod, nil)
		if err := s.write(frameHeader([]string{fmt.Sprintf("%s: %d", name, len(body))}, body)); err != nil {
			t.fatalf("%v", err)
		}
		if _, ok := s.awaitID(id, probeWait); !ok {
			t.fatalf("no response within %v to a request framed with the header %q; %s", probeWait, name, s.exitNote())
		}
	}
}

func checkContentType(t *T) {
	s := t.start()
	for _, ct := range []string{"application/vscode-jsonrpc; charset=utf-8", "application/vscode-jsonrpc; charset=utf8"} {
		id, body := s.request(probeMethod, nil)
		if err := s.write(frameHeader([]string{fmt.Sprintf("Content-Length: %d", len(body)), "Content-Type: " + ct}, body)); err != nil {
			t.fatalf("%v", err)
		}
		if _, ok := s.awaitID(id, probeWait); !ok {
			t.fatalf("no response within %v to a request sent with Content-Type: %s; %s", probeWait, ct, s.exitNote())
		}
	}
}

func checkSplit(t *T) {
	s := t.start()
	id, body := s.request(probeMethod, map[string]string{"text": strings.Repeat("split ", 20)})
	frame := s.frame(body)
	t.logSent(frame)
	t.note(fmt.Sprintf("written in pieces of 1 to 9 bytes, %d writes, 2ms apart", (len(frame)+4)/5))
	for i, n := 0, 1; i < len(frame); n = n%9 + 1 {
		end := min(i+n, len(frame))
		if _, err := s.stdinFile().Write(frame[i:end]); err != nil {
			t.fatalf("writing to the server: %v", err)
		}
		i = end
		time.Sleep(2 * time.Millisecond)
	}
	if _, ok := s.awaitID(id, probeWait); !ok {
		t.fatalf("no response within %v to a request written in pieces; %s", probeWait, s.exitNote())
	}
}

func checkCoalesced(t *T) {
	s := t.start()
	var all []byte
	var ids []string
	for range 5 {
		id, body := s.request(probeMethod, nil)
		ids = append(ids, id)
		all = append(all, s.frame(body)...)
	}
	if err := s.write(all); err != nil {
		t.fatalf("%v", err)
	}
	for i, id := range ids {
		if _, ok := s.awaitID(id, probeWait); !ok {
			t.fatalf("5 requests in one write: no response to number %d (id %s) within %v; %s", i+1, id, probeWait, s.exitNote())
		}
	}
}

func checkLarge(t *T) {
	s := t.start()
	id, body := s.request(probeMethod, map[string]string{"text": strings.Repeat("x", 4<<20)})
	s.mustSend(body)
	// A probe behind it: once that is answered, the large one has been read.
	probeID, probe := s.request(probeMethod, nil)
	s.mustSend(probe)
	_, probed := s.awaitID(probeID, 20*time.Second)
	wait := answeredWait
	if !probed {
		wait = 0
	}
	if _, ok := s.awaitID(id, wait); !ok {
		t.fatalf("no response to a request of %d bytes (the request after it answered: %v); %s", len(body), probed, s.exitNote())
	}
	if !probed {
		t.fatalf("the request after a large one got no response within 20s; %s", s.exitNote())
	}
}

func checkStdoutClean(t *T) {
	s := t.start()
	s.probe("initialization")
	s.mustSend(notification("lspkit/check/notification", map[string]int{"n": 1}))
	s.mustSend([]byte(`{"jsonrpc":"2.0","method":"foobar,"params":"bar","baz]`))
	s.probe("a notification and invalid JSON")
	if t.cfg.LSP {
		s.call("shutdown", nil, probeWait)
		s.mustSend(notification("exit", nil))
	} else {
		s.p.closeStdin()
	}
	s.p.waitExit(3 * time.Second)
	select { // what it wrote up to its exit, or for 3s more
	case <-s.readDone:
	case <-time.After(t.bound(3 * time.Second)):
	}
	if junk := s.junkSeen(); len(junk) > 0 {
		t.fatalf("the server wrote to stdout what is not a JSON frame: %s", strings.Join(junk, "; "))
	}
}

// awaitResponse waits for the next message, which must be a response (an
// object with a result or an error); anything else ends the check as failed.
func (s *session) awaitResponse(d time.Duration) (*envelope, bool) {
	body, ok := s.awaitNext(d)
	if !ok {
		return nil, false
	}
	e, err := parseEnvelope(body)
	if err != nil || !e.isResponse() {
		s.t.fatalf("the server answered with %s, which is not a response object", clip(body, 200))
	}
	return e, true
}

// describe says what a response is, for a report.
func describe(e *envelope) string {
	id := string(e.ID)
	if e.ID == nil {
		id = "(absent)"
	}
	if e.Error == nil {
		return fmt.Sprintf("a result (id %s)", id)
	}
	return fmt.Sprintf("error %d %q (id %s)", e.Error.Code, e.Error.Message, id)
}

func checkParseError(t *T) {
	s := t.start()
	s.mustSend([]byte(`{"jsonrpc":"2.0","method":"foobar,"params":"bar","baz]`))
	e, ok := s.awaitResponse(probeWait)
	switch {
	case !ok:
		t.fatalf("no response within %v to invalid JSON; %s", probeWait, s.exitNote())
	case e.errCode() != -32700 || !e.hasNullID():
		t.failf("invalid JSON got %s, not error -32700 with id null", describe(e))
	}
	s.probe("invalid JSON")
}

func checkInvalidRequest(t *T) {
	s := t.start()
	cases := []struct {
		body  string
		id    string  // the id the reply may carry besides null
		codes []int64 // acceptable codes
	}{
		{`{"jsonrpc":"2.0","method":1,"params":"bar"}`, "", []int64{-32600}},
		{`1`, "", []int64{-32600}},
		{`"a string"`, "", []int64{-32600}},
		{`{"jsonrpc":"2.0","id":{"an":"object"},"method":"lspkit/check/probe"}`, "", []int64{-32600}},
		{`{"jsonrpc":"2.0","id":91,"method":"lspkit/check/probe","params":42}`, "91", []int64{-32600, -32602}},
		{`{"id":92,"method":"lspkit/check/probe"}`, "92", []int64{-32600}},
	}
	var bad []string
	wait := probeWait
	for _, c := range cases {
		s.mustSend([]byte(c.body))
		e, ok := s.awaitResponse(wait)
		switch {
		case !ok:
			bad = append(bad, fmt.Sprintf("%s got no response within %v", c.body, wait))
			s.probe("an invalid request")
			wait = answeredWait // it answers the probe at once: it would have answered this by now
		case !containsCode(c.codes, e.errCode()) || !e.hasNullID() && !(c.id != "" && sameID(e.ID, json.RawMessage(c.id))):
			bad = append(bad, fmt.Sprintf("%s got %s, not %s", c.body, describe(e), codesText(c.codes)))
		}
	}
	s.probe("invalid requests")
	if len(bad) > 0 {
		t.failf("%s", strings.Join(bad, "; "))
	}
}

func containsCode(codes []int64, c int64) bool {
	for _, x := range codes {
		if x == c {
			return true
		}
	}
	return false
}

func codesText(codes []int64) string {
	var s []string
	for _, c := range codes {
		s = append(s, fmt.Sprint(c))
	}
	return "error " + strings.Join(s, " or ")
}

func checkMethodNotFound(t *T) {
	s := t.start()
	e, ok := s.call("lspkit/check/no-such-method", map[string]int{"x": 1}, probeWait)
	switch {
	case !ok:
		t.fatalf("no response within %v to a request of an unknown method; %s", probeWait, s.exitNote())
	case e.errCode() != -32601:
		t.failf("a request of an unknown method got %s, not error -32601", describe(e))
	}
}

// answeredWait bounds the wait for an answer from a server that has just
// shown, by answering a probe, that it answers at once.
const answeredWait = 2 * time.Second

// idleWait is how long a check waiting for many responses waits after the
// last one came: a server that has fallen silent for that long has stopped.
const idleWait = 2 * time.Second

// quietWait is how long a check waits, after a probe's reply, for replies
// that must not come.
const quietWait = 300 * time.Millisecond

func checkNotificationSilent(t *T) {
	s := t.start()
	notes := [][]byte{
		notification("lspkit/check/notification", map[string]int{"n": 1}),
		[]byte(`{"jsonrpc":"2.0","method":"lspkit/check/notification"}`),
		notification("lspkit/check/notification", []int{1, 2}),
		notification("$/lspkit/check", map[string]int{}),
		notification("$/cancelRequest", map[string]int{"id": 424242}),
	}
	if t.cfg.LSP {
		notes = append(notes,
			notification("$/setTrace", map[string]string{"value": "off"}),
			notification("workspace/didChangeConfiguration", map[string]any{"settings": map[string]any{}}),
			notification("textDocument/didOpen", map[string]any{}),                   // known method, params missing
			notification("textDocument/didClose", map[string]any{"textDocument": 5}), // known method, params wrong
		)
	}
	for _, n := range notes {
		s.mustSend(n)
	}
	s.probe("notifications")
	if extra := s.collect(quietWait); len(extra) > 0 {
		t.fatalf("the server answered notifications: %d response(s), the first %s", len(extra), clip(extra[0], 200))
	}
}

func checkIDs(t *T) {
	s := t.start()
	ids := []string{`0`, `-7`, `2147483647`, `"abc"`, `""`, `"1"`, `"\u00e9\u2713 id"`}
	if !t.cfg.LSP { // JSON-RPC allows more than LSP's integer | string
		ids = append(ids, `9007199254740993`, `1.5`, `null`)
	}
	var bad []string
	wait := probeWait
	for _, id := range ids {
		s.mustSend(buildRequest(id, probeMethod, nil))
		if _, ok := s.awaitID(id, wait); ok {
			continue
		}
		// Is it there under another id?
		if other, ok := s.awaitResponse(200 * time.Millisecond); ok {
			bad = append(bad, fmt.Sprintf("id %s came back as %s", id, other.ID))
		} else {
			bad = append(bad, fmt.Sprintf("id %s got no response within %v", id, wait))
		}
		s.probe("a request whose id was not echoed")
		wait = answeredWait
	}
	s.probe("requests with ids of every type")
	if len(bad) > 0 {
		t.failf("%s", strings.Join(bad, "; "))
	}
}

// awaitNext waits for the next message that no check has consumed.
func (s *session) awaitNext(d time.Duration) ([]byte, bool) {
	return s.awaitBody(d, func([]byte) bool { return true })
}

func checkBatchEmpty(t *T) {
	s := t.start()
	s.mustSend([]byte(`[]`))
	body, ok := s.awaitNext(probeWait)
	if !ok {
		t.fatalf("no response within %v to an empty batch; %s", probeWait, s.exitNote())
	}
	e, err := parseEnvelope(body)
	if err != nil || !e.isResponse() || e.errCode() != -32600 || !e.hasNullID() {
		t.failf("an empty batch got %s, not one error object -32600 with id null", clip(body, 200))
	}
	s.probe("an empty batch")
}

func checkBatchNotifications(t *T) {
	s := t.start()
	s.mustSend([]byte(`[{"jsonrpc":"2.0","method":"lspkit/check/n1","params":[1,2,4]},{"jsonrpc":"2.0","method":"lspkit/check/n2"}]`))
	s.probe("a batch of notifications")
	if extra := s.collect(quietWait); len(extra) > 0 {
		t.fatalf("a batch of notifications got an answer: %s", clip(extra[0], 200))
	}
}

// batchMembers decodes body as an array of responses.
func batchMembers(body []byte) ([]*envelope, bool) {
	var raws []json.RawMessage
	if err := json.Unmarshal(body, &raws); err != nil {
		return nil, false
	}
	var out []*envelope
	for _, r := range raws {
		e, err := parseEnvelope(r)
		if err != nil || !e.isResponse() {
			return nil, false
		}
		out = append(out, e)
	}
	return out, true
}

func checkBatchMixed(t *T) {
	s := t.start()
	a, b := s.id(), s.id()
	batch := fmt.Sprintf(`[%s,%s,%s,{"foo":"boo"}]`,
		buildRequest(a, probeMethod, []int{1}),
		notification("lspkit/check/notification", []int{7}),
		buildRequest(b, probeMethod, map[string]int{"x": 2}))
	s.mustSend([]byte(batch))
	body, ok := s.awaitNext(probeWait)
	if !ok {
		t.fatalf("no response within %v to a batch of two requests, a notification and an invalid member; %s", probeWait, s.exitNote())
	}
	members, ok := batchMembers(body)
	if !ok {
		t.fatalf("a batch got %s, not an array of responses", clip(body, 200))
	}
	var gotA, gotB, gotInvalid int
	for _, e := range members {
		switch {
		case sameID(e.ID, json.RawMessage(a)):
			gotA++
		case sameID(e.ID, json.RawMessage(b)):
			gotB++
		case e.hasNullID() && e.errCode() == -32600:
			gotInvalid++
		}
	}
	if gotA != 1 || gotB != 1 || gotInvalid != 1 || len(members) != 3 {
		t.failf("the batch's reply has %d members: %d for request %s, %d for request %s, %d error -32600 with id null; want 3: one of each", len(members), gotA, a, gotB, b, gotInvalid)
	}
	s.probe("a mixed batch")
}

func checkBatchInvalid(t *T) {
	s := t.start()
	for _, c := range []struct {
		body string
		n    int
	}{{`[1,2,3]`, 3}, {`[1]`, 1}} {
		s.mustSend([]byte(c.body))
		body, ok := s.awaitNext(probeWait)
		if !ok {
			t.fatalf("no response within %v to the batch %s; %s", probeWait, c.body, s.exitNote())
		}
		members, ok := batchMembers(body)
		good := ok && len(members) == c.n
		for _, e := range members {
			good = good && e.errCode() == -32600 && e.hasNullID()
		}
		if !good {
			t.fatalf("the batch %s got %s, not an array of %d errors -32600 with id null", c.body, clip(body, 200), c.n)
		}
	}
	s.probe("batches of invalid members")
}

func checkHugeLength(t *T) {
	s := t.start()
	s.probe("initialization")
	pid := s.p.pid()
	before, rssErr := peakRSS(pid)
	const claim = 1 << 30
	if err := s.write([]byte(fmt.Sprintf("Content-Length: %d\r\n\r\n{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"", claim))); err != nil {
		t.fatalf("%v", err)
	}
	if _, err := s.stdinFile().Write(bytes.Repeat([]byte("x"), 1<<20)); err != nil {
		t.fatalf("writing 1 MiB of the body: %v; %s", err, s.exitNote())
	}
	t.note("then 1 MiB of the body, and a wait of 1s")
	s.sleep(time.Second)
	if s.p.hasExited() {
		t.fatalf("the server died after a header claiming %d bytes: %s", claim, s.exitNote())
	}
	if rssErr != nil {
		t.passf("the server lives; %v", rssErr)
		return
	}
	after, err := peakRSS(pid)
	if err != nil {
		t.fatalf("reading the server's peak RSS: %v", err)
	}
	grew := after - before
	t.note(fmt.Sprintf("peak RSS (VmHWM) %d MiB before, %d MiB after", before>>20, after>>20))
	if grew >= 128<<20 {
		t.fatalf("the peak RSS grew by %d MiB after a header claiming 1 GiB and 1 MiB of body", grew>>20)
	}
	t.passf("peak RSS grew by %d KiB", grew>>10)
}

func checkGarbage(t *T) {
	s := t.start()
	garbage := "this is not a frame\r\n\r\n{{{ nor JSON ]]]\r\n"
	if t.cfg.Framing == "line" {
		garbage = "this is not JSON {{{\n"
	}
	if err := s.write([]byte(garbage)); err != nil {
		t.fatalf("%v", err)
	}
	s.probe("garbage")
}

func checkInvalidUTF8(t *T) {
	s := t.start()
	id := s.id()
	body := []byte(`{"jsonrpc":"2.0","id":` + id + `,"method":"lspkit/check/probe","params":{"text":"bad ` + "\xff\xfe\xc3" + ` bytes"}}`)
	s.mustSend(body)
	if _, ok := s.awaitResponse(probeWait); !ok {
		t.fatalf("no response within %v to a request holding invalid UTF-8; %s", probeWait, s.exitNote())
	}
	s.probe("invalid UTF-8")
}

func checkDeepNesting(t *T) {
	s := t.start()
	id := s.id()
	const depth = 100000
	body := []byte(`{"jsonrpc":"2.0","id":` + id + `,"method":"lspkit/check/probe","params":` +
		strings.Repeat("[", depth) + strings.Repeat("]", depth) + `}`)
	s.mustSend(body)
	if _, ok := s.awaitResponse(probeWait); !ok {
		t.fatalf("no response within %v to a request whose params nest %d deep; %s", probeWait, depth, s.exitNote())
	}
	s.probe("deep nesting")
}

// pipeline sends n requests in writes of up to 100 each, from a goroutine
// (the server may stop reading), and returns their ids.
func (s *session) pipeline(n int) ([]string, chan error) {
	ids := make([]string, n)
	var chunks [][]byte
	var buf []byte
	for i := range ids {
		id, body := s.request(probeMethod, []int{i})
		ids[i] = id
		buf = append(buf, s.frame(body)...)
		if (i+1)%100 == 0 || i == n-1 {
			chunks = append(chunks, buf)
			buf = nil
		}
	}
	s.t.note(fmt.Sprintf("%d requests (%s, ids %s to %s), in writes of 100", n, probeMethod, ids[0], ids[n-1]))
	done := make(chan error, 1)
	go func() {
		for _, c := range chunks {
			if _, err := s.stdinFile().Write(c); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	return ids, done
}

// answeredAll checks that every id has a response among the unconsumed
// messages, waiting up to d, or until none has come for idleWait.
func (s *session) answeredAll(ids []string, d time.Duration) (missing []string) {
	s.waitCount(len(ids), d, idleWait)
	seen := map[string]bool{}
	for _, body := range s.collect(0) {
		if e, err := parseEnvelope(body); err == nil {
			seen[string(bytes.TrimSpace(e.ID))] = true
		}
	}
	for _, id := range ids {
		if !seen[id] {
			missing = append(missing, id)
		}
	}
	return missing
}

func checkPipelined(t *T) {
	s := t.start()
	ids, done := s.pipeline(200)
	if err := <-done; err != nil {
		t.fatalf("writing the requests: %v; %s", err, s.exitNote())
	}
	if missing := s.answeredAll(ids, 10*time.Second); len(missing) > 0 {
		t.fatalf("%d of %d pipelined requests got no response within 10s (first: id %s); %s", len(missing), len(ids), missing[0], s.exitNote())
	}
}

func checkSlowReader(t *T) {
	s := t.start()
	s.probe("initialization")
	s.pauseReading()
	const n = 3000
	ids, done := s.pipeline(n)
	t.note("not reading for 2s")
	s.sleep(2 * time.Second)
	if s.p.hasExited() {
		t.fatalf("the server died while its client was not reading: %s", s.exitNote())
	}
	s.resumeReading()
	if missing := s.answeredAll(ids, 15*time.Second); len(missing) > 0 {
		t.fatalf("%d of %d requests got no response within 15s after the client read again (first: id %s); %s", len(missing), n, missing[0], s.exitNote())
	}
	if err := <-done; err != nil {
		t.fatalf("writing the requests: %v", err)
	}
	s.probe("a client that stopped reading")
}

func checkCancel(t *T) {
	s := t.start()
	method, params := probeMethod, any(nil)
	if t.cfg.LSP {
		method, params = s.cancellableRequest()
	}
	id, body := s.request(method, params)
	cancel := notification("$/cancelRequest", map[string]json.RawMessage{"id": json.RawMessage(id)})
	if err := s.write(append(s.frame(body), s.frame(cancel)...)); err != nil {
		t.fatalf("%v", err)
	}
	e, ok := s.awaitID(id, probeWait)
	if !ok {
		t.fatalf("a request cancelled at once got no response within %v; %s", probeWait, s.exitNote())
	}
	// Cancelling what has been answered, or was never asked, is no error
	// and gets no reply.
	s.mustSend(notification("$/cancelRequest", map[string]json.RawMessage{"id": json.RawMessage(id)}))
	s.mustSend(notification("$/cancelRequest", map[string]any{"id": "never-sent"}))
	s.probe("cancellations")
	if extra := s.collect(quietWait); len(extra) > 0 {
		t.fatalf("a $/cancelRequest notification was answered: %s", clip(extra[0], 200))
	}
	t.passf("%s, cancelled in the same write, got %s", method, describe(e))
}

package check

// A session is one conversation with one server process: it writes what a
// check sends, reads every frame the server writes, answers the server's
// own requests, and records both sides for the report.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/lspkit/lspkit/framing"
)

// envelope is what a check reads of a message from the server.
type envelope struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"` // nil when absent, "null" when null
	Method  string          `json:"method"`
	Params  json.RawMessage `json:"params"`
	Result  json.RawMessage `json:"result"`
	Error   *rpcError       `json:"error"`
}

// rpcError is a JSON-RPC error object.
type rpcError struct {
	Code    int64           `json:"code"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data,omitempty"`
}

// isResponse reports whether e is a response: no method, and a result or an error.
func (e *envelope) isResponse() bool {
	return e.Method == "" && (e.Result != nil || e.Error != nil)
}

// errCode is the error code of a response, or 0 when it is a result.
func (e *envelope) errCode() int64 {
	if e.Error == nil {
		return 0
	}
	return e.Error.Code
}

// hasNullID reports whether the id member is present and null.
func (e *envelope) hasNullID() bool { return bytes.Equal(bytes.TrimSpace(e.ID), []byte("null")) }

// parseEnvelope decodes body as one message object.
func parseEnvelope(body []byte) (*envelope, error) {
	var e envelope
	if err := json.Unmarshal(body, &e); err != nil {
		return nil, err
	}
	return &e, nil
}

// sameID reports whether id a and id b are the same JSON value of the same
// type: strings by what they decode to, numbers by their text (an id must
// be echoed as it was sent, so 1 and 1.0 differ), null with null.
func sameID(a, b json.RawMessage) bool {
	a, b = bytes.TrimSpace(a), bytes.TrimSpace(b)
	if len(a) == 0 || len(b) == 0 {
		return len(a) == len(b)
	}
	if a[0] == '"' && b[0] == '"' {
		var sa, sb string
		return json.Unmarshal(a, &sa) == nil && json.Unmarshal(b, &sb) == nil && sa == sb
	}
	return bytes.Equal(a, b)
}

// maxKept bounds what a session keeps of a server's responses: no check
// needs more, and a server that floods its stdout must not flood us.
const maxKept = 64 << 20

// session is one conversation with one server process.
type session struct {
	t      *T
	p      *process
	framer framing.Framer
	w      framing.Writer

	mu       sync.Mutex
	got      [][]byte // every message from the server that is not its own request or notification, in order
	used     []bool   // got[i] has been consumed by a check
	gotBytes int      // the size of what got holds, at most maxKept
	dropping bool     // responses past maxKept are being dropped
	fromSrv  []*envelope
	junk     []string      // what on stdout was not a JSON frame
	eof      bool          // stdout has ended
	wake     chan struct{} // signalled when got, fromSrv or eof change
	nextID   int
	gate     chan struct{}   // while not nil, the reader reads no further frame; closed to resume
	readDone chan struct{}   // closed when the reader has stopped
	caps     json.RawMessage // the server's capabilities, after handshake
	// answer answers the server's requests: result for a method.
	answer func(method string, params json.RawMessage) any
}

// newSession speaks framer over p.
func newSession(t *T, p *process, framer framing.Framer) *session {
	s := &session{
		t: t, p: p, framer: framer, w: framer.NewWriter(p.stdin),
		wake: make(chan struct{}, 1), nextID: 1000,
		readDone: make(chan struct{}),
		answer:   defaultAnswer,
	}
	if dl, ok := t.ctx.Deadline(); ok {
		_ = p.stdin.SetWriteDeadline(dl) // a server that stops reading must not hang the check
	}
	go s.read()
	return s
}

// pauseReading stops reading the server's output after the frame being
// read (what our buffer already holds is read too), until resumeReading.
func (s *session) pauseReading() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gate == nil {
		s.gate = make(chan struct{})
	}
}

// resumeReading undoes pauseReading.
func (s *session) resumeReading() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gate != nil {
		close(s.gate)
		s.gate = nil
	}
}

// defaultAnswer is how the checker answers a server's request: an empty
// list of settings for workspace/configuration, null for everything else.
func defaultAnswer(method string, params json.RawMessage) any {
	if method == "workspace/configuration" {
		var p struct {
			Items []json.RawMessage `json:"items"`
		}
		_ = json.Unmarshal(params, &p)
		return make([]any, len(p.Items))
	}
	return nil
}

// read reads every frame from the server until its stdout ends.
func (s *session) read() {
	defer close(s.readDone)
	r := s.framer.NewReader(s.p.stdout)
	for {
		s.mu.Lock()
		gate := s.gate
		s.mu.Unlock()
		if gate != nil {
			select {
			case <-gate:
			case <-s.t.ctx.Done():
				return
			}
		}
		body, err := r.ReadMessage()
		var fe *framing.Error
		switch {
		case errors.As(err, &fe):
			s.addJunk(fmt.Sprintf("not a frame: %v", err))
			continue
		case errors.Is(err, io.ErrUnexpectedEOF):
			s.addJunk("stdout ended inside a frame")
			fallthrough
		case err != nil:
			s.mu.Lock()
			s.eof = true
			s.mu.Unlock()
			s.signal()
			return
		}
		s.received(body)
	}
}

// maxJunk bounds the notes of what on stdout was not a frame.
const maxJunk = 20

func (s *session) addJunk(what string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.junk) < maxJunk {
		s.junk = append(s.junk, what)
		s.t.note("stdout: " + what)
	}
}

// received sorts one message from the server: its own requests are
// answered and its notifications recorded; the rest is for the checks.
func (s *session) received(body []byte) {
	trimmed := bytes.TrimSpace(body)
	if !json.Valid(trimmed) {
		s.addJunk(fmt.Sprintf("a frame that is not JSON: %s", clip(body, 80)))
		return
	}
	if len(trimmed) > 0 && trimmed[0] == '{' {
		if e, err := parseEnvelope(trimmed); err == nil && e.Method != "" {
			if e.Method != "window/logMessage" && e.Method != "telemetry/event" {
				s.t.logRecv(body)
			}
			s.mu.Lock()
			s.fromSrv = append(s.fromSrv, e)
			s.mu.Unlock()
			s.signal()
			if e.ID != nil { // a request: it gets an answer
				res, _ := json.Marshal(s.answer(e.Method, e.Params))
				reply := fmt.Appendf(nil, `{"jsonrpc":"2.0","id":%s,"result":%s}`, e.ID, res)
				_ = s.w.WriteMessage(reply) // a server gone is seen elsewhere
			}
			return
		}
	}
	s.t.logRecv(body)
	s.mu.Lock()
	if s.gotBytes+len(body) > maxKept {
		first := !s.dropping
		s.dropping = true
		s.mu.Unlock()
		if first {
			s.addJunk(fmt.Sprintf("more than %d MiB of responses: the rest is dropped", maxKept>>20))
		}
		return
	}
	s.gotBytes += len(body)
	s.got = append(s.got, body)
	s.used = append(s.used, false)
	s.mu.Unlock()
	s.signal()
}

func (s *session) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// write writes p to the server's stdin as it is, without framing.
func (s *session) write(p []byte) error {
	s.t.logSent(p)
	_, err := s.p.stdin.Write(p)
	if err != nil {
		return fmt.Errorf("writing to the server: %w", err)
	}
	return nil
}

// send writes body as one frame.
func (s *session) send(body []byte) error {
	s.t.logSent(body)
	if err := s.w.WriteMessage(body); err != nil {
		return fmt.Errorf("writing to the server: %w", err)
	}
	return nil
}

// mustSend sends body and ends the check as failed if it cannot.
func (s *session) mustSend(body []byte) {
	if err := s.send(body); err != nil {
		s.t.fatalf("%v (has the server exited? %s)", err, s.exitNote())
	}
}

// id returns a fresh request id (a number, as every server takes).
func (s *session) id() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	return strconv.Itoa(s.nextID)
}

// request builds a request body with a fresh id, and returns both.
func (s *session) request(method string, params any) (id string, body []byte) {
	id = s.id()
	return id, buildRequest(id, method, params)
}

// buildRequest builds a request body; params nil means none.
func buildRequest(id, method string, params any) []byte {
	m, _ := json.Marshal(method)
	if params == nil {
		return fmt.Appendf(nil, `{"jsonrpc":"2.0","id":%s,"method":%s}`, id, m)
	}
	p, err := json.Marshal(params)
	if err != nil {
		panic(err) // the checker's own params always encode
	}
	return fmt.Appendf(nil, `{"jsonrpc":"2.0","id":%s,"method":%s,"params":%s}`, id, m, p)
}

// notification builds a notification body; params nil means none.
func notification(method string, params any) []byte {
	m, _ := json.Marshal(method)
	if params == nil {
		return fmt.Appendf(nil, `{"jsonrpc":"2.0","method":%s}`, m)
	}
	p, _ := json.Marshal(params)
	return fmt.Appendf(nil, `{"jsonrpc":"2.0","method":%s,"params":%s}`, m, p)
}

// call sends a request and waits up to d for its response.
func (s *session) call(method string, params any, d time.Duration) (*envelope, bool) {
	id, body := s.request(method, params)
	s.mustSend(body)
	return s.awaitID(id, d)
}

// awaitID waits up to d for the response with id.
func (s *session) awaitID(id string, d time.Duration) (*envelope, bool) {
	body, ok := s.await(d, func(e *envelope) bool { return e != nil && sameID(e.ID, json.RawMessage(id)) })
	if !ok {
		return nil, false
	}
	e, _ := parseEnvelope(body)
	return e, true
}

// await waits up to d (and never past the check's deadline) for the first
// unconsumed message, object or not, that match accepts, and consumes it.
// match is given nil for a message that is not an object (a batch reply).
func (s *session) await(d time.Duration, match func(*envelope) bool) ([]byte, bool) {
	return s.awaitBody(d, func(body []byte) bool {
		e, err := parseEnvelope(body)
		if err != nil {
			return match(nil)
		}
		return match(e)
	})
}

// awaitBody is await for any test of the body.
func (s *session) awaitBody(d time.Duration, match func([]byte) bool) ([]byte, bool) {
	timer := time.NewTimer(s.t.bound(d))
	defer timer.Stop()
	for {
		s.mu.Lock()
		for i, body := range s.got {
			if !s.used[i] && match(body) {
				s.used[i] = true
				s.mu.Unlock()
				return body, true
			}
		}
		eof := s.eof
		s.mu.Unlock()
		if eof {
			return nil, false
		}
		select {
		case <-s.wake:
		case <-timer.C:
			return nil, false
		case <-s.t.ctx.Done():
			return nil, false
		}
	}
}

// waitCount waits up to d until n messages not consumed yet have come, or
// until none has come for idle.
func (s *session) waitCount(n int, d, idle time.Duration) int {
	timer := time.NewTimer(s.t.bound(d))
	defer timer.Stop()
	last, lastHave := time.Now(), -1
	for {
		s.mu.Lock()
		have := 0
		for _, u := range s.used {
			if !u {
				have++
			}
		}
		eof := s.eof
		s.mu.Unlock()
		if have >= n || eof {
			return have
		}
		if have != lastHave {
			last, lastHave = time.Now(), have
		}
		idleLeft := idle - time.Since(last)
		if idleLeft <= 0 {
			return have
		}
		idleTimer := time.NewTimer(idleLeft)
		select {
		case <-s.wake:
		case <-idleTimer.C:
		case <-timer.C:
			idleTimer.Stop()
			return have
		case <-s.t.ctx.Done():
			idleTimer.Stop()
			return have
		}
		idleTimer.Stop()
	}
}

// collect waits d and returns every message not consumed yet, consuming them.
func (s *session) collect(d time.Duration) [][]byte {
	s.sleep(d)
	s.mu.Lock()
	defer s.mu.Unlock()
	var out [][]byte
	for i, body := range s.got {
		if !s.used[i] {
			s.used[i] = true
			out = append(out, body)
		}
	}
	return out
}

// sleep waits d, or until the check's deadline.
func (s *session) sleep(d time.Duration) {
	timer := time.NewTimer(s.t.bound(d))
	defer timer.Stop()
	select {
	case <-timer.C:
	case <-s.t.ctx.Done():
	}
}

// probeMethod is a method no server has: its request is answered -32601
// by a healthy server, which shows that the connection still works.
const probeMethod = "lspkit/check/probe"

// probe checks that the server still answers: it sends a request and waits
// for its response. It ends the check as failed when none comes, saying
// what came before: after.
func (s *session) probe(after string) {
	if _, ok := s.call(probeMethod, nil, probeWait); !ok {
		s.t.fatalf("the server no longer answers after %s: a request (%s) got no response within %v; %s",
			after, probeMethod, probeWait, s.exitNote())
	}
}

// exitNote says whether the process has exited, and how.
func (s *session) exitNote() string {
	if code, ok := s.p.waitExit(100 * time.Millisecond); ok {
		return fmt.Sprintf("the server exited with status %d", code)
	}
	return "the server is still running"
}

// serverMessages returns the server's own requests and notifications so far.
func (s *session) serverMessages() []*envelope {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*envelope(nil), s.fromSrv...)
}

// junkSeen returns what on stdout was not a frame.
func (s *session) junkSeen() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.junk...)
}

// clip returns b as text, cut to n bytes with a note of the full size.
func clip(b []byte, n int) string {
	if len(b) <= n {
		return string(b)
	}
	return fmt.Sprintf("%s… (%d bytes)", b[:n], len(b))
}

// stdinFile is the server's stdin, for the checks that write in pieces.
func (s *session) stdinFile() *os.File { return s.p.stdin }

// Command brokensrv is a small JSON-RPC and LSP server over stdio, with
// Content-Length framing, for the tests of package check: without -defect it
// passes every check; -defect NAME gives it one deliberate defect, which
// the check of the same concern must catch. It is written by hand, without
// lspkit, so that each defect is one obvious line.
//
//	brokensrv [-lsp] [-defect NAME]
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
	"unicode/utf8"
)

var (
	lspMode = flag.Bool("lsp", false, "be a language server: lifecycle, hover and definition")
	defect  = flag.String("defect", "", "the one defect to have (see the switch cases)")
)

// keep holds what the huge-length defect allocated, so that it stays.
var keep []byte

// server is the state of the one connection.
type server struct {
	out *writer

	mu          sync.Mutex
	initialized bool
	shutdown    bool
	cancelled   map[string]bool // ids of requests cancelled while in flight
	inflight    map[string]bool
	nInflight   int
}

func main() {
	flag.Parse()
	s := &server{out: newWriter(), cancelled: map[string]bool{}, inflight: map[string]bool{}}
	if *defect == "flood" { // responses, 1 MiB each, without end
		big := resultReply(json.RawMessage("1"), strings.Repeat("x", 1<<20))
		for {
			fmt.Fprintf(os.Stdout, "Content-Length: %d\r\n\r\n%s", len(big), big)
		}
	}
	if *defect == "stdout-junk" {
		fmt.Println("brokensrv starting") // a log line on stdout
	}
	in := bufio.NewReaderSize(os.Stdin, 64<<10)
	for {
		body, err := s.readFrame(in)
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			if *defect == "eof" {
				select {} // lingers
			}
			os.Exit(1)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "brokensrv:", err)
			if *defect == "garbage" {
				os.Exit(1)
			}
			continue
		}
		s.handleBody(body)
	}
}

// readFrame reads one Content-Length frame. A bad header block is skipped
// up to the next line that starts a header; errBad reports it.
func (s *server) readFrame(in *bufio.Reader) ([]byte, error) {
	if *defect == "split" || *defect == "coalesced" {
		return readOnce(in)
	}
	length := -1
	for {
		line, err := in.ReadString('\n')
		if err != nil {
			return nil, err
		}
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			if length >= 0 {
				break
			}
			continue
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			return nil, fmt.Errorf("bad header line %q", line)
		}
		value = strings.TrimSpace(value)
		match := strings.EqualFold(name, "Content-Length")
		if *defect == "header-case" {
			match = name == "Content-Length"
		}
		switch {
		case match:
			n, err := strconv.Atoi(value)
			if err != nil {
				return nil, fmt.Errorf("bad Content-Length %q", value)
			}
			length = n
		case strings.EqualFold(name, "Content-Type") && *defect == "charset" && !strings.HasSuffix(value, "charset=utf-8"):
			return nil, fmt.Errorf("unsupported Content-Type %q", value)
		}
	}
	if *defect == "huge-length" {
		// Allocates what the header claims and touches it, as a zero-filling
		// allocator does (the first 256 MiB: enough to be seen, and quick).
		buf := make([]byte, length)
		for i := range buf[:min(len(buf), 256<<20)] {
			buf[i] = 1
		}
		keep = buf
	}
	if length > 8<<20 {
		// Refused: skip its bytes without keeping them, and say so.
		s.out.send(errorReply(json.RawMessage("null"), -32600, "message too large"))
		_, err := io.CopyN(io.Discard, in, int64(length))
		return nil, err
	}
	if *defect == "large" && length > 1<<20 {
		_, err := io.CopyN(io.Discard, in, int64(length))
		return nil, err
	}
	body := make([]byte, length)
	_, err := io.ReadFull(in, body)
	return body, err
}

// readOnce is the defect of taking one read as one whole message: it
// breaks on a message split across writes, and drops all but the first of
// several messages that come in one.
func readOnce(in *bufio.Reader) ([]byte, error) {
	if _, err := in.Peek(1); err != nil {
		return nil, err
	}
	chunk := make([]byte, in.Buffered())
	io.ReadFull(in, chunk)
	_, body, ok := bytes.Cut(chunk, []byte("\r\n\r\n"))
	if !ok {
		return nil, fmt.Errorf("no header in %q", chunk)
	}
	if *defect == "coalesced" {
		if i := bytes.Index(body, []byte("Content-Length")); i >= 0 {
			body = body[:i]
		}
	}
	return body, nil
}

// writer writes frames to stdout, one at a time.
type writer struct {
	mu    sync.Mutex
	queue chan []byte // with the slow-reader defect: replies that do not fit are dropped
}

func newWriter() *writer {
	w := &writer{}
	if *defect == "slow-reader" {
		w.queue = make(chan []byte, 100)
		go func() {
			for b := range w.queue {
				w.write(b)
			}
		}()
	}
	return w
}

func (w *writer) send(body []byte) {
	if w.queue != nil {
		select {
		case w.queue <- body:
		default: // dropped
		}
		return
	}
	w.write(body)
}

func (w *writer) write(body []byte) {
	w.mu.Lock()
	defer w.mu.Unlock()
	fmt.Fprintf(os.Stdout, "Content-Length: %d\r\n\r\n%s", len(body), body)
}

func errorReply(id json.RawMessage, code int, msg string) []byte {
	m, _ := json.Marshal(msg)
	return fmt.Appendf(nil, `{"jsonrpc":"2.0","id":%s,"error":{"code":%d,"message":%s}}`, id, code, m)
}

func resultReply(id json.RawMessage, result any) []byte {
	r, _ := json.Marshal(result)
	return fmt.Appendf(nil, `{"jsonrpc":"2.0","id":%s,"result":%s}`, id, r)
}

// handleBody answers one message: an object or a batch.
func (s *server) handleBody(body []byte) {
	if !utf8.Valid(body) && *defect == "invalid-utf8" {
		os.Exit(2) // as a decoder that panics would
	}
	if depth(body) > 1000 {
		if *defect == "deep-nesting" {
			os.Exit(2) // as a recursive parser overflowing its stack would
		}
		s.out.send(errorReply(json.RawMessage("null"), -32700, "nesting too deep"))
		return
	}
	body = bytes.TrimSpace(body)
	if !json.Valid(body) {
		if *defect == "parse-error" {
			s.out.send(errorReply(json.RawMessage("0"), -32603, "internal error"))
			return
		}
		s.out.send(errorReply(json.RawMessage("null"), -32700, "parse error"))
		return
	}
	if len(body) > 0 && body[0] == '[' {
		s.handleBatch(body)
		return
	}
	if reply := s.handle(body, false); reply != nil {
		s.out.send(reply)
	}
}

// depth is how deep body's arrays and objects nest (strings ignored).
func depth(body []byte) int {
	d, maxD, inStr, esc := 0, 0, false, false
	for _, c := range body {
		switch {
		case esc:
			esc = false
		case inStr && c == '\\':
			esc = true
		case c == '"':
			inStr = !inStr
		case inStr:
		case c == '[' || c == '{':
			d++
			maxD = max(maxD, d)
		case c == ']' || c == '}':
			d--
		}
	}
	return maxD
}

func (s *server) handleBatch(body []byte) {
	var members []json.RawMessage
	_ = json.Unmarshal(body, &members)
	if len(members) == 0 {
		if *defect == "batch-empty" {
			s.out.send([]byte("[]"))
			return
		}
		s.out.send(errorReply(json.RawMessage("null"), -32600, "empty batch"))
		return
	}
	if *defect == "batch-invalid" {
		var first any
		if json.Unmarshal(members[0], &first) == nil {
			if _, ok := first.(map[string]any); !ok {
				s.out.send(errorReply(json.RawMessage("null"), -32600, "invalid batch"))
				return
			}
		}
	}
	var replies [][]byte
	for _, m := range members {
		if r := s.handle(m, true); r != nil {
			if *defect == "batch-mixed" {
				s.out.send(r) // one by one, not as an array
				continue
			}
			replies = append(replies, r)
		}
	}
	if len(replies) == 0 && *defect != "batch-notifications" {
		if *defect == "batch-mixed" {
			return
		}
		return
	}
	s.out.send(append(append([]byte("["), bytes.Join(replies, []byte(","))...), ']'))
}

// message is a request or notification.
type message struct {
	JSONRPC *string         `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Method  json.RawMessage `json:"method"`
	Params  json.RawMessage `json:"params"`
}

// handle handles one message and returns its reply, or nil.
func (s *server) handle(raw []byte, inBatch bool) []byte {
	var m message
	if err := json.Unmarshal(raw, &m); err != nil {
		if *defect == "invalid-request" {
			return errorReply(json.RawMessage("null"), -32700, "parse error")
		}
		return errorReply(json.RawMessage("null"), -32600, "not a request object")
	}
	id := m.ID
	isNotification := id == nil
	if id != nil && !validID(id) {
		id = json.RawMessage("null")
	}
	var method string
	if m.JSONRPC == nil || *m.JSONRPC != "2.0" || json.Unmarshal(m.Method, &method) != nil || !validID(orNull(m.ID)) ||
		len(m.Params) > 0 && m.Params[0] != '{' && m.Params[0] != '[' {
		if *defect == "invalid-request" {
			return errorReply(orNull(id), -32601, "method not found")
		}
		return errorReply(orNull(id), -32600, "invalid request")
	}
	if isNotification {
		s.notify(method, m.Params)
		if *defect == "notify-reply" {
			return errorReply(json.RawMessage("null"), -32601, "method not found: "+method)
		}
		return nil
	}
	if *defect == "ids" {
		id = mangleID(id)
	}
	if !inBatch && (*defect == "cancel" || *defect == "pipelined") {
		s.mu.Lock()
		if *defect == "pipelined" && s.nInflight >= 50 {
			s.mu.Unlock()
			return nil // dropped
		}
		s.nInflight++
		s.inflight[string(id)] = true
		s.mu.Unlock()
		go s.slowly(id, method, m.Params)
		return nil
	}
	return s.call(id, method, m.Params)
}

func orNull(id json.RawMessage) json.RawMessage {
	if id == nil {
		return json.RawMessage("null")
	}
	return id
}

// validID reports whether id is a string, a number or null.
func validID(id json.RawMessage) bool {
	var v any
	if json.Unmarshal(id, &v) != nil {
		return false
	}
	switch v.(type) {
	case string, float64, nil:
		return true
	}
	return false
}

// mangleID is the defect of decoding an id into a float64, and taking a
// string of digits for a number.
func mangleID(id json.RawMessage) json.RawMessage {
	var v any
	_ = json.Unmarshal(id, &v)
	if s, ok := v.(string); ok {
		if n, err := strconv.Atoi(s); err == nil {
			v = n
		}
	}
	out, _ := json.Marshal(v)
	return out
}

// slowly answers after 100ms: the defects of forgetting a cancelled
// request, and of dropping requests beyond 50 in flight.
func (s *server) slowly(id json.RawMessage, method string, params json.RawMessage) {
	key := string(id)
	time.Sleep(100 * time.Millisecond)
	s.mu.Lock()
	s.nInflight--
	delete(s.inflight, key)
	cancelled := s.cancelled[key]
	s.mu.Unlock()
	if cancelled {
		return // never answered
	}
	if r := s.call(id, method, params); r != nil {
		s.out.send(r)
	}
}

// notify handles a notification.
func (s *server) notify(method string, params json.RawMessage) {
	switch method {
	case "$/cancelRequest":
		var p struct {
			ID json.RawMessage `json:"id"`
		}
		_ = json.Unmarshal(params, &p)
		s.mu.Lock()
		if s.inflight[string(p.ID)] {
			s.cancelled[string(p.ID)] = true
		}
		s.mu.Unlock()
	case "exit":
		if !*lspMode {
			return
		}
		s.mu.Lock()
		down := s.shutdown
		s.mu.Unlock()
		switch {
		case *defect == "exit-always-0":
			os.Exit(0)
		case *defect == "exit-always-1":
			os.Exit(1)
		case down:
			os.Exit(0)
		default:
			os.Exit(1)
		}
	case "initialized":
		if *defect == "unadvertised" {
			s.out.send([]byte(`{"jsonrpc":"2.0","id":"progress-1","method":"window/workDoneProgress/create","params":{"token":"t1"}}`))
		}
	}
}

// call answers a request.
func (s *server) call(id json.RawMessage, method string, params json.RawMessage) []byte {
	if !*lspMode {
		if *defect == "method-not-found" {
			return resultReply(id, nil)
		}
		return errorReply(id, -32601, "method not found: "+method)
	}
	s.mu.Lock()
	initialized, down := s.initialized, s.shutdown
	s.mu.Unlock()
	switch {
	case method == "initialize":
		if initialized && *defect != "init-twice" {
			return errorReply(id, -32600, "initialize was sent already")
		}
		s.mu.Lock()
		s.initialized = true
		s.mu.Unlock()
		return s.initialize(id, params)
	case !initialized && *defect != "before-init":
		return errorReply(id, -32002, "not initialized")
	case down && *defect != "after-shutdown":
		return errorReply(id, -32600, "after shutdown")
	}
	switch method {
	case "shutdown":
		s.mu.Lock()
		s.shutdown = true
		s.mu.Unlock()
		return resultReply(id, nil)
	case "textDocument/hover":
		return resultReply(id, nil)
	case "textDocument/definition":
		if *defect == "capabilities" {
			return errorReply(id, -32601, "method not found: "+method)
		}
		return resultReply(id, []any{})
	case "workspace/symbol":
		return resultReply(id, []any{})
	}
	if *defect == "method-not-found" {
		return resultReply(id, nil)
	}
	return errorReply(id, -32601, "method not found: "+method)
}

func (s *server) initialize(id json.RawMessage, params json.RawMessage) []byte {
	var p struct {
		ProcessID    *int `json:"processId"`
		Capabilities struct {
			General struct {
				PositionEncodings []string `json:"positionEncodings"`
			} `json:"general"`
		} `json:"capabilities"`
	}
	_ = json.Unmarshal(params, &p)
	if p.ProcessID != nil && *defect != "dead-parent" {
		go watch(*p.ProcessID)
	}
	caps := map[string]any{"hoverProvider": true, "definitionProvider": true, "textDocumentSync": 1}
	if *defect == "position-encoding" {
		caps["positionEncoding"] = "utf-8"
	}
	return resultReply(id, map[string]any{"capabilities": caps, "serverInfo": map[string]string{"name": "brokensrv"}})
}

// watch exits once process pid is gone.
func watch(pid int) {
	for {
		if err := syscall.Kill(pid, 0); err != nil && !errors.Is(err, syscall.EPERM) {
			os.Exit(1)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

package calc_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/lspkit/lspkit/lsp"
	"github.com/lspkit/lspkit/lsp/lsptest"
	"github.com/lspkit/lspkit/lsp/protocol"
	"github.com/lspkit/lspkit/samples/calc"
)

// This file holds the helpers of the in-process tests: a session (the calc
// server and an lsptest client), positions found by marked needles, and
// compact renderings of ranges and diagnostics for table comparisons.

// session is one calc server and its in-memory client, with the texts the
// client has open, to compute positions the way an editor does.
type session struct {
	t    *testing.T
	ctx  context.Context
	c    *lsptest.Client
	enc  string // the negotiated position encoding
	init *protocol.InitializeResult
	wire *wireLog

	mu    sync.Mutex
	texts map[protocol.DocumentURI]string
}

// clientCaps builds client capabilities: the common ones lsptest declares,
// the given position encodings, and extra JSON merged in (objects merge,
// other values replace).
func clientCaps(t *testing.T, encodings []string, extra string) protocol.ClientCapabilities {
	t.Helper()
	base := map[string]any{
		"workspace": map[string]any{"configuration": true, "applyEdit": true, "workspaceFolders": true},
		"window":    map[string]any{"workDoneProgress": true},
		"textDocument": map[string]any{
			"publishDiagnostics": map[string]any{},
			"hover":              map[string]any{},
			"completion":         map[string]any{"completionItem": map[string]any{"snippetSupport": true}},
		},
		"general": map[string]any{"positionEncodings": encodings},
	}
	if extra != "" {
		var more map[string]any
		if err := json.Unmarshal([]byte(extra), &more); err != nil {
			t.Fatalf("capabilities %s: %v", extra, err)
		}
		merge(base, more)
	}
	var caps protocol.ClientCapabilities
	data, _ := json.Marshal(base)
	if err := json.Unmarshal(data, &caps); err != nil {
		t.Fatal(err)
	}
	return caps
}

func merge(dst, src map[string]any) {
	for k, v := range src {
		if sub, ok := v.(map[string]any); ok {
			if d, ok := dst[k].(map[string]any); ok {
				merge(d, sub)
				continue
			}
		}
		dst[k] = v
	}
}

// pullCaps declares pull diagnostics (textDocument/diagnostic).
const pullCaps = `{"textDocument": {"diagnostic": {}}}`

// start starts a calc server and initializes it with params (the
// capabilities from clientCaps); before runs between the client's start and
// initialize, to set how it answers the server's requests.
func start(t *testing.T, params *protocol.InitializeParams, before func(*lsptest.Client)) *session {
	t.Helper()
	return startOpts(t, params, before)
}

// startOpts is start with options for the lsptest client: how it answers
// the server's requests, which editor it plays.
func startOpts(t *testing.T, params *protocol.InitializeParams, before func(*lsptest.Client), opts ...lsptest.Option) *session {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	t.Cleanup(cancel)
	wire := newWireLog()
	c := lsptest.New(t, calc.New(lsp.WithWireTrace(wire)), opts...)
	if before != nil {
		before(c)
	}
	res, err := c.Initialize(ctx, params)
	if err != nil {
		t.Fatalf("initialize: %v", err)
	}
	var caps struct {
		PositionEncoding string `json:"positionEncoding"`
	}
	decodeInto(t, res.Capabilities, &caps)
	return &session{t: t, ctx: ctx, c: c, enc: caps.PositionEncoding, init: res, wire: wire, texts: map[protocol.DocumentURI]string{}}
}

// startWith starts a session whose client offers the given encodings and
// extra capabilities, with no workspace folder.
func startWith(t *testing.T, encodings []string, extraCaps string) *session {
	t.Helper()
	return start(t, &protocol.InitializeParams{Capabilities: clientCaps(t, encodings, extraCaps)}, nil)
}

// shutdown ends the session as an editor does, and checks that the server
// ended cleanly.
func (s *session) shutdown() {
	s.t.Helper()
	if err := s.c.Shutdown(s.ctx); err != nil {
		s.t.Fatalf("shutdown: %v", err)
	}
}

func (s *session) open(uri protocol.DocumentURI, text string) {
	s.t.Helper()
	s.mu.Lock()
	s.texts[uri] = text
	s.mu.Unlock()
	if err := s.c.Open(s.ctx, uri, calc.LanguageID, text); err != nil {
		s.t.Fatal(err)
	}
}

// edit replaces the text marked by needle (see span) with newText, as an
// incremental change.
func (s *session) edit(uri protocol.DocumentURI, needle, newText string) {
	s.t.Helper()
	r := s.span(uri, needle)
	start, end := s.offsets(uri, needle)
	s.mu.Lock()
	old := s.texts[uri]
	s.texts[uri] = old[:start] + newText + old[end:]
	s.mu.Unlock()
	if err := s.c.Edit(s.ctx, uri, r, newText); err != nil {
		s.t.Fatal(err)
	}
}

func (s *session) text(uri protocol.DocumentURI) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	text, ok := s.texts[uri]
	if !ok {
		s.t.Fatalf("%s is not open", uri)
	}
	return text
}

// offsets finds needle in the text of uri, where it must occur once, and
// returns the byte offsets it marks: "[...]" marks a range, "|" a point
// (start == end), and a plain needle its whole self. The marks are not
// part of the text.
func (s *session) offsets(uri protocol.DocumentURI, needle string) (start, end int) {
	s.t.Helper()
	return markedOffsets(s.t, s.text(uri), needle)
}

func markedOffsets(t testing.TB, text, needle string) (start, end int) {
	t.Helper()
	plain := strings.NewReplacer("[", "", "]", "", "|", "").Replace(needle)
	i := strings.Index(text, plain)
	if i < 0 || strings.Contains(text[i+1:], plain) {
		t.Fatalf("needle %q occurs %d times in %q, want once", plain, strings.Count(text, plain), text)
	}
	switch {
	case strings.Contains(needle, "|"):
		start = i + strings.Index(needle, "|")
		return start, start
	case strings.Contains(needle, "["):
		start = i + strings.Index(needle, "[")
		return start, i + strings.Index(needle, "]") - 1
	}
	return i, i + len(plain)
}

// at is the position needle marks (its "|", or its start).
func (s *session) at(uri protocol.DocumentURI, needle string) protocol.Position {
	s.t.Helper()
	start, _ := s.offsets(uri, needle)
	return position(s.text(uri), start, s.enc)
}

// span is the range needle marks.
func (s *session) span(uri protocol.DocumentURI, needle string) protocol.Range {
	s.t.Helper()
	start, end := s.offsets(uri, needle)
	text := s.text(uri)
	return protocol.Range{Start: position(text, start, s.enc), End: position(text, end, s.enc)}
}

// spanStr is span rendered by rangeStr.
func (s *session) spanStr(uri protocol.DocumentURI, needle string) string {
	s.t.Helper()
	return rangeStr(s.span(uri, needle))
}

// position converts a byte offset of text to an LSP position in enc. It is
// written independently of package document, which the server uses, so
// that the tests check the server's conversions.
func position(text string, off int, enc string) protocol.Position {
	line, lineStart := 0, 0
	for i := 0; i < off; i++ {
		if text[i] == '\n' || text[i] == '\r' && (i+1 >= len(text) || text[i+1] != '\n') {
			line, lineStart = line+1, i+1
		}
	}
	var char int
	switch enc {
	case "utf-8":
		char = off - lineStart
	case "utf-32":
		char = utf8.RuneCountInString(text[lineStart:off])
	default:
		for _, r := range text[lineStart:off] {
			char += utf16.RuneLen(r)
		}
	}
	return protocol.Position{Line: uint32(line), Character: uint32(char)}
}

// rangeStr renders a range as "line:char-line:char".
func rangeStr(r protocol.Range) string {
	return fmt.Sprintf("%d:%d-%d:%d", r.Start.Line, r.Start.Character, r.End.Line, r.End.Character)
}

// diagStr renders a diagnostic as "RANGE severity message [unnecessary]".
func diagStr(d protocol.Diagnostic) string {
	sev := "?"
	if d.Severity != nil {
		sev = map[protocol.DiagnosticSeverity]string{1: "error", 2: "warning", 3: "info", 4: "hint"}[*d.Severity]
	}
	msg, _ := d.Message.Value.(string)
	out := rangeStr(d.Range) + " " + sev + " " + msg
	for _, tag := range d.Tags {
		if tag == protocol.DiagnosticTagUnnecessary {
			out += " [unnecessary]"
		}
	}
	return out
}

func diagStrs(ds []protocol.Diagnostic) []string {
	out := []string{}
	for _, d := range ds {
		out = append(out, diagStr(d))
	}
	return out
}

// pull asks for the diagnostics of uri with textDocument/diagnostic.
func (s *session) pull(uri protocol.DocumentURI) []string {
	s.t.Helper()
	rep, err := s.c.Diagnostic(s.ctx, &protocol.DocumentDiagnosticParams{TextDocument: protocol.TextDocumentIdentifier{URI: uri}})
	if err != nil {
		s.t.Fatalf("pull diagnostics of %s: %v", uri, err)
	}
	full, ok := rep.Value.(protocol.RelatedFullDocumentDiagnosticReport)
	if !ok {
		s.t.Fatalf("pull diagnostics of %s: %T, want a full report", uri, rep.Value)
	}
	return diagStrs(full.Items)
}

// pushed waits for the publishDiagnostics of uri for document version
// version (nil: any) and returns them.
func (s *session) pushed(uri protocol.DocumentURI, version *int32) []string {
	s.t.Helper()
	for {
		p, err := s.c.Diagnostics(s.ctx, uri)
		if err != nil {
			s.t.Fatalf("diagnostics of %s: %v", uri, err)
		}
		if version == nil || p.Version != nil && *p.Version == *version {
			return diagStrs(p.Diagnostics)
		}
	}
}

// progress is one $/progress notification, decoded.
type progress struct {
	Token any `json:"token"`
	Value struct {
		Kind        string  `json:"kind"`
		Title       string  `json:"title"`
		Message     string  `json:"message"`
		Percentage  *uint32 `json:"percentage"`
		Cancellable bool    `json:"cancellable"`
	} `json:"value"`
}

// progressUntilEnd takes $/progress notifications until the end of the work
// of token (nil: of whatever work comes first), and returns the begin,
// reports and end of that work in order.
func (s *session) progressUntilEnd(token any) []progress {
	s.t.Helper()
	var out []progress
	for {
		raw, err := s.c.Notification(s.ctx, "$/progress")
		if err != nil {
			s.t.Fatalf("waiting for $/progress: %v (so far %+v)", err, out)
		}
		var p progress
		if err := json.Unmarshal(raw, &p); err != nil {
			s.t.Fatal(err)
		}
		if token == nil {
			token = p.Token
		}
		if fmt.Sprint(p.Token) != fmt.Sprint(token) {
			continue
		}
		out = append(out, p)
		if p.Value.Kind == "end" {
			return out
		}
	}
}

// decodeInto converts v (any JSON-marshalable value) into out through JSON,
// as a client would see it.
func decodeInto(t testing.TB, v, out any) {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, out); err != nil {
		t.Fatalf("decoding %s: %v", data, err)
	}
}

func fileURI(path string) protocol.DocumentURI { return lsp.FileURI(path) }

// wireLog keeps the server's wire trace (lsp.WithWireTrace), so that a test
// can wait for a message the server sent or received.
type wireLog struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	msgs    []wireMsg
	arrived chan struct{}
}

type wireMsg struct {
	Dir string `json:"dir"`
	Msg struct {
		ID     json.RawMessage `json:"id"`
		Method string          `json:"method"`
		Params json.RawMessage `json:"params"`
		Error  *struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	} `json:"msg"`
}

func newWireLog() *wireLog { return &wireLog{arrived: make(chan struct{})} }

func (w *wireLog) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	for {
		line, err := w.buf.ReadBytes('\n')
		if err != nil {
			w.buf.Write(line) // an incomplete line: keep it for later
			break
		}
		var m wireMsg
		if json.Unmarshal(line, &m) == nil {
			w.msgs = append(w.msgs, m)
		}
	}
	close(w.arrived)
	w.arrived = make(chan struct{})
	return len(p), nil
}

// wait returns the first message that match accepts, waiting for it.
func (w *wireLog) wait(ctx context.Context, match func(wireMsg) bool) (wireMsg, error) {
	for {
		w.mu.Lock()
		for _, m := range w.msgs {
			if match(m) {
				w.mu.Unlock()
				return m, nil
			}
		}
		ch := w.arrived
		w.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return wireMsg{}, ctx.Err()
		}
	}
}

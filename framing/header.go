package framing

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"math"
	"strconv"
	"strings"
)

// Header returns the Framer of the LSP base protocol: every message is
// preceded by a header block of `Name: value` lines, which must include
// Content-Length, ended by an empty line. See the package documentation for
// the exact rules.
func Header(opts ...Option) Framer {
	return headerFramer{opts: buildOptions(opts)}
}

type headerFramer struct{ opts options }

func (f headerFramer) NewReader(r io.Reader) Reader {
	return &headerReader{br: bufio.NewReaderSize(r, readBufferSize), opts: f.opts}
}

func (f headerFramer) NewWriter(w io.Writer) Writer {
	return &writer{w: w, frame: appendHeaderFrame}
}

// appendHeaderFrame appends body, behind its header block, to dst.
func appendHeaderFrame(dst, body []byte) ([]byte, error) {
	dst = append(dst, "Content-Length: "...)
	dst = strconv.AppendInt(dst, int64(len(body)), 10)
	dst = append(dst, "\r\n\r\n"...)
	return append(dst, body...), nil
}

// headerReader reads header-framed messages.
//
// It parses each header line where it lies in the bufio.Reader and consumes
// it only once it is accepted. A refused line is left in place but for its
// first byte, and the search for the next "Content-Length:" starts there: a
// header glued to the garbage before it is found without copying anything.
type headerReader struct {
	br   *bufio.Reader
	opts options

	// skip is the number of body bytes of a refused message (TooLarge,
	// BadCharset) still to discard before the next message.
	skip int64
	// resync: after a BadHeader, discard input up to the next
	// "Content-Length:" before reading a header block.
	resync bool
}

// Buffered implements BufferedReader.
func (r *headerReader) Buffered() int { return r.br.Buffered() }

func (r *headerReader) ReadMessage() ([]byte, error) {
	if err := r.discard(); err != nil {
		return nil, err
	}
	size, err := r.readHeader()
	if err != nil {
		return nil, err
	}
	return r.readBody(size)
}

// readHeader reads one header block and returns the body size it announces.
func (r *headerReader) readHeader() (int64, error) {
	var h header
	total := 0 // bytes of the header block so far
	for {
		// A line can take what is left of the block's limit, within the buffer.
		line, err := r.peekLine(max(1, min(r.opts.maxHeader-total, readBufferSize)))
		switch {
		case err == errLineTooLong:
			return 0, r.badHeader("header line over " + strconv.Itoa(len(line)) + " bytes: " + quoteTrunc(line))
		case err == io.EOF && total == 0 && isBlank(line):
			r.br.Discard(len(line))
			return 0, io.EOF // between messages
		case err == io.EOF:
			return 0, io.ErrUnexpectedEOF
		case err != nil:
			return 0, err
		}
		content := trimLineEnd(line)
		if len(content) == 0 && total == 0 {
			r.br.Discard(len(line)) // a blank line between messages
			continue
		}
		if total += len(line); total > r.opts.maxHeader {
			return 0, r.badHeader("header block exceeds " + strconv.Itoa(r.opts.maxHeader) + " bytes")
		}
		if len(content) > 0 {
			if detail := h.parseLine(content); detail != "" {
				return 0, r.badHeader(detail)
			}
			r.br.Discard(len(line))
			continue
		}
		// The end of the block.
		if !h.seen {
			return 0, r.badHeader("missing Content-Length header")
		}
		r.br.Discard(len(line))
		switch {
		case h.length < 0:
			r.skip = math.MaxInt64 // nothing can complete this body: drop all input
			return 0, &Error{Kind: TooLarge, Size: -1, Limit: r.opts.maxMessage}
		case h.length > r.opts.maxMessage:
			r.skip = h.length
			return 0, &Error{Kind: TooLarge, Size: h.length, Limit: r.opts.maxMessage}
		case h.badCharset != "":
			r.skip = h.length
			return 0, &Error{Kind: BadCharset, Detail: "charset " + h.badCharset}
		}
		return h.length, nil
	}
}

// peekLine returns the next line, "\n" included, without consuming it, if
// it is at most n bytes long (n <= readBufferSize). Otherwise it returns the
// first n bytes and errLineTooLong. At the end of input or on a read error,
// it returns what is buffered and the error.
func (r *headerReader) peekLine(n int) ([]byte, error) {
	var err error
	for seen := 0; ; {
		buf, _ := r.br.Peek(min(r.br.Buffered(), n))
		if i := bytes.IndexByte(buf[seen:], '\n'); i >= 0 {
			return buf[:seen+i+1], nil
		}
		if len(buf) == n {
			return buf, errLineTooLong
		}
		if err != nil {
			return buf, err
		}
		seen = len(buf)
		_, err = r.br.Peek(seen + 1) // read more
	}
}

// errLineTooLong is peekLine's error for a line over its limit.
var errLineTooLong = errors.New("framing: line too long")

// badHeader refuses the header block at the line that starts the buffered
// input. It consumes the first byte of that line, so that the next
// ReadMessage looks for "Content-Length:" from the second.
func (r *headerReader) badHeader(detail string) error {
	r.br.Discard(1)
	r.resync = true
	return &Error{Kind: BadHeader, Detail: detail}
}

// discard drops what refused messages left: the rest of a body, then, after
// a BadHeader, the input up to the next "Content-Length:", in any case,
// wherever it stands (a body is not followed by a line break, so the next
// header often starts mid-line). It reads in place, in bounded memory. The
// input ending there is io.EOF: the refused message was already reported.
func (r *headerReader) discard() error {
	for r.skip > 0 {
		n, err := r.br.Discard(int(min(r.skip, 1<<30)))
		r.skip -= int64(n)
		if err == io.EOF {
			r.skip = 0
		}
		if err != nil {
			return err
		}
	}
	const name = "content-length"
	for r.resync {
		_, err := r.br.Peek(len(name) + 1) // read more, if a whole "Content-Length:" is not buffered
		buf, _ := r.br.Peek(r.br.Buffered())
		if i := indexContentLength(buf); i >= 0 {
			r.br.Discard(i)
			r.resync = false
			return nil
		}
		if err == io.EOF {
			r.br.Discard(len(buf))
		}
		if err != nil {
			return err
		}
		r.br.Discard(len(buf) - len(name)) // keep what may begin a match
	}
	return nil
}

// indexContentLength returns the index in b of the first "Content-Length:",
// in any case, or -1. It looks for colons, which are rarer than letters.
func indexContentLength(b []byte) int {
	const name = "content-length"
	for i := len(name); i < len(b); i++ {
		j := bytes.IndexByte(b[i:], ':')
		if j < 0 {
			return -1
		}
		i += j
		if equalFold(b[i-len(name):i], name) {
			return i - len(name)
		}
	}
	return -1
}

// readBody reads a body of size bytes. A body of up to maxPrealloc bytes is
// allocated at once; a larger one grows as its bytes arrive, so that memory
// follows what the peer sends, not what its header claims.
func (r *headerReader) readBody(size int64) ([]byte, error) {
	body := make([]byte, min(size, maxPrealloc))
	n := 0
	for {
		m, err := io.ReadFull(r.br, body[n:])
		n += m
		if err == io.EOF {
			err = io.ErrUnexpectedEOF // the input ended inside the body
		}
		if err != nil {
			return nil, err
		}
		if int64(n) == size {
			return body, nil
		}
		grown := make([]byte, min(2*int64(n), size))
		copy(grown, body)
		body = grown
	}
}

// maxPrealloc is the largest body allocated whole before its bytes arrive.
// It is above 1 MiB so that a message of a little over 1 MiB (a large file's
// text in an envelope) is read into one allocation.
const maxPrealloc = 2 << 20

// header collects what one header block says.
type header struct {
	length     int64  // Content-Length; -1 if it overflows int64
	seen       bool   // a Content-Length header was seen
	badCharset string // the refused charset of a Content-Type header, quoted
}

// parseLine takes in one header line, without its line end. It returns why
// the line is refused, or "".
func (h *header) parseLine(line []byte) string {
	name, value, ok := bytes.Cut(line, []byte(":"))
	if !ok {
		return "header line without colon: " + quoteTrunc(line)
	}
	if !isToken(name) {
		return "invalid header name: " + quoteTrunc(line)
	}
	value = trimOWS(value)
	switch {
	case equalFold(name, "content-length"):
		n, ok := parseLength(value)
		if !ok {
			return "invalid Content-Length: " + quoteTrunc(line)
		}
		if h.seen && n != h.length {
			return "conflicting Content-Length headers: " + quoteTrunc(line)
		}
		h.length, h.seen = n, true
	case equalFold(name, "content-type"):
		if cs, ok := checkCharset(value); !ok && h.badCharset == "" {
			h.badCharset = quoteTrunc(cs)
		}
	}
	return ""
}

// parseLength parses a Content-Length value: one or more decimal digits,
// nothing else. n is -1 if the value overflows int64.
func parseLength(v []byte) (n int64, ok bool) {
	if len(v) == 0 {
		return 0, false
	}
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, false
		}
		if d := int64(c - '0'); n > (math.MaxInt64-d)/10 {
			n = -1
		} else if n >= 0 {
			n = n*10 + d
		}
	}
	return n, true
}

// checkCharset looks at a Content-Type value and reports whether its charset
// parameter, if any, is utf-8 (or utf8), in any case, quoted or not. The
// media type itself is not checked. If not ok, raw is the refused charset as
// it appeared.
func checkCharset(v []byte) (raw []byte, ok bool) {
	_, params, _ := bytes.Cut(v, []byte(";"))
	for len(params) > 0 {
		var param []byte
		param, params = cutParam(params)
		name, raw, hasValue := bytes.Cut(param, []byte("="))
		if raw = trimOWS(raw); hasValue && equalFold(trimOWS(name), "charset") {
			if val := unquote(raw); !equalFold(val, "utf-8") && !equalFold(val, "utf8") {
				return raw, false
			}
		}
	}
	return nil, true
}

// cutParam cuts media type parameters at the first ";" outside a quoted
// string.
func cutParam(params []byte) (param, rest []byte) {
	quoted := false
	for i := 0; i < len(params); i++ {
		switch c := params[i]; {
		case c == '\\' && quoted:
			i++
		case c == '"':
			quoted = !quoted
		case c == ';' && !quoted:
			return params[:i], params[i+1:]
		}
	}
	return params, nil
}

// unquote returns the value of a quoted string (without a closing quote, up
// to the end), or v as is if it is not quoted.
func unquote(v []byte) []byte {
	if len(v) == 0 || v[0] != '"' {
		return v
	}
	var val []byte
	for i := 1; i < len(v) && v[i] != '"'; i++ {
		if v[i] == '\\' && i+1 < len(v) {
			i++
		}
		val = append(val, v[i])
	}
	return val
}

// trimOWS trims spaces and tabs at both ends of b.
func trimOWS(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// equalFold reports whether b equals the lower-case ASCII string lower,
// ignoring ASCII case.
func equalFold(b []byte, lower string) bool {
	if len(b) != len(lower) {
		return false
	}
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// isToken reports whether b is a non-empty HTTP token, as a header name must
// be.
func isToken(b []byte) bool {
	for _, c := range b {
		if !tokenChars[c] {
			return false
		}
	}
	return len(b) > 0
}

// tokenChars marks the bytes allowed in an HTTP token.
var tokenChars = func() (t [256]bool) {
	for c := range t {
		t[c] = '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || strings.IndexByte("!#$%&'*+-.^_`|~", byte(c)) >= 0
	}
	return t
}()

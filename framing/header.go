package framing

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"strconv"
	"sync"
)

// Header returns the Framer of the LSP base protocol: every message is preceded
// by a header block of `Name: value` lines, which must include Content-Length,
// ended by an empty line. See the package documentation for the exact rules.
func Header(opts ...Option) Framer {
	return headerFramer{opts: buildOptions(opts)}
}

type headerFramer struct{ opts options }

func (f headerFramer) NewReader(r io.Reader) Reader {
	return &headerReader{br: bufio.NewReaderSize(r, readBufferSize), src: r, opts: f.opts}
}

func (f headerFramer) NewWriter(w io.Writer) Writer {
	return &headerWriter{w: w}
}

// contentLengthPrefix is what resynchronisation looks for, anywhere in the
// input: a message body is not followed by a line break, so after garbage the
// next header may well start in the middle of a line.
const contentLengthPrefix = "content-length:"

// exactAllocLimit is the largest claimed body for which the whole claimed size
// is allocated up front. Beyond it the body buffer grows as bytes arrive. It is
// 2 MiB rather than 1 so that a message of a little over 1 MiB (1 MiB of
// params plus the envelope, a large file's text) is allocated once: growing
// costs a second allocation of the whole size and a copy of the first MiB,
// which made such messages half as fast to read.
const exactAllocLimit = 2 << 20

type headerReader struct {
	br   *bufio.Reader
	src  io.Reader // what br reads from
	opts options

	// skip is the number of body bytes of a refused message (TooLarge,
	// BadCharset) still to discard before the next message.
	skip int64
	// resync: after a BadHeader, discard input up to the next Content-Length:
	// before reading the next header block.
	resync bool
	// next is the canonical header that MessageBuffered found wholly
	// buffered, with its body, for the next ReadMessage (hlen 0: none).
	next struct {
		hlen   int
		length int64
	}
}

func (r *headerReader) ReadMessage() ([]byte, error) { return r.ReadMessageInto(nil) }

// ReadMessageInto implements ReuseReader.
func (r *headerReader) ReadMessageInto(buf []byte) ([]byte, error) {
	if r.skip > 0 {
		if err := r.discardBody(); err != nil {
			return nil, err
		}
	}
	if r.resync {
		if err := r.resyncStream(); err != nil {
			return nil, err
		}
	}
	if body, ok := r.readBuffered(buf); ok {
		return body, nil
	}
	size, err := r.readHeader()
	if err != nil {
		return nil, err
	}
	return r.readBody(size, buf)
}

// readBuffered is ReadMessage's fast path: a message that is wholly in the
// buffer, behind the header block every sender writes, within the limit, is
// copied out in one step rather than read line by line. Anything else (ok
// false) takes the general path, which reads exactly the same messages.
func (r *headerReader) readBuffered(buf []byte) (body []byte, ok bool) {
	in, _ := r.br.Peek(r.br.Buffered())
	hlen, length, ok := r.next.hlen, r.next.length, r.next.hlen > 0
	r.next.hlen = 0
	if !ok {
		hlen, length, ok = canonicalHeader(in)
	}
	if !ok || length > r.opts.maxMessage || int64(len(in)-hlen) < length {
		return nil, false
	}
	body = into(buf, int(length))
	copy(body, in[hlen:])
	r.br.Discard(hlen + int(length)) // buffered: cannot fail
	return body, true
}

// canonicalHeader parses the header block every sender writes,
// "Content-Length: N\r\n\r\n", at the start of buf: its length and N. It
// is not ok for anything else, including an N of more than 18 digits.
func canonicalHeader(buf []byte) (hlen int, length int64, ok bool) {
	const prefix = "Content-Length: "
	// Two 8-byte compares rather than a byte-wise one: this runs for every
	// message.
	if len(buf) < len(prefix) ||
		binary.LittleEndian.Uint64(buf) != prefixLo ||
		binary.LittleEndian.Uint64(buf[8:]) != prefixHi {
		return 0, 0, false
	}
	rest := buf[len(prefix):]
	n := 0
	for n < len(rest) && n < 18 && '0' <= rest[n] && rest[n] <= '9' {
		length = length*10 + int64(rest[n]-'0') // 18 digits cannot overflow
		n++
	}
	if n == 0 || len(rest)-n < 4 || binary.LittleEndian.Uint32(rest[n:]) != crlfcrlf {
		return 0, 0, false
	}
	return len(prefix) + n + 4, length, true
}

// The canonical header's fixed bytes, as canonicalHeader loads them.
var (
	prefixLo = binary.LittleEndian.Uint64([]byte("Content-"))
	prefixHi = binary.LittleEndian.Uint64([]byte("Length: "))
	crlfcrlf = binary.LittleEndian.Uint32([]byte("\r\n\r\n"))
)

// MessageBuffered implements BufferedReader: it finds the end of the next
// header block and its Content-Length in what is buffered, and reports
// whether the whole body is buffered too. Anything unusual (a refused
// message to skip, a resync, a header it does not follow) answers false.
func (r *headerReader) MessageBuffered() bool {
	if r.skip > 0 || r.resync {
		return false
	}
	buf, _ := r.br.Peek(r.br.Buffered())
	if hlen, length, ok := canonicalHeader(buf); ok {
		if int64(len(buf)-hlen) < length {
			return false
		}
		r.next.hlen, r.next.length = hlen, length // ReadMessage need not parse it again
		return true
	}
	end := bytes.Index(buf, []byte("\r\n\r\n"))
	if end < 0 {
		return false
	}
	length := int64(-1)
	for header := buf[:end]; len(header) > 0; {
		line := header
		if i := bytes.Index(header, []byte("\r\n")); i >= 0 {
			line, header = header[:i], header[i+2:]
		} else {
			header = nil
		}
		colon := bytes.IndexByte(line, ':')
		if colon < 0 || !equalFold(line[:colon], "content-length") {
			continue
		}
		n, overflow, ok := parseLength(trimOWS(line[colon+1:]))
		if !ok || overflow || length >= 0 {
			return false // ReadMessage will report it, or it is not simple
		}
		length = n
	}
	return length >= 0 && int64(len(buf)-end-4) >= length
}

// discardBody drops the body of a refused message without buffering it. The
// input ending inside it is a clean end: the message was already reported.
func (r *headerReader) discardBody() error {
	for r.skip > 0 {
		n := min(r.skip, 1<<30)
		d, err := r.br.Discard(int(n))
		r.skip -= int64(d)
		if err == io.EOF {
			r.skip = 0
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// resyncStream discards input, in bounded memory, up to the next
// Content-Length: (case-insensitively), wherever it stands. At the end of
// input it returns io.EOF.
func (r *headerReader) resyncStream() error {
	keep := len(contentLengthPrefix) - 1 // a tail that may begin a match
	for {
		if _, err := r.br.Peek(len(contentLengthPrefix)); err != nil {
			r.br.Discard(r.br.Buffered())
			r.resync = false
			return err
		}
		buf, _ := r.br.Peek(r.br.Buffered())
		if i := indexFold(buf, contentLengthPrefix); i >= 0 {
			r.br.Discard(i)
			r.resync = false
			return nil
		}
		r.br.Discard(len(buf) - keep)
	}
}

// badHeader returns a BadHeader error and arranges for the next ReadMessage to
// resynchronise. line is the rejected line, if there is one: a header glued
// to the garbage before it (`garbageContent-Length: 5`) is found there, and
// reading goes on from it.
func (r *headerReader) badHeader(line []byte, detail string) error {
	r.resync = true
	if len(line) > 1 {
		if i := indexFold(line[1:], contentLengthPrefix); i >= 0 {
			// Put the rest of the line back in front of what is buffered.
			rest := append(bytes.Clone(line[1+i:]), peekAll(r.br)...)
			r.src = io.MultiReader(bytes.NewReader(rest), r.src)
			r.br = bufio.NewReaderSize(r.src, readBufferSize)
			r.resync = false
		}
	}
	return &Error{Kind: BadHeader, Detail: detail}
}

// peekAll returns what br has buffered, and consumes it.
func peekAll(br *bufio.Reader) []byte {
	buf, _ := br.Peek(br.Buffered())
	out := bytes.Clone(buf)
	br.Discard(len(buf))
	return out
}

// indexFold returns the index of the first case-insensitive match of lower
// (an ASCII lower-case string) in b, or -1.
func indexFold(b []byte, lower string) int {
	for i := 0; i+len(lower) <= len(b); i++ {
		if c := b[i]; c == lower[0] || c == lower[0]-'a'+'A' {
			if equalFold(b[i:i+len(lower)], lower) {
				return i
			}
		}
	}
	return -1
}

// readHeader reads one header block and returns the body size it announces.
func (r *headerReader) readHeader() (int64, error) {
	var (
		total      int   // bytes of the header block so far
		length     int64 // Content-Length, if seen
		seen       bool  // a Content-Length was seen
		overflow   bool  // the Content-Length overflows int64
		badCharset string
	)
	for {
		line, err := r.br.ReadSlice('\n')
		if err != nil {
			if err == bufio.ErrBufferFull {
				return 0, r.badHeader(line, "header line longer than "+strconv.Itoa(len(line))+" bytes: "+quoteTrunc(line))
			}
			if err == io.EOF {
				if total == 0 && isBlank(line) {
					return 0, io.EOF // between messages
				}
				return 0, io.ErrUnexpectedEOF
			}
			return 0, err
		}
		content := line[:len(line)-1]
		if n := len(content); n > 0 && content[n-1] == '\r' {
			content = content[:n-1]
		}
		if len(content) == 0 && total == 0 {
			continue // tolerate stray blank lines between messages
		}
		total += len(line)
		if total > r.opts.maxHeader {
			return 0, r.badHeader(nil, "header block exceeds "+strconv.Itoa(r.opts.maxHeader)+" bytes")
		}
		if len(content) == 0 {
			break // end of the header block
		}

		var value []byte
		isLength := false
		if len(content) >= len("Content-Length:") && string(content[:len("Content-Length:")]) == "Content-Length:" {
			// Fast path: the canonical spelling every sender uses.
			isLength, value = true, trimOWS(content[len("Content-Length:"):])
		} else {
			colon := bytes.IndexByte(content, ':')
			if colon < 0 {
				return 0, r.badHeader(line, "header line without colon: "+quoteTrunc(content))
			}
			name := content[:colon]
			if !isToken(name) {
				return 0, r.badHeader(line, "invalid header name: "+quoteTrunc(content))
			}
			value = trimOWS(content[colon+1:])
			switch {
			case equalFold(name, "content-length"):
				isLength = true
			case equalFold(name, "content-type"):
				if cs, ok := checkCharset(value); !ok && badCharset == "" {
					badCharset = quoteTrunc(cs)
				}
			}
		}
		if isLength {
			n, ovf, ok := parseLength(value)
			if !ok {
				return 0, r.badHeader(nil, "invalid Content-Length: "+quoteTrunc(content))
			}
			if seen && (n != length || ovf != overflow) {
				return 0, r.badHeader(nil, "conflicting Content-Length headers: "+quoteTrunc(content))
			}
			length, overflow, seen = n, ovf, true
		}
	}

	if !seen {
		return 0, r.badHeader(nil, "missing Content-Length header")
	}
	if overflow {
		r.skip = math.MaxInt64 // nothing will ever complete this body: drop up to EOF
		return 0, &Error{Kind: TooLarge, Size: -1, Limit: r.opts.maxMessage}
	}
	if length > r.opts.maxMessage {
		r.skip = length
		return 0, &Error{Kind: TooLarge, Size: length, Limit: r.opts.maxMessage}
	}
	if badCharset != "" {
		r.skip = length
		return 0, &Error{Kind: BadCharset, Detail: "charset " + badCharset}
	}
	return length, nil
}

// readBody reads a body of size bytes, into dst if it has room. Memory grows
// with what arrives, not with what the header claimed.
func (r *headerReader) readBody(size int64, dst []byte) ([]byte, error) {
	if size == 0 {
		return []byte{}, nil
	}
	if size <= exactAllocLimit {
		buf := into(dst, int(size))
		if _, err := io.ReadFull(r.br, buf); err != nil {
			return nil, bodyErr(err)
		}
		return buf, nil
	}
	buf := make([]byte, exactAllocLimit)
	n := 0
	for {
		m, err := io.ReadFull(r.br, buf[n:])
		n += m
		if err != nil {
			return nil, bodyErr(err)
		}
		if int64(n) == size {
			return buf, nil
		}
		next := int64(2 * len(buf))
		if next > size {
			next = size
		}
		nb := make([]byte, next)
		copy(nb, buf[:n])
		buf = nb
	}
}

// bodyErr maps an error met inside a body: any end of input is unexpected.
func bodyErr(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// parseLength parses a Content-Length value: one or more decimal digits, nothing
// else. overflow reports a value beyond int64 (n is then meaningless).
func parseLength(v []byte) (n int64, overflow, ok bool) {
	if len(v) == 0 {
		return 0, false, false
	}
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, false, false
		}
		d := int64(c - '0')
		if !overflow {
			if n > (math.MaxInt64-d)/10 {
				overflow = true
			} else {
				n = n*10 + d
			}
		}
	}
	if overflow {
		n = -1
	}
	return n, overflow, true
}

// checkCharset looks at a Content-Type value and reports whether its charset
// parameter, if any, is utf-8 (or utf8). The media type itself is not checked.
// If not ok, cs is the offending charset value as it appeared.
func checkCharset(v []byte) (cs []byte, ok bool) {
	i := bytes.IndexByte(v, ';')
	if i < 0 {
		return nil, true
	}
	v = v[i+1:]
	for len(v) > 0 {
		v = trimOWS(v)
		// parameter name
		j := 0
		for j < len(v) && v[j] != '=' && v[j] != ';' {
			j++
		}
		name := trimOWS(v[:j])
		if j == len(v) || v[j] == ';' { // a parameter without a value: ignore
			if j < len(v) {
				j++
			}
			v = v[j:]
			continue
		}
		v = trimOWS(v[j+1:])
		// parameter value: token or quoted-string
		var raw, val []byte
		var buf [16]byte
		if len(v) > 0 && v[0] == '"' {
			k, n := 1, 0
			for k < len(v) && v[k] != '"' {
				if v[k] == '\\' && k+1 < len(v) {
					k++
				}
				if n < len(buf) {
					buf[n] = v[k]
				}
				n++
				k++
			}
			if k < len(v) {
				k++ // closing quote
			}
			raw = v[:k]
			if n <= len(buf) {
				val = buf[:n]
			} else {
				val = v[:k] // too long to be utf-8 anyway
			}
			v = v[k:]
			if k := bytes.IndexByte(v, ';'); k >= 0 {
				v = v[k+1:]
			} else {
				v = nil
			}
		} else {
			k := bytes.IndexByte(v, ';')
			if k < 0 {
				k = len(v)
			}
			raw = trimOWS(v[:k])
			val = raw
			if k < len(v) {
				k++
			}
			v = v[k:]
		}
		if equalFold(name, "charset") && !equalFold(val, "utf-8") && !equalFold(val, "utf8") {
			return raw, false
		}
	}
	return nil, true
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

// equalFold reports whether b equals the lower-case ASCII string lower, ignoring
// ASCII case.
func equalFold(b []byte, lower string) bool {
	if len(b) != len(lower) {
		return false
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// tokenChars marks the bytes allowed in an HTTP token (a header name).
var tokenChars = func() (t [256]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
		t[c-'a'+'A'] = true
	}
	for _, c := range "!#$%&'*+-.^_`|~" {
		t[c] = true
	}
	return t
}()

// isToken reports whether b is a non-empty HTTP token.
func isToken(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if !tokenChars[c] {
			return false
		}
	}
	return true
}

type headerWriter struct {
	mu      sync.Mutex
	w       io.Writer
	buf     writeBuf
	corrupt error // set once a frame was only partly written
}

func (w *headerWriter) WriteMessage(body []byte) error {
	return w.WriteMessages([][]byte{body})
}

// WriteMessages implements BatchWriter.
func (w *headerWriter) WriteMessages(bodies [][]byte) error {
	size := 0
	for _, body := range bodies {
		size += len(body) + len("Content-Length: \r\n\r\n") + 20
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.corrupt != nil {
		return w.corrupt
	}
	buf := w.buf.get(size)
	for _, body := range bodies {
		buf = appendHeader(buf, len(body))
		buf = append(buf, body...)
	}
	corrupt, err := writeFrame(w.w, buf)
	w.buf.put(buf)
	if corrupt {
		w.corrupt = err
	}
	return err
}

// WriteInPlace implements InPlaceWriter.
func (w *headerWriter) WriteInPlace(buf []byte) error {
	if len(buf) < HeaderRoom {
		return fmt.Errorf("framing: WriteInPlace: %d bytes, less than HeaderRoom", len(buf))
	}
	var header [HeaderRoom]byte
	h := appendHeader(header[:0], len(buf)-HeaderRoom)
	frame := buf[HeaderRoom-len(h):]
	copy(frame, h)
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.corrupt != nil {
		return w.corrupt
	}
	corrupt, err := writeFrame(w.w, frame)
	if corrupt {
		w.corrupt = err
	}
	return err
}

// appendHeader appends the header block of a body of n bytes.
func appendHeader(dst []byte, n int) []byte {
	dst = append(dst, "Content-Length: "...)
	dst = strconv.AppendInt(dst, int64(n), 10)
	return append(dst, "\r\n\r\n"...)
}

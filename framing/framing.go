package framing

import (
	"fmt"
	"io"
	"strconv"
	"sync"
)

// Reader reads one whole message at a time. It is for one goroutine at a time.
type Reader interface {
	// ReadMessage returns the next message body, in a new slice that the
	// caller owns.
	//
	// A *Error reports one refused message; the stream goes on and the next
	// call reads the following message. Any other error ends the stream:
	// io.EOF (clean end between messages), io.ErrUnexpectedEOF (end of input
	// inside a message) or the underlying reader's error.
	ReadMessage() ([]byte, error)
}

// Writer writes one whole message at a time. It is safe for concurrent use,
// and each message is written with exactly one Write call on the underlying
// io.Writer.
type Writer interface {
	// WriteMessage frames body and writes it with one Write call on the
	// underlying writer. body is not retained after WriteMessage returns.
	WriteMessage(body []byte) error
}

// BatchWriter is implemented by the Writers of this package. WriteMessages
// frames several bodies and writes them, in order, with one Write call on
// the underlying writer: a connection with several messages to send at once
// makes one system call rather than one per message. If any body cannot be
// framed (see WriteMessage), it writes none and returns the error.
type BatchWriter interface {
	Writer
	WriteMessages(bodies [][]byte) error
}

// BufferedReader is implemented by the Readers of this package. Buffered
// reports how many bytes have been read from the stream and not yet
// returned as messages: when it is 0, the next ReadMessage may wait for the
// peer. A connection that answers pipelined requests writes their replies
// together once nothing more is buffered, rather than one write each.
type BufferedReader interface {
	Reader
	Buffered() int
}

// Framer makes Readers and Writers of one framing.
type Framer interface {
	// NewReader returns a Reader of messages framed on r. The Reader buffers r
	// (64 KiB), so r must not be read by anyone else afterwards.
	NewReader(r io.Reader) Reader
	// NewWriter returns a Writer that frames messages onto w. It is also a
	// BatchWriter.
	NewWriter(w io.Writer) Writer
}

// Error reports one message the reader refused. The reader has skipped (or
// will skip, at the start of the next ReadMessage) that message, and the next
// ReadMessage goes on with the stream.
type Error struct {
	// Kind says what was wrong.
	Kind ErrorKind
	// Size is the claimed or seen size of the body, for TooLarge; -1 if
	// unknown (a Content-Length that overflows int64).
	Size int64
	// Limit is the maximum message size in force, for TooLarge.
	Limit int64
	// Detail gives human-readable specifics: the bad header line (quoted and
	// truncated), the refused charset, ...
	Detail string
}

// ErrorKind classifies a refused message.
type ErrorKind int

const (
	// TooLarge means the message body is over the maximum message size.
	TooLarge ErrorKind = iota + 1
	// BadHeader means a malformed header block: missing, non-numeric,
	// negative or conflicting Content-Length, a header line or block over the
	// limit, a line without a colon, or other garbage.
	BadHeader
	// BadCharset means a Content-Type header named a charset other than utf-8
	// (or its old alias utf8).
	BadCharset
)

// String returns the name of the kind, e.g. "TooLarge".
func (k ErrorKind) String() string {
	if names := [...]string{TooLarge: "TooLarge", BadHeader: "BadHeader", BadCharset: "BadCharset"}; k > 0 && int(k) < len(names) {
		return names[k]
	}
	return "ErrorKind(" + strconv.Itoa(int(k)) + ")"
}

// Error returns a one-line description, e.g.
// "framing: message too large: 10000000000 bytes (limit 67108864)".
func (e *Error) Error() string {
	var s string
	switch e.Kind {
	case TooLarge:
		if e.Size < 0 {
			s = fmt.Sprintf("framing: message too large: size overflows int64 (limit %d)", e.Limit)
		} else {
			s = fmt.Sprintf("framing: message too large: %d bytes (limit %d)", e.Size, e.Limit)
		}
	case BadHeader:
		s = "framing: bad header"
	case BadCharset:
		s = "framing: unsupported charset"
	default:
		s = "framing: " + e.Kind.String()
	}
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

// DefaultMaxMessageSize is the largest message body a Reader accepts unless
// WithMaxMessageSize says otherwise (64 MiB).
const DefaultMaxMessageSize = 64 << 20

// DefaultMaxHeaderSize is the largest header block (all header lines of one
// message, terminators included) the Header framing accepts unless
// WithMaxHeaderSize says otherwise (8 KiB).
const DefaultMaxHeaderSize = 8 << 10

// Option configures a Framer.
type Option func(*options)

type options struct {
	maxMessage int64
	maxHeader  int
}

func buildOptions(opts []Option) options {
	o := options{maxMessage: DefaultMaxMessageSize, maxHeader: DefaultMaxHeaderSize}
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	return o
}

// WithMaxMessageSize sets the largest message body, in bytes, a Reader
// accepts (default DefaultMaxMessageSize). Larger messages are refused with a
// TooLarge *Error and skipped. n <= 0 keeps the default. Writers do not
// enforce it.
func WithMaxMessageSize(n int) Option {
	return func(o *options) {
		if n > 0 {
			o.maxMessage = int64(n)
		}
	}
}

// WithMaxHeaderSize sets the largest header block, in bytes (all header lines
// of one message and their line ends), the Header framing accepts (default
// DefaultMaxHeaderSize). A larger block is refused with a BadHeader *Error.
// n <= 0 keeps the default. Whatever the limit, one header line cannot exceed
// the reader's 64 KiB buffer. The Line framing ignores this option.
func WithMaxHeaderSize(n int) Option {
	return func(o *options) {
		if n > 0 {
			o.maxHeader = n
		}
	}
}

// readBufferSize is the size of the bufio.Reader of every Reader. A single
// header line (Header framing) cannot be longer than this.
const readBufferSize = 64 << 10

// writer is the Writer of both framings; frame appends one framed body to a
// buffer, or says why body cannot be framed.
type writer struct {
	frame func(dst, body []byte) ([]byte, error)

	mu      sync.Mutex // held for a whole write: frames never interleave
	w       io.Writer
	scratch scratch // the frame buffer
	broken  error   // set once a frame was only partly written: the stream is corrupt
}

func (w *writer) WriteMessage(body []byte) error {
	return w.WriteMessages([][]byte{body})
}

func (w *writer) WriteMessages(bodies [][]byte) error {
	if len(bodies) == 0 {
		return nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.broken != nil {
		return w.broken
	}
	p := w.scratch.get()
	defer w.scratch.put(p)
	buf := (*p)[:0]
	for _, b := range bodies {
		var err error
		if buf, err = w.frame(buf, b); err != nil {
			return err
		}
	}
	*p = buf
	n, err := w.w.Write(buf)
	if err == nil && n < len(buf) {
		err = io.ErrShortWrite
	}
	switch {
	case err == nil:
		return nil
	case n > 0 && n < len(buf):
		w.broken = fmt.Errorf("framing: short write (%d of %d bytes): %w", n, len(buf), err)
		return w.broken
	}
	return fmt.Errorf("framing: write: %w", err)
}

// scratch keeps a buffer from one message to the next, so that framing a
// message does not allocate; it lets the garbage collector have the buffer
// when idle, so that one large message does not pin its size for good.
type scratch struct{ pool sync.Pool }

// get returns the buffer (*p may be nil).
func (s *scratch) get() *[]byte {
	if p, ok := s.pool.Get().(*[]byte); ok {
		return p
	}
	return new([]byte)
}

// put gives back the buffer got from get.
func (s *scratch) put(p *[]byte) { s.pool.Put(p) }

// maxDetail is how many bytes of offending input an Error's Detail quotes.
const maxDetail = 80

// quoteTrunc quotes b for an Error's Detail, truncated to maxDetail bytes.
func quoteTrunc(b []byte) string {
	if len(b) > maxDetail {
		return strconv.Quote(string(b[:maxDetail])) + "..."
	}
	return strconv.Quote(string(b))
}

// isBlank reports whether b holds only whitespace (or nothing).
func isBlank(b []byte) bool {
	for _, c := range b {
		switch c {
		case ' ', '\t', '\r', '\n', '\v', '\f':
		default:
			return false
		}
	}
	return true
}

// trimLineEnd strips the final "\n" of line and an optional "\r" before it.
func trimLineEnd(line []byte) []byte {
	line = line[:len(line)-1]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line
}

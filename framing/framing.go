package framing

import (
	"fmt"
	"io"
	"math/bits"
	"strconv"
	"sync"
)

// Reader reads one whole message at a time.
//
// A Reader is not safe for concurrent use: one goroutine reads a stream.
type Reader interface {
	// ReadMessage returns the next message body. The returned slice is owned by the caller
	// (a fresh allocation each time; never reused by the reader).
	//
	// A *Error reports one refused message; the stream goes on and the next call
	// reads the following message. Any other error ends the stream: io.EOF (clean
	// end between messages), io.ErrUnexpectedEOF (end of input inside a message)
	// or the underlying reader's error.
	ReadMessage() ([]byte, error)
}

// BufferedReader is implemented by the Readers of this package.
// MessageBuffered reports whether a whole message is already in the read
// buffer, so that the next ReadMessage returns without reading from the
// underlying reader (and so without waiting for the peer). It is a cheap
// hint: a false answer may be wrong, a true one never is. A connection uses
// it to take in a burst of messages before it dispatches them, which costs
// one hand-off between goroutines rather than one per message.
type BufferedReader interface {
	Reader
	MessageBuffered() bool
}

// ReuseReader is implemented by the Readers of this package.
// ReadMessageInto is ReadMessage, but it reads the message into buf when buf
// has room for it, and returns buf[:n]; otherwise it returns a new slice, as
// ReadMessage does. A caller that has kept nothing of a message passes its
// buffer back for the next one: a stream of small messages is then read
// without an allocation per message.
type ReuseReader interface {
	Reader
	ReadMessageInto(buf []byte) ([]byte, error)
}

// into returns buf[:n] if buf has room for n bytes, else a new slice (so
// never nil: an empty message is not a missing one).
func into(buf []byte, n int) []byte {
	if buf != nil && cap(buf) >= n {
		return buf[:n]
	}
	return make([]byte, n)
}

// Writer writes one whole message at a time. It is safe for concurrent use, and
// each message is written with exactly one Write call on the underlying io.Writer.
type Writer interface {
	// WriteMessage frames body and writes it with one Write call on the underlying
	// writer. body is not retained after WriteMessage returns.
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

// HeaderRoom is the room an InPlaceWriter needs in front of a message body:
// the longest header the Header framing writes, "Content-Length: " with 19
// digits and "\r\n\r\n".
const HeaderRoom = len("Content-Length: ") + 19 + len("\r\n\r\n")

// InPlaceWriter is implemented by the Writers of the Header framing.
// WriteInPlace writes a message that the caller has built in its own buffer
// after HeaderRoom bytes of room: the header is put in the room, just before
// the body, and header and body go out with one Write call, as WriteMessage
// writes them, but without first copying the body into a frame of its own.
// For a large message that copy would be a second buffer the size of the
// message, and a second pass over its bytes.
type InPlaceWriter interface {
	Writer
	// WriteInPlace writes buf[HeaderRoom:] as one message. It overwrites
	// buf[:HeaderRoom] and does not retain buf after it returns.
	WriteInPlace(buf []byte) error
}

// Framer makes Readers and Writers of one framing.
type Framer interface {
	// NewReader returns a Reader of messages framed on r. The Reader buffers r
	// (64 KiB), so r must not be read by anyone else afterwards.
	NewReader(r io.Reader) Reader
	// NewWriter returns a Writer that frames messages onto w.
	NewWriter(w io.Writer) Writer
}

// DefaultMaxMessageSize is the largest message body a Reader accepts unless
// WithMaxMessageSize says otherwise (64 MiB).
const DefaultMaxMessageSize = 64 << 20

// DefaultMaxHeaderSize is the largest header block (all header lines of one
// message, terminators included) the Header framing accepts unless
// WithMaxHeaderSize says otherwise (8 KiB).
const DefaultMaxHeaderSize = 8 << 10

// readBufferSize is the size of the bufio.Reader of every Reader. A single
// header line (Header framing) cannot be longer than this.
const readBufferSize = 64 << 10

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

// Option configures a Framer.
type Option func(*options)

// WithMaxMessageSize sets the largest message body, in bytes, a Reader accepts
// (default DefaultMaxMessageSize). Larger messages are refused with a TooLarge
// *Error and skipped. n <= 0 keeps the default. Writers do not enforce it.
func WithMaxMessageSize(n int) Option {
	return func(o *options) {
		if n > 0 {
			o.maxMessage = int64(n)
		}
	}
}

// WithMaxHeaderSize sets the largest header block, in bytes (all header lines of
// one message and their line ends), the Header framing accepts (default
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

// ErrorKind classifies a refused message.
type ErrorKind int

const (
	// TooLarge means the message body is over the maximum message size.
	TooLarge ErrorKind = iota + 1
	// BadHeader means a malformed header block: missing, non-numeric, negative or
	// conflicting Content-Length, a header line or block over the limit, a line
	// without a colon, or other garbage.
	BadHeader
	// BadCharset means a Content-Type header named a charset other than utf-8
	// (or its old alias utf8).
	BadCharset
)

// String returns the name of the kind, e.g. "TooLarge".
func (k ErrorKind) String() string {
	switch k {
	case TooLarge:
		return "TooLarge"
	case BadHeader:
		return "BadHeader"
	case BadCharset:
		return "BadCharset"
	}
	return "ErrorKind(" + strconv.Itoa(int(k)) + ")"
}

// Error reports one message the reader refused. The reader has skipped (or will
// skip, at the start of the next ReadMessage) that message, and the next
// ReadMessage goes on with the stream.
type Error struct {
	// Kind says what was wrong.
	Kind ErrorKind
	// Size is the claimed or seen size of the body, for TooLarge; -1 if unknown
	// (e.g. a Content-Length that overflows int64).
	Size int64
	// Limit is the maximum message size in force, for TooLarge.
	Limit int64
	// Detail gives human-readable specifics: the bad header line (quoted and
	// truncated), the refused charset, ...
	Detail string
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

// Write buffers.
//
// A writer keeps one small buffer of its own (messages are written one at a
// time under its mutex) and borrows bigger ones from size-class pools shared by
// all writers, so that no allocation happens per message in steady state and an
// idle writer does not pin a large buffer.

const (
	// keepSmall is the largest buffer a writer keeps for itself.
	keepSmall = 32 << 10
	// minPoolShift and maxPoolShift bound the pooled size classes: 64 KiB .. 128 MiB.
	minPoolShift = 16
	maxPoolShift = 27
)

var bufPools [maxPoolShift - minPoolShift + 1]sync.Pool

// writeBuf is a writer's buffer cache. Not safe for concurrent use: the writer's
// mutex guards it.
type writeBuf struct {
	small  []byte
	pooled *[]byte // the pool entry lent out by get, if any
}

// get returns an empty buffer with capacity at least n.
func (wb *writeBuf) get(n int) []byte {
	if n <= keepSmall {
		if cap(wb.small) < n {
			c := 512
			for c < n {
				c <<= 1
			}
			wb.small = make([]byte, 0, c)
		}
		return wb.small[:0]
	}
	shift := bits.Len(uint(n - 1))
	if shift < minPoolShift {
		shift = minPoolShift
	}
	if shift > maxPoolShift {
		return make([]byte, 0, n) // too big to keep around
	}
	p, _ := bufPools[shift-minPoolShift].Get().(*[]byte)
	if p == nil {
		b := make([]byte, 0, 1<<shift)
		p = &b
	}
	wb.pooled = p
	return (*p)[:0]
}

// put gives back the buffer obtained from get.
func (wb *writeBuf) put(b []byte) {
	p := wb.pooled
	if p == nil {
		return
	}
	wb.pooled = nil
	shift := bits.Len(uint(cap(b) - 1))
	if cap(b) != 1<<shift || shift < minPoolShift || shift > maxPoolShift {
		return // not a pool-sized buffer (cannot happen today); let the GC have it
	}
	*p = b[:0]
	bufPools[shift-minPoolShift].Put(p)
}

// writeFrame writes frame with one Write call and turns failures into errors.
// It returns whether the stream is now corrupt (part of the frame was written).
func writeFrame(w io.Writer, frame []byte) (corrupt bool, err error) {
	n, err := w.Write(frame)
	if err == nil && n != len(frame) {
		err = io.ErrShortWrite
	}
	if err != nil {
		if n > 0 && n < len(frame) {
			return true, fmt.Errorf("framing: short write (%d of %d bytes): %w", n, len(frame), err)
		}
		return false, fmt.Errorf("framing: write: %w", err)
	}
	return false, nil
}

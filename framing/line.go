package framing

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
)

// Line returns the Framer of newline-delimited messages (JSON lines, as used by
// MCP over stdio): one message per line, ended by "\n". See the package
// documentation for the exact rules.
func Line(opts ...Option) Framer {
	return lineFramer{opts: buildOptions(opts)}
}

type lineFramer struct{ opts options }

func (f lineFramer) NewReader(r io.Reader) Reader {
	return &lineReader{br: bufio.NewReaderSize(r, readBufferSize), max: f.opts.maxMessage}
}

func (f lineFramer) NewWriter(w io.Writer) Writer {
	return &lineWriter{w: w}
}

// chunkSize is the size of the chunks that collect a line longer than the read
// buffer.
const chunkSize = 64 << 10

// chunkSet collects one long line in fixed-size chunks, so that a line is
// copied once on its way in and once into the message, however long it is.
// Sets are pooled whole (one pool operation per long line), chunks included.
type chunkSet struct {
	chunks [][]byte // all full-size; chunks[:used] hold the line
	used   int      // chunks in use
	fill   int      // bytes in chunks[used-1]
}

var chunkSets = sync.Pool{New: func() any { return new(chunkSet) }}

// append copies b to the end of the collected line.
func (cs *chunkSet) append(b []byte) {
	for len(b) > 0 {
		if cs.used == 0 || cs.fill == chunkSize {
			if cs.used == len(cs.chunks) {
				cs.chunks = append(cs.chunks, make([]byte, chunkSize))
			}
			cs.used++
			cs.fill = 0
		}
		k := copy(cs.chunks[cs.used-1][cs.fill:], b)
		cs.fill += k
		b = b[k:]
	}
}

// copyTo copies the first len(dst) collected bytes to dst.
func (cs *chunkSet) copyTo(dst []byte) {
	for _, c := range cs.chunks[:cs.used] {
		n := copy(dst, c)
		dst = dst[n:]
	}
}

type lineReader struct {
	br  *bufio.Reader
	max int64

	// discard: the rest of a too-long line must be dropped before the next message.
	discard bool
}

func (r *lineReader) ReadMessage() ([]byte, error) { return r.ReadMessageInto(nil) }

// ReadMessageInto implements ReuseReader.
func (r *lineReader) ReadMessageInto(buf []byte) ([]byte, error) {
	if r.discard {
		if err := r.discardLine(); err != nil {
			return nil, err
		}
	}
	for {
		line, err := r.br.ReadSlice('\n')
		switch err {
		case nil:
			content := trimLineEnd(line)
			if isBlank(content) {
				continue
			}
			if int64(len(content)) > r.max {
				return nil, r.tooLarge(int64(len(content)), false)
			}
			msg := into(buf, len(content))
			copy(msg, content)
			return msg, nil
		case bufio.ErrBufferFull:
			msg, err := r.readLong(line)
			if msg == nil && err == nil {
				continue // a long blank line
			}
			return msg, err
		case io.EOF:
			if isBlank(line) {
				return nil, io.EOF
			}
			return nil, io.ErrUnexpectedEOF
		default:
			return nil, err
		}
	}
}

// MessageBuffered implements BufferedReader: a whole line that is not blank
// is buffered.
func (r *lineReader) MessageBuffered() bool {
	if r.discard {
		return false
	}
	buf, _ := r.br.Peek(r.br.Buffered())
	i := bytes.IndexByte(buf, '\n')
	return i >= 0 && !isBlank(buf[:i])
}

// trimLineEnd strips the "\n" and an optional "\r" before it.
func trimLineEnd(line []byte) []byte {
	line = line[:len(line)-1]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line
}

func (r *lineReader) tooLarge(seen int64, midLine bool) error {
	r.discard = midLine
	e := &Error{Kind: TooLarge, Size: seen, Limit: r.max}
	if midLine {
		e.Detail = "line of at least that size, rest discarded"
	}
	return e
}

// discardLine drops input up to and including the next "\n", in bounded memory.
func (r *lineReader) discardLine() error {
	for {
		_, err := r.br.ReadSlice('\n')
		switch err {
		case nil:
			r.discard = false
			return nil
		case bufio.ErrBufferFull:
			continue
		case io.EOF:
			// The refused line was already reported: a clean end.
			r.discard = false
			return io.EOF
		default:
			return err
		}
	}
}

// readLong reads a line that does not fit in the read buffer; first is its
// beginning. It returns nil, nil for a blank line.
func (r *lineReader) readLong(first []byte) ([]byte, error) {
	cs := chunkSets.Get().(*chunkSet)
	cs.used, cs.fill = 0, 0
	defer chunkSets.Put(cs)
	var (
		frag     = first
		err      = bufio.ErrBufferFull
		total    int64 // bytes of the line so far, "\n" excluded
		nonblank bool
		last     byte // last byte before the "\n"
	)
	for {
		complete := err == nil
		if complete {
			frag = frag[:len(frag)-1]
		}
		if len(frag) > 0 {
			last = frag[len(frag)-1]
		}
		total += int64(len(frag))
		if !nonblank {
			nonblank = !isBlank(frag)
		}
		size := total
		if complete && last == '\r' {
			size--
		}
		// An incomplete line may still lose one trailing '\r'.
		if (complete && size > r.max && nonblank) || (!complete && total > r.max+1) {
			return nil, r.tooLarge(size, !complete)
		}
		cs.append(frag)
		if complete {
			if !nonblank {
				return nil, nil
			}
			msg := make([]byte, size)
			cs.copyTo(msg)
			return msg, nil
		}
		frag, err = r.br.ReadSlice('\n')
		switch err {
		case nil, bufio.ErrBufferFull:
		case io.EOF:
			if nonblank || !isBlank(frag) {
				return nil, io.ErrUnexpectedEOF
			}
			return nil, io.EOF
		default:
			return nil, err
		}
	}
}

// errBlankLine is returned for a message the line framing cannot carry.
var errBlankLine = errors.New("framing: empty or blank message cannot be line-framed")

type lineWriter struct {
	mu      sync.Mutex
	w       io.Writer
	buf     writeBuf
	corrupt error // set once a frame was only partly written
}

func (w *lineWriter) WriteMessage(body []byte) error {
	return w.WriteMessages([][]byte{body})
}

// WriteMessages implements BatchWriter.
func (w *lineWriter) WriteMessages(bodies [][]byte) error {
	size := 0
	for _, body := range bodies {
		if isBlank(body) {
			return errBlankLine
		}
		size += len(body) + 1
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.corrupt != nil {
		return w.corrupt
	}
	buf := w.buf.get(size)
	for _, body := range bodies {
		if bytes.IndexByte(body, '\n') >= 0 {
			// Compacted JSON never holds a raw newline (inside strings it must be escaped).
			cb := bytes.NewBuffer(buf)
			if err := json.Compact(cb, body); err != nil {
				w.buf.put(buf)
				return fmt.Errorf("framing: message with a newline is not valid JSON: %w", err)
			}
			buf = cb.Bytes()
		} else {
			buf = append(buf, body...)
		}
		buf = append(buf, '\n')
	}
	corrupt, err := writeFrame(w.w, buf)
	w.buf.put(buf)
	if corrupt {
		w.corrupt = err
	}
	return err
}

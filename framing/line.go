package framing

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// Line returns the Framer of newline-delimited messages (JSON lines, as used
// by MCP over stdio): one message per line, ended by "\n". See the package
// documentation for the exact rules.
func Line(opts ...Option) Framer {
	return lineFramer{opts: buildOptions(opts)}
}

type lineFramer struct{ opts options }

func (f lineFramer) NewReader(r io.Reader) Reader {
	return &lineReader{br: bufio.NewReaderSize(r, readBufferSize), max: f.opts.maxMessage}
}

func (f lineFramer) NewWriter(w io.Writer) Writer {
	return &writer{w: w, frame: appendLineFrame}
}

// errBlankLine is returned for a message the line framing cannot carry.
var errBlankLine = errors.New("framing: empty or blank message cannot be line-framed")

// appendLineFrame appends body and "\n" to dst. A body holding a raw newline
// is compacted first: compacted JSON has none (inside strings it must be
// escaped).
func appendLineFrame(dst, body []byte) ([]byte, error) {
	if isBlank(body) {
		return dst, errBlankLine
	}
	if bytes.IndexByte(body, '\n') < 0 {
		dst = append(dst, body...)
	} else {
		b := bytes.NewBuffer(dst)
		if err := json.Compact(b, body); err != nil {
			return dst, fmt.Errorf("framing: message with a newline is not valid JSON: %w", err)
		}
		dst = b.Bytes()
	}
	return append(dst, '\n'), nil
}

type lineReader struct {
	br  *bufio.Reader
	max int64
	// discard: the rest of a line refused as too large is still to be
	// dropped before the next message.
	discard bool
	// long collects a line longer than the read buffer.
	long scratch
}

// Buffered implements BufferedReader.
func (r *lineReader) Buffered() int { return r.br.Buffered() }

func (r *lineReader) ReadMessage() ([]byte, error) {
	if r.discard {
		if err := r.discardLine(); err != nil {
			return nil, err
		}
	}
	for {
		var msg []byte
		line, err := r.br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			msg, err = r.readLong(line)
		} else {
			msg, err = r.message(line, err)
		}
		if msg != nil || err != nil {
			return msg, err
		}
		// A blank line: skip it.
	}
}

// message makes ReadMessage's result of a line and the error that came with
// it; it returns nil, nil for a blank line.
func (r *lineReader) message(line []byte, err error) ([]byte, error) {
	switch {
	case err == io.EOF && isBlank(line):
		return nil, io.EOF
	case err == io.EOF:
		return nil, io.ErrUnexpectedEOF
	case err != nil:
		return nil, err
	}
	line = trimLineEnd(line)
	switch {
	case isBlank(line):
		return nil, nil
	case int64(len(line)) > r.max:
		return nil, &Error{Kind: TooLarge, Size: int64(len(line)), Limit: r.max}
	}
	return bytes.Clone(line), nil
}

// readLong reads a line longer than the read buffer, of which first is the
// beginning, collecting it as it arrives. A line over the limit is refused as
// soon as that is certain, and its rest discarded by the next ReadMessage.
func (r *lineReader) readLong(first []byte) ([]byte, error) {
	p := r.long.get()
	defer r.long.put(p)
	line := append((*p)[:0], first...)
	for {
		frag, err := r.br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			if size := int64(len(line) + len(frag)); size > r.max+1 { // +1: a final "\r" is not counted
				r.discard = true
				return nil, &Error{Kind: TooLarge, Size: size, Limit: r.max, Detail: "line of at least that size, rest discarded"}
			}
		}
		// Grow by doubling: the first long line costs at most twice its size.
		if len(line)+len(frag) > cap(line) {
			line = append(make([]byte, 0, max(2*cap(line), len(line)+len(frag))), line...)
		}
		line = append(line, frag...)
		*p = line
		if err != bufio.ErrBufferFull {
			return r.message(line, err)
		}
	}
}

// discardLine drops input up to and including the next "\n", in bounded
// memory. The input ending first is io.EOF: the line was already reported.
func (r *lineReader) discardLine() error {
	for {
		_, err := r.br.ReadSlice('\n')
		switch err {
		case bufio.ErrBufferFull:
			continue
		case nil, io.EOF:
			r.discard = false
		}
		return err
	}
}

package wsrpc

// The size of a WebSocket message is in the header of its first frame, but
// github.com/coder/websocket does not tell it: its Reader yields the
// payload only. So that a message over the limit is refused as soon as its
// header arrives, rather than once the limit's worth of it has been read
// and held, the server side reads the hijacked connection through a
// frameSniffer, which follows the frame headers as the bytes go by and
// notes the first frame's payload length of each data message.

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"io"
	"net"
	"net/http"
	"sync"
)

// frameSniffer is a net.Conn whose reads pass through a parser of
// WebSocket frame headers.
type frameSniffer struct {
	net.Conn
	src io.Reader // what the server had buffered, then the connection

	// The parser's state, touched only by Read (the library reads under
	// a lock of its own).
	hdr  [14]byte // the header being read
	nhdr int      // bytes of it read so far
	skip int64    // payload bytes still to pass before the next header

	mu     sync.Mutex
	starts []int64 // first-frame payload lengths of data messages not yet taken
}

func (s *frameSniffer) Read(p []byte) (int, error) {
	n, err := s.src.Read(p)
	s.parse(p[:n])
	return n, err
}

// parse follows the frame headers in b, which continues the bytes parsed
// before.
func (s *frameSniffer) parse(b []byte) {
	for len(b) > 0 {
		if s.skip > 0 {
			k := min(int64(len(b)), s.skip)
			s.skip -= k
			b = b[k:]
			continue
		}
		s.hdr[s.nhdr] = b[0]
		s.nhdr++
		b = b[1:]
		if s.nhdr < 2 {
			continue
		}
		need := 2
		switch s.hdr[1] & 0x7f {
		case 126:
			need += 2
		case 127:
			need += 8
		}
		if s.hdr[1]&0x80 != 0 {
			need += 4 // the mask key
		}
		if s.nhdr < need {
			continue
		}
		var length int64
		switch l := s.hdr[1] & 0x7f; l {
		case 126:
			length = int64(binary.BigEndian.Uint16(s.hdr[2:4]))
		case 127:
			length = int64(binary.BigEndian.Uint64(s.hdr[2:10]) &^ (1 << 63))
		default:
			length = int64(l)
		}
		if op := s.hdr[0] & 0x0f; op == 1 || op == 2 { // text, binary: a message starts
			s.mu.Lock()
			s.starts = append(s.starts, length)
			s.mu.Unlock()
		}
		s.nhdr = 0
		s.skip = length
	}
}

// next returns the first frame's payload length of the next data message,
// once the library has read its header; ok is false if there is none.
func (s *frameSniffer) next() (length int64, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.starts) == 0 {
		return 0, false
	}
	length = s.starts[0]
	s.starts = s.starts[1:]
	if len(s.starts) == 0 {
		s.starts = nil // let the array go
	}
	return length, true
}

// sniffingWriter hands the library a hijacked connection wrapped in a
// frameSniffer.
type sniffingWriter struct {
	http.ResponseWriter
	sniffer *frameSniffer
}

func (w *sniffingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *sniffingWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	nc, brw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	// Bytes the server read ahead go through the sniffer first.
	buffered, _ := brw.Reader.Peek(brw.Reader.Buffered())
	w.sniffer = &frameSniffer{Conn: nc, src: io.MultiReader(bytes.NewReader(bytes.Clone(buffered)), nc)}
	brw.Reader.Reset(w.sniffer)
	return w.sniffer, brw, nil
}

package wsrpc

import (
	"encoding/binary"
	"slices"
	"testing"
)

// frame builds a WebSocket frame header and payload.
func frame(fin bool, opcode byte, masked bool, n int) []byte {
	b0 := opcode
	if fin {
		b0 |= 0x80
	}
	var mask byte
	if masked {
		mask = 0x80
	}
	var h []byte
	switch {
	case n < 126:
		h = []byte{b0, mask | byte(n)}
	case n <= 0xffff:
		h = []byte{b0, mask | 126, 0, 0}
		binary.BigEndian.PutUint16(h[2:], uint16(n))
	default:
		h = []byte{b0, mask | 127, 0, 0, 0, 0, 0, 0, 0, 0}
		binary.BigEndian.PutUint64(h[2:], uint64(n))
	}
	if masked {
		h = append(h, 1, 2, 3, 4)
	}
	return append(h, make([]byte, n)...)
}

// TestFrameSniffer checks that the sniffer notes the first frame's length
// of every data message, and nothing for control frames and
// continuations, however the bytes are split.
func TestFrameSniffer(t *testing.T) {
	var stream []byte
	for _, f := range [][]byte{
		frame(true, 1, true, 0),
		frame(true, 9, true, 4), // ping
		frame(true, 2, true, 125),
		frame(false, 1, true, 126),
		frame(false, 0, true, 70000), // continuation
		frame(true, 10, true, 0),     // pong, amid the message
		frame(true, 0, true, 3),
		frame(true, 1, false, 65535),
		frame(true, 1, true, 65536),
	} {
		stream = append(stream, f...)
	}
	want := []int64{0, 125, 126, 65535, 65536}
	for _, chunk := range []int{1, 2, 3, 7, 100, 4096, len(stream)} {
		s := &frameSniffer{}
		for b := stream; len(b) > 0; {
			k := min(chunk, len(b))
			s.parse(b[:k])
			b = b[k:]
		}
		var got []int64
		for {
			n, ok := s.next()
			if !ok {
				break
			}
			got = append(got, n)
		}
		if !slices.Equal(got, want) {
			t.Errorf("chunks of %d: %v, want %v", chunk, got, want)
		}
		if s.nhdr != 0 || s.skip != 0 {
			t.Errorf("chunks of %d: left mid-frame (%d header bytes, %d to skip)", chunk, s.nhdr, s.skip)
		}
	}
}

// FuzzFrameSniffer checks that any input, split anywhere, gives the same
// lengths as in one piece, without panicking.
func FuzzFrameSniffer(f *testing.F) {
	f.Add(append(frame(true, 1, true, 5), frame(true, 2, false, 300)...), uint8(3))
	f.Add([]byte{0x81, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 0}, uint8(1))
	f.Fuzz(func(t *testing.T, data []byte, split uint8) {
		whole := &frameSniffer{}
		whole.parse(data)
		parts := &frameSniffer{}
		k := int(split%16) + 1
		for b := data; len(b) > 0; {
			n := min(k, len(b))
			parts.parse(b[:n])
			b = b[n:]
		}
		if !slices.Equal(whole.starts, parts.starts) || whole.skip != parts.skip || whole.nhdr != parts.nhdr {
			t.Errorf("in one piece %v (skip %d), in pieces of %d %v (skip %d)", whole.starts, whole.skip, k, parts.starts, parts.skip)
		}
		for _, n := range whole.starts {
			if n < 0 {
				t.Errorf("negative length %d", n)
			}
		}
	})
}

package framing

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"runtime/metrics"
	"testing"
	"testing/iotest"
)

// Fuzz targets. Seeds live in testdata/fuzz/<target>/.
//
// Every target checks that a reader never panics, always terminates (each call
// that does not end the stream consumes input), never returns a message over
// the limit or one that is not in its input, allocates in proportion to its
// input (not to what headers claim), and behaves the same however the input is
// split into reads.

// heapAllocs returns the bytes allocated so far (approximate for small objects).
func heapAllocs() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// fuzzRead reads data through f and checks the invariants every framing keeps.
func fuzzRead(t *testing.T, f Framer, limit int, data []byte, wrap func(io.Reader) io.Reader) []outcome {
	r := f.NewReader(wrap(bytes.NewReader(data)))
	var outs []outcome
	total := 0
	for calls := 0; ; calls++ {
		if calls > len(data)+2 {
			t.Fatalf("no end after %d calls on %d bytes", calls, len(data))
		}
		msg, err := r.ReadMessage()
		if err == nil {
			if msg == nil || len(msg) > limit || !bytes.Contains(data, msg) {
				t.Fatalf("bad message (%d bytes, limit %d): %.80q", len(msg), limit, msg)
			}
			total += len(msg)
			outs = append(outs, outcome{msg: string(msg)})
			continue
		}
		if msg != nil {
			t.Fatalf("message with error %v", err)
		}
		var fe *Error
		if errors.As(err, &fe) {
			if fe.Kind < TooLarge || fe.Kind > BadCharset || (fe.Kind == TooLarge && (fe.Limit != int64(limit) || (fe.Size >= 0 && fe.Size <= fe.Limit))) {
				t.Fatalf("inconsistent error %#v", fe)
			}
			outs = append(outs, outcome{kind: fe.Kind, size: fe.Size, checkSize: true})
			continue
		}
		if err != io.EOF && err != io.ErrUnexpectedEOF {
			t.Fatalf("unexpected terminal error %v", err)
		}
		if total > len(data) {
			t.Fatalf("returned %d bytes of messages from %d bytes of input", total, len(data))
		}
		return append(outs, outcome{err: err})
	}
}

// fuzzCheck runs data through f whole, byte by byte, in halves and with EOF
// along with the last data, checks the outcomes agree and that memory stayed
// within maxBody plus what is proportional to the input.
func fuzzCheck(t *testing.T, f Framer, limit int, data []byte, maxBody int) []outcome {
	whole := func(r io.Reader) io.Reader { return r }
	var want []outcome
	var used, bound uint64
	// The allocation counter is process-wide and the fuzzing engine allocates
	// too (on a busy machine, tens of KiB at a time): measure again before
	// crying wolf.
	for try := 0; try < 6; try++ {
		before := heapAllocs()
		want = fuzzRead(t, f, limit, data, whole)
		used = heapAllocs() - before
		// Read buffer, messages, errors, a few size-class spans of slack.
		bound = uint64(readBufferSize + maxBody + 64<<10 + 4*len(data) + 512*len(want))
		if used <= bound {
			break
		}
	}
	if used > bound {
		t.Fatalf("allocated %d bytes for %d bytes of input (bound %d)", used, len(data), bound)
	}
	for _, wrap := range []func(io.Reader) io.Reader{iotest.OneByteReader, iotest.HalfReader, iotest.DataErrReader, whole} {
		got := fuzzRead(t, f, limit, data, wrap)
		if len(got) != len(want) {
			t.Fatalf("split reads: got %v, want %v", got, want)
		}
		for i := range got {
			if !equalOutcome(got[i], want[i]) {
				t.Fatalf("split reads: got %v, want %v", got, want)
			}
		}
	}
	return want
}

func FuzzHeaderReader(f *testing.F) {
	f.Add([]byte("Content-Length: 5\r\n\r\nhello"))
	f.Add([]byte("Content-Length: 99999999999999999999999\r\n\r\n"))
	f.Add([]byte("garbage\r\nContent-Length: 2\r\n\r\nhi"))
	f.Fuzz(func(t *testing.T, data []byte) {
		const small = 64
		fuzzCheck(t, Header(WithMaxMessageSize(small), WithMaxHeaderSize(128)), small, data, small)
		// A body may take up to maxPrealloc before its bytes arrive, no more.
		fuzzCheck(t, Header(), DefaultMaxMessageSize, data, maxPrealloc)
	})
}

// lineModel is the line framing, done the obvious way, for inputs that fit the
// read buffer.
func lineModel(data []byte, limit int) []outcome {
	var outs []outcome
	for {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			if isBlank(data) {
				return append(outs, EOF)
			}
			return append(outs, UEOF)
		}
		line := bytes.TrimSuffix(data[:i], []byte("\r"))
		data = data[i+1:]
		switch {
		case isBlank(line):
		case len(line) > limit:
			outs = append(outs, TL(int64(len(line))))
		default:
			outs = append(outs, M(string(line)))
		}
	}
}

func FuzzLineReader(f *testing.F) {
	f.Add([]byte("{\"a\":1}\n\r\n  \nb\r\n"))
	f.Add([]byte("0123456789012345678901234567890123456789\nok\n"))
	f.Add([]byte("partial"))
	f.Fuzz(func(t *testing.T, data []byte) {
		const small = 16
		got := fuzzCheck(t, Line(WithMaxMessageSize(small)), small, data, small)
		if len(data) < readBufferSize {
			want := lineModel(data, small)
			if len(got) != len(want) {
				t.Fatalf("got %v, model %v", got, want)
			}
			for i := range got {
				if !equalOutcome(got[i], want[i]) {
					t.Fatalf("got %v, model %v", got, want)
				}
			}
		}
		fuzzCheck(t, Line(), DefaultMaxMessageSize, data, 0)
	})
}

// FuzzRoundTrip writes the pieces of data (split at sep) as messages and reads
// them back, for both framings.
func FuzzRoundTrip(f *testing.F) {
	f.Add([]byte(`{"a":1}|{"b":[1,2]}||x`), byte('|'))
	f.Add([]byte("{\n \"a\": 1\n}\x00\r\n\x00Content-Length: 3\r\n\r\n"), byte(0))
	f.Fuzz(func(t *testing.T, data []byte, sep byte) {
		bodies := bytes.Split(data, []byte{sep})
		for _, fr := range framings {
			var buf bytes.Buffer
			w := fr.framer().NewWriter(&buf)
			var want, sent [][]byte // messages to read back; bodies as written
			refused := false
			for _, b := range bodies {
				err := w.WriteMessage(b)
				if err == nil {
					sent = append(sent, b)
				} else {
					refused = true
				}
				if fr.name == "line" {
					// The line framing refuses blank bodies, compacts bodies
					// with newlines if they are JSON (and refuses the rest),
					// and carries other bodies as is, less a final "\r".
					switch {
					case isBlank(b):
						if err == nil {
							t.Fatalf("line writer accepted blank %q", b)
						}
						continue
					case bytes.IndexByte(b, '\n') >= 0:
						var c bytes.Buffer
						cerr := json.Compact(&c, b)
						if (cerr == nil) != (err == nil) {
							t.Fatalf("line writer on %q: %v; json.Compact: %v", b, err, cerr)
						}
						if cerr != nil {
							continue
						}
						b = c.Bytes()
					default:
						b = bytes.TrimSuffix(b, []byte("\r"))
					}
				}
				if err != nil {
					t.Fatalf("%s: write %q: %v", fr.name, b, err)
				}
				want = append(want, b)
			}
			// A batch writes the same bytes in one Write call, or refuses
			// everything if one body is refused.
			var batch countingWriter
			bw := fr.framer().NewWriter(&batch).(BatchWriter)
			if err := bw.WriteMessages(bodies); (err != nil) != refused || (refused && batch.writes != 0) {
				t.Fatalf("%s: batch of %d bodies: %v after %d writes, refused %v", fr.name, len(bodies), err, batch.writes, refused)
			}
			batch = countingWriter{}
			if err := bw.WriteMessages(sent); err != nil || batch.writes != min(1, len(sent)) || !bytes.Equal(batch.Bytes(), buf.Bytes()) {
				t.Fatalf("%s: batch: %v, %d writes, %q; want %q", fr.name, err, batch.writes, batch.Bytes(), buf.Bytes())
			}
			r := fr.framer().NewReader(&buf)
			for i, b := range want {
				got, err := r.ReadMessage()
				if err != nil || !bytes.Equal(got, b) {
					t.Fatalf("%s message %d: got %q, %v; want %q", fr.name, i, got, err, b)
				}
			}
			if _, err := r.ReadMessage(); err != io.EOF {
				t.Fatalf("%s: after the last message: %v", fr.name, err)
			}
		}
	})
}

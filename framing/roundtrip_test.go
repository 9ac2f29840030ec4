package framing

import (
	"bytes"
	"io"
	"math/rand/v2"
	"testing"
	"testing/iotest"
)

// randomBody returns a random body: mostly small, sometimes larger than the
// read buffer (up to large bytes), sometimes empty. For the line framing, it holds no newline, is
// not blank and does not end in "\r" (the bodies the line framing carries as is).
func randomBody(rng *rand.Rand, line bool, large int) []byte {
	var n int
	switch rng.IntN(10) {
	case 0:
		n = 0
	case 1:
		n = rng.IntN(large)
	default:
		n = rng.IntN(200)
	}
	b := make([]byte, n)
	for i := range b {
		switch rng.IntN(8) {
		case 0:
			b[i] = byte(rng.IntN(256))
		case 1:
			b[i] = "\r\n:{} "[rng.IntN(6)]
		default:
			b[i] = byte('a' + rng.IntN(26))
		}
	}
	if line {
		for i, c := range b {
			if c == '\n' {
				b[i] = ' '
			}
		}
		if len(b) > 0 && b[len(b)-1] == '\r' {
			b[len(b)-1] = 'x'
		}
		if isBlank(b) {
			b = append(b, 'x')
		}
	}
	return b
}

func TestRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, f := range framings {
		for _, w := range readerWrappers {
			t.Run(f.name+"/"+w.name, func(t *testing.T) {
				for round := 0; round < 8; round++ {
					var buf bytes.Buffer
					writer := f.framer().NewWriter(&buf)
					var bodies [][]byte
					for i := rng.IntN(16); i >= 0; i-- {
						large := 150 << 10
						if w.name == "onebyte" {
							large = 8 << 10 // byte-at-a-time reads are slow
						}
						b := randomBody(rng, f.name == "line", large)
						if err := writer.WriteMessage(b); err != nil {
							t.Fatal(err)
						}
						bodies = append(bodies, b)
					}
					reader := f.framer().NewReader(w.wrap(&buf))
					for i, want := range bodies {
						got, err := reader.ReadMessage()
						if err != nil || !bytes.Equal(got, want) {
							t.Fatalf("round %d message %d: err %v, got %d bytes %.40q, want %d bytes %.40q",
								round, i, err, len(got), got, len(want), want)
						}
					}
					if _, err := reader.ReadMessage(); err != io.EOF {
						t.Fatalf("round %d: after last message: %v", round, err)
					}
				}
			})
		}
	}
}

// TestRoundTripPipe streams random messages through an io.Pipe, so that the
// reader sees the writer's Write calls as they happen.
func TestRoundTripPipe(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, f := range framings {
		t.Run(f.name, func(t *testing.T) {
			var bodies [][]byte
			for i := 0; i < 200; i++ {
				bodies = append(bodies, randomBody(rng, f.name == "line", 150<<10))
			}
			pr, pw := io.Pipe()
			go func() {
				w := f.framer().NewWriter(pw)
				for _, b := range bodies {
					if err := w.WriteMessage(b); err != nil {
						pw.CloseWithError(err)
						return
					}
				}
				pw.Close()
			}()
			r := f.framer().NewReader(iotest.HalfReader(pr))
			for i, want := range bodies {
				got, err := r.ReadMessage()
				if err != nil || !bytes.Equal(got, want) {
					t.Fatalf("message %d: err %v, got %d bytes, want %d", i, err, len(got), len(want))
				}
			}
			if _, err := r.ReadMessage(); err != io.EOF {
				t.Fatalf("after last message: %v", err)
			}
		})
	}
}

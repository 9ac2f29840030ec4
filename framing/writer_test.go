package framing

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
)

var framings = []struct {
	name   string
	framer func(...Option) Framer
}{
	{"header", Header},
	{"line", Line},
}

// TestConcurrentWriters has many goroutines write through one Writer into a
// pipe and checks that every message arrives whole and in per-goroutine order.
func TestConcurrentWriters(t *testing.T) {
	const goroutines, perG = 16, 100
	for _, f := range framings {
		t.Run(f.name, func(t *testing.T) {
			pr, pw := io.Pipe()
			w := f.framer().NewWriter(pw)
			var wg sync.WaitGroup
			for g := 0; g < goroutines; g++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 0; i < perG; i++ {
						body := fmt.Sprintf(`{"g":%d,"i":%d,"pad":"%s"}`, g, i, padding(g, i))
						if err := w.WriteMessage([]byte(body)); err != nil {
							t.Error(err)
							return
						}
					}
				}()
			}
			go func() { wg.Wait(); pw.Close() }()

			r := f.framer().NewReader(pr)
			next := make([]int, goroutines)
			count := 0
			for {
				msg, err := r.ReadMessage()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				var m struct {
					G, I int
					Pad  string
				}
				if err := json.Unmarshal(msg, &m); err != nil {
					t.Fatalf("garbled message %.100q: %v", msg, err)
				}
				g, i := m.G, m.I
				if want := padding(g, i); m.Pad != want {
					t.Fatalf("message g=%d i=%d: wrong padding (%d bytes, want %d)", g, i, len(m.Pad), len(want))
				}
				if g < 0 || g >= goroutines || next[g] != i {
					t.Fatalf("message g=%d i=%d out of order (want i=%d)", g, i, next[g])
				}
				next[g]++
				count++
			}
			if count != goroutines*perG {
				t.Errorf("read %d messages, want %d", count, goroutines*perG)
			}
		})
	}
}

// padding makes message sizes vary, so that some frames span several reads and
// some are larger than the read buffer.
func padding(g, i int) string {
	if (g+i)%37 == 0 {
		return strings.Repeat("q", 100<<10+g)
	}
	return strings.Repeat("p", (g*131+i*17)%3000)
}

// failWriter writes at most n bytes per call and then returns err.
type failWriter struct {
	n      int
	err    error
	writes int
	buf    bytes.Buffer
}

func (f *failWriter) Write(p []byte) (int, error) {
	f.writes++
	if len(p) <= f.n {
		return f.buf.Write(p)
	}
	f.buf.Write(p[:f.n])
	return f.n, f.err
}

func TestWriterErrors(t *testing.T) {
	boom := errors.New("boom")
	for _, f := range framings {
		t.Run(f.name, func(t *testing.T) {
			// Nothing written: the error is returned, the writer stays usable.
			fw := &failWriter{n: 0, err: boom}
			w := f.framer().NewWriter(fw)
			if err := w.WriteMessage([]byte("hello")); !errors.Is(err, boom) {
				t.Fatalf("err = %v, want wrapping boom", err)
			}
			fw.n = 1 << 20
			if err := w.WriteMessage([]byte("hello")); err != nil {
				t.Fatalf("after a clean failure: %v", err)
			}

			// Part of a frame written: the error is wrapped and sticks.
			fw = &failWriter{n: 3, err: boom}
			w = f.framer().NewWriter(fw)
			err := w.WriteMessage([]byte("hello"))
			if !errors.Is(err, boom) || !strings.Contains(err.Error(), "short write") {
				t.Fatalf("err = %v, want short write wrapping boom", err)
			}
			fw.n = 1 << 20
			if err2 := w.WriteMessage([]byte("again")); !errors.Is(err2, boom) {
				t.Fatalf("after a short write: err = %v, want the sticky error", err2)
			}
			if fw.writes != 1 {
				t.Errorf("%d writes, want 1", fw.writes)
			}

			// A short write without an error is io.ErrShortWrite.
			fw = &failWriter{n: 3, err: nil}
			err = f.framer().NewWriter(fw).WriteMessage([]byte("hello"))
			if !errors.Is(err, io.ErrShortWrite) {
				t.Fatalf("err = %v, want io.ErrShortWrite", err)
			}
		})
	}
}

func TestWriterAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items under the race detector")
	}
	small := bytes.Repeat([]byte("x"), 100)
	large := bytes.Repeat([]byte("y"), 1<<20)
	for _, f := range framings {
		for _, body := range [][]byte{small, large} {
			w := f.framer().NewWriter(io.Discard)
			w.WriteMessage(body) // warm up
			allocs := testing.AllocsPerRun(50, func() {
				if err := w.WriteMessage(body); err != nil {
					t.Fatal(err)
				}
			})
			if allocs != 0 {
				t.Errorf("%s, %d bytes: %v allocs per write, want 0", f.name, len(body), allocs)
			}
		}
	}
}

func TestReaderAllocs(t *testing.T) {
	small := bytes.Repeat([]byte("x"), 100)
	large := bytes.Repeat([]byte("y"), 1<<20)
	for _, f := range framings {
		for _, body := range [][]byte{small, large} {
			var buf bytes.Buffer
			if err := f.framer().NewWriter(&buf).WriteMessage(body); err != nil {
				t.Fatal(err)
			}
			r := f.framer().NewReader(&cycleReader{data: buf.Bytes()})
			r.ReadMessage() // warm up
			want := 1.0
			if raceEnabled && f.name == "line" && len(body) > readBufferSize {
				want = -1 // pooled chunks may be dropped
			}
			allocs := testing.AllocsPerRun(20, func() {
				msg, err := r.ReadMessage()
				if err != nil || len(msg) != len(body) {
					t.Fatalf("got %d bytes, %v", len(msg), err)
				}
			})
			if want >= 0 && allocs != want {
				t.Errorf("%s, %d bytes: %v allocs per read, want %v", f.name, len(body), allocs, want)
			}
		}
	}
}

// TestWriteMessages checks that the Writers of both framings are
// BatchWriters that write a batch with one Write call, as WriteMessage would
// write its messages one by one, and write nothing of a batch they refuse.
func TestWriteMessages(t *testing.T) {
	bodies := [][]byte{[]byte(`{"a":1}`), []byte("{\n  \"b\": 2\n}"), bytes.Repeat([]byte("y"), 100<<10), []byte("x")}
	for _, f := range framings {
		t.Run(f.name, func(t *testing.T) {
			var one, batch countingWriter
			w := f.framer().NewWriter(&one)
			for _, b := range bodies {
				if err := w.WriteMessage(b); err != nil {
					t.Fatal(err)
				}
			}
			bw, ok := f.framer().NewWriter(&batch).(BatchWriter)
			if !ok {
				t.Fatal("the Writer is not a BatchWriter")
			}
			if err := bw.WriteMessages(bodies); err != nil {
				t.Fatal(err)
			}
			if batch.writes != 1 || batch.String() != one.String() {
				t.Errorf("%d writes of %.60q; want 1 of %.60q", batch.writes, batch.String(), one.String())
			}
			if err := bw.WriteMessages(nil); err != nil || batch.writes != 1 {
				t.Errorf("an empty batch: %v, %d writes in all; want no error, no write", err, batch.writes)
			}
			if f.name == "line" {
				bad := append(bodies[:2:2], []byte(" "))
				if err := bw.WriteMessages(bad); err == nil || batch.writes != 1 {
					t.Errorf("a batch with a blank body: %v, %d writes in all; want an error, no write", err, batch.writes)
				}
			}
		})
	}
}

// TestBuffered checks BufferedReader: with two messages written at once,
// the first read leaves the second buffered, and the second leaves
// nothing, in both framings.
func TestBuffered(t *testing.T) {
	for _, f := range []struct {
		name string
		fr   Framer
	}{{"header", Header()}, {"line", Line()}} {
		t.Run(f.name, func(t *testing.T) {
			var buf bytes.Buffer
			w := f.fr.NewWriter(&buf)
			if err := w.WriteMessage([]byte(`{"a":1}`)); err != nil {
				t.Fatal(err)
			}
			if err := w.WriteMessage([]byte(`{"b":2}`)); err != nil {
				t.Fatal(err)
			}
			r, ok := f.fr.NewReader(&buf).(BufferedReader)
			if !ok {
				t.Fatal("the Reader is not a BufferedReader")
			}
			if _, err := r.ReadMessage(); err != nil {
				t.Fatal(err)
			}
			if r.Buffered() == 0 {
				t.Error("Buffered() = 0 with a second message in the buffer")
			}
			if _, err := r.ReadMessage(); err != nil {
				t.Fatal(err)
			}
			if n := r.Buffered(); n != 0 {
				t.Errorf("Buffered() = %d after the last message", n)
			}
		})
	}
}

package framing

import (
	"bufio"
	"bytes"
	"io"
	"strconv"
	"strings"
	"testing"
)

var benchSizes = []struct {
	name string
	size int
}{
	{"100B", 100},
	{"1MiB", 1 << 20},
}

// benchBody returns a JSON-looking body of n bytes with no newline.
func benchBody(n int) []byte {
	const head = `{"jsonrpc":"2.0","method":"x","params":"`
	if n < len(head)+2 {
		return bytes.Repeat([]byte("x"), n)
	}
	return []byte(head + strings.Repeat("p", n-len(head)-2) + `"}`)
}

func BenchmarkRead(b *testing.B) {
	for _, f := range framings {
		for _, s := range benchSizes {
			b.Run(f.name+"/"+s.name, func(b *testing.B) {
				body := benchBody(s.size)
				var buf bytes.Buffer
				w := f.framer().NewWriter(&buf)
				for buf.Len() < 256<<10 || buf.Len() < 4*len(body) {
					w.WriteMessage(body)
				}
				r := f.framer().NewReader(&cycleReader{data: buf.Bytes()})
				b.SetBytes(int64(len(body)))
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					msg, err := r.ReadMessage()
					if err != nil || len(msg) != len(body) {
						b.Fatalf("got %d bytes, %v", len(msg), err)
					}
				}
			})
		}
	}
}

func BenchmarkWrite(b *testing.B) {
	for _, f := range framings {
		for _, s := range benchSizes {
			b.Run(f.name+"/"+s.name, func(b *testing.B) {
				body := benchBody(s.size)
				w := f.framer().NewWriter(io.Discard)
				b.SetBytes(int64(len(body)))
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					if err := w.WriteMessage(body); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkWriteParallel measures the writer under contention.
func BenchmarkWriteParallel(b *testing.B) {
	for _, f := range framings {
		b.Run(f.name+"/100B", func(b *testing.B) {
			body := benchBody(100)
			w := f.framer().NewWriter(io.Discard)
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := w.WriteMessage(body); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// BenchmarkLineWriteCompact measures the slow path: pretty JSON compacted.
func BenchmarkLineWriteCompact(b *testing.B) {
	body := []byte("{\n  \"jsonrpc\": \"2.0\",\n  \"id\": 1,\n  \"result\": {\"a\": [1, 2, 3]}\n}")
	w := Line().NewWriter(io.Discard)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if err := w.WriteMessage(body); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReadFloor is a minimal hand-written Content-Length reader with no
// checks beyond the bare minimum, as a yardstick for BenchmarkRead/header.
func BenchmarkReadFloor(b *testing.B) {
	for _, s := range benchSizes {
		b.Run(s.name, func(b *testing.B) {
			body := benchBody(s.size)
			var buf bytes.Buffer
			w := Header().NewWriter(&buf)
			for buf.Len() < 256<<10 || buf.Len() < 4*len(body) {
				w.WriteMessage(body)
			}
			br := bufio.NewReaderSize(&cycleReader{data: buf.Bytes()}, readBufferSize)
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				n := -1
				for {
					line, err := br.ReadSlice('\n')
					if err != nil {
						b.Fatal(err)
					}
					line = bytes.TrimRight(line, "\r\n")
					if len(line) == 0 {
						break
					}
					if v, ok := bytes.CutPrefix(line, []byte("Content-Length: ")); ok {
						n, err = strconv.Atoi(string(v))
						if err != nil {
							b.Fatal(err)
						}
					}
				}
				msg := make([]byte, n)
				if _, err := io.ReadFull(br, msg); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// garbageUnit is one message preceded by garbage, either on a line of its
// own ("apart") or glued to the message's header ("glued"). The garbage is a
// header line whose name is not a token, so it is refused with BadHeader.
func garbageUnit(glued bool) string {
	const garbage = `{"jsonrpc":"2.0","garbage":true}`
	sep := "\r\n"
	if glued {
		sep = ""
	}
	return garbage + sep + frame(`{"jsonrpc":"2.0","method":"x"}`)
}

// BenchmarkGarbage reads a stream of garbageUnits: each op is one BadHeader
// and one message. Garbage glued to a header must cost about what the same
// garbage framed apart costs.
func BenchmarkGarbage(b *testing.B) {
	for _, glued := range []bool{false, true} {
		name := map[bool]string{false: "apart", true: "glued"}[glued]
		b.Run(name, func(b *testing.B) {
			data := strings.Repeat(garbageUnit(glued), 256)
			r := Header().NewReader(&cycleReader{data: []byte(data)})
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, err := r.ReadMessage(); err == nil {
					b.Fatal("garbage read as a message")
				}
				if msg, err := r.ReadMessage(); err != nil || string(msg) != `{"jsonrpc":"2.0","method":"x"}` {
					b.Fatalf("got %q, %v", msg, err)
				}
			}
		})
	}
}

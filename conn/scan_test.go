package conn

import "testing"

// TestSkipPlain checks the word-at-a-time scan against the byte-wise
// definition (plain): every byte value, at every place in a word and past
// it, in short strings and long ones, after plain bytes of every kind
// (ASCII, UTF-8, bytes that make the word arithmetic borrow), and with a
// second special byte after the first.
func TestSkipPlain(t *testing.T) {
	fillers := []struct {
		name string
		b    byte
	}{{"ascii", 'a'}, {"utf8", 0xc3}, {"high", 0xff}, {"space", ' '}, {"after quote", '"' + 1}, {"after backslash", '\\' + 1}}
	for _, f := range fillers {
		t.Run(f.name, func(t *testing.T) {
			for c := range 256 {
				for at := range 100 { // past 32 bytes too, where long strings go 32 at a time
					data := make([]byte, 104)
					for i := range data {
						data[i] = f.b
					}
					data[at] = byte(c)
					if at+1 < len(data) {
						data[at+1] = '"' // a later special byte must not hide or move the first
					}
					want := at + 1
					if !plain[c] {
						want = at
					}
					if got := skipPlain(data, 0); got != want {
						t.Fatalf("byte %#x at %d after %#x: skipPlain = %d, want %d", c, at, f.b, got, want)
					}
				}
			}
		})
	}
}

// TestIsASCII checks isASCII at every length and place of a high byte.
func TestIsASCII(t *testing.T) {
	for n := range 20 {
		data := make([]byte, n)
		for i := range data {
			data[i] = 'x'
		}
		if !isASCII(data) {
			t.Fatalf("isASCII(%q) = false", data)
		}
		for at := range n {
			data[at] = 0x80
			if isASCII(data) {
				t.Fatalf("isASCII with 0x80 at %d of %d = true", at, n)
			}
			data[at] = 'x'
		}
	}
}

// BenchmarkValidJSON measures the scanner on what it sees most: a whole
// small request, a notification, and a large string param.
func BenchmarkValidJSON(b *testing.B) {
	big := make([]byte, 0, 1<<20)
	big = append(big, `["`...)
	for len(big) < 1<<20-2 {
		big = append(big, 'a'+byte(len(big)%26))
	}
	big = append(big, `"]`...)
	for _, bm := range []struct {
		name string
		data []byte
	}{
		{"request", []byte(`{"jsonrpc":"2.0","id":12,"method":"textDocument/hover","params":{"position":{"character":4,"line":12},"textDocument":{"uri":"file:///a.go"}}}`)},
		{"notification", []byte(`{"jsonrpc":"2.0","method":"tick"}`)},
		{"1MiB", big},
	} {
		b.Run(bm.name, func(b *testing.B) {
			b.SetBytes(int64(len(bm.data)))
			for b.Loop() {
				if !validJSON(bm.data) {
					b.Fatal("invalid")
				}
			}
		})
	}
}

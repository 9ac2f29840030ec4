package document

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// scanBytewise is the plain byte-by-byte scan that scanRange must match.
func scanBytewise(text string) (starts []int, nonASCII []bool) {
	starts, nonASCII = []int{0}, []bool{false}
	for i := 0; i < len(text); i++ {
		switch c := text[i]; {
		case c == '\n' || c == '\r':
			if c == '\r' && i+1 < len(text) && text[i+1] == '\n' {
				i++
			}
			starts = append(starts, i+1)
			nonASCII = append(nonASCII, false)
		case c >= utf8.RuneSelf:
			nonASCII[len(nonASCII)-1] = true
		}
	}
	return starts, nonASCII
}

func checkScan(t *testing.T, text string) {
	t.Helper()
	x := newIndex(text)
	starts, nonASCII := scanBytewise(text)
	if !slices.Equal(x.starts, starts) || !slices.Equal(x.nonASCII, nonASCII) {
		t.Fatalf("newIndex(%q) = %v %v, want %v %v", text, x.starts, x.nonASCII, starts, nonASCII)
	}
}

func TestScanMatchesBytewise(t *testing.T) {
	for _, text := range []string{
		"", "\n", "\r", "\r\n", "\n\r", "\r\r\n\n", "abcdefghijklmnopq\r\n", "abcdefgé", "é",
		strings.Repeat("a", 17) + "\x80", strings.Repeat("line\r", 50), strings.Repeat("x\n", 50) + "\r",
		"\xff\xfe\r\n\xc0", "12345678\r" + strings.Repeat("9", 20) + "π\n",
	} {
		checkScan(t, text)
	}
	rng := rand.New(rand.NewPCG(3, 5))
	pieces := []string{"a", "bcdefghij", "\n", "\r", "\r\n", "π", "𝑥", "\x80", " "}
	for range 5000 {
		checkScan(t, randText(rng, pieces, rng.IntN(40)))
	}
}

func FuzzScan(f *testing.F) {
	f.Add("a\r\nb\rc\nd")
	f.Add("12345678é\r\r\n")
	f.Fuzz(checkScan)
}

func TestIsASCII(t *testing.T) {
	for n := range 20 {
		s := strings.Repeat("a", n)
		if !isASCII(s) {
			t.Errorf("isASCII(%q) = false", s)
		}
		for i := range n {
			b := []byte(s)
			b[i] = 0x80
			if isASCII(string(b)) {
				t.Errorf("isASCII(%q) = true", b)
			}
		}
	}
}

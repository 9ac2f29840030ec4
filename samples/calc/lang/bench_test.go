package lang

import (
	"fmt"
	"strings"
	"testing"
)

// bigFile is a calc file of n lines: lets that build on each other, with
// comments, calls and a few problems, as a large real file would have.
func bigFile(n int) string {
	var b strings.Builder
	b.WriteString("let x0 = 1\n")
	for i := 1; i < n; i++ {
		switch i % 10 {
		case 0:
			fmt.Fprintf(&b, "# section %d\n", i)
		case 5:
			fmt.Fprintf(&b, "x%d / (x%d - x%d)\n", i-1, i-2, i-2) // division by zero
		case 7:
			fmt.Fprintf(&b, "let y%d = max(x%d, sqrt(abs(x%d))) ^ 2 %% 7\n", i, i-1, i-3)
		default:
			fmt.Fprintf(&b, "let x%d = x%d * 1.0001 + %d\n", i, i-1, i%13)
		}
	}
	return b.String()
}

// BenchmarkCheck10k parses, checks and evaluates a 10,000-line file: what
// the server does for every edit of such a file.
func BenchmarkCheck10k(b *testing.B) {
	text := bigFile(10000)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		a := Check("big.calc", Parse(text), nil)
		if len(a.Defs) == 0 {
			b.Fatal("nothing defined")
		}
	}
}

// BenchmarkFormat10k formats a 10,000-line file.
func BenchmarkFormat10k(b *testing.B) {
	f := Parse(bigFile(10000))
	b.ReportAllocs()
	for b.Loop() {
		if Format(f) == "" {
			b.Fatal("empty")
		}
	}
}

package conn

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// The captured stderr keeps exactly the last limit bytes, and its memory
// stays within the limit however much is written, in whatever pieces.
func TestTailBuffer(t *testing.T) {
	for _, limit := range []int{0, 1, 100, 4 << 10} {
		tb := &tailBuffer{limit: limit}
		var all bytes.Buffer
		rng := rand.New(rand.NewPCG(1, uint64(limit)))
		maxCap := 0
		next := byte(0)
		for range 300 {
			b := make([]byte, rng.IntN(3*limit+2))
			for i := range b {
				b[i] = next
				next++
			}
			if n, err := tb.Write(b); n != len(b) || err != nil {
				t.Fatalf("Write: %d, %v", n, err)
			}
			all.Write(b)
			maxCap = max(maxCap, cap(tb.buf))
		}
		want := all.Bytes()[max(all.Len()-limit, 0):]
		if got := tb.bytes(); !bytes.Equal(got, want) {
			t.Errorf("limit %d: kept %d bytes, want the last %d of %d", limit, len(got), len(want), all.Len())
		}
		if maxCap > limit {
			t.Errorf("limit %d: the buffer grew to %d bytes, want at most %d", limit, maxCap, limit)
		}
		t.Logf("limit %d: %d bytes written, at most %d held", limit, all.Len(), maxCap)
	}
}

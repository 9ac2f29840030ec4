package conn

import "testing"

// TestPlainEnd checks the eight-bytes-at-a-time scan against the plain
// loop: every byte value, at every position of strings short and long.
func TestPlainEnd(t *testing.T) {
	slow := func(data []byte, i int) int {
		for i < len(data) && plain[data[i]] {
			i++
		}
		return i
	}
	for _, n := range []int{1, 7, 8, 9, 17, 40} {
		for pos := range n {
			for c := range 256 {
				data := make([]byte, n)
				for k := range data {
					data[k] = 'a' + byte(k%26)
				}
				data[pos] = byte(c)
				for start := range min(n, 3) {
					if got, want := plainEnd(data, start), slow(data, start); got != want {
						t.Fatalf("plainEnd(%q, %d) = %d, want %d", data, start, got, want)
					}
				}
			}
		}
	}
}

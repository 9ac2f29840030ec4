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

// TestFIFO checks the queue under a steady stream: it keeps its order, and
// its memory stays bounded by what is queued at once, not by what has
// passed through.
func TestFIFO(t *testing.T) {
	var q fifo[int]
	next, want := 0, 0
	for range 100000 {
		for range 3 {
			q.push(next)
			next++
		}
		for range 3 {
			if got := q.pop(); got != want {
				t.Fatalf("pop = %d, want %d", got, want)
			}
			want++
		}
		q.push(next) // one more stays queued each round, up to 10
		next++
		if q.len() > 10 {
			if got := q.pop(); got != want {
				t.Fatalf("pop = %d, want %d", got, want)
			}
			want++
		}
	}
	if c := cap(q.items); c > 64 {
		t.Errorf("a queue of at most 11 items grew to %d slots", c)
	}
}

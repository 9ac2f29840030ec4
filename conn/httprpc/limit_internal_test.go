package httprpc

import (
	"strconv"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

// TestLimitersForget checks that buckets that have refilled are forgotten,
// so that memory follows the active clients, not every client ever seen.
func TestLimitersForget(t *testing.T) {
	l := &limiters{limit: rate.Every(time.Second), burst: 2, m: make(map[string]*rate.Limiter)}
	t0 := time.Now()
	for i := range sweepSize {
		if ok, _ := l.allow(strconv.Itoa(i), t0); !ok {
			t.Fatal("a new client was refused")
		}
	}
	// Client "busy" keeps using its bucket; the others go quiet.
	l.allow("busy", t0)
	l.allow("busy", t0)
	if ok, wait := l.allow("busy", t0); ok || wait <= 0 || wait > time.Second {
		t.Errorf("busy, over its burst: %v %v", ok, wait)
	}
	l.allow("new", t0.Add(time.Second+time.Millisecond))
	if _, ok := l.m["busy"]; !ok {
		t.Error("forgot a bucket that has not refilled")
	}
	if len(l.m) != 2 {
		t.Errorf("%d buckets kept, want 2", len(l.m))
	}
}

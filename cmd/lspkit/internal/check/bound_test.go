package check

import (
	"context"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestSessionKeepsBounded: a server that floods its stdout with responses
// costs a session at most maxKept of memory; the rest is dropped, and said.
func TestSessionKeepsBounded(t *testing.T) {
	bin := brokenBinary(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cfg := &Config{Argv: []string{bin, "-defect", "flood"}, Framing: "header"}
	tc := &T{ctx: ctx, cfg: cfg, dir: t.TempDir(), starts: make(chan struct{}, 1)}
	defer tc.releaseAll()

	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	s := tc.startRaw()
	tc.ready()
	// Until a good deal more than maxKept has been sent and dropped.
	deadline := time.Now().Add(20 * time.Second)
	for len(s.junkSeen()) == 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	s.sleep(time.Second)
	var after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&after)

	s.mu.Lock()
	kept := s.gotBytes
	s.mu.Unlock()
	junk := s.junkSeen()
	if len(junk) == 0 || !strings.Contains(junk[0], "dropped") {
		t.Fatalf("nothing dropped after 20s of a flood (kept %d MiB): %v", kept>>20, junk)
	}
	grew := int64(after.HeapInuse) - int64(before.HeapInuse)
	t.Logf("heap in use grew by %d MiB; the session kept %d MiB", grew>>20, maxKept>>20)
	if grew > maxKept+16<<20 {
		t.Errorf("heap in use grew by %d MiB, more than the %d MiB a session keeps", grew>>20, maxKept>>20)
	}
}

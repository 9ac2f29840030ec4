package conn

import (
	"testing"
	"unsafe"
)

// TestInboundSize keeps the record every message allocates in the 128-byte
// size class: one field more, and every message allocates 16 or 32 bytes
// more, for the garbage collector to sweep.
func TestInboundSize(t *testing.T) {
	if n := unsafe.Sizeof(inbound{}); n > 128 {
		t.Errorf("inbound is %d bytes, more than 128", n)
	}
}

package lsp

import (
	"fmt"
	"testing"

	"github.com/lspkit/lspkit/lsp/protocol"
)

// TestSemanticCacheBound checks that the results kept for deltas stay at
// maxSemanticResults documents however many a client asks about, the most
// recent kept.
func TestSemanticCacheBound(t *testing.T) {
	t.Parallel()
	var c semanticCache
	var last string
	for i := range 10 * maxSemanticResults {
		last = c.put(protocol.DocumentURI(fmt.Sprint("file:///", i)), []uint32{uint32(i)})
	}
	if len(c.results) != maxSemanticResults || len(c.order) != maxSemanticResults {
		t.Errorf("%d results and %d in order, want %d", len(c.results), len(c.order), maxSemanticResults)
	}
	if _, ok := c.get(protocol.DocumentURI(fmt.Sprint("file:///", 10*maxSemanticResults-1)), last); !ok {
		t.Error("the latest result was forgotten")
	}
	if _, ok := c.get("file:///0", "1"); ok {
		t.Error("the oldest result is still kept")
	}
}

package conn

import (
	"bytes"
	"testing"
)

// TestFrames checks that a message goes after the room for the framing's
// header, and that a large message moves to a frame of about its size, which
// goes back to the pool of large frames: small messages never get it, large
// ones do.
func TestFrames(t *testing.T) {
	b := getBuf()
	*b = appendResult(*b, Int64ID(7), []byte(`[1,2]`))
	if got, want := string(frameBody(b)), `{"jsonrpc":"2.0","id":7,"result":[1,2]}`; got != want {
		t.Fatalf("frameBody = %q, want %q", got, want)
	}
	if len(*b) != frameRoom+len(frameBody(b)) {
		t.Fatalf("the frame holds %d bytes before the message, want %d", len(*b)-len(frameBody(b)), frameRoom)
	}
	putBuf(b)

	result := bytes.Repeat([]byte("x"), 1<<20)
	large := getBuf()
	*large = appendResult(*large, Int64ID(1), result)
	if c := cap(*large); c < len(*large) || c > len(*large)+len(*large)/8 {
		t.Fatalf("a %d-byte message is in a frame of %d bytes, want about its size", len(*large), c)
	}
	putBuf(large)
	for range 100 {
		if b := getBuf(); cap(*b) > maxSmallFrame {
			t.Fatalf("getBuf returned a frame of %d bytes", cap(*b))
		}
	}

	// The pool may drop what it is given (the race detector makes it do so
	// at random), so a reuse shows only in a few tries.
	reused := false
	for range 10 {
		b := getBuf()
		*b = appendResult(*b, Int64ID(2), result)
		reused = reused || &(*b)[0] == &(*large)[0]
		large = b
		putBuf(b)
	}
	if !reused {
		t.Error("no large message reused the large frame that was given back")
	}
}

package framing

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// inPlace returns body after HeaderRoom bytes of room, as a caller of
// WriteInPlace builds it.
func inPlace(body []byte) []byte {
	return append(make([]byte, HeaderRoom, HeaderRoom+len(body)), body...)
}

// TestWriteInPlace checks that WriteInPlace writes what WriteMessage
// writes, with one Write call, and reads back.
func TestWriteInPlace(t *testing.T) {
	if _, ok := Header().NewWriter(nil).(InPlaceWriter); !ok {
		t.Fatal("the Header framing's Writer is not an InPlaceWriter")
	}
	for _, body := range [][]byte{{}, []byte(`{"jsonrpc":"2.0","method":"x"}`), bytes.Repeat([]byte("y"), 1<<20)} {
		var want bytes.Buffer
		if err := Header().NewWriter(&want).WriteMessage(body); err != nil {
			t.Fatal(err)
		}
		fw := &failWriter{n: 1 << 30}
		if err := Header().NewWriter(fw).(InPlaceWriter).WriteInPlace(inPlace(body)); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(fw.buf.Bytes(), want.Bytes()) {
			t.Errorf("%d-byte body: wrote %.60q, want %.60q", len(body), fw.buf.Bytes(), want.Bytes())
		}
		if fw.writes != 1 {
			t.Errorf("%d-byte body: %d writes, want 1", len(body), fw.writes)
		}
		got, err := Header().NewReader(&fw.buf).ReadMessage()
		if err != nil || !bytes.Equal(got, body) {
			t.Errorf("%d-byte body: read back %d bytes, %v", len(body), len(got), err)
		}
	}
}

func TestWriteInPlaceErrors(t *testing.T) {
	w := Header().NewWriter(&bytes.Buffer{}).(InPlaceWriter)
	if err := w.WriteInPlace(make([]byte, HeaderRoom-1)); err == nil {
		t.Error("a buffer shorter than HeaderRoom: no error")
	}

	// A short write makes the stream corrupt, for every later write.
	boom := errors.New("boom")
	fw := &failWriter{n: 3, err: boom}
	w = Header().NewWriter(fw).(InPlaceWriter)
	if err := w.WriteInPlace(inPlace([]byte("hello"))); !errors.Is(err, boom) {
		t.Fatalf("err = %v, want boom", err)
	}
	if err := w.WriteInPlace(inPlace([]byte("again"))); !errors.Is(err, boom) {
		t.Fatalf("after a short write: err = %v, want the sticky error", err)
	}
	if err := w.WriteMessage([]byte("again")); !errors.Is(err, boom) {
		t.Fatalf("WriteMessage after a short write: err = %v, want the sticky error", err)
	}
	if fw.writes != 1 {
		t.Errorf("%d writes, want 1", fw.writes)
	}
}

func TestWriteInPlaceAllocs(t *testing.T) {
	buf := inPlace(bytes.Repeat([]byte("y"), 1<<20))
	w := Header().NewWriter(io.Discard).(InPlaceWriter)
	allocs := testing.AllocsPerRun(20, func() {
		if err := w.WriteInPlace(buf); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocs per write, want 0", allocs)
	}
}

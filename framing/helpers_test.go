package framing

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// outcome is one result of ReadMessage, in a form tests can compare.
type outcome struct {
	msg  string
	kind ErrorKind // for a *Error
	size int64     // for TooLarge, if checkSize
	// checkSize: compare size too.
	checkSize bool
	err       error // a terminal error
}

func (o outcome) String() string {
	switch {
	case o.err != nil:
		return "err(" + o.err.Error() + ")"
	case o.kind != 0 && o.checkSize:
		return fmt.Sprintf("%v(size %d)", o.kind, o.size)
	case o.kind != 0:
		return o.kind.String()
	}
	if len(o.msg) > 40 {
		return fmt.Sprintf("msg(%q... %d bytes)", o.msg[:40], len(o.msg))
	}
	return fmt.Sprintf("msg(%q)", o.msg)
}

func M(s string) outcome       { return outcome{msg: s} }
func E(k ErrorKind) outcome    { return outcome{kind: k} }
func TL(size int64) outcome    { return outcome{kind: TooLarge, size: size, checkSize: true} }
func errOut(err error) outcome { return outcome{err: err} }
func equalOutcome(a, b outcome) bool {
	if a.err != nil || b.err != nil {
		return a.err == b.err
	}
	if a.kind != b.kind {
		return false
	}
	if a.kind != 0 {
		return !(a.checkSize && b.checkSize) || a.size == b.size
	}
	return a.msg == b.msg
}

var (
	EOF  = errOut(io.EOF)
	UEOF = errOut(io.ErrUnexpectedEOF)
)

// readOutcomes reads r until a terminal error and returns every outcome. It
// fails the test if the reader does not terminate within maxCalls calls or
// returns something inconsistent.
func readOutcomes(t testing.TB, r Reader, maxCalls int) []outcome {
	t.Helper()
	var outs []outcome
	for i := 0; i < maxCalls; i++ {
		msg, err := r.ReadMessage()
		if err == nil {
			if msg == nil {
				t.Fatalf("call %d: nil message with nil error", i)
			}
			outs = append(outs, outcome{msg: string(msg)})
			continue
		}
		if msg != nil {
			t.Fatalf("call %d: non-nil message with error %v", i, err)
		}
		var fe *Error
		if errors.As(err, &fe) {
			if fe.Kind < TooLarge || fe.Kind > BadCharset {
				t.Fatalf("call %d: bad kind %d", i, fe.Kind)
			}
			outs = append(outs, outcome{kind: fe.Kind, size: fe.Size, checkSize: true})
			continue
		}
		return append(outs, outcome{err: err})
	}
	t.Fatalf("reader did not terminate within %d calls", maxCalls)
	return nil
}

func checkOutcomes(t *testing.T, got, want []outcome) {
	t.Helper()
	ok := len(got) == len(want)
	for i := 0; ok && i < len(got); i++ {
		ok = equalOutcome(got[i], want[i])
	}
	if !ok {
		t.Errorf("got  %v\nwant %v", got, want)
	}
}

// readerWrappers turn one input into readers that deliver it in different pieces.
var readerWrappers = []struct {
	name string
	wrap func(io.Reader) io.Reader
}{
	{"whole", func(r io.Reader) io.Reader { return r }},
	{"onebyte", iotest.OneByteReader},
	{"half", iotest.HalfReader},
	{"dataerr", iotest.DataErrReader},
}

// cycleReader returns data over and over, for benchmarks.
type cycleReader struct {
	data []byte
	off  int
}

func (c *cycleReader) Read(p []byte) (int, error) {
	if c.off == len(c.data) {
		c.off = 0
	}
	n := copy(p, c.data[c.off:])
	c.off += n
	return n, nil
}

// countingWriter counts Write calls.
type countingWriter struct {
	bytes.Buffer
	writes int
}

func (c *countingWriter) Write(p []byte) (int, error) {
	c.writes++
	return c.Buffer.Write(p)
}

// frame builds a header-framed message.
func frame(body string) string {
	return fmt.Sprintf("Content-Length: %d\r\n\r\n%s", len(body), body)
}

func TestErrorStrings(t *testing.T) {
	tests := []struct {
		err  *Error
		want string
	}{
		{&Error{Kind: TooLarge, Size: 10000000000, Limit: 67108864}, "framing: message too large: 10000000000 bytes (limit 67108864)"},
		{&Error{Kind: TooLarge, Size: -1, Limit: 10}, "framing: message too large: size overflows int64 (limit 10)"},
		{&Error{Kind: BadHeader, Detail: "missing Content-Length header"}, "framing: bad header: missing Content-Length header"},
		{&Error{Kind: BadCharset, Detail: `charset "latin1"`}, `framing: unsupported charset: charset "latin1"`},
		{&Error{Kind: 42}, "framing: ErrorKind(42)"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
	kinds := map[ErrorKind]string{TooLarge: "TooLarge", BadHeader: "BadHeader", BadCharset: "BadCharset", 0: "ErrorKind(0)"}
	for k, want := range kinds {
		if got := k.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", int(k), got, want)
		}
	}
}

func TestQuoteTrunc(t *testing.T) {
	long := strings.Repeat("x", 200)
	got := quoteTrunc([]byte(long))
	if want := `"` + long[:maxDetail] + `"...`; got != want {
		t.Errorf("quoteTrunc = %q, want %q", got, want)
	}
	if got := quoteTrunc([]byte("a\x00b")); got != `"a\x00b"` {
		t.Errorf("quoteTrunc = %q", got)
	}
}

func TestOptions(t *testing.T) {
	o := buildOptions(nil)
	if o.maxMessage != DefaultMaxMessageSize || o.maxHeader != DefaultMaxHeaderSize {
		t.Errorf("defaults = %+v", o)
	}
	o = buildOptions([]Option{WithMaxMessageSize(10), WithMaxHeaderSize(20), nil})
	if o.maxMessage != 10 || o.maxHeader != 20 {
		t.Errorf("set = %+v", o)
	}
	o = buildOptions([]Option{WithMaxMessageSize(0), WithMaxHeaderSize(-1)})
	if o.maxMessage != DefaultMaxMessageSize || o.maxHeader != DefaultMaxHeaderSize {
		t.Errorf("non-positive = %+v", o)
	}
}

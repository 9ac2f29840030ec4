package framing

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"
)

func TestHeaderReader(t *testing.T) {
	long := strings.Repeat("a", 200)
	huge := strings.Repeat("b", 100<<10) // longer than the read buffer
	tests := []struct {
		name  string
		opts  []Option
		input string
		want  []outcome
	}{
		{"one", nil, frame("hello"), []outcome{M("hello"), EOF}},
		{"two", nil, frame("hello") + frame(`{"a":1}`), []outcome{M("hello"), M(`{"a":1}`), EOF}},
		{"empty input", nil, "", []outcome{EOF}},
		{"zero length", nil, "Content-Length: 0\r\n\r\n" + frame("x"), []outcome{M(""), M("x"), EOF}},
		{"lower case name", nil, "content-length: 5\r\n\r\nhello", []outcome{M("hello"), EOF}},
		{"upper case name", nil, "CONTENT-LENGTH: 5\r\n\r\nhello", []outcome{M("hello"), EOF}},
		{"mixed case name", nil, "cOnTeNt-LeNgTh: 5\r\n\r\nhello", []outcome{M("hello"), EOF}},
		{"no space", nil, "Content-Length:5\r\n\r\nhello", []outcome{M("hello"), EOF}},
		{"whitespace around value", nil, "Content-Length: \t 5 \t \r\n\r\nhello", []outcome{M("hello"), EOF}},
		{"leading zeros", nil, "Content-Length: 005\r\n\r\nhello", []outcome{M("hello"), EOF}},
		{"content-type first", nil, "Content-Type: application/vscode-jsonrpc; charset=utf-8\r\nContent-Length: 5\r\n\r\nhello", []outcome{M("hello"), EOF}},
		{"unknown headers", nil, "X-Foo: bar\r\nContent-Length: 5\r\nX-Empty:\r\nX-Colons: a:b:c\r\n\r\nhello", []outcome{M("hello"), EOF}},
		{"bare LF", nil, "Content-Length: 5\n\nhello", []outcome{M("hello"), EOF}},
		{"mixed line ends", nil, "X-A: 1\nContent-Length: 5\r\nX-B: 2\n\r\nhello" + "Content-Length: 1\n\nz", []outcome{M("hello"), M("z"), EOF}},
		{"blank lines between messages", nil, "\r\n\n" + frame("a") + "\r\n\r\n\n" + frame("b") + "\r\n", []outcome{M("a"), M("b"), EOF}},
		{"body looks like headers", nil, frame("Content-Length: 3\r\n\r\nabc"), []outcome{M("Content-Length: 3\r\n\r\nabc"), EOF}},
		{"duplicate agreeing", nil, "Content-Length: 5\r\ncontent-length: 05\r\n\r\nhello", []outcome{M("hello"), EOF}},

		// charset
		{"charset utf-8", nil, "Content-Type: application/vscode-jsonrpc; charset=utf-8\r\nContent-Length: 1\r\n\r\nx", []outcome{M("x"), EOF}},
		{"charset UTF8", nil, "Content-Type: application/vscode-jsonrpc; charset=UTF8\r\nContent-Length: 1\r\n\r\nx", []outcome{M("x"), EOF}},
		{"charset quoted", nil, "Content-Type: application/vscode-jsonrpc; charset=\"utf-8\"\r\nContent-Length: 1\r\n\r\nx", []outcome{M("x"), EOF}},
		{"charset quoted escape", nil, "Content-Type: a/b; charset=\"utf\\-8\"\r\nContent-Length: 1\r\n\r\nx", []outcome{M("x"), EOF}},
		{"charset spaces", nil, "Content-Type: a/b ;  CharSet = Utf-8 ; q=1\r\nContent-Length: 1\r\n\r\nx", []outcome{M("x"), EOF}},
		{"charset absent", nil, "Content-Type: application/json\r\nContent-Length: 1\r\n\r\nx", []outcome{M("x"), EOF}},
		{"other params", nil, "Content-Type: a/b; foo=\"x;charset=latin1\"; bar; charset=utf8\r\nContent-Length: 1\r\n\r\nx", []outcome{M("x"), EOF}},
		{"charset without value ignored", nil, "Content-Type: a/b; charset; x=y\r\nContent-Length: 1\r\n\r\nx", []outcome{M("x"), EOF}},
		{"media type not checked", nil, "Content-Type: !!garbage!!\r\nContent-Length: 1\r\n\r\nx", []outcome{M("x"), EOF}},
		{"charset latin1", nil, "Content-Type: text/plain; charset=latin1\r\nContent-Length: 5\r\n\r\nhello" + frame("next"), []outcome{E(BadCharset), M("next"), EOF}},
		{"charset quoted latin1", nil, "Content-Type: text/plain; charset=\"ISO-8859-1\"\r\nContent-Length: 5\r\n\r\nhello" + frame("next"), []outcome{E(BadCharset), M("next"), EOF}},
		{"charset empty", nil, "Content-Type: a/b; charset=\r\nContent-Length: 5\r\n\r\nhello" + frame("next"), []outcome{E(BadCharset), M("next"), EOF}},
		{"charset utf-16", nil, "Content-Type: a/b; charset=utf-16\r\nContent-Length: 5\r\n\r\nhello" + frame("next"), []outcome{E(BadCharset), M("next"), EOF}},
		{"bad charset then EOF in body", nil, "Content-Type: a/b; charset=latin1\r\nContent-Length: 5\r\n\r\nhel", []outcome{E(BadCharset), EOF}},

		// bad Content-Length
		{"missing length", nil, "Content-Type: a/b\r\n\r\nhello\r\n" + frame("next"), []outcome{E(BadHeader), M("next"), EOF}},
		{"missing length, body starts with header", nil, "X: y\r\n\r\n" + frame("next"), []outcome{E(BadHeader), M("next"), EOF}},
		{"non-numeric", nil, "Content-Length: abc\r\n\r\nhello\r\n" + frame("next"), []outcome{E(BadHeader), M("next"), EOF}},
		{"negative", nil, "Content-Length: -5\r\n\r\nhello\r\n" + frame("next"), []outcome{E(BadHeader), M("next"), EOF}},
		{"plus sign", nil, "Content-Length: +5\r\n\r\nhello\r\n" + frame("next"), []outcome{E(BadHeader), M("next"), EOF}},
		{"space inside", nil, "Content-Length: 1 2\r\n\r\n" + frame("next"), []outcome{E(BadHeader), M("next"), EOF}},
		{"hex", nil, "Content-Length: 0x10\r\n\r\n" + frame("next"), []outcome{E(BadHeader), M("next"), EOF}},
		{"empty value", nil, "Content-Length:\r\n\r\n" + frame("next"), []outcome{E(BadHeader), M("next"), EOF}},
		{"stray CR in value", nil, "Content-Length: 5\r\r\n\r\nhello\r\n" + frame("next"), []outcome{E(BadHeader), M("next"), EOF}},
		{"overflow digits then garbage", nil, "Content-Length: 99999999999999999999x\r\n\r\n" + frame("next"), []outcome{E(BadHeader), M("next"), EOF}},
		{"conflicting", nil, "Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!\r\n" + frame("next"), []outcome{E(BadHeader), M("next"), EOF}},
		{"space before colon", nil, "Content-Length : 5\r\n\r\nhello\r\n" + frame("next"), []outcome{E(BadHeader), M("next"), EOF}},
		{"leading space in name", nil, " Content-Length: 5\r\n\r\nhello\r\n" + frame("next"), []outcome{E(BadHeader), M("hello"), M("next"), EOF}},

		// too large
		{"max int64", nil, "Content-Length: 9223372036854775807\r\n\r\nabc", []outcome{TL(9223372036854775807), EOF}},
		{"overflow int64", nil, "Content-Length: 9223372036854775808\r\n\r\n" + frame("next"), []outcome{TL(-1), EOF}},
		{"overflow huge", nil, "Content-Length: 99999999999999999999999\r\n\r\n", []outcome{TL(-1), EOF}},
		{"overflow conflicting agree", nil, "Content-Length: 99999999999999999999999\r\nContent-Length: 99999999999999999999999\r\n\r\n", []outcome{TL(-1), EOF}},
		{"overflow vs number", nil, "Content-Length: 99999999999999999999999\r\nContent-Length: 5\r\n\r\nhello\r\n" + frame("next"), []outcome{E(BadHeader), M("next"), EOF}},
		{"over limit skipped", []Option{WithMaxMessageSize(10)}, frame("0123456789A") + frame("0123456789"), []outcome{TL(11), M("0123456789"), EOF}},
		{"over limit, body is headers", []Option{WithMaxMessageSize(10)}, "Content-Length: 37\r\n\r\n" + frame("012345678901234") + frame("ok"), []outcome{TL(37), M("ok"), EOF}},
		{"over limit, EOF in body", []Option{WithMaxMessageSize(10)}, "Content-Length: 20\r\n\r\nabc", []outcome{TL(20), EOF}},
		{"over limit, no body", nil, "Content-Length: 10000000000\r\n\r\n", []outcome{TL(10000000000), EOF}},
		{"too large beats bad charset", []Option{WithMaxMessageSize(2)}, "Content-Type: a/b; charset=latin1\r\nContent-Length: 3\r\n\r\nabc" + frame("ok"), []outcome{TL(3), M("ok"), EOF}},
		{"bad header beats too large", []Option{WithMaxMessageSize(2)}, "Content-Length: 3\r\ngarbage\r\n\r\nabc\n" + frame("ok"), []outcome{E(BadHeader), M("ok"), EOF}},

		// header size
		{"header line over limit", []Option{WithMaxHeaderSize(100)}, "X-Long: " + long + "\r\nContent-Length: 5\r\n\r\nhello" + frame("next"), []outcome{E(BadHeader), M("hello"), M("next"), EOF}},
		{"header block over limit", []Option{WithMaxHeaderSize(100)}, strings.Repeat("X-A: 0123456789\r\n", 10) + "Content-Length: 5\r\n\r\nhello" + frame("next"), []outcome{E(BadHeader), M("hello"), M("next"), EOF}},
		{"header block just at limit", []Option{WithMaxHeaderSize(len("X: 1\r\nContent-Length: 1\r\n\r\n"))}, "X: 1\r\nContent-Length: 1\r\n\r\nx", []outcome{M("x"), EOF}},
		{"header block one over limit", []Option{WithMaxHeaderSize(len("X: 1\r\nContent-Length: 1\r\n\r\n") - 1)}, "X: 1\r\nContent-Length: 1\r\n\r\nx\r\n" + frame("next"), []outcome{E(BadHeader), M("next"), EOF}},
		{"header line over buffer", []Option{WithMaxHeaderSize(1 << 20)}, "X-Huge: " + huge + "\r\n" + frame("next"), []outcome{E(BadHeader), M("next"), EOF}},
		{"header line over buffer, default limit", nil, "X-Huge: " + huge + "\r\n" + frame("next"), []outcome{E(BadHeader), M("next"), EOF}},
		{"huge line with content-length inside", nil, "X-Huge: " + huge[:70000] + "\nContent-Length: 1\r\n\r\nx" + huge + "\n" + frame("next"), []outcome{E(BadHeader), M("x"), E(BadHeader), M("next"), EOF}},

		// garbage and resync
		{"garbage then message", nil, "garbage\r\nmore {\"a\":1}\r\n\r\n" + frame("hi"), []outcome{E(BadHeader), M("hi"), EOF}},
		{"json without header", nil, "{\"jsonrpc\":\"2.0\"}\r\n" + frame("hi"), []outcome{E(BadHeader), M("hi"), EOF}},
		{"resync lower case", nil, "garbage\ncontent-length: 2\r\n\r\nhi", []outcome{E(BadHeader), M("hi"), EOF}},
		{"resync finds a header glued to garbage", nil, "garbage Content-Length: 2\r\n\r\nhi\r\n" + frame("ok"), []outcome{E(BadHeader), M("hi"), M("ok"), EOF}},
		{"resync finds a header after a body", nil, "Content-Length: abc\r\n\r\n{\"a\":1}" + frame("ok"), []outcome{E(BadHeader), M("ok"), EOF}},
		{"resync after binary garbage without line end", nil, "\x00\xff}{garbage" + frame("ok"), []outcome{E(BadHeader), M("ok"), EOF}},
		{"resync then EOF", nil, "garbage\r\nmore garbage\r\n", []outcome{E(BadHeader), EOF}},
		{"resync then EOF mid line", nil, "garbage\r\nmore garbage", []outcome{E(BadHeader), EOF}},
		{"resync then EOF on prefix", nil, "garbage\r\nContent-Len", []outcome{E(BadHeader), EOF}},
		{"binary garbage", nil, "\x00\x01\x02\xff\xfe\r\n\x00:\x00\r\n" + frame("ok"), []outcome{E(BadHeader), M("ok"), EOF}},
		{"glued header across the buffer's end", nil, strings.Repeat("g", readBufferSize-7) + "Content-Length: 2\r\n\r\nhi" + frame("ok"), []outcome{E(BadHeader), M("hi"), M("ok"), EOF}},
		{"glued header just before the buffer's end", nil, strings.Repeat("g", readBufferSize-15) + "Content-Length: 2\r\n\r\nhi" + frame("ok"), []outcome{E(BadHeader), M("hi"), M("ok"), EOF}},
		{"glued header just after the buffer's end", nil, strings.Repeat("g", readBufferSize+1) + "content-length: 2\r\n\r\nhi" + frame("ok"), []outcome{E(BadHeader), M("hi"), M("ok"), EOF}},
		{"resync onto bad header", nil, "garbage\r\nContent-Length: x\r\n\r\n" + frame("ok"), []outcome{E(BadHeader), E(BadHeader), M("ok"), EOF}},

		// EOF positions
		{"only blank lines", nil, "\r\n\r\n\n", []outcome{EOF}},
		{"only blank partial", nil, "\r\n\r", []outcome{EOF}},
		{"EOF in name", nil, "Content-Len", []outcome{UEOF}},
		{"EOF after name", nil, frame("a") + "Content-Length: 5", []outcome{M("a"), UEOF}},
		{"EOF after header line", nil, "Content-Length: 5\r\n", []outcome{UEOF}},
		{"EOF after header block", nil, "Content-Length: 5\r\n\r\n", []outcome{UEOF}},
		{"EOF in body", nil, "Content-Length: 5\r\n\r\nhel", []outcome{UEOF}},
		{"EOF after CR", nil, "Content-Length: 5\r\n\r", []outcome{UEOF}},
	}
	for _, tt := range tests {
		for _, w := range readerWrappers {
			t.Run(tt.name+"/"+w.name, func(t *testing.T) {
				r := Header(tt.opts...).NewReader(w.wrap(strings.NewReader(tt.input)))
				got := readOutcomes(t, r, len(tt.input)+10)
				checkOutcomes(t, got, tt.want)
			})
		}
	}
}

func TestHeaderErrorFields(t *testing.T) {
	r := Header(WithMaxMessageSize(100)).NewReader(strings.NewReader(
		"Content-Length: 10000000000\r\n\r\n"))
	_, err := r.ReadMessage()
	var fe *Error
	if !errors.As(err, &fe) || fe.Kind != TooLarge || fe.Size != 10000000000 || fe.Limit != 100 {
		t.Fatalf("err = %#v", err)
	}
	if want := "framing: message too large: 10000000000 bytes (limit 100)"; err.Error() != want {
		t.Errorf("Error() = %q, want %q", err.Error(), want)
	}

	r = Header().NewReader(strings.NewReader("Content-Length: 99999999999999999999999\r\n\r\n"))
	_, err = r.ReadMessage()
	if !errors.As(err, &fe) || fe.Kind != TooLarge || fe.Size != -1 || fe.Limit != DefaultMaxMessageSize {
		t.Fatalf("err = %#v", err)
	}

	details := []struct {
		input, want string
	}{
		{"bad line " + strings.Repeat("x", 200) + "\r\n", `"bad line ` + strings.Repeat("x", 71) + `"...`},
		{"Content-Type: a/b; charset=latin1\r\nContent-Length: 0\r\n\r\n", `"latin1"`},
		{"Content-Type: a/b; charset=\"latin1\"\r\nContent-Length: 0\r\n\r\n", `"\"latin1\""`},
		{"Content-Length: -1\r\n\r\n", `"Content-Length: -1"`},
		{"X: 1\r\n\r\n", "missing Content-Length"},
		{"X: " + strings.Repeat("x", 9000) + "\r\n\r\n", "header line over 8192 bytes"},
		{"Content-Length: 1\r\nContent-Length: 2\r\n\r\n", "conflicting"},
	}
	for _, d := range details {
		_, err := Header().NewReader(strings.NewReader(d.input)).ReadMessage()
		if !errors.As(err, &fe) || !strings.Contains(fe.Detail, d.want) {
			t.Errorf("input %q: err = %v, want detail containing %s", d.input, err, d.want)
		}
	}
}

// TestEmptyBodyNotNil checks that an empty message is an empty slice, not
// nil, whether it comes alone or behind another message.
func TestEmptyBodyNotNil(t *testing.T) {
	for _, input := range []string{"Content-Length: 0\r\n\r\n", frame("x") + "Content-Length: 0\r\n\r\n"} {
		r := Header().NewReader(strings.NewReader(input))
		var msg []byte
		var err error
		for range strings.Count(input, "Content-Length") {
			msg, err = r.ReadMessage()
		}
		if err != nil || msg == nil || len(msg) != 0 {
			t.Errorf("%q: got %v, %v; want an empty non-nil slice", input, msg, err)
		}
	}
}

// errReader returns data, then err.
type errReader struct {
	data []byte
	err  error
}

func (e *errReader) Read(p []byte) (int, error) {
	if len(e.data) == 0 {
		return 0, e.err
	}
	n := copy(p, e.data)
	e.data = e.data[n:]
	return n, nil
}

func TestHeaderUnderlyingError(t *testing.T) {
	boom := errors.New("boom")
	for _, input := range []string{"", "Content-Length: 5", "Content-Length: 5\r\n\r\nhel"} {
		r := Header().NewReader(&errReader{data: []byte(input), err: boom})
		if _, err := r.ReadMessage(); err != boom {
			t.Errorf("input %q: err = %v, want boom", input, err)
		}
	}
	// An error while discarding a refused body or resyncing is returned, and
	// the reader picks up where it stopped if the reader recovers.
	flaky := &flakyReader{data: []byte("Content-Length: 20\r\n\r\n0123456789" + "0123456789" + frame("ok")), failAt: 30}
	r := Header(WithMaxMessageSize(10)).NewReader(flaky)
	got := []outcome{}
	for i := 0; i < 10; i++ {
		msg, err := r.ReadMessage()
		switch {
		case err == nil:
			got = append(got, M(string(msg)))
		case errors.Is(err, errFlaky):
			got = append(got, errOut(errFlaky))
			continue
		default:
			var fe *Error
			if errors.As(err, &fe) {
				got = append(got, E(fe.Kind))
				continue
			}
			got = append(got, errOut(err))
		}
		if err == io.EOF {
			break
		}
	}
	checkOutcomes(t, got, []outcome{E(TooLarge), errOut(errFlaky), M("ok"), EOF})
}

var errFlaky = errors.New("flaky")

// flakyReader fails once when reaching offset failAt, then goes on.
type flakyReader struct {
	data   []byte
	off    int
	failAt int
	failed bool
}

func (f *flakyReader) Read(p []byte) (int, error) {
	if f.off == len(f.data) {
		return 0, io.EOF
	}
	end := len(f.data)
	if !f.failed {
		if f.off == f.failAt {
			f.failed = true
			return 0, errFlaky
		}
		if f.failAt > f.off {
			end = f.failAt
		}
	}
	n := copy(p, f.data[f.off:end])
	f.off += n
	return n, nil
}

// allocated returns the bytes allocated while running f.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

func TestHeaderHugeClaimAllocatesLittle(t *testing.T) {
	tests := []struct {
		name  string
		opts  []Option
		input string
		want  []outcome
	}{
		{"10 GB claim", nil, "Content-Length: 10000000000\r\n\r\n", []outcome{TL(10000000000), EOF}},
		{"overflowing claim", nil, "Content-Length: 99999999999999999999999\r\n\r\n{}", []outcome{TL(-1), EOF}},
		{"10 GB claim, limit raised", []Option{WithMaxMessageSize(1 << 40)}, "Content-Length: 10000000000\r\n\r\n{}", []outcome{UEOF}},
		{"60 MB claim under limit", nil, "Content-Length: 60000000\r\n\r\n{\"a\":1}", []outcome{UEOF}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []outcome
			n := allocated(func() {
				r := Header(tt.opts...).NewReader(strings.NewReader(tt.input))
				got = readOutcomes(t, r, 10)
			})
			checkOutcomes(t, got, tt.want)
			// The reader's 64 KiB buffer, at most 1 MiB for a started body, and change.
			if limit := uint64(readBufferSize + maxPrealloc + 64<<10); n > limit {
				t.Errorf("allocated %d bytes, want <= %d", n, limit)
			}
		})
	}
}

func TestHeaderDiscardBoundedMemory(t *testing.T) {
	// 20 MiB of refused body and 20 MiB of garbage to resync over must not be buffered.
	garbage := bytes.Repeat([]byte("garbage garbage garbage\r\n"), 20<<20/25)
	body := bytes.Repeat([]byte{'x'}, 20<<20)
	input := io.MultiReader(
		strings.NewReader("Content-Length: 20971520\r\n\r\n"), bytes.NewReader(body),
		strings.NewReader("garbage\r\n"), bytes.NewReader(garbage),
		strings.NewReader(frame("ok")),
	)
	var got []outcome
	n := allocated(func() {
		r := Header(WithMaxMessageSize(1 << 20)).NewReader(input)
		got = readOutcomes(t, r, 10)
	})
	checkOutcomes(t, got, []outcome{TL(20 << 20), E(BadHeader), M("ok"), EOF})
	if n > 1<<20 {
		t.Errorf("allocated %d bytes, want <= 1 MiB", n)
	}
}

func TestHeaderLargeBodies(t *testing.T) {
	for _, size := range []int{maxPrealloc - 1, maxPrealloc, maxPrealloc + 1, 3<<20 + 12345, 8 << 20} {
		body := make([]byte, size)
		for i := range body {
			body[i] = byte(i * 7)
		}
		input := append([]byte(fmt.Sprintf("Content-Length: %d\r\n\r\n", size)), body...)
		for _, w := range []struct {
			name string
			wrap func(io.Reader) io.Reader
		}{{"whole", func(r io.Reader) io.Reader { return r }}, {"half", iotest.HalfReader}} {
			r := Header().NewReader(w.wrap(bytes.NewReader(input)))
			msg, err := r.ReadMessage()
			if err != nil || !bytes.Equal(msg, body) {
				t.Fatalf("size %d/%s: err %v, equal %v", size, w.name, err, bytes.Equal(msg, body))
			}
			if len(msg) != cap(msg) {
				t.Errorf("size %d: cap %d, want %d", size, cap(msg), len(msg))
			}
			if _, err := r.ReadMessage(); err != io.EOF {
				t.Fatalf("size %d: after body err %v", size, err)
			}
			// Truncated: EOF in the body.
			r = Header().NewReader(w.wrap(bytes.NewReader(input[:len(input)-1])))
			if _, err := r.ReadMessage(); err != io.ErrUnexpectedEOF {
				t.Fatalf("size %d truncated: err %v", size, err)
			}
		}
	}
}

func TestHeaderReaderOwnsNothing(t *testing.T) {
	// The returned slices are fresh: modifying one does not affect the next.
	r := Header().NewReader(strings.NewReader(frame("aaaa") + frame("bbbb")))
	a, _ := r.ReadMessage()
	copy(a, "zzzz")
	b, _ := r.ReadMessage()
	if string(b) != "bbbb" || string(a) != "zzzz" {
		t.Fatalf("a=%q b=%q", a, b)
	}
}

func TestHeaderWriter(t *testing.T) {
	var cw countingWriter
	w := Header().NewWriter(&cw)
	bodies := []string{`{"jsonrpc":"2.0"}`, "", "x", strings.Repeat("y", 100<<10), strings.Repeat("z", 3<<20)}
	var want strings.Builder
	for _, b := range bodies {
		if err := w.WriteMessage([]byte(b)); err != nil {
			t.Fatal(err)
		}
		want.WriteString(frame(b))
	}
	if cw.writes != len(bodies) {
		t.Errorf("%d Write calls, want %d", cw.writes, len(bodies))
	}
	if cw.String() != want.String() {
		t.Errorf("output differs")
	}
	if !strings.HasPrefix(cw.String(), "Content-Length: 17\r\n\r\n{\"jsonrpc\":\"2.0\"}Content-Length: 0\r\n\r\nContent-Length: 1\r\n\r\nx") {
		t.Errorf("output = %q", cw.String()[:80])
	}
}

// TestGarbageGluedCostsAsApart checks that garbage glued in front of a
// header costs about the memory of the same garbage on a line of its own:
// the reader resynchronises in place, without copying what is buffered.
func TestGarbageGluedCostsAsApart(t *testing.T) {
	const units = 1000
	var used [2]uint64
	for i, glued := range []bool{false, true} {
		data := strings.Repeat(garbageUnit(glued), units)
		var got []outcome
		used[i] = allocated(func() {
			got = readOutcomes(t, Header().NewReader(strings.NewReader(data)), 3*units)
		})
		var want []outcome
		for range units {
			want = append(want, E(BadHeader), M(`{"jsonrpc":"2.0","method":"x"}`))
		}
		checkOutcomes(t, got, append(want, EOF))
	}
	t.Logf("%d units of garbage and a message: %d bytes allocated apart, %d glued", units, used[0], used[1])
	if used[1] > used[0]+used[0]/2 {
		t.Errorf("glued garbage allocated %d bytes, more than 1.5 times the %d of garbage apart", used[1], used[0])
	}
}

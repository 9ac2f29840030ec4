package framing

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

func TestLineReader(t *testing.T) {
	big := strings.Repeat("a", 200<<10) // longer than the read buffer
	tests := []struct {
		name  string
		opts  []Option
		input string
		want  []outcome
	}{
		{"empty input", nil, "", []outcome{EOF}},
		{"one", nil, "{\"a\":1}\n", []outcome{M(`{"a":1}`), EOF}},
		{"two", nil, "a\nb\n", []outcome{M("a"), M("b"), EOF}},
		{"CRLF", nil, "a\r\nb\r\n", []outcome{M("a"), M("b"), EOF}},
		{"inner CR kept", nil, "a\rb\n", []outcome{M("a\rb"), EOF}},
		{"only one CR stripped", nil, "a\r\r\n", []outcome{M("a\r"), EOF}},
		{"blank lines skipped", nil, "\n\r\n  \n\t \r\na\n\n \nb\n\n", []outcome{M("a"), M("b"), EOF}},
		{"whitespace kept around content", nil, "  a  \n", []outcome{M("  a  "), EOF}},
		{"unterminated", nil, "a", []outcome{UEOF}},
		{"unterminated after message", nil, "a\nb", []outcome{M("a"), UEOF}},
		{"unterminated blank", nil, "a\n  \r", []outcome{M("a"), EOF}},
		{"exactly at limit", []Option{WithMaxMessageSize(10)}, "0123456789\n", []outcome{M("0123456789"), EOF}},
		{"at limit with CR", []Option{WithMaxMessageSize(10)}, "0123456789\r\n", []outcome{M("0123456789"), EOF}},
		{"over limit", []Option{WithMaxMessageSize(10)}, "0123456789A\nok\n", []outcome{TL(11), M("ok"), EOF}},
		{"over limit with CR", []Option{WithMaxMessageSize(10)}, "0123456789A\r\nok\n", []outcome{TL(11), M("ok"), EOF}},
		{"over limit then EOF", []Option{WithMaxMessageSize(10)}, "0123456789A", []outcome{UEOF}},
		{"long line", nil, big + "\n" + "ok\n", []outcome{M(big), M("ok"), EOF}},
		{"long line CRLF", nil, big + "\r\n" + "ok\n", []outcome{M(big), M("ok"), EOF}},
		{"long line, CR at buffer end", nil, big[:readBufferSize-1] + "\r\n" + "ok\n", []outcome{M(big[:readBufferSize-1]), M("ok"), EOF}},
		{"long line, LF after buffer", nil, big[:readBufferSize] + "\n" + "ok\n", []outcome{M(big[:readBufferSize]), M("ok"), EOF}},
		{"long line, CRLF after buffer", nil, big[:readBufferSize] + "\r\n" + "ok\n", []outcome{M(big[:readBufferSize]), M("ok"), EOF}},
		{"long line unterminated", nil, big, []outcome{UEOF}},
		{"long blank line", nil, strings.Repeat(" ", 100<<10) + "\nx\n", []outcome{M("x"), EOF}},
		{"long blank unterminated", nil, "x\n" + strings.Repeat(" ", 100<<10), []outcome{M("x"), EOF}},
		{"long line over limit", []Option{WithMaxMessageSize(100 << 10)}, big + "\nok\n", []outcome{E(TooLarge), M("ok"), EOF}},
		{"long line over small limit", []Option{WithMaxMessageSize(10)}, big + "\nok\n", []outcome{E(TooLarge), M("ok"), EOF}},
		{"long line over limit, EOF", []Option{WithMaxMessageSize(100 << 10)}, big, []outcome{E(TooLarge), EOF}},
		{"long line at limit with CR", []Option{WithMaxMessageSize(len(big))}, big + "\r\nok\n", []outcome{M(big), M("ok"), EOF}},
		{"long line one over limit", []Option{WithMaxMessageSize(len(big) - 1)}, big + "\r\nok\n", []outcome{TL(int64(len(big))), M("ok"), EOF}},
		{"headers are just lines", nil, "Content-Length: 2\r\n\r\nhi\n", []outcome{M("Content-Length: 2"), M("hi"), EOF}},
	}
	for _, tt := range tests {
		for _, w := range readerWrappers {
			t.Run(tt.name+"/"+w.name, func(t *testing.T) {
				r := Line(tt.opts...).NewReader(w.wrap(strings.NewReader(tt.input)))
				got := readOutcomes(t, r, len(tt.input)+10)
				checkOutcomes(t, got, tt.want)
			})
		}
	}
}

func TestLineTooLargeFields(t *testing.T) {
	r := Line(WithMaxMessageSize(10)).NewReader(strings.NewReader(strings.Repeat("x", 200<<10) + "\nok\n"))
	_, err := r.ReadMessage()
	var fe *Error
	if !errors.As(err, &fe) || fe.Kind != TooLarge || fe.Limit != 10 || fe.Size <= 10 {
		t.Fatalf("err = %#v", err)
	}
	if msg, err := r.ReadMessage(); err != nil || string(msg) != "ok" {
		t.Fatalf("next = %q, %v", msg, err)
	}
}

func TestLineDiscardBoundedMemory(t *testing.T) {
	input := io.MultiReader(
		bytes.NewReader(bytes.Repeat([]byte{'x'}, 30<<20)),
		strings.NewReader("\nok\n"),
	)
	var got []outcome
	n := allocated(func() {
		got = readOutcomes(t, Line(WithMaxMessageSize(1<<20)).NewReader(input), 10)
	})
	checkOutcomes(t, got, []outcome{E(TooLarge), M("ok"), EOF})
	// Read buffer, at most the limit in chunks (pooled), change.
	if n > 3<<20 {
		t.Errorf("allocated %d bytes, want <= 3 MiB", n)
	}
}

func TestLineUnderlyingError(t *testing.T) {
	boom := errors.New("boom")
	for _, input := range []string{"", "abc", strings.Repeat("x", 100<<10)} {
		r := Line().NewReader(&errReader{data: []byte(input), err: boom})
		if _, err := r.ReadMessage(); err != boom {
			t.Errorf("input %d bytes: err = %v, want boom", len(input), err)
		}
	}
}

func TestLineWriter(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		want    string
		wantErr bool
	}{
		{"compact", `{"a":1}`, "{\"a\":1}\n", false},
		{"spaces kept without newline", `{ "a" : 1 }`, "{ \"a\" : 1 }\n", false},
		{"pretty", "{\n  \"a\": 1,\n  \"b\": [\n    1,\n    2\n  ]\n}\n", "{\"a\":1,\"b\":[1,2]}\n", false},
		{"pretty CRLF", "{\r\n  \"a\": \"x y\"\r\n}", "{\"a\":\"x y\"}\n", false},
		{"newline not JSON", "hello\nworld", "", true},
		{"raw newline in string", "{\"a\":\"x\ny\"}", "", true},
		{"empty", "", "", true},
		{"blank", " \t ", "", true},
		{"only newline", "\n", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var cw countingWriter
			err := Line().NewWriter(&cw).WriteMessage([]byte(tt.body))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if err != nil {
				if cw.writes != 0 || cw.Len() != 0 {
					t.Errorf("wrote %q on error", cw.String())
				}
				return
			}
			if cw.writes != 1 {
				t.Errorf("%d writes, want 1", cw.writes)
			}
			if cw.String() != tt.want {
				t.Errorf("wrote %q, want %q", cw.String(), tt.want)
			}
		})
	}
}

func TestLineWriterOneWritePerMessage(t *testing.T) {
	var cw countingWriter
	w := Line().NewWriter(&cw)
	bodies := []string{"a", `{"x":2}`, strings.Repeat("y", 100<<10), strings.Repeat("z", 3<<20), "{\n}"}
	for _, b := range bodies {
		if err := w.WriteMessage([]byte(b)); err != nil {
			t.Fatal(err)
		}
	}
	if cw.writes != len(bodies) {
		t.Errorf("%d writes, want %d", cw.writes, len(bodies))
	}
	r := Line().NewReader(&cw.Buffer)
	got := readOutcomes(t, r, 10)
	checkOutcomes(t, got, []outcome{M("a"), M(`{"x":2}`), M(bodies[2]), M(bodies[3]), M("{}"), EOF})
}

package conn_test

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"
)

// FuzzConnReceive feeds arbitrary bytes, as one message, to a real Conn
// serving the arith sample (with methods that panic and misbehave): it never
// panics, everything it answers is valid JSON and valid UTF-8 (peer.next
// checks each frame), and it still answers a good request afterwards.
func FuzzConnReceive(f *testing.F) {
	if data, err := os.ReadFile("../testdata/jsonrpc/jsonrpc-spec-examples.json"); err == nil {
		var file struct{ Cases []specCase }
		if json.Unmarshal(data, &file) == nil {
			for _, c := range file.Cases {
				f.Add([]byte(c.Send))
			}
		}
	}
	for _, s := range []string{
		`{"jsonrpc":"2.0","method":"panic","id":1}`,
		`{"jsonrpc":"2.0","method":"panicMarshal","id":1}`,
		`{"jsonrpc":"2.0","method":"sleep","params":{"ms":100000},"id":1}`,
		`{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":1}}`,
		`{"jsonrpc":"2.0","method":"fail","params":{"code":1,"message":"\u00ff","data":{"x":[]}},"id":"f"}`,
		"{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"params\":[\"\xff\"],\"id\":\"\xfe\"}",
		`[{"jsonrpc":"2.0","method":"sleep","params":{"ms":100000},"id":2},{"jsonrpc":"2.0","method":"tick"}]`,
		`{"jsonrpc":"2.0","id":1,"result":1}`,
	} {
		f.Add([]byte(s))
	}
	const after = `{"jsonrpc":"2.0","method":"subtract","params":[42,23],"id":"fuzz-after"}`
	f.Fuzz(func(t *testing.T, data []byte) {
		_, p := serve(t, badMux(), framers[0])
		p.sendRaw(framers[0].frame(data))
		p.send(after)
		// Read until the good request's answer; every frame on the way is
		// checked by next. A fuzzed request may share its id, so only the
		// exact answer ends the loop.
		for {
			b := p.next()
			if b = bytes.TrimSpace(b); len(b) > 0 && b[0] == '[' {
				continue // a batch reply: valid, as next checked
			}
			m := decodeMsg(t, b)
			if string(m.ID) == `"fuzz-after"` && m.Error == nil && string(m.Result) == "19" {
				return
			}
		}
	})
}

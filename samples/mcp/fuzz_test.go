package mcp_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/lspkit/lspkit/samples/mcp"
)

// Whatever a client sends, the session answers with valid JSON lines only
// and ends when the input does.
func FuzzSession(f *testing.F) {
	const init = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-03-26","capabilities":{},"clientInfo":{"name":"f","version":"1"}}}` + "\n"
	for _, seed := range []string{
		"",
		init,
		init + `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"evaluate","arguments":{"expression":"1+"}}}` + "\n",
		init + `[{"jsonrpc":"2.0","id":2,"method":"ping"},{"jsonrpc":"2.0","id":3,"method":"tools/list"}]` + "\n",
		init + `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"count","arguments":{"to":3,"delayMs":0},"_meta":{"progressToken":[1]}}}` + "\n",
		init + `{"jsonrpc":"2.0","id":2,"method":"logging/setLevel","params":{"level":"debug"}}` + "\n" + `{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"check","arguments":{"source":"let = \n(("}}}` + "\n",
		`[` + "\n" + `{"id":` + "\n",
		init + `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"evaluate","arguments":{"expression":"1","expression":2}}}` + "\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, input []byte) {
		inR, inW := io.Pipe()   // the server's stdin
		outR, outW := io.Pipe() // its stdout
		served := make(chan error, 1)
		go func() {
			served <- mcp.New(slog.New(slog.DiscardHandler)).Serve(context.Background(), pipes{inR, outW})
			outW.Close()
		}()
		go func() {
			inW.Write(input)
			inW.Close() // the end of the input
		}()
		var out bytes.Buffer
		read := make(chan struct{})
		go func() {
			defer close(read)
			io.Copy(&out, outR)
		}()
		select {
		case <-served:
		case <-time.After(10 * time.Second):
			t.Fatalf("the session did not end 10 s after its input: %q", input)
		}
		<-read
		sc := bufio.NewScanner(&out)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			if !json.Valid(sc.Bytes()) {
				t.Errorf("input %q: the server sent %q", input, sc.Bytes())
			}
		}
	})
}

// pipes are a server's stdin and stdout.
type pipes struct {
	r *io.PipeReader
	w *io.PipeWriter
}

func (p pipes) Read(b []byte) (int, error)  { return p.r.Read(b) }
func (p pipes) Write(b []byte) (int, error) { return p.w.Write(b) }
func (p pipes) Close() error {
	p.r.Close()
	return nil
}

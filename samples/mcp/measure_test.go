package mcp_test

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lspkit/lspkit/samples/mcp"
)

// How soon a cancelled tool stops: the time from the client's
// notifications/cancelled being written to the tool's context ending,
// measured over many calls, one at a time.
func TestCancelLatency(t *testing.T) {
	t.Parallel()
	const calls = 200
	stopped := make(chan time.Time, 1)
	s := mcp.NewServer(mcp.Implementation{Name: "latency", Version: "0"}, mcp.WithLogger(slog.New(slog.DiscardHandler)))
	started := make(chan struct{}, 1)
	mcp.AddTool(s, mcp.Tool{Name: "wait"}, func(ctx context.Context, _ *mcp.Call, _ struct{}) (struct{}, error) {
		started <- struct{}{}
		<-ctx.Done()
		stopped <- time.Now()
		return struct{}{}, context.Cause(ctx)
	})
	ours, theirs := net.Pipe()
	served := make(chan error, 1)
	go func() { served <- s.Serve(context.Background(), theirs) }()
	lines := make(chan string, 16)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(ours)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	fmt.Fprintln(ours, `{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`)
	<-lines
	var lat []time.Duration
	for i := 1; i <= calls; i++ {
		fmt.Fprintf(ours, `{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"wait","arguments":{}}}`+"\n", i)
		<-started
		sent := time.Now()
		fmt.Fprintf(ours, `{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":%d,"reason":"measuring"}}`+"\n", i)
		lat = append(lat, (<-stopped).Sub(sent))
	}
	fmt.Fprintln(ours, `{"jsonrpc":"2.0","id":"last","method":"ping"}`)
	if l := <-lines; !strings.Contains(l, `"id":"last"`) {
		t.Errorf("after %d cancelled calls the server sent %s, want only the ping's reply", calls, l)
	}
	ours.Close()
	for range lines {
	}
	if err := <-served; err != nil {
		t.Error(err)
	}
	slices.Sort(lat)
	p50, p99, worst := lat[len(lat)/2], lat[len(lat)*99/100], lat[len(lat)-1]
	t.Logf("cancellation to the tool's context ending, %d calls: p50 %v, p99 %v, max %v", calls, p50, p99, worst)
	if p99 > 500*time.Millisecond { // generous: the machine may be shared
		t.Errorf("p99 %v: a cancelled tool should stop at once", p99)
	}
}

// The cost of the MCP layer on a call: tools/call of evaluate (arguments
// validated against the schema, the result encoded twice) beside ping,
// one at a time over an in-memory pipe.
func BenchmarkToolsCall(b *testing.B) {
	for _, bc := range []struct{ name, line string }{
		{"ping", `{"jsonrpc":"2.0","id":1,"method":"ping"}`},
		{"evaluate", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"evaluate","arguments":{"expression":"2*(3+4)^2"}}}`},
		{"check", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"check","arguments":{"source":"let x = 1\nlet y = x * 2\ny + 1\n"}}}`},
	} {
		b.Run(bc.name, func(b *testing.B) {
			ours, theirs := net.Pipe()
			served := make(chan error, 1)
			go func() { served <- mcp.New(slog.New(slog.DiscardHandler)).Serve(context.Background(), theirs) }()
			r := bufio.NewReader(ours)
			fmt.Fprintln(ours, `{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"b","version":"1"}}}`)
			r.ReadString('\n')
			msg := []byte(bc.line + "\n")
			b.ResetTimer()
			for b.Loop() {
				ours.Write(msg)
				if _, err := r.ReadString('\n'); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			ours.Close()
			<-served
		})
	}
}

package mcp_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"time"

	"github.com/lspkit/lspkit/conn"
	"github.com/lspkit/lspkit/framing"
	"github.com/lspkit/lspkit/samples/mcp"
)

type CountArgs struct {
	To      int `json:"to" jsonschema:"the number to count to"`
	DelayMs int `json:"delayMs" jsonschema:"milliseconds between two steps"`
}

type CountResult struct {
	Counted int `json:"counted"`
}

// A tool plugin with one tool, and a client that calls it with progress, as
// an MCP host would over the plugin's stdin and stdout (here a pipe).
func Example() {
	s := mcp.NewServer(mcp.Implementation{Name: "counter", Version: "1.0.0"})
	mcp.AddTool(s, mcp.Tool{Name: "count", Description: "Counts slowly."},
		func(ctx context.Context, call *mcp.Call, in CountArgs) (CountResult, error) {
			for i := 1; i <= in.To; i++ {
				select {
				case <-ctx.Done(): // notifications/cancelled: no reply is sent
					return CountResult{}, context.Cause(ctx)
				case <-time.After(time.Duration(in.DelayMs) * time.Millisecond):
				}
				call.Progress(ctx, float64(i), float64(in.To), "counting") // only if the client asked for progress
			}
			return CountResult{Counted: in.To}, nil
		})
	ctx := context.Background()
	hostSide, pluginSide := net.Pipe()
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, pluginSide) }()

	// The host: a conn client that prints the progress it is sent, on the
	// read path (WithPreempt), so before the reply that follows it.
	printProgress := conn.TypedNotification(func(_ context.Context, p json.RawMessage) error {
		fmt.Println("progress:", string(p))
		return nil
	})
	host := conn.New(ctx, hostSide, nil, conn.WithFramer(framing.Line()),
		conn.WithCancellation(conn.MCPCancellation()), conn.WithPreempt("notifications/progress", printProgress))
	var init struct {
		ProtocolVersion string         `json:"protocolVersion"`
		Capabilities    map[string]any `json:"capabilities"`
	}
	host.Call(ctx, "initialize", map[string]any{
		"protocolVersion": "2025-06-18", "capabilities": map[string]any{},
		"clientInfo": map[string]string{"name": "example", "version": "1"},
	}, &init)
	host.Notify(ctx, "notifications/initialized", nil)
	fmt.Println("agreed on", init.ProtocolVersion, "with capabilities", init.Capabilities)

	var res json.RawMessage
	host.Call(ctx, "tools/call", map[string]any{
		"name": "count", "arguments": map[string]int{"to": 2, "delayMs": 1},
		"_meta": map[string]any{"progressToken": "t1"},
	}, &res)
	fmt.Println("result:", string(res))

	err := host.Call(ctx, "tools/call", map[string]any{"name": "count", "arguments": map[string]any{"to": "two"}}, nil)
	fmt.Println("error:", err)

	host.Close()
	fmt.Println("served:", <-served)
	// Output:
	// agreed on 2025-06-18 with capabilities map[logging:map[] tools:map[listChanged:false]]
	// progress: {"progressToken":"t1","progress":1,"total":2,"message":"counting"}
	// progress: {"progressToken":"t1","progress":2,"total":2,"message":"counting"}
	// result: {"content":[{"type":"text","text":"{\"counted\":2}"}],"structuredContent":{"counted":2}}
	// error: conn: call "tools/call": invalid arguments for tool count: validating root: validating /properties/to: type: two has type "string", want "integer" (code -32602)
	// served: <nil>
}

// Package mcp is a local tool plugin for the Model Context Protocol (MCP),
// built only with lspkit's exported API: package conn for JSON-RPC 2.0 and
// package framing's newline-delimited framing, the stdio transport of MCP.
// `lspkit serve mcp` serves it on stdin/stdout, for MCP hosts (Claude
// Desktop, VS Code, the official SDK clients) that start tool plugins as
// subprocesses.
//
// The package has two halves. Server, AddTool and Call are the MCP plumbing
// a plugin author needs, small enough to read in one sitting: the
// initialize handshake and version negotiation, ping, tools/list and
// tools/call with input schemas generated from Go types and arguments
// validated against them, progress, logging to the client, and cancellation.
// New uses them to serve three tools over samples/calc's language:
//
//   - evaluate {"expression"}: the value of a calc expression, as text and as
//     structured content; an invalid expression is a tool error (isError)
//     whose text lists the diagnostics.
//   - check {"source"}: the diagnostics of a calc program, structured (line,
//     column, message, severity).
//   - count {"to", "delayMs"}: counts to "to", one step every delayMs
//     milliseconds, with a progress notification per step when the call asks
//     for progress; it stops at once when the call is cancelled.
//
// A tool is a typed Go function; its input and output schemas come from its
// types (with github.com/google/jsonschema-go, as the official Go SDK does):
//
//	type Args struct {
//		Name string `json:"name" jsonschema:"who to greet"`
//	}
//	type Greeting struct {
//		Text string `json:"text"`
//	}
//	s := mcp.NewServer(mcp.Implementation{Name: "greeter", Version: "1.0.0"})
//	mcp.AddTool(s, mcp.Tool{Name: "greet", Description: "Greets someone."},
//		func(ctx context.Context, call *mcp.Call, in Args) (Greeting, error) {
//			return Greeting{Text: "Hello, " + in.Name}, nil
//		})
//	err := s.Serve(ctx, stdio) // until the client closes stdin
//
// # The protocol as served
//
// Revision 2025-11-25 is the newest spoken; a client that asks for
// 2025-06-18 or 2025-03-26 gets that revision, and one that asks for any
// other gets 2025-11-25, as the specification's version negotiation says.
// Until initialize has been answered, every request but initialize and ping
// is refused with -32600; a second initialize likewise. JSON-RPC batches are
// accepted only in a session that negotiated 2025-03-26, the one revision
// that had them; otherwise a batch is answered with one -32600 error and
// none of its elements runs.
//
// A request cancelled with notifications/cancelled gets no reply at all,
// as MCP asks, and its handler's context ends with a *conn.Error
// (-32800) carrying the client's reason as its cause. Arguments that do not
// fit a tool's input schema are a protocol error, -32602, whose data says
// which argument was wrong and why; an error that the tool itself returns is
// a tool error, a result with isError set, so that a model can read it and
// correct itself.
//
// The server's own logs go to stderr (or wherever its slog.Logger writes);
// stdout carries only frames. What the client asks for with logging/setLevel
// is sent to it as notifications/message, from that level up; nothing is sent
// before it asks. Of the calc tools, evaluate logs each value at debug and
// check each program's count of diagnostics at info.
package mcp

// Package conn is an asynchronous JSON-RPC 2.0 connection: either side
// calls, notifies and handles, with many requests in flight at once in both
// directions, cancellation, batches and clear errors. It is the foundation
// of lspkit's language-server framework (package lsp) and works as well for
// any tool plugin that speaks JSON-RPC over stdio, a pipe or a socket.
//
// # A server
//
// Register handlers on a Mux, as with net/http, and serve a stream:
//
//	mux := conn.NewMux()
//	mux.Handle("subtract", conn.Typed(func(ctx context.Context, p [2]float64) (float64, error) {
//		return p[0] - p[1], nil
//	}))
//	err := conn.Serve(ctx, conn.Stdio(), mux) // until the peer closes its side
//
// Stdio is the process's stdin and stdout as one stream. Typed turns a
// function of typed params into a Handler: params by name decode into a
// struct, params by position fill its fields in order (or a slice), every
// field is required unless it is a pointer, omitempty or tagged
// conn:"optional", and params that do not fit get -32602 with data naming
// the field.
// TypedNotification does the same for notifications. For full control,
// implement Handler, or use HandlerFunc and read Request.Params yourself.
//
// # A client
//
// The same type calls the other way:
//
//	c := conn.New(ctx, stream, nil) // nil: we serve no methods
//	var diff float64
//	err := c.Call(ctx, "subtract", []int{42, 23}, &diff)
//
// A handler reaches its peer through FromContext(ctx), to call or notify it
// while the handler runs: reading goes on while any handler waits for its
// peer, so a reply to such a call always gets through and there is no
// deadlock.
//
// # Where things happen
//
// One goroutine reads (conn.go, readLoop): it reads a frame (package
// framing), parses the envelope in one pass (message.go, json.go), answers
// bad input at once, and hands each message on (dispatch.go, receive): a
// reply to the call waiting for it (call.go, deliver); a cancellation, or
// another method given to WithPreempt, to its handler at once (cancel.go,
// preempt); anything else to the queue (dispatch.go, accept). What may
// start by the ordering rules runs on a goroutine of its own (dispatch.go,
// run) or, when no other handler runs, on the read path itself, which hands
// reading on as soon as the handler needs it (inline.go); its reply joins
// the outbox, which whoever finds no writer at work writes (write.go). All
// that changes is one state struct under one lock, with its invariants
// beside it (conn.go, state).
//
// # Ordering
//
// Messages are handled in the order they arrive, by these rules:
//
//   - A notification, by default, runs alone: it starts once every handler
//     before it has finished (or released its place, see below), and nothing
//     after it starts until it finishes. So a request always sees the effect
//     of every notification received before it — didChange before hover.
//   - A request, by default, runs concurrently with other requests, up to
//     WithMaxConcurrency at once, but only once every notification received
//     before it has finished.
//   - A handler chooses otherwise with a mode: WithMode(h, Exclusive) makes
//     a request run alone like a notification; WithMode(h, Concurrent) lets a
//     notification (a progress report, a counter) run beside requests. A Mux
//     reports the modes its handlers were registered with; a custom root
//     handler can implement Ordered.
//   - A running handler calls Release(ctx) to give up its place early: what
//     comes after may start while it goes on, as gopls's jsonrpc2.Async does.
//   - Nothing ever overtakes a message that is still waiting, except the
//     methods handled on the read path (cancellation, WithPreempt).
//
// # Calls from handlers
//
// A handler that calls its peer (FromContext(ctx).Call, or lsp's client
// methods) gives up its place in the order as it starts waiting for the
// reply, as Release does: what it did before the call is visible to what
// follows, and a question to the user (an LSP showMessageRequest from
// initialized, say) never holds up the messages behind it. A handler whose
// later messages must see what it does with the answer — settings read in
// initialized before any document is handled — calls with
// KeepPlace(ctx): then nothing after it starts until it finishes.
//
// # Bounds
//
// Memory never grows with what a peer sends or claims. At most
// WithQueueLimit messages wait to start; at most WithMaxRunning handlers
// run, counting those that released their place; at most WithOutboxLimit
// bytes wait to be written. At any of these bounds the connection stops
// reading until there is room, so a peer that floods us is slowed to the
// pace at which we handle and it reads. A batch has at most WithMaxBatch
// elements: a larger one gets one -32600 error and nothing of it is kept.
// The framing bounds each message (framing.WithMaxMessageSize). One
// exception keeps calls from handlers safe: while a call of ours awaits
// its reply, the queue may grow to eight times its limit before reading
// stops, since the reply may be the next message. Two peers that both
// flood each other past their limits without reading stall; memory stays
// bounded.
//
// # Cancellation
//
// How cancellation travels is a value, Cancellation, given with
// WithCancellation: LSPCancellation ($/cancelRequest {"id"}) is the
// default, MCPCancellation (notifications/cancelled {"requestId",
// "reason"}) is the Model Context Protocol's, and a protocol of another
// kind fills in one of its own. A received cancellation is handled on the
// read path, ahead of the queue, and finds its request by id in a map:
//
//   - a request still queued never runs; it is answered -32800
//     (RequestCancelled) at once, or not at all if the Cancellation is
//     Silent (MCP);
//   - a running one sees its context end, with context.Cause a -32800
//     *Error that gives the reason; when it returns an error it is answered
//     -32800 (a result it still returns is sent, as LSP allows), and under
//     a Silent cancellation nothing is sent;
//   - ids that name no request in flight are ignored.
//
// The other way, when the context of a Call ends, Call returns at once with
// an error wrapping ctx.Err(), the peer is sent the Cancellation's
// notification for it (with context.Cause as the reason), and its late
// reply is dropped. The zero Cancellation turns cancellation messages off.
//
// A request whose id is that of a request still in flight is refused with
// -32600. A request cut short by Close, by the drain timeout or by the end
// of New's context is answered -32800 too.
//
// # Out-of-band messages
//
// WithPreempt(method, h) makes h handle a method on the read path, as
// cancellation is: it overtakes every message that waits and runs whatever
// runs, so it must be quick. package lsp uses it for
// window/workDoneProgress/cancel, which must reach work in progress
// whatever handler is running.
//
// # Errors
//
// A handler's *Error (code, message, data) is sent as it is; any other error
// becomes -32603 with its text; a panic is recovered, logged with its stack,
// and becomes -32603, and the connection lives on. A call whose peer
// answers with an error returns an error wrapping an *Error, which errors.As
// finds.
//
// Bad input never ends the connection: invalid JSON is answered -32700 with
// id null; a message that is not a valid request is answered -32600; an
// unknown method -32601; a message over the size limit, or with a broken
// header, is skipped by the framing layer and answered with an error. What
// we send is valid UTF-8 JSON whatever we received. Replies to unknown ids
// are logged and dropped.
//
// # The specification, and what we accept beyond it
//
// The whole of JSON-RPC 2.0 is implemented, batches included both ways (a
// batch's elements are queued in order under the rules above and their
// replies sent as one array; a batch of notifications gets no reply). Ids
// are echoed byte for byte. Two leniencies serve real clients: "params":
// null is taken as no params, and a reply's "jsonrpc" member is not checked.
//
// # Lifecycle
//
// Close stops reading, cancels running handlers and waits for them (at most
// WithCloseTimeout), writes what is queued, fails pending calls with an
// error wrapping ErrClosed, and closes the stream. When the peer closes its
// side, queued and running handlers finish and their replies go out (at
// most WithDrainTimeout) before the connection ends the same way; calls
// pending then fail at once. Done and Err tell when and why a connection
// ended.
//
// # Processes
//
// StartProcess runs a server as a child process, and Process.Connect talks
// to it over its stdin and stdout; Process.Stop ends it as plugin hosts do:
// it closes its stdin and waits, then sends SIGTERM and waits, then kills it.
//
// Logs go through log/slog (WithLogger), never to stdout, which carries the
// frames.
package conn

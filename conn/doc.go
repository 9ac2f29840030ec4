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
// while the handler runs: the read path never waits for a handler, so a
// reply to such a call always gets through and there is no deadlock.
//
// # Where things happen
//
// One connection has one read loop (conn.go, readAll): it reads a frame
// (package framing), parses the envelope in one pass (message.go), answers
// bad input at once, hands replies to the calls waiting for them (call.go,
// deliver), handles $/cancelRequest (cancel.go), and queues requests and
// notifications (dispatch.go). Handlers run on goroutines of their own
// (dispatch.go, run); every outgoing message joins one outbox, and what has
// queued up in it while a write was going on goes out in the next write
// (write.go).
//
// The goroutines are a few workers, reused (dispatch.go, worker): one reads
// at a time, and when a message it reads may start, it runs it itself, so a
// lone request is answered by the thread that received it. If that handler
// is the only one running, the reader reads on only once it is done, like a
// plain read-handle-write loop; reading passes to another worker as soon as
// the handler needs it (it waits on ctx.Done, calls the peer, or calls
// Release) or has held it for a few milliseconds. A burst of messages
// already buffered is read before any starts, so it costs at most one
// hand-off rather than one per message.
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
//   - Nothing ever overtakes a message that is still waiting.
//
// # Backpressure
//
// At most WithQueueLimit messages wait to start. When the queue is full, or
// the outbox of unwritten messages is over WithOutboxLimit bytes, the
// connection stops reading until there is room, so memory never grows with
// what a peer sends. A peer that floods us while it never reads our replies
// is slowed to the pace at which it reads. One exception keeps calls from
// handlers safe: while a call of ours awaits its reply, the queue may grow to
// eight times its limit before reading stops, since the handlers that would
// make room may be waiting for that very reply. (A peer that sends more than
// that ahead of the reply it owes us, while we call it from every handler
// slot, still stalls: memory stays bounded.) Two peers that both flood each
// other past their outbox limits without reading stall likewise.
//
// # Cancellation
//
// A received "$/cancelRequest" with params {"id": ID} is handled on the read
// path, ahead of the queue: a request still queued never runs and is
// answered -32800 (RequestCancelled) at once; a running one sees its context
// end, and is answered -32800 if it then returns an error (a result it still
// returns is sent, as LSP allows). Ids that name no request are ignored.
//
// The other way, when the context of a Call ends, Call returns at once with
// an error wrapping ctx.Err(), the peer is sent $/cancelRequest for it, and
// its late reply is dropped. WithCancelMethod renames the method, or with ""
// turns cancellation messages off for peers that do not speak them.
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
// side, queued and running handlers finish and their replies go out (at most
// WithDrainTimeout) before the connection ends the same way; calls pending
// then fail at once. Done and Err tell when and why a connection ended.
//
// Logs go through log/slog (WithLogger), never to stdout, which carries the
// frames.
package conn

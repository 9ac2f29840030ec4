// Package framing reads and writes whole messages over a byte stream. It knows
// nothing of what the messages hold (JSON-RPC or otherwise): a Reader returns
// one message body per call and a Writer writes one body per call.
//
// Two framings are provided, each as a Framer that makes Readers and Writers.
//
// # Header framing (LSP base protocol)
//
// Header returns the framing of the Language Server Protocol: every body is
// preceded by a header block, as in HTTP.
//
//	Content-Length: 58\r\n
//	Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n
//	\r\n
//	{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}
//
// A header line is "Name: value" ended by "\r\n" (a bare "\n" is accepted on
// read); an empty line ends the block. Names are HTTP tokens, matched without
// regard to case, in any order; whitespace around values is trimmed; unknown
// headers are ignored; blank lines before a header block are skipped.
// Content-Length is required and is decimal digits only; 0 is allowed (the body
// is then an empty, non-nil slice); repeated Content-Length headers must agree.
// Content-Type is optional and its media type is not checked, but a charset
// parameter, if present, must be utf-8 or utf8 (any case, quoted or not).
// Writers send "Content-Length: N\r\n\r\n" and the body.
//
// # Line framing (JSON lines)
//
// Line returns the framing of newline-delimited JSON, as used by MCP over
// stdio: one message per line, ended by "\n". A "\r" before the "\n" is
// stripped, and lines that are empty or hold only whitespace are skipped.
// Writers send the body and "\n"; a body holding a raw newline (pretty-printed
// JSON) is first compacted with json.Compact, and refused if it is not valid
// JSON. An empty or blank body cannot be line-framed and is refused.
//
// # Limits
//
// A Reader refuses a body over the maximum message size (WithMaxMessageSize,
// default DefaultMaxMessageSize, 64 MiB), and the Header framing refuses a
// header block over the maximum header size (WithMaxHeaderSize, default
// DefaultMaxHeaderSize, 8 KiB; one header line can in any case not exceed the
// reader's 64 KiB buffer). Memory grows with what actually arrives, never with
// what a header claims: a claimed Content-Length up to 2 MiB is allocated at
// once, a larger body grows as its bytes come; refused input is discarded as
// it is read and never buffered. Each Reader holds a 64 KiB bufio.Reader.
//
// # Concurrency and ownership
//
// A Reader is for one goroutine at a time; each ReadMessage returns a new
// slice that the caller owns. A Writer is safe for concurrent use: each
// WriteMessage makes exactly one Write call on the underlying io.Writer, under
// a mutex, so messages never interleave. The Writers of this package are also
// BatchWriters, which write several messages with one Write call. If a Write
// fails after writing part of a frame, the stream is corrupt: that error is
// returned, wrapped, by this and every later write.
//
// # Errors and resynchronisation
//
// ReadMessage reports a message it refuses with a *Error, whose Kind is
// TooLarge, BadHeader or BadCharset. A *Error never ends the stream: the
// refused message is skipped and the next ReadMessage reads the message after
// it. Precisely:
//
//   - TooLarge (Header): returned as soon as the header block is read, before
//     the body arrives, so the caller can answer at once. The next ReadMessage
//     first discards the body. A Content-Length that overflows int64 has
//     Size -1, and its "body" is everything up to the end of input.
//   - BadCharset: likewise, the body is discarded by the next ReadMessage.
//   - BadHeader: the header block cannot be trusted, so the next ReadMessage
//     first discards input up to the next "Content-Length:" (in any case),
//     wherever it stands — a body is not followed by a line break, so after
//     garbage the next header often starts mid-line — and reads the next
//     header block from there. The search starts at the second byte of the
//     line at which the block was refused, so a header glued to garbage
//     before it is found. If the input ends first, it returns io.EOF.
//   - TooLarge (Line): Size is the number of bytes seen so far; the rest of the
//     line, if any, is discarded by the next ReadMessage, which then goes on
//     with the next line.
//
// Any other error ends the stream:
//
//   - io.EOF: the input ended cleanly, between messages.
//   - io.ErrUnexpectedEOF: the input ended inside a message (a header block, a
//     body, an unterminated line). The input ending inside a refused message
//     that is being discarded is io.EOF: that message was already reported.
//   - any error of the underlying reader, as is.
package framing

package mcp

import (
	"io"

	"github.com/lspkit/lspkit/framing"
)

// stream is the session's stream of messages: newline-delimited JSON over
// the client's byte stream, less the JSON-RPC batches that the negotiated
// revision does not have. conn accepts batches, as JSON-RPC 2.0 does; MCP
// had them only in 2025-03-26. So the stream, which sees every message
// before the connection does, answers a batch itself with one -32600 error
// (id null, as JSON-RPC answers a request whose id cannot be known) and
// reads on: none of its elements runs.
type stream struct {
	r    framing.Reader
	w    framing.Writer // safe for concurrent use: ReadMessage writes refusals with it
	c    io.Closer
	sess *session
}

// batchRefusal is the reply to a refused batch.
const batchRefusal = `{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"JSON-RPC batches are not part of the negotiated MCP revision: send each message on its own line","data":{"batches":"only in MCP revision 2025-03-26"}}}`

// ReadMessage returns the next message that is not a refused batch.
func (s *stream) ReadMessage() ([]byte, error) {
	for {
		msg, err := s.r.ReadMessage()
		if err != nil || !isBatch(msg) || s.sess.batchesAllowed() {
			return msg, err
		}
		s.sess.srv.logger.Warn("mcp: refused a JSON-RPC batch", "bytes", len(msg))
		if err := s.w.WriteMessage([]byte(batchRefusal)); err != nil {
			return nil, err
		}
	}
}

// WriteMessage writes one message.
func (s *stream) WriteMessage(msg []byte) error { return s.w.WriteMessage(msg) }

// Close closes the client's stream.
func (s *stream) Close() error { return s.c.Close() }

// isBatch reports whether msg is a JSON array: its first byte that is not
// JSON whitespace is '['.
func isBatch(msg []byte) bool {
	for _, b := range msg {
		switch b {
		case ' ', '\t', '\r', '\n':
			continue
		}
		return b == '['
	}
	return false
}

package conn

import "github.com/lspkit/lspkit/framing"

// This file is the write path. Every outgoing message — replies, our calls,
// notifications — joins one outbox, in order. Whoever finds no writer at
// work becomes the writer and writes the outbox until it is empty; the
// others just leave their message. So a lone reply is written by its own
// handler's goroutine, with no hand-off. The read path never writes
// itself: a peer that does not read must not stop us reading.

// send queues one encoded message. With inline, the calling goroutine
// writes it (and whatever queues behind it) if no writer is at work;
// otherwise a new goroutine does. It reports ErrClosed if the connection
// can no longer write.
func (c *Conn) send(msg []byte, inline bool) error {
	c.mu.Lock()
	if c.s.phase == closed {
		c.mu.Unlock()
		return ErrClosed
	}
	write := c.enqueueLocked(msg)
	c.mu.Unlock()
	if write {
		if inline {
			c.flush()
		} else {
			go c.flush()
		}
	}
	return nil
}

// reply sends a reply from the read path, or adds it to the batch reply it
// belongs to (nil: this element of the batch gets no reply).
func (c *Conn) reply(batch *batchReply, msg []byte) {
	if batch != nil {
		msg = batch.add(msg)
	}
	if msg != nil {
		c.send(msg, false)
	}
}

// sendError sends an error reply to id (null when the id is unknown) from
// the read path.
func (c *Conn) sendError(id ID, e *Error, batch *batchReply) {
	c.reply(batch, appendError(nil, id, e))
}

// enqueueLocked adds a message to the outbox and reports whether the
// caller must become the writer.
func (c *Conn) enqueueLocked(msg []byte) bool {
	c.s.outbox.push(msg)
	c.s.outBytes += len(msg)
	if c.s.writing {
		return false
	}
	c.s.writing = true
	return true
}

// flush writes the outbox until it is empty. After a write error the
// connection is broken: what is queued is dropped, and the stream closed
// so that reading ends too.
func (c *Conn) flush() {
	c.mu.Lock()
	for c.s.outbox.len() > 0 {
		// What queued up while the last write went on goes out in one write
		// where the framing can do that (framing.BatchWriter): under load,
		// many replies cost one system call rather than one each. Up to
		// maxBatchBytes: a large message goes alone rather than be copied
		// into a larger frame.
		batch, size := c.batch[:0], 0
		for c.s.outbox.len() > 0 && (len(batch) == 0 || size+len(c.s.outbox.peek()) <= maxBatchBytes) {
			msg := c.s.outbox.pop()
			batch, size = append(batch, msg), size+len(msg)
		}
		c.mu.Unlock()
		for _, msg := range batch {
			c.hook(Out, msg)
		}
		var err error
		if bw, ok := c.writer.(framing.BatchWriter); ok && len(batch) > 1 {
			err = bw.WriteMessages(batch)
		} else {
			// A Stream of its own (NewStream: WebSocket, HTTP) writes
			// each message in turn.
			for _, msg := range batch {
				if err = c.writer.WriteMessage(msg); err != nil {
					break
				}
			}
		}
		clear(batch)
		c.batch = batch
		c.mu.Lock()
		c.s.outBytes -= size
		c.changedLocked()
		if err != nil {
			if c.s.phase <= draining && c.s.err == nil {
				c.s.err = &writeError{err}
			}
			c.mu.Unlock()
			c.closeStream()
			c.mu.Lock()
		}
	}
	c.s.writing = false
	c.changedLocked()
	c.mu.Unlock()
}

// maxBatchBytes bounds the messages written together (see flush).
const maxBatchBytes = 64 << 10

// writeError reports that the stream could not be written.
type writeError struct{ err error }

func (e *writeError) Error() string { return "conn: write: " + e.err.Error() }
func (e *writeError) Unwrap() error { return e.err }

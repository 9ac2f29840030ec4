package conn

// This file is the write path. Every outgoing message — replies, our calls,
// notifications — joins one FIFO outbox. Whoever finds no writer at work
// becomes the writer and drains the outbox; the others just leave their
// message. So a lone reply is written by its own handler goroutine with no
// hand-off, and under load the messages that queued up while the writer
// wrote go out together, in one write (up to maxBatch bytes) where the
// stream's framing can do that: many replies, one system call. A message
// that goes alone is written from its frame, where the framing puts its
// header in the room left for it (see frameRoom): a large message is not
// copied again. The read path never writes itself: a full pipe must not
// stop it.

// replyTo sends a reply, or adds it to the batch reply it belongs to.
func (c *Conn) replyTo(batch *batchReply, frame *[]byte, inline bool) {
	if batch != nil {
		batch.add(c, frame)
		return
	}
	c.send(frame, inline)
}

// sendError sends an error reply to id (null when the id is unknown).
func (c *Conn) sendError(id ID, e *Error, batch *batchReply) {
	b := getBuf()
	*b = appendError(*b, id, e)
	c.replyTo(batch, b, false)
}

// send queues one encoded message. With inline, the calling goroutine writes
// it (and whatever queues behind it) if no writer is at work; otherwise a
// new goroutine does. It reports ErrClosed if the connection can no longer
// write.
func (c *Conn) send(frame *[]byte, inline bool) error {
	c.mu.Lock()
	if c.state == closed {
		c.mu.Unlock()
		putBuf(frame)
		return ErrClosed
	}
	write := c.enqueueLocked(frame)
	c.mu.Unlock()
	if write {
		if inline {
			c.flush()
		} else {
			c.handOff(flushJob)
		}
	}
	return nil
}

// enqueueLocked adds a frame to the outbox and reports whether the caller
// must start a writer.
func (c *Conn) enqueueLocked(frame *[]byte) bool {
	c.outbox = append(c.outbox, frame)
	c.outBytes += len(frameBody(frame))
	if c.writing {
		return false
	}
	c.writing = true
	return true
}

// flush writes the outbox until it is empty.
func (c *Conn) flush() {
	c.mu.Lock()
	for len(c.outbox) > 0 {
		frames := c.outbox
		c.outbox = c.spare[:0]
		c.mu.Unlock()
		n, err := c.writeFrames(frames)
		c.mu.Lock()
		c.spare = frames[:0]
		c.outBytes -= n
		c.broadcastLocked()
		if err != nil {
			c.mu.Unlock()
			c.breakOnWriteError(err)
			c.mu.Lock()
		}
	}
	c.writing = false
	c.broadcastLocked()
	c.mu.Unlock()
}

// maxBatch bounds the bytes of the messages that go out in one write: a
// large message goes alone rather than be copied into a larger buffer.
const maxBatch = 64 << 10

// writeFrames writes frames in order, recycling their buffers; after a write
// error the rest are dropped. It returns the bytes taken from the outbox.
// Only the writer calls it (see flush), so it may use c.batch.
func (c *Conn) writeFrames(frames []*[]byte) (n int, err error) {
	for i := 0; i < len(frames); {
		// The frames from i to j go out in one write.
		j, size := i+1, len(frameBody(frames[i]))
		if c.batchWriter != nil {
			for j < len(frames) && size+len(frameBody(frames[j])) <= maxBatch {
				size += len(frameBody(frames[j]))
				j++
			}
		}
		n += size
		if err == nil {
			for _, f := range frames[i:j] {
				c.hook(Out, frameBody(f))
			}
			switch {
			case j-i > 1:
				c.batch = c.batch[:0]
				for _, f := range frames[i:j] {
					c.batch = append(c.batch, frameBody(f))
				}
				err = c.batchWriter.WriteMessages(c.batch)
				clear(c.batch)
			case c.inPlaceWriter != nil:
				err = c.inPlaceWriter.WriteInPlace(*frames[i])
			default:
				err = c.stream.WriteMessage(frameBody(frames[i]))
			}
		}
		for k := i; k < j; k++ {
			putBuf(frames[k])
			frames[k] = nil
		}
		i = j
	}
	return n, err
}

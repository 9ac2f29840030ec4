package conn

import "sync"

// This file is incoming batches. Each element of a batch is queued like a
// message of its own, in order, under the same ordering rules; the replies
// are gathered and sent as one array once the last one is made. A batch of
// notifications only gets no reply at all. (Sending batches is Conn.Batch,
// in call.go.)

// batchReply gathers the replies to one incoming batch.
type batchReply struct {
	mu        sync.Mutex
	remaining int      // replies still to come
	parts     [][]byte // replies made so far
}

// receiveBatch handles a message that is a JSON array.
func (c *Conn) receiveBatch(body []byte) {
	elems, err := splitArray(body)
	if err != nil {
		c.cfg.logger.Warn("conn: parse error in batch", "err", err)
		c.sendError(ID{}, errParse, nil)
		return
	}
	if len(elems) == 0 {
		c.sendError(ID{}, invalidRequest("empty batch"), nil)
		return
	}
	type item struct {
		env  envelope
		req  Request
		kind msgKind
		bad  *Error
	}
	items := make([]item, len(elems))
	b := &batchReply{}
	for i, e := range elems {
		it := &items[i]
		_ = it.env.parse(e) // e is valid JSON; a non-object is classified invalid
		it.kind, it.bad = it.env.classify(&it.req, &c.methods)
		if it.kind == msgInvalid || it.kind == msgRequest {
			b.remaining++
		}
	}
	// Every reply is counted before any element is dispatched, so the batch
	// cannot be sent before its last reply.
	for i := range items {
		it := &items[i]
		switch it.kind {
		case msgInvalid:
			c.sendError(it.req.ID, it.bad, b)
		case msgResponse:
			c.deliver(&it.env)
		case msgRequest:
			c.accept(it.req, b, len(body))
		case msgNotification:
			c.accept(it.req, nil, len(body))
		}
	}
}

// add records one reply; the last one sends the whole batch reply.
func (b *batchReply) add(c *Conn, frame *[]byte) {
	b.mu.Lock()
	b.parts = append(b.parts, frameBody(frame))
	b.remaining--
	done := b.remaining == 0
	b.mu.Unlock()
	if !done {
		return
	}
	out := getBuf()
	*out = append(*out, '[')
	for i, p := range b.parts {
		if i > 0 {
			*out = append(*out, ',')
		}
		*out = append(*out, p...)
	}
	*out = append(*out, ']')
	c.send(out, false)
}

package conn

import (
	"fmt"
	"sync"
)

// This file is incoming batches. Each element of a batch is handled like a
// message of its own, in order, under the same ordering rules; the replies
// are gathered and sent as one array once the last one is made. A batch
// whose elements need no reply (notifications, replies to our calls) gets
// none. A batch has at most cfg.maxBatch elements: a larger one is
// answered with one -32600 error, and nothing of it is kept. (Sending
// batches is Conn.Batch, in call.go.)

// batchReply gathers the replies to one incoming batch.
type batchReply struct {
	mu        sync.Mutex
	remaining int      // replies still to come
	parts     [][]byte // replies made so far
}

// errBatchTooLarge stops splitting a batch over the limit.
var errBatchTooLarge = fmt.Errorf("batch too large")

// receiveBatch handles a message that is a JSON array.
func (c *Conn) receiveBatch(body []byte) {
	var elems [][]byte
	end, err := eachElement(body, skipSpace(body, 0), 1, func(e []byte) error {
		if len(elems) == c.cfg.maxBatch {
			return errBatchTooLarge
		}
		elems = append(elems, e)
		return nil
	})
	if err == nil {
		err = trailing(body, end)
	}
	switch {
	case err == errBatchTooLarge:
		c.cfg.logger.Warn("conn: batch too large", "limit", c.cfg.maxBatch)
		c.sendError(ID{}, invalidRequest(fmt.Sprintf("a batch may have at most %d elements", c.cfg.maxBatch)), nil)
		return
	case err != nil:
		c.cfg.logger.Warn("conn: parse error in batch", "err", err)
		c.sendError(ID{}, errParse, nil)
		return
	case len(elems) == 0:
		c.sendError(ID{}, invalidRequest("empty batch"), nil)
		return
	}
	type item struct {
		env  envelope
		kind msgKind
		req  Request
		bad  *Error
	}
	items := make([]item, len(elems))
	b := &batchReply{}
	for i, e := range elems {
		it := &items[i]
		it.env, _ = parseEnvelope(e) // valid JSON already; a non-object is classified invalid
		it.kind, it.req, it.bad = it.env.classify(c.methods)
		if it.kind == msgInvalid || it.kind == msgRequest {
			b.remaining++
		}
	}
	// Every reply is counted before any element is handled, so the batch
	// reply cannot go before its last part.
	for i := range items {
		switch it := &items[i]; it.kind {
		case msgInvalid:
			c.sendError(it.req.ID, it.bad, b)
		case msgResponse:
			c.deliver(&it.env)
		case msgRequest:
			c.accept(it.req, b, false)
		case msgNotification:
			c.accept(it.req, nil, false)
		}
	}
}

// add records one reply (nil: that element gets none) and returns the whole
// batch reply once the last one is in, or nil.
func (b *batchReply) add(reply []byte) []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	if reply != nil {
		b.parts = append(b.parts, reply)
	}
	b.remaining--
	if b.remaining > 0 || len(b.parts) == 0 {
		return nil
	}
	out := []byte{'['}
	for i, p := range b.parts {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, p...)
	}
	return append(out, ']')
}

package conn

import (
	"encoding/json"
)

// This file is cancellation as the peer asks for it: $/cancelRequest (or
// the method set by WithCancelMethod), handled on the read path so that it
// overtakes the queue. The other direction, cancelling our own calls when
// their context ends, is in call.go.

// cancelByPeer cancels the request that params name. A queued request never
// runs and is answered -32800 at once; a running one sees its context end
// and is answered -32800 if it returns an error (a result it still returns
// is sent). Unknown ids are ignored, as the request may have finished.
func (c *Conn) cancelByPeer(params json.RawMessage) {
	var p struct {
		ID json.RawMessage `json:"id"`
	}
	if err := json.Unmarshal(params, &p); err != nil || p.ID == nil {
		c.cfg.logger.Warn("conn: cancellation without an id", "params", string(params))
		return
	}
	id, ok := parseID(p.ID)
	if !ok {
		return
	}
	c.mu.Lock()
	in := c.inflightLocked(id.key())
	if in == nil {
		c.mu.Unlock()
		return
	}
	in.peerCancelled.Store(true)
	if in.started {
		in.endLocked(nil)
		c.mu.Unlock()
		return
	}
	in.cancelled = true
	c.mu.Unlock()
	b := getBuf()
	*b = appendError(*b, in.req.ID, errCancelled)
	c.replyTo(in.batch, b, false)
}

// inflightLocked returns the request with id key that is queued or running
// and not yet cancelled by the peer: the first received, if the peer reused
// the id. It looks through the running handlers and the queue, bounded by
// the concurrency and queue limits, rather than keep a map of every request
// in flight: cancellations are rare, and that map's insert and delete cost
// every request a tenth of its handling.
func (c *Conn) inflightLocked(key string) *inbound {
	var found *inbound
	for in := c.running; in != nil; in = in.next { // newest first
		if in.named(key) {
			found = in
		}
	}
	if found != nil {
		return found
	}
	for _, in := range c.queue { // every one received after those running
		if in.named(key) {
			return in
		}
	}
	return nil
}

// named reports whether in is a request with id key, not yet cancelled by
// the peer.
func (in *inbound) named(key string) bool {
	return in.req.ID.IsValid() && !in.peerCancelled.Load() && in.req.ID.key() == key
}

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
	in := c.inflight[id.key()]
	if in == nil {
		c.mu.Unlock()
		return
	}
	delete(c.inflight, in.key)
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

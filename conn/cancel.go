package conn

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime/debug"
)

// This file is out-of-band messages: methods handled on the read path,
// ahead of the queue, so that they overtake the messages waiting there and
// reach handlers that are running. Cancellation is the one the package
// knows itself; WithPreempt adds others.

// Cancellation says how cancellation travels on the wire, both ways: which
// notification the peer sends to cancel one of its requests and how it
// names the request, whether a cancelled request is still answered, and
// what we send when the context of one of our calls ends.
//
// LSPCancellation is the default; MCPCancellation is the Model Context
// Protocol's; another protocol fills in a Cancellation of its own. The zero
// Cancellation turns cancellation messages off.
type Cancellation struct {
	// Method is the notification that carries a cancellation, both ways.
	Method string
	// Parse reads which request to cancel, and why, from the params of a
	// received cancellation.
	Parse func(params json.RawMessage) (id ID, reason string, err error)
	// Params returns the params of the cancellation we send for our call
	// with id, whose context ended because of reason. Nil: we send none.
	Params func(id ID, reason string) any
	// Silent means that a cancelled request gets no reply at all, as MCP
	// requires; otherwise it is answered -32800 (RequestCancelled) once its
	// handler returns an error, as LSP requires.
	Silent bool
}

// LSPCancellation is the Language Server Protocol's cancellation:
// "$/cancelRequest" with params {"id": ID}; a cancelled request is answered,
// -32800 if its handler fails (a result it still returns is sent).
func LSPCancellation() Cancellation {
	return Cancellation{
		Method: "$/cancelRequest",
		Parse: func(params json.RawMessage) (ID, string, error) {
			var p struct {
				ID *ID `json:"id"`
			}
			if err := json.Unmarshal(params, &p); err != nil || p.ID == nil {
				return ID{}, "", fmt.Errorf(`want {"id": number or string}: %s`, params)
			}
			return *p.ID, "", nil
		},
		Params: func(id ID, _ string) any {
			return struct {
				ID ID `json:"id"`
			}{id}
		},
	}
}

// MCPCancellation is the Model Context Protocol's cancellation:
// "notifications/cancelled" with params {"requestId": ID, "reason": text};
// a cancelled request gets no reply.
func MCPCancellation() Cancellation {
	type params struct {
		RequestID *ID    `json:"requestId"`
		Reason    string `json:"reason,omitempty"`
	}
	return Cancellation{
		Method: "notifications/cancelled",
		Parse: func(raw json.RawMessage) (ID, string, error) {
			var p params
			if err := json.Unmarshal(raw, &p); err != nil || p.RequestID == nil {
				return ID{}, "", fmt.Errorf(`want {"requestId": number or string, "reason"?: string}: %s`, raw)
			}
			return *p.RequestID, p.Reason, nil
		},
		Params: func(id ID, reason string) any { return params{&id, reason} },
		Silent: true,
	}
}

// preempt handles req on the read path if its method is the cancellation's
// or one given to WithPreempt, and reports whether it did.
func (c *Conn) preempt(req Request, batch *batchReply) bool {
	var (
		result any
		err    error
	)
	if cn := c.cfg.cancellation; cn.Method != "" && req.Method == cn.Method {
		id, reason, perr := cn.Parse(req.Params)
		if perr != nil {
			c.cfg.logger.Warn("conn: a cancellation that names no request", "method", req.Method, "err", perr)
			err = &Error{Code: CodeInvalidParams, Message: "Invalid params: " + perr.Error()}
		} else {
			c.cancelByPeer(id, reason)
		}
	} else if h, ok := c.cfg.preempt[req.Method]; ok {
		r := req
		result, err = c.invokePreempt(h, &r)
	} else {
		return false
	}
	if req.IsNotification() {
		return true
	}
	data, encErr := encodeValue(result)
	if err != nil || encErr != nil {
		if err == nil {
			err = encErr
		}
		c.sendError(req.ID, toError(err), batch)
		return true
	}
	c.reply(batch, appendResult(nil, req.ID, data))
	return true
}

// invokePreempt calls a preempting handler, turning a panic into -32603.
func (c *Conn) invokePreempt(h Handler, req *Request) (result any, err error) {
	defer func() {
		if p := recover(); p != nil {
			c.cfg.logger.Error("conn: handler panicked", "method", req.Method, "panic", p, "stack", string(debug.Stack()))
			result, err = nil, &Error{Code: CodeInternalError, Message: fmt.Sprintf("handler panicked: %v", p)}
		}
	}()
	return h.ServeRPC(context.WithValue(c.ctx, inboundKey{}, c), req)
}

// cancelByPeer cancels the request with id, if it is in flight: its
// handler's context ends with cause a -32800 *Error that gives the reason.
// One still queued never runs and is answered -32800 at once (nothing,
// under a Silent cancellation); one running is answered when its handler
// returns (see finish). Unknown ids are ignored: the request may have
// finished already.
func (c *Conn) cancelByPeer(id ID, reason string) {
	cause := &Error{Code: CodeRequestCancelled, Message: "Request cancelled"}
	if reason != "" {
		cause.Message += ": " + reason
	}
	c.mu.Lock()
	in := c.s.inflight[id.key()]
	if in == nil || in.peerCancelled {
		c.mu.Unlock()
		return
	}
	in.peerCancelled = true
	if in.started {
		c.mu.Unlock()
		in.end(cause)
		return
	}
	delete(c.s.inflight, in.key) // startableLocked drops it from the queue
	c.mu.Unlock()
	in.end(cause)
	var reply []byte
	if !c.cfg.cancellation.Silent {
		reply = appendError(nil, in.req.ID, cause)
	}
	c.reply(in.batch, reply)
}

// cancelCall tells the peer that our call with id is abandoned, if the
// cancellation protocol sends anything.
func (c *Conn) cancelCall(id int64, cause error) {
	cn := c.cfg.cancellation
	if cn.Method == "" || cn.Params == nil {
		return
	}
	p, err := encodeParams(cn.Params(Int64ID(id), cause.Error()))
	if err != nil {
		c.cfg.logger.Error("conn: cannot encode a cancellation", "err", err)
		return
	}
	c.send(appendRequest(nil, ID{}, cn.Method, p), false)
}

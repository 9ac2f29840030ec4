package httprpc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync/atomic"

	"github.com/lspkit/lspkit/conn"
)

// maxResponseSize bounds the reply a Client reads (64 MiB, conn's default
// message limit).
const maxResponseSize = 64 << 20

// Client calls a JSON-RPC server over HTTP: each Call, Notify or Batch is
// one POST. Its methods mirror conn.Conn's and are safe for concurrent
// use; a call's context bounds its HTTP request.
type Client struct {
	url    string
	hc     *http.Client
	header http.Header
	nextID atomic.Int64
}

// ClientOption configures a Client.
type ClientOption func(*Client)

// WithHTTPClient sets the http.Client the Client posts with (default
// http.DefaultClient).
func WithHTTPClient(hc *http.Client) ClientOption { return func(c *Client) { c.hc = hc } }

// WithHeader adds headers to every request, such as Authorization.
func WithHeader(h http.Header) ClientOption {
	return func(c *Client) {
		for k, vs := range h {
			for _, v := range vs {
				c.header.Add(k, v)
			}
		}
	}
}

// NewClient returns a Client that posts to url.
func NewClient(url string, opts ...ClientOption) *Client {
	c := &Client{url: url, hc: http.DefaultClient, header: make(http.Header)}
	for _, o := range opts {
		o(c)
	}
	return c
}

// HTTPError is an HTTP response that carries no JSON-RPC reply: a proxy's
// error page, a 404 for a wrong URL, a 502.
type HTTPError struct {
	StatusCode int    // e.g. 502
	Status     string // e.g. "502 Bad Gateway"
	Body       string // the start of the body
}

// Error returns the status and the start of the body.
func (e *HTTPError) Error() string {
	if e.Body == "" {
		return "HTTP " + e.Status
	}
	return fmt.Sprintf("HTTP %s: %s", e.Status, e.Body)
}

// Call sends a request and waits for its reply, whose result is decoded
// into result (a pointer, or nil to discard it; a *json.RawMessage
// receives the raw bytes). An error reply comes back as an error wrapping
// a *conn.Error, which errors.As finds.
func (c *Client) Call(ctx context.Context, method string, params, result any) error {
	id := c.nextID.Add(1)
	body, err := appendRequest(nil, id, method, params)
	if err != nil {
		return fmt.Errorf("httprpc: call %q: %w", method, err)
	}
	reply, err := c.post(ctx, body)
	if err != nil {
		return fmt.Errorf("httprpc: call %q: %w", method, err)
	}
	if len(reply) == 0 {
		return fmt.Errorf("httprpc: call %q: the server sent no reply", method)
	}
	var r response
	if err := json.Unmarshal(reply, &r); err != nil {
		return fmt.Errorf("httprpc: call %q: decoding the reply: %w", method, err)
	}
	if err := r.err(); err != nil {
		return fmt.Errorf("httprpc: call %q: %w", method, err)
	}
	if err := decodeResult(r.Result, result); err != nil {
		return fmt.Errorf("httprpc: call %q: decoding the result: %w", method, err)
	}
	return nil
}

// Notify sends a notification. It returns once the server has handled it
// (HTTP answers when it has), or with the error the server refused it
// with.
func (c *Client) Notify(ctx context.Context, method string, params any) error {
	body, err := appendRequest(nil, 0, method, params)
	if err != nil {
		return fmt.Errorf("httprpc: notify %q: %w", method, err)
	}
	reply, err := c.post(ctx, body)
	if err != nil {
		return fmt.Errorf("httprpc: notify %q: %w", method, err)
	}
	if len(bytes.TrimSpace(reply)) > 0 { // a refusal: a guard, a parse error
		var r response
		if json.Unmarshal(reply, &r) == nil && r.Error != nil {
			return fmt.Errorf("httprpc: notify %q: %w", method, r.Error)
		}
	}
	return nil
}

// Batch sends calls as one JSON-RPC batch in one POST and sets each call's
// Result and Err, as conn.Conn.Batch does. Batch itself returns an error
// only if the batch could not be sent, ctx ended first, or the server
// refused the batch as a whole (then the error wraps its *conn.Error).
func (c *Client) Batch(ctx context.Context, calls []*conn.BatchCall) error {
	if len(calls) == 0 {
		return errors.New("httprpc: empty batch")
	}
	body := []byte{'['}
	ids := make(map[int64]*conn.BatchCall, len(calls))
	for i, bc := range calls {
		if i > 0 {
			body = append(body, ',')
		}
		var id int64
		if !bc.Notify {
			id = c.nextID.Add(1)
			ids[id] = bc
		}
		var err error
		if body, err = appendRequest(body, id, bc.Method, bc.Params); err != nil {
			return fmt.Errorf("httprpc: batch call %d (%q): %w", i, bc.Method, err)
		}
	}
	body = append(body, ']')
	reply, err := c.post(ctx, body)
	if err != nil {
		return fmt.Errorf("httprpc: batch: %w", err)
	}
	if len(ids) == 0 {
		return nil
	}
	var rs []response
	if err := json.Unmarshal(reply, &rs); err != nil {
		var r response
		if json.Unmarshal(reply, &r) == nil && r.Error != nil {
			return fmt.Errorf("httprpc: batch: %w", r.Error)
		}
		return fmt.Errorf("httprpc: batch: decoding the reply: %w", err)
	}
	for _, r := range rs {
		id, err := strconv.ParseInt(string(r.ID), 10, 64)
		bc := ids[id]
		if err != nil || bc == nil {
			continue // not one of ours
		}
		delete(ids, id)
		if bc.Err = r.err(); bc.Err == nil {
			bc.Err = decodeResult(r.Result, bc.Result)
		}
	}
	for _, bc := range ids {
		bc.Err = errors.New("httprpc: the batch reply has no reply to this call")
	}
	return nil
}

// post sends body and returns the reply body: empty for 204, and the body
// of any response that holds JSON (an error reply may come with any
// status). Other responses become an *HTTPError.
func (c *Client) post(ctx context.Context, body []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	for k, vs := range c.header {
		req.Header[k] = append([]string(nil), vs...)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	reply, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseSize+1))
	if err != nil {
		return nil, fmt.Errorf("reading the reply: %w", err)
	}
	if len(reply) > maxResponseSize {
		return nil, fmt.Errorf("reply over %d bytes", maxResponseSize)
	}
	if resp.StatusCode == http.StatusNoContent {
		return nil, nil
	}
	if isJSON(resp.Header.Get("Content-Type")) && json.Valid(reply) {
		return reply, nil
	}
	if resp.StatusCode/100 == 2 && len(bytes.TrimSpace(reply)) == 0 {
		return nil, nil
	}
	he := &HTTPError{StatusCode: resp.StatusCode, Status: resp.Status, Body: truncate(bytes.TrimSpace(reply))}
	return nil, he
}

// response is a reply as it comes.
type response struct {
	ID     json.RawMessage `json:"id"`
	Result json.RawMessage `json:"result"`
	Error  *conn.Error     `json:"error"`
}

func (r *response) err() error {
	if r.Error != nil {
		return r.Error
	}
	if r.Result == nil {
		return errors.New("the reply has neither result nor error")
	}
	return nil
}

// appendRequest appends a request (id > 0) or a notification (id 0).
func appendRequest(dst []byte, id int64, method string, params any) ([]byte, error) {
	m, err := json.Marshal(method)
	if err != nil {
		return dst, err
	}
	dst = append(dst, `{"jsonrpc":"2.0","method":`...)
	dst = append(dst, m...)
	if params != nil {
		p, err := json.Marshal(params)
		if err != nil {
			return dst, err
		}
		switch t := bytes.TrimSpace(p); {
		case len(t) > 0 && (t[0] == '{' || t[0] == '['):
			dst = append(dst, `,"params":`...)
			dst = append(dst, p...)
		case string(t) == "null":
		default:
			return dst, fmt.Errorf("params must encode to a JSON object or array, not %.20s", t)
		}
	}
	if id != 0 {
		dst = append(dst, `,"id":`...)
		dst = strconv.AppendInt(dst, id, 10)
	}
	return append(dst, '}'), nil
}

// decodeResult decodes a result into v, which may be nil.
func decodeResult(raw json.RawMessage, v any) error {
	switch v := v.(type) {
	case nil:
		return nil
	case *json.RawMessage:
		*v = raw
		return nil
	}
	return json.Unmarshal(raw, v)
}

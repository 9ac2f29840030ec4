package conn

import (
	"encoding/json"
	"errors"
	"fmt"
)

// Error codes defined by JSON-RPC 2.0, and the two that the Language Server
// Protocol adds for cancellation, which this package implements itself.
const (
	CodeParseError     = -32700 // invalid JSON was received
	CodeInvalidRequest = -32600 // the JSON is not a valid request object
	CodeMethodNotFound = -32601 // the method does not exist or is not available
	CodeInvalidParams  = -32602 // invalid method parameters
	CodeInternalError  = -32603 // internal JSON-RPC error, or a handler failure

	// CodeRequestCancelled answers a request that the client cancelled
	// with $/cancelRequest (LSP).
	CodeRequestCancelled = -32800
	// CodeContentModified answers a request whose input changed while it ran
	// (LSP).
	CodeContentModified = -32801
)

// ErrClosed is wrapped by every error that reports a connection that has
// ended: calls pending when it ended, and calls made after.
var ErrClosed = errors.New("conn: connection closed")

// Error is a JSON-RPC error object. A handler that returns an *Error (or an
// error wrapping one) sends it to the peer as it is; a call whose peer
// answers with an error returns an error wrapping an *Error, which
// errors.As finds.
type Error struct {
	// Code says what kind of error it is; see the Code constants.
	Code int64 `json:"code"`
	// Message is a short, human-readable description.
	Message string `json:"message"`
	// Data is optional extra information, as raw JSON.
	Data json.RawMessage `json:"data,omitempty"`
}

// NewError returns an *Error with the given code and message.
func NewError(code int64, message string) *Error {
	return &Error{Code: code, Message: message}
}

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code int64, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// WithData returns a copy of e whose Data is v encoded as JSON. If v cannot
// be encoded, Data holds the encoding error as a string.
func (e *Error) WithData(v any) *Error {
	c := *e
	data, err := json.Marshal(v)
	if err != nil {
		data, _ = json.Marshal(err.Error())
	}
	c.Data = data
	return &c
}

// Error returns the message and the code.
func (e *Error) Error() string {
	return fmt.Sprintf("%s (code %d)", e.Message, e.Code)
}

// Is reports whether target is an *Error with the same code, so that
// errors.Is(err, conn.NewError(conn.CodeRequestCancelled, "")) tests a code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// The errors the connection itself sends.
var (
	errParse         = &Error{Code: CodeParseError, Message: "Parse error"}
	errMethodMissing = &Error{Code: CodeMethodNotFound, Message: "Method not found"}
	errCancelled     = &Error{Code: CodeRequestCancelled, Message: "Request cancelled"}
)

// invalidRequest returns a -32600 error that says what was wrong.
func invalidRequest(why string) *Error {
	return &Error{Code: CodeInvalidRequest, Message: "Invalid Request: " + why}
}

// methodNotFound returns a -32601 error that names the method.
func methodNotFound(method string) *Error {
	e := *errMethodMissing
	e.Message = fmt.Sprintf("Method not found: %q", method)
	return &e
}

// toError turns whatever a handler returned into the error object to send.
func toError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		if e == nil {
			// A nil *Error returned as an error interface is not nil: the
			// handler failed, but there is nothing to send, and its Error
			// method would dereference nil.
			return &Error{Code: CodeInternalError, Message: "handler returned a nil *conn.Error as its error"}
		}
		return e
	}
	return &Error{Code: CodeInternalError, Message: err.Error()}
}

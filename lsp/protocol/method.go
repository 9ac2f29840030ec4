package protocol

// Direction tells which side of a connection sends a message.
type Direction uint8

// The directions, from the meta model's messageDirection.
const (
	ClientToServer Direction = iota + 1
	ServerToClient
	Both
)

// String returns the meta model's name of d: "clientToServer",
// "serverToClient" or "both".
func (d Direction) String() string {
	switch d {
	case ClientToServer:
		return "clientToServer"
	case ServerToClient:
		return "serverToClient"
	case Both:
		return "both"
	}
	return "Direction(?)"
}

// MethodInfo describes an LSP request or notification; [Methods] has one
// per method of the protocol.
//
// Type fields hold the Go type as written in this package, e.g.
// "HoverParams", "*Hover" (a result that may be null) or "[]TextEdit"
// (nil is written as null), and are empty when there is no such type.
type MethodInfo struct {
	Method       string    // e.g. "textDocument/hover"
	Notification bool      // a notification, not a request
	Direction    Direction // who sends it

	Params              string // type of the params; "" if it takes none
	Result              string // type of the result; "" for notifications and null results
	PartialResult       string // type of partial results sent with $/progress; "" if none
	ErrorData           string // type of the data of an error response; "" if unspecified
	RegistrationOptions string // type of the options of client/registerCapability; "" if not registrable

	// RegistrationMethod is the method to register dynamically, when it
	// is not Method (e.g. "textDocument/semanticTokens" for the three
	// semantic token requests).
	RegistrationMethod string

	// ClientCapability is the property path of the client capability
	// announcing support, e.g. "textDocument.hover"; "" if none.
	ClientCapability string
	// ServerCapability is the property path of the server capability
	// announcing support, e.g. "hoverProvider"; "" if none.
	ServerCapability string

	// NewParams returns a pointer to a new zero value of the Params type,
	// to decode into; it is nil if Params is "".
	NewParams func() any
	// NewResult returns a pointer to a new zero value of the Result type,
	// to decode into (a **Hover for "*Hover"); it is nil if Result is "".
	NewResult func() any
}

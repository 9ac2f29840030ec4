// Package protocol defines the Go types of the Language Server Protocol
// (LSP) 3.18: a type for every structure, enumeration and type alias of
// the LSP meta model, a constant for every method, and [Methods], which
// describes every request and notification. With encoding/json, the types
// read and write exactly the JSON of the specification.
//
// The *_gen.go files are generated from the meta model in
// testdata/lsp-metamodel by lsp/internal/cmd/protocolgen; after updating
// the model, run
//
//	go generate ./lsp/protocol/...
//
// # Names
//
// Types keep their LSP names: [Hover], [HoverParams], [Position], [Range].
// Properties become fields named in Go style, with initialisms in
// capitals ([DocumentURI], [WorkspaceFolder].URI, [InitializeParams].ProcessID),
// and JSON tags keep the wire names exactly.
//
// Enumeration constants are the type's name followed by the entry's:
// [TextDocumentSyncKindFull], [MarkupKindMarkdown], [CodeActionKindQuickFix].
// Method constants are "Method" followed by the method's path:
// [MethodTextDocumentHover] is "textDocument/hover", [MethodInitialize]
// "initialize", [MethodCancelRequest] "$/cancelRequest".
//
// Types the model leaves anonymous are named after where they occur:
//
//   - the type of property p of structure S is S followed by P:
//     [HoverContents] for Hover.contents, [ServerCapabilitiesHoverProvider];
//   - the elements (or map values) of such a property take the singular,
//     or Item: [TextDocumentEditEdit] for the elements of TextDocumentEdit.edits;
//   - the parts of a request or notification are named after its type
//     name without "Request" or "Notification": [DefinitionResult],
//     [DefinitionPartialResult], [ColorPresentationRegistrationOptions].
//
// The few exceptions are listed in the table in
// lsp/internal/cmd/protocolgen/names.go, for example [DocumentChange] for
// the elements of WorkspaceEdit.documentChanges and [InitializeParamsBase]
// for the model's _InitializeParams.
//
// Structures are flat: the properties of the structures a structure
// extends or mixes in are copied into it, so composite literals need no
// nesting:
//
//	params := protocol.HoverParams{TextDocument: doc, Position: pos}
//
// # Optional and nullable properties
//
// The Go type of a property, and whether it is written, depend on its
// declaration:
//
//	declaration   Go field                       written
//	-----------   ----------------------------   ------------------------------
//	p: T          T                              always
//	p: T | null   *T, or T if it has nil¹        always, nil as null
//	p?: T         *T for numbers, structures,    unless nil
//	                or-types and tuples
//	              T for strings, booleans and    unless the zero value
//	                their named types (enums)
//	              T if it has nil¹               unless nil (an empty slice as [])
//	p?: T | null  Nullable[T]                    unless absent
//
//	¹ slices, maps and LSPAny
//
// So an optional number keeps 0 apart from absent (VersionedTextDocumentIdentifier
// version 0, TextDocumentSyncKindNone), whereas an optional string or
// boolean cannot be written as "" or false: in LSP these mean the same as
// absent. The exception is SemanticTokensClientCapabilities.AugmentsSyntaxTokens,
// a *bool because the specification gives false and absent different
// meanings. Go 1.26's new(expr) makes pointers short to write:
//
//	ident := protocol.OptionalVersionedTextDocumentIdentifier{URI: uri, Version: new(int32(0))}
//
// A nil slice in a required array property is written as null, which the
// specification only allows where it says "| null": use an empty slice.
//
// Results may be null in the same way: the Go type of "Hover | null" is
// *Hover; [MethodInfo].Result shows it for every request.
//
// # Or-types
//
// A type "A | B" is a struct whose field Value holds an A or a B: exactly
// one of the variant types its documentation lists, as a value, not a
// pointer. For each variant there is a constructor and an accessor:
//
//	contents := protocol.NewHoverContentsMarkupContent(protocol.MarkupContent{Kind: protocol.MarkupKindMarkdown, Value: text})
//	if mc, ok := contents.AsMarkupContent(); ok { ... }
//
// and a type switch on Value handles all variants. MarshalJSON fails if
// Value holds anything else; beware that an untyped constant has a default
// type: ProgressToken{Value: 1} holds an int, not an int32, so prefer the
// constructors, here NewProgressTokenInt32(1).
//
// UnmarshalJSON decides which variant the JSON is: by JSON kind (string,
// number, boolean, array, object) first, then by the properties an object
// must have and the literal values it must hold (CreateFile has "kind":
// "create"), checked all the way down. If several variants fit, it takes
// the one that leaves the fewest properties present undeclared, at any
// depth, and the first one on a tie. JSON that fits no variant is rejected
// with a *json.UnmarshalTypeError, and so is null.
//
// "T | null" is not an or-type but a nullable T (see above). An or-type that
// may be null is held by pointer, e.g. the result *DefinitionResult. A
// variant that is an or-type itself, such as MarkedString in HoverContents,
// is held as that type.
//
// # Enumerations
//
// Enumerations are defined string or integer types, such as
// TextDocumentSyncKind (uint32) and MarkupKind (string). Values the
// package does not know decode without error and are written back
// unchanged: later protocol versions add values, and some enumerations
// (CodeActionKind, SemanticTokenTypes) allow custom ones.
//
// # LSPAny
//
// [LSPAny] is [encoding/json.RawMessage]: the JSON exactly as sent. Null
// stays null, numbers keep their every digit (no rounding through
// float64), and the receiver, which knows what to expect, decodes it into
// its own type with json.Unmarshal: for instance the data a server put
// into a completion item, or initializationOptions. A nil LSPAny is
// omitted where optional and written as null where required.
// [LSPObject] and [LSPArray] are a map and a slice of LSPAny.
//
// # Literal properties
//
// A property whose type is a literal, like CreateFile.kind, which is
// always "create", is a plain field tagged with its value; the struct's
// MarshalJSON writes the value whatever the field holds.
//
// # Methods
//
// [Methods] maps each method name to a [MethodInfo]: request or
// notification, direction, the Go types of params, result, partial
// result, error data and registration options, the registration method
// and capability paths, and functions that allocate params and results
// to decode into.
package protocol

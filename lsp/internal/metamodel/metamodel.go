// Package metamodel loads the Language Server Protocol meta model: the
// machine-readable description of LSP that Microsoft publishes with each
// protocol version (metaModel.json, whose format metaModel.schema.json
// describes).
//
// The Go types mirror the schema one to one, so the schema's documentation
// applies; the only liberty taken is that every kind of type expression is
// one Go type, [Type], discriminated by [Type.Kind]. Load and Parse reject
// input with unknown properties or kinds and unresolved references, so a
// generator fed a newer model fails loudly instead of silently dropping
// something.
//
// Code generators walk the Model's slices and use [Model.Structure],
// [Model.Enumeration] and [Model.TypeAlias] to resolve references,
// [Model.Properties] for the flattened property list of a structure and
// [Type.WithoutNull] to split a nullable type into its parts.
package metamodel

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// Model is a whole meta model.
type Model struct {
	MetaData      MetaData        `json:"metaData"`      // the protocol version
	Requests      []*Request      `json:"requests"`      // in the model's order, as all slices
	Notifications []*Notification `json:"notifications"` // notifications
	Structures    []*Structure    `json:"structures"`    // named object types
	Enumerations  []*Enumeration  `json:"enumerations"`  // named sets of constants
	TypeAliases   []*TypeAlias    `json:"typeAliases"`   // named type expressions

	// Indexes by name, built by Parse.
	structures   map[string]*Structure
	enumerations map[string]*Enumeration
	typeAliases  map[string]*TypeAlias
}

// MetaData describes the model itself.
type MetaData struct {
	Version string `json:"version"` // protocol version, e.g. "3.18.0"
}

// Doc holds the documentation and life-cycle information that every
// named element of the model may carry.
type Doc struct {
	Documentation string   `json:"documentation,omitempty"` // TSDoc text, may contain {@link ...} and @tags
	Since         string   `json:"since,omitempty"`         // protocol version that introduced the element
	SinceTags     []string `json:"sinceTags,omitempty"`     // all @since tags, if there were several
	Proposed      bool     `json:"proposed,omitempty"`      // not final yet
	Deprecated    string   `json:"deprecated,omitempty"`    // deprecation message; "" if not deprecated
}

// MessageDirection tells which side sends a request or notification.
type MessageDirection string

// The message directions.
const (
	ClientToServer MessageDirection = "clientToServer"
	ServerToClient MessageDirection = "serverToClient"
	Both           MessageDirection = "both"
)

// Request is an LSP request.
type Request struct {
	Method              string           `json:"method"`                        // e.g. "textDocument/hover"
	TypeName            string           `json:"typeName,omitempty"`            // e.g. "HoverRequest"
	Params              *Type            `json:"params,omitempty"`              // nil if none; positional params are a tuple
	Result              *Type            `json:"result"`                        // may be or include null
	PartialResult       *Type            `json:"partialResult,omitempty"`       // nil if no partial results
	ErrorData           *Type            `json:"errorData,omitempty"`           // data of error responses
	RegistrationMethod  string           `json:"registrationMethod,omitempty"`  // if different from Method
	RegistrationOptions *Type            `json:"registrationOptions,omitempty"` // nil if not registrable
	MessageDirection    MessageDirection `json:"messageDirection"`              // who sends it
	ClientCapability    string           `json:"clientCapability,omitempty"`    // property path, e.g. "textDocument.hover"
	ServerCapability    string           `json:"serverCapability,omitempty"`    // property path, e.g. "hoverProvider"
	Doc
}

// Notification is an LSP notification.
type Notification struct {
	Method              string           `json:"method"`                        // e.g. "textDocument/didOpen"
	TypeName            string           `json:"typeName,omitempty"`            // e.g. "DidOpenTextDocumentNotification"
	Params              *Type            `json:"params,omitempty"`              // nil if none; positional params are a tuple
	RegistrationMethod  string           `json:"registrationMethod,omitempty"`  // if different from Method
	RegistrationOptions *Type            `json:"registrationOptions,omitempty"` // nil if not registrable
	MessageDirection    MessageDirection `json:"messageDirection"`              // who sends it
	ClientCapability    string           `json:"clientCapability,omitempty"`    // property path
	ServerCapability    string           `json:"serverCapability,omitempty"`    // property path
	Doc
}

// Structure is a named object type. It has the properties of the
// structures in Extends and Mixins too; [Model.Properties] lists them all.
type Structure struct {
	Name       string      `json:"name"`              // e.g. "Hover"
	Extends    []*Type     `json:"extends,omitempty"` // references to structures (a type hierarchy)
	Mixins     []*Type     `json:"mixins,omitempty"`  // references to structures (copied properties)
	Properties []*Property `json:"properties"`        // its own properties
	Doc
}

// StructureLiteral is an anonymous object type (the value of a literal [Type]).
type StructureLiteral struct {
	Properties []*Property `json:"properties"` // all its properties
	Doc
}

// Property is a property of a structure or structure literal.
type Property struct {
	Name     string `json:"name"`               // the JSON name
	Type     *Type  `json:"type"`               // its type
	Optional bool   `json:"optional,omitempty"` // may be absent ("name?: type")
	Doc
}

// Enumeration is a named set of string or integer constants.
type Enumeration struct {
	Name   string              `json:"name"`   // e.g. "SymbolKind"
	Type   *Type               `json:"type"`   // base type string, integer or uinteger
	Values []*EnumerationEntry `json:"values"` // the known values
	// SupportsCustomValues reports whether values outside Values are
	// valid. Receivers should tolerate unknown values regardless, since
	// later protocol versions add values.
	SupportsCustomValues bool `json:"supportsCustomValues,omitempty"`
	Doc
}

// EnumerationEntry is one constant of an enumeration.
type EnumerationEntry struct {
	Name  string `json:"name"`  // e.g. "File"
	Value any    `json:"value"` // string or int64, following the enumeration's type
	Doc
}

// UnmarshalJSON reads Value as a string or an int64.
func (e *EnumerationEntry) UnmarshalJSON(data []byte) error {
	type plain EnumerationEntry
	var raw struct {
		plain
		Value json.RawMessage `json:"value"`
	}
	if err := decodeStrict(data, &raw); err != nil {
		return err
	}
	*e = EnumerationEntry(raw.plain)
	if len(raw.Value) > 0 && raw.Value[0] == '"' {
		var s string
		err := json.Unmarshal(raw.Value, &s)
		e.Value = s
		return err
	}
	var n int64
	err := json.Unmarshal(raw.Value, &n)
	e.Value = n
	return err
}

// TypeAlias is a named type expression, e.g. Definition = Location | Location[].
type TypeAlias struct {
	Name string `json:"name"` // e.g. "Definition"
	Type *Type  `json:"type"` // the aliased type
	Doc
}

// TypeKind is the kind of a type expression.
type TypeKind string

// The type kinds.
const (
	Base           TypeKind = "base"           // Name is one of the Base* names
	Reference      TypeKind = "reference"      // Name is a structure, enumeration or type alias
	Array          TypeKind = "array"          // Element[]
	Map            TypeKind = "map"            // { [key: Key]: Value }
	And            TypeKind = "and"            // Items[0] & Items[1] & ...
	Or             TypeKind = "or"             // Items[0] | Items[1] | ...
	Tuple          TypeKind = "tuple"          // [Items[0], Items[1], ...]
	Literal        TypeKind = "literal"        // Literal, an anonymous structure
	StringLiteral  TypeKind = "stringLiteral"  // the string StringValue
	IntegerLiteral TypeKind = "integerLiteral" // the number IntegerValue
	BooleanLiteral TypeKind = "booleanLiteral" // the boolean BooleanValue
)

// The names of base types.
const (
	BaseURI         = "URI"
	BaseDocumentURI = "DocumentUri"
	BaseInteger     = "integer"  // 32-bit signed
	BaseUInteger    = "uinteger" // 32-bit unsigned
	BaseDecimal     = "decimal"
	BaseRegExp      = "RegExp"
	BaseString      = "string"
	BaseBoolean     = "boolean"
	BaseNull        = "null"
)

// Type is a type expression. Kind tells which other fields are set.
type Type struct {
	Kind         TypeKind          // which of the fields below are set
	Name         string            // Base, Reference
	Element      *Type             // Array
	Key, Value   *Type             // Map
	Items        []*Type           // And, Or, Tuple
	Literal      *StructureLiteral // Literal
	StringValue  string            // StringLiteral
	IntegerValue int64             // IntegerLiteral
	BooleanValue bool              // BooleanLiteral
}

// UnmarshalJSON decodes any kind of type expression. A JSON array (the
// form Request.Params and Notification.Params take for positional
// parameters) is read as a tuple type.
func (t *Type) UnmarshalJSON(data []byte) error {
	if data = bytes.TrimSpace(data); len(data) > 0 && data[0] == '[' {
		t.Kind = Tuple
		return json.Unmarshal(data, &t.Items)
	}
	var raw struct {
		Kind    TypeKind        `json:"kind"`
		Name    string          `json:"name"`
		Element *Type           `json:"element"`
		Key     *Type           `json:"key"`
		Items   []*Type         `json:"items"`
		Value   json.RawMessage `json:"value"` // map value type, literal structure or literal value
	}
	if err := decodeStrict(data, &raw); err != nil {
		return err
	}
	*t = Type{Kind: raw.Kind, Name: raw.Name, Element: raw.Element, Key: raw.Key, Items: raw.Items}
	var err error
	switch raw.Kind {
	case Base, Reference, Array, And, Or, Tuple:
	case Map:
		err = json.Unmarshal(raw.Value, &t.Value)
	case Literal:
		err = decodeStrict(raw.Value, &t.Literal)
	case StringLiteral:
		err = json.Unmarshal(raw.Value, &t.StringValue)
	case IntegerLiteral:
		err = json.Unmarshal(raw.Value, &t.IntegerValue)
	case BooleanLiteral:
		err = json.Unmarshal(raw.Value, &t.BooleanValue)
	default:
		err = fmt.Errorf("unknown type kind %q", raw.Kind)
	}
	return err
}

// IsNull reports whether t is the base type null.
func (t *Type) IsNull() bool { return t.Kind == Base && t.Name == BaseNull }

// WithoutNull splits a nullable type "T | null" into T and true. For an
// "or" of several non-null items it returns a new "or" of those items;
// for any other type it returns t and false.
func (t *Type) WithoutNull() (*Type, bool) {
	if t.Kind != Or {
		return t, false
	}
	var items []*Type
	for _, it := range t.Items {
		if !it.IsNull() {
			items = append(items, it)
		}
	}
	switch {
	case len(items) == len(t.Items):
		return t, false
	case len(items) == 1:
		return items[0], true
	default:
		return &Type{Kind: Or, Items: items}, true
	}
}

// String renders t in the TypeScript-like notation of the LSP
// specification, e.g. "Location | Location[] | null".
func (t *Type) String() string {
	switch t.Kind {
	case Base, Reference:
		return t.Name
	case Array:
		if k := t.Element.Kind; k == Or || k == And {
			return "(" + t.Element.String() + ")[]"
		}
		return t.Element.String() + "[]"
	case Map:
		return "{ [key: " + t.Key.String() + "]: " + t.Value.String() + " }"
	case And, Or:
		sep := map[TypeKind]string{And: " & ", Or: " | "}[t.Kind]
		return joinTypes(t.Items, sep)
	case Tuple:
		return "[" + joinTypes(t.Items, ", ") + "]"
	case Literal:
		var b strings.Builder
		b.WriteString("{")
		for i, p := range t.Literal.Properties {
			if i > 0 {
				b.WriteString(";")
			}
			opt := map[bool]string{true: "?"}[p.Optional]
			fmt.Fprintf(&b, " %s%s: %s", p.Name, opt, p.Type)
		}
		b.WriteString(" }")
		return b.String()
	case StringLiteral:
		return fmt.Sprintf("%q", t.StringValue)
	case IntegerLiteral:
		return fmt.Sprint(t.IntegerValue)
	case BooleanLiteral:
		return fmt.Sprint(t.BooleanValue)
	}
	return string(t.Kind)
}

func joinTypes(items []*Type, sep string) string {
	s := make([]string, len(items))
	for i, it := range items {
		s[i] = it.String()
		if k := it.Kind; k == Or || k == And {
			s[i] = "(" + s[i] + ")"
		}
	}
	return strings.Join(s, sep)
}

// Load reads and parses the meta model file at path.
func Load(path string) (*Model, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// Parse parses a meta model and checks that every reference resolves.
func Parse(data []byte) (*Model, error) {
	m := new(Model)
	if err := decodeStrict(data, m); err != nil {
		return nil, err
	}
	m.structures = index(m.Structures, func(s *Structure) string { return s.Name })
	m.enumerations = index(m.Enumerations, func(e *Enumeration) string { return e.Name })
	m.typeAliases = index(m.TypeAliases, func(a *TypeAlias) string { return a.Name })
	if err := m.check(); err != nil {
		return nil, err
	}
	return m, nil
}

// Structure returns the structure with the given name, or nil.
func (m *Model) Structure(name string) *Structure { return m.structures[name] }

// Enumeration returns the enumeration with the given name, or nil.
func (m *Model) Enumeration(name string) *Enumeration { return m.enumerations[name] }

// TypeAlias returns the type alias with the given name, or nil.
func (m *Model) TypeAlias(name string) *TypeAlias { return m.typeAliases[name] }

// Properties returns all properties of s, in the order: those of the
// structures it extends (recursively), its own, those of its mixins. A
// property declared again replaces the earlier one in place (CreateFile
// narrows the kind of ResourceOperation so), except that a mixin's
// property never replaces one.
func (m *Model) Properties(s *Structure) []*Property {
	var props []*Property
	at := map[string]int{}
	add := func(p *Property, replace bool) {
		if i, ok := at[p.Name]; ok {
			if replace {
				props[i] = p
			}
			return
		}
		at[p.Name] = len(props)
		props = append(props, p)
	}
	for _, t := range s.Extends {
		for _, p := range m.Properties(m.Structure(t.Name)) {
			add(p, true)
		}
	}
	for _, p := range s.Properties {
		add(p, true)
	}
	for _, t := range s.Mixins {
		for _, p := range m.Properties(m.Structure(t.Name)) {
			add(p, false)
		}
	}
	return props
}

// check verifies that every reference names a known type and that
// extends and mixins name structures.
func (m *Model) check() error {
	var errs []error
	var walk func(t *Type, where string)
	walk = func(t *Type, where string) {
		if t == nil {
			return
		}
		switch t.Kind {
		case Reference:
			if m.Structure(t.Name) == nil && m.Enumeration(t.Name) == nil && m.TypeAlias(t.Name) == nil {
				errs = append(errs, fmt.Errorf("%s: unknown type %q", where, t.Name))
			}
		case Literal:
			for _, p := range t.Literal.Properties {
				walk(p.Type, where+"."+p.Name)
			}
		}
		for _, sub := range append([]*Type{t.Element, t.Key, t.Value}, t.Items...) {
			walk(sub, where)
		}
	}
	for _, s := range m.Structures {
		for _, t := range append(append([]*Type{}, s.Extends...), s.Mixins...) {
			if t.Kind != Reference || m.Structure(t.Name) == nil {
				errs = append(errs, fmt.Errorf("%s: extends or mixes in %s, which is not a structure", s.Name, t))
			}
		}
		for _, p := range s.Properties {
			walk(p.Type, s.Name+"."+p.Name)
		}
	}
	for _, a := range m.TypeAliases {
		walk(a.Type, a.Name)
	}
	for _, e := range m.Enumerations {
		walk(e.Type, e.Name)
	}
	for _, r := range m.Requests {
		for _, t := range []*Type{r.Params, r.Result, r.PartialResult, r.ErrorData, r.RegistrationOptions} {
			walk(t, r.Method)
		}
	}
	for _, n := range m.Notifications {
		for _, t := range []*Type{n.Params, n.RegistrationOptions} {
			walk(t, n.Method)
		}
	}
	return errors.Join(errs...)
}

// decodeStrict decodes data into v, rejecting unknown properties so that
// additions to the meta model format are noticed.
func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("unexpected data after the JSON value")
	}
	return nil
}

func index[T any](items []T, name func(T) string) map[string]T {
	m := make(map[string]T, len(items))
	for _, it := range items {
		m[name(it)] = it
	}
	return m
}

package protocol

import (
	"encoding/json"
	"reflect"
)

// DocumentURI is the URI of a document (the meta model's base type
// DocumentUri), e.g. "file:///home/me/main.go". It is kept exactly as
// sent; in particular it is neither validated nor normalised.
type DocumentURI string

// URI is a URI that does not necessarily denote a document (the meta
// model's base type URI), e.g. a workspace folder or a link target. It is
// kept exactly as sent.
type URI string

// Nullable is the Go type of an optional property declared as "T | null".
// Such a property has three distinct states on the wire, which matter:
// for SignatureHelp.ActiveParameter, absent means 0 and null means none.
//
//   - absent: the zero Nullable (Value nil, Null false); fields of this
//     type are tagged omitzero, so it is not written;
//   - null: Null set and Value nil;
//   - a value: Value non-nil (Null is then ignored).
type Nullable[T any] struct {
	Value *T   // the value; nil if absent or null
	Null  bool // null rather than absent, if Value is nil
}

// IsZero reports whether n is absent. It makes omitzero omit n.
func (n Nullable[T]) IsZero() bool { return n.Value == nil && !n.Null }

// MarshalJSON writes *n.Value, or null if Value is nil.
func (n Nullable[T]) MarshalJSON() ([]byte, error) {
	if n.Value == nil {
		return []byte("null"), nil
	}
	return json.Marshal(n.Value)
}

// UnmarshalJSON reads null as Null and anything else as Value.
func (n *Nullable[T]) UnmarshalJSON(data []byte) error {
	if isNull(data) {
		*n = Nullable[T]{Null: true}
		return nil
	}
	v := new(T)
	if err := json.Unmarshal(data, v); err != nil {
		return err
	}
	*n = Nullable[T]{Value: v}
	return nil
}

// nullableElem tells the or-type decoder (see ortype.go) about T.
func (Nullable[T]) nullableElem() reflect.Type { return reflect.TypeFor[T]() }

package protocol

// This file holds the run-time part of or-types (see "Or-types" in the
// package documentation): MarshalJSON checks that Value holds a variant,
// UnmarshalJSON decides which variant the JSON is.
//
// Deciding is done on the Go types: a generated struct field is required
// exactly when its json tag has neither omitempty nor omitzero, and a
// `literal:"..."` tag gives the value of a literal-typed property (such as
// CreateFile.Kind). So the generated code only lists each or-type's
// variants, and the rules below apply to all of them alike.

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"sync"
)

// An orType is a generated or-type: a struct whose Value holds one of
// the types orVariants returns.
type orType interface {
	orVariants() []reflect.Type
}

// marshalOr implements MarshalJSON for or-type x holding value.
func marshalOr(x orType, value any) ([]byte, error) {
	t := reflect.TypeOf(value)
	for _, v := range x.orVariants() {
		if v == t {
			return json.Marshal(value)
		}
	}
	if value == nil {
		return nil, fmt.Errorf("protocol: %T holds no value", x)
	}
	return nil, fmt.Errorf("protocol: %T cannot hold a %T", x, value)
}

// unmarshalOr implements UnmarshalJSON for or-type x (a pointer), whose
// Value is *value: it decodes data as the variant data fits best.
//
// Data fits a variant when it has the variant's JSON kind (string,
// number, boolean, array, object) and, all the way down, every required
// property, only literal properties of the right value, integers in range,
// tuples of the right length, and array elements, map values and
// properties that fit in turn. Among the variants data fits, the best is
// the one for which data has the fewest properties, at any depth, that
// the variant does not declare (so {"range", "newText", "annotationId"}
// is an AnnotatedTextEdit, not a TextEdit), and the first one on a tie.
// Unknown properties are otherwise allowed, since later protocol versions
// add properties. Null never fits: an or-type that may be null is held by
// pointer, and encoding/json handles null for that.
func unmarshalOr(data []byte, x orType, value *any) error {
	if s := skipSpace(data); !isNull(s) {
		if i := bestVariant(s, x.orVariants()); i >= 0 {
			v := reflect.New(x.orVariants()[i])
			if err := json.Unmarshal(data, v.Interface()); err != nil {
				return err
			}
			*value = v.Elem().Interface()
			return nil
		}
	}
	// UnmarshalTypeError lets encoding/json add the enclosing struct field.
	return &json.UnmarshalTypeError{Value: describe(data), Type: reflect.TypeOf(x).Elem()}
}

// bestVariant returns the index of the variant that the JSON value at
// the start of data fits best, or -1.
func bestVariant(data []byte, variants []reflect.Type) int {
	best, bestExtra := -1, 0
	for i, t := range variants {
		if _, extra, ok := fit(data, t); ok && (best < 0 || extra < bestExtra) {
			best, bestExtra = i, extra
		}
	}
	return best
}

// fit reports whether the JSON value at the start of data fits Go type t
// and, if so, returns the data after it and how many properties in the
// value, at any depth, t does not declare. It reads data in one pass and
// fails rather than panics on malformed JSON.
func fit(data []byte, t reflect.Type) (rest []byte, extra int, ok bool) {
	data = skipSpace(data)
	if len(data) == 0 {
		return nil, 0, false
	}
	info := infoOf(t)
	switch {
	case info.any:
		rest, ok = skipValue(data)
		return rest, 0, ok
	case info.variants != nil:
		if i := bestVariant(data, info.variants); i >= 0 {
			return fit(data, info.variants[i])
		}
		return nil, 0, false
	case info.nullable != nil:
		if isNull(data) {
			return data[4:], 0, true
		}
		return fit(data, info.nullable)
	}
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Map:
		if isNull(data) {
			return data[4:], 0, true // nil, as for encoding/json
		}
	}
	switch t.Kind() {
	case reflect.Pointer:
		return fit(data, t.Elem())
	case reflect.String:
		if data[0] != '"' {
			return nil, 0, false
		}
		rest, ok = skipString(data)
		return rest, 0, ok
	case reflect.Bool:
		for _, lit := range []string{"true", "false"} {
			if strings.HasPrefix(string(data), lit) {
				return data[len(lit):], 0, true
			}
		}
		return nil, 0, false
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		tok, rest := scanLiteral(data)
		return rest, 0, fitNumber(tok, t)
	case reflect.Slice, reflect.Array:
		n := 0
		rest, ok = eachElement(data, func(elem []byte) ([]byte, bool) {
			n++
			rest, e, ok := fit(elem, t.Elem())
			extra += e
			return rest, ok
		})
		return rest, extra, ok && (t.Kind() == reflect.Slice || n == t.Len())
	case reflect.Map:
		rest, ok = eachMember(data, func(_, value []byte) ([]byte, bool) {
			rest, e, ok := fit(value, t.Elem())
			extra += e
			return rest, ok
		})
		return rest, extra, ok
	case reflect.Struct:
		return fitStruct(data, info)
	}
	return nil, 0, false
}

// fitStruct is fit for a generated structure.
func fitStruct(data []byte, info *typeInfo) (rest []byte, extra int, ok bool) {
	var seenBuf [64]bool // required properties seen, by field index
	seen := seenBuf[:0]
	if len(info.fields) > len(seenBuf) {
		seen = make([]bool, len(info.fields))
	}
	seen = seen[:len(info.fields)]
	rest, ok = eachMember(data, func(name, value []byte) ([]byte, bool) {
		f, known := info.byName[string(name)]
		switch {
		case !known:
			extra++
			return skipValue(value)
		case isNull(value) && !f.required:
			return value[4:], true // a null optional property is absent, as for encoding/json
		case f.literal != "" && !literalIs(value, f.literal):
			return nil, false
		}
		seen[f.index] = true
		rest, e, ok := fit(value, f.typ)
		extra += e
		return rest, ok
	})
	if !ok {
		return nil, 0, false
	}
	for i, f := range info.fields {
		if f.required && !seen[i] {
			return nil, 0, false
		}
	}
	return rest, extra, true
}

// fitNumber reports whether tok is a JSON number that t can hold exactly:
// integers must be whole and in range.
func fitNumber(tok []byte, t reflect.Type) bool {
	if len(tok) == 0 || tok[0] != '-' && (tok[0] < '0' || tok[0] > '9') {
		return false
	}
	f, err := strconv.ParseFloat(string(tok), 64)
	if err != nil {
		return false
	}
	bits := t.Bits()
	switch t.Kind() {
	case reflect.Float32, reflect.Float64:
		return bits == 64 || math.Abs(f) <= math.MaxFloat32
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		limit := math.Ldexp(1, bits-1) // 2^(bits-1)
		return f == math.Trunc(f) && f >= -limit && f < limit
	default:
		return f == math.Trunc(f) && f >= 0 && f < math.Ldexp(1, bits)
	}
}

// literalIs reports whether the JSON value at the start of data equals
// literal, the value of a `literal` struct tag: a string, or the JSON
// text of a number or boolean.
func literalIs(data []byte, literal string) bool {
	if len(data) > 0 && data[0] == '"' {
		s, _, ok := readString(data)
		return ok && string(s) == literal
	}
	tok, _ := scanLiteral(data)
	return string(tok) == literal
}

// typeInfo is what fit needs to know about a Go type beyond its Kind.
type typeInfo struct {
	any      bool                  // json.RawMessage (LSPAny) or an interface: anything fits
	variants []reflect.Type        // an or-type's variants
	nullable reflect.Type          // T of Nullable[T]
	fields   []*fieldInfo          // a struct's JSON fields
	byName   map[string]*fieldInfo // the same by JSON name
}

type fieldInfo struct {
	index    int
	typ      reflect.Type
	required bool   // no omitempty or omitzero
	literal  string // the `literal` tag: the only value allowed
}

type nullableValue interface{ nullableElem() reflect.Type }

var (
	typeInfos      sync.Map // reflect.Type → *typeInfo
	orTypeType     = reflect.TypeFor[orType]()
	nullableType   = reflect.TypeFor[nullableValue]()
	rawMessageType = reflect.TypeFor[json.RawMessage]()
)

func infoOf(t reflect.Type) *typeInfo {
	if info, ok := typeInfos.Load(t); ok {
		return info.(*typeInfo)
	}
	info := new(typeInfo)
	switch {
	case t == rawMessageType || t.Kind() == reflect.Interface:
		info.any = true
	case t.Kind() == reflect.Pointer:
		// Pointers to or-types also implement orType; fit handles them.
	case t.Implements(orTypeType):
		info.variants = reflect.Zero(t).Interface().(orType).orVariants()
	case t.Implements(nullableType):
		info.nullable = reflect.Zero(t).Interface().(nullableValue).nullableElem()
	case t.Kind() == reflect.Struct:
		// Generated structures are flat and tag every field.
		info.byName = map[string]*fieldInfo{}
		for i := range t.NumField() {
			f := t.Field(i)
			name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
			if !f.IsExported() || name == "" || name == "-" {
				continue
			}
			fi := &fieldInfo{
				index:    len(info.fields),
				typ:      f.Type,
				required: !strings.Contains(opts, "omitempty") && !strings.Contains(opts, "omitzero"),
				literal:  f.Tag.Get("literal"),
			}
			info.fields = append(info.fields, fi)
			info.byName[name] = fi
		}
	}
	info2, _ := typeInfos.LoadOrStore(t, info)
	return info2.(*typeInfo)
}

// describe names the JSON kind of data for error messages.
func describe(data []byte) string {
	data = skipSpace(data)
	if len(data) == 0 {
		return "nothing"
	}
	switch data[0] {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "bool"
	case 'n':
		return "null"
	}
	tok, _ := scanLiteral(data)
	return "number " + string(tok)
}

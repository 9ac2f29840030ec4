package conn

import (
	"bytes"
	"context"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
)

// This file is typed registration: handlers written as plain Go functions of
// their params, with the decoding — and the check that nothing required is
// missing — done once, here.

// Typed returns a Handler that decodes a request's params into P, calls fn
// and sends the result it returns:
//
//	type SubtractParams struct {
//		Minuend    float64  `json:"minuend"`
//		Subtrahend float64  `json:"subtrahend"`
//		Round      *bool    `json:"round"`             // optional: a pointer
//		Note       string   `json:"note,omitempty"`    // optional: omitempty
//		Unit       string   `json:"unit" conn:"optional"`
//	}
//	mux.Handle("subtract", conn.Typed(func(ctx context.Context, p SubtractParams) (float64, error) {
//		return p.Minuend - p.Subtrahend, nil
//	}))
//
// Params given by name (a JSON object) decode as encoding/json decodes
// them. Params given by position (a JSON array) fill a struct's exported
// fields in declaration order, or decode into a slice or array type. A P
// that is neither a struct nor a slice, map or interface takes an array of
// exactly one element. A P of json.RawMessage receives the params as they
// came.
//
// # Required fields
//
// A field of a struct — P, or any struct inside it — is required unless it
// says otherwise, so that a missing field is an error rather than a silent
// zero. A field is optional when
//
//   - its type is a pointer (absent and null both leave it nil), or
//   - its json tag has omitempty or omitzero (as for encoding), or
//   - it is tagged conn:"optional".
//
// conn:"required" makes a field required even when it is a pointer or
// omitempty (null is then accepted, as a pointer holds it: LSP's
// "processId: integer | null"). A required field given null is refused
// unless its type holds nil (a pointer, slice, map or interface) or decodes
// JSON itself (json.Unmarshaler, encoding.TextUnmarshaler). Types that
// decode themselves are not looked into. Params by position may stop
// before their optional trailing fields; absent params count as an empty
// object.
//
// A missing required field, too few or too many positional params, and
// params of the wrong shape or type get -32602 (CodeInvalidParams) with data
// that says what was wrong: {"error": "...", "field": "a.b[2].c"} names the
// field by its JSON path, and "position" the positional param. With
// DisallowUnknownFields, a member no field takes is refused the same way.
//
// # Validation
//
// If P, or *P, has a method Validate() error, it is called after decoding.
// An *Error it returns (or wraps) is sent as it is; any other error becomes
// -32602 with its text.
func Typed[P, R any](fn func(ctx context.Context, params P) (R, error), opts ...TypedOption) Handler {
	dec := newParamsDecoder[P](opts)
	return HandlerFunc(func(ctx context.Context, req *Request) (any, error) {
		p, err := dec.decode(req.Params)
		if err != nil {
			return nil, err
		}
		r, err := fn(ctx, p)
		if err != nil {
			return nil, err
		}
		return r, nil
	})
}

// TypedNotification returns a Handler that decodes a notification's params
// into P, by the same rules and options as Typed, and calls fn. A
// notification whose params do not fit is logged and dropped, as
// notifications are never answered.
func TypedNotification[P any](fn func(ctx context.Context, params P) error, opts ...TypedOption) Handler {
	dec := newParamsDecoder[P](opts)
	return HandlerFunc(func(ctx context.Context, req *Request) (any, error) {
		p, err := dec.decode(req.Params)
		if err != nil {
			return nil, err
		}
		return nil, fn(ctx, p)
	})
}

// TypedOption changes how Typed and TypedNotification decode params.
type TypedOption func(*typedConfig)

type typedConfig struct {
	disallowUnknown bool
}

// DisallowUnknownFields refuses params by name that hold a member no field
// takes, in P or in any struct inside it, with -32602 naming the member —
// as json.Decoder.DisallowUnknownFields does. Members are matched to
// fields as encoding/json matches them (an exact name first, then one that
// differs only in case). Without it, unknown members are ignored, which
// suits protocols that grow, such as LSP.
func DisallowUnknownFields() TypedOption {
	return func(c *typedConfig) { c.disallowUnknown = true }
}

// paramsDecoder decodes params into P by a plan made once from P's type.
type paramsDecoder[P any] struct {
	raw    bool       // P is json.RawMessage: no decoding at all
	ptr    bool       // P is a pointer to the type below
	top    *typePlan  // what to check in the params; nil: nothing
	fields []fieldRef // for a struct: the exported fields, in order, for positional params
	byPos  bool       // arrays fill fields (a struct)
	single bool       // arrays must hold exactly one element: P itself
	named  bool       // objects are accepted
}

// fieldRef is one positional param: a struct field and what to check in it.
type fieldRef struct {
	index int
	field *fieldPlan // nil for a field that no member name reaches (shadowed)
}

func newParamsDecoder[P any](opts []TypedOption) *paramsDecoder[P] {
	var cfg typedConfig
	for _, o := range opts {
		o(&cfg)
	}
	d := &paramsDecoder[P]{}
	t := reflect.TypeFor[P]()
	if t == reflect.TypeFor[json.RawMessage]() {
		d.raw = true
		return d
	}
	if t.Kind() == reflect.Pointer {
		d.ptr, t = true, t.Elem()
	}
	b := &planBuilder{cfg: cfg, plans: map[reflect.Type]*typePlan{}}
	d.top = b.plan(t)
	b.settle()
	if d.top != nil && !d.top.needs {
		d.top = nil
	}
	switch t.Kind() {
	case reflect.Struct:
		d.byPos, d.named = true, true
		var direct map[int]*fieldPlan // nil for a struct that decodes itself
		if p := b.plans[t]; p != nil {
			direct = p.st.direct
		}
		for i := range t.NumField() {
			f := t.Field(i)
			if f.IsExported() && f.Tag.Get("json") != "-" {
				d.fields = append(d.fields, fieldRef{index: i, field: direct[i]})
			}
		}
	case reflect.Map:
		d.named = true
	case reflect.Slice, reflect.Array:
	case reflect.Interface:
		d.named = true
	default:
		d.single = true
	}
	return d
}

// decode turns raw params into P, or returns a -32602 error.
func (d *paramsDecoder[P]) decode(raw json.RawMessage) (P, error) {
	if d.raw {
		return any(raw).(P), nil
	}
	var p P // declared after the raw case: reflect moves it to the heap
	v := reflect.ValueOf(&p).Elem()
	if d.ptr {
		v.Set(reflect.New(v.Type().Elem()))
		v = v.Elem()
	}
	if raw != nil {
		if err := d.fill(v, raw); err != nil {
			return p, err
		}
	} else if d.top != nil && d.top.st != nil {
		// Absent params are an empty object: required fields are missing.
		if err := d.top.check([]byte("{}"), ""); err != nil {
			return p, err
		}
	}
	if err := validate(&p); err != nil {
		var e *Error
		if errors.As(err, &e) && e != nil {
			return p, e
		}
		return p, invalidParams(err, nil)
	}
	return p, nil
}

// fill decodes raw params into v.
func (d *paramsDecoder[P]) fill(v reflect.Value, raw json.RawMessage) error {
	switch kindOf(raw[skipSpace(raw, 0):]) {
	case kindObject:
		if !d.named {
			return invalidParams(errors.New("params must be an array"), nil)
		}
		if d.top != nil {
			if err := d.top.check(raw, ""); err != nil {
				return err
			}
		}
		if err := json.Unmarshal(raw, v.Addr().Interface()); err != nil {
			return invalidParams(err, nil)
		}
		return nil
	case kindArray:
	default:
		return invalidParams(errors.New("params must be an object or an array"), nil)
	}
	switch {
	case d.byPos:
		elems, err := splitArray(raw)
		if err != nil {
			return invalidParams(err, nil)
		}
		if len(elems) > len(d.fields) {
			return invalidParams(fmt.Errorf("too many params: got %d, want at most %d", len(elems), len(d.fields)), nil)
		}
		for i, f := range d.fields[len(elems):] {
			if f.field != nil && f.field.required {
				pos := len(elems) + i
				return invalidParams(fmt.Errorf("missing required param %d (%q): got %d params", pos, f.field.name, len(elems)),
					map[string]any{"position": pos, "field": f.field.name})
			}
		}
		for i, e := range elems {
			f := d.fields[i]
			if f.field != nil {
				if err := f.field.checkValue(e, ""); err != nil {
					err.Data = addPosition(err.Data, i)
					return err
				}
			}
			if err := json.Unmarshal(e, v.Field(f.index).Addr().Interface()); err != nil {
				return invalidParams(err, map[string]any{"position": i, "field": jsonName(v.Type().Field(f.index))})
			}
		}
		return nil
	case d.single:
		elems, err := splitArray(raw)
		if err == nil && len(elems) != 1 {
			err = fmt.Errorf("want 1 param, got %d", len(elems))
		}
		if err == nil {
			err = json.Unmarshal(elems[0], v.Addr().Interface())
		}
		if err != nil {
			return invalidParams(err, nil)
		}
		return nil
	}
	if d.top != nil {
		if err := d.top.check(raw, ""); err != nil {
			return err
		}
	}
	if err := json.Unmarshal(raw, v.Addr().Interface()); err != nil {
		return invalidParams(err, nil)
	}
	return nil
}

// addPosition adds "position" to the data of a -32602 error.
func addPosition(data json.RawMessage, pos int) json.RawMessage {
	var m map[string]any
	if json.Unmarshal(data, &m) != nil || m == nil {
		return data
	}
	m["position"] = pos
	out, err := json.Marshal(m)
	if err != nil {
		return data
	}
	return out
}

// validate calls Validate() error on *p or p, if either has it.
func validate[P any](p *P) error {
	if v, ok := any(p).(interface{ Validate() error }); ok {
		return v.Validate()
	}
	if v, ok := any(*p).(interface{ Validate() error }); ok && !isNilPointer(*p) {
		return v.Validate()
	}
	return nil
}

func isNilPointer(v any) bool {
	rv := reflect.ValueOf(v)
	return rv.Kind() == reflect.Pointer && rv.IsNil()
}

// invalidParams returns -32602 with data that says what was wrong: the
// decoding error, and for a type mismatch the field, the type wanted and the
// JSON found.
func invalidParams(err error, extra map[string]any) *Error {
	data := map[string]any{"error": err.Error()}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		if te.Field != "" {
			data["field"] = te.Field
		}
		data["expected"] = te.Type.String()
		data["got"] = te.Value
	}
	for k, v := range extra {
		data[k] = v
	}
	return (&Error{Code: CodeInvalidParams, Message: "Invalid params: " + err.Error()}).WithData(data)
}

// The plan of what to check in params, made once per handler from P's type:
// which members each struct requires, and where inside the JSON further
// structs are. The check walks the raw JSON beside the plan, before
// encoding/json decodes it, and looks only where the plan has something to
// check.

// typePlan is what to check in one JSON value of a Go type.
type typePlan struct {
	st    *structPlan // a struct: its members
	elem  *typePlan   // a slice, array or map: what to check in each element
	needs bool        // there is something to check here or below
}

// structPlan is a struct's members by JSON name.
type structPlan struct {
	fields   []*fieldPlan // every member, promoted ones included
	byName   map[string]*fieldPlan
	direct   map[int]*fieldPlan // by the index of a direct field, for positional params
	required int                // how many fields are required
	strict   bool               // unknown members are refused
}

// fieldPlan is one member of a struct.
type fieldPlan struct {
	name     string
	required bool
	nullOK   bool      // null is a value for it: its type holds nil or decodes itself
	sub      *typePlan // what to check in its value; nil: nothing
	pos      int       // its place in structPlan.fields
}

type planBuilder struct {
	cfg   typedConfig
	plans map[reflect.Type]*typePlan
	all   []*typePlan
}

var (
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// decodesItself reports whether t (or *t) decodes its own JSON.
func decodesItself(t reflect.Type) bool {
	return t.Implements(jsonUnmarshaler) || t.Implements(textUnmarshaler) ||
		reflect.PointerTo(t).Implements(jsonUnmarshaler) || reflect.PointerTo(t).Implements(textUnmarshaler)
}

// plan returns the plan for t, nil when nothing in t can be checked.
// Recursive types get one plan, made once.
func (b *planBuilder) plan(t reflect.Type) *typePlan {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if decodesItself(t) {
		return nil
	}
	if p, ok := b.plans[t]; ok {
		return p
	}
	switch t.Kind() {
	case reflect.Struct:
		p := &typePlan{}
		b.plans[t] = p
		b.all = append(b.all, p)
		p.st = b.structPlan(t)
		return p
	case reflect.Slice, reflect.Array, reflect.Map:
		if t.Kind() == reflect.Map && t.Key().Kind() != reflect.String && !decodesItself(t.Key()) {
			return nil
		}
		p := &typePlan{}
		b.plans[t] = p
		b.all = append(b.all, p)
		p.elem = b.plan(t.Elem())
		return p
	}
	return nil
}

// settle works out needs for every plan, recursive ones included: a plan
// needs a check if its struct requires or refuses anything, or if anything
// below it does.
func (b *planBuilder) settle() {
	for _, p := range b.all {
		p.needs = p.st != nil && (p.st.required > 0 || p.st.strict)
	}
	for changed := true; changed; {
		changed = false
		for _, p := range b.all {
			if p.needs {
				continue
			}
			below := p.elem != nil && p.elem.needs
			if p.st != nil {
				for _, f := range p.st.fields {
					below = below || f.sub != nil && f.sub.needs
				}
			}
			if below {
				p.needs, changed = true, true
			}
		}
	}
	// Subplans that need nothing are dropped, so the walk skips them.
	for _, p := range b.all {
		if p.elem != nil && !p.elem.needs {
			p.elem = nil
		}
		if p.st != nil {
			for _, f := range p.st.fields {
				if f.sub != nil && !f.sub.needs {
					f.sub = nil
				}
			}
		}
	}
}

// structPlan lists the members of struct t as encoding/json sees them:
// exported fields by their JSON names, and the fields of embedded structs
// without a name of their own promoted (the shallower name wins).
func (b *planBuilder) structPlan(t reflect.Type) *structPlan {
	sp := &structPlan{byName: map[string]*fieldPlan{}, direct: map[int]*fieldPlan{}, strict: b.cfg.disallowUnknown}
	type level struct {
		t      reflect.Type
		direct bool
	}
	queue := []level{{t, true}}
	for len(queue) > 0 {
		lv := queue[0]
		queue = queue[1:]
		var added []*fieldPlan
		for i := range lv.t.NumField() {
			f := lv.t.Field(i)
			tag := f.Tag.Get("json")
			if tag == "-" {
				continue
			}
			name, opts, _ := strings.Cut(tag, ",")
			ft := f.Type
			if f.Anonymous && name == "" {
				et := ft
				if et.Kind() == reflect.Pointer {
					et = et.Elem()
				}
				if et.Kind() == reflect.Struct {
					queue = append(queue, level{et, false})
					continue
				}
			}
			if !f.IsExported() {
				continue
			}
			if name == "" {
				name = f.Name
			}
			if _, shadowed := sp.byName[name]; shadowed {
				continue
			}
			fp := &fieldPlan{name: name, sub: b.plan(ft)}
			optional := ft.Kind() == reflect.Pointer || hasOpt(opts, "omitempty") || hasOpt(opts, "omitzero")
			switch f.Tag.Get("conn") {
			case "optional":
				optional = true
			case "required":
				optional = false
			}
			fp.required = !optional
			switch ft.Kind() {
			case reflect.Pointer, reflect.Slice, reflect.Map, reflect.Interface:
				fp.nullOK = true
			default:
				fp.nullOK = decodesItself(ft)
			}
			if lv.direct {
				sp.direct[i] = fp
			}
			added = append(added, fp)
		}
		for _, fp := range added {
			sp.byName[fp.name] = fp
			fp.pos = len(sp.fields)
			sp.fields = append(sp.fields, fp)
			if fp.required {
				sp.required++
			}
		}
	}
	return sp
}

func hasOpt(opts, want string) bool {
	for opts != "" {
		var o string
		o, opts, _ = strings.Cut(opts, ",")
		if o == want {
			return true
		}
	}
	return false
}

// jsonName is the member name of a struct field.
func jsonName(f reflect.StructField) string {
	if name, _, _ := strings.Cut(f.Tag.Get("json"), ","); name != "" {
		return name
	}
	return f.Name
}

// lookup finds the field a member name fills: the exact name, else one
// that differs only in case, as encoding/json matches.
func (sp *structPlan) lookup(key []byte) *fieldPlan {
	if f, ok := sp.byName[string(key)]; ok {
		return f
	}
	for _, f := range sp.fields {
		if bytes.EqualFold([]byte(f.name), key) {
			return f
		}
	}
	return nil
}

// check walks one JSON value beside the plan; path names it in errors.
// Values of another shape than the plan's are left to encoding/json,
// which reports them.
func (p *typePlan) check(data []byte, path string) *Error {
	i := skipSpace(data, 0)
	switch {
	case p.st != nil && kindOf(data[i:]) == kindObject:
		return p.st.check(data, i, path)
	case p.elem != nil && kindOf(data[i:]) == kindArray:
		n := 0
		return elements(data, i, func(v []byte) *Error {
			n++
			return p.elem.check(v, path+"["+strconv.Itoa(n-1)+"]")
		})
	case p.elem != nil && kindOf(data[i:]) == kindObject:
		return members(data, i, func(key []byte, v []byte) *Error {
			return p.elem.check(v, joinPath(path, string(key)))
		})
	}
	return nil
}

// check checks the object at data[i]: every member it has, and that no
// required one is missing.
func (sp *structPlan) check(data []byte, i int, path string) *Error {
	var seenSmall uint64
	var seenLarge []bool
	if len(sp.fields) > 64 {
		seenLarge = make([]bool, len(sp.fields))
	}
	err := members(data, i, func(key []byte, v []byte) *Error {
		f := sp.lookup(key)
		if f == nil {
			if sp.strict {
				p := joinPath(path, string(key))
				return fieldError(fmt.Sprintf("unknown field %q", p), p)
			}
			return nil
		}
		if seenLarge != nil {
			seenLarge[f.pos] = true
		} else {
			seenSmall |= 1 << f.pos
		}
		return f.checkValue(v, path)
	})
	if err != nil || sp.required == 0 {
		return err
	}
	for _, f := range sp.fields {
		seen := seenLarge != nil && seenLarge[f.pos] || seenLarge == nil && seenSmall&(1<<f.pos) != 0
		if f.required && !seen {
			p := joinPath(path, f.name)
			return fieldError(fmt.Sprintf("missing required field %q", p), p)
		}
	}
	return nil
}

// checkValue checks a member's value: null where null is no value, and
// what its type's plan checks.
// The field's path is parent joined with the field's name, made only when
// needed: on an error, or to look inside the value.
func (f *fieldPlan) checkValue(v []byte, parent string) *Error {
	v = v[skipSpace(v, 0):]
	if kindOf(v) == kindNull {
		if f.required && !f.nullOK {
			path := joinPath(parent, f.name)
			return fieldError(fmt.Sprintf("field %q is required and may not be null", path), path)
		}
		return nil
	}
	if f.sub != nil {
		return f.sub.check(v, joinPath(parent, f.name))
	}
	return nil
}

func fieldError(msg, path string) *Error {
	return invalidParams(errors.New(msg), map[string]any{"field": path})
}

func joinPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// members calls fn with the name and value of each member of the object at
// data[i] until fn returns an error. encoding/json will have validated the
// JSON by the time it matters: malformed JSON only ends the walk, with
// -32602.
func members(data []byte, i int, fn func(key []byte, value []byte) *Error) *Error {
	var first *Error
	if _, err := eachMember(data, i, 1, func(name, value []byte) {
		if first == nil {
			if bytes.IndexByte(name, '\\') >= 0 {
				name = []byte(memberName(name)) // an escape: decoded
			}
			first = fn(name, value)
		}
	}); err != nil && first == nil {
		return invalidParams(err, nil)
	}
	return first
}

// elements calls fn with each element of the array at data[i] until fn
// returns an error.
func elements(data []byte, i int, fn func(value []byte) *Error) *Error {
	var first *Error
	if _, err := eachElement(data, i, 1, func(value []byte) error {
		if first = fn(value); first != nil {
			return first
		}
		return nil
	}); err != nil && first == nil {
		return invalidParams(err, nil)
	}
	return first
}

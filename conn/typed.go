package conn

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
)

// This file is typed registration: handlers written as plain Go functions of
// their params, with the decoding done once, here.

// Typed returns a Handler that decodes a request's params into P, calls fn
// and sends the result it returns:
//
//	mux.Handle("subtract", conn.Typed(func(ctx context.Context, p SubtractParams) (float64, error) {
//		return p.Minuend - p.Subtrahend, nil
//	}))
//
// Params given by name (a JSON object) decode as encoding/json decodes
// them. Params given by position (a JSON array) fill a struct's exported
// fields in declaration order, or decode into a slice or array type. A P
// that is neither a struct nor a slice, map or interface takes an array of
// exactly one element. Absent params leave P at its zero value (a pointer
// P points to a zero value). If P, or *P, has a method Validate() error, it
// is called after decoding. Params that do not fit get -32602 with data
// that says what was wrong. A P of json.RawMessage receives the params as
// they came.
func Typed[P, R any](fn func(ctx context.Context, params P) (R, error)) Handler {
	dec := newParamsDecoder[P]()
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
// into P, as Typed does, and calls fn. A notification whose params do not
// fit is logged and dropped, as notifications are never answered.
func TypedNotification[P any](fn func(ctx context.Context, params P) error) Handler {
	dec := newParamsDecoder[P]()
	return HandlerFunc(func(ctx context.Context, req *Request) (any, error) {
		p, err := dec.decode(req.Params)
		if err != nil {
			return nil, err
		}
		return nil, fn(ctx, p)
	})
}

// paramsDecoder decodes params into P by a plan made once from P's type.
type paramsDecoder[P any] struct {
	raw    bool  // P is json.RawMessage: no decoding at all
	ptr    bool  // P is a pointer to the type below
	fields []int // for a struct: the exported fields, in order, for positional params
	byPos  bool  // arrays fill fields (a struct)
	single bool  // arrays must hold exactly one element: P itself
	named  bool  // objects are accepted
}

func newParamsDecoder[P any]() *paramsDecoder[P] {
	d := &paramsDecoder[P]{}
	t := reflect.TypeFor[P]()
	if t == reflect.TypeFor[json.RawMessage]() {
		d.raw = true
		return d
	}
	if t.Kind() == reflect.Pointer {
		d.ptr, t = true, t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		d.byPos, d.named = true, true
		for i := range t.NumField() {
			f := t.Field(i)
			if f.IsExported() && f.Tag.Get("json") != "-" {
				d.fields = append(d.fields, i)
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
	}
	if err := validate(&p); err != nil {
		return p, invalidParams(err, nil)
	}
	return p, nil
}

// fill decodes raw params into v.
func (d *paramsDecoder[P]) fill(v reflect.Value, raw json.RawMessage) error {
	switch kindOf(raw) {
	case kindObject:
		if !d.named {
			return invalidParams(errors.New("params must be an array"), nil)
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
		for i, e := range elems {
			if err := json.Unmarshal(e, v.Field(d.fields[i]).Addr().Interface()); err != nil {
				return invalidParams(err, map[string]any{"position": i, "field": v.Type().Field(d.fields[i]).Name})
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
	if err := json.Unmarshal(raw, v.Addr().Interface()); err != nil {
		return invalidParams(err, nil)
	}
	return nil
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

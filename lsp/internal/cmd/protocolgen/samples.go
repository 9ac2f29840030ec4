package main

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/lspkit/lspkit/lsp/internal/metamodel"
)

// samples returns the table of ortype_test.go: for every or-type, JSON
// samples of each variant, built from the model (not from the Go types,
// so that they check the decoder independently), and JSON that fits no
// variant.
//
// A variant has two samples: a minimal one (required properties only)
// and a full one (optional properties too, at the top level and in
// top-level arrays). Either may
// also fit an earlier variant equally well, e.g. the minimal samples of
// NotebookDocumentSyncOptions and NotebookDocumentSyncRegistrationOptions
// are equal, so the test only requires one of them to decode as the
// variant; both must decode and round-trip.
func (g *generator) samples() string {
	var b strings.Builder
	b.WriteString("var orTypeSamples = []orTypeSample{\n")
	for _, or := range g.ors {
		fmt.Fprintf(&b, "{\ntyp: reflect.TypeFor[%s](),\nvariants: []variantSample{\n", or.name)
		for i, it := range or.items {
			fmt.Fprintf(&b, "{reflect.TypeFor[%s](), []string{%#q, %#q}},\n",
				or.variants[i], g.sampleJSON(it, false), g.sampleJSON(it, true))
		}
		fmt.Fprintf(&b, "},\nreject: %#v,\n},\n", g.rejects(or.items))
	}
	b.WriteString("}\n")
	return b.String()
}

func (g *generator) sampleJSON(t *metamodel.Type, full bool) string {
	data, err := json.Marshal(g.sample(t, full, 0))
	if err != nil {
		g.errorf("sample of %s: %v", t, err)
	}
	return string(data)
}

// sample returns a value of type t, as Go data for json.Marshal. Strings
// are "x", numbers 1 (0.5 for decimals), booleans true: values that
// survive omitempty, so that samples round-trip.
func (g *generator) sample(t *metamodel.Type, full bool, depth int) any {
	if depth > 20 {
		g.errorf("sample of %s: required properties recurse", t)
		return nil
	}
	depth++
	switch t.Kind {
	case metamodel.Base:
		return map[string]any{
			metamodel.BaseURI: "file:///x", metamodel.BaseDocumentURI: "file:///x",
			metamodel.BaseInteger: -1, metamodel.BaseUInteger: 1, metamodel.BaseDecimal: 0.5,
			metamodel.BaseRegExp: "x", metamodel.BaseString: "x", metamodel.BaseBoolean: true,
			metamodel.BaseNull: nil,
		}[t.Name]
	case metamodel.Reference:
		switch {
		case t.Name == lspAnyName:
			return map[string]any{"any": []any{1, "x", nil}}
		case g.model.Structure(t.Name) != nil:
			return g.sampleObject(g.model.Properties(g.model.Structure(t.Name)), full, depth)
		case g.model.Enumeration(t.Name) != nil:
			// The first value that survives omitempty.
			values := g.model.Enumeration(t.Name).Values
			for _, v := range values {
				if v.Value != "" {
					return v.Value
				}
			}
			return values[0].Value
		}
		return g.sample(g.model.TypeAlias(t.Name).Type, full, depth)
	case metamodel.Array:
		return []any{g.sample(t.Element, full, depth)}
	case metamodel.Map:
		key := fmt.Sprint(g.sample(t.Key, false, depth))
		return map[string]any{key: g.sample(t.Value, false, depth)}
	case metamodel.Or:
		u, _ := t.WithoutNull()
		if u.Kind == metamodel.Or {
			u = u.Items[0]
		}
		return g.sample(u, false, depth)
	case metamodel.Tuple:
		var items []any
		for _, it := range t.Items {
			items = append(items, g.sample(it, false, depth))
		}
		return items
	case metamodel.Literal, metamodel.And:
		return g.sampleObject(g.properties(t, site{path: t.String()}), full, depth)
	case metamodel.StringLiteral:
		return t.StringValue
	case metamodel.IntegerLiteral:
		return t.IntegerValue
	case metamodel.BooleanLiteral:
		return t.BooleanValue
	}
	return nil
}

func (g *generator) sampleObject(props []*metamodel.Property, full bool, depth int) map[string]any {
	obj := map[string]any{}
	for _, p := range props {
		if !p.Optional || full {
			obj[p.Name] = g.sample(p.Type, false, depth)
		}
	}
	return obj
}

// rejects returns JSON values that fit none of the variants: null, values
// of JSON kinds no variant has, {} if every object variant has required
// properties, and a fraction if all number variants are integers.
func (g *generator) rejects(variants []*metamodel.Type) []string {
	kinds := map[string]bool{}
	emptyObject, fraction := false, false
	for _, v := range variants {
		g.jsonKinds(v, kinds, &emptyObject, &fraction)
	}
	out := []string{"null"}
	for _, k := range []struct{ kind, sample string }{
		{"boolean", "true"}, {"number", "1"}, {"string", `"x"`}, {"array", "[]"}, {"object", "{}"},
	} {
		if !kinds[k.kind] {
			out = append(out, k.sample)
		}
	}
	if kinds["object"] && !emptyObject {
		out = append(out, `{"unknown":1}`)
	}
	if kinds["number"] && !fraction {
		out = append(out, "0.5")
	}
	return out
}

// jsonKinds adds the JSON kinds of t's values to kinds, and notes whether
// t admits an empty object or a number with a fraction.
func (g *generator) jsonKinds(t *metamodel.Type, kinds map[string]bool, emptyObject, fraction *bool) {
	switch t.Kind {
	case metamodel.Base:
		switch t.Name {
		case metamodel.BaseInteger, metamodel.BaseUInteger:
			kinds["number"] = true
		case metamodel.BaseDecimal:
			kinds["number"], *fraction = true, true
		case metamodel.BaseBoolean:
			kinds["boolean"] = true
		case metamodel.BaseNull:
		default:
			kinds["string"] = true
		}
	case metamodel.StringLiteral:
		kinds["string"] = true
	case metamodel.IntegerLiteral:
		kinds["number"] = true
	case metamodel.BooleanLiteral:
		kinds["boolean"] = true
	case metamodel.Array, metamodel.Tuple:
		kinds["array"] = true
	case metamodel.Map:
		kinds["object"], *emptyObject = true, true
	case metamodel.Literal, metamodel.And:
		kinds["object"] = true
		*emptyObject = *emptyObject || allOptional(g.properties(t, site{path: t.String()}))
	case metamodel.Or:
		for _, it := range t.Items {
			g.jsonKinds(it, kinds, emptyObject, fraction)
		}
	case metamodel.Reference:
		switch {
		case t.Name == lspAnyName:
			for _, k := range []string{"boolean", "number", "string", "array", "object"} {
				kinds[k] = true
			}
			*emptyObject, *fraction = true, true
		case g.model.Structure(t.Name) != nil:
			kinds["object"] = true
			*emptyObject = *emptyObject || allOptional(g.model.Properties(g.model.Structure(t.Name)))
		case g.model.Enumeration(t.Name) != nil:
			g.jsonKinds(g.model.Enumeration(t.Name).Type, kinds, emptyObject, fraction)
		default:
			g.jsonKinds(g.model.TypeAlias(t.Name).Type, kinds, emptyObject, fraction)
		}
	}
}

func allOptional(props []*metamodel.Property) bool {
	for _, p := range props {
		if !p.Optional {
			return false
		}
	}
	return true
}

package main

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/lspkit/lspkit/lsp/internal/metamodel"
)

// The generated files.
const (
	typesFile   = "types_gen.go"        // structures, type aliases, literal and "and" types
	enumsFile   = "enums_gen.go"        // enumerations
	orTypesFile = "ortypes_gen.go"      // or-types with their methods
	methodsFile = "methods_gen.go"      // method constants and the Methods table
	samplesFile = "ortypes_gen_test.go" // JSON samples of every or-type variant
)

// generator turns a meta model into Go source. It walks the model in
// order (structures, enumerations, type aliases, messages), turning every
// type expression into a Go type; anonymous types get a name from the
// site where they occur and are declared right after the declaration
// that first uses them.
type generator struct {
	model   *metamodel.Model
	goNames map[string]string              // model type name → Go type name
	owner   map[*metamodel.Property]string // property → structure declaring it
	uses    map[string][]string            // model type name → descriptions of sites using it
	decls   []*decl                        // in output order
	named   map[string]*decl               // by Go name
	ors     []*orType                      // every or-type, for the samples
	files   map[string]*bytes.Buffer
	errs    []error
}

// A decl is a generated type declaration together with its methods.
type decl struct {
	name  string
	file  string
	model string        // for anonymous types: the model type, which all users of the name must share
	uses  []string      // for anonymous types: descriptions of the sites using it, for its doc
	doc   func() string // the doc comment, for types of the model; run after the walk
	code  string        // the declaration, after the doc comment
}

// A site is where a type expression occurs. If the expression is an
// anonymous type, the site names the Go type generated for it.
type site struct {
	path string // key for typeNames: "Hover.contents", "textDocument/hover.result", "X.p[]"
	name string // derived Go name: "HoverContents"
	desc string // for the doc: "[Hover.Contents]"
}

// goName is the Go name of an anonymous type at s.
func (s site) goName() string {
	if n, ok := typeNames[s.path]; ok {
		return n
	}
	return s.name
}

func (s site) elem() site {
	return site{s.path + "[]", singular(s.name), "the elements of " + s.desc}
}

func (s site) mapValue() site {
	return site{s.path + "{}", singular(s.name), "the values of " + s.desc}
}

// literalVariant is the site of the nth literal variant of an "or" at s;
// n is 0 if it is the only one.
func (s site) literalVariant(n int) site {
	suffix := "literal"
	if n > 0 {
		suffix += strconv.Itoa(n)
	}
	return site{s.path + "|" + suffix, s.goName() + goName(suffix), "a variant of [" + s.goName() + "]"}
}

// baseTypes maps the model's base types to Go.
var baseTypes = map[string]string{
	metamodel.BaseURI:         "URI",
	metamodel.BaseDocumentURI: "DocumentURI",
	metamodel.BaseInteger:     "int32",
	metamodel.BaseUInteger:    "uint32",
	metamodel.BaseDecimal:     "float64",
	metamodel.BaseRegExp:      "string",
	metamodel.BaseString:      "string",
	metamodel.BaseBoolean:     "bool",
}

func newGenerator(m *metamodel.Model) *generator {
	g := &generator{
		model:   m,
		goNames: map[string]string{},
		owner:   map[*metamodel.Property]string{},
		uses:    map[string][]string{},
		named:   map[string]*decl{},
		files:   map[string]*bytes.Buffer{},
	}
	for _, s := range m.Structures {
		g.goNames[s.Name] = goName(s.Name)
		for _, p := range s.Properties {
			g.owner[p] = s.Name
		}
	}
	for _, e := range m.Enumerations {
		g.goNames[e.Name] = goName(e.Name)
	}
	for _, a := range m.TypeAliases {
		g.goNames[a.Name] = goName(a.Name)
	}
	return g
}

// run generates all files into g.files.
func (g *generator) run() error {
	for _, s := range g.model.Structures {
		g.structure(s)
	}
	for _, e := range g.model.Enumerations {
		g.enumeration(e)
	}
	for _, a := range g.model.TypeAliases {
		g.alias(a)
	}
	methods := g.methods()
	samples := g.samples()
	if err := errors.Join(g.errs...); err != nil {
		return err
	}

	g.out(typesFile).WriteString(g.versionConst())
	for _, d := range g.decls {
		var doc string
		if d.model != "" {
			doc = comment(fmt.Sprintf("%s is the type of %s.", d.name, and(d.uses)))
		} else {
			doc = d.doc()
		}
		g.out(d.file).WriteString(doc + d.code + "\n")
	}
	g.out(methodsFile).WriteString(methods)
	g.out(samplesFile).WriteString(samples)
	return nil
}

func (g *generator) out(file string) *bytes.Buffer {
	if g.files[file] == nil {
		g.files[file] = new(bytes.Buffer)
	}
	return g.files[file]
}

func (g *generator) errorf(format string, args ...any) {
	g.errs = append(g.errs, fmt.Errorf(format, args...))
}

func (g *generator) versionConst() string {
	return fmt.Sprintf("// Version is the LSP version this package implements.\nconst Version = %q\n\n", g.model.MetaData.Version)
}

// declare adds the declaration of a Go type. For an anonymous type t at
// site s, a name already declared for the same model type is shared
// (see typeNames) and declare returns nil.
func (g *generator) declare(name, file string, t *metamodel.Type, s site) *decl {
	if d := g.named[name]; d != nil {
		if t == nil || d.model != t.String() {
			g.errorf("%s: Go name %s is taken; add a name to typeNames", s.path, name)
		} else if !slices.Contains(d.uses, s.desc) {
			d.uses = append(d.uses, s.desc)
		}
		return nil
	}
	d := &decl{name: name, file: file}
	if t != nil {
		d.model, d.uses = t.String(), []string{s.desc}
		if model := g.model; model.Structure(name) != nil || model.Enumeration(name) != nil || model.TypeAlias(name) != nil {
			g.errorf("%s: Go name %s is taken by the model; add a name to typeNames", s.path, name)
		}
	}
	g.named[name] = d
	g.decls = append(g.decls, d)
	return d
}

// structure declares the Go struct of a structure.
func (g *generator) structure(s *metamodel.Structure) {
	name := g.goNames[s.Name]
	d := g.declare(name, typesFile, nil, site{path: s.Name})
	if d == nil {
		return
	}
	d.doc = func() string { return g.comment(s.Doc, g.usedBy(s.Name)) }
	d.code = g.structCode(name, g.model.Properties(s), site{})
	for _, base := range append(append([]*metamodel.Type{}, s.Extends...), s.Mixins...) {
		g.uses[base.Name] = append(g.uses[base.Name], "["+name+"]")
	}
}

// usedBy is the doc of a model type that has none: where it is used.
func (g *generator) usedBy(name string) string {
	if uses := g.uses[name]; len(uses) > 0 {
		return fmt.Sprintf("%s is used by %s.", g.goNames[name], and(uses))
	}
	return g.goNames[name] + " is the " + name + " type of LSP."
}

// enumeration declares the Go type and constants of an enumeration.
func (g *generator) enumeration(e *metamodel.Enumeration) {
	name := g.goNames[e.Name]
	d := g.declare(name, enumsFile, nil, site{path: e.Name})
	if d == nil {
		return
	}
	d.doc = func() string { return g.comment(e.Doc, g.usedBy(e.Name)) }
	var b strings.Builder
	fmt.Fprintf(&b, "type %s %s\n\nconst (\n", name, baseTypes[e.Type.Name])
	for _, v := range e.Values {
		value := fmt.Sprint(v.Value)
		if s, ok := v.Value.(string); ok {
			value = strconv.Quote(s)
		}
		c := name + goName(v.Name)
		b.WriteString(g.comment(v.Doc, fmt.Sprintf("%s is the %s %s.", c, name, value)))
		fmt.Fprintf(&b, "%s %s = %s\n", c, name, value)
	}
	b.WriteString(")\n")
	d.code = b.String()
}

// alias declares the Go type of a type alias: an or-type for an "or", a
// Go alias for a reference, a defined type otherwise.
func (g *generator) alias(a *metamodel.TypeAlias) {
	name := g.goNames[a.Name]
	s := site{path: a.Name, name: name, desc: "[" + name + "]"}
	if a.Type.Kind == metamodel.Or && a.Name != lspAnyName {
		if _, nullable := a.Type.WithoutNull(); nullable {
			g.errorf("%s: nullable type aliases are not supported", a.Name)
		}
		g.orType(a.Type, s, &a.Doc)
		return
	}
	d := g.declare(name, typesFile, nil, s)
	if d == nil {
		return
	}
	d.doc = func() string { return g.comment(a.Doc, g.usedBy(a.Name)) }
	switch a.Type.Kind {
	case metamodel.Reference:
		d.code = fmt.Sprintf("type %s = %s\n", name, g.goType(a.Type, s))
	case metamodel.Or: // LSPAny
		d.code = fmt.Sprintf("type %s = %s\n", name, lspAnyType)
	case metamodel.Literal, metamodel.And:
		d.code = g.structCode(name, g.properties(a.Type, s), s)
	default:
		d.code = fmt.Sprintf("type %s %s\n", name, g.goType(a.Type, s))
	}
}

// goType returns the Go type of t at site s, declaring named types for
// anonymous or, and and literal types.
func (g *generator) goType(t *metamodel.Type, s site) string {
	if u, nullable := t.WithoutNull(); nullable {
		return g.nullable(u, s)
	}
	switch t.Kind {
	case metamodel.Base:
		return baseTypes[t.Name]
	case metamodel.Reference:
		if !slices.Contains(g.uses[t.Name], s.desc) {
			g.uses[t.Name] = append(g.uses[t.Name], s.desc)
		}
		return g.goNames[t.Name]
	case metamodel.Array:
		return "[]" + g.goType(t.Element, s.elem())
	case metamodel.Map:
		return "map[" + g.goType(t.Key, s) + "]" + g.goType(t.Value, s.mapValue())
	case metamodel.Tuple:
		// A Go array; tuples of mixed types would need a struct.
		elem := g.goType(t.Items[0], s.elem())
		for _, it := range t.Items[1:] {
			if g.goType(it, s.elem()) != elem {
				g.errorf("%s: tuple %s of mixed types is not supported", s.path, t)
			}
		}
		return fmt.Sprintf("[%d]%s", len(t.Items), elem)
	case metamodel.StringLiteral:
		return "string"
	case metamodel.IntegerLiteral:
		return "int32"
	case metamodel.BooleanLiteral:
		return "bool"
	case metamodel.Or:
		return g.orType(t, s, nil)
	case metamodel.And, metamodel.Literal:
		name := s.goName()
		if d := g.declare(name, typesFile, t, s); d != nil {
			d.code = g.structCode(name, g.properties(t, s), s)
		}
		return name
	}
	g.errorf("%s: unexpected type %s", s.path, t)
	return "any"
}

// nullable returns the Go type of "t | null" where the value is required:
// t itself if its Go type has nil (nil is written as null), else a pointer.
func (g *generator) nullable(t *metamodel.Type, s site) string {
	typ := g.goType(t, s)
	if g.class(t) == nilable {
		return typ
	}
	return "*" + typ
}

// A class groups Go types by how an optional property of the type is
// represented (see field).
type class int

const (
	plain   class = iota // string, bool and their named types: zero means absent
	pointer              // numbers, structs, or-types, tuples: nil means absent
	nilable              // slices, maps, LSPAny: nil means absent (or null)
)

func (g *generator) class(t *metamodel.Type) class {
	switch t.Kind {
	case metamodel.Base:
		switch t.Name {
		case metamodel.BaseInteger, metamodel.BaseUInteger, metamodel.BaseDecimal:
			return pointer
		}
		return plain
	case metamodel.StringLiteral, metamodel.BooleanLiteral:
		return plain
	case metamodel.Array, metamodel.Map:
		return nilable
	case metamodel.Reference:
		if t.Name == lspAnyName {
			return nilable
		}
		if e := g.model.Enumeration(t.Name); e != nil {
			return g.class(e.Type)
		}
		if a := g.model.TypeAlias(t.Name); a != nil && a.Type.Kind != metamodel.Or {
			return g.class(a.Type)
		}
	}
	return pointer // structures, or-types, and literal types, tuples
}

// A field is a field of a generated struct.
type field struct {
	name, typ, tag, doc string
	literal             string // for literal-typed properties, the literal value
}

// field returns the Go field for property p (at site s):
//
//	property          Go type     json tag
//	p: T              T
//	p: T | null       *T or T¹
//	p?: T             T²          omitempty (string, bool, their named types)³
//	                  *T          omitempty (numbers, structs, or-types)
//	                  T¹          omitzero  (slices, maps, LSPAny)
//	p?: T | null      Nullable[T] omitzero
//
// ¹ if T's Go type has nil; ² a zero value is then absent; ³ *T with
// omitempty for the booleans in falseIsNotAbsent.
func (g *generator) field(p *metamodel.Property, s site) field {
	t, nullable := p.Type.WithoutNull()
	typ, opt := g.goType(t, s), ""
	switch c := g.class(t); {
	case p.Optional && nullable:
		typ, opt = "Nullable["+typ+"]", ",omitzero"
	case nullable && c != nilable:
		typ = "*" + typ
	case !p.Optional || nullable:
	case c == plain && !falseIsNotAbsent[s.path]:
		opt = ",omitempty"
	case c == pointer || c == plain:
		typ, opt = "*"+typ, ",omitempty"
	case c == nilable:
		opt = ",omitzero"
	}
	f := field{name: goName(p.Name), typ: typ, tag: fmt.Sprintf(`json:"%s%s"`, p.Name, opt)}
	doc := p.Doc
	switch t.Kind {
	case metamodel.StringLiteral:
		f.literal = t.StringValue
	case metamodel.IntegerLiteral:
		f.literal = fmt.Sprint(t.IntegerValue)
	case metamodel.BooleanLiteral:
		f.literal = fmt.Sprint(t.BooleanValue)
	}
	if f.literal != "" {
		f.tag += fmt.Sprintf(` literal:"%s"`, f.literal)
		doc.Documentation += fmt.Sprintf("\n\nIt is always %s; MarshalJSON sets it.", t)
	}
	f.doc = g.comment(doc, fmt.Sprintf("%s is the %q property.", f.name, p.Name))
	return f
}

// properties returns the properties of a literal or "and" type.
func (g *generator) properties(t *metamodel.Type, s site) []*metamodel.Property {
	if t.Kind == metamodel.Literal {
		return t.Literal.Properties
	}
	var props []*metamodel.Property
	for _, it := range t.Items {
		st := g.model.Structure(it.Name)
		if it.Kind != metamodel.Reference || st == nil {
			g.errorf("%s: %s: only structures can be combined with &", s.path, t)
			continue
		}
		props = append(props, g.model.Properties(st)...)
	}
	return props
}

// structCode returns the declaration of struct name with the properties
// props. Properties declared by a structure are named after it, those of
// a literal (owner) after the literal's site.
func (g *generator) structCode(name string, props []*metamodel.Property, owner site) string {
	var b strings.Builder
	var literals []field
	fmt.Fprintf(&b, "type %s struct {\n", name)
	for _, p := range props {
		o := owner
		if st, ok := g.owner[p]; ok {
			o = site{path: st, name: g.goNames[st]}
		} else {
			o.name = owner.goName()
		}
		fname := o.name + "." + goName(p.Name)
		f := g.field(p, site{o.path + "." + p.Name, o.name + goName(p.Name), "[" + fname + "]"})
		fmt.Fprintf(&b, "%s%s %s `%s`\n", f.doc, f.name, f.typ, f.tag)
		if f.literal != "" {
			literals = append(literals, f)
		}
	}
	b.WriteString("}\n")
	if len(literals) > 0 {
		// Literal-typed properties have one possible value: set it.
		fmt.Fprintf(&b, "\n// MarshalJSON writes x with its literal properties set.\n")
		fmt.Fprintf(&b, "func (x %s) MarshalJSON() ([]byte, error) {\ntype plain %[1]s\n", name)
		for _, f := range literals {
			value := f.literal
			if f.typ == "string" {
				value = strconv.Quote(value)
			}
			fmt.Fprintf(&b, "x.%s = %s\n", f.name, value)
		}
		b.WriteString("return json.Marshal(plain(x))\n}\n")
	}
	return b.String()
}

// An orType is a generated or-type.
type orType struct {
	name     string
	items    []*metamodel.Type // the model's variants
	variants []string          // their Go types
}

// orType declares the Go or-type of the "or" t (without null) at site
// s: a struct whose Value holds one variant, with constructors and
// accessors per variant. Named or-types (type aliases) pass their doc.
func (g *generator) orType(t *metamodel.Type, s site, doc *metamodel.Doc) string {
	name := s.goName()
	anonymous := t
	if doc != nil {
		anonymous = nil
	}
	d := g.declare(name, orTypesFile, anonymous, s)
	if d == nil {
		return name
	}
	or := &orType{name: name, items: t.Items}
	g.ors = append(g.ors, or)
	var list []string
	literals, n := 0, 0
	for _, it := range t.Items {
		if it.Kind == metamodel.Literal {
			literals++
		}
	}
	for _, it := range t.Items {
		vs := s
		if it.Kind == metamodel.Literal {
			if literals > 1 {
				n++
			}
			vs = s.literalVariant(n)
		}
		typ := g.goType(it, vs)
		or.variants = append(or.variants, typ)
		list = append(list, "  - "+docType(typ))
	}
	if doc != nil {
		d.doc = func() string { return g.comment(*doc, g.usedBy(s.path)) }
	}

	var b strings.Builder
	fmt.Fprintf(&b, "type %s struct {\n", name)
	fmt.Fprintf(&b, "%sValue any\n}\n\n", comment("Value is one of:\n\n"+strings.Join(list, "\n")))
	vars := "variants" + name
	fmt.Fprintf(&b, "var %s = []reflect.Type{", vars)
	for _, v := range or.variants {
		fmt.Fprintf(&b, "reflect.TypeFor[%s](), ", v)
	}
	fmt.Fprintf(&b, "}\n\nfunc (%s) orVariants() []reflect.Type { return %s }\n\n", name, vars)
	fmt.Fprintf(&b, "// MarshalJSON writes x.Value, which must hold one of the variants.\n")
	fmt.Fprintf(&b, "func (x %s) MarshalJSON() ([]byte, error) { return marshalOr(x, x.Value) }\n\n", name)
	fmt.Fprintf(&b, "// UnmarshalJSON decodes the variant that data fits best, or fails if it fits none.\n")
	fmt.Fprintf(&b, "func (x *%s) UnmarshalJSON(data []byte) error { return unmarshalOr(data, x, &x.Value) }\n", name)
	seen := map[string]bool{}
	for _, v := range or.variants {
		vn := variantName(v)
		if seen[vn] {
			g.errorf("%s: two variants named %s", s.path, vn)
		}
		seen[vn] = true
		fmt.Fprintf(&b, "\n// New%s%s returns a %[1]s holding v.\n", name, vn)
		fmt.Fprintf(&b, "func New%s%s(v %s) %[1]s { return %[1]s{Value: v} }\n", name, vn, v)
		fmt.Fprintf(&b, "\n// As%s returns x.Value if it is a %s.\n", vn, v)
		fmt.Fprintf(&b, "func (x %s) As%s() (%s, bool) {\nv, ok := x.Value.(%[3]s)\nreturn v, ok\n}\n", name, vn, v)
	}
	d.code = b.String()
	return name
}

// docType renders a Go type with doc links: "[]MarkedString" → "[][MarkedString]".
func docType(typ string) string {
	elem := strings.TrimLeft(typ, "[]0123456789*")
	if elem == "" || elem[0] < 'A' || elem[0] > 'Z' {
		return typ
	}
	return typ[:len(typ)-len(elem)] + "[" + elem + "]"
}

// and joins descriptions, sorted: "a", "a and b", "a, b and c", and
// stops at five: "a, b, c, d, e and 3 more".
func and(items []string) string {
	items = slices.Sorted(slices.Values(items))
	if n := len(items); n > 5 {
		items = append(items[:5], fmt.Sprintf("%d more", n-5))
	}
	if n := len(items); n > 1 {
		return strings.Join(items[:n-1], ", ") + " and " + items[n-1]
	}
	return strings.Join(items, "")
}

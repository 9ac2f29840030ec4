package lang

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Severity says how bad a diagnostic is.
type Severity int

// The severities calc reports.
const (
	Error Severity = iota + 1
	Warning
)

// Diagnostic is a problem found in a file.
type Diagnostic struct {
	At       Span
	Severity Severity
	Message  string
	Unused   bool   // an unused name: shown faded (LSP's Unnecessary tag)
	Name     string // the name concerned, for quick fixes
}

// Def is a name defined by a let.
type Def struct {
	Name  string
	Stmt  *Stmt
	Value float64 // NaN when it cannot be computed
	OK    bool    // Value is known
}

// Use is one use of a name, and the definition it resolves to (nil when
// undefined).
type Use struct {
	Name string
	At   Span
	Def  *Def
	File string // the file that defines it ("" for this file)
}

// Import is an import statement, resolved.
type Import struct {
	Stmt *Stmt
	File string // the resolved file name, "" if it could not be
}

// Analysis is what Check finds in a file.
type Analysis struct {
	File        *File
	Defs        []*Def          // in order
	DefByName   map[string]*Def // this file's lets
	Uses        []Use
	Imports     []Import
	Values      map[*Stmt]float64 // the value of each bare expression and let that has one
	Diagnostics []Diagnostic
}

// Resolver finds the files a file imports: Resolve turns an import path
// into a file name, relative to the importing file; Lookup returns the
// analysis of an imported file (checking it if needed), or an error if it
// cannot be read or is part of an import cycle.
type Resolver interface {
	Resolve(from, path string) string
	Lookup(name string) (*Analysis, error)
}

// Check checks and evaluates a parsed file named name. Names resolve to the
// lets before them in the file, then to the lets of imported files.
func Check(name string, f *File, r Resolver) *Analysis {
	a := &Analysis{
		File:      f,
		Defs:      make([]*Def, 0, len(f.Stmts)),
		DefByName: make(map[string]*Def, len(f.Stmts)),
		Uses:      make([]Use, 0, len(f.Stmts)),
		Values:    make(map[*Stmt]float64, len(f.Stmts)),
	}
	imported := map[string]*Def{}
	importedFrom := map[string]string{}
	for _, s := range f.Stmts {
		switch s.Kind {
		case BrokenStmt:
			a.Diagnostics = append(a.Diagnostics, *s.Err)
		case ImportStmt:
			a.importFile(name, s, r, imported, importedFrom)
		case LetStmt:
			e := &evaluator{a: a, imported: imported, from: importedFrom}
			v, ok := e.eval(s.Expr)
			def := &Def{Name: s.Name, Stmt: s, Value: v, OK: ok}
			if prev, dup := a.DefByName[s.Name]; dup || imported[s.Name] != nil {
				where := "above"
				if !dup {
					where = "in " + importedFrom[s.Name]
				} else {
					_ = prev
				}
				a.diag(s.NameAt, Error, fmt.Sprintf("'%s' is already defined %s", s.Name, where))
			} else {
				a.DefByName[s.Name] = def
			}
			a.Defs = append(a.Defs, def)
			if ok {
				a.Values[s] = v
			}
		case ExprStmt:
			e := &evaluator{a: a, imported: imported, from: importedFrom}
			if v, ok := e.eval(s.Expr); ok {
				a.Values[s] = v
			}
		}
	}
	a.markUnused()
	return a
}

// importFile resolves an import and makes its lets visible.
func (a *Analysis) importFile(name string, s *Stmt, r Resolver, imported map[string]*Def, from map[string]string) {
	imp := Import{Stmt: s}
	if r == nil {
		a.diag(s.PathAt, Error, fmt.Sprintf("cannot import %q: imports are not available here", s.Path))
		a.Imports = append(a.Imports, imp)
		return
	}
	target := r.Resolve(name, s.Path)
	other, err := r.Lookup(target)
	if err != nil {
		a.diag(s.PathAt, Error, fmt.Sprintf("cannot import %q: %v", s.Path, err))
		a.Imports = append(a.Imports, imp)
		return
	}
	imp.File = target
	a.Imports = append(a.Imports, imp)
	for _, d := range other.Defs {
		if _, dup := imported[d.Name]; !dup && other.DefByName[d.Name] == d {
			imported[d.Name] = d
			from[d.Name] = s.Path
		}
	}
}

// markUnused warns about lets that nothing in this file uses. (Uses from
// files that import this one are the server's business: it removes those
// warnings.)
func (a *Analysis) markUnused() {
	used := map[*Def]bool{}
	for _, u := range a.Uses {
		if u.Def != nil {
			used[u.Def] = true
		}
	}
	for _, d := range a.Defs {
		if !used[d] && a.DefByName[d.Name] == d {
			a.Diagnostics = append(a.Diagnostics, Diagnostic{
				At: d.Stmt.NameAt, Severity: Warning, Unused: true, Name: d.Name,
				Message: fmt.Sprintf("unused name '%s'", d.Name),
			})
		}
	}
}

func (a *Analysis) diag(at Span, sev Severity, msg string) {
	a.Diagnostics = append(a.Diagnostics, Diagnostic{At: at, Severity: sev, Message: msg})
}

// evaluator computes an expression, recording uses and errors.
type evaluator struct {
	a        *Analysis
	imported map[string]*Def
	from     map[string]string
}

// eval returns the value of x, and false when it cannot be known (an
// undefined name, a division by zero, an unknown function).
func (e *evaluator) eval(x Expr) (float64, bool) {
	switch x := x.(type) {
	case *Num:
		return x.Value, true
	case *Paren:
		return e.eval(x.X)
	case *Unary:
		v, ok := e.eval(x.X)
		return -v, ok
	case *Ref:
		return e.ref(x)
	case *Call:
		return e.call(x)
	case *Binary:
		return e.binary(x)
	}
	return math.NaN(), false
}

func (e *evaluator) ref(x *Ref) (float64, bool) {
	if d := e.a.DefByName[x.Name]; d != nil {
		e.a.Uses = append(e.a.Uses, Use{Name: x.Name, At: x.At, Def: d})
		return d.Value, d.OK
	}
	if d := e.imported[x.Name]; d != nil {
		e.a.Uses = append(e.a.Uses, Use{Name: x.Name, At: x.At, Def: d, File: e.from[x.Name]})
		return d.Value, d.OK
	}
	e.a.Uses = append(e.a.Uses, Use{Name: x.Name, At: x.At})
	e.a.Diagnostics = append(e.a.Diagnostics, Diagnostic{At: x.At, Severity: Error, Name: x.Name,
		Message: fmt.Sprintf("undefined name '%s'", x.Name)})
	return math.NaN(), false
}

func (e *evaluator) call(x *Call) (float64, bool) {
	args := make([]float64, len(x.Args))
	ok := true
	for i, arg := range x.Args {
		v, argOK := e.eval(arg)
		args[i], ok = v, ok && argOK
	}
	params, known := Builtins[x.Func]
	if !known {
		e.a.diag(x.FuncAt, Error, fmt.Sprintf("unknown function '%s'", x.Func))
		return math.NaN(), false
	}
	if len(args) != len(params) {
		e.a.diag(x.At, Error, fmt.Sprintf("%s takes %d argument%s, not %d", x.Func, len(params), plural(len(params)), len(args)))
		return math.NaN(), false
	}
	if !ok {
		return math.NaN(), false
	}
	switch x.Func {
	case "sqrt":
		return math.Sqrt(args[0]), true
	case "abs":
		return math.Abs(args[0]), true
	case "round":
		return math.Round(args[0]), true
	case "min":
		return math.Min(args[0], args[1]), true
	default:
		return math.Max(args[0], args[1]), true
	}
}

func (e *evaluator) binary(x *Binary) (float64, bool) {
	l, lok := e.eval(x.X)
	r, rok := e.eval(x.Y)
	if (x.Op == '/' || x.Op == '%') && rok && r == 0 {
		e.a.diag(Span{x.OpAt.Start, x.Y.Span().End}, Error, "division by zero")
		return math.NaN(), false
	}
	if !lok || !rok {
		return math.NaN(), false
	}
	switch x.Op {
	case '+':
		return l + r, true
	case '-':
		return l - r, true
	case '*':
		return l * r, true
	case '/':
		return l / r, true
	case '%':
		return math.Mod(l, r), true
	default:
		return math.Pow(l, r), true
	}
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// FormatValue writes v with at most precision decimals, trailing zeros
// trimmed: 0.1+0.2 with precision 6 is "0.3".
func FormatValue(v float64, precision int) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "∞"
	case math.IsInf(v, -1):
		return "-∞"
	}
	s := strconv.FormatFloat(v, 'f', max(precision, 0), 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	if s == "-0" {
		s = "0"
	}
	return s
}

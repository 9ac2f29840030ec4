package lang

import (
	"errors"
	"math"
	"path"
	"slices"
	"strings"
	"testing"
)

// value checks one line and returns the value of its only statement.
func value(t *testing.T, src string) float64 {
	t.Helper()
	f := Parse(src)
	a := Check("t.calc", f, nil)
	for _, d := range a.Diagnostics {
		t.Fatalf("%q: unexpected diagnostic %q at %v", src, d.Message, d.At)
	}
	v, ok := a.Values[f.Stmts[0]]
	if !ok {
		t.Fatalf("%q: no value", src)
	}
	return v
}

func TestEvaluate(t *testing.T) {
	for _, tc := range []struct {
		src  string
		want float64
	}{
		// Precedence and associativity.
		{"1 + 2 * 3", 7},
		{"(1 + 2) * 3", 9},
		{"10 - 4 - 3", 3},   // left-associative
		{"100 / 10 / 5", 2}, // left-associative
		{"2 ^ 3 ^ 2", 512},  // right-associative: 2^(3^2)
		{"(2 ^ 3) ^ 2", 64}, //
		{"-2 ^ 2", -4},      // ^ binds tighter than unary minus
		{"(-2) ^ 2", 4},     //
		{"2 ^ -1", 0.5},     // a unary minus in the exponent
		{"2 * 3 ^ 2", 18},   // ^ binds tighter than *
		{"-3 * -3", 9},      //
		{"--2", 2},          //
		{"1 - -2", 3},       //
		{"7 % 4 * 2", 6},    // % with * and /
		{"1 + 7 % 4", 4},    //
		{"-7 % 4", -3},      // math.Mod keeps the sign of the dividend
		{"2 ^ 3 * 2", 16},   //
		{"2 ^ (1 + 1) ^ 3", 256},
		// Numbers.
		{"12", 12},
		{"1.5", 1.5},
		{"2e3", 2000},
		{"2E-3", 0.002},
		{"2.5e+1", 25},
		{".5", 0.5},
		{"1.", 1},
		// Built-ins.
		{"sqrt(16)", 4},
		{"abs(-3.5)", 3.5},
		{"min(2, -1)", -1},
		{"max(2, -1)", 2},
		{"round(2.5)", 3},
		{"round(-2.4)", -2},
		{"max(min(1, 2), sqrt(9)) ^ 2", 9},
		// White space and comments.
		{"\t1+2   # three", 3},
	} {
		if got := value(t, tc.src); got != tc.want {
			t.Errorf("%q = %v, want %v", tc.src, got, tc.want)
		}
	}
}

func TestEvaluateNames(t *testing.T) {
	src := "let π = 3\nlet 𝑥 = π * 2 # non-BMP\nlet _a1 = 𝑥 ^ 2\nlet été = _a1 - 1\nété"
	f := Parse(src)
	a := Check("t.calc", f, nil)
	if len(a.Diagnostics) != 0 {
		t.Fatalf("diagnostics: %+v", a.Diagnostics)
	}
	var got []string
	for _, d := range a.Defs {
		got = append(got, d.Name+"="+FormatValue(d.Value, 6))
	}
	if want := []string{"π=3", "𝑥=6", "_a1=36", "été=35"}; !slices.Equal(got, want) {
		t.Errorf("defs = %v, want %v", got, want)
	}
	if v := a.Values[f.Stmts[4]]; v != 35 {
		t.Errorf("été = %v, want 35", v)
	}
	// Every use resolves to its let, with the span of the name.
	for _, u := range a.Uses {
		if u.Def == nil || src[u.At.Start:u.At.End] != u.Name {
			t.Errorf("use %q at %v: def %v, text %q", u.Name, u.At, u.Def, src[u.At.Start:u.At.End])
		}
	}
	if n := len(a.Uses); n != 4 {
		t.Errorf("%d uses, want 4", n)
	}
}

// want is an expected diagnostic: its exact byte span, the text under it,
// its message and severity.
type want struct {
	start, end int
	text       string
	msg        string
	sev        Severity
}

func TestDiagnostics(t *testing.T) {
	for _, tc := range []struct {
		name string
		src  string
		want []want
	}{
		{"clean", "let x = 1\nx", nil},
		// Syntax errors: one per line, the first in it.
		{"expected expression at end", "1 +", []want{{3, 3, "", "expected expression", Error}}},
		{"expected expression after =", "let x =", []want{{7, 7, "", "expected expression", Error}}},
		{"expected expression: string", `"s"`, []want{{0, 1, `"`, "expected expression", Error}}},
		{"expected expression in call", "max(1,", []want{{6, 6, "", "expected expression", Error}}},
		{"keyword is no expression", "1 + let", []want{{4, 5, "l", "expected expression", Error}}},
		{"expected name", "let = 1", []want{{4, 5, "=", "expected name after 'let'", Error}}},
		{"keyword as name", "let let = 2", []want{{4, 7, "let", "'let' is a keyword, not a name", Error}}},
		{"expected =", "let x 1", []want{{6, 7, "1", "expected '=' after 'let x'", Error}}},
		{"expected )", "(1 + 2", []want{{6, 6, "", "expected ')'", Error}}},
		{"expected , or )", "max(1 2)", []want{{6, 7, "2", "expected ',' or ')'", Error}}},
		{"unexpected", "1 2", []want{{2, 3, "2", `unexpected "2"`, Error}}},
		{"unexpected before comment", "x = 1 # c", []want{{2, 3, "=", `unexpected "= 1"`, Error}}},
		{"bad exponent", "1e", []want{{1, 2, "e", `unexpected "e"`, Error}}},
		{"invalid number", "1 + .", []want{{4, 5, ".", `invalid number "."`, Error}}},
		{"import without path", "import x", []want{{7, 8, "x", "expected a quoted path after 'import'", Error}}},
		{"unterminated string", `import "a.calc`, []want{{7, 14, `"a.calc`, "unterminated string", Error}}},
		{"non-BMP span", "𝑥 𝑦", []want{{5, 9, "𝑦", `unexpected "𝑦"`, Error}}},
		{"one error per line", "1 +\n2 *\n3", []want{
			{3, 3, "", "expected expression", Error},
			{7, 7, "", "expected expression", Error},
		}},
		// Names.
		{"undefined", "y + 1", []want{{0, 1, "y", "undefined name 'y'", Error}}},
		{"undefined non-BMP", "1 + 𝑥𝑦", []want{{4, 12, "𝑥𝑦", "undefined name '𝑥𝑦'", Error}}},
		{"used before its let", "x\nlet x = 1", []want{{0, 1, "x", "undefined name 'x'", Error}, {6, 7, "x", "unused name 'x'", Warning}}},
		{"self reference", "let x = x", []want{{8, 9, "x", "undefined name 'x'", Error}, {4, 5, "x", "unused name 'x'", Warning}}},
		{"already defined", "let x = 1\nlet x = 2\nx", []want{{14, 15, "x", "'x' is already defined above", Error}}},
		{"already defined non-BMP", "let π = 1\nlet π = 2\nπ", []want{{15, 17, "π", "'π' is already defined above", Error}}},
		{"unused", "let a = 1\nlet b = a", []want{{14, 15, "b", "unused name 'b'", Warning}}},
		{"unused non-BMP", "let 𝑥 = 1 # x", []want{{4, 8, "𝑥", "unused name '𝑥'", Warning}}},
		// Functions.
		{"unknown function", "foo(1) + 2", []want{{0, 3, "foo", "unknown function 'foo'", Error}}},
		{"unknown function still checks its arguments", "f(y)", []want{
			{2, 3, "y", "undefined name 'y'", Error},
			{0, 1, "f", "unknown function 'f'", Error},
		}},
		{"too many arguments", "sqrt(1, 2)", []want{{0, 10, "sqrt(1, 2)", "sqrt takes 1 argument, not 2", Error}}},
		{"too few arguments", "max(1)", []want{{0, 6, "max(1)", "max takes 2 arguments, not 1", Error}}},
		{"no arguments", "abs()", []want{{0, 5, "abs()", "abs takes 1 argument, not 0", Error}}},
		// Division by zero: from the operator to the end of the divisor.
		{"division by zero", "1 / 0", []want{{2, 5, "/ 0", "division by zero", Error}}},
		{"modulo by zero", "1 % (2 - 2)", []want{{2, 11, "% (2 - 2)", "division by zero", Error}}},
		{"division by a name that is zero", "let z = 0\n1 / z", []want{{12, 15, "/ z", "division by zero", Error}}},
		{"division by an unknown is no error", "1 / y", []want{{4, 5, "y", "undefined name 'y'", Error}}},
		{"division of zero is fine", "0 / 1", nil},
		// Imports without a resolver.
		{"import unavailable", `import "a.calc"`, []want{{7, 15, `"a.calc"`, `cannot import "a.calc": imports are not available here`, Error}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := Check("t.calc", Parse(tc.src), nil)
			checkDiags(t, tc.src, a.Diagnostics, tc.want)
		})
	}
}

func checkDiags(t *testing.T, src string, got []Diagnostic, want []want) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%q: %d diagnostics, want %d: %+v", src, len(got), len(want), got)
		return
	}
	for i, d := range got {
		w := want[i]
		if d.At != (Span{w.start, w.end}) || d.Message != w.msg || d.Severity != w.sev {
			t.Errorf("%q: diagnostic %d = %v %q sev %d, want %v %q sev %d", src, i, d.At, d.Message, d.Severity, Span{w.start, w.end}, w.msg, w.sev)
			continue
		}
		if text := src[d.At.Start:d.At.End]; text != w.text {
			t.Errorf("%q: diagnostic %d covers %q, want %q", src, i, text, w.text)
		}
		if d.Unused != (d.Severity == Warning) {
			t.Errorf("%q: diagnostic %d: Unused = %v", src, i, d.Unused)
		}
	}
}

// files is a Resolver over texts in memory, like the server's workspace.
type files map[string]string

func (fs files) Resolve(from, p string) string { return path.Join(path.Dir(from), p) }

func (fs files) Lookup(name string) (*Analysis, error) {
	return fs.lookup(name, map[string]bool{})
}

func (fs files) lookup(name string, visiting map[string]bool) (*Analysis, error) {
	text, ok := fs[name]
	if !ok {
		return nil, errors.New("file not found")
	}
	if visiting[name] {
		return nil, errors.New("import cycle")
	}
	visiting[name] = true
	defer delete(visiting, name)
	return Check(name, Parse(text), resolverFunc(func(n string) (*Analysis, error) { return fs.lookup(n, visiting) })), nil
}

type resolverFunc func(string) (*Analysis, error)

func (resolverFunc) Resolve(from, p string) string           { return path.Join(path.Dir(from), p) }
func (f resolverFunc) Lookup(name string) (*Analysis, error) { return f(name) }

func TestImports(t *testing.T) {
	fs := files{
		"w/lib/consts.calc": "let π = 3.5\nlet τ = 2 * π\nlet _hidden = 1\n",
		"w/lib/more.calc":   `import "consts.calc"` + "\nlet e = 2.5\n",
		"w/cycle/a.calc":    `import "b.calc"` + "\nlet a = 1\n",
		"w/cycle/b.calc":    `import "a.calc"` + "\nlet b = 1\n",
	}
	fs["w/main.calc"] = `import "main.calc"` // for the self import
	for _, tc := range []struct {
		name string
		src  string
		want []want
		vals map[string]float64 // name → value of its let
	}{
		{"names from an import", `import "lib/consts.calc"` + "\nlet area = π * 2 ^ 2\narea + τ", nil, map[string]float64{"area": 14}},
		{"imports are not transitive", `import "lib/more.calc"` + "\ne + π", []want{{27, 29, "π", "undefined name 'π'", Error}}, nil},
		{"a let may not shadow an import", `import "lib/consts.calc"` + "\nlet π = 3", []want{
			{29, 31, "π", `'π' is already defined in lib/consts.calc`, Error},
		}, nil},
		{"imports above only", "π\n" + `import "lib/consts.calc"`, []want{{0, 2, "π", "undefined name 'π'", Error}}, nil},
		{"missing file", `import "nope.calc"` + "\n1", []want{{7, 18, `"nope.calc"`, `cannot import "nope.calc": file not found`, Error}}, nil},
		{"cycle", `import "cycle/a.calc"`, nil, nil}, // the cycle is b's problem, not ours
		{"self import", `import "main.calc"`, []want{{7, 18, `"main.calc"`, `cannot import "main.calc": import cycle`, Error}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := Check("w/main.calc", Parse(tc.src), resolverFunc(func(n string) (*Analysis, error) {
				return fs.lookup(n, map[string]bool{"w/main.calc": true})
			}))
			checkDiags(t, tc.src, a.Diagnostics, tc.want)
			for _, d := range a.Defs {
				if w, ok := tc.vals[d.Name]; ok && (!d.OK || d.Value != w) {
					t.Errorf("%s = %v (ok %v), want %v", d.Name, d.Value, d.OK, w)
				}
			}
		})
	}
	// An imported name's use records the file it comes from.
	a := Check("w/main.calc", Parse(`import "lib/consts.calc"`+"\nτ"), fs)
	if len(a.Uses) != 1 || a.Uses[0].File != "lib/consts.calc" || a.Uses[0].Def == nil || a.Uses[0].Def.Value != 7 {
		t.Errorf("uses = %+v", a.Uses)
	}
	if len(a.Imports) != 1 || a.Imports[0].File != "w/lib/consts.calc" {
		t.Errorf("imports = %+v", a.Imports)
	}
}

func TestFormat(t *testing.T) {
	for _, tc := range []struct {
		name, src, want string
	}{
		{"canonical stays", "let x = 1 + 2\nx * 3\n", "let x = 1 + 2\nx * 3\n"},
		{"let spacing", "let   x=1", "let x = 1"},
		{"leading white space", "  \tlet x = 1", "let x = 1"},
		{"binary operators", "1+2-3*4/5%6^7", "1 + 2 - 3 * 4 / 5 % 6 ^ 7"},
		{"no space inside parentheses", "(  1+2  ) * ( 3 )", "(1 + 2) * (3)"},
		{"nested parentheses kept", "((1))", "((1))"},
		{"unary minus", "- 2 + -  x", "-2 + -x"},
		{"double unary minus", "- - 2", "--2"},
		{"binary then unary minus", "1--2", "1 - -2"},
		{"unary minus before ^", "- 2^2", "-2 ^ 2"},
		{"unary minus in exponent", "2^ - 1", "2 ^ -1"},
		{"calls", "max( 1 ,2 )+sqrt(  x)", "max(1, 2) + sqrt(x)"},
		{"empty call", "abs( )", "abs()"},
		{"numbers kept as written", "let n = 2e3+.5+1.+2E-3", "let n = 2e3 + .5 + 1. + 2E-3"},
		{"comment after code", "x+1# note", "x + 1 # note"},
		{"comment after code, spaces", "x+1   #   note   ", "x + 1 #   note"},
		{"comment line keeps its indentation", "  # indented  \n# flush", "  # indented\n# flush"},
		{"comment in a let", "let y=2 #two", "let y = 2 #two"},
		{"hash inside an import path", `import  "a#b.calc"   # c`, `import "a#b.calc" # c`},
		{"trailing spaces dropped", "1 + 2   \n   \n\t\n", "1 + 2\n\n\n"},
		{"broken line kept, less trailing spaces", "let x = (1 +   \nlet  y=2", "let x = (1 +\nlet y = 2"},
		{"CRLF kept", "let x=1\r\nx+1\r\n", "let x = 1\r\nx + 1\r\n"},
		{"CR kept", "let x=1\rx+1", "let x = 1\rx + 1"},
		{"blank line between CR and LF kept", "1\r  \n2", "1\r  \n2"}, // emptied, "\r\n" would be one break
		{"blank lines between LFs emptied", "1\n  \r\n2\r\t\r3", "1\n\r\n2\r\r3"},
		{"non-BMP names", "let 𝑥𝑦=π*(𝑥 +1)", "let 𝑥𝑦 = π * (𝑥 + 1)"},
		{"empty", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Format(Parse(tc.src))
			if got != tc.want {
				t.Errorf("Format(%q)\n got %q\nwant %q", tc.src, got, tc.want)
			}
			if again := Format(Parse(got)); again != got {
				t.Errorf("Format is not idempotent: %q then %q", got, again)
			}
		})
	}
}

func TestFormatValue(t *testing.T) {
	for _, tc := range []struct {
		v    float64
		prec int
		want string
	}{
		{0.1 + 0.2, 6, "0.3"},
		{1.0 / 3, 6, "0.333333"},
		{2.0 / 3, 2, "0.67"},
		{2.0 / 3, 0, "1"},
		{12, 6, "12"},
		{1.5, 6, "1.5"},
		{2000, 3, "2000"},
		{-0.0000001, 6, "0"}, // rounds to -0, shown as 0
		{-2.5, 6, "-2.5"},
		{math.NaN(), 6, "NaN"},
		{math.Inf(1), 6, "∞"},
		{math.Inf(-1), 6, "-∞"},
		{3.14159265, 4, "3.1416"},
	} {
		if got := FormatValue(tc.v, tc.prec); got != tc.want {
			t.Errorf("FormatValue(%v, %d) = %q, want %q", tc.v, tc.prec, got, tc.want)
		}
	}
}

func TestTokens(t *testing.T) {
	src := `import "a.calc" # c` + "\nlet 𝑥 = max(1, -𝑥)"
	f := Parse(src)
	var got []string
	toks := slices.Clone(f.Tokens)
	slices.SortFunc(toks, func(a, b Token) int { return a.At.Start - b.At.Start })
	kinds := []string{"keyword", "name", "function", "number", "string", "operator", "comment"}
	for _, tok := range toks {
		got = append(got, kinds[tok.Kind]+":"+src[tok.At.Start:tok.At.End])
	}
	want := "keyword:import string:\"a.calc\" comment:# c keyword:let name:𝑥 operator:= function:max operator:( number:1 operator:, operator:- name:𝑥 operator:)"
	if strings.Join(got, " ") != want {
		t.Errorf("tokens:\n got %s\nwant %s", strings.Join(got, " "), want)
	}
}

func TestStatements(t *testing.T) {
	src := "let a = 1\n\n# c\nimport \"x.calc\"\na + 1\n1 +"
	f := Parse(src)
	var kinds []StmtKind
	for i, s := range f.Stmts {
		kinds = append(kinds, s.Kind)
		if s.Line != i {
			t.Errorf("statement %d: Line = %d", i, s.Line)
		}
	}
	if want := []StmtKind{LetStmt, EmptyStmt, EmptyStmt, ImportStmt, ExprStmt, BrokenStmt}; !slices.Equal(kinds, want) {
		t.Errorf("kinds = %v, want %v", kinds, want)
	}
	if s := f.Stmts[3]; s.Path != "x.calc" || src[s.PathAt.Start:s.PathAt.End] != `"x.calc"` {
		t.Errorf("import: %q at %v", s.Path, s.PathAt)
	}
	if s := f.Stmts[2]; s.Comment != "# c" {
		t.Errorf("comment = %q", s.Comment)
	}
}

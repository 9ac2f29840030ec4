package lang

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Span is a half-open range of byte offsets in a file's text.
type Span struct{ Start, End int }

// Contains reports whether offset off is within s, its end included (a
// cursor just after a name is on it).
func (s Span) Contains(off int) bool { return s.Start <= off && off <= s.End }

// Expr is an expression.
type Expr interface{ Span() Span }

// The expressions.
type (
	// Num is a number literal, kept as written.
	Num struct {
		Text  string
		Value float64
		At    Span
	}
	// Ref is a use of a name.
	Ref struct {
		Name string
		At   Span
	}
	// Unary is -X.
	Unary struct {
		X  Expr
		At Span
	}
	// Binary is X Op Y.
	Binary struct {
		Op   byte
		X, Y Expr
		OpAt Span
	}
	// Call is Func(Args…).
	Call struct {
		Func   string
		FuncAt Span
		Args   []Expr
		At     Span
	}
	// Paren is (X).
	Paren struct {
		X  Expr
		At Span
	}
)

// Span returns where the number is.
func (e *Num) Span() Span { return e.At }

// Span returns where the name is.
func (e *Ref) Span() Span { return e.At }

// Span returns where the negation is, from its minus sign.
func (e *Unary) Span() Span { return e.At }

// Span returns where the call is, from the function's name to ')'.
func (e *Call) Span() Span { return e.At }

// Span returns where the parenthesised expression is, parentheses included.
func (e *Paren) Span() Span { return e.At }

// Span returns where the operation is, from its left operand to its right.
func (e *Binary) Span() Span {
	return Span{e.X.Span().Start, e.Y.Span().End}
}

// StmtKind says what a line holds.
type StmtKind int

// The kinds of statement.
const (
	EmptyStmt  StmtKind = iota // nothing but white space and perhaps a comment
	LetStmt                    // let NAME = EXPR
	ImportStmt                 // import "path"
	ExprStmt                   // EXPR
	BrokenStmt                 // a line with a syntax error
)

// Stmt is one line of a file.
type Stmt struct {
	Kind    StmtKind
	Line    int  // line number, from 0
	At      Span // the line, without its line break
	Name    string
	NameAt  Span   // for Let
	Path    string // for Import
	PathAt  Span   // for Import: the string literal
	Expr    Expr   // for Let and Bare
	Comment string // the comment, from '#', if any
	Err     *Diagnostic
}

// File is a parsed file.
type File struct {
	Text   string
	Stmts  []*Stmt
	Tokens []Token
}

// TokenKind classifies a token, for semantic highlighting.
type TokenKind int

// The token kinds.
const (
	TokKeyword TokenKind = iota
	TokName
	TokFunction
	TokNumber
	TokString
	TokOperator
	TokComment
)

// Token is a token of the file, for semantic highlighting.
type Token struct {
	Kind TokenKind
	At   Span
}

// Builtins are the functions calc knows, with their parameter names.
var Builtins = map[string][]string{
	"sqrt":  {"x"},
	"abs":   {"x"},
	"round": {"x"},
	"min":   {"a", "b"},
	"max":   {"a", "b"},
}

// Keywords are the words that start statements.
var Keywords = []string{"let", "import"}

// Parse parses a file. It never fails: a line with a syntax error becomes a
// Broken statement carrying its diagnostic.
func Parse(text string) *File {
	// About one token every four bytes in typical code: sized up front, the
	// token list does not regrow (and copy) as it fills.
	f := &File{Text: text, Tokens: make([]Token, 0, len(text)/4+8)}
	start := 0
	for line := 0; ; line++ {
		end, next := lineEnd(text, start)
		p := &parser{text: text, pos: start, end: end, file: f}
		f.Stmts = append(f.Stmts, p.stmt(line))
		if next < 0 {
			break
		}
		start = next
	}
	return f
}

// lineEnd returns where the line from start ends, and where the next one
// starts (-1 at the end of the text). Lines end with \n, \r\n or \r.
func lineEnd(text string, start int) (end, next int) {
	i := strings.IndexAny(text[start:], "\r\n")
	if i < 0 {
		return len(text), -1
	}
	end = start + i
	if text[end] == '\r' && end+1 < len(text) && text[end+1] == '\n' {
		return end, end + 2
	}
	return end, end + 1
}

// parser reads one line.
type parser struct {
	text     string
	pos, end int
	file     *File
	err      *Diagnostic
}

// syntaxError records the first syntax error of the line.
type syntaxError struct{}

func (p *parser) fail(at Span, format string, args ...any) {
	if p.err == nil {
		p.err = &Diagnostic{At: at, Severity: Error, Message: fmt.Sprintf(format, args...)}
	}
	panic(syntaxError{})
}

func (p *parser) stmt(line int) (s *Stmt) {
	s = &Stmt{Line: line, At: Span{p.pos, p.end}}
	if i := p.commentStart(); i >= 0 {
		s.Comment = strings.TrimRight(p.text[i:p.end], " \t")
		p.file.Tokens = append(p.file.Tokens, Token{TokComment, Span{i, p.end}})
		p.end = i
	}
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(syntaxError); !ok {
				panic(r)
			}
			s.Kind, s.Err = BrokenStmt, p.err
		}
	}()
	p.space()
	switch word, at := p.peekWord(); {
	case p.pos >= p.end:
		s.Kind = EmptyStmt
	case word == "let":
		p.keyword(at)
		s.Kind = LetStmt
		p.space()
		name, nat := p.peekWord()
		if name == "" || !isNameStart(firstRune(name)) {
			p.fail(p.here(), "expected name after 'let'")
		}
		if name == "let" || name == "import" {
			// A keyword never parses as an expression: it cannot be a name.
			p.fail(nat, "'%s' is a keyword, not a name", name)
		}
		p.pos = nat.End
		s.Name, s.NameAt = name, nat
		p.file.Tokens = append(p.file.Tokens, Token{TokName, nat})
		p.space()
		if p.pos >= p.end || p.text[p.pos] != '=' {
			p.fail(p.here(), "expected '=' after 'let %s'", name)
		}
		p.op()
		s.Expr = p.expr()
	case word == "import":
		p.keyword(at)
		s.Kind = ImportStmt
		p.space()
		s.Path, s.PathAt = p.str()
	default:
		s.Kind = ExprStmt
		s.Expr = p.expr()
	}
	p.space()
	if p.pos < p.end {
		p.fail(p.here(), "unexpected %q", strings.TrimRight(p.text[p.pos:p.end], " \t"))
	}
	return s
}

// commentStart finds '#' outside a string literal, or -1.
func (p *parser) commentStart() int {
	inString := false
	for i := p.pos; i < p.end; i++ {
		switch p.text[i] {
		case '"':
			inString = !inString
		case '#':
			if !inString {
				return i
			}
		}
	}
	return -1
}

func (p *parser) here() Span {
	if p.pos >= p.end {
		return Span{p.end, p.end}
	}
	_, size := utf8.DecodeRuneInString(p.text[p.pos:p.end])
	return Span{p.pos, p.pos + size}
}

func (p *parser) space() {
	for p.pos < p.end && (p.text[p.pos] == ' ' || p.text[p.pos] == '\t') {
		p.pos++
	}
}

func (p *parser) keyword(at Span) {
	p.pos = at.End
	p.file.Tokens = append(p.file.Tokens, Token{TokKeyword, at})
}

func (p *parser) op() {
	p.file.Tokens = append(p.file.Tokens, Token{TokOperator, Span{p.pos, p.pos + 1}})
	p.pos++
}

// peekWord returns the name at the position, if one starts there.
func (p *parser) peekWord() (string, Span) {
	i := p.pos
	for i < p.end {
		r, size := utf8.DecodeRuneInString(p.text[i:p.end])
		if i == p.pos && !isNameStart(r) || i > p.pos && !isNamePart(r) {
			break
		}
		i += size
	}
	return p.text[p.pos:i], Span{p.pos, i}
}

func isNameStart(r rune) bool { return r == '_' || unicode.IsLetter(r) }
func isNamePart(r rune) bool  { return isNameStart(r) || unicode.IsDigit(r) }
func firstRune(s string) rune { r, _ := utf8.DecodeRuneInString(s); return r }

// str reads a string literal: the import path.
func (p *parser) str() (string, Span) {
	if p.pos >= p.end || p.text[p.pos] != '"' {
		p.fail(p.here(), "expected a quoted path after 'import'")
	}
	close := strings.IndexByte(p.text[p.pos+1:p.end], '"')
	if close < 0 {
		p.fail(Span{p.pos, p.end}, "unterminated string")
	}
	at := Span{p.pos, p.pos + close + 2}
	p.pos = at.End
	p.file.Tokens = append(p.file.Tokens, Token{TokString, at})
	return p.text[at.Start+1 : at.End-1], at
}

// expr := term (('+' | '-') term)*
func (p *parser) expr() Expr {
	x := p.term()
	for {
		p.space()
		if p.pos >= p.end || (p.text[p.pos] != '+' && p.text[p.pos] != '-') {
			return x
		}
		op, at := p.text[p.pos], Span{p.pos, p.pos + 1}
		p.op()
		x = &Binary{Op: op, X: x, Y: p.term(), OpAt: at}
	}
}

// term := unary (('*' | '/' | '%') unary)*
func (p *parser) term() Expr {
	x := p.unary()
	for {
		p.space()
		if p.pos >= p.end || !strings.ContainsRune("*/%", rune(p.text[p.pos])) {
			return x
		}
		op, at := p.text[p.pos], Span{p.pos, p.pos + 1}
		p.op()
		x = &Binary{Op: op, X: x, Y: p.unary(), OpAt: at}
	}
}

// unary := '-' unary | power
func (p *parser) unary() Expr {
	p.space()
	if p.pos < p.end && p.text[p.pos] == '-' {
		start := p.pos
		p.op()
		x := p.unary()
		return &Unary{X: x, At: Span{start, x.Span().End}}
	}
	return p.power()
}

// power := primary ('^' unary)?, so 2^3^2 is 2^(3^2) and -2^2 is -(2^2).
func (p *parser) power() Expr {
	x := p.primary()
	p.space()
	if p.pos < p.end && p.text[p.pos] == '^' {
		at := Span{p.pos, p.pos + 1}
		p.op()
		return &Binary{Op: '^', X: x, Y: p.unary(), OpAt: at}
	}
	return x
}

// primary := NUMBER | NAME | NAME '(' args ')' | '(' expr ')'
func (p *parser) primary() Expr {
	p.space()
	if p.pos >= p.end {
		p.fail(p.here(), "expected expression")
	}
	c := p.text[p.pos]
	switch {
	case c == '(':
		start := p.pos
		p.op()
		x := p.expr()
		p.space()
		if p.pos >= p.end || p.text[p.pos] != ')' {
			p.fail(p.here(), "expected ')'")
		}
		p.op()
		return &Paren{X: x, At: Span{start, p.pos}}
	case c >= '0' && c <= '9' || c == '.':
		return p.number()
	}
	name, at := p.peekWord()
	if name == "" || name == "let" || name == "import" {
		p.fail(p.here(), "expected expression")
	}
	p.pos = at.End
	if p.pos < p.end && p.text[p.pos] == '(' {
		return p.call(name, at)
	}
	p.file.Tokens = append(p.file.Tokens, Token{TokName, at})
	return &Ref{Name: name, At: at}
}

func (p *parser) call(name string, at Span) Expr {
	p.file.Tokens = append(p.file.Tokens, Token{TokFunction, at})
	p.op() // (
	call := &Call{Func: name, FuncAt: at}
	p.space()
	if p.pos < p.end && p.text[p.pos] == ')' {
		p.op()
		call.At = Span{at.Start, p.pos}
		return call
	}
	for {
		call.Args = append(call.Args, p.expr())
		p.space()
		if p.pos < p.end && p.text[p.pos] == ',' {
			p.op()
			continue
		}
		if p.pos >= p.end || p.text[p.pos] != ')' {
			p.fail(p.here(), "expected ',' or ')'")
		}
		p.op()
		call.At = Span{at.Start, p.pos}
		return call
	}
}

// number reads digits, an optional fraction and an optional exponent.
func (p *parser) number() Expr {
	start := p.pos
	digits := func() {
		for p.pos < p.end && p.text[p.pos] >= '0' && p.text[p.pos] <= '9' {
			p.pos++
		}
	}
	digits()
	if p.pos < p.end && p.text[p.pos] == '.' {
		p.pos++
		digits()
	}
	if p.pos < p.end && (p.text[p.pos] == 'e' || p.text[p.pos] == 'E') {
		save := p.pos
		p.pos++
		if p.pos < p.end && (p.text[p.pos] == '+' || p.text[p.pos] == '-') {
			p.pos++
		}
		if p.pos >= p.end || p.text[p.pos] < '0' || p.text[p.pos] > '9' {
			p.pos = save
		} else {
			digits()
		}
	}
	at := Span{start, p.pos}
	text := p.text[start:p.pos]
	v, err := strconv.ParseFloat(text, 64)
	if err != nil && !strings.Contains(err.Error(), "range") {
		p.fail(at, "invalid number %q", text)
	}
	p.file.Tokens = append(p.file.Tokens, Token{TokNumber, at})
	return &Num{Text: text, Value: v, At: at}
}

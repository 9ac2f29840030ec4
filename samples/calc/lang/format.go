package lang

import (
	"strings"
)

// Format returns the canonical form of a file: `let NAME = EXPR`, one space
// around binary operators, none inside parentheses or after a unary minus,
// `, ` between arguments, comments kept (one space before a comment that
// follows code), trailing spaces dropped. Lines with syntax errors keep
// their text, less trailing spaces. Line breaks are kept as they are.
func Format(f *File) string {
	var b strings.Builder
	text := f.Text
	for _, s := range f.Stmts {
		b.WriteString(FormatStmt(text, s))
		// Keep the line break that ended the line.
		end := s.At.End
		if end < len(text) {
			if text[end] == '\r' && end+1 < len(text) && text[end+1] == '\n' {
				b.WriteString("\r\n")
			} else {
				b.WriteByte(text[end])
			}
		}
	}
	return b.String()
}

// FormatStmt returns the canonical form of one line, without its line break.
func FormatStmt(text string, s *Stmt) string {
	var code string
	switch s.Kind {
	case LetStmt:
		code = "let " + s.Name + " = " + FormatExpr(s.Expr)
	case ImportStmt:
		code = "import " + text[s.PathAt.Start:s.PathAt.End]
	case ExprStmt:
		code = FormatExpr(s.Expr)
	case BrokenStmt:
		line := text[s.At.Start:s.At.End]
		return strings.TrimRight(line, " \t")
	case EmptyStmt:
		// Emptied, a blank line between a lone "\r" and a "\n" would join
		// them into one "\r\n" and the file would lose a line: it keeps its
		// white space.
		if s.Comment == "" && s.At.Start > 0 && text[s.At.Start-1] == '\r' && s.At.End < len(text) && text[s.At.End] == '\n' {
			return text[s.At.Start:s.At.End]
		}
	}
	switch {
	case s.Comment == "":
		return code
	case code == "":
		// A comment line keeps its indentation.
		line := text[s.At.Start:s.At.End]
		return line[:len(line)-len(strings.TrimLeft(line, " \t"))] + s.Comment
	}
	return code + " " + s.Comment
}

// FormatExpr returns the canonical form of an expression.
func FormatExpr(x Expr) string {
	var b strings.Builder
	writeExpr(&b, x)
	return b.String()
}

func writeExpr(b *strings.Builder, x Expr) {
	switch x := x.(type) {
	case *Num:
		b.WriteString(x.Text)
	case *Ref:
		b.WriteString(x.Name)
	case *Paren:
		b.WriteByte('(')
		writeExpr(b, x.X)
		b.WriteByte(')')
	case *Unary:
		b.WriteByte('-')
		writeExpr(b, x.X)
	case *Binary:
		writeExpr(b, x.X)
		b.WriteString(" " + string(x.Op) + " ")
		writeExpr(b, x.Y)
	case *Call:
		b.WriteString(x.Func + "(")
		for i, a := range x.Args {
			if i > 0 {
				b.WriteString(", ")
			}
			writeExpr(b, a)
		}
		b.WriteByte(')')
	}
}

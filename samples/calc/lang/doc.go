// Package lang is the calc language: its syntax, its checks and its
// evaluation, with no knowledge of LSP. Package calc builds the language
// server on it.
//
// A .calc file has one statement a line: `let NAME = EXPR`, `import
// "relative/path.calc"`, or a bare EXPR; `#` starts a comment that runs to
// the end of the line. A NAME is a Unicode letter or `_`, then letters,
// digits or `_` (so `π` and `𝑥` are names). An EXPR is made of numbers
// (`12`, `1.5`, `2e3`), names, unary `-`, the binary operators `+ - * / %
// ^` (`^` binds tightest and is right-associative), parentheses, and calls
// of the built-ins sqrt, abs, min, max and round. A name must be defined by
// a let earlier in the same file or in a file it imports. Values are
// float64.
//
// Everything here works in byte offsets into a file's text; Span is a
// half-open byte range.
package lang

package lang

import (
	"testing"
	"unicode/utf8"
)

// FuzzParse checks that Parse, Check and Format never panic, that every
// span lies within the text, and that Format is idempotent on text that
// parses without error: Format(Parse(Format(x))) == Format(x).
//
//	go test ./samples/calc/lang -run '^$' -fuzz FuzzParse -fuzztime 60s
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"",
		"let x = 1 + 2 * 3\nx ^ 2 ^ 3 # c\n",
		"-2^2\n2^3^2\n--2\n1--2\n2^-1",
		"let 𝑥𝑦 = π * (𝑥 + 1)\r\nmax(1, min(2, sqrt(abs(-4))))\rround(2.5)",
		"import \"a#b.calc\" # c\nimport x\nimport \"abc",
		"  # indented\n\t# tab\n   \n",
		"1 +\n(1\nmax(1 2)\n1 2\n1e\n1.\n.5\n2e3\n2E-3\n.\n1e999",
		"let = 1\nlet x 1\nlet let = 2\nlet x = x\nfoo(1)\n1/0\n1 % (2-2)",
		"\"s\" # \"q\"\n\x00\xff\xfe",
		"\r  \n", // found by the fuzzer: Format joined the two line breaks
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, src string) {
		file := Parse(src)
		a := Check("f.calc", file, nil)
		inText := func(what string, s Span) {
			if s.Start < 0 || s.Start > s.End || s.End > len(src) {
				t.Fatalf("%s span %v outside the text (%d bytes) %q", what, s, len(src), src)
			}
		}
		broken := false
		for _, s := range file.Stmts {
			inText("statement", s.At)
			broken = broken || s.Kind == BrokenStmt
		}
		for _, tok := range file.Tokens {
			inText("token", tok.At)
		}
		for _, d := range a.Diagnostics {
			inText("diagnostic", d.At)
			if d.Message == "" {
				t.Fatalf("empty diagnostic message at %v in %q", d.At, src)
			}
		}
		for _, u := range a.Uses {
			inText("use", u.At)
			if src[u.At.Start:u.At.End] != u.Name {
				t.Fatalf("use %q at %v covers %q", u.Name, u.At, src[u.At.Start:u.At.End])
			}
		}
		once := Format(file)
		if utf8.ValidString(src) && !utf8.ValidString(once) {
			t.Fatalf("Format made invalid UTF-8 of %q: %q", src, once)
		}
		if broken {
			return
		}
		again := Parse(once)
		for _, s := range again.Stmts {
			if s.Kind == BrokenStmt {
				t.Fatalf("Format(%q) = %q, which does not parse: %s", src, once, s.Err.Message)
			}
		}
		if twice := Format(again); twice != once {
			t.Fatalf("Format is not idempotent:\n   src %q\n  once %q\n twice %q", src, once, twice)
		}
		// Formatting keeps every line and changes no meaning: the same
		// values come out.
		if len(again.Stmts) != len(file.Stmts) {
			t.Fatalf("Format(%q) = %q: %d lines, not %d", src, once, len(again.Stmts), len(file.Stmts))
		}
		b := Check("f.calc", again, nil)
		for i, s := range file.Stmts {
			v1, ok1 := a.Values[s]
			v2, ok2 := b.Values[again.Stmts[i]]
			if ok1 != ok2 || ok1 && v1 != v2 && !(v1 != v1 && v2 != v2) {
				t.Fatalf("line %d of %q: value %v (%v) before formatting, %v (%v) after", i, src, v1, ok1, v2, ok2)
			}
		}
	})
}

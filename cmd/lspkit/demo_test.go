package main

import (
	"strings"
	"testing"
)

// TestDemo runs `lspkit demo` as a newcomer would and checks that each step
// of the session shows what the calc server really answered.
func TestDemo(t *testing.T) {
	res := execLspkit(t, "", "demo")
	if res.code != 0 {
		t.Fatalf("lspkit demo exited %d; stderr:\n%s", res.code, res.stderr)
	}
	for _, want := range []string{
		"server calc ",                           // serverInfo from initialize
		"hover, ",                                // derived capabilities
		"line 5, columns 6-14: division by zero", // pushed diagnostics, exact range
		"area = 12.56636",                        // hover: the value, computed
		"let area = π * r ^ 2",                   // hover: the defining line, formatted
		"r, π, area, abs, max",                   // completion: names in order, then built-ins
		"line 4, columns 16-16 → \"radius\"",     // rename across the file
		"exited with code 0",                     // shutdown and exit
	} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("demo output lacks %q; output:\n%s", want, res.stdout)
		}
	}
}

// TestDemoRaw checks that --raw prints each message as JSON, in the step
// it belongs to, and that both forms say how they count lines.
func TestDemoRaw(t *testing.T) {
	t.Parallel()
	plain := execLspkit(t, "", "demo")
	raw := execLspkit(t, "", "demo", "--raw")
	if plain.code != 0 || raw.code != 0 {
		t.Fatalf("exit %d and %d; stderr:\n%s\n%s", plain.code, raw.code, plain.stderr, raw.stderr)
	}
	for _, out := range []string{plain.stdout, raw.stdout} {
		if !strings.Contains(out, "Lines and columns below count from 1, as an editor shows them; the protocol's count from 0") {
			t.Errorf("the output does not say how it counts lines:\n%s", out)
		}
	}
	if strings.Contains(plain.stdout, `{"jsonrpc"`) {
		t.Errorf("without --raw, messages are printed:\n%s", plain.stdout)
	}
	// Each raw message in order, within its step: the diagnostics' 0-based
	// range right before the readable 1-based one.
	want := []string{
		"── initialize:",
		`   → {"jsonrpc":"2.0","id":1,"method":"initialize",`,
		`   ← {"jsonrpc":"2.0","id":1,"result":{"capabilities":`,
		`   → {"jsonrpc":"2.0","method":"initialized"`,
		"── textDocument/didOpen:",
		`   → {"jsonrpc":"2.0","method":"textDocument/didOpen"`,
		"── textDocument/publishDiagnostics:",
		`"range":{"start":{"line":4,"character":5},"end":{"line":4,"character":14}}`,
		"line 5, columns 6-14: division by zero",
		"── shutdown, exit:",
		`   → {"jsonrpc":"2.0","id":5,"method":"shutdown"}`,
		`   ← {"jsonrpc":"2.0","id":5,"result":null}`,
		`   → {"jsonrpc":"2.0","method":"exit"}`,
		"exited with code 0",
	}
	rest := raw.stdout
	for _, w := range want {
		i := strings.Index(rest, w)
		if i < 0 {
			t.Fatalf("--raw output lacks %q after what came before; output:\n%s", w, raw.stdout)
		}
		rest = rest[i+len(w):]
	}
}

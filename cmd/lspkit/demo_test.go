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

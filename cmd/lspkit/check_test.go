package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheckCommand runs `lspkit check` as a user does: the report on
// stdout, --json, --only, --list, and the exit status.
func TestCheckCommand(t *testing.T) {
	bin := lspkitBinary(t)
	jsonFile := filepath.Join(t.TempDir(), "report.json")
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stdout []string // each must appear
		stderr string
	}{
		{"arith passes", cmdline("check", "--only", "jsonrpc", "--json", jsonFile, "--", arithServer(t, "header")), 0,
			[]string{"PASS  MUST   jsonrpc.batch-mixed", "9 checks in", "9 passed, 0 failed"}, ""},
		{"line framing", cmdline("check", "--framing", "line", "--only", "framing", "--", arithServer(t, "line")), 0,
			[]string{"SKIP  MUST   framing.header-case", "applies to header framing only", "4 passed"}, ""},
		{"a MUST fails", cmdline("check", "--only", "jsonrpc.method-not-found", "--", bin, "serve", "calc"), 1,
			[]string{"FAIL  MUST   jsonrpc.method-not-found", "why:", "-32002", "rule:", "JSON-RPC 2.0 §5.1", "sent:", "recv:"}, ""},
		{"json to stdout", cmdline("check", "--lsp", "--only", "lsp.eof", "--json", "-", "--", bin, "serve", "calc"), 0,
			[]string{`"id": "lsp.eof"`, `"verdict": "pass"`, `"level": "SHOULD"`}, ""},
		{"list", cmdline("check", "--list", "--lsp"), 0,
			[]string{"MUST   lsp.capabilities", "SHOULD framing.content-type", "LSP 3.17 §Initialize Request"}, ""},
		{"unknown id", cmdline("check", "--only", "nope", "--", arithServer(t, "header")), 1, nil, "no check \"nope\""},
		{"no server", cmdline("check"), 1, nil, "give the server's command line after --"},
		{"bad framing", cmdline("check", "--framing", "xml", "--", arithServer(t, "header")), 1, nil, "--framing must be header or line"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := execLspkit(t, "", tc.args...)
			if res.code != tc.code {
				t.Errorf("exit status %d, want %d\nstdout:\n%s\nstderr:\n%s", res.code, tc.code, res.stdout, res.stderr)
			}
			for _, want := range tc.stdout {
				if !strings.Contains(res.stdout, want) {
					t.Errorf("stdout lacks %q:\n%s", want, res.stdout)
				}
			}
			if !strings.Contains(res.stderr, tc.stderr) {
				t.Errorf("stderr lacks %q:\n%s", tc.stderr, res.stderr)
			}
		})
	}
	// The --json file of the first case holds the whole report.
	data, err := os.ReadFile(jsonFile)
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Server  []string `json:"server"`
		Results []struct {
			ID, Verdict string
			Exchange    []struct{ Dir, Text string }
		} `json:"results"`
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Results) != 9 || len(rep.Server) == 0 {
		t.Fatalf("--json file: %d results, server %v", len(rep.Results), rep.Server)
	}
	for _, r := range rep.Results {
		if r.Verdict != "pass" || len(r.Exchange) == 0 {
			t.Errorf("--json file: %s: %s, %d lines of exchange", r.ID, r.Verdict, len(r.Exchange))
		}
	}
}

package check

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
)

// run runs cfg and fails the test on a configuration error.
func run(t *testing.T, cfg Config) *Report {
	t.Helper()
	rep, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// explain is the text report, for a failing test's message.
func explain(rep *Report) string {
	var b strings.Builder
	_ = rep.WriteText(&b, false)
	return b.String()
}

// TestSamplesPass: lspkit's own samples, in every framing they speak, pass
// every check (the ones that apply; only framing-specific ones skip).
func TestSamplesPass(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole catalogue against four servers")
	}
	bin := lspkitBinary(t)
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"arith-header", Config{Argv: []string{bin, "serve", "arith"}}},
		{"arith-line", Config{Argv: []string{bin, "serve", "arith", "--framing", "line"}, Framing: "line"}},
		{"calc-header", Config{Argv: []string{bin, "serve", "calc"}, LSP: true}},
		{"calc-line", Config{Argv: []string{bin, "serve", "calc", "--framing", "line"}, Framing: "line", LSP: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rep := run(t, tc.cfg)
			want := len(Catalogue())
			if !tc.cfg.LSP {
				want -= len(lspCatalogue())
			}
			if len(rep.Results) != want {
				t.Errorf("%d results, want %d", len(rep.Results), want)
			}
			for _, r := range rep.Results {
				if r.Verdict == Pass {
					continue
				}
				c := checkByID(r.ID)
				if r.Verdict == Skip && c.Framing != "" && c.Framing != tc.cfg.Framing {
					continue
				}
				t.Errorf("%s: %s: %s", r.ID, r.Verdict, r.Detail)
			}
			if rep.Failed() || t.Failed() {
				t.Errorf("report:\n%s", explain(rep))
			}
		})
	}
}

func checkByID(id string) Check {
	for _, c := range Catalogue() {
		if c.ID == id {
			return c
		}
	}
	panic("no check " + id)
}

// defects maps every check to the defect of testdata/brokensrv it must
// catch; TestDefects fails if a check has none.
var defects = map[string]string{
	"framing.header-case":         "header-case",
	"framing.content-type":        "charset",
	"framing.split":               "split",
	"framing.coalesced":           "coalesced",
	"framing.large":               "large",
	"framing.stdout-clean":        "stdout-junk",
	"jsonrpc.parse-error":         "parse-error",
	"jsonrpc.invalid-request":     "invalid-request",
	"jsonrpc.method-not-found":    "method-not-found",
	"jsonrpc.notification-silent": "notify-reply",
	"jsonrpc.ids":                 "ids",
	"jsonrpc.batch-empty":         "batch-empty",
	"jsonrpc.batch-notifications": "batch-notifications",
	"jsonrpc.batch-mixed":         "batch-mixed",
	"jsonrpc.batch-invalid":       "batch-invalid",
	"robust.huge-length":          "huge-length",
	"robust.garbage":              "garbage",
	"robust.invalid-utf8":         "invalid-utf8",
	"robust.deep-nesting":         "deep-nesting",
	"robust.slow-reader":          "slow-reader",
	"concurrency.pipelined":       "pipelined",
	"concurrency.cancel":          "cancel",
	"lsp.before-initialize":       "before-init",
	"lsp.initialize-twice":        "init-twice",
	"lsp.after-shutdown":          "after-shutdown",
	"lsp.exit-after-shutdown":     "exit-always-1",
	"lsp.exit-without-shutdown":   "exit-always-0",
	"lsp.eof":                     "eof",
	"lsp.dead-parent":             "dead-parent",
	"lsp.position-encoding":       "position-encoding",
	"lsp.capabilities":            "capabilities",
	"lsp.unadvertised":            "unadvertised",
}

// TestBrokenServerControl: brokensrv without a defect passes every check,
// so that each defect below is what makes its check fail.
func TestBrokenServerControl(t *testing.T) {
	bin := brokenBinary(t)
	for _, lsp := range []bool{false, true} {
		argv := []string{bin}
		if lsp {
			argv = append(argv, "-lsp")
		}
		rep := run(t, Config{Argv: argv, LSP: lsp})
		for _, r := range rep.Results {
			if r.Verdict != Pass {
				t.Errorf("lsp=%v: %s: %s: %s", lsp, r.ID, r.Verdict, r.Detail)
			}
		}
		if t.Failed() {
			t.Fatalf("report:\n%s", explain(rep))
		}
	}
}

// TestDefects: every check fails against the server with its defect — a
// check that cannot fail is no check.
func TestDefects(t *testing.T) {
	bin := brokenBinary(t)
	for _, c := range Catalogue() {
		defect, ok := defects[c.ID]
		if !ok {
			t.Errorf("%s: no defect of brokensrv fails it", c.ID)
			continue
		}
		t.Run(c.ID, func(t *testing.T) {
			t.Parallel()
			argv := []string{bin, "-defect", defect}
			if c.LSP {
				argv = append(argv, "-lsp")
			}
			rep := run(t, Config{Argv: argv, LSP: c.LSP, Only: []string{c.ID}})
			r := rep.Result(c.ID)
			if r == nil || r.Verdict != Fail {
				t.Fatalf("-defect %s: want %s to fail; report:\n%s", defect, c.ID, explain(rep))
			}
			if rep.Failed() != (c.Rule.Level == Must) {
				t.Errorf("Failed() = %v for a failed %s check", rep.Failed(), c.Rule.Level)
			}
			if r.Detail == "" || len(r.Exchange) == 0 {
				t.Errorf("a failure without detail or exchange: %+v", r)
			}
		})
	}
}

func TestCatalogue(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range Catalogue() {
		switch {
		case seen[c.ID]:
			t.Errorf("%s: two checks with this id", c.ID)
		case c.Rule.Level != Must && c.Rule.Level != Should:
			t.Errorf("%s: level %q", c.ID, c.Rule.Level)
		case c.Rule.Ref == "" || c.Rule.Text == "" || c.Title == "":
			t.Errorf("%s: no rule reference, text or title", c.ID)
		case c.LSP != strings.HasPrefix(c.ID, "lsp."):
			t.Errorf("%s: LSP is %v", c.ID, c.LSP)
		}
		seen[c.ID] = true
	}
}

func TestSelect(t *testing.T) {
	for _, tc := range []struct {
		only []string
		lsp  bool
		want int // -1: an error
	}{
		{nil, false, len(Catalogue()) - len(lspCatalogue())},
		{nil, true, len(Catalogue())},
		{[]string{"jsonrpc.ids"}, false, 1},
		{[]string{"jsonrpc"}, false, 9},
		{[]string{"jsonrpc.batch-*"}, false, 4},
		{[]string{"lsp"}, false, -1}, // LSP checks need LSP
		{[]string{"lsp.eof", "framing"}, true, 7},
		{[]string{"no.such"}, true, -1},
	} {
		got, err := Select(Config{Only: tc.only, LSP: tc.lsp})
		switch {
		case tc.want < 0 && err == nil:
			t.Errorf("Select(%v, lsp %v): no error", tc.only, tc.lsp)
		case tc.want >= 0 && (err != nil || len(got) != tc.want):
			t.Errorf("Select(%v, lsp %v) = %d checks, %v; want %d", tc.only, tc.lsp, len(got), err, tc.want)
		}
	}
}

func TestSameID(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{`1`, `1`, true},
		{`1`, `1.0`, false},
		{`1`, `"1"`, false},
		{`"é"`, `"\u00e9"`, true},
		{`null`, `null`, true},
		{`null`, ``, false},
		{`9007199254740993`, `9007199254740992`, false},
		{` 7`, `7 `, true},
	} {
		if got := sameID(json.RawMessage(tc.a), json.RawMessage(tc.b)); got != tc.want {
			t.Errorf("sameID(%s, %s) = %v", tc.a, tc.b, got)
		}
	}
}

func TestEnvelopeNullID(t *testing.T) {
	for body, want := range map[string]bool{
		`{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"x"}}`: true,
		`{"jsonrpc":"2.0","error":{"code":-32700,"message":"x"}}`:           false,
		`{"jsonrpc":"2.0","id":1,"result":null}`:                            false,
	} {
		e, err := parseEnvelope([]byte(body))
		if err != nil || e.hasNullID() != want || !e.isResponse() {
			t.Errorf("%s: hasNullID %v, isResponse %v, %v", body, e.hasNullID(), e.isResponse(), err)
		}
	}
}

func TestRunErrors(t *testing.T) {
	for _, cfg := range []Config{
		{},
		{Argv: []string{"/no/such/server"}},
		{Argv: []string{"go"}, Framing: "xml"},
		{Argv: []string{"go"}, Only: []string{"nothing"}},
	} {
		if _, err := Run(context.Background(), cfg); err == nil {
			t.Errorf("Run(%+v): no error", cfg)
		}
	}
}

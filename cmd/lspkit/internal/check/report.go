package check

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
)

// WriteText writes the report for a reader: one line per check, and for
// each check that did not pass (for all, when verbose) the rule, why, what
// was sent and what came back, and the tail of the server's stderr.
func (r *Report) WriteText(w io.Writer, verbose bool) error {
	mode := "JSON-RPC"
	if r.LSP {
		mode = "LSP"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "lspkit check: %s (%s, %s framing)\n\n", strings.Join(r.Server, " "), mode, r.Framing)
	idWidth := 0
	for _, res := range r.Results {
		idWidth = max(idWidth, len(res.ID))
	}
	for _, res := range r.Results {
		fmt.Fprintf(&b, "%-5s %-6s %-*s  %s\n", strings.ToUpper(string(res.Verdict)), res.Rule.Level, idWidth, res.ID, res.Title)
		if res.Verdict == Pass && !verbose {
			continue
		}
		indent := "      "
		if res.Detail != "" {
			fmt.Fprintf(&b, "%s%-7s %s\n", indent, whyLabel(res.Verdict)+":", res.Detail)
		}
		if (res.Verdict == Skip || res.Verdict == Error) && !verbose {
			continue
		}
		fmt.Fprintf(&b, "%s%-7s %s: %s\n", indent, "rule:", res.Rule.Ref, res.Rule.Text)
		for _, l := range res.Exchange {
			fmt.Fprintf(&b, "%s%-7s %s\n", indent, l.Dir+":", oneLine(l.Text))
		}
		if res.Stderr != "" {
			fmt.Fprintf(&b, "%sstderr (last lines):\n", indent)
			for _, l := range strings.Split(res.Stderr, "\n") {
				fmt.Fprintf(&b, "%s  | %s\n", indent, oneLine(l))
			}
		}
	}
	c := r.counts()
	fmt.Fprintf(&b, "\n%d checks in %v: %d passed, %d failed (%d MUST, %d SHOULD), %d skipped, %d could not be run\n",
		len(r.Results), r.Elapsed.Round(100*time.Millisecond), c.pass, c.failMust+c.failShould, c.failMust, c.failShould, c.skip, c.err)
	_, err := io.WriteString(w, b.String())
	return err
}

func whyLabel(v Verdict) string {
	if v == Pass {
		return "seen"
	}
	return "why"
}

// oneLine makes s fit on one line of the report.
func oneLine(s string) string {
	return strings.NewReplacer("\r", `\r`, "\n", `\n`).Replace(s)
}

type counts struct{ pass, failMust, failShould, skip, err int }

func (r *Report) counts() counts {
	var c counts
	for _, res := range r.Results {
		switch {
		case res.Verdict == Pass:
			c.pass++
		case res.Verdict == Fail && res.Rule.Level == Must:
			c.failMust++
		case res.Verdict == Fail:
			c.failShould++
		case res.Verdict == Skip:
			c.skip++
		default:
			c.err++
		}
	}
	return c
}

// WriteJSON writes the report as one indented JSON document.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}

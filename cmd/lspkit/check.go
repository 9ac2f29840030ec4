package main

// This file is `lspkit check`: run the catalogue of conformance and
// robustness checks (package internal/check) against any stdio server.

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/lspkit/lspkit/cmd/lspkit/internal/check"
	"github.com/spf13/cobra"
)

// checkFlags are the flags of `lspkit check`.
type checkFlags struct {
	lsp        bool
	framing    string
	only       []string
	jsonFile   string
	verbose    bool
	list       bool
	parallel   int
	languageID string
	document   string
}

func newCheck() *cobra.Command {
	var f checkFlags
	cmd := &cobra.Command{
		Use:   "check [--lsp] [--framing header|line] [--only IDS] [--json FILE] -- SERVER [ARGS...]",
		Short: "Check that any stdio JSON-RPC or LSP server keeps the protocol's rules",
		Long: `Run a catalogue of black-box checks against the server SERVER ARGS...: its
framing, its JSON-RPC (errors, ids, notifications, batches), its robustness
(a huge Content-Length, garbage, invalid UTF-8, deep nesting, a client that
stops reading), pipelining and cancellation, and with --lsp the Language
Server Protocol's lifecycle (before initialize, a second initialize, after
shutdown, exit statuses, the end of stdin, a dead parent process), the
position encoding, every advertised capability, and what it may send a
client that advertised little.

Each check starts fresh server processes, is bounded in time, and cites the
rule it checks (a section of JSON-RPC 2.0, the LSP base protocol or LSP 3.17)
with its level, MUST or SHOULD. Checks run in parallel; a run takes seconds
to about a minute. The report (stdout) has one line per check, and for each
that failed what was sent, what came back, the rule and the tail of the
server's stderr; --json FILE writes it all as JSON too (- for stdout, instead
of the text). Progress is shown on stderr when it is a terminal.

The exit status is 1 when a MUST check fails or a check could not be run
(the server did not start, or did not answer initialize), 0 otherwise:
SHOULD failures are reported but do not fail the run.

With --lsp, the checks open one document: --document FILE (default: a few
lines of text) with --language-id (default: plaintext).`,
		Example: `  lspkit check -- lspkit serve arith
  lspkit check --framing line -- lspkit serve arith --framing line
  lspkit check --lsp -- lspkit serve calc
  lspkit check --lsp --only jsonrpc.ids,lsp.* --json report.json -- yourserver --stdio
  lspkit check --lsp --language-id json --document package.json -- vscode-json-language-server --stdio
  lspkit check --list --lsp`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.list {
				return listChecks(cmd.OutOrStdout(), &f)
			}
			argv, err := serverArgs(cmd, args, 0)
			if err != nil {
				return err
			}
			return runCheck(cmd, &f, argv)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&f.lsp, "lsp", false, "the server is a language server: initialize it in every check, and run the LSP checks")
	fl.StringVar(&f.framing, "framing", "header", framingUsage)
	fl.StringSliceVar(&f.only, "only", nil, "run only these checks: ids or groups (framing, jsonrpc, robust, concurrency, lsp), comma-separated")
	fl.StringVar(&f.jsonFile, "json", "", "also write the report as JSON to this file (- for stdout, instead of the text)")
	fl.BoolVarP(&f.verbose, "verbose", "v", false, "show the rule and the exchange of every check, passed ones too")
	fl.BoolVar(&f.list, "list", false, "list the checks (with --lsp, the LSP ones too) and exit")
	fl.IntVar(&f.parallel, "parallel", 0, "checks run at once (default: the number of CPUs, at least 4)")
	fl.StringVar(&f.languageID, "language-id", "plaintext", "with --lsp: the languageId of the document the checks open")
	fl.StringVar(&f.document, "document", "", "with --lsp: a file whose text the checks open as the document")
	return cmd
}

// listChecks prints the catalogue: id, level, title and rule.
func listChecks(w io.Writer, f *checkFlags) error {
	checks, err := check.Select(check.Config{LSP: f.lsp, Only: f.only})
	if err != nil {
		return err
	}
	var b strings.Builder
	for _, c := range checks {
		fmt.Fprintf(&b, "%-6s %-28s %s\n       %s: %s\n", c.Rule.Level, c.ID, c.Title, c.Rule.Ref, c.Rule.Text)
	}
	_, err = io.WriteString(w, b.String())
	return err
}

func runCheck(cmd *cobra.Command, f *checkFlags, argv []string) error {
	if _, err := framerByName(f.framing); err != nil {
		return err
	}
	cfg := check.Config{
		Argv: argv, LSP: f.lsp, Framing: f.framing, Only: f.only,
		Parallel: f.parallel, LanguageID: f.languageID,
	}
	if f.document != "" {
		text, err := os.ReadFile(f.document)
		if err != nil {
			return fmt.Errorf("--document: %w", err)
		}
		cfg.Document = string(text)
	}
	stderr := cmd.ErrOrStderr()
	if isTerminal(stderr) {
		cfg.Progress = func(done, total int, running []string) {
			line := fmt.Sprintf("checking: %d/%d done; running %s", done, total, strings.Join(running, ", "))
			if len(line) > 100 {
				line = line[:99] + "…"
			}
			fmt.Fprintf(stderr, "\r\033[K%s", line)
		}
	}
	rep, err := check.Run(cmd.Context(), cfg)
	if cfg.Progress != nil {
		fmt.Fprint(stderr, "\r\033[K")
	}
	if err != nil {
		return err
	}
	switch f.jsonFile {
	case "":
		err = rep.WriteText(cmd.OutOrStdout(), f.verbose)
	case "-":
		err = rep.WriteJSON(cmd.OutOrStdout())
	default:
		if err = rep.WriteText(cmd.OutOrStdout(), f.verbose); err == nil {
			err = writeJSONFile(f.jsonFile, rep)
		}
	}
	if err != nil {
		return err
	}
	if rep.Failed() {
		return exitCode(1)
	}
	return nil
}

// writeJSONFile writes the report to path.
func writeJSONFile(path string, rep *check.Report) error {
	fh, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("--json: %w", err)
	}
	if err := rep.WriteJSON(fh); err != nil {
		fh.Close()
		return fmt.Errorf("--json: %w", err)
	}
	return fh.Close()
}

// isTerminal reports whether w is a terminal (a character device).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
